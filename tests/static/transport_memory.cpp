// The in-memory transport inside constant expressions: frames go both ways through a
// pair, with and without faults (fixed seeds), and the compiler checks what arrives.
#include <synack/transport/memory.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

using namespace synack;
using namespace std::chrono_literals;
using transport::memory_direction;
using transport::memory_faults;

namespace {

using small_pair = transport::memory_pair<8, 16>;

// A frame of `len` bytes saying who sent it and its number: {from, id, id + 1, ...}.
template <class Endpoint>
constexpr bool send(Endpoint e, std::uint8_t from, std::uint8_t id, std::size_t len = 4) {
    return e.transmit(len, [=](std::span<std::uint8_t> out) {
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i == 0 ? from : id + i - 1);
    }).has_value();
}

// What one receive saw: whether a frame came, its bytes and its length.
struct arrival {
    bool received = false;
    std::array<std::uint8_t, 16> bytes{};
    std::size_t length = 0;
};

template <class Endpoint>
constexpr arrival take(Endpoint e) {
    arrival a;
    a.received = e.receive([&](std::span<const std::uint8_t> frame) {
        a.length = frame.size();
        for (std::size_t i = 0; i < frame.size(); ++i) a.bytes[i] = frame[i];
    });
    return a;
}

constexpr bool is_frame(const arrival& a, std::uint8_t from, std::uint8_t id, std::size_t len = 4) {
    if (!a.received || a.length != len || a.bytes[0] != from) return false;
    for (std::size_t i = 1; i < len; ++i)
        if (a.bytes[i] != static_cast<std::uint8_t>(id + i - 1)) return false;
    return true;
}

constexpr int differing_bits(const arrival& a, std::uint8_t from, std::uint8_t id, std::size_t len = 4) {
    int bits = 0;
    for (std::size_t i = 0; i < len; ++i) {
        const auto expected = static_cast<std::uint8_t>(i == 0 ? from : id + i - 1);
        for (unsigned x = a.bytes[i] ^ expected; x != 0; x &= x - 1) ++bits;
    }
    return bits;
}

constexpr bool balanced(const transport::memory_counters& c, std::size_t in_flight) {
    return c.transmitted + c.duplicated == c.delivered + c.lost + in_flight;
}

// Without faults both directions deliver in order, byte for byte, and only to the other side.
constexpr bool both_ways_in_order() {
    small_pair pair;
    auto a = pair.a();
    auto b = pair.b();
    bool ok = send(a, 'A', 1) && send(b, 'B', 10, 7) && send(a, 'A', 2, 16) && send(a, 'A', 3, 0);
    ok = ok && is_frame(take(b), 'A', 1) && is_frame(take(b), 'A', 2, 16) && take(b).received && !take(b).received;
    ok = ok && is_frame(take(a), 'B', 10, 7) && !take(a).received;
    return ok && pair.counters(memory_direction::a_to_b).delivered == 3
           && pair.counters(memory_direction::b_to_a).delivered == 1;
}
static_assert(both_ways_in_order());

constexpr bool loss_of_one_loses_all() {
    small_pair pair;
    auto a = pair.a();
    auto b = pair.b();
    if (!pair.set_faults(memory_direction::a_to_b, {.loss = 1.0})) return false;
    for (std::uint8_t i = 0; i < 20; ++i)
        if (!send(a, 'A', i) || !send(b, 'B', i) || take(b).received || !is_frame(take(a), 'B', i)) return false;
    return pair.counters(memory_direction::a_to_b).lost == 20 && pair.counters(memory_direction::b_to_a).lost == 0;
}
static_assert(loss_of_one_loses_all());

constexpr bool duplication_of_one_doubles_all() {
    small_pair pair;
    if (!pair.set_faults({.duplication = 1.0})) return false;
    for (std::uint8_t i = 0; i < 3; ++i)
        if (!send(pair.a(), 'A', i)) return false;
    for (std::uint8_t i = 0; i < 3; ++i)
        if (!is_frame(take(pair.b()), 'A', i) || !is_frame(take(pair.b()), 'A', i)) return false;
    return !take(pair.b()).received && pair.counters(memory_direction::a_to_b).duplicated == 3;
}
static_assert(duplication_of_one_doubles_all());

constexpr bool reordering_of_one_swaps_neighbours() {
    small_pair pair;
    if (!pair.set_faults({.reordering = 1.0})) return false;
    for (std::uint8_t i = 1; i <= 5; ++i)
        if (!send(pair.b(), 'B', i)) return false;
    // 2 overtakes 1, 4 overtakes 3; 5 waits for an overtaker, and goes when nothing else is left.
    const std::uint8_t expected[] = {2, 1, 4, 3, 5};
    for (std::uint8_t id : expected)
        if (!is_frame(take(pair.a()), 'B', id)) return false;
    return !take(pair.a()).received && pair.counters(memory_direction::b_to_a).reordered == 2;
}
static_assert(reordering_of_one_swaps_neighbours());

constexpr bool corruption_of_one_flips_one_bit() {
    small_pair pair{transport::memory_options{.seed = 3}};
    if (!pair.set_faults({.corruption = 1.0})) return false;
    for (std::uint8_t i = 0; i < 8; ++i) {
        if (!send(pair.a(), 'A', i, 16)) return false;
        const arrival got = take(pair.b());
        if (!got.received || got.length != 16 || differing_bits(got, 'A', i, 16) != 1) return false;
    }
    return pair.counters(memory_direction::a_to_b).corrupted == 8;
}
static_assert(corruption_of_one_flips_one_bit());

constexpr bool delay_holds_until_the_deadline() {
    core::manual_clock clock;
    small_pair pair{clock};
    if (!pair.set_faults({.delay = 1.0, .delay_time = 5ms})) return false;
    if (!send(pair.a(), 'A', 1)) return false;
    if (!pair.set_faults({})) return false;
    if (!send(pair.a(), 'A', 2)) return false;
    bool ok = is_frame(take(pair.b()), 'A', 2) && !take(pair.b()).received;
    ok = ok && pair.b().next_arrival() == core::deadline{core::time_point{5ms}};
    ok = ok && clock.advance(4ms) && !take(pair.b()).received;
    ok = ok && clock.advance(1ms) && is_frame(take(pair.b()), 'A', 1);
    return ok && !pair.b().next_arrival().armed();
}
static_assert(delay_holds_until_the_deadline());

constexpr bool a_full_queue_refuses() {
    transport::memory_pair<2, 4> pair;
    bool filled = false;
    const auto fill = [&](std::span<std::uint8_t>) { filled = true; };
    bool ok = pair.a().transmit(1, fill) && pair.a().transmit(1, fill);
    filled = false;
    const auto refused = pair.a().transmit(1, fill);
    ok = ok && !refused && refused.error() == core::transport_error::no_buffer && !filled;
    const auto too_large = pair.a().transmit(5, fill);
    ok = ok && !too_large && too_large.error() == core::transport_error::too_large && !filled;
    return ok && pair.counters(memory_direction::a_to_b).overflowed == 1 && pair.b().pending() == 2;
}
static_assert(a_full_queue_refuses());

// Every fault at once, from a fixed seed, both ways: the books balance at every step,
// every fault happened, and the same seed replays the same run frame for frame.
struct run_summary {
    std::uint64_t fingerprint = 0;
    transport::memory_counters a_to_b{};
    transport::memory_counters b_to_a{};
    bool balanced_throughout = true;
};

constexpr run_summary run_with_every_fault(std::uint64_t seed) {
    core::manual_clock clock;
    small_pair pair{clock, {.seed = seed}};
    run_summary s;
    const memory_faults faults{
        .loss = 0.2, .duplication = 0.2, .reordering = 0.2, .delay = 0.2, .corruption = 0.2, .delay_time = 3ms};
    if (!pair.set_faults(faults)) return {};
    for (std::uint8_t i = 0; i < 60; ++i) {
        (void)send(pair.a(), 'A', i);
        (void)send(pair.b(), 'B', i);
        for (auto e : {pair.a(), pair.b()}) {
            const arrival got = take(e);
            if (got.received) s.fingerprint = s.fingerprint * 31 + got.bytes[1] + got.bytes[0] * 7u + got.bytes[3];
        }
        s.balanced_throughout = s.balanced_throughout
                                && balanced(pair.counters(memory_direction::a_to_b), pair.in_flight(memory_direction::a_to_b))
                                && balanced(pair.counters(memory_direction::b_to_a), pair.in_flight(memory_direction::b_to_a));
        (void)clock.advance(1ms);
    }
    s.a_to_b = pair.counters(memory_direction::a_to_b);
    s.b_to_a = pair.counters(memory_direction::b_to_a);
    return s;
}

constexpr bool every_fault_happened(const transport::memory_counters& c) {
    return c.lost > 0 && c.duplicated > 0 && c.reordered > 0 && c.delayed > 0 && c.corrupted > 0 && c.delivered > 0;
}

constexpr run_summary seeded = run_with_every_fault(2024);
static_assert(seeded.balanced_throughout);
static_assert(every_fault_happened(seeded.a_to_b) && every_fault_happened(seeded.b_to_a));
static_assert(seeded.a_to_b.transmitted == 60 && seeded.b_to_a.transmitted == 60);
static_assert(seeded.a_to_b != seeded.b_to_a); // each direction draws from its own stream
static_assert(run_with_every_fault(2024).fingerprint == seeded.fingerprint);
static_assert(run_with_every_fault(2024).a_to_b == seeded.a_to_b);
static_assert(run_with_every_fault(2025).fingerprint != seeded.fingerprint);

// A pair of the default size (16 frames of 1500 bytes each way) fits in constant evaluation too.
constexpr bool default_pair_round_trip() {
    transport::memory_pair<> pair;
    bool right = false;
    const bool received = send(pair.a(), 'A', 9, 1500) && pair.b().receive([&](std::span<const std::uint8_t> frame) {
        right = frame.size() == 1500 && frame[0] == 'A' && frame[1499] == static_cast<std::uint8_t>(9 + 1498);
    });
    return received && right;
}
static_assert(default_pair_round_trip());

static_assert(transport::memory_pair<8, 16>::max_frame == 16 && transport::memory_pair<8, 16>::capacity == 8);

} // namespace
