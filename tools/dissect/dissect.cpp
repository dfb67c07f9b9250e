// synack-dissect FILE.pcap: prints one JSON object per TCP packet of a capture, one per
// line. Link types: Ethernet (with 802.1Q tags), raw IP, Linux cooked (SLL and SLL2).
// Frames cut by the snap length print "checksum":"unverified".
#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace {

using namespace synack::tcp;

// Link types (pcap-linktype(7)).
constexpr int linktype_ethernet = 1;
constexpr int linktype_raw = 101;
constexpr int linktype_ipv4 = 228;
constexpr int linktype_ipv6 = 229;
constexpr int linktype_linux_sll = 113;
constexpr int linktype_linux_sll2 = 276;

/// The IP packet inside a link-layer frame, or an empty span when it holds none.
std::span<const std::uint8_t> ip_of(int linktype, std::span<const std::uint8_t> frame) {
    auto protocol_at = [&](std::size_t at) -> std::uint16_t {
        return at + 2 <= frame.size() ? static_cast<std::uint16_t>(frame[at] << 8 | frame[at + 1]) : 0;
    };
    std::size_t offset = 0;
    std::uint16_t ethertype = 0;
    switch (linktype) {
    case DLT_RAW: case linktype_raw: case linktype_ipv4: case linktype_ipv6: return frame;
    case linktype_ethernet:
        offset = 14;
        ethertype = protocol_at(12);
        while ((ethertype == 0x8100 || ethertype == 0x88a8) && offset + 4 <= frame.size()) { // VLAN tags
            ethertype = protocol_at(offset + 2);
            offset += 4;
        }
        break;
    case linktype_linux_sll: offset = 16; ethertype = protocol_at(14); break;
    case linktype_linux_sll2: offset = 20; ethertype = protocol_at(0); break;
    default: return {};
    }
    if ((ethertype != 0x0800 && ethertype != 0x86dd) || offset > frame.size()) return {};
    return frame.subspan(offset);
}

std::string format(const ipv4_address& a) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
    return buf;
}

/// RFC 5952 text: lower case, leading zeros dropped, the longest run of two or more zero groups as "::".
std::string format(const ipv6_address& a) {
    std::uint16_t g[8];
    for (int i = 0; i < 8; ++i) g[i] = static_cast<std::uint16_t>(a.bytes[2 * i] << 8 | a.bytes[2 * i + 1]);
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0) ++j;
        if (j - i > best_len) { best = i; best_len = j - i; }
        i = j == i ? i + 1 : j;
    }
    std::string out;
    char buf[8];
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        std::snprintf(buf, sizeof buf, "%x", g[i]);
        out += buf;
    }
    return out;
}

void print_tcp(std::size_t frame, const ip_packet& ip, bool truncated) {
    const std::string src = ip.version == 4 ? format(ip.source4) : format(ip.source6);
    const std::string dst = ip.version == 4 ? format(ip.destination4) : format(ip.destination6);
    std::printf("{\"frame\":%zu,\"src\":\"%s\",\"dst\":\"%s\"", frame, src.c_str(), dst.c_str());
    const auto seg = ip.payload;
    const auto parsed = parse(seg);
    if (seg.size() >= header_min_size) {
        // The fixed header's fields are readable even when the options are malformed.
        auto be16 = [&](std::size_t at) { return static_cast<unsigned>(seg[at] << 8 | seg[at + 1]); };
        auto be32 = [&](std::size_t at) { return static_cast<unsigned long>(be16(at)) << 16 | be16(at + 2); };
        const auto header_len = static_cast<std::size_t>(seg[12] >> 4) * 4;
        std::printf(",\"sport\":%u,\"dport\":%u,\"seq\":%lu,\"ack\":%lu,\"flags\":\"%s\",\"window\":%u,\"header_len\":%zu",
                    be16(0), be16(2), be32(4), be32(8), flag_set::from_bits(seg[13]).letters().c_str(), be16(14), header_len);
        std::printf(",\"payload_len\":%zu", header_len <= seg.size() ? seg.size() - header_len : std::size_t{0});
    }
    std::printf(",\"options\":{");
    if (parsed) {
        const auto s = parsed->summary();
        const char* sep = "";
        if (s.has_mss) { std::printf("%s\"mss\":%u", sep, s.mss); sep = ","; }
        if (s.has_window_scale) { std::printf("%s\"window_scale\":%u", sep, s.window_scale); sep = ","; }
        if (s.sack_permitted) { std::printf("%s\"sack_permitted\":true", sep); sep = ","; }
        if (s.has_timestamps) { std::printf("%s\"timestamp\":[%u,%u]", sep, s.timestamps.value, s.timestamps.echo); sep = ","; }
        if (s.sack_block_count) {
            std::printf("%s\"sack\":[", sep);
            for (std::size_t i = 0; i < s.sack_block_count; ++i)
                std::printf("%s[%u,%u]", i ? "," : "", s.sack_blocks[i].left.raw(), s.sack_blocks[i].right.raw());
            std::printf("]");
            sep = ",";
        }
        const char* unknown_sep = nullptr;
        for (const option o : parsed->options()) {
            if (o.is_known()) continue;
            if (!unknown_sep) std::printf("%s\"unknown\":[", sep);
            std::printf("%s%u", unknown_sep ? unknown_sep : "", o.kind_byte());
            unknown_sep = ",";
        }
        if (unknown_sep) std::printf("]");
    }
    std::printf("}");
    // A frame cut short by the capture's snap length cannot be verified.
    const char* checksum = truncated ? "unverified" : checksum_verifies(seg, ip.pseudo_header_sum()) ? "good" : "bad";
    std::printf(",\"checksum\":\"%s\"", checksum);
    if (parsed) std::printf(",\"error\":null}\n");
    else std::printf(",\"error\":\"%s\"}\n", std::string{to_string(parsed.error().code)}.c_str());
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: synack-dissect FILE.pcap\n");
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* pcap = pcap_open_offline(argv[1], errbuf);
    if (!pcap) {
        std::fprintf(stderr, "synack-dissect: %s\n", errbuf);
        return 1;
    }
    const int linktype = pcap_datalink(pcap);
    pcap_pkthdr* header = nullptr;
    const std::uint8_t* data = nullptr;
    std::size_t frame = 0;
    int rc = 0;
    std::vector<std::uint8_t> whole;
    while ((rc = pcap_next_ex(pcap, &header, &data)) == 1) {
        ++frame;
        std::span<const std::uint8_t> bytes{data, header->caplen};
        const bool truncated = header->caplen < header->len;
        if (truncated) { // bytes past the snap length were not captured: stand zeros in for them
            whole.assign(data, data + header->caplen);
            whole.resize(header->len, 0);
            bytes = whole;
        }
        const auto ip_bytes = ip_of(linktype, bytes);
        if (ip_bytes.empty()) continue;
        const auto ip = parse_ip(ip_bytes);
        if (!ip || ip->protocol != ip_protocol_tcp || ip->fragment) continue;
        print_tcp(frame, *ip, truncated);
    }
    const bool failed = rc == PCAP_ERROR;
    if (failed) std::fprintf(stderr, "synack-dissect: %s\n", pcap_geterr(pcap));
    pcap_close(pcap);
    return failed ? 1 : 0;
}
