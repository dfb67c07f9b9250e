// Run-time dispatch of the transition-table engine: one connection-like machine (11
// states, 10 events, compile_cost/connection.hpp) built three ways and fed the same
// stream of random event indices: synack's table (make_machine + dispatch), a
// hand-written nested switch, and Boost.MSM (functor front end, runtime index mapped to
// process_event through a switch). Each implementation lives in its own unit
// (compile_cost/synack.cpp, switch.cpp, msm.cpp, the very units whose compile cost
// compile_cost/measure.sh reports) and is called once per pass over the stream. Every
// pass starts from CLOSED with zeroed counters; each benchmark checks that its last pass
// ended where the other implementations end, and the program exits non-zero if any
// check failed.
//
// dispatch/*: 4096 events, replayed pass after pass, so the branch predictor learns much
// of the stream (the best case for branchy code, as with repetitive traffic).
// dispatch_1m/*: 2^20 events, more than a predictor can learn: every event is a fresh
// guess, and time per event is mostly mispredicted branches.
#include "compile_cost/run.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

namespace {

using namespace connection;

constexpr std::size_t stream_length = 4096;
constexpr std::size_t long_stream_length = std::size_t{1} << 20;

// Uniformly random event indices from a fixed seed; the short stream is the long one's start.
template <std::size_t Length = stream_length>
const std::vector<std::uint8_t>& event_stream() {
    static const std::vector<std::uint8_t> stream = [] {
        std::mt19937 rng{0x5eedd15a};
        std::uniform_int_distribution<int> pick{0, static_cast<int>(event_count) - 1};
        std::vector<std::uint8_t> s(Length);
        for (auto& e : s) e = static_cast<std::uint8_t>(pick(rng));
        return s;
    }();
    return stream;
}

static_assert(std::has_unique_object_representations_v<stats>, "counters compare bytewise");
bool same(const outcome& a, const outcome& b) {
    return a.state == b.state && std::memcmp(&a.context, &b.context, sizeof(stats)) == 0;
}

using run_pass_fn = outcome (*)(const std::uint8_t*, std::size_t);
template <std::size_t Length = stream_length>
outcome one_pass(run_pass_fn run) { return run(event_stream<Length>().data(), Length); }

int failures = 0;

void fail(benchmark::State& state, const char* why) {
    ++failures;
    state.SkipWithError(why);
}

// The short stream is worth timing and the implementations agree on it: after every
// prefix they are in the same state with the same counters, the stream visits every
// state, and it takes both sides of the guarded cell.
const char* short_stream_problem() {
    static const char* const problem = []() -> const char* {
        std::array<std::uint32_t, state_count> visits{};
        for (std::size_t n = 1; n <= stream_length; ++n) {
            const outcome prefix = with_switch::run_pass(event_stream().data(), n);
            ++visits[static_cast<std::size_t>(prefix.state)];
            if (!same(with_synack::run_pass(event_stream().data(), n), prefix))
                return "synack and the switch disagree on a prefix of the stream";
            if ((n % 64 == 0 || n == stream_length) && !same(with_msm::run_pass(event_stream().data(), n), prefix))
                return "Boost.MSM and the switch disagree on a prefix of the stream";
        }
        for (const auto v : visits)
            if (v == 0) return "the event stream leaves a state unvisited";
        const outcome whole = one_pass(with_switch::run_pass);
        if (whole.context.delivered == 0 || whole.context.dropped == 0)
            return "the event stream never takes one side of the guarded cell";
        return nullptr;
    }();
    return problem;
}

// The long stream: the implementations agree after a whole pass.
template <std::size_t Length>
const char* stream_problem() {
    if constexpr (Length == stream_length) {
        return short_stream_problem();
    } else {
        static const char* const problem = []() -> const char* {
            if (const char* p = short_stream_problem()) return p;
            const outcome reference = one_pass<Length>(with_switch::run_pass);
            if (!same(one_pass<Length>(with_synack::run_pass), reference)) return "synack and the switch disagree after the long stream";
            if (!same(one_pass<Length>(with_msm::run_pass), reference)) return "Boost.MSM and the switch disagree after the long stream";
            return nullptr;
        }();
        return problem;
    }
}

template <run_pass_fn Run, std::size_t Length>
void dispatch_pass(benchmark::State& state) {
    if (const char* problem = stream_problem<Length>()) return fail(state, problem);
    const std::uint8_t* const events = event_stream<Length>().data();
    outcome last{};
    for (auto _ : state) {
        last = Run(events, Length);
        benchmark::DoNotOptimize(last);
    }
    // The last timed pass must have ended where the switch ends.
    if (state.iterations() > 0 && !same(last, one_pass<Length>(with_switch::run_pass)))
        fail(state, "the timed pass did not end in the reference state");
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(Length));
}

} // namespace

BENCHMARK(dispatch_pass<with_synack::run_pass, stream_length>)->Name("dispatch/synack");
BENCHMARK(dispatch_pass<with_switch::run_pass, stream_length>)->Name("dispatch/switch");
BENCHMARK(dispatch_pass<with_msm::run_pass, stream_length>)->Name("dispatch/boost_msm");
BENCHMARK(dispatch_pass<with_synack::run_pass, long_stream_length>)->Name("dispatch_1m/synack");
BENCHMARK(dispatch_pass<with_switch::run_pass, long_stream_length>)->Name("dispatch_1m/switch");
BENCHMARK(dispatch_pass<with_msm::run_pass, long_stream_length>)->Name("dispatch_1m/boost_msm");

// Google Benchmark 1.7 exits 0 even when a benchmark reports an error: count them.
int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return failures == 0 ? 0 : 1;
}
