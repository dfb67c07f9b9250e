// synack-demo: what the library knows at compile time about TCP's flags and the
// well-known services, printed at run time. (The handshake demo takes its place
// once the connection machine exists.)
#include <synack/synack.hpp>

#include <cstdio>
#include <string_view>

namespace {
void print(std::string_view label, std::string_view value) {
    std::printf("  %-22.*s %.*s\n", static_cast<int>(label.size()), label.data(), static_cast<int>(value.size()),
                value.data());
}
} // namespace

int main() {
    using namespace synack;
    using tcp::flag;

    std::printf("TCP flags (RFC 9293 3.1, RFC 3168):\n");
    for (flag f : ~tcp::flag_set{}) {
        std::printf("  %s  0x%02x\n", tcp::flag_set{f}.letters().c_str(), static_cast<unsigned>(f));
    }

    std::printf("\nWhat a segment's flags mean:\n");
    struct sample { tcp::flag_set flags; std::size_t payload; };
    constexpr sample samples[] = {
        {flag::syn, 0}, {flag::syn | flag::ack, 0}, {flag::ack, 0}, {flag::psh | flag::ack, 100},
        {flag::fin | flag::ack, 0}, {flag::rst, 0}, {{}, 0}, {flag::syn | flag::fin, 0},
        {tcp::flag_set{flag::fin} | flag::psh | flag::urg, 0}, {flag::fin, 0},
    };
    for (const auto& s : samples) {
        const auto c = tcp::classify(s.flags, s.payload);
        std::printf("  %-8s payload %-4zu -> %s", s.flags.letters().c_str(), s.payload, tcp::to_string(c.kind).data());
        for (auto a : c.anomalies) std::printf(" [%s]", tcp::to_string(a).data());
        std::printf("\n");
    }

    std::printf("\nWell-known services (compile-time facts):\n");
    for (const auto& s : services::table) {
        const auto over = s.protocols.has(ip_protocol::tcp) && s.protocols.has(ip_protocol::udp) ? "tcp+udp"
                          : s.protocols.has(ip_protocol::tcp)                                     ? "tcp"
                                                                                                  : "udp";
        std::printf("  %-9.*s %5u/%s\n", static_cast<int>(s.name.size()), s.name.data(), static_cast<unsigned>(s.port), over);
    }
    static_assert(tcp_port_v<services::http> == 80 && port_v<services::tftp> == 69);
    print("\nport 69 over tcp:", service_at(69, ip_protocol::tcp) ? "a service" : "no service (TFTP is UDP only)");
    return 0;
}
