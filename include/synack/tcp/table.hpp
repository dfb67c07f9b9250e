#pragma once
/// \file
/// The RFC 9293 connection machine as a table of synack's engine: the eleven states of
/// RFC 9293 3.3.2, the events of events.hpp, and one row per (state, event) the RFC
/// gives an answer for. Sequence-number tests are done before the table, when an
/// arriving segment is classified (connection.hpp, RFC 9293 3.10.7); the table says
/// what each classified segment, user call and timeout does in each state. It passes
/// every check of the engine (static_assert below), and `synack-diagram tcp` draws it.
///
/// Guards and actions call members of the connection they run on (`c.send_syn()`), so
/// the table is the same for every transport, clock and ISN policy.
#include <string_view>

#include "synack/core/transition_table.hpp"
#include "synack/core/verify.hpp"
#include "synack/tcp/endpoint.hpp"
#include "synack/tcp/events.hpp"
#include "synack/tcp/segment.hpp"
#include "synack/tcp/state.hpp"

namespace synack::tcp {

/// An arriving segment, as the table's guards and actions see it.
struct arrival {
    segment_view segment; ///< validated header and payload (malformed options already dropped)
    endpoint source;      ///< who sent it
    endpoint destination; ///< whom it was sent to
};

namespace states {
#define SYNACK_TCP_STATE(type) \
    struct type { \
        static constexpr std::string_view name = to_string(state::type); \
        static constexpr state value = state::type; \
    }
SYNACK_TCP_STATE(closed);
SYNACK_TCP_STATE(listen);
SYNACK_TCP_STATE(syn_sent);
SYNACK_TCP_STATE(syn_received);
SYNACK_TCP_STATE(established);
SYNACK_TCP_STATE(fin_wait_1);
SYNACK_TCP_STATE(fin_wait_2);
SYNACK_TCP_STATE(close_wait);
SYNACK_TCP_STATE(closing);
SYNACK_TCP_STATE(last_ack);
SYNACK_TCP_STATE(time_wait);
#undef SYNACK_TCP_STATE
} // namespace states

/// The guards and actions of the table, each a call on the connection.
namespace rules {
// Guards.
inline constexpr auto retries_left = [](const auto& c) { return c.retries_left(); };
inline constexpr auto opened_passively = [](const auto& c) { return c.opened_passively(); };
inline constexpr auto unread_data = [](const auto& c) { return c.has_unread_data(); };
inline constexpr auto retransmitted_syn = [](const auto& c, const arrival& a) { return c.is_retransmitted_syn(a); };
inline constexpr auto rst_ends_time_wait = [](const auto& c) { return c.rst_ends_time_wait(); };
inline constexpr auto remote_known = [](const auto& c) { return c.remote_known(); };

// Actions on user calls.
inline constexpr auto listen = [](auto& c) { c.on_listen(); };
inline constexpr auto send_syn = [](auto& c) { c.send_syn(); };
inline constexpr auto transmit = [](auto& c) { c.transmit_pending(); };
inline constexpr auto send_fin = [](auto& c) { c.close_sending(); };
inline constexpr auto abort_with_reset = [](auto& c) { c.abort_with_reset(); };
inline constexpr auto forget = [](auto& c) { c.forget(); };
// Actions on arriving segments.
inline constexpr auto reply_reset = [](auto& c, const arrival& a) { c.reply_reset(a); };
inline constexpr auto accept_syn = [](auto& c, const arrival& a) { c.accept_syn(a); };
inline constexpr auto complete_open = [](auto& c, const arrival& a) { c.complete_active_open(a); };
inline constexpr auto simultaneous_open = [](auto& c, const arrival& a) { c.simultaneous_open(a); };
inline constexpr auto establish = [](auto& c, const arrival& a) { c.establish(a); };
inline constexpr auto establish_crossing = [](auto& c, const arrival& a) { c.establish_crossing(a); };
inline constexpr auto establish_and_fin = [](auto& c, const arrival& a) { c.establish(a); c.receive_fin(a); };
inline constexpr auto resend_syn_ack = [](auto& c) { c.resend_syn_ack(); };
inline constexpr auto challenge_ack = [](auto& c) { c.challenge_ack(); };
inline constexpr auto ack_unacceptable = [](auto& c, const arrival& a) { c.ack_unacceptable(a); };
inline constexpr auto refused = [](auto& c) { c.end(close_reason::refused); };
inline constexpr auto reset_by_peer = [](auto& c) { c.end(close_reason::reset_by_peer); };
inline constexpr auto back_to_listen = [](auto& c) { c.back_to_listen(); };
inline constexpr auto ack = [](auto& c, const arrival& a) { c.process_ack_and_text(a); };
inline constexpr auto ack_fin = [](auto& c, const arrival& a) { c.process_ack_and_text(a); c.receive_fin(a); };
inline constexpr auto ack_fin_time_wait = [](auto& c, const arrival& a) { c.process_ack_and_text(a); c.receive_fin(a); c.enter_time_wait(); };
inline constexpr auto ack_time_wait = [](auto& c, const arrival& a) { c.process_ack_and_text(a); c.enter_time_wait(); };
inline constexpr auto ack_closed = [](auto& c, const arrival& a) { c.process_ack_and_text(a); c.end(close_reason::normal); };
inline constexpr auto restart_time_wait = [](auto& c) { c.send_ack(); c.enter_time_wait(); };
// Actions on timeouts.
inline constexpr auto retransmit = [](auto& c) { c.retransmit(); };
inline constexpr auto time_out = [](auto& c) { c.end(close_reason::timed_out); };
inline constexpr auto time_wait_over = [](auto& c) { c.end(close_reason::normal); };
// Refused user calls (RFC 9293 3.10: "error: connection does not exist", "connection closing", ...).
inline constexpr auto refuse_call = [](auto& c) { c.refuse_call(); };
} // namespace rules

namespace table_rows { // the row DSL's names, kept out of tcp and tcp::detail
using namespace core;
using core::state; // the row DSL's, not tcp::state
using core::event; // the row DSL's, not tcp::event
using namespace states;
using namespace events;
namespace r = rules;

/// The rows of the synchronized states that RFC 9293 3.10.7.4 and RFC 5961 treat alike.
/// (Each state lists them; a helper would hide the table's shape from its readers.)
inline constexpr auto table = make_transition_table(
    core::states<closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2, close_wait, closing,
                 last_ack, time_wait>,
    core::events<open_passive, open_active, send, close, abort, seg_syn, seg_syn_ack, seg_ack, seg_ack_all, seg_fin,
                 seg_fin_ack_all, seg_rst, seg_rst_in_window, seg_unacceptable, seg_bad_ack, seg_stray, seg_ignored,
                 timeout_retransmit, timeout_time_wait, timeout_user>,
    terminal<closed>,

    // ---- CLOSED (RFC 9293 3.10.1, 3.10.7.1) ----
    state<closed> + event<open_passive> / r::listen = state<listen>,
    state<closed> + event<open_active> / r::send_syn = state<syn_sent>,
    state<closed> + event<seg_stray> / r::reply_reset = ignore, // <SEQ=SEG.ACK><RST> or <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>
    state<closed> + event<send> / r::refuse_call = ignore,      // "connection does not exist"
    state<closed> + event<close> / r::refuse_call = ignore,
    state<closed> + event<abort> / r::refuse_call = ignore,
    state<closed> + event<seg_ignored> = ignore, // (in every state: the classification already dropped it)
    state<closed> + any_event = ignore,

    // ---- LISTEN (3.10.2, 3.10.7.2) ----
    state<listen> + event<seg_syn> / r::accept_syn = state<syn_received>,
    state<listen> + event<seg_bad_ack> / r::reply_reset = ignore, // any ACK: <SEQ=SEG.ACK><CTL=RST>
    state<listen> + event<open_active> / r::send_syn = state<syn_sent>,
    state<listen> + event<send>[r::remote_known] / r::send_syn = state<syn_sent>, // SEND in LISTEN makes the open active
    state<listen> + event<send> / r::refuse_call = ignore,       // "foreign socket unspecified"
    state<listen> + event<close> / r::forget = state<closed>,
    state<listen> + event<abort> / r::forget = state<closed>,
    state<listen> + event<open_passive> / r::refuse_call = ignore, // "connection already exists"
    state<listen> + any_event = ignore,                            // RST, and anything without SYN or ACK

    // ---- SYN-SENT (3.10.7.3) ----
    state<syn_sent> + event<seg_syn_ack> / r::complete_open = state<established>,
    state<syn_sent> + event<seg_syn> / r::simultaneous_open = state<syn_received>,
    state<syn_sent> + event<seg_rst> / r::refused = state<closed>,
    state<syn_sent> + event<seg_bad_ack> / r::reply_reset = ignore,
    state<syn_sent> + event<timeout_retransmit>[r::retries_left] / r::retransmit = state<syn_sent>,
    state<syn_sent> + event<timeout_retransmit> / r::time_out = state<closed>,
    state<syn_sent> + event<timeout_user> / r::time_out = state<closed>,
    state<syn_sent> + event<send> = ignore,                        // queued until ESTABLISHED
    state<syn_sent> + event<close> / r::forget = state<closed>,
    state<syn_sent> + event<abort> / r::forget = state<closed>,
    state<syn_sent> + event<open_passive> / r::refuse_call = ignore,
    state<syn_sent> + event<open_active> / r::refuse_call = ignore,
    state<syn_sent> + any_event = ignore,

    // ---- SYN-RECEIVED (3.10.7.4) ----
    state<syn_received> + event<seg_ack_all> / r::establish = state<established>,
    state<syn_received> + event<seg_fin_ack_all> / r::establish_and_fin = state<close_wait>,
    state<syn_received> + event<seg_ack> / r::establish = state<established>,         // our SYN acked; data queued by SEND waits
    state<syn_received> + event<seg_fin> / r::establish_and_fin = state<close_wait>,
    state<syn_received> + event<seg_syn_ack> / r::establish_crossing = state<established>, // simultaneous open
    state<syn_received> + event<seg_syn>[r::retransmitted_syn] / r::resend_syn_ack = ignore,
    state<syn_received> + event<seg_syn> / r::challenge_ack = ignore, // RFC 5961 4.2
    state<syn_received> + event<seg_rst>[r::opened_passively] / r::back_to_listen = state<listen>,
    state<syn_received> + event<seg_rst> / r::refused = state<closed>,
    state<syn_received> + event<seg_rst_in_window> / r::challenge_ack = ignore,
    state<syn_received> + event<seg_unacceptable> / r::ack_unacceptable = ignore,
    state<syn_received> + event<seg_bad_ack> / r::reply_reset = ignore, // <SEQ=SEG.ACK><CTL=RST>
    state<syn_received> + event<timeout_retransmit>[r::retries_left] / r::retransmit = state<syn_received>,
    state<syn_received> + event<timeout_retransmit>[r::opened_passively] / r::back_to_listen = state<listen>,
    state<syn_received> + event<timeout_retransmit> / r::time_out = state<closed>,
    state<syn_received> + event<timeout_user> / r::time_out = state<closed>,
    state<syn_received> + event<close> / r::send_fin = state<fin_wait_1>,
    state<syn_received> + event<abort> / r::abort_with_reset = state<closed>,
    state<syn_received> + event<send> = ignore, // queued until ESTABLISHED
    state<syn_received> + event<open_active> / r::refuse_call = ignore, // "connection already exists"
    state<syn_received> + event<open_passive> / r::refuse_call = ignore,
    state<syn_received> + any_event = ignore,

    // ---- ESTABLISHED ----
    state<established> + event<seg_ack> / r::ack = state<established>,
    state<established> + event<seg_ack_all> / r::ack = state<established>,
    state<established> + event<seg_fin> / r::ack_fin = state<close_wait>,
    state<established> + event<seg_fin_ack_all> / r::ack_fin = state<close_wait>,
    state<established> + event<seg_rst> / r::reset_by_peer = state<closed>,
    state<established> + event<seg_rst_in_window> / r::challenge_ack = ignore,
    state<established> + event<seg_syn> / r::challenge_ack = ignore,
    state<established> + event<seg_syn_ack> / r::challenge_ack = ignore,
    state<established> + event<seg_unacceptable> / r::ack_unacceptable = ignore,
    state<established> + event<seg_bad_ack> / r::challenge_ack = ignore,
    state<established> + event<send> / r::transmit = ignore,
    state<established> + event<close>[r::unread_data] / r::abort_with_reset = state<closed>, // RFC 9293 3.6 SHLD-3
    state<established> + event<close> / r::send_fin = state<fin_wait_1>,
    state<established> + event<abort> / r::abort_with_reset = state<closed>,
    state<established> + event<timeout_retransmit>[r::retries_left] / r::retransmit = ignore,
    state<established> + event<timeout_retransmit> / r::time_out = state<closed>,
    state<established> + event<timeout_user> / r::time_out = state<closed>,
    state<established> + event<open_active> / r::refuse_call = ignore, // "connection already exists"
    state<established> + event<open_passive> / r::refuse_call = ignore,
    state<established> + any_event = ignore,

    // ---- FIN-WAIT-1: our FIN sent ----
    state<fin_wait_1> + event<seg_ack> / r::ack = state<fin_wait_1>,
    state<fin_wait_1> + event<seg_ack_all> / r::ack = state<fin_wait_2>,
    state<fin_wait_1> + event<seg_fin> / r::ack_fin = state<closing>,
    state<fin_wait_1> + event<seg_fin_ack_all> / r::ack_fin_time_wait = state<time_wait>,
    state<fin_wait_1> + event<seg_rst> / r::reset_by_peer = state<closed>,
    state<fin_wait_1> + event<seg_rst_in_window> / r::challenge_ack = ignore,
    state<fin_wait_1> + event<seg_syn> / r::challenge_ack = ignore,
    state<fin_wait_1> + event<seg_syn_ack> / r::challenge_ack = ignore,
    state<fin_wait_1> + event<seg_unacceptable> / r::ack_unacceptable = ignore,
    state<fin_wait_1> + event<seg_bad_ack> / r::challenge_ack = ignore,
    state<fin_wait_1> + event<abort> / r::abort_with_reset = state<closed>,
    state<fin_wait_1> + event<send> / r::refuse_call = ignore,  // "connection closing"
    state<fin_wait_1> + event<close> / r::refuse_call = ignore,
    state<fin_wait_1> + event<timeout_retransmit>[r::retries_left] / r::retransmit = ignore,
    state<fin_wait_1> + event<timeout_retransmit> / r::time_out = state<closed>,
    state<fin_wait_1> + event<timeout_user> / r::time_out = state<closed>,
    state<fin_wait_1> + event<open_active> / r::refuse_call = ignore, // "connection already exists"
    state<fin_wait_1> + event<open_passive> / r::refuse_call = ignore,
    state<fin_wait_1> + any_event = ignore,

    // ---- FIN-WAIT-2: our FIN acknowledged, theirs awaited (half-close: we still receive) ----
    state<fin_wait_2> + event<seg_ack> / r::ack = state<fin_wait_2>,
    state<fin_wait_2> + event<seg_ack_all> / r::ack = state<fin_wait_2>,
    state<fin_wait_2> + event<seg_fin> / r::ack_fin_time_wait = state<time_wait>,
    state<fin_wait_2> + event<seg_fin_ack_all> / r::ack_fin_time_wait = state<time_wait>,
    state<fin_wait_2> + event<seg_rst> / r::reset_by_peer = state<closed>,
    state<fin_wait_2> + event<seg_rst_in_window> / r::challenge_ack = ignore,
    state<fin_wait_2> + event<seg_syn> / r::challenge_ack = ignore,
    state<fin_wait_2> + event<seg_syn_ack> / r::challenge_ack = ignore,
    state<fin_wait_2> + event<seg_unacceptable> / r::ack_unacceptable = ignore,
    state<fin_wait_2> + event<seg_bad_ack> / r::challenge_ack = ignore,
    state<fin_wait_2> + event<abort> / r::abort_with_reset = state<closed>,
    state<fin_wait_2> + event<send> / r::refuse_call = ignore,
    state<fin_wait_2> + event<close> / r::refuse_call = ignore,
    state<fin_wait_2> + event<timeout_user> / r::time_out = state<closed>,
    state<fin_wait_2> + event<open_active> / r::refuse_call = ignore, // "connection already exists"
    state<fin_wait_2> + event<open_passive> / r::refuse_call = ignore,
    state<fin_wait_2> + any_event = ignore,

    // ---- CLOSE-WAIT: their FIN received (half-close: we still send) ----
    state<close_wait> + event<seg_ack> / r::ack = state<close_wait>,
    state<close_wait> + event<seg_ack_all> / r::ack = state<close_wait>,
    state<close_wait> + event<seg_rst> / r::reset_by_peer = state<closed>,
    state<close_wait> + event<seg_rst_in_window> / r::challenge_ack = ignore,
    state<close_wait> + event<seg_syn> / r::challenge_ack = ignore,
    state<close_wait> + event<seg_syn_ack> / r::challenge_ack = ignore,
    state<close_wait> + event<seg_unacceptable> / r::ack_unacceptable = ignore,
    state<close_wait> + event<seg_bad_ack> / r::challenge_ack = ignore,
    state<close_wait> + event<send> / r::transmit = ignore,
    state<close_wait> + event<close>[r::unread_data] / r::abort_with_reset = state<closed>,
    state<close_wait> + event<close> / r::send_fin = state<last_ack>,
    state<close_wait> + event<abort> / r::abort_with_reset = state<closed>,
    state<close_wait> + event<timeout_retransmit>[r::retries_left] / r::retransmit = ignore,
    state<close_wait> + event<timeout_retransmit> / r::time_out = state<closed>,
    state<close_wait> + event<timeout_user> / r::time_out = state<closed>,
    state<close_wait> + event<open_active> / r::refuse_call = ignore, // "connection already exists"
    state<close_wait> + event<open_passive> / r::refuse_call = ignore,
    state<close_wait> + any_event = ignore,

    // ---- CLOSING: simultaneous close, waiting for the ACK of our FIN ----
    state<closing> + event<seg_ack_all> / r::ack_time_wait = state<time_wait>,
    state<closing> + event<seg_ack> / r::ack = state<closing>,
    state<closing> + event<seg_rst> / r::reset_by_peer = state<closed>,
    state<closing> + event<seg_rst_in_window> / r::challenge_ack = ignore,
    state<closing> + event<seg_syn> / r::challenge_ack = ignore,
    state<closing> + event<seg_syn_ack> / r::challenge_ack = ignore,
    state<closing> + event<seg_unacceptable> / r::ack_unacceptable = ignore,
    state<closing> + event<seg_bad_ack> / r::challenge_ack = ignore,
    state<closing> + event<abort> / r::forget = state<closed>,
    state<closing> + event<timeout_retransmit>[r::retries_left] / r::retransmit = ignore,
    state<closing> + event<timeout_retransmit> / r::time_out = state<closed>,
    state<closing> + event<timeout_user> / r::time_out = state<closed>,
    state<closing> + event<send> / r::refuse_call = ignore,
    state<closing> + event<close> / r::refuse_call = ignore,
    state<closing> + event<open_active> / r::refuse_call = ignore, // "connection already exists"
    state<closing> + event<open_passive> / r::refuse_call = ignore,
    state<closing> + any_event = ignore,

    // ---- LAST-ACK: their FIN received, ours sent ----
    state<last_ack> + event<seg_ack_all> / r::ack_closed = state<closed>,
    state<last_ack> + event<seg_ack> / r::ack = state<last_ack>,
    state<last_ack> + event<seg_rst> / r::reset_by_peer = state<closed>,
    state<last_ack> + event<seg_rst_in_window> / r::challenge_ack = ignore,
    state<last_ack> + event<seg_syn> / r::challenge_ack = ignore,
    state<last_ack> + event<seg_syn_ack> / r::challenge_ack = ignore,
    state<last_ack> + event<seg_unacceptable> / r::ack_unacceptable = ignore,
    state<last_ack> + event<seg_bad_ack> / r::challenge_ack = ignore,
    state<last_ack> + event<abort> / r::forget = state<closed>,
    state<last_ack> + event<timeout_retransmit>[r::retries_left] / r::retransmit = ignore,
    state<last_ack> + event<timeout_retransmit> / r::time_out = state<closed>,
    state<last_ack> + event<timeout_user> / r::time_out = state<closed>,
    state<last_ack> + event<send> / r::refuse_call = ignore,
    state<last_ack> + event<close> / r::refuse_call = ignore,
    state<last_ack> + event<open_active> / r::refuse_call = ignore, // "connection already exists"
    state<last_ack> + event<open_passive> / r::refuse_call = ignore,
    state<last_ack> + any_event = ignore,

    // ---- TIME-WAIT: 2 MSL, then gone (RFC 9293 3.4.2) ----
    state<time_wait> + event<timeout_time_wait> / r::time_wait_over = state<closed>,
    state<time_wait> + event<seg_fin> / r::restart_time_wait = ignore, // the retransmitted FIN: ACK it, restart 2 MSL
    state<time_wait> + event<seg_rst>[r::rst_ends_time_wait] / r::time_wait_over = state<closed>, // RFC 1337: a policy; Linux ends it
    state<time_wait> + event<seg_rst> = ignore,
    state<time_wait> + event<seg_rst_in_window> / r::challenge_ack = ignore,
    state<time_wait> + event<seg_syn> / r::challenge_ack = ignore,
    state<time_wait> + event<seg_syn_ack> / r::challenge_ack = ignore,
    state<time_wait> + event<seg_unacceptable> / r::ack_unacceptable = ignore,
    state<time_wait> + event<seg_bad_ack> / r::challenge_ack = ignore,
    state<time_wait> + event<abort> / r::forget = state<closed>,
    state<time_wait> + event<send> / r::refuse_call = ignore,
    state<time_wait> + event<close> / r::refuse_call = ignore,
    state<time_wait> + event<open_active> / r::refuse_call = ignore, // "connection already exists"
    state<time_wait> + event<open_passive> / r::refuse_call = ignore,
    state<time_wait> + any_event = ignore);
} // namespace table_rows

/// The RFC 9293 connection table.
inline constexpr const auto& connection_table = table_rows::table;
/// Its type.
using connection_table_type = std::remove_cvref_t<decltype(table_rows::table)>;

// The table passes every check: deterministic, every state reachable from CLOSED and able
// to return to it, every cell declared (the RFC's "drop" cells are explicit `ignore`).
static_assert(core::static_assert_verified<table_rows::table>());
// Event and state indices are the enums' values, so classification dispatches directly.
static_assert(connection_table_type::event_index<events::timeout_user>() == static_cast<std::size_t>(event::timeout_user));
static_assert(connection_table_type::event_count == event_count);
static_assert(connection_table_type::state_index<states::time_wait>() == static_cast<std::size_t>(state::time_wait));

} // namespace synack::tcp
