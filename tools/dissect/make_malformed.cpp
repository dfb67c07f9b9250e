// synack-make-malformed-pcap OUT.pcap: writes a raw-IP capture with one IPv4 packet per
// malformed class synack's parser reports, plus a good segment and one with a bad
// checksum and one carrying SACK blocks, in the order check_malformed.py expects.
#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#include <pcap/pcap.h>

#include <cstdio>
#include <vector>

namespace {

using namespace synack::tcp;
using bytes = std::vector<std::uint8_t>;

const ipv4_address src{{192, 0, 2, 1}}, dst{{192, 0, 2, 2}};

/// A TCP header (ports 40000 -> 80, ACK) with `options` and the data offset `words` (0: computed).
bytes tcp_with(bytes options, int words = 0, std::size_t total = 0) {
    bytes b = {0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0x10, 0x10, 0x00, 0, 0, 0, 0};
    while (options.size() % 4) options.push_back(0);
    b[12] = static_cast<std::uint8_t>((words ? words : static_cast<int>(5 + options.size() / 4)) << 4);
    b.insert(b.end(), options.begin(), options.end());
    if (total) b.resize(total);
    // A correct checksum, so that only the malformation differs.
    const auto sum = checksum_finish(checksum_add(b, ipv4_pseudo_header{src, dst}.sum(static_cast<std::uint16_t>(b.size()))));
    if (b.size() >= 18) {
        b[16] = static_cast<std::uint8_t>(sum >> 8);
        b[17] = static_cast<std::uint8_t>(sum);
    }
    return b;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: synack-make-malformed-pcap OUT.pcap\n");
        return 2;
    }
    std::vector<bytes> segments = {
        tcp_with({}),                                    // good
        tcp_with({}, 0, 12),                             // too_short
        tcp_with({}, 4),                                 // data_offset_too_small
        tcp_with({}, 8),                                 // data_offset_beyond_segment
        tcp_with({1, 1, 1, 2}),                          // option_length_missing
        tcp_with({2, 0, 0, 0}),                          // option_length_zero
        tcp_with({1, 30, 1, 0}),                         // option_length_one
        tcp_with({30, 8, 0, 0}),                         // option_length_beyond_options
        tcp_with({2, 3, 5, 0}),                          // mss_bad_length
        tcp_with({3, 4, 7, 0}),                          // window_scale_bad_length
        tcp_with({4, 3, 0, 0}),                          // sack_permitted_bad_length
        tcp_with({5, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0}),  // sack_bad_length
        tcp_with({8, 8, 0, 0, 0, 1, 0, 0}),              // timestamps_bad_length
        tcp_with({2, 4, 5, 0xb4, 99, 4, 1, 2}),          // good, with an unknown option kind
        tcp_with({1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7,   // good: timestamps and two SACK blocks
                  1, 1, 5, 18, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10}),
    };
    auto bad_checksum = tcp_with({});
    bad_checksum[16] ^= 0x5a;
    segments.push_back(bad_checksum);

    pcap_t* dead = pcap_open_dead(DLT_RAW, 65535);
    pcap_dumper_t* out = dead ? pcap_dump_open(dead, argv[1]) : nullptr;
    if (!out) {
        std::fprintf(stderr, "synack-make-malformed-pcap: cannot write %s\n", argv[1]);
        return 1;
    }
    long usec = 0;
    for (const auto& seg : segments) {
        bytes packet(ipv4_header_size + seg.size());
        write_ipv4_header(packet, src, dst, seg.size());
        std::copy(seg.begin(), seg.end(), packet.begin() + ipv4_header_size);
        pcap_pkthdr h{};
        h.ts.tv_sec = 1'700'000'000;
        h.ts.tv_usec = usec += 1000;
        h.caplen = h.len = static_cast<bpf_u_int32>(packet.size());
        pcap_dump(reinterpret_cast<u_char*>(out), &h, packet.data());
    }
    pcap_dump_close(out);
    pcap_close(dead);
    return 0;
}
