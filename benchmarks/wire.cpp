// The hot parse and serialise paths, synack beside libtins doing the same work:
// every benchmark walks a corpus of 4096 distinct segments.
//   parse/bare_ack/*      validate a 20-byte header, read ports, numbers, flags, window
//   parse/syn_options/*   parse a SYN and decode MSS, SACK-permitted, timestamps, window scale
//   parse/ack_sack/*      parse an ACK and decode timestamps and 3 SACK blocks
//   serialize/syn/*       write IPv4 + a SYN with four options, checksums included
#include "bench_corpus.hpp"

#include <benchmark/benchmark.h>

#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#ifdef SYNACK_HAVE_LIBTINS
#include <cstring>
#include <tins/ip.h>
#include <tins/ip_address.h>
#include <tins/tcp.h>
#endif

namespace {

using namespace synack::tcp;

const bench::corpus& corpus(bench::workload w) {
    static const auto bare = bench::make_corpus(bench::workload::bare_ack);
    static const auto syn = bench::make_corpus(bench::workload::syn_options);
    static const auto sack = bench::make_corpus(bench::workload::ack_sack);
    switch (w) {
    case bench::workload::bare_ack: return bare;
    case bench::workload::syn_options: return syn;
    default: return sack;
    }
}

std::span<const std::uint8_t> tcp_bytes(const bench::packet& p) {
    return p.ip.subspan(p.tcp_offset);
}

void parse_bare_ack_synack(benchmark::State& state) {
    const auto& c = corpus(bench::workload::bare_ack);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto v = parse(tcp_bytes(c[i++ & (bench::corpus_size - 1)]));
        if (!v) state.SkipWithError("parse failed");
        std::uint64_t x = v->source_port() + v->destination_port() + v->seq().raw() + v->ack().raw() + v->flags().bits() + v->window();
        benchmark::DoNotOptimize(x);
    }
    state.SetItemsProcessed(state.iterations());
}

void parse_syn_options_synack(benchmark::State& state) {
    const auto& c = corpus(bench::workload::syn_options);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto v = parse(tcp_bytes(c[i++ & (bench::corpus_size - 1)]));
        if (!v) state.SkipWithError("parse failed");
        const auto o = v->summary();
        std::uint64_t x = v->source_port() + v->seq().raw() + v->flags().bits() + o.mss + o.window_scale +
                          o.sack_permitted + o.timestamps.value + o.timestamps.echo;
        benchmark::DoNotOptimize(x);
    }
    state.SetItemsProcessed(state.iterations());
}

void parse_ack_sack_synack(benchmark::State& state) {
    const auto& c = corpus(bench::workload::ack_sack);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto v = parse(tcp_bytes(c[i++ & (bench::corpus_size - 1)]));
        if (!v) state.SkipWithError("parse failed");
        const auto o = v->summary();
        std::uint64_t x = v->ack().raw() + o.timestamps.value + o.timestamps.echo;
        for (const auto& b : o.sacks()) x += b.left.raw() + b.right.raw();
        benchmark::DoNotOptimize(x);
    }
    state.SetItemsProcessed(state.iterations());
}

struct syn_fields {
    ipv4_address src, dst;
    std::uint16_t sport, dport, mss, window;
    std::uint32_t seq, tsval;
    std::uint8_t wscale;
};

const std::vector<syn_fields>& syn_inputs() {
    static const auto inputs = [] {
        std::vector<syn_fields> v;
        for (const auto& p : corpus(bench::workload::syn_options)) {
            const auto ip = parse_ip(p.ip);
            const auto s = parse(ip->payload);
            const auto o = s->summary();
            v.push_back({ip->source4, ip->destination4, s->source_port(), s->destination_port(), o.mss, s->window(),
                         s->seq().raw(), o.timestamps.value, o.window_scale});
        }
        return v;
    }();
    return inputs;
}

void serialize_syn_synack(benchmark::State& state) {
    const auto& in = syn_inputs();
    std::array<std::uint8_t, 128> out{};
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& f = in[i++ & (bench::corpus_size - 1)];
        segment s{};
        s.source_port = f.sport;
        s.destination_port = f.dport;
        s.seq = seq_number{f.seq};
        s.flags = flag::syn;
        s.window = f.window;
        s.options.add_mss(f.mss);
        s.options.add_sack_permitted();
        s.options.add_timestamps({f.tsval, 0});
        s.options.add_nop();
        s.options.add_window_scale(f.wscale);
        write_ipv4_header(out, f.src, f.dst, s.size());
        const auto n = serialize(s, std::span<std::uint8_t>{out}.subspan(20), ipv4_pseudo_header{f.src, f.dst});
        benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
}

#ifdef SYNACK_HAVE_LIBTINS
Tins::IPv4Address tins_address(const ipv4_address& a) {
    std::uint32_t raw; // libtins keeps the address in network order
    std::memcpy(&raw, a.bytes.data(), 4);
    return Tins::IPv4Address{raw};
}

void parse_bare_ack_libtins(benchmark::State& state) {
    const auto& c = corpus(bench::workload::bare_ack);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto b = tcp_bytes(c[i++ & (bench::corpus_size - 1)]);
        const Tins::TCP t{b.data(), static_cast<std::uint32_t>(b.size())};
        std::uint64_t x = t.sport() + t.dport() + t.seq() + t.ack_seq() + t.flags() + t.window();
        benchmark::DoNotOptimize(x);
    }
    state.SetItemsProcessed(state.iterations());
}

void parse_syn_options_libtins(benchmark::State& state) {
    const auto& c = corpus(bench::workload::syn_options);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto b = tcp_bytes(c[i++ & (bench::corpus_size - 1)]);
        const Tins::TCP t{b.data(), static_cast<std::uint32_t>(b.size())};
        const auto ts = t.timestamp();
        std::uint64_t x = t.sport() + t.seq() + t.flags() + t.mss() + t.winscale() + t.has_sack_permitted() + ts.first + ts.second;
        benchmark::DoNotOptimize(x);
    }
    state.SetItemsProcessed(state.iterations());
}

void parse_ack_sack_libtins(benchmark::State& state) {
    const auto& c = corpus(bench::workload::ack_sack);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto b = tcp_bytes(c[i++ & (bench::corpus_size - 1)]);
        const Tins::TCP t{b.data(), static_cast<std::uint32_t>(b.size())};
        const auto ts = t.timestamp();
        std::uint64_t x = t.ack_seq() + ts.first + ts.second;
        for (auto edge : t.sack()) x += edge;
        benchmark::DoNotOptimize(x);
    }
    state.SetItemsProcessed(state.iterations());
}

void serialize_syn_libtins(benchmark::State& state) {
    const auto& in = syn_inputs();
    std::size_t i = 0;
    for (auto _ : state) {
        const auto& f = in[i++ & (bench::corpus_size - 1)];
        Tins::TCP tcp{f.dport, f.sport};
        tcp.seq(f.seq);
        tcp.flags(Tins::TCP::SYN);
        tcp.window(f.window);
        tcp.mss(f.mss);
        tcp.sack_permitted();
        tcp.timestamp(f.tsval, 0);
        tcp.add_option(Tins::TCP::option(Tins::TCP::NOP));
        tcp.winscale(f.wscale);
        Tins::IP ip = Tins::IP{tins_address(f.dst), tins_address(f.src)} / tcp;
        auto bytes = ip.serialize();
        benchmark::DoNotOptimize(bytes.data());
    }
    state.SetItemsProcessed(state.iterations());
}
#endif

} // namespace

BENCHMARK(parse_bare_ack_synack)->Name("parse/bare_ack/synack");
BENCHMARK(parse_syn_options_synack)->Name("parse/syn_options/synack");
BENCHMARK(parse_ack_sack_synack)->Name("parse/ack_sack/synack");
BENCHMARK(serialize_syn_synack)->Name("serialize/syn/synack");
#ifdef SYNACK_HAVE_LIBTINS
BENCHMARK(parse_bare_ack_libtins)->Name("parse/bare_ack/libtins");
BENCHMARK(parse_syn_options_libtins)->Name("parse/syn_options/libtins");
BENCHMARK(parse_ack_sack_libtins)->Name("parse/ack_sack/libtins");
BENCHMARK(serialize_syn_libtins)->Name("serialize/syn/libtins");
#endif
