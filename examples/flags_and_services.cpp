#include <synack/synack.hpp>

#include <cstdio>

using namespace synack;
using tcp::flag;

// Flags are typed and constexpr; the rules are compile-time facts.
static_assert((flag::syn | flag::ack).letters() == "SA");
using accept = tcp::segment_kind<flag::syn, flag::ack>;    // compiles
// using broken = tcp::segment_kind<flag::syn, flag::fin>; // does not:
//   "synack::flags: SYN and FIN cannot be set together"

// Well-known ports, both ways, at compile time.
static_assert(tcp_port_v<services::ssh> == 22);
static_assert(service_at(3306, ip_protocol::tcp)->name == "mysql");
static_assert(!service_at(69, ip_protocol::tcp)); // TFTP runs over UDP only

int main() {
    // At run time, any flag byte a peer sends gets a meaning, and its anomalies.
    for (std::uint8_t byte : {0x02, 0x12, 0x18, 0x29}) {
        const auto flags = tcp::flag_set::from_bits(byte);
        const auto seen = tcp::classify(flags, byte == 0x18 ? 100 : 0);
        std::printf("%-4s %-18s", flags.letters().c_str(), tcp::to_string(seen.kind).data());
        for (auto anomaly : seen.anomalies) std::printf(" [%s]", tcp::to_string(anomaly).data());
        std::printf("\n");
    }
    return accept::flags == tcp::flag_set::from_bits(0x12) ? 0 : 1;
}
