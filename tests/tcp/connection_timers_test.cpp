// Timers and tracing of a connection, in virtual time.
#include "support/catch.hpp"

#include <synack/tcp/connection.hpp>
#include <synack/transport/memory.hpp>

#include <string>
#include <vector>

using namespace synack;

namespace {
const tcp::endpoint here{tcp::ipv4_address{{10, 0, 0, 1}}, 40000};
const tcp::endpoint there{tcp::ipv4_address{{10, 0, 0, 2}}, 80};
} // namespace

TEST_CASE("the user timeout ends a connection whose data stays unacknowledged (RFC 9293 3.8.3)", "[tcp][connection][timers]") {
    core::manual_clock clock;
    transport::memory_pair<> wire{clock};
    tcp::fixed_isn isn_a{tcp::seq_number{100}}, isn_b{tcp::seq_number{900}};
    tcp::connection_config config;
    config.user_timeout = std::chrono::seconds{5};
    tcp::connection a{wire.a(), clock, isn_a, config};
    tcp::connection b{wire.b(), clock, isn_b};
    b.listen(there);
    a.open(here, there);
    for (int i = 0; i < 3; ++i) {
        b.poll();
        a.poll();
    }
    REQUIRE(a.state() == tcp::state::established);
    CHECK_FALSE(a.next_deadline().armed()); // nothing outstanding: no timer
    (void)wire.set_faults(transport::memory_faults{.loss = 1.0}); // the peer vanishes
    const std::uint8_t data[4] = {1, 2, 3, 4};
    REQUIRE(a.send(data) == 4);
    const auto sent_at = clock.now();
    while (a.state() != tcp::state::closed) {
        const auto next = a.next_deadline();
        REQUIRE(next.armed());
        (void)clock.set(next.at());
        a.poll();
    }
    CHECK(a.reason() == tcp::close_reason::timed_out);
    CHECK(clock.now() - sent_at == std::chrono::seconds{5});
    CHECK(a.counters().retransmissions == 2); // at 1 s and 3 s; the next (7 s) comes after the user timeout
}

TEST_CASE("a tracer sees every transition of a connection by the RFC's names", "[tcp][connection][trace]") {
    core::manual_clock clock;
    transport::memory_pair<> wire{clock};
    tcp::counter_isn isn{tcp::seq_number{1}, 1000};
    std::vector<std::string> seen;
    auto record = core::callback_tracer{[&](std::string_view from, std::string_view event, std::string_view to) {
        seen.push_back(std::string(from) + " " + std::string(event) + " " + std::string(to));
    }};
    tcp::connection<transport::memory_pair<>::endpoint, core::manual_clock, tcp::counter_isn, 64, 64, decltype(record)> a{
        wire.a(), clock, isn, {}, record};
    tcp::connection b{wire.b(), clock, isn};
    b.listen(there);
    a.open(here, there);
    for (int i = 0; i < 3; ++i) {
        b.poll();
        a.poll();
    }
    a.abort();
    CHECK(seen == std::vector<std::string>{"CLOSED active OPEN SYN-SENT", "SYN-SENT SYN,ACK ESTABLISHED", "ESTABLISHED ABORT CLOSED"});
}
