#include "support/catch.hpp"

#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/isn.hpp>
#include <synack/transport/udp.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

using namespace synack;
using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;
using transport::udp_error;
using udp = transport::udp_transport<>;

static_assert(core::transport<udp>, "a UDP transport is a synack transport");
static_assert(core::transport<transport::udp_transport<65507>>);

namespace {

const tcp::ip_address loopback = tcp::ip_address::parse("127.0.0.1").value();

tcp::endpoint any_port() { return {loopback, 0}; }

bytes pattern(std::size_t n, std::uint8_t first = 0) {
    bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(first + i * 7);
    return b;
}

// Every frame the transport has now, waiting up to `patience` for the first one.
template <class Transport>
std::vector<bytes> drain(Transport& t, core::duration patience = 1s) {
    std::vector<bytes> frames;
    t.wait_readable(patience);
    while (t.receive([&](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); })) {
    }
    return frames;
}

// A plain UDP socket standing for a third party, bound to an ephemeral loopback port.
struct raw_socket {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    raw_socket() {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    ~raw_socket() { ::close(fd); }
    raw_socket(const raw_socket&) = delete;
    raw_socket& operator=(const raw_socket&) = delete;
    bool send_to(std::uint16_t port, const bytes& data) const {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        return ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) ==
               static_cast<ssize_t>(data.size());
    }
};

} // namespace

TEST_CASE("a UDP transport carries bare TCP segments of at most its largest segment size", "[transport][udp]") {
    udp a{any_port()};
    REQUIRE(a.error() == udp_error::none);
    const auto caps = a.capabilities();
    CHECK(caps.medium == core::frame_medium::tcp_segment);
    CHECK(caps.mtu == 1472);
    CHECK_FALSE(caps.checksum.rx);
    CHECK_FALSE(caps.checksum.tx);
    CHECK(transport::udp_transport<9000>{any_port()}.capabilities().mtu == 9000);
}

TEST_CASE("a transport bound to port 0 reports the port the system picked, and its fd is the socket", "[transport][udp]") {
    udp a{any_port()};
    REQUIRE(a.is_open());
    CHECK(a.local().port != 0);
    CHECK(a.local().address == loopback);
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    REQUIRE(::getsockname(a.fd(), reinterpret_cast<sockaddr*>(&bound), &len) == 0);
    CHECK(ntohs(bound.sin_port) == a.local().port);
}

TEST_CASE("a transport bound to the unspecified address and connected reports the address its route uses", "[transport][udp]") {
    udp b{any_port()};
    udp a{{tcp::ip_address::parse("0.0.0.0").value(), 0}, b.local()};
    REQUIRE(a.error() == udp_error::none);
    CHECK(a.local().address == loopback);
    CHECK(a.frame_addresses().local == loopback);
}

TEST_CASE("a segment transmitted by one end arrives byte-exact at its connected peer, and back", "[transport][udp]") {
    udp b{any_port()};
    udp a{any_port(), b.local()};
    REQUIRE(a.error() == udp_error::none);
    REQUIRE(a.peer() == b.local());
    CHECK_FALSE(a.learns_peer());
    const bytes first = pattern(1472), second = pattern(20, 3);
    REQUIRE(core::transmit_copy(a, first).value() == 1472);
    REQUIRE(core::transmit_copy(a, second).value() == 20);
    const auto got = drain(b);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == first);
    CHECK(got[1] == second);
    CHECK(b.peer() == a.local()); // learned from the first datagram
    REQUIRE(core::transmit_copy(b, second));
    const auto back = drain(a);
    REQUIRE(back.size() == 1);
    CHECK(back[0] == second);
    CHECK(a.counters().sent == 2);
    CHECK(b.counters().received == 2);
}

TEST_CASE("transmit calls fill once with a buffer of exactly the length asked for", "[transport][udp]") {
    udp b{any_port()};
    udp a{any_port(), b.local()};
    int calls = 0;
    std::size_t seen = 0;
    const auto r = a.transmit(100, [&](std::span<std::uint8_t> out) {
        ++calls;
        seen = out.size();
        for (auto& x : out) x = 0x5a;
    });
    REQUIRE(r.value() == 100);
    CHECK(calls == 1);
    CHECK(seen == 100);
    const auto got = drain(b);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == bytes(100, 0x5a));
}

TEST_CASE("a listener with no peer yet refuses to transmit, as link_down, without calling fill", "[transport][udp]") {
    udp listener{any_port()};
    CHECK(listener.learns_peer());
    CHECK_FALSE(listener.peer().has_value());
    bool filled = false;
    const auto r = listener.transmit(20, [&](std::span<std::uint8_t>) { filled = true; });
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == core::transport_error::link_down);
    CHECK_FALSE(filled);
}

TEST_CASE("a segment longer than the largest one is refused as too_large without calling fill", "[transport][udp]") {
    udp b{any_port()};
    udp a{any_port(), b.local()};
    bool filled = false;
    const auto r = a.transmit(1473, [&](std::span<std::uint8_t>) { filled = true; });
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == core::transport_error::too_large);
    CHECK_FALSE(filled);
    CHECK(a.counters().too_large == 1);
}

TEST_CASE("a listener drops datagrams from others once it knows its peer, counts them, and takes a new peer after forget_peer",
          "[transport][udp]") {
    udp listener{any_port()};
    udp first{any_port(), listener.local()};
    raw_socket stranger;
    REQUIRE(core::transmit_copy(first, pattern(30)));
    REQUIRE(drain(listener).size() == 1);
    REQUIRE(listener.peer() == first.local());

    REQUIRE(stranger.send_to(listener.local().port, pattern(25)));
    REQUIRE(core::transmit_copy(first, pattern(31)));
    const auto got = drain(listener);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == pattern(31));
    CHECK(listener.counters().foreign == 1);

    listener.forget_peer();
    CHECK_FALSE(listener.peer().has_value());
    REQUIRE(stranger.send_to(listener.local().port, pattern(26)));
    const auto after = drain(listener);
    REQUIRE(after.size() == 1);
    CHECK(after[0] == pattern(26));
    REQUIRE(listener.peer().has_value());
    CHECK(listener.peer()->port != first.local().port);
}

TEST_CASE("a datagram longer than the largest segment is dropped whole and counted, never cut", "[transport][udp]") {
    transport::udp_transport<100> small{any_port()};
    raw_socket sender;
    REQUIRE(sender.send_to(small.local().port, pattern(101)));
    REQUIRE(sender.send_to(small.local().port, pattern(100)));
    const auto got = drain(small);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == pattern(100));
    CHECK(small.counters().oversized == 1);
}

TEST_CASE("receive with nothing waiting returns false at once, and wait_readable times out", "[transport][udp]") {
    udp a{any_port()};
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(a.receive([](std::span<const std::uint8_t>) {}));
    CHECK_FALSE(a.wait_readable(30ms));
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 30ms);
    CHECK(took < 2s);
}

TEST_CASE("wait_readable returns true once a datagram is waiting", "[transport][udp]") {
    udp b{any_port()};
    udp a{any_port(), b.local()};
    REQUIRE(core::transmit_copy(a, pattern(20)));
    CHECK(b.wait_readable(1s));
}

TEST_CASE("binding a port already taken fails with bind_failed and EADDRINUSE, and such a transport is link_down",
          "[transport][udp]") {
    udp first{any_port()};
    udp second{first.local()};
    CHECK(second.error() == udp_error::bind_failed);
    CHECK(second.system_error() == EADDRINUSE);
    CHECK_FALSE(second.is_open());
    CHECK(second.fd() == -1);
    udp connected{first.local(), first.local()};
    CHECK(connected.error() == udp_error::bind_failed);
    const auto r = core::transmit_copy(connected, pattern(20));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == core::transport_error::link_down);
}

TEST_CASE("a peer of another address family than the local address is refused", "[transport][udp]") {
    udp mixed{any_port(), {tcp::ip_address::parse("::1").value(), 9}};
    CHECK(mixed.error() == udp_error::families_differ);
    CHECK_FALSE(mixed.is_open());
}

TEST_CASE("segments sent to a port nobody listens on are counted as unreachable, and the transport keeps working",
          "[transport][udp]") {
    std::uint16_t vacant = 0;
    {
        udp probe{any_port()};
        vacant = probe.local().port; // free again once probe closes
    }
    udp a{any_port(), {loopback, vacant}};
    REQUIRE(core::transmit_copy(a, pattern(20)));
    // The ICMP port-unreachable comes back at once on loopback: the next receive or send reports it.
    a.wait_readable(200ms);
    CHECK_FALSE(a.receive([](std::span<const std::uint8_t>) {}));
    CHECK(a.counters().unreachable == 1);
    udp late{{loopback, vacant}}; // someone binds the port now
    REQUIRE(late.error() == udp_error::none);
    REQUIRE(core::transmit_copy(a, pattern(21)));
    const auto got = drain(late);
    REQUIRE(got.size() == 1);
    CHECK(got[0] == pattern(21));
}

TEST_CASE("a moved transport keeps the socket and its peer, and the moved-from one is closed", "[transport][udp]") {
    udp b{any_port()};
    udp a{any_port(), b.local()};
    const int fd = a.fd();
    udp moved{std::move(a)};
    CHECK(moved.fd() == fd);
    CHECK(moved.peer() == b.local());
    CHECK(a.fd() == -1); // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(a.error() == udp_error::closed);
    REQUIRE(core::transmit_copy(moved, pattern(40)));
    CHECK(drain(b).size() == 1);
    udp assigned;
    assigned = std::move(moved);
    CHECK(assigned.fd() == fd);
    REQUIRE(core::transmit_copy(assigned, pattern(41)));
    CHECK(drain(b).size() == 1);
}

TEST_CASE("frame_addresses names this side's bound address and the peer's once known", "[transport][udp]") {
    udp listener{any_port()};
    CHECK(listener.frame_addresses().local == loopback);
    CHECK(listener.frame_addresses().remote == tcp::ip_address{});
    udp client{any_port(), listener.local()};
    REQUIRE(core::transmit_copy(client, pattern(20)));
    REQUIRE(drain(listener).size() == 1);
    CHECK(listener.frame_addresses().remote == loopback);
}

namespace {

template <std::size_t MaxSegment>
using udp_connection = tcp::connection<transport::udp_transport<MaxSegment>, core::steady_clock, tcp::rfc6528_isn, 65536, 65536>;

// Two connections over UDP on loopback, run in real time until `done` or a 10 s bound.
template <std::size_t MaxSegment, class Done>
bool run_until(udp_connection<MaxSegment>& a, udp_connection<MaxSegment>& b, Done done, core::duration bound = 10s) {
    const auto limit = std::chrono::steady_clock::now() + bound;
    while (!done()) {
        if (std::chrono::steady_clock::now() > limit) return false;
        a.poll();
        b.poll();
        const auto next = earliest(a.next_deadline(), b.next_deadline());
        const auto wait = next.armed() ? next.remaining(core::steady_clock{}.now()) : core::duration{5ms};
        a.transport().wait_readable(wait < 5ms ? wait : core::duration{5ms});
    }
    return true;
}

template <std::size_t MaxSegment>
void lifecycle(tcp::connection_config config, std::size_t size, core::duration bound = 10s) {
    core::steady_clock clock;
    tcp::rfc6528_isn isn{std::array<std::uint8_t, 16>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
    transport::udp_transport<MaxSegment> server_link{any_port()};
    transport::udp_transport<MaxSegment> client_link{any_port(), server_link.local()};
    const tcp::endpoint server_at{loopback, server_link.local().port}, client_at{loopback, client_link.local().port};
    auto server = std::make_unique<udp_connection<MaxSegment>>(std::move(server_link), clock, isn, config);
    auto client = std::make_unique<udp_connection<MaxSegment>>(std::move(client_link), clock, isn, config);
    REQUIRE(server->listen(server_at) == tcp::call_error::none);
    REQUIRE(client->open(client_at, server_at) == tcp::call_error::none);
    REQUIRE(run_until<MaxSegment>(*client, *server, [&] { return client->state() == tcp::state::established; }));

    const bytes request = pattern(size), reply = pattern(size / 2 + 1, 9);
    bytes got_request, got_reply;
    std::size_t sent_request = 0, sent_reply = 0;
    std::array<std::uint8_t, 4096> buffer{};
    const bool exchanged = run_until<MaxSegment>(*client, *server, [&] {
        sent_request += client->send(std::span{request}.subspan(sent_request));
        for (std::size_t n; (n = server->receive(buffer)) > 0;) got_request.insert(got_request.end(), buffer.begin(), buffer.begin() + n);
        if (got_request.size() == request.size()) sent_reply += server->send(std::span{reply}.subspan(sent_reply));
        for (std::size_t n; (n = client->receive(buffer)) > 0;) got_reply.insert(got_reply.end(), buffer.begin(), buffer.begin() + n);
        return got_reply.size() == reply.size();
    }, bound);
    CHECK(client->transport().counters().too_large == 0);
    CHECK(server->transport().counters().too_large == 0);
    REQUIRE(exchanged);
    CHECK(got_request == request);
    CHECK(got_reply == reply);

    client->close();
    REQUIRE(run_until<MaxSegment>(*client, *server, [&] {
        if (server->end_of_stream() && server->state() == tcp::state::close_wait) server->close();
        return server->state() == tcp::state::closed && client->state() == tcp::state::time_wait;
    }));
    CHECK(server->reason() == tcp::close_reason::normal);
    CHECK(client->counters().dropped_malformed == 0);
    CHECK(server->counters().dropped_malformed == 0);
}

} // namespace

TEST_CASE("two connections over UDP on loopback open, carry data both ways byte-exact, and close", "[transport][udp]") {
    tcp::connection_config config{};
    config.timestamps = false;
    lifecycle<1472>(config, 50'000);
}

TEST_CASE("with timestamps, full-sized segments fit the datagram: options come out of the MSS (RFC 9293 3.7.1)",
          "[transport][udp]") {
    // With timestamps agreed, every data segment carries 12 bytes of options; the sender
    // must leave room for them within the transport's largest segment (RFC 9293 3.7.1,
    // Eff.snd.MSS; RFC 6691). A segment too large for the transport is never sent.
    lifecycle<1472>(tcp::connection_config{}, 50'000, 3s);
}
