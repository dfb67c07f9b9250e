#pragma once
/// \file
/// A packetdrill script as synack-drill reads it: header options, an optional init
/// command, then timed events (segments in and out, system calls, shell commands, code
/// blocks). The language is packetdrill's (its Syntax.md grammar); this is synack's own
/// model of it.
///
/// Tool code, not library code: it owns strings and vectors, so where the library
/// returns `core::result` (trivially destructible values only) the tool returns
/// `drill::expected`.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace synack::drill {

/// A place in a script: 1-based line and column.
struct location {
    int line = 1;
    int column = 1;
    friend bool operator==(const location&, const location&) = default;
};

/// Why a script could not be read: where, and what was expected and found there.
struct parse_error {
    location where{};
    std::string message;
};

/// A value or an error, for values that own memory (the tool's counterpart of `core::result`).
template <class T, class E>
class expected {
public:
    expected(T value) : v_{std::in_place_index<0>, std::move(value)} {} // NOLINT: implicit, as core::result
    expected(E error) : v_{std::in_place_index<1>, std::move(error)} {} // NOLINT
    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }
    const T& value() const& { return std::get<0>(v_); }
    T& value() & { return std::get<0>(v_); }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    const T* operator->() const { return &value(); }
    const E& error() const { return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

/// How an event's time is written (packetdrill's event_time rule).
enum class time_kind : std::uint8_t {
    absolute,       ///< `0.100`: seconds from the script's start
    relative,       ///< `+0.1`: seconds after the previous event
    any,            ///< `*`: whenever it happens
    absolute_range, ///< `0.1~0.2`: any time in the range
    relative_range, ///< `+0.1~+0.2`: any time in the range, after the previous event
};

/// An event's time, in microseconds (`end_usecs` for ranges).
struct event_time {
    time_kind kind = time_kind::absolute;
    std::int64_t usecs = 0;
    std::int64_t end_usecs = 0;
};

/// `<` a segment the script injects, `>` one the stack must send.
enum class direction : std::uint8_t { inbound, outbound };

/// The TCP options a script can write (packetdrill's tcp_option rule).
enum class option_kind : std::uint8_t { eol, nop, mss, wscale, sack_permitted, sack, timestamp };

/// One SACK block, as written: relative sequence numbers `left:right` (RFC 2018 3).
struct sack_range {
    std::uint32_t left = 0;
    std::uint32_t right = 0;
};

/// One option of a segment's option list.
struct tcp_option {
    option_kind kind = option_kind::nop;
    std::uint32_t value = 0;   ///< MSS or window-scale shift
    std::uint32_t ts_val = 0;  ///< TS val (RFC 7323 3.2)
    std::uint32_t ts_ecr = 0;  ///< TS ecr
    std::vector<sack_range> blocks{};
    location where{};

    /// Bytes on the wire.
    std::size_t size() const noexcept {
        switch (kind) {
        case option_kind::eol: case option_kind::nop: return 1;
        case option_kind::mss: return 4;
        case option_kind::wscale: return 3;
        case option_kind::sack_permitted: return 2;
        case option_kind::sack: return 2 + 8 * blocks.size();
        case option_kind::timestamp: return 10;
        }
        return 0;
    }
};

/// Control bits as packetdrill writes them: `S` SYN, `.` ACK, `F` FIN, `R` RST, `P` PSH,
/// `U` URG, `E` ECE, `W` CWR (the wire bit values of RFC 9293 3.1 and RFC 3168 6.1).
namespace flag_bit {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20, ece = 0x40,
                              cwr = 0x80;
} // namespace flag_bit

/// A segment line: `< S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>`.
struct packet_spec {
    direction dir = direction::inbound;
    std::string flags_text;      ///< as written (`S.`, `F.`, `-`)
    std::uint8_t flags = 0;      ///< the bits of `flag_bit`
    std::uint32_t start = 0;     ///< first relative sequence number
    std::uint32_t end = 0;       ///< relative sequence number after the payload
    std::uint32_t length = 0;    ///< payload bytes
    std::optional<std::uint32_t> ack{};    ///< `ack N`, relative to the other side's ISN
    std::optional<std::uint32_t> window{}; ///< `win N`, as sent (unscaled)
    /// The option list; nullopt for `<...>` (any options). Empty when none is written.
    std::optional<std::vector<tcp_option>> options = std::vector<tcp_option>{};
    std::string ecn{};           ///< `[ect0]` and the like: read, not checked
};

/// An argument or a return value of a system call.
struct expression {
    enum class kind : std::uint8_t {
        ellipsis,  ///< `...`: whatever
        integer,   ///< `8080`, `-1`, `0x802`
        word,      ///< a symbol: `SOCK_STREAM`, `ECONNREFUSED`
        string,    ///< `"abc"`
        bit_or,    ///< `O_RDWR|O_NONBLOCK`: `items` are the operands
        array,     ///< `[1]`: `items`
        call,      ///< `htons(8080)`: `text` is the function, `items` the arguments
        record,    ///< `{onoff=1, linger=0}`: `items` the values, `names` their field names ("" when unnamed)
    };
    kind what = kind::ellipsis;
    std::int64_t integer = 0;
    std::string text{};
    std::vector<expression> items{};
    std::vector<std::string> names{};
    location where{};
};

/// A system call line: `+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)`.
struct syscall_spec {
    std::string name;
    std::string call_text{}; ///< the call as written, from its name to its closing parenthesis
    std::vector<expression> args{};
    /// For a blocking call, `...T` after the start time: when it must return (same kind of time as the start).
    std::optional<std::int64_t> end_usecs{};
    expression result{};
    std::string errno_name{}; ///< empty when none is written
    std::string note{};       ///< the words in parentheses at the end, ignored
};

/// A backquoted shell command.
struct command_spec {
    std::string text;
};

/// A `%{ ... }%` code block.
struct code_spec {
    std::string text;
};

/// One timed line of a script.
struct event {
    location where{};
    std::string text{}; ///< the event as written, without its time (for messages)
    event_time time{};
    std::variant<packet_spec, syscall_spec, command_spec, code_spec> action{};
};

/// `--name=value` before the first event.
struct option_setting {
    location where{};
    std::string name;
    std::string value;
};

/// A whole script.
struct script {
    std::vector<option_setting> options{};
    std::optional<command_spec> init_command{};
    location init_where{};
    std::vector<event> events{};
};

} // namespace synack::drill
