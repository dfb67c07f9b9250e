// libFuzzer entry point for the wire format: any bytes through IP parse, TCP parse,
// option iteration, the option summary, the anomaly scan and the checksum, and through
// serialize when they parse. Invariants are checked with __builtin_trap so that a
// violation is a crash under any build.
#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace {
void require(bool ok) {
    if (!ok) __builtin_trap();
}

void fuzz_segment(std::span<const std::uint8_t> bytes, std::uint32_t pseudo_sum) {
    using namespace synack::tcp;
    const auto v = parse(bytes);
    if (!v) {
        require(v.error().offset <= bytes.size());
        require(to_string(v.error().code) != "unknown");
        return;
    }
    require(v->header_length() >= header_min_size && v->header_length() <= bytes.size());
    std::size_t option_bytes = 0;
    for (const option o : v->options()) {
        option_bytes += o.size();
        require(o.offset() + o.size() <= v->header_length());
    }
    require(option_bytes <= v->header_length() - header_min_size);
    const auto s = v->summary();
    require(s.sack_block_count <= max_sack_blocks);
    (void)v->anomalies();
    (void)v->checksum_ok(pseudo_sum);
    require(v->length() >= v->payload().size());

    // What parses re-serialises to a segment that parses to the same fields.
    const segment copy = segment::from(*v);
    std::array<std::uint8_t, 65535> out;
    const auto n = serialize(copy, out);
    if (n) {
        const auto back = parse(std::span<const std::uint8_t>{out}.first(*n));
        require(back.has_value());
        require(back->seq() == v->seq() && back->ack() == v->ack() && back->flags() == v->flags());
        require(back->payload().size() == v->payload().size());
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes{data, size};
    // The bytes as a bare segment ...
    fuzz_segment(bytes, 0);
    // ... and as an IP packet carrying one.
    if (const auto ip = synack::tcp::parse_ip(bytes)) {
        if (ip->payload.data() < bytes.data() || ip->payload.data() + ip->payload.size() > bytes.data() + bytes.size())
            __builtin_trap();
        if (ip->protocol == synack::tcp::ip_protocol_tcp) fuzz_segment(ip->payload, ip->pseudo_header_sum());
    }
    (void)synack::tcp::internet_checksum(bytes);
    return 0;
}
