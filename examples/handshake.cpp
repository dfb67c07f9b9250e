#include <synack/synack.hpp>

#include <cstdio>

using namespace synack;

int main() {
    // Two peers over an in-memory link (IP frames), in virtual time, with the textbook ISNs.
    core::manual_clock clock;
    transport::memory_pair<> link{clock, {.medium = core::frame_medium::ip}};
    tcp::fixed_isn isn_a{tcp::seq_number{1234567}}, isn_b{tcp::seq_number{7654321}};
    tcp::connection a{link.a(), clock, isn_a};
    tcp::connection b{link.b(), clock, isn_b};
    const tcp::endpoint client{*tcp::ip_address::parse("10.0.0.1"), 40000};
    const tcp::endpoint server = tcp::service_endpoint<services::http>(*tcp::ip_address::parse("10.0.0.2"));

    b.listen(server);
    a.open(client, server);           // SYN seq=1234567
    b.poll();                         // SYN,ACK seq=7654321 ack=1234568
    a.poll();                         // ACK seq=1234568 ack=7654322
    b.poll();
    std::printf("A %s, B %s\n", tcp::to_string(a.state()).data(), tcp::to_string(b.state()).data());

    a.close();                        // FIN: A -> FIN-WAIT-1
    b.poll();                         // B ACKs it: B -> CLOSE-WAIT
    b.close();                        // B's FIN: B -> LAST-ACK
    a.poll();                         // A takes the ACK and the FIN: FIN-WAIT-2, TIME-WAIT; ACKs
    b.poll();                         // B -> CLOSED
    (void)clock.advance(std::chrono::seconds{60}); // 2 MSL later
    a.poll();                         // A -> CLOSED
    std::printf("A %s (%s), B %s (%s)\n", tcp::to_string(a.state()).data(), tcp::to_string(a.reason()).data(),
                tcp::to_string(b.state()).data(), tcp::to_string(b.reason()).data());
    return a.reason() == tcp::close_reason::normal && b.reason() == tcp::close_reason::normal ? 0 : 1;
}
