#pragma once
// The connection-like machine that the dispatch benchmark and the compile-cost units
// build three ways (synack table, hand-written switch, Boost.MSM): the indices of its
// states and events, the counters its actions keep, and the actions and the guard
// themselves. All three implementations call these same callables, so they do the same
// work and must end in the same state with the same counters. This header stays C++17:
// Boost.MSM 1.74's back end does not compile as C++20 with g++ 12 (a template-id as
// constructor name), so the MSM unit is C++17.
//
// The rows follow RFC 9293's state diagram (3.3.2, figure 5) and its segment arrival
// rules (3.10.7): a closed port and a listener answer stray segments with RST (3.10.7.1,
// 3.10.7.2), a RST in SYN-RECEIVED goes back to LISTEN (3.10.7.3), an out-of-window
// data segment is dropped and acknowledged (3.10.7.4). Timeouts and RSTs bring every
// state back to CLOSED or LISTEN, so a random event stream keeps visiting all states.
#include <cstddef>
#include <cstdint>

namespace connection {

/// The states, in the order all three implementations number them (CLOSED first: initial).
enum class st : std::uint8_t {
    closed, listen, syn_sent, syn_received, established, fin_wait_1, fin_wait_2, closing, time_wait, close_wait, last_ack,
};
inline constexpr std::size_t state_count = 11;

/// The events, as a classifier would number them.
enum class ev : std::uint8_t { passive_open, active_open, syn, syn_ack, ack, fin, close, rst, timeout, data };
inline constexpr std::size_t event_count = 10;

/// What the actions count: the context every implementation carries.
struct stats {
    std::uint32_t passive_opens = 0;
    std::uint32_t syns_sent = 0;
    std::uint32_t syn_acks_sent = 0;
    std::uint32_t acks_sent = 0;
    std::uint32_t fins_sent = 0;
    std::uint32_t rsts_sent = 0;
    std::uint32_t established = 0;
    std::uint32_t delivered = 0;
    std::uint32_t dropped = 0;
    std::uint32_t resets = 0;
    std::uint32_t timeouts = 0;
    std::uint32_t closed = 0;
};

// Actions: one or two counter updates each, as a small real action would be.
inline constexpr auto open_passive = [](stats& s) { ++s.passive_opens; };
inline constexpr auto send_syn = [](stats& s) { ++s.syns_sent; };
inline constexpr auto send_syn_ack = [](stats& s) { ++s.syn_acks_sent; };
inline constexpr auto send_ack = [](stats& s) { ++s.acks_sent; };
inline constexpr auto send_fin = [](stats& s) { ++s.fins_sent; };
inline constexpr auto send_rst = [](stats& s) { ++s.rsts_sent; };
inline constexpr auto connect_active = [](stats& s) { ++s.acks_sent; ++s.established; }; // SYN-SENT + SYN,ACK: ACK it
inline constexpr auto connect_passive = [](stats& s) { ++s.established; };
inline constexpr auto deliver = [](stats& s) { ++s.delivered; };
inline constexpr auto drop_and_ack = [](stats& s) { ++s.dropped; ++s.acks_sent; };      // RFC 9293 3.10.7.4
inline constexpr auto ack_fin = [](stats& s) { ++s.acks_sent; };
inline constexpr auto reset = [](stats& s) { ++s.resets; };
inline constexpr auto give_up = [](stats& s) { ++s.timeouts; };
inline constexpr auto release = [](stats& s) { ++s.closed; };

/// The guard: every fourth data segment in ESTABLISHED falls outside the window.
inline constexpr auto in_window = [](const stats& s) { return (s.delivered + s.dropped) % 4 != 3; };

} // namespace connection
