#pragma once
// synack-replay's view of a capture: the TCP packets of a pcap or pcapng file (read with
// libpcap), and one connection picked out of them.
#include <synack/tcp/endpoint.hpp>
#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#include <pcap/pcap.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace synack::replay {

/// One TCP packet of a capture: its IP packet's bytes and where it sits in the file.
struct captured_packet {
    std::size_t number = 0;         ///< frame number in the file, from 1 (as Wireshark counts)
    std::chrono::nanoseconds time{}; ///< timestamp, since the Unix epoch
    std::vector<std::uint8_t> ip;   ///< the IP packet, header included

    tcp::ip_packet packet() const { return tcp::parse_ip(ip).value(); }
    tcp::segment_view segment() const { return tcp::parse_lenient(packet().payload).value(); }
    tcp::endpoint source() const {
        const auto p = packet();
        return {p.version == 4 ? tcp::ip_address{p.source4} : tcp::ip_address{p.source6}, segment().source_port()};
    }
    tcp::endpoint destination() const {
        const auto p = packet();
        return {p.version == 4 ? tcp::ip_address{p.destination4} : tcp::ip_address{p.destination6}, segment().destination_port()};
    }
};

/// The IP packet inside a frame of the given link type (pcap-linktype(7)); empty when
/// the link type is unknown or the frame carries something else than IP.
inline std::span<const std::uint8_t> ip_in_frame(int linktype, std::span<const std::uint8_t> frame) {
    constexpr int ethernet = 1, null_loopback = 0, openbsd_loop = 108, raw = 101, ipv4 = 228, ipv6 = 229, sll = 113, sll2 = 276;
    const auto be16 = [&](std::size_t at) { return at + 2 <= frame.size() ? (frame[at] << 8 | frame[at + 1]) : -1; };
    std::size_t offset = 0;
    int ethertype = 0;
    switch (linktype) {
    case DLT_RAW: case raw: case ipv4: case ipv6: return frame;
    case null_loopback: case openbsd_loop: // a 4-byte address family, then the packet
        return frame.size() > 4 ? frame.subspan(4) : std::span<const std::uint8_t>{};
    case ethernet:
        offset = 14;
        ethertype = be16(12);
        while ((ethertype == 0x8100 || ethertype == 0x88a8) && frame.size() >= offset + 4) { // VLAN tags
            ethertype = be16(offset + 2);
            offset += 4;
        }
        break;
    case sll: offset = 16; ethertype = be16(14); break;
    case sll2: offset = 20; ethertype = be16(0); break;
    default: return {};
    }
    if ((ethertype != 0x0800 && ethertype != 0x86dd) || frame.size() <= offset) return {};
    return frame.subspan(offset);
}

/// The TCP packets of the capture at `path`, in file order; `error` says why there are none.
inline std::vector<captured_packet> read_capture(const std::string& path, std::string& error) {
    std::vector<captured_packet> out;
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* pcap = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (pcap == nullptr) {
        error = errbuf;
        return out;
    }
    const int linktype = pcap_datalink(pcap);
    pcap_pkthdr* header = nullptr;
    const std::uint8_t* data = nullptr;
    std::size_t number = 0;
    int r = 0;
    while ((r = pcap_next_ex(pcap, &header, &data)) == 1) {
        ++number;
        if (header->caplen < header->len) continue; // cut by the snapshot length: not the whole segment
        const auto ip = ip_in_frame(linktype, {data, header->caplen});
        const auto packet = tcp::parse_ip(ip);
        if (!packet || packet->protocol != tcp::ip_protocol_tcp || packet->fragment) continue;
        if (!tcp::parse_lenient(packet->payload)) continue;
        captured_packet p;
        p.number = number;
        p.time = std::chrono::seconds{header->ts.tv_sec} + std::chrono::nanoseconds{header->ts.tv_usec};
        p.ip.assign(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(packet->header_length + packet->payload.size()));
        out.push_back(std::move(p));
    }
    if (r == PCAP_ERROR) error = pcap_geterr(pcap);
    pcap_close(pcap);
    if (out.empty() && error.empty()) error = "no TCP packet in the capture";
    return out;
}

/// One connection of a capture: its packets, and which end opened it.
struct recorded_connection {
    tcp::endpoint client, server;            ///< the SYN's source and destination
    std::vector<captured_packet> packets;    ///< both ways, in file order, from the SYN on
};

/// The `index`th connection (from 1) opened in `packets`: the `index`th SYN without ACK,
/// with every later packet between the same two endpoints, up to a SYN that opens a new
/// connection between them.
inline std::optional<recorded_connection> pick_connection(const std::vector<captured_packet>& packets, std::size_t index) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const auto s = packets[i].segment();
        if (!(s.flags().has(tcp::flag::syn) && !s.flags().has(tcp::flag::ack))) continue;
        if (++seen != index) continue;
        recorded_connection c{packets[i].source(), packets[i].destination(), {packets[i]}};
        const auto syn_seq = s.seq();
        for (std::size_t k = i + 1; k < packets.size(); ++k) {
            const auto from = packets[k].source(), to = packets[k].destination();
            const bool forward = from == c.client && to == c.server, backward = from == c.server && to == c.client;
            if (!forward && !backward) continue;
            const auto t = packets[k].segment();
            if (forward && t.flags().has(tcp::flag::syn) && !t.flags().has(tcp::flag::ack) && t.seq() != syn_seq) break;
            c.packets.push_back(packets[k]);
        }
        return c;
    }
    return std::nullopt;
}

} // namespace synack::replay
