#pragma once
/// \file
/// One end of a TCP connection: an IP address and a port (RFC 9293 2.7: a connection is
/// fully specified by the pair of sockets at its ends).
#include <cstdint>

#include "synack/tcp/ip.hpp"
#include "synack/tcp/isn.hpp"

namespace synack::tcp {

/// An address and a port.
struct endpoint {
    ip_address address{};
    std::uint16_t port = 0;
    friend constexpr bool operator==(const endpoint&, const endpoint&) noexcept = default;
};

/// The connection named by its two ends. Mixed families (one IPv4 end, one IPv6) name
/// the IPv6 connection with the IPv4 end IPv4-mapped.
constexpr four_tuple make_four_tuple(const endpoint& local, const endpoint& remote) noexcept {
    if (!local.address.v6 && !remote.address.v6) return {local.address.v4(), local.port, remote.address.v4(), remote.port};
    const auto as_v6 = [](const ip_address& a) {
        return a.v6 ? a.bytes : four_tuple{a.v4(), 0, a.v4(), 0}.local_address();
    };
    return {as_v6(local.address), local.port, as_v6(remote.address), remote.port};
}

} // namespace synack::tcp
