#pragma once
// Corpora of distinct, varied segments for the wire benchmarks, generated once before
// timing from a seeded generator, so no benchmark times one packet the branch
// predictor has learnt, and no random number is drawn inside a timed loop.
#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#include <cstdint>
#include <random>
#include <vector>

namespace bench {

inline constexpr std::size_t corpus_size = 4096; // a power of two: index with a mask

/// One packet of a corpus: IPv4 header + TCP segment, viewing the corpus' storage.
struct packet {
    std::span<const std::uint8_t> ip;
    std::size_t tcp_offset = 20; ///< where the segment starts
};

/// Packets stored back to back in one buffer, as a receive ring would hold them, so a
/// benchmark times the work on the bytes rather than chasing heap pointers.
struct corpus {
    std::vector<std::uint8_t> storage;
    std::vector<packet> packets;
    const packet& operator[](std::size_t i) const { return packets[i]; }
    auto begin() const { return packets.begin(); }
    auto end() const { return packets.end(); }
};

enum class workload { bare_ack, syn_options, ack_sack };

inline corpus make_corpus(workload kind, std::uint32_t seed = 2026) {
    using namespace synack::tcp;
    std::mt19937 rng{seed};
    corpus out;
    out.storage.reserve(corpus_size * 128);
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < corpus_size; ++i) {
        segment s{};
        s.source_port = static_cast<std::uint16_t>(1024 + rng() % 60000);
        s.destination_port = static_cast<std::uint16_t>(rng() % 2 ? 80 : 443);
        s.seq = seq_number{static_cast<std::uint32_t>(rng())};
        s.ack = seq_number{static_cast<std::uint32_t>(rng())};
        s.window = static_cast<std::uint16_t>(rng());
        switch (kind) {
        case workload::bare_ack: s.flags = flag::ack; break;
        case workload::syn_options:
            s.flags = flag::syn;
            s.options.add_mss(static_cast<std::uint16_t>(536 + rng() % 1000));
            s.options.add_sack_permitted();
            s.options.add_timestamps({static_cast<std::uint32_t>(rng()), 0});
            s.options.add_nop();
            s.options.add_window_scale(static_cast<std::uint8_t>(rng() % 15));
            break;
        case workload::ack_sack: {
            s.flags = flag::ack;
            s.options.add_nop();
            s.options.add_nop();
            s.options.add_timestamps({static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())});
            s.options.add_nop();
            s.options.add_nop();
            const auto base = static_cast<std::uint32_t>(rng());
            const std::array blocks{sack_block{seq_number{base}, seq_number{base + 1448}},
                                    sack_block{seq_number{base + 2896}, seq_number{base + 4344}},
                                    sack_block{seq_number{base + 5792}, seq_number{base + 7240}}};
            s.options.add_sack(blocks);
            break;
        }
        }
        const ipv4_address src{{10, 0, static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng())}};
        const ipv4_address dst{{10, 1, static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng())}};
        const std::size_t at = out.storage.size();
        out.storage.resize(at + 20 + s.size());
        const std::span<std::uint8_t> ip{out.storage.data() + at, 20 + s.size()};
        write_ipv4_header(ip, src, dst, s.size());
        serialize(s, ip.subspan(20), ipv4_pseudo_header{src, dst});
        offsets.push_back(at);
    }
    offsets.push_back(out.storage.size());
    for (std::size_t i = 0; i < corpus_size; ++i)
        out.packets.push_back({std::span<const std::uint8_t>{out.storage.data() + offsets[i], offsets[i + 1] - offsets[i]}});
    return out;
}

} // namespace bench
