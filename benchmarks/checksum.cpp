// The Internet checksum at 40, 1500 and 65536 bytes: synack's run-time path beside
// the textbook 16-bit loop of RFC 1071 4.1, over 64 distinct buffers per size at
// varied alignments.
#include <benchmark/benchmark.h>

#include <synack/tcp/checksum.hpp>

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace {

struct buffers {
    std::vector<std::uint8_t> storage;
    std::vector<std::span<const std::uint8_t>> views;
};

const buffers& inputs(std::size_t size) {
    static std::vector<std::pair<std::size_t, buffers>> cache;
    for (auto& [n, b] : cache)
        if (n == size) return b;
    std::mt19937 rng{static_cast<std::uint32_t>(size)};
    buffers b;
    b.storage.resize(64 * (size + 8));
    for (auto& x : b.storage) x = static_cast<std::uint8_t>(rng());
    for (std::size_t i = 0; i < 64; ++i) b.views.emplace_back(b.storage.data() + i * (size + 8) + (i % 4), size);
    cache.emplace_back(size, std::move(b));
    return cache.back().second;
}

[[gnu::noinline]] std::uint16_t rfc1071_loop(const std::uint8_t* p, std::size_t n) {
    std::uint32_t sum = 0;
    while (n > 1) {
        sum += static_cast<std::uint32_t>(p[0] << 8 | p[1]);
        p += 2;
        n -= 2;
    }
    if (n > 0) sum += static_cast<std::uint32_t>(p[0] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

template <std::size_t Size>
void checksum_synack(benchmark::State& state) {
    const auto& in = inputs(Size);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto sum = synack::tcp::internet_checksum(in.views[i++ & 63]);
        benchmark::DoNotOptimize(sum);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(Size));
}

template <std::size_t Size>
void checksum_rfc1071_loop(benchmark::State& state) {
    const auto& in = inputs(Size);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& v = in.views[i++ & 63];
        const auto sum = rfc1071_loop(v.data(), v.size());
        benchmark::DoNotOptimize(sum);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(Size));
}

} // namespace

BENCHMARK(checksum_synack<40>)->Name("checksum/40/synack");
BENCHMARK(checksum_rfc1071_loop<40>)->Name("checksum/40/rfc1071_loop");
BENCHMARK(checksum_synack<1500>)->Name("checksum/1500/synack");
BENCHMARK(checksum_rfc1071_loop<1500>)->Name("checksum/1500/rfc1071_loop");
BENCHMARK(checksum_synack<65536>)->Name("checksum/65536/synack");
BENCHMARK(checksum_rfc1071_loop<65536>)->Name("checksum/65536/rfc1071_loop");
