#pragma once
/// \file
/// The names a script's system calls use (`SOCK_STREAM`, `SO_ERROR`, `O_NONBLOCK`,
/// `ECONNREFUSED`, ...) with Linux's values, so that a script written for Linux reads
/// the same here. No system header is involved: synack-drill makes no system calls for a
/// script, it maps them onto synack's user calls.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace synack::drill {

/// errno values (Linux's numbering) a script may expect.
namespace err {
inline constexpr int eperm = 1, ebadf = 9, eagain = 11, einval = 22, epipe = 32, enoprotoopt = 92, eopnotsupp = 95,
                     eaddrinuse = 98, econnaborted = 103, econnreset = 104, eisconn = 106, enotconn = 107,
                     etimedout = 110, econnrefused = 111, ealready = 114, einprogress = 115;
} // namespace err

/// Constants of the socket API a script may name.
namespace sym {
inline constexpr std::int64_t af_inet = 2, af_inet6 = 10, sock_stream = 1, sock_nonblock = 04000, ipproto_tcp = 6,
                              sol_socket = 1, sol_tcp = 6, so_reuseaddr = 2, so_error = 4, so_sndbuf = 7, so_rcvbuf = 8,
                              so_linger = 13, tcp_nodelay = 1, tcp_maxseg = 2, f_getfl = 3, f_setfl = 4, o_rdwr = 2,
                              o_nonblock = 04000, shut_rd = 0, shut_wr = 1, shut_rdwr = 2, msg_peek = 2,
                              msg_dontwait = 0x40, msg_nosignal = 0x4000;
} // namespace sym

/// A socket option named by its level and its name (SO_REUSEADDR and TCP_MAXSEG share the
/// number 2); IPPROTO_TCP and SOL_TCP are the same level.
constexpr std::int64_t socket_option_key(std::int64_t level, std::int64_t name) noexcept {
    return (level == sym::ipproto_tcp ? sym::sol_tcp : level) << 16 | name;
}

/// The socket options synack-drill maps, as `socket_option_key`s.
namespace sockopt {
inline constexpr std::int64_t rcvbuf = socket_option_key(sym::sol_socket, sym::so_rcvbuf),
                              sndbuf = socket_option_key(sym::sol_socket, sym::so_sndbuf),
                              reuseaddr = socket_option_key(sym::sol_socket, sym::so_reuseaddr),
                              error = socket_option_key(sym::sol_socket, sym::so_error),
                              linger = socket_option_key(sym::sol_socket, sym::so_linger),
                              nodelay = socket_option_key(sym::sol_tcp, sym::tcp_nodelay),
                              maxseg = socket_option_key(sym::sol_tcp, sym::tcp_maxseg);
} // namespace sockopt

namespace detail {
inline const std::map<std::string_view, int>& errno_table() {
    static const std::map<std::string_view, int> table{
        {"EPERM", err::eperm},         {"EBADF", err::ebadf},           {"EAGAIN", err::eagain},
        {"EWOULDBLOCK", err::eagain},  {"EINVAL", err::einval},         {"EPIPE", err::epipe},
        {"ENOPROTOOPT", err::enoprotoopt}, {"EOPNOTSUPP", err::eopnotsupp}, {"EADDRINUSE", err::eaddrinuse},
        {"ECONNABORTED", err::econnaborted}, {"ECONNRESET", err::econnreset}, {"EISCONN", err::eisconn},
        {"ENOTCONN", err::enotconn},   {"ETIMEDOUT", err::etimedout},   {"ECONNREFUSED", err::econnrefused},
        {"EALREADY", err::ealready},   {"EINPROGRESS", err::einprogress},
    };
    return table;
}
inline const std::map<std::string_view, std::int64_t>& constant_table() {
    static const std::map<std::string_view, std::int64_t> table{
        {"AF_INET", sym::af_inet},         {"PF_INET", sym::af_inet},         {"AF_INET6", sym::af_inet6},
        {"PF_INET6", sym::af_inet6},       {"SOCK_STREAM", sym::sock_stream}, {"SOCK_NONBLOCK", sym::sock_nonblock},
        {"IPPROTO_TCP", sym::ipproto_tcp}, {"IPPROTO_IP", 0},                 {"SOL_SOCKET", sym::sol_socket},
        {"SOL_TCP", sym::sol_tcp},         {"SO_REUSEADDR", sym::so_reuseaddr}, {"SO_ERROR", sym::so_error},
        {"SO_SNDBUF", sym::so_sndbuf},     {"SO_RCVBUF", sym::so_rcvbuf},     {"SO_LINGER", sym::so_linger},
        {"TCP_NODELAY", sym::tcp_nodelay}, {"TCP_MAXSEG", sym::tcp_maxseg},   {"F_GETFL", sym::f_getfl},
        {"F_SETFL", sym::f_setfl},         {"O_RDONLY", 0},                   {"O_RDWR", sym::o_rdwr},
        {"O_NONBLOCK", sym::o_nonblock},   {"SHUT_RD", sym::shut_rd},         {"SHUT_WR", sym::shut_wr},
        {"SHUT_RDWR", sym::shut_rdwr},     {"MSG_PEEK", sym::msg_peek},       {"MSG_DONTWAIT", sym::msg_dontwait},
        {"MSG_NOSIGNAL", sym::msg_nosignal}, {"NULL", 0},
    };
    return table;
}
} // namespace detail

/// The errno value of a name (`ECONNREFUSED`), or nullopt.
inline std::optional<int> errno_value(std::string_view name) {
    const auto& t = detail::errno_table();
    const auto it = t.find(name);
    if (it == t.end()) return std::nullopt;
    return it->second;
}

/// The name of an errno value (`EAGAIN` for 11), or its number.
inline std::string errno_name(int value) {
    for (const auto& [name, v] : detail::errno_table())
        if (v == value && name != "EWOULDBLOCK") return std::string{name};
    return std::to_string(value);
}

/// The value of a constant or errno name, or nullopt.
inline std::optional<std::int64_t> symbol_value(std::string_view name) {
    const auto& t = detail::constant_table();
    if (const auto it = t.find(name); it != t.end()) return it->second;
    if (const auto e = errno_value(name)) return *e;
    return std::nullopt;
}

} // namespace synack::drill
