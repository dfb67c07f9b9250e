#pragma once
/// \file
/// The events of the RFC 9293 connection machine, as types for its table: user calls,
/// arriving segments (classified against the connection's state and sequence
/// variables, RFC 9293 3.10.7), and timeouts (RFC 9293 3.10.8). Each type's `value` is
/// its index in the table, so a classified segment dispatches in one indexed load.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace synack::tcp {

/// The event indices, in the table's order.
enum class event : std::uint8_t {
    open_passive, open_active, send, close, abort,
    seg_syn, seg_syn_ack, seg_ack, seg_ack_all, seg_fin, seg_fin_ack_all, seg_rst, seg_rst_in_window,
    seg_unacceptable, seg_bad_ack, seg_stray, seg_ignored,
    timeout_retransmit, timeout_time_wait, timeout_user,
};
/// Number of events.
inline constexpr std::size_t event_count = 20;

namespace events {
#define SYNACK_TCP_EVENT(type, label) \
    struct type { \
        static constexpr std::string_view name = label; \
        static constexpr event value = event::type; \
    }

// User calls, RFC 9293 3.10.1 - 3.10.6.
SYNACK_TCP_EVENT(open_passive, "passive OPEN");   ///< OPEN, passive: listen
SYNACK_TCP_EVENT(open_active, "active OPEN");     ///< OPEN, active: send a SYN
SYNACK_TCP_EVENT(send, "SEND");                   ///< SEND: data was queued (in LISTEN it makes the open active, 3.10.2)
SYNACK_TCP_EVENT(close, "CLOSE");                 ///< CLOSE: no more data from us
SYNACK_TCP_EVENT(abort, "ABORT");                 ///< ABORT: reset the connection
// Segment arrivals, RFC 9293 3.10.7.
SYNACK_TCP_EVENT(seg_syn, "SYN");                 ///< SYN without ACK (in SYN-RECEIVED: any SYN but the crossing SYN,ACK)
SYNACK_TCP_EVENT(seg_syn_ack, "SYN,ACK");         ///< SYN with an acceptable ACK (SYN-SENT), or the crossing SYN,ACK of a simultaneous open (SYN-RECEIVED), or any SYN,ACK in a synchronized state
SYNACK_TCP_EVENT(seg_ack, "ACK");                 ///< acceptable ACK leaving some of what we sent unacknowledged; may carry data; no FIN
SYNACK_TCP_EVENT(seg_ack_all, "ACK of all");      ///< acceptable ACK of everything we sent (our SYN or FIN included); may carry data; no FIN
SYNACK_TCP_EVENT(seg_fin, "FIN");                 ///< FIN in sequence, with an ACK that leaves something of ours unacknowledged (in TIME-WAIT: the retransmitted FIN)
SYNACK_TCP_EVENT(seg_fin_ack_all, "FIN, ACK of all"); ///< FIN in sequence whose ACK covers everything we sent
SYNACK_TCP_EVENT(seg_rst, "RST");                 ///< RST that counts: SEG.SEQ = RCV.NXT (RFC 5961 3.2), or an acceptable ACK in SYN-SENT
SYNACK_TCP_EVENT(seg_rst_in_window, "RST in window"); ///< RST in the window but not exact: a challenge ACK (RFC 5961 3.2)
SYNACK_TCP_EVENT(seg_unacceptable, "unacceptable"); ///< fails the sequence test (RFC 9293 3.10.7.4, first check)
SYNACK_TCP_EVENT(seg_bad_ack, "bad ACK");         ///< an ACK the state does not accept (RFC 9293 3.10.7.2-4, RFC 5961 5.2)
SYNACK_TCP_EVENT(seg_stray, "segment");           ///< any segment but a RST, in CLOSED (RFC 9293 3.10.7.1)
SYNACK_TCP_EVENT(seg_ignored, "dropped");         ///< dropped without a reply: no ACK bit, a RST outside the window, SYN with FIN, ...
// Timeouts, RFC 9293 3.10.8.
SYNACK_TCP_EVENT(timeout_retransmit, "RTO");      ///< the retransmission timer expired
SYNACK_TCP_EVENT(timeout_time_wait, "2MSL");      ///< 2 x MSL passed in TIME-WAIT
SYNACK_TCP_EVENT(timeout_user, "user timeout");   ///< the user timeout expired
#undef SYNACK_TCP_EVENT
} // namespace events

/// The label of an event, as diagrams print it.
constexpr std::string_view to_string(event e) noexcept {
    constexpr std::string_view names[event_count] = {
        events::open_passive::name, events::open_active::name, events::send::name, events::close::name,
        events::abort::name, events::seg_syn::name, events::seg_syn_ack::name, events::seg_ack::name,
        events::seg_ack_all::name, events::seg_fin::name, events::seg_fin_ack_all::name, events::seg_rst::name,
        events::seg_rst_in_window::name, events::seg_unacceptable::name, events::seg_bad_ack::name,
        events::seg_stray::name, events::seg_ignored::name, events::timeout_retransmit::name,
        events::timeout_time_wait::name, events::timeout_user::name,
    };
    return static_cast<std::size_t>(e) < event_count ? names[static_cast<std::size_t>(e)] : "?";
}

/// True for the events an arriving segment produces.
constexpr bool is_arrival(event e) noexcept { return e >= event::seg_syn && e <= event::seg_ignored; }

} // namespace synack::tcp
