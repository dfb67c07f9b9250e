#include "support/catch.hpp"

#include <synack/transport/memory.hpp>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <span>
#include <vector>

using namespace synack;
using namespace std::chrono_literals;
using transport::memory_direction;
using transport::memory_fault_error;
using transport::memory_faults;
using bytes = std::vector<std::uint8_t>;

namespace {

// A frame whose bytes say which frame it is: its number in the first two bytes, then a
// pattern that differs from one frame to the next.
bytes numbered(std::uint16_t id, std::size_t len = 32) {
    bytes b(len);
    for (std::size_t i = 0; i < len; ++i)
        b[i] = static_cast<std::uint8_t>(i == 0 ? id >> 8 : i == 1 ? id & 0xff : (id * 131 + i * 7) & 0xff);
    return b;
}

std::uint16_t id_of(const bytes& frame) { return static_cast<std::uint16_t>(frame.at(0) << 8 | frame.at(1)); }

template <class Endpoint>
core::transmit_result send(Endpoint e, const bytes& frame) {
    return core::transmit_copy(e, frame);
}

// Every frame the endpoint can receive now, in the order it gives them.
template <class Endpoint>
std::vector<bytes> drain(Endpoint e) {
    std::vector<bytes> frames;
    while (e.receive([&](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); })) {
    }
    return frames;
}

template <class Counters>
bool balanced(const Counters& c, std::size_t in_flight) {
    return c.transmitted + c.duplicated == c.delivered + c.lost + in_flight;
}

} // namespace

TEST_CASE("frames arrive in order and byte-exact when no fault is set", "[transport][memory]") {
    transport::memory_pair<64, 256> pair;
    std::vector<bytes> sent;
    for (std::uint16_t i = 0; i < 50; ++i) {
        sent.push_back(numbered(i, 2 + i * 5)); // lengths 2 to 247
        REQUIRE(send(pair.a(), sent.back()).value() == sent.back().size());
    }
    CHECK(pair.b().pending() == 50);
    CHECK(drain(pair.b()) == sent);
    CHECK(pair.b().pending() == 0);
    CHECK_FALSE(pair.b().receive([](std::span<const std::uint8_t>) { FAIL("no frame is left"); }));
}

TEST_CASE("A's frames go to B and B's frames go to A", "[transport][memory]") {
    transport::memory_pair<8, 64> pair;
    REQUIRE(send(pair.a(), numbered(1)));
    REQUIRE(send(pair.a(), numbered(2)));
    REQUIRE(send(pair.b(), numbered(100)));
    CHECK(pair.a().pending() == 1);
    CHECK(pair.b().pending() == 2);
    CHECK(drain(pair.a()) == std::vector<bytes>{numbered(100)});
    CHECK(drain(pair.b()) == std::vector<bytes>{numbered(1), numbered(2)});
    CHECK(pair.counters(memory_direction::a_to_b).delivered == 2);
    CHECK(pair.counters(memory_direction::b_to_a).delivered == 1);
}

TEST_CASE("a zero-length frame is a frame", "[transport][memory]") {
    transport::memory_pair<4, 16> pair;
    bool filled = false;
    REQUIRE(pair.a().transmit(0, [&](std::span<std::uint8_t> out) { filled = out.empty(); }).value() == 0);
    CHECK(filled);
    CHECK(drain(pair.b()) == std::vector<bytes>{bytes{}});
}

TEST_CASE("capabilities report the largest frame and the medium of the pair", "[transport][memory]") {
    transport::memory_pair<4, 576> segments;
    CHECK(segments.a().capabilities() == core::transport_capabilities{.mtu = 576, .medium = core::frame_medium::tcp_segment});
    transport::memory_pair<4, 1280> packets{transport::memory_options{.medium = core::frame_medium::ip}};
    CHECK(packets.b().capabilities().mtu == 1280);
    CHECK(packets.b().capabilities().medium == core::frame_medium::ip);
    CHECK(packets.b().capabilities().checksum == core::checksum_offload{});
}

TEST_CASE("a frame larger than the MTU is refused as too_large without calling fill", "[transport][memory]") {
    transport::memory_pair<4, 100> pair;
    bool called = false;
    const auto refused = pair.a().transmit(101, [&](std::span<std::uint8_t>) { called = true; });
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == core::transport_error::too_large);
    CHECK_FALSE(called);
    CHECK(pair.b().pending() == 0);
    CHECK(pair.counters(memory_direction::a_to_b) == transport::memory_counters{});
    CHECK(pair.a().transmit(100, [&](std::span<std::uint8_t> out) { called = out.size() == 100; }).value() == 100);
    CHECK(called);
}

TEST_CASE("a full queue refuses the frame without calling fill, counts it, and accepts again once drained",
          "[transport][memory]") {
    transport::memory_pair<4, 16> pair;
    for (std::uint16_t i = 0; i < 4; ++i) REQUIRE(send(pair.a(), numbered(i, 8)));
    bool called = false;
    const auto refused = pair.a().transmit(8, [&](std::span<std::uint8_t>) { called = true; });
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == core::transport_error::no_buffer);
    CHECK_FALSE(called);
    CHECK(pair.counters(memory_direction::a_to_b).overflowed == 1);
    CHECK(pair.counters(memory_direction::a_to_b).transmitted == 4);
    CHECK(pair.b().pending() == 4); // bounded: nothing grew
    // The other direction has its own room.
    CHECK(send(pair.b(), numbered(99, 8)));

    REQUIRE(pair.b().receive([](std::span<const std::uint8_t>) {}));
    CHECK(send(pair.a(), numbered(4, 8)));
    std::vector<std::uint16_t> ids;
    for (const bytes& f : drain(pair.b())) ids.push_back(id_of(f));
    CHECK(ids == std::vector<std::uint16_t>{1, 2, 3, 4});
}

TEST_CASE("loss at probability 1 loses every frame and at probability 0 none", "[transport][memory][faults]") {
    transport::memory_pair<4, 64> pair{transport::memory_options{.seed = 1}};
    REQUIRE(pair.set_faults({.loss = 1.0}));
    for (std::uint16_t i = 0; i < 1000; ++i) {
        REQUIRE(send(pair.a(), numbered(i))); // the sender cannot tell
        CHECK(pair.b().pending() == 0);
    }
    CHECK(drain(pair.b()).empty());
    CHECK(pair.counters(memory_direction::a_to_b).lost == 1000);

    REQUIRE(pair.set_faults({.loss = 0.0}));
    for (std::uint16_t i = 0; i < 1000; ++i) {
        REQUIRE(send(pair.a(), numbered(i)));
        REQUIRE(drain(pair.b()) == std::vector<bytes>{numbered(i)});
    }
    CHECK(pair.counters(memory_direction::a_to_b).lost == 1000);
}

TEST_CASE("loss at probability 0.2 loses about a fifth of 10,000 frames", "[transport][memory][faults]") {
    // Binomial(10,000, 0.2): mean 2,000, standard deviation 40. The bounds are 5 deviations
    // wide, and the seeds fixed, so the test never flakes, while p = 0.1 or 0.3 (or p
    // ignored) lands far outside.
    for (std::uint64_t seed : {1u, 2u, 3u, 0xdeadbeefu}) {
        transport::memory_pair<4, 64> pair{transport::memory_options{.seed = seed}};
        REQUIRE(pair.set_faults({.loss = 0.2}));
        std::size_t arrived = 0;
        for (std::uint16_t i = 0; i < 10'000; ++i) {
            REQUIRE(send(pair.a(), numbered(i, 4)));
            arrived += drain(pair.b()).size();
        }
        const auto lost = pair.counters(memory_direction::a_to_b).lost;
        CHECK(lost + arrived == 10'000);
        CHECK(lost >= 1'800);
        CHECK(lost <= 2'200);
    }
}

TEST_CASE("the same seed gives the same faults, and another seed other faults", "[transport][memory][faults]") {
    const memory_faults every_fault{
        .loss = 0.1, .duplication = 0.1, .reordering = 0.1, .delay = 0.1, .corruption = 0.1, .delay_time = 2ms};
    struct outcome {
        std::vector<bytes> received;
        transport::memory_counters counters;
    };
    const auto run = [&](std::uint64_t seed) {
        core::manual_clock clock;
        transport::memory_pair<16, 64> pair{clock, {.seed = seed}};
        REQUIRE(pair.set_faults(every_fault));
        outcome o;
        for (std::uint16_t i = 0; i < 500; ++i) {
            REQUIRE(send(pair.a(), numbered(i)));
            if (i % 3 == 2) {
                for (bytes& f : drain(pair.b())) o.received.push_back(std::move(f));
                REQUIRE(clock.advance(1ms));
            }
        }
        o.counters = pair.counters(memory_direction::a_to_b);
        return o;
    };
    const outcome first = run(7);
    const outcome again = run(7);
    const outcome other = run(8);
    CHECK(first.received == again.received);
    CHECK(first.counters == again.counters);
    CHECK(first.received != other.received);
    CHECK(first.counters != other.counters);
}

TEST_CASE("the two directions draw their faults independently", "[transport][memory][faults]") {
    transport::memory_pair<4, 64> pair{transport::memory_options{.seed = 5}};
    REQUIRE(pair.set_faults({.loss = 0.5}));
    std::vector<bool> a_to_b;
    std::vector<bool> b_to_a;
    for (std::uint16_t i = 0; i < 200; ++i) {
        REQUIRE(send(pair.a(), numbered(i)));
        REQUIRE(send(pair.b(), numbered(i)));
        a_to_b.push_back(!drain(pair.b()).empty());
        b_to_a.push_back(!drain(pair.a()).empty());
    }
    CHECK(a_to_b != b_to_a);
}

TEST_CASE("faults set on one direction leave the other untouched", "[transport][memory][faults]") {
    transport::memory_pair<4, 64> pair;
    REQUIRE(pair.set_faults(memory_direction::a_to_b, {.loss = 1.0}));
    CHECK(pair.faults(memory_direction::a_to_b).loss == 1.0);
    CHECK(pair.faults(memory_direction::b_to_a) == memory_faults{});
    for (std::uint16_t i = 0; i < 100; ++i) {
        REQUIRE(send(pair.a(), numbered(i)));
        REQUIRE(send(pair.b(), numbered(i)));
        CHECK(drain(pair.b()).empty());
        CHECK(drain(pair.a()) == std::vector<bytes>{numbered(i)});
    }
}

TEST_CASE("duplication at probability 1 delivers every frame twice, byte-exact", "[transport][memory][faults]") {
    transport::memory_pair<16, 128> pair{transport::memory_options{.seed = 11}};
    REQUIRE(pair.set_faults({.duplication = 1.0}));
    std::vector<bytes> expected;
    for (std::uint16_t i = 0; i < 5; ++i) {
        REQUIRE(send(pair.a(), numbered(i, 100)));
        expected.push_back(numbered(i, 100));
        expected.push_back(numbered(i, 100));
    }
    CHECK(drain(pair.b()) == expected);
    CHECK(pair.counters(memory_direction::a_to_b).duplicated == 5);
    CHECK(pair.counters(memory_direction::a_to_b).delivered == 10);
}

TEST_CASE("a copy that finds the queue full is not made, and counts as overflowed", "[transport][memory][faults]") {
    transport::memory_pair<3, 16> pair;
    REQUIRE(pair.set_faults({.duplication = 1.0}));
    REQUIRE(send(pair.a(), numbered(1, 4))); // the frame and its copy: 2 of 3 slots
    REQUIRE(send(pair.a(), numbered(2, 4))); // the frame takes the last slot; no room for its copy
    const auto& c = pair.counters(memory_direction::a_to_b);
    CHECK(c.duplicated == 1);
    CHECK(c.overflowed == 1);
    CHECK(drain(pair.b()) == std::vector<bytes>{numbered(1, 4), numbered(1, 4), numbered(2, 4)});
}

TEST_CASE("reordering at probability 1 swaps neighbours", "[transport][memory][faults]") {
    transport::memory_pair<16, 64> pair;
    REQUIRE(pair.set_faults({.reordering = 1.0}));
    for (std::uint16_t i = 1; i <= 6; ++i) REQUIRE(send(pair.a(), numbered(i)));
    std::vector<std::uint16_t> ids;
    for (const bytes& f : drain(pair.b())) ids.push_back(id_of(f));
    CHECK(ids == std::vector<std::uint16_t>{2, 1, 4, 3, 6, 5});
    CHECK(pair.counters(memory_direction::a_to_b).reordered == 3);
}

TEST_CASE("a frame held back for reordering is delivered when nothing overtakes it before the receiver asks",
          "[transport][memory][faults]") {
    transport::memory_pair<4, 64> pair;
    REQUIRE(pair.set_faults({.reordering = 1.0}));
    for (std::uint16_t i = 0; i < 10; ++i) {
        REQUIRE(send(pair.a(), numbered(i)));
        CHECK(pair.b().pending() == 1);
        CHECK(pair.b().next_arrival().expired(core::time_point{}));
        CHECK(drain(pair.b()) == std::vector<bytes>{numbered(i)}); // one frame at a time cannot be reordered
    }
    CHECK(pair.counters(memory_direction::a_to_b).reordered == 0);
}

TEST_CASE("a held frame whose would-be overtaker is lost arrives in place and is not counted as reordered",
          "[transport][memory][faults]") {
    transport::memory_pair<4, 64> pair;
    REQUIRE(pair.set_faults({.reordering = 1.0}));
    REQUIRE(send(pair.a(), numbered(1))); // held back
    REQUIRE(pair.set_faults({.loss = 1.0}));
    REQUIRE(send(pair.a(), numbered(2))); // lost: nothing overtakes frame 1
    REQUIRE(pair.set_faults({}));
    REQUIRE(send(pair.a(), numbered(3)));
    CHECK(drain(pair.b()) == std::vector<bytes>{numbered(1), numbered(3)});
    CHECK(pair.counters(memory_direction::a_to_b).reordered == 0);
    CHECK(pair.counters(memory_direction::a_to_b).lost == 1);
}

TEST_CASE("reordering at probability 0.5 moves frames only by one place", "[transport][memory][faults]") {
    transport::memory_pair<32, 64> pair{transport::memory_options{.seed = 99}};
    REQUIRE(pair.set_faults({.reordering = 0.5}));
    for (std::uint16_t i = 0; i < 30; ++i) REQUIRE(send(pair.a(), numbered(i)));
    std::vector<std::uint16_t> ids;
    for (const bytes& f : drain(pair.b())) ids.push_back(id_of(f));
    REQUIRE(ids.size() == 30);
    std::size_t swapped = 0;
    for (std::size_t k = 0; k < ids.size(); ++k) {
        CHECK(std::abs(static_cast<int>(ids[k]) - static_cast<int>(k)) <= 1);
        if (ids[k] == k + 1) {
            CHECK(ids.at(k + 1) == k);
            ++swapped;
        }
    }
    CHECK(swapped == pair.counters(memory_direction::a_to_b).reordered);
    CHECK(swapped > 0);
    CHECK(swapped < 15);
}

TEST_CASE("a delayed frame is held until the clock reaches its deadline, and later frames overtake it",
          "[transport][memory][faults]") {
    core::manual_clock clock{core::time_point{1s}};
    transport::memory_pair<8, 64> pair{clock};
    REQUIRE(pair.set_faults({.delay = 1.0, .delay_time = 40ms}));
    REQUIRE(send(pair.a(), numbered(1)));
    REQUIRE(pair.set_faults({})); // the frames after it are not delayed
    REQUIRE(send(pair.a(), numbered(2)));
    REQUIRE(send(pair.a(), numbered(3)));

    CHECK(drain(pair.b()) == std::vector<bytes>{numbered(2), numbered(3)});
    CHECK(pair.b().pending() == 1);
    CHECK(pair.b().next_arrival() == core::deadline{core::time_point{1s + 40ms}});
    CHECK(pair.b().next_arrival().remaining(clock.now()) == 40ms);

    REQUIRE(clock.advance(39ms));
    CHECK(drain(pair.b()).empty());
    REQUIRE(clock.advance(1ms));
    CHECK(pair.b().next_arrival().expired(clock.now()));
    CHECK(drain(pair.b()) == std::vector<bytes>{numbered(1)});
    CHECK_FALSE(pair.b().next_arrival().armed());
    CHECK(pair.counters(memory_direction::a_to_b).delayed == 1);
}

TEST_CASE("next_arrival is the earliest deadline among delayed frames", "[transport][memory][faults]") {
    core::manual_clock clock;
    transport::memory_pair<8, 64> pair{clock};
    CHECK_FALSE(pair.a().next_arrival().armed());
    REQUIRE(pair.set_faults({.delay = 1.0, .delay_time = 30ms}));
    REQUIRE(send(pair.a(), numbered(1)));
    REQUIRE(pair.set_faults({.delay = 1.0, .delay_time = 10ms}));
    REQUIRE(send(pair.a(), numbered(2)));
    CHECK(pair.b().next_arrival() == core::deadline{core::time_point{10ms}});
    REQUIRE(clock.advance(10ms));
    CHECK(drain(pair.b()) == std::vector<bytes>{numbered(2)});
    CHECK(pair.b().next_arrival() == core::deadline{core::time_point{30ms}});
}

TEST_CASE("a pair can hold delayed frames against the steady clock", "[transport][memory][faults]") {
    const core::steady_clock clock;
    transport::memory_pair<4, 64, core::steady_clock> pair{clock};
    REQUIRE(pair.set_faults({.delay = 1.0, .delay_time = 2ms}));
    const core::time_point sent_at = clock.now();
    REQUIRE(send(pair.a(), numbered(1)));
    CHECK(pair.b().next_arrival().at() >= sent_at + 2ms);
    std::vector<bytes> got;
    while (got.empty() && clock.now() < sent_at + 10s) got = drain(pair.b());
    CHECK(got == std::vector<bytes>{numbered(1)});
    CHECK(clock.now() >= sent_at + 2ms);
}

TEST_CASE("corruption flips exactly one bit of every frame, anywhere in it", "[transport][memory][faults]") {
    transport::memory_pair<4, 64> pair{transport::memory_options{.seed = 21}};
    REQUIRE(pair.set_faults({.corruption = 1.0}));
    std::set<std::size_t> positions;
    for (std::uint16_t i = 0; i < 2'000; ++i) {
        const bytes original = numbered(i, 64);
        REQUIRE(send(pair.a(), original));
        const std::vector<bytes> got = drain(pair.b());
        REQUIRE(got.size() == 1);
        REQUIRE(got[0].size() == original.size());
        int flipped = 0;
        for (std::size_t k = 0; k < original.size(); ++k) {
            const auto diff = static_cast<unsigned>(got[0][k] ^ original[k]);
            flipped += std::popcount(diff);
            if (diff != 0) positions.insert(k * 8 + static_cast<std::size_t>(std::countr_zero(diff)));
        }
        REQUIRE(flipped == 1);
    }
    CHECK(pair.counters(memory_direction::a_to_b).corrupted == 2'000);
    CHECK(positions.size() > 400); // of 512 bits; each is missed with probability about 2e-2
}

TEST_CASE("invalid fault settings are refused and leave the previous ones in force", "[transport][memory][faults]") {
    core::manual_clock clock;
    transport::memory_pair<4, 64> pair{clock};
    const memory_faults good{.loss = 0.5, .delay = 0.25, .delay_time = 5ms};
    REQUIRE(pair.set_faults(good).value() == good);
    const double nan = std::numeric_limits<double>::quiet_NaN();

    const auto refused = [&](memory_faults bad, memory_fault_error why) {
        const auto r = pair.set_faults(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error() == why);
        CHECK(pair.faults(memory_direction::a_to_b) == good);
        CHECK(pair.faults(memory_direction::b_to_a) == good);
        const auto one_way = pair.set_faults(memory_direction::b_to_a, bad);
        REQUIRE_FALSE(one_way);
        CHECK(one_way.error() == why);
        CHECK(pair.faults(memory_direction::b_to_a) == good);
    };
    refused({.loss = 1.5}, memory_fault_error::probability_out_of_range);
    refused({.duplication = -0.1}, memory_fault_error::probability_out_of_range);
    refused({.reordering = nan}, memory_fault_error::probability_out_of_range);
    refused({.delay = 2.0}, memory_fault_error::probability_out_of_range);
    refused({.corruption = std::numeric_limits<double>::infinity()}, memory_fault_error::probability_out_of_range);
    refused({.delay_time = -1ns}, memory_fault_error::negative_delay_time);

    transport::memory_pair<4, 64> clockless;
    const auto no_clock = clockless.set_faults({.delay = 0.1, .delay_time = 1ms});
    REQUIRE_FALSE(no_clock);
    CHECK(no_clock.error() == memory_fault_error::delay_without_clock);
    CHECK(clockless.faults(memory_direction::a_to_b) == memory_faults{});
    CHECK(clockless.set_faults({.loss = 1.0, .duplication = 0.0}));
}

TEST_CASE("counters add up: transmitted plus duplicated is delivered plus lost plus in flight",
          "[transport][memory][faults]") {
    core::manual_clock clock;
    transport::memory_pair<8, 64> pair{clock, {.seed = 1234}};
    REQUIRE(pair.set_faults(
        {.loss = 0.15, .duplication = 0.3, .reordering = 0.3, .delay = 0.3, .corruption = 0.2, .delay_time = 3ms}));
    core::detail::splitmix64 traffic{77};
    std::uint64_t refused = 0;
    std::uint64_t accepted = 0;
    std::uint64_t received = 0;
    for (int step = 0; step < 20'000; ++step) {
        switch (traffic.below(3)) {
        case 0:
            if (send(pair.a(), numbered(static_cast<std::uint16_t>(step), 1 + traffic.below(64)))) ++accepted;
            else ++refused;
            break;
        case 1: received += pair.b().receive([](std::span<const std::uint8_t>) {}) ? 1 : 0; break;
        default: REQUIRE(clock.advance(std::chrono::microseconds{traffic.below(1500)}));
        }
        const auto& c = pair.counters(memory_direction::a_to_b);
        REQUIRE(balanced(c, pair.in_flight(memory_direction::a_to_b)));
    }
    const auto& c = pair.counters(memory_direction::a_to_b);
    CHECK(c.transmitted == accepted);
    CHECK(c.delivered == received);
    CHECK(refused > 0); // the queue did fill up
    CHECK(c.overflowed >= refused);
    CHECK(c.lost > 0);
    CHECK(c.duplicated > 0);
    CHECK(c.reordered > 0);
    CHECK(c.delayed > 0);
    CHECK(c.corrupted > 0);
    CHECK(pair.in_flight(memory_direction::a_to_b) <= 8);
}

TEST_CASE("a receiver may transmit its reply from inside receive", "[transport][memory]") {
    transport::memory_pair<2, 16> pair;
    REQUIRE(send(pair.a(), numbered(1, 4)));
    REQUIRE(pair.b().receive([&](std::span<const std::uint8_t> frame) {
        REQUIRE(send(pair.b(), bytes(frame.begin(), frame.end())));
    }));
    CHECK(drain(pair.a()) == std::vector<bytes>{numbered(1, 4)});
}

TEST_CASE("a transport's fill may be a mutable lambda, called once with the whole buffer", "[transport][memory]") {
    transport::memory_pair<2, 16> pair;
    int calls = 0;
    REQUIRE(pair.a().transmit(3, [calls, &outer = calls](std::span<std::uint8_t> out) mutable {
        ++calls;
        outer = calls;
        out[0] = 7;
        out[1] = 8;
        out[2] = 9;
    }));
    CHECK(calls == 1);
    CHECK(drain(pair.b()) == std::vector<bytes>{bytes{7, 8, 9}});
}
