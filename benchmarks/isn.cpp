// Per-connection costs: an RFC 6528 ISN (SipHash-2-4 of the tuple plus the 4 us clock)
// beside a plain Mersenne Twister draw, the ISN a user might pick instead (random, but
// with no clock, so without RFC 9293 3.4.1's MUST-8); the tuple hash of a connection
// table beside Boost's hash_combine and the standard library's byte hash; and one RTT
// sample of the RFC 6298 estimator. Inputs cycle through 4096 pre-generated tuples.
#include <benchmark/benchmark.h>

#include <synack/tcp/isn.hpp>
#include <synack/tcp/rto.hpp>

#include <boost/container_hash/hash.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace {

using namespace synack;
using namespace synack::tcp;

constexpr std::size_t input_count = 4096; // a power of two: the index wraps with a mask

struct inputs {
    std::vector<four_tuple> tuples;
    std::vector<core::time_point> times;
    std::vector<core::duration> rtts;
};

const inputs& make_inputs(bool ipv6) {
    static const auto build = [](bool v6) {
        std::mt19937_64 rng{v6 ? 6u : 4u};
        inputs in;
        for (std::size_t i = 0; i < input_count; ++i) {
            const std::uint64_t a = rng(), b = rng(), c = rng();
            const auto port = [](std::uint64_t x) { return static_cast<std::uint16_t>(x); };
            if (v6) {
                ipv6_address local{}, remote{};
                for (std::size_t k = 0; k < 8; ++k) {
                    local.bytes[k] = 0x20;
                    local.bytes[8 + k] = static_cast<std::uint8_t>(a >> (8 * k));
                    remote.bytes[k] = 0x2a;
                    remote.bytes[8 + k] = static_cast<std::uint8_t>(b >> (8 * k));
                }
                in.tuples.emplace_back(local, port(c), remote, port(c >> 16));
            } else {
                const auto v4 = [](std::uint64_t x) {
                    return ipv4_address{{static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(x >> 8),
                                         static_cast<std::uint8_t>(x >> 16), static_cast<std::uint8_t>(x >> 24)}};
                };
                in.tuples.emplace_back(v4(a), port(c), v4(b), port(c >> 16));
            }
            in.times.emplace_back(std::chrono::nanoseconds{static_cast<std::int64_t>(c >> 8)});
            in.rtts.emplace_back(std::chrono::microseconds{1000 + static_cast<std::int64_t>(a % 200'000)});
        }
        return in;
    };
    static const inputs v4 = build(false), v6 = build(true);
    return ipv6 ? v6 : v4;
}

constexpr siphash_key secret{0x0123456789abcdef, 0xfedcba9876543210};

void isn_rfc6528(benchmark::State& state, bool ipv6) {
    const auto& in = make_inputs(ipv6);
    const rfc6528_isn isn{secret};
    // Self-check: ISN - F is M.
    if (isn.initial_sequence(in.tuples[0], in.times[0]) - isn.offset(in.tuples[0]) !=
        seq_number{rfc6528_isn::timer(in.times[0])})
        state.SkipWithError("ISN is not M + F");
    std::size_t i = 0;
    for (auto _ : state) {
        const std::size_t k = i++ & (input_count - 1);
        benchmark::DoNotOptimize(isn.initial_sequence(in.tuples[k], in.times[k]));
    }
}

void isn_mt19937(benchmark::State& state, bool) {
    std::mt19937 rng{42};
    for (auto _ : state) benchmark::DoNotOptimize(seq_number{static_cast<std::uint32_t>(rng())});
}

void tuple_hash_synack(benchmark::State& state, bool ipv6) {
    const auto& in = make_inputs(ipv6);
    if (in.tuples[0].hash(1) == in.tuples[0].hash(2)) state.SkipWithError("the seed does not reach the hash");
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(in.tuples[i++ & (input_count - 1)].hash(0x5eed));
}

void tuple_hash_synack_keyed(benchmark::State& state, bool ipv6) {
    const auto& in = make_inputs(ipv6);
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(in.tuples[i++ & (input_count - 1)].keyed_hash(secret));
}

// What a user would write with Boost: hash_combine over the four fields.
std::size_t boost_tuple_hash(const four_tuple& t) {
    std::size_t seed = 0x5eed;
    const auto local = t.local_address().bytes, remote = t.remote_address().bytes;
    boost::hash_range(seed, local.begin(), local.end());
    boost::hash_range(seed, remote.begin(), remote.end());
    boost::hash_combine(seed, t.local_port());
    boost::hash_combine(seed, t.remote_port());
    return seed;
}

void tuple_hash_boost(benchmark::State& state, bool ipv6) {
    const auto& in = make_inputs(ipv6);
    std::size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(boost_tuple_hash(in.tuples[i++ & (input_count - 1)]));
}

// What a user would write with the standard library: std::hash of the tuple's bytes.
void tuple_hash_std_bytes(benchmark::State& state, bool ipv6) {
    const auto& in = make_inputs(ipv6);
    std::size_t i = 0;
    for (auto _ : state) {
        std::array<std::uint8_t, four_tuple::max_canonical_size> bytes{};
        const std::size_t n = in.tuples[i++ & (input_count - 1)].canonical_bytes(bytes);
        benchmark::DoNotOptimize(
            std::hash<std::string_view>{}(std::string_view{reinterpret_cast<const char*>(bytes.data()), n}));
    }
}

void rto_sample_synack(benchmark::State& state) {
    const auto& in = make_inputs(false);
    rto_estimator e;
    std::size_t i = 0;
    for (auto _ : state) {
        auto rto = e.on_rtt_sample(in.rtts[i++ & (input_count - 1)]);
        benchmark::DoNotOptimize(rto);
    }
    if (!e.has_sample() || e.rto() < e.parameters().minimum) state.SkipWithError("no sample taken");
}

} // namespace

BENCHMARK_CAPTURE(isn_rfc6528, v4, false)->Name("isn/ipv4/rfc6528");
BENCHMARK_CAPTURE(isn_mt19937, v4, false)->Name("isn/ipv4/mt19937");
BENCHMARK_CAPTURE(isn_rfc6528, v6, true)->Name("isn/ipv6/rfc6528");
BENCHMARK_CAPTURE(isn_mt19937, v6, true)->Name("isn/ipv6/mt19937");
BENCHMARK_CAPTURE(tuple_hash_synack, v4, false)->Name("tuple_hash/ipv4/synack");
BENCHMARK_CAPTURE(tuple_hash_synack_keyed, v4, false)->Name("tuple_hash/ipv4/synack_keyed");
BENCHMARK_CAPTURE(tuple_hash_boost, v4, false)->Name("tuple_hash/ipv4/boost");
BENCHMARK_CAPTURE(tuple_hash_std_bytes, v4, false)->Name("tuple_hash/ipv4/std_hash");
BENCHMARK_CAPTURE(tuple_hash_synack, v6, true)->Name("tuple_hash/ipv6/synack");
BENCHMARK_CAPTURE(tuple_hash_synack_keyed, v6, true)->Name("tuple_hash/ipv6/synack_keyed");
BENCHMARK_CAPTURE(tuple_hash_boost, v6, true)->Name("tuple_hash/ipv6/boost");
BENCHMARK_CAPTURE(tuple_hash_std_bytes, v6, true)->Name("tuple_hash/ipv6/std_hash");
BENCHMARK(rto_sample_synack)->Name("rto/sample/synack");
