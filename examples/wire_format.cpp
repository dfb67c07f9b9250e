#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#include <array>
#include <cstdio>

using namespace synack::tcp;

// A SYN as Linux sends it, checked by the compiler: 40000 -> 80, seq 1234567,
// options MSS 1460, SACK-permitted, timestamps, NOP, window scale 7.
constexpr std::uint8_t syn_bytes[] = {
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x12, 0xd6, 0x87, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
    2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
constexpr auto syn = parse(syn_bytes);
static_assert(syn && syn->flags() == flag_set{flag::syn} && syn->summary().mss == 1460);

int main() {
    // Untrusted bytes get a typed error with its offset, never a crash.
    constexpr std::uint8_t broken[] = {0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 0x02, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0};
    if (const auto bad = parse(broken); !bad)
        std::printf("rejected: %s at byte %u\n", to_string(bad.error().code).data(), bad.error().offset);

    // Answer the SYN: a SYN,ACK with ack = seq + 1, framed in IPv4 with both checksums.
    const auto client = *ipv4_address::parse("10.0.0.1");
    const auto server = *ipv4_address::parse("10.0.0.2");
    segment reply{.source_port = syn->destination_port(), .destination_port = syn->source_port(),
                  .seq = seq_number{7654321}, .ack = syn->seq() + syn->length(), .flags = flag::syn | flag::ack,
                  .window = 65535};
    reply.options.add_mss(1460);

    std::array<std::uint8_t, 60> packet{};
    write_ipv4_header(packet, server, client, reply.size());
    const auto written = serialize(reply, std::span{packet}.subspan(ipv4_header_size), ipv4_pseudo_header{server, client});

    const auto ip = parse_ip(std::span{packet}.first(ipv4_header_size + *written));
    const auto seen = parse(ip->payload);
    std::printf("%s seq=%u ack=%u mss=%u checksum %s\n", seen->flags().letters().c_str(), seen->seq().raw(),
                seen->ack().raw(), seen->summary().mss, seen->checksum_ok(ip->pseudo_header_sum()) ? "good" : "bad");
    return seen->ack() == seq_number{1234568} ? 0 : 1;
}
