#pragma once
/// \file
/// The settings of a synack-drill run: packetdrill's header and command-line options
/// (`--ip_version`, `--tolerance_usecs`, ...), synack-drill's own (`--strict`, `--os`,
/// ...), and the connection policies that shell commands such as
/// `sysctl -q net.ipv4.tcp_rfc1337=1` map onto.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <synack/tcp/config.hpp>

#include "script.hpp"

namespace synack::drill {

/// Whose option layout outbound segments are presented in before they are compared
/// (`--os`): synack's own, or the one Linux's tcp_options_write produces from the same
/// options (MSS, then SACK-permitted and timestamps, NOPs where Linux puts them, window scale).
enum class os_layout : std::uint8_t { synack, linux_kernel };

/// Everything a run is configured with.
struct run_options {
    int ip_version = 4;                 ///< 4 (also for ipv4-mapped-ipv6: IPv4 on the wire) or 6
    std::int64_t tolerance_usecs = 4000; ///< packetdrill's default
    double tolerance_percent = 12.5;     ///< of the time since the previous event, when larger
    std::string local_ip{};              ///< synack's address; empty: 192.168.0.2 or fd3d:fa7b:d17d::2
    std::string remote_ip{};             ///< the script's address; empty: 192.0.2.1 or 2001:db8::1
    std::uint16_t bind_port = 8080;      ///< bind() without an address, listen() without bind()
    std::uint16_t connect_port = 8080;   ///< connect() without an address
    std::uint16_t remote_port = 50000;   ///< the script's port towards a listener
    std::uint16_t ephemeral_port = 40000; ///< synack's first local port of an active open
    std::uint32_t local_isn = 1234567;   ///< synack's first ISN (the next connections add 1000000 each)
    std::uint32_t remote_isn = 0;        ///< added to inbound sequence numbers (packetdrill: 0)
    bool strict = false;                 ///< also match windows, PSH and the exact option bytes
    os_layout os = os_layout::synack;
    std::uint16_t local_mss = 1460;      ///< the MSS synack announces (TCP_MAXSEG overrides it per socket)
    tcp::connection_config connection{}; ///< policies (msl, RFC 1337, retries, ...)
    std::size_t syn_backlog = 128;       ///< a listener's half-open bound (net.ipv4.tcp_max_syn_backlog)
};

/// What became of one option or shell-command setting.
struct setting_outcome {
    enum class kind : std::uint8_t { applied, ignored, error } what = kind::applied;
    std::string message{}; ///< for `ignored` and `error`: why
};

namespace detail {

inline std::optional<std::int64_t> to_integer(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    std::size_t i = 0;
    const bool negative = text[0] == '-';
    if (negative) ++i;
    if (i == text.size()) return std::nullopt;
    for (; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        v = v * 10 + (text[i] - '0');
    }
    return negative ? -v : v;
}

inline setting_outcome bad_value(std::string_view name, std::string_view value, std::string_view expectation) {
    return {setting_outcome::kind::error,
            "expected --" + std::string{name} + "=" + std::string{expectation} + ", got '" + std::string{value} + "'"};
}

} // namespace detail

/// packetdrill options synack-drill reads but has nothing to apply to.
inline bool is_packetdrill_only_option(std::string_view name) {
    static const std::set<std::string_view> names{
        "gateway_ip", "netmask_ip", "speed", "mtu", "mss", "init_scripts", "wire_client", "wire_server",
        "wire_server_ip", "wire_server_at", "wire_server_port", "wire_client_dev", "wire_server_dev", "so_filename",
        "so_flags", "tcp_ts_ecr_scaled", "tcp_ts_tick_usecs", "strict_segments", "non_fatal", "dry_run", "is_anyip",
        "send_omit_free", "debug", "define", "code_command", "code_format", "code_sockopt", "verbose"};
    return names.contains(name);
}

/// Applies `--name=value` (from the command line or a script's header).
inline setting_outcome apply_option(run_options& o, std::string_view name, std::string_view value) {
    using detail::bad_value;
    using detail::to_integer;
    const auto number = to_integer(value);
    const auto port = [&](std::uint16_t& out) {
        if (!number || *number <= 0 || *number > 65535) return bad_value(name, value, "a port from 1 to 65535");
        out = static_cast<std::uint16_t>(*number);
        return setting_outcome{};
    };
    const auto flag = [&](bool& out) {
        if (value.empty() || value == "1" || value == "true") out = true;
        else if (value == "0" || value == "false") out = false;
        else return bad_value(name, value, "0 or 1");
        return setting_outcome{};
    };
    if (name == "ip_version") {
        if (value == "ipv4" || value == "ipv4-mapped-ipv6") o.ip_version = 4;
        else if (value == "ipv6") o.ip_version = 6;
        else return bad_value(name, value, "ipv4, ipv4-mapped-ipv6 or ipv6");
        return {};
    }
    if (name == "tolerance_usecs") {
        if (!number || *number < 0) return bad_value(name, value, "microseconds, not negative");
        o.tolerance_usecs = *number;
        return {};
    }
    if (name == "tolerance_percent") {
        char* end = nullptr;
        const std::string text{value};
        const double p = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !(p >= 0.0 && p <= 100.0))
            return bad_value(name, value, "a percentage from 0 to 100");
        o.tolerance_percent = p;
        return {};
    }
    if (name == "local_ip" || name == "remote_ip") {
        const std::string address{value.substr(0, value.find('/'))}; // a prefix length is not ours to use
        if (address.empty()) return bad_value(name, value, "an IP address");
        (name == "local_ip" ? o.local_ip : o.remote_ip) = address;
        return {};
    }
    if (name == "bind_port") return port(o.bind_port);
    if (name == "connect_port") return port(o.connect_port);
    if (name == "remote_port") return port(o.remote_port);
    if (name == "ephemeral_port") return port(o.ephemeral_port);
    if (name == "local_isn" || name == "remote_isn") {
        if (!number || *number < 0 || *number > 0xffffffffll) return bad_value(name, value, "a number from 0 to 4294967295");
        (name == "local_isn" ? o.local_isn : o.remote_isn) = static_cast<std::uint32_t>(*number);
        return {};
    }
    if (name == "local_mss") {
        if (!number || *number < 64 || *number > 65535) return bad_value(name, value, "an MSS from 64 to 65535");
        o.local_mss = static_cast<std::uint16_t>(*number);
        return {};
    }
    if (name == "strict") return flag(o.strict);
    if (name == "os") {
        if (value == "synack") o.os = os_layout::synack;
        else if (value == "linux") o.os = os_layout::linux_kernel;
        else return bad_value(name, value, "synack or linux");
        return {};
    }
    if (is_packetdrill_only_option(name))
        return {setting_outcome::kind::ignored, "option --" + std::string{name} + " has no counterpart in synack-drill"};
    return {setting_outcome::kind::error, "expected an option synack-drill knows, got --" + std::string{name}};
}

/// Applies one kernel setting (`net.ipv4.tcp_rfc1337`, or `net/ipv4/tcp_rfc1337`) to the
/// policy synack has for it.
inline setting_outcome apply_sysctl(run_options& o, std::string name, std::string_view value) {
    for (char& c : name)
        if (c == '/') c = '.';
    const auto number = detail::to_integer(value);
    const auto ignored = [&](std::string why) {
        return setting_outcome{setting_outcome::kind::ignored, name + "=" + std::string{value} + ": " + why};
    };
    if (!number) return ignored("not a number");
    const std::int64_t v = *number;
    const setting_outcome applied{setting_outcome::kind::applied, name + "=" + std::string{value}};
    const auto retries = [&](std::uint8_t& out) {
        if (v < 0 || v > 255) return ignored("out of range");
        out = static_cast<std::uint8_t>(v);
        return applied;
    };
    auto& c = o.connection;
    if (name == "net.ipv4.tcp_rfc1337") {
        c.ignore_rst_in_time_wait = v != 0; // RFC 1337 4.2
        return applied;
    }
    if (name == "net.ipv4.tcp_invalid_ratelimit") {
        if (v < 0) return ignored("negative");
        c.challenge_ack_interval = std::chrono::milliseconds{v}; // RFC 5961 7, per connection
        return applied;
    }
    if (name == "net.ipv4.tcp_syn_retries") return retries(c.syn_retries);
    if (name == "net.ipv4.tcp_synack_retries") return retries(c.synack_retries);
    if (name == "net.ipv4.tcp_retries2") return retries(c.data_retries);
    if (name == "net.ipv4.tcp_sack") {
        c.sack_permitted = v != 0;
        return applied;
    }
    if (name == "net.ipv4.tcp_timestamps") {
        c.timestamps = v != 0;
        return applied;
    }
    if (name == "net.ipv4.tcp_window_scaling") {
        c.window_scale = v != 0 ? tcp::connection_config{}.window_scale : std::uint8_t{0};
        return applied;
    }
    if (name == "net.ipv4.tcp_max_syn_backlog") {
        if (v < 1) return ignored("below 1");
        o.syn_backlog = static_cast<std::size_t>(v);
        return applied;
    }
    return ignored("synack has no policy for it");
}

namespace detail {
inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
    return s;
}
inline std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        const std::size_t from = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > from) out.push_back(s.substr(from, i - from));
    }
    return out;
}
} // namespace detail

/// Reads a backquoted shell command without running it: each `sysctl [-q|-w] name=value`
/// and `echo value > /proc/sys/name` is mapped onto synack's policy for that setting;
/// everything else is returned as ignored, with what it was.
inline std::vector<setting_outcome> apply_command(run_options& o, std::string_view command) {
    std::vector<setting_outcome> out;
    std::vector<std::string_view> pieces;
    std::size_t from = 0;
    for (std::size_t i = 0; i <= command.size(); ++i) {
        const bool end = i == command.size();
        const bool semicolon = !end && (command[i] == ';' || command[i] == '\n');
        const bool and_and = !end && command[i] == '&' && i + 1 < command.size() && command[i + 1] == '&';
        if (end || semicolon || and_and) {
            pieces.push_back(command.substr(from, i - from));
            if (and_and) ++i;
            from = i + 1;
        }
    }
    for (std::string_view piece : pieces) {
        piece = detail::trim(piece);
        if (piece.empty()) continue;
        const auto words = detail::split_words(piece);
        bool understood = false;
        if (words.front() == "sysctl") {
            for (std::size_t i = 1; i < words.size(); ++i) {
                const auto w = words[i];
                if (w.starts_with("-")) continue;
                const auto eq = w.find('=');
                if (eq == std::string_view::npos) continue;
                out.push_back(apply_sysctl(o, std::string{w.substr(0, eq)}, w.substr(eq + 1)));
                understood = true;
            }
        } else if (words.front() == "echo" && words.size() == 4 && words[2] == ">" && words[3].starts_with("/proc/sys/")) {
            out.push_back(apply_sysctl(o, std::string{words[3].substr(10)}, words[1]));
            understood = true;
        }
        if (!understood)
            out.push_back({setting_outcome::kind::ignored, "shell command not run: " + std::string{piece}});
    }
    return out;
}

} // namespace synack::drill
