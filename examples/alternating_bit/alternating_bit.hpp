#pragma once
// The alternating bit protocol (Bartlett, Scantlebury and Wilkinson, CACM 1969): a
// stop-and-wait ARQ that delivers a message stream in order over a channel that loses
// frames, with one bit of sequence number. Two tables on synack's engine, one per side.
#include <synack/core/machine.hpp>
#include <synack/core/verify.hpp>

#include <cstdint>

namespace abp {
using namespace synack::core;

// ---- Events (frames and timer as the sides see them) ----
struct send {};      // the application hands the sender its next message
struct ack0 {};      // an acknowledgement carrying bit 0 arrives
struct ack1 {};      // ... carrying bit 1
struct timeout {};   // the retransmission timer fires
struct data0 { std::uint32_t message = 0; };  // a data frame carrying bit 0 arrives at the receiver
struct data1 { std::uint32_t message = 0; };  // ... carrying bit 1

// ---- The sender ----
// ready<b>: idle, the next message goes out with bit b; wait<b>: message b is in flight.
struct ready0 {}; struct wait0 {}; struct ready1 {}; struct wait1 {};

// What the sender's actions do to the world, as a program wires it.
struct sender_io {
    std::uint32_t transmissions = 0;  // data frames put on the wire (first sends and retransmissions)
    std::uint32_t retransmissions = 0;
    std::uint32_t completed = 0;      // messages acknowledged
    std::uint32_t in_flight = 0;      // the number of the message last transmitted
    std::uint32_t refused = 0;        // `send` while a message was in flight (the application must wait)
    bool frame_bit = false;           // the bit of the frame last transmitted
};

inline constexpr auto transmit0 = [](sender_io& io) { ++io.transmissions; io.frame_bit = false; io.in_flight = io.completed; };
inline constexpr auto transmit1 = [](sender_io& io) { ++io.transmissions; io.frame_bit = true; io.in_flight = io.completed; };
inline constexpr auto retransmit0 = [](sender_io& io) { ++io.retransmissions; transmit0(io); };
inline constexpr auto retransmit1 = [](sender_io& io) { ++io.retransmissions; transmit1(io); };
inline constexpr auto complete = [](sender_io& io) { ++io.completed; };
inline constexpr auto refuse = [](sender_io& io) { ++io.refused; };

inline constexpr auto sender_table = make_transition_table(
    states<ready0, wait0, ready1, wait1>, events<send, ack0, ack1, timeout>,
    state<ready0> + event<send> / transmit0 = state<wait0>,
    state<wait0> + event<ack0> / complete = state<ready1>,
    state<wait0> + event<timeout> / retransmit0 = state<wait0>,
    state<wait0> + event<ack1> = ignore,  // a late acknowledgement of the previous message
    state<wait0> + event<send> = reject,
    state<ready1> + event<send> / transmit1 = state<wait1>,
    state<wait1> + event<ack1> / complete = state<ready0>,
    state<wait1> + event<timeout> / retransmit1 = state<wait1>,
    state<wait1> + event<ack0> = ignore,
    state<wait1> + event<send> = reject,
    state<ready0> + any_event = ignore,   // stale acknowledgements and timers while idle
    state<ready1> + any_event = ignore).on_reject(refuse);

// ---- The receiver ----
// expect<b>: the next new message carries bit b.
struct expect0 {}; struct expect1 {};

struct receiver_io {
    std::uint32_t delivered = 0;     // messages handed to the application
    std::uint32_t out_of_order = 0;  // deliveries whose message number was not the next one (never, if the protocol is right)
    std::uint32_t duplicates = 0;    // retransmitted frames recognised and not delivered again
    std::uint32_t acks = 0;          // acknowledgements sent
    bool ack_bit = false;            // the bit of the acknowledgement last sent
};

// Actions see the event as their payload: the frame with its message number.
inline constexpr auto deliver = [](receiver_io& io, const auto& frame) {
    io.out_of_order += frame.message != io.delivered;
    ++io.delivered;
};
inline constexpr auto deliver_ack0 = [](receiver_io& io, const data0& frame) { deliver(io, frame); ++io.acks; io.ack_bit = false; };
inline constexpr auto deliver_ack1 = [](receiver_io& io, const data1& frame) { deliver(io, frame); ++io.acks; io.ack_bit = true; };
// A duplicate means our acknowledgement was lost: acknowledge it again, deliver nothing.
inline constexpr auto reack0 = [](receiver_io& io) { ++io.duplicates; ++io.acks; io.ack_bit = false; };
inline constexpr auto reack1 = [](receiver_io& io) { ++io.duplicates; ++io.acks; io.ack_bit = true; };

inline constexpr auto receiver_table = make_transition_table(
    states<expect0, expect1>, events<data0, data1>,
    state<expect0> + event<data0> / deliver_ack0 = state<expect1>,
    state<expect0> + event<data1> / reack1 = state<expect0>,
    state<expect1> + event<data1> / deliver_ack1 = state<expect0>,
    state<expect1> + event<data0> / reack0 = state<expect1>);

// Both tables pass every check: deterministic, every state reachable, every state can
// return to the initial one, and every cell declared.
static_assert(static_assert_verified<sender_table>());
static_assert(static_assert_verified<receiver_table>());

} // namespace abp
