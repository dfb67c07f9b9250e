// Frames per second through the in-memory transport, A to B: one frame sent and
// received per iteration, at 64 and 1500 bytes, without faults and with every fault
// at 5%; beside the queue a test would otherwise write by hand (a std::deque of
// std::vector frames, one allocation per frame). Each iteration sends one of 64
// pre-generated frames, and the receiver reads three bytes of what arrives; every run
// checks what it read against what was sent.
#include <benchmark/benchmark.h>

#include <synack/transport/memory.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <vector>

namespace {

// What the receiver reads of each frame: cheap (so the queue, not the reader, is timed)
// yet different for each of the 64 frames, so lost, stale or misplaced frames show.
std::uint64_t fingerprint(std::span<const std::uint8_t> frame) {
    return frame.size() + frame[0] + frame[frame.size() / 2] * 256u + frame[frame.size() - 1] * 65536u;
}

struct frames {
    std::vector<std::vector<std::uint8_t>> bytes;
    std::vector<std::uint64_t> fingerprints;
};

const frames& inputs(std::size_t size) {
    static std::vector<std::pair<std::size_t, frames>> cache;
    for (auto& [n, f] : cache)
        if (n == size) return f;
    std::mt19937 rng{static_cast<std::uint32_t>(size)};
    frames f;
    for (int i = 0; i < 64; ++i) {
        auto& b = f.bytes.emplace_back(size);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        f.fingerprints.push_back(fingerprint(b));
    }
    cache.emplace_back(size, std::move(f));
    return cache.back().second;
}

template <std::size_t Size>
void memory_synack(benchmark::State& state) {
    const frames& in = inputs(Size);
    synack::transport::memory_pair<16, Size> pair;
    benchmark::DoNotOptimize(&pair); // the queue's bytes escape: every copy into it is made
    auto a = pair.a();
    auto b = pair.b();
    std::uint64_t received = 0;
    std::uint64_t expected = 0;
    std::size_t i = 0;
    for (auto _ : state) {
        expected += in.fingerprints[i & 63];
        const auto& frame = in.bytes[i++ & 63];
        const auto sent = a.transmit(Size, [&](std::span<std::uint8_t> out) { std::ranges::copy(frame, out.begin()); });
        benchmark::DoNotOptimize(sent);
        benchmark::ClobberMemory();
        b.receive([&](std::span<const std::uint8_t> f) { received += fingerprint(f); });
    }
    if (received != expected) state.SkipWithError("frames arrived damaged or not at all");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(Size));
}

template <std::size_t Size>
void memory_deque_of_vectors(benchmark::State& state) {
    const frames& in = inputs(Size);
    std::deque<std::vector<std::uint8_t>> queue;
    std::uint64_t received = 0;
    std::uint64_t expected = 0;
    std::size_t i = 0;
    for (auto _ : state) {
        expected += in.fingerprints[i & 63];
        const auto& frame = in.bytes[i++ & 63];
        queue.emplace_back(frame.begin(), frame.end());
        received += fingerprint(queue.front());
        queue.pop_front();
    }
    if (received != expected) state.SkipWithError("frames arrived damaged or not at all");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(Size));
}

// Every fault at 5%, virtual time advancing 1 ms per frame: the cost of the fault
// decisions (five draws per frame) and of overtaking. Checks the counters balance.
template <std::size_t Size>
void memory_synack_faults(benchmark::State& state) {
    const frames& in = inputs(Size);
    synack::core::manual_clock clock;
    synack::transport::memory_pair<16, Size> pair{clock, {.seed = 42}};
    const auto set = pair.set_faults({.loss = 0.05, .duplication = 0.05, .reordering = 0.05, .delay = 0.05,
                                      .corruption = 0.05, .delay_time = std::chrono::milliseconds{3}});
    if (!set) state.SkipWithError("faults refused");
    benchmark::DoNotOptimize(&pair); // the queue's bytes escape: every copy into it is made
    auto a = pair.a();
    auto b = pair.b();
    std::uint64_t received = 0;
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& frame = in.bytes[i++ & 63];
        const auto sent = a.transmit(Size, [&](std::span<std::uint8_t> out) { std::ranges::copy(frame, out.begin()); });
        benchmark::DoNotOptimize(sent);
        while (b.receive([&](std::span<const std::uint8_t> f) { received += f.size(); })) {
        }
        (void)clock.advance(std::chrono::milliseconds{1});
    }
    const auto& c = pair.counters(synack::transport::memory_direction::a_to_b);
    if (c.transmitted + c.duplicated != c.delivered + c.lost + pair.in_flight(synack::transport::memory_direction::a_to_b)
        || received != c.delivered * Size)
        state.SkipWithError("the counters do not add up");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(Size));
}

} // namespace

BENCHMARK(memory_synack<64>)->Name("memory_transport/64/synack");
BENCHMARK(memory_deque_of_vectors<64>)->Name("memory_transport/64/deque_of_vectors");
BENCHMARK(memory_synack<1500>)->Name("memory_transport/1500/synack");
BENCHMARK(memory_deque_of_vectors<1500>)->Name("memory_transport/1500/deque_of_vectors");
BENCHMARK(memory_synack_faults<64>)->Name("memory_transport/64_every_fault_5pc/synack");
BENCHMARK(memory_synack_faults<1500>)->Name("memory_transport/1500_every_fault_5pc/synack");
