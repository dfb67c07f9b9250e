// Memory per connection held open: one listener fed a handshake from each of N distinct
// 4-tuples (client 10.x.y.z, four ports per client address), every connection left
// ESTABLISHED, then the listener's size, the growth of the process's resident set, and
// the time the listener took to establish them.
//
//   synack_bench_listener_memory           65,536 connections (Capacity 2^16): the smoke run
//   synack_bench_listener_memory --full    1,000,000 connections (Capacity 2^20): the figure to quote
//
// The client side is the benchmark itself: it writes each SYN and ACK as an IPv4 packet
// (options as Linux sends them: MSS, SACK-permitted, timestamps, window scale), in
// batches of 4096 outside the timed part, and answers each SYN,ACK the listener sent
// (read back from the listener's transport) with the ACK that carries its number.
// Only the listener's on_frame calls are timed. Each run checks that every connection
// is ESTABLISHED and nothing was dropped, and reports an error otherwise.
#include <benchmark/benchmark.h>

#include <synack/tcp/listener.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace {
using namespace synack;

constexpr std::size_t batch = 4096;
constexpr std::size_t frame_slot = 128;
int failures = 0;

void fail(benchmark::State& state, const char* why) {
    ++failures;
    state.SkipWithError(why);
}

// The listener's link: nothing arrives through it (the benchmark calls on_frame), and
// what it sends (the SYN,ACKs) is kept in order, one slot per frame, for the client side.
struct reply_tap {
    std::uint8_t* slots = nullptr;
    std::size_t* count = nullptr;

    template <class Fill>
    core::transmit_result transmit(std::size_t length, Fill&& fill) {
        if (length > frame_slot) return core::failure(core::transport_error::too_large);
        if (*count == batch) return core::failure(core::transport_error::no_buffer);
        fill(std::span<std::uint8_t>{slots + *count * frame_slot, length});
        ++*count;
        return length;
    }
    template <class Consume>
    bool receive(Consume&&) {
        return false;
    }
    core::transport_capabilities capabilities() const noexcept {
        return {.mtu = 1500, .medium = core::frame_medium::ip, .checksum = {}};
    }
};

// Resident memory of this process now, in bytes (/proc/self/statm), or 0.
std::size_t resident_bytes() {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long size = 0, resident = 0;
    const int read = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    return read == 2 ? resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

const tcp::ipv4_address server_address{{192, 168, 0, 1}};
constexpr std::uint16_t server_port = 80;

// The n-th client: 10.x.y.z from n / 4 (never 10.0.0.0), port 40000 + n % 4.
tcp::ipv4_address client_address(std::size_t n) {
    const std::size_t host = n / 4 + 1;
    return {{10, static_cast<std::uint8_t>(host >> 16), static_cast<std::uint8_t>(host >> 8), static_cast<std::uint8_t>(host)}};
}
std::uint16_t client_port(std::size_t n) { return static_cast<std::uint16_t>(40000 + n % 4); }
tcp::seq_number client_isn(std::size_t n) { return tcp::seq_number{static_cast<std::uint32_t>(n * 2654435761u)}; }

// Writes `s` from `from` to the server as an IPv4 packet into `out`; false if it does not fit.
bool ipv4_frame(std::span<std::uint8_t> out, const tcp::segment& s, const tcp::ipv4_address& from) {
    if (!tcp::write_ipv4_header(out, from, server_address, s.size())) return false;
    return tcp::serialize(s, out.subspan(tcp::ipv4_header_size), tcp::ipv4_pseudo_header{from, server_address}).has_value();
}

tcp::segment client_syn(std::size_t n) {
    tcp::segment s{};
    s.source_port = client_port(n);
    s.destination_port = server_port;
    s.seq = client_isn(n);
    s.flags = tcp::flag::syn;
    s.window = 64240;
    s.options.add_mss(1460);
    s.options.add_sack_permitted();
    s.options.add_timestamps({static_cast<std::uint32_t>(n), 0});
    s.options.add_nop();
    s.options.add_window_scale(7);
    return s;
}

template <std::size_t Capacity>
void listener_memory(benchmark::State& state, std::size_t connections) {
    using listener_type = tcp::listener<reply_tap, core::manual_clock, tcp::rfc6528_isn, Capacity>;
    // Everything the client side needs is allocated before the first measurement.
    std::vector<std::uint8_t> requests(batch * frame_slot), replies(batch * frame_slot);
    std::size_t reply_count = 0;
    core::manual_clock clock;
    tcp::rfc6528_isn isn{std::array<std::uint8_t, 16>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
    tcp::listener_config config;
    config.backlog = batch;

    for (auto _ : state) {
        const std::size_t resident_before = resident_bytes();
        const auto built_at = std::chrono::steady_clock::now();
        auto server = std::make_unique<listener_type>(reply_tap{replies.data(), &reply_count}, clock, isn,
                                                      tcp::endpoint{server_address, server_port}, config);
        const std::chrono::duration<double> construction = std::chrono::steady_clock::now() - built_at;
        const std::size_t resident_built = resident_bytes();
        std::chrono::duration<double> handshakes{};
        const char* problem = nullptr;

        for (std::size_t first = 0; first < connections && !problem; first += batch) {
            const std::size_t count = std::min(batch, connections - first);
            for (std::size_t k = 0; k < count; ++k)
                if (!ipv4_frame(std::span{requests}.subspan(k * frame_slot, frame_slot), client_syn(first + k), client_address(first + k)))
                    problem = "a SYN does not fit its slot";
            reply_count = 0;
            auto t0 = std::chrono::steady_clock::now();
            for (std::size_t k = 0; k < count; ++k) server->on_frame(std::span<const std::uint8_t>{requests}.subspan(k * frame_slot, frame_slot));
            handshakes += std::chrono::steady_clock::now() - t0;
            if (reply_count != count) {
                problem = "not every SYN got a SYN,ACK";
                break;
            }
            // The ACK of each SYN,ACK, with the server's number and timestamp.
            for (std::size_t k = 0; k < count && !problem; ++k) {
                const std::size_t n = first + k;
                const auto packet = tcp::parse_ip(std::span<const std::uint8_t>{replies}.subspan(k * frame_slot, frame_slot));
                if (!packet) {
                    problem = "a SYN,ACK is not an IPv4 packet";
                    break;
                }
                const auto syn_ack = tcp::parse(packet->payload);
                if (!syn_ack || syn_ack->flags() != (tcp::flag::syn | tcp::flag::ack) || syn_ack->destination_port() != client_port(n) ||
                    !(packet->destination4 == client_address(n)) || syn_ack->ack() != client_isn(n) + 1) {
                    problem = "a SYN,ACK is not the answer to its SYN";
                    break;
                }
                tcp::segment ack{};
                ack.source_port = client_port(n);
                ack.destination_port = server_port;
                ack.seq = client_isn(n) + 1;
                ack.ack = syn_ack->seq() + 1;
                ack.flags = tcp::flag::ack;
                ack.window = 502;
                ack.options.add_nop();
                ack.options.add_nop();
                ack.options.add_timestamps({static_cast<std::uint32_t>(n) + 1, syn_ack->summary().timestamps.value});
                if (!ipv4_frame(std::span{requests}.subspan(k * frame_slot, frame_slot), ack, client_address(n)))
                    problem = "an ACK does not fit its slot";
            }
            reply_count = 0;
            t0 = std::chrono::steady_clock::now();
            for (std::size_t k = 0; k < count; ++k) server->on_frame(std::span<const std::uint8_t>{requests}.subspan(k * frame_slot, frame_slot));
            handshakes += std::chrono::steady_clock::now() - t0;
            if (reply_count != 0 && !problem) problem = "the listener answered an ACK that completes a handshake";
        }
        const std::size_t resident_after = resident_bytes();

        std::size_t established = 0;
        for (std::uint32_t id = 0; id < Capacity; ++id)
            if (server->at(id).state() == tcp::state::established) ++established;
        if (problem) fail(state, problem);
        else if (server->size() != connections || established != connections || server->half_open() != 0 ||
                 server->counters().accepted_syns != connections || server->counters().dropped_syns != 0)
            fail(state, "not every connection is ESTABLISHED");
        else if (resident_before == 0)
            fail(state, "/proc/self/statm is not readable");

        const auto n = static_cast<double>(connections);
        state.counters["connections"] = n;
        state.counters["sizeof_listener_MB"] = static_cast<double>(sizeof(listener_type)) / 1e6;
        state.counters["sizeof_per_slot_B"] = static_cast<double>(sizeof(listener_type)) / static_cast<double>(Capacity);
        state.counters["rss_growth_MB"] = static_cast<double>(resident_after - resident_before) / 1e6;
        state.counters["rss_per_connection_B"] = static_cast<double>(resident_after - resident_before) / n;
        state.counters["rss_growth_at_construction_MB"] = static_cast<double>(resident_built - resident_before) / 1e6;
        state.counters["construction_s"] = construction.count();
        state.counters["handshakes_s"] = handshakes.count();
        state.counters["handshakes_per_s"] = n / handshakes.count();
        benchmark::DoNotOptimize(server.get());
    }
}

} // namespace

int main(int argc, char** argv) {
    bool full = false;
    for (int i = 1; i < argc; ++i)
        if (std::string_view{argv[i]} == "--full") {
            full = true;
            for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
            --argc;
            break;
        }
    if (full)
        benchmark::RegisterBenchmark("listener_memory/1000000/synack", listener_memory<std::size_t{1} << 20>, std::size_t{1'000'000})
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
    else
        benchmark::RegisterBenchmark("listener_memory/65536/synack", listener_memory<std::size_t{1} << 16>, std::size_t{1} << 16)
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return failures == 0 ? 0 : 1;
}
