#pragma once
/// \file
/// Well-known services and their ports (IANA "Service Name and Transport Protocol
/// Port Number Registry", RFC 6335) as compile-time facts: each service is a type,
/// lookups go both ways in constant expressions, and an API that speaks TCP only
/// rejects a UDP-only service when it is compiled.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/hana/tuple.hpp>  // the registry as a tuple of service types
#include <boost/hana/unpack.hpp> // flattening that tuple into a plain array

#include "synack/core/flag_set.hpp"

namespace synack {

/// The transport protocols a service is registered over (IANA protocol numbers).
enum class ip_protocol : std::uint8_t {
    tcp = 0x01, ///< protocol 6
    udp = 0x02, ///< protocol 17
};

} // namespace synack

template <>
struct synack::core::flag_traits<synack::ip_protocol> {
    using enum synack::ip_protocol;
    static constexpr std::array flags{tcp, udp};
    static constexpr std::string_view letters = "TU";
};

namespace synack {

/// A set of transport protocols.
using protocol_set = core::flag_set<ip_protocol>;
SYNACK_FLAG_OPERATORS(ip_protocol)

/// A port number (RFC 9293 3.1: 16 bits).
using port_number = std::uint16_t;

/// One entry of the registry, as a run-time value.
struct service_info {
    std::string_view name;
    port_number port = 0;
    protocol_set protocols{};
    friend constexpr bool operator==(const service_info&, const service_info&) noexcept = default;
};

namespace services {

/// Declares a well-known service as a type with its name, port and transports.
template <class Tag, port_number Port, ip_protocol... Over>
struct service {
    static constexpr port_number port = Port;
    static constexpr protocol_set protocols = (protocol_set{} | ... | protocol_set{Over});
    static constexpr service_info info{Tag::name, Port, protocols};
};

// Names follow the IANA registry's service names.
struct ftp_data : service<ftp_data, 20, ip_protocol::tcp> { static constexpr std::string_view name = "ftp-data"; };  ///< RFC 959
struct ftp : service<ftp, 21, ip_protocol::tcp> { static constexpr std::string_view name = "ftp"; };                 ///< RFC 959, control connection
struct ssh : service<ssh, 22, ip_protocol::tcp> { static constexpr std::string_view name = "ssh"; };                 ///< RFC 4253
struct telnet : service<telnet, 23, ip_protocol::tcp> { static constexpr std::string_view name = "telnet"; };        ///< RFC 854
struct smtp : service<smtp, 25, ip_protocol::tcp> { static constexpr std::string_view name = "smtp"; };              ///< RFC 5321
struct domain : service<domain, 53, ip_protocol::udp, ip_protocol::tcp> { static constexpr std::string_view name = "domain"; }; ///< DNS, RFC 1035 4.2; TCP per RFC 7766
struct tftp : service<tftp, 69, ip_protocol::udp> { static constexpr std::string_view name = "tftp"; };              ///< RFC 1350: UDP only
struct http : service<http, 80, ip_protocol::tcp> { static constexpr std::string_view name = "http"; };              ///< RFC 9110
struct mysql : service<mysql, 3306, ip_protocol::tcp> { static constexpr std::string_view name = "mysql"; };         ///< MySQL client/server protocol

/// The DNS service under its common name.
using dns = domain;

/// Every registered service, in port order: a tuple of types, for code that
/// computes with services at compile time (`hana::for_each`, `hana::filter`).
inline constexpr auto all = boost::hana::tuple<ftp_data, ftp, ssh, telnet, smtp, domain, tftp, http, mysql>{};

/// The same registry as a plain array, for run-time and constexpr lookups.
inline constexpr auto table = boost::hana::unpack(all, [](auto... s) {
    return std::array<service_info, sizeof...(s)>{decltype(s)::info...};
});

} // namespace services

/// A type that describes a well-known service.
template <class S>
concept well_known_service = requires {
    { S::name } -> std::convertible_to<std::string_view>;
    { S::port } -> std::convertible_to<port_number>;
    { S::protocols } -> std::convertible_to<protocol_set>;
};

/// True when service `S` is registered over TCP.
template <well_known_service S>
inline constexpr bool runs_over_tcp_v = S::protocols.has(ip_protocol::tcp);

/// True when service `S` is registered over UDP.
template <well_known_service S>
inline constexpr bool runs_over_udp_v = S::protocols.has(ip_protocol::udp);

/// A well-known service that TCP can carry: what TCP-only APIs (a listener) accept.
template <class S>
concept tcp_service = well_known_service<S> && runs_over_tcp_v<S>;

namespace detail {
template <class S>
struct udp_only_service_has_no_tcp_port; // incomplete on purpose: names the service in the error
template <class S>
constexpr port_number checked_tcp_port() noexcept {
    if constexpr (runs_over_tcp_v<S>) {
        return S::port;
    } else {
        static_assert(runs_over_tcp_v<S>, "synack::services: this service runs over UDP only; a TCP API cannot use it");
        return udp_only_service_has_no_tcp_port<S>{}, 0;
    }
}
} // namespace detail

/// The TCP port of service `S`; a UDP-only service (TFTP) is a compile error that names it.
template <well_known_service S>
inline constexpr port_number tcp_port_v = detail::checked_tcp_port<S>();

/// The port of service `S`, whatever its transport.
template <well_known_service S>
inline constexpr port_number port_v = S::port;

/// The service registered at `port` over `protocol`, if any.
constexpr std::optional<service_info> service_at(port_number port, ip_protocol protocol) noexcept {
    for (const auto& s : services::table)
        if (s.port == port && s.protocols.has(protocol)) return s;
    return std::nullopt;
}

/// The service registered under `name` (IANA name, or "dns"), if any.
constexpr std::optional<service_info> service_named(std::string_view name) noexcept {
    if (name == "dns") name = services::dns::name;
    for (const auto& s : services::table)
        if (s.name == name) return s;
    return std::nullopt;
}

} // namespace synack
