#pragma once
// Conversions between synack's endpoints and the socket API's addresses.
#include <cstdint>
#include <cstring>
#include <optional>

#include <netinet/in.h>
#include <sys/socket.h>

#include "synack/tcp/endpoint.hpp"

namespace synack::transport::detail {

/// A socket address and its length, as bind/connect/sendto take them.
struct socket_address {
    sockaddr_storage storage{};
    socklen_t length = 0;

    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
    sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
    int family() const noexcept { return storage.ss_family; }
};

inline socket_address to_socket_address(const tcp::endpoint& e) noexcept {
    socket_address out{};
    if (e.address.v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(e.port);
        std::memcpy(&a.sin6_addr, e.address.bytes.bytes.data(), 16);
        std::memcpy(&out.storage, &a, sizeof a);
        out.length = sizeof a;
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(e.port);
        std::memcpy(&a.sin_addr, e.address.bytes.bytes.data(), 4);
        std::memcpy(&out.storage, &a, sizeof a);
        out.length = sizeof a;
    }
    return out;
}

/// The endpoint of an IPv4 or IPv6 socket address; nullopt for another family.
inline std::optional<tcp::endpoint> to_endpoint(const sockaddr_storage& s) noexcept {
    if (s.ss_family == AF_INET) {
        sockaddr_in a{};
        std::memcpy(&a, &s, sizeof a);
        tcp::ipv4_address v4{};
        std::memcpy(v4.bytes.data(), &a.sin_addr, 4);
        return tcp::endpoint{v4, ntohs(a.sin_port)};
    }
    if (s.ss_family == AF_INET6) {
        sockaddr_in6 a{};
        std::memcpy(&a, &s, sizeof a);
        tcp::ipv6_address v6{};
        std::memcpy(v6.bytes.data(), &a.sin6_addr, 16);
        return tcp::endpoint{v6, ntohs(a.sin6_port)};
    }
    return std::nullopt;
}

} // namespace synack::transport::detail
