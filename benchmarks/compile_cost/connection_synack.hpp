#pragma once
// The connection machine as a synack transition table.
#include "connection.hpp"

#include <synack/core/machine.hpp>
#include <synack/core/verify.hpp>

#include <string_view>
#include <type_traits>

namespace connection::with_synack {
using namespace synack::core;

struct closed { static constexpr std::string_view name = "CLOSED"; };
struct listen { static constexpr std::string_view name = "LISTEN"; };
struct syn_sent { static constexpr std::string_view name = "SYN-SENT"; };
struct syn_received { static constexpr std::string_view name = "SYN-RECEIVED"; };
struct established { static constexpr std::string_view name = "ESTABLISHED"; };
struct fin_wait_1 { static constexpr std::string_view name = "FIN-WAIT-1"; };
struct fin_wait_2 { static constexpr std::string_view name = "FIN-WAIT-2"; };
struct closing { static constexpr std::string_view name = "CLOSING"; };
struct time_wait { static constexpr std::string_view name = "TIME-WAIT"; };
struct close_wait { static constexpr std::string_view name = "CLOSE-WAIT"; };
struct last_ack { static constexpr std::string_view name = "LAST-ACK"; };

struct passive_open {}; struct active_open {}; struct syn {}; struct syn_ack {}; struct ack {};
struct fin {}; struct close {}; struct rst {}; struct timeout {}; struct data {};

inline constexpr auto table = make_transition_table(
    states<closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2, closing, time_wait, close_wait, last_ack>,
    events<passive_open, active_open, syn, syn_ack, ack, fin, close, rst, timeout, data>,
    terminal<closed>,
    state<closed> + event<passive_open> / open_passive = state<listen>,
    state<closed> + event<active_open> / send_syn = state<syn_sent>,
    state<closed> + event<close> = ignore,
    state<closed> + event<rst> = ignore,
    state<closed> + event<timeout> = ignore,
    state<closed> + any_event = reject, // a segment to a closed port: RST

    state<listen> + event<syn> / send_syn_ack = state<syn_received>,
    state<listen> + event<active_open> / send_syn = state<syn_sent>,
    state<listen> + event<close> / release = state<closed>,
    state<listen> + event<ack> = reject,
    state<listen> + event<syn_ack> = reject,
    state<listen> + any_event = ignore,

    state<syn_sent> + event<syn_ack> / connect_active = state<established>,
    state<syn_sent> + event<syn> / send_syn_ack = state<syn_received>, // simultaneous open
    state<syn_sent> + event<close> / release = state<closed>,
    state<syn_sent> + event<rst> / reset = state<closed>,
    state<syn_sent> + event<timeout> / give_up = state<closed>,
    state<syn_sent> + any_event = ignore,

    state<syn_received> + event<ack> / connect_passive = state<established>,
    state<syn_received> + event<close> / send_fin = state<fin_wait_1>,
    state<syn_received> + event<rst> / reset = state<listen>,
    state<syn_received> + event<timeout> / give_up = state<closed>,
    state<syn_received> + any_event = ignore,

    state<established> + event<data> [in_window] / deliver = state<established>,
    state<established> + event<data> / drop_and_ack = ignore,
    state<established> + event<fin> / ack_fin = state<close_wait>,
    state<established> + event<close> / send_fin = state<fin_wait_1>,
    state<established> + event<rst> / reset = state<closed>,
    state<established> + any_event = ignore,

    state<fin_wait_1> + event<ack> = state<fin_wait_2>,
    state<fin_wait_1> + event<fin> / ack_fin = state<closing>,
    state<fin_wait_1> + event<data> / deliver = state<fin_wait_1>,
    state<fin_wait_1> + event<rst> / reset = state<closed>,
    state<fin_wait_1> + any_event = ignore,

    state<fin_wait_2> + event<fin> / ack_fin = state<time_wait>,
    state<fin_wait_2> + event<data> / deliver = state<fin_wait_2>,
    state<fin_wait_2> + event<rst> / reset = state<closed>,
    state<fin_wait_2> + any_event = ignore,

    state<closing> + event<ack> = state<time_wait>,
    state<closing> + event<rst> / reset = state<closed>,
    state<closing> + any_event = ignore,

    state<time_wait> + event<timeout> / release = state<closed>,
    state<time_wait> + event<fin> / ack_fin = state<time_wait>, // a retransmitted FIN
    state<time_wait> + event<rst> / reset = state<closed>,
    state<time_wait> + any_event = ignore,

    state<close_wait> + event<close> / send_fin = state<last_ack>,
    state<close_wait> + event<rst> / reset = state<closed>,
    state<close_wait> + any_event = ignore,

    state<last_ack> + event<ack> / release = state<closed>,
    state<last_ack> + event<rst> / reset = state<closed>,
    state<last_ack> + event<timeout> / give_up = state<closed>,
    state<last_ack> + any_event = ignore)
    .on_reject(send_rst);

// Deterministic, every state reachable and able to return to CLOSED, every cell declared.
static_assert(verify(table).ok());
static_assert(static_assert_verified<table>());

using table_type = std::remove_cvref_t<decltype(table)>;
static_assert(table_type::state_count == state_count && table_type::event_count == event_count);
// The table numbers states and events as connection::st and connection::ev do.
static_assert(table_type::state_index<last_ack>() == static_cast<std::size_t>(st::last_ack));
static_assert(table_type::state_index<time_wait>() == static_cast<std::size_t>(st::time_wait));
static_assert(table_type::event_index<data>() == static_cast<std::size_t>(ev::data));
static_assert(table_type::event_index<rst>() == static_cast<std::size_t>(ev::rst));

using machine_type = decltype(make_machine(table, stats{}));

} // namespace connection::with_synack
