// synack-sample-captures: records whole synack-to-synack connections over a memory link
// with `transport::pcap_recorder`, for the tests of the recorder (tshark must read them
// cleanly) and of synack-replay (replaying synack against itself must show no difference).
//
//   synack-sample-captures DIRECTORY
//
// writes (creating DIRECTORY if need be) DIRECTORY/lifecycle_ipv4.pcap (bare segments, framed in synthesized IPv4 headers)
// and DIRECTORY/lifecycle_ipv6.pcap (IPv6 packets, recorded as they are): a handshake,
// 5000 bytes one way, 3000 the other, the client's FIN first, then the server's.
#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/isn.hpp>
#include <synack/transport/memory.hpp>
#include <synack/transport/pcap.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace synack;
using namespace std::chrono_literals;

using pair_type = transport::memory_pair<32, 1500>;
using recorded = transport::pcap_recorder<pair_type::endpoint, transport::pcap_clock_time<core::manual_clock>>;

bool lifecycle(const std::string& path, core::frame_medium medium, const tcp::ip_address& client_ip, const tcp::ip_address& server_ip) {
    // 2023-11-14 22:13:20 UTC, so the capture's times read as a date.
    core::manual_clock clock{core::time_point{std::chrono::seconds{1'700'000'000}}};
    pair_type wire{clock, {.seed = 1, .medium = medium}};
    tcp::fixed_isn client_isn{tcp::seq_number{1'000'000}}, server_isn{tcp::seq_number{3'000'000'000u}};
    const tcp::endpoint client_at{client_ip, 40000}, server_at{server_ip, 8080};
    recorded rec{wire.a(), path.c_str(), client_ip, server_ip, {&clock}};
    if (!rec.recording()) {
        std::fprintf(stderr, "synack-sample-captures: cannot write %s\n", path.c_str());
        return false;
    }
    // An MSS that leaves room for the 12 bytes of timestamps in a 1500-byte frame: the
    // connection does not yet take options out of the MSS (RFC 9293 3.7.1).
    tcp::connection_config config{};
    config.mss = 1400;
    tcp::connection<recorded, core::manual_clock, tcp::fixed_isn, 65536, 65536> client{std::move(rec), clock, client_isn, config};
    tcp::connection<pair_type::endpoint, core::manual_clock, tcp::fixed_isn, 65536, 65536> server{wire.b(), clock, server_isn, config};
    server.listen(server_at);
    client.open(client_at, server_at);
    const std::vector<std::uint8_t> request(5000, 'q'), reply(3000, 'r');
    std::size_t request_sent = 0, reply_sent = 0, request_read = 0, reply_read = 0;
    bool client_closed = false, server_closed = false;
    std::array<std::uint8_t, 8192> sink{};
    for (int step = 0; step < 10'000; ++step) {
        client.poll();
        server.poll();
        request_read += server.receive(sink);
        reply_read += client.receive(sink);
        if (client.state() == tcp::state::established && request_sent < request.size())
            request_sent += client.send(std::span{request}.subspan(request_sent));
        if (request_read == request.size() && reply_sent < reply.size())
            reply_sent += server.send(std::span{reply}.subspan(reply_sent));
        if (reply_read == reply.size() && !client_closed) client_closed = client.close() == tcp::call_error::none;
        if (server.end_of_stream() && reply_sent == reply.size() && !server_closed) server_closed = server.close() == tcp::call_error::none;
        if (client.state() == tcp::state::time_wait && server.state() == tcp::state::closed) break;
        (void)clock.advance(1ms);
    }
    const bool done = client.state() == tcp::state::time_wait && server.state() == tcp::state::closed &&
                      request_read == request.size() && reply_read == reply.size();
    std::printf("%s: %llu packets%s\n", path.c_str(), static_cast<unsigned long long>(client.transport().frames()),
                done ? "" : " (the exchange did not complete)");
    return done;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: synack-sample-captures DIRECTORY\n");
        return 2;
    }
    const std::string dir = argv[1];
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    const bool v4 = lifecycle(dir + "/lifecycle_ipv4.pcap", core::frame_medium::tcp_segment,
                              tcp::ipv4_address{{10, 0, 0, 1}}, tcp::ipv4_address{{10, 0, 0, 2}});
    const bool v6 = lifecycle(dir + "/lifecycle_ipv6.pcap", core::frame_medium::ip, *tcp::ip_address::parse("fd00::1"),
                              *tcp::ip_address::parse("fd00::2"));
    return v4 && v6 ? 0 : 1;
}
