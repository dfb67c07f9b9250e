#pragma once
/// \file
/// TCP's control bits (RFC 9293 3.1, RFC 3168 6.1) as typed flags, the rules that
/// govern their combinations, and the classification of any flag set a peer sends.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "synack/core/flag_set.hpp"

namespace synack::tcp {

/// The control bits of the TCP header, with their wire values (RFC 9293 3.1; ECE and
/// CWR from RFC 3168 6.1).
enum class flag : std::uint8_t {
    fin = 0x01, ///< no more data from sender
    syn = 0x02, ///< synchronize sequence numbers
    rst = 0x04, ///< reset the connection
    psh = 0x08, ///< push function
    ack = 0x10, ///< acknowledgment field is significant
    urg = 0x20, ///< urgent pointer field is significant
    ece = 0x40, ///< ECN-Echo (RFC 3168)
    cwr = 0x80, ///< congestion window reduced (RFC 3168)
};

} // namespace synack::tcp

template <>
struct synack::core::flag_traits<synack::tcp::flag> {
    using enum synack::tcp::flag;
    /// Bit order, which is also the conventional print order ("SA", "FA", "RA").
    static constexpr std::array flags{fin, syn, rst, psh, ack, urg, ece, cwr};
    static constexpr std::string_view letters = "FSRPAUEC";
};

namespace synack::tcp {

/// A run-time set of TCP flags: `flag_set{flag::syn} | flag::ack`, `.letters() == "SA"`.
using flag_set = core::flag_set<flag>;
SYNACK_FLAG_OPERATORS(flag)

/// Compile-time flag constants: `syn_c | ack_c` is a `static_flags` type.
inline constexpr auto fin_c = core::flag_c<flag::fin>;
inline constexpr auto syn_c = core::flag_c<flag::syn>;
inline constexpr auto rst_c = core::flag_c<flag::rst>;
inline constexpr auto psh_c = core::flag_c<flag::psh>;
inline constexpr auto ack_c = core::flag_c<flag::ack>;
inline constexpr auto urg_c = core::flag_c<flag::urg>;
inline constexpr auto ece_c = core::flag_c<flag::ece>;
inline constexpr auto cwr_c = core::flag_c<flag::cwr>;

/// SYN opens a sequence space and FIN closes one: one segment never does both
/// (RFC 9293 3.10.7: a SYN+FIN is what scanners send, not a stack).
constexpr bool syn_and_fin_cannot_be_set_together(flag_set f) noexcept {
    return !f.has_all(flag::syn | flag::fin);
}
/// A RST aborts what a SYN would open; RFC 9293 3.10.7 never produces SYN+RST.
constexpr bool syn_and_rst_cannot_be_set_together(flag_set f) noexcept {
    return !f.has_all(flag::syn | flag::rst);
}
/// True when a flag set obeys every rule a conforming sender keeps.
constexpr bool is_sendable(flag_set f) noexcept {
    return syn_and_fin_cannot_be_set_together(f) && syn_and_rst_cannot_be_set_together(f);
}

/// A kind of segment whose flags are part of its type, so that a kind no
/// conforming sender may produce does not compile:
/// `segment_kind<flag::syn, flag::ack>` is a connection accept,
/// `segment_kind<flag::syn, flag::fin>` is a compile error.
template <flag... Flags>
struct segment_kind {
    using flags_type = decltype((core::to_static_flags(core::flag_c<Flags>) | ...));
    /// The kind's flags as a run-time value.
    static constexpr flag_set flags = flags_type::value;

    static_assert(sizeof...(Flags) > 0, "synack::flags: a segment kind needs at least one flag");
    static_assert(flags.size() == sizeof...(Flags), "synack::flags: a segment kind names a flag twice");
    static_assert(syn_and_fin_cannot_be_set_together(flags), "synack::flags: SYN and FIN cannot be set together");
    static_assert(syn_and_rst_cannot_be_set_together(flags), "synack::flags: SYN and RST cannot be set together");
};

/// The segment kinds of connection management (RFC 9293 3.5, 3.6).
namespace kinds {
using syn = segment_kind<flag::syn>;
using syn_ack = segment_kind<flag::syn, flag::ack>;
using ack = segment_kind<flag::ack>;
using psh_ack = segment_kind<flag::psh, flag::ack>;
using fin_ack = segment_kind<flag::fin, flag::ack>;
using rst = segment_kind<flag::rst>;
using rst_ack = segment_kind<flag::rst, flag::ack>;
} // namespace kinds

/// What a segment means for connection management, read from its flags and
/// whether it carries data. Precedence follows RFC 9293 3.10.7: RST first, then SYN,
/// then FIN, then data, then a bare ACK.
enum class segment_class : std::uint8_t {
    none,               ///< no control bit a connection acts on (e.g. no flags at all)
    connection_request, ///< SYN without ACK: an active open
    connection_accept,  ///< SYN+ACK: the second step of the handshake
    acknowledgement,    ///< ACK with neither data, SYN, FIN nor RST
    data,               ///< carries payload (PSH or not), no SYN/FIN/RST
    close,              ///< FIN: the sender has no more data
    reset,              ///< RST
};

/// Flag combinations a monitor wants to see: a conforming stack never sends them,
/// port scanners and broken middleboxes do.
enum class flag_anomaly : std::uint8_t {
    no_flags = 0x01,         ///< "null" segment: no control bit at all
    syn_with_fin = 0x02,     ///< SYN+FIN (forbidden: see `syn_and_fin_cannot_be_set_together`)
    syn_with_rst = 0x04,     ///< SYN+RST
    xmas = 0x08,             ///< FIN+PSH+URG, the "Xmas tree" probe
    fin_without_ack = 0x10,  ///< FIN with neither ACK nor SYN: every FIN of a real stack acknowledges (RFC 9293 3.10.7.4)
    psh_without_data = 0x20, ///< PSH on a segment with no payload (RFC 9293 3.9.1: PSH marks data)
};

} // namespace synack::tcp

template <>
struct synack::core::flag_traits<synack::tcp::flag_anomaly> {
    using enum synack::tcp::flag_anomaly;
    static constexpr std::array flags{no_flags, syn_with_fin, syn_with_rst, xmas, fin_without_ack, psh_without_data};
    static constexpr std::string_view letters = "0FRXNP";
};

namespace synack::tcp {

/// A set of flag anomalies.
using anomaly_set = core::flag_set<flag_anomaly>;
SYNACK_FLAG_OPERATORS(flag_anomaly)

/// The meaning of one segment's flags, and anything odd about them.
struct classification {
    segment_class kind = segment_class::none;
    anomaly_set anomalies{};
    friend constexpr bool operator==(const classification&, const classification&) noexcept = default;
};

/// Classifies any flag set a peer can send, with the length of its payload.
/// Never fails: every one of the 256 combinations gets a class.
constexpr classification classify(flag_set f, std::size_t payload_length) noexcept {
    classification out{};
    if (f.empty()) out.anomalies |= flag_anomaly::no_flags;
    if (!syn_and_fin_cannot_be_set_together(f)) out.anomalies |= flag_anomaly::syn_with_fin;
    if (!syn_and_rst_cannot_be_set_together(f)) out.anomalies |= flag_anomaly::syn_with_rst;
    if (f.has_all(flag::fin | flag::psh | flag::urg)) out.anomalies |= flag_anomaly::xmas;
    // A SYN+FIN is already named as such; FIN without ACK is the lone-FIN probe.
    if (f.has(flag::fin) && !f.has_any(flag::ack | flag::syn)) out.anomalies |= flag_anomaly::fin_without_ack;
    if (f.has(flag::psh) && payload_length == 0) out.anomalies |= flag_anomaly::psh_without_data;

    if (f.has(flag::rst)) out.kind = segment_class::reset;
    else if (f.has(flag::syn)) out.kind = f.has(flag::ack) ? segment_class::connection_accept : segment_class::connection_request;
    else if (f.has(flag::fin)) out.kind = segment_class::close;
    else if (payload_length > 0) out.kind = segment_class::data;
    else if (f.has(flag::ack)) out.kind = segment_class::acknowledgement;
    return out;
}

/// The name of a segment class, for logs and diagrams.
constexpr std::string_view to_string(segment_class c) noexcept {
    switch (c) {
    case segment_class::none: return "none";
    case segment_class::connection_request: return "connection request";
    case segment_class::connection_accept: return "connection accept";
    case segment_class::acknowledgement: return "acknowledgement";
    case segment_class::data: return "data";
    case segment_class::close: return "close";
    case segment_class::reset: return "reset";
    }
    return "unknown";
}

/// The name of a flag anomaly, for logs.
constexpr std::string_view to_string(flag_anomaly a) noexcept {
    switch (a) {
    case flag_anomaly::no_flags: return "no flags";
    case flag_anomaly::syn_with_fin: return "SYN with FIN";
    case flag_anomaly::syn_with_rst: return "SYN with RST";
    case flag_anomaly::xmas: return "Xmas (FIN+PSH+URG)";
    case flag_anomaly::fin_without_ack: return "FIN without ACK";
    case flag_anomaly::psh_without_data: return "PSH without data";
    }
    return "unknown";
}

} // namespace synack::tcp
