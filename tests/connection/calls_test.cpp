// RFC 9293 3.10.1 - 3.10.5: the user calls OPEN, SEND, RECEIVE, CLOSE and ABORT in each
// state, and the errors they return as `call_error` values.
#include "connection/harness.hpp"

#include <cstdint>
#include <string>

using namespace synack;
using namespace synack::test;
using tcp::call_error;
using tcp::state;

namespace {
std::string state_name(state s) { return std::string{tcp::to_string(s)}; }
} // namespace

TEST_CASE("RFC 9293 3.10.2 - 3.10.5: SEND, CLOSE and ABORT on a CLOSED connection return \"connection does not exist\"",
          "[rfc9293][calls]") {
    const bool used = GENERATE(false, true);
    INFO((used ? "after a lifecycle" : "never opened"));
    peer p;
    if (used) p.to_closed_after_time_wait();
    CHECK(p.user_send("hello") == 0);
    CHECK(p.tcb().last_error == call_error::does_not_exist);
    CHECK(p.connection().close() == call_error::does_not_exist);
    CHECK(p.connection().abort() == call_error::does_not_exist);
    CHECK(p.user_receive().empty());
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
}

TEST_CASE("RFC 9293 3.10.1: OPEN on an open connection returns \"connection already exists\"", "[rfc9293][calls]") {
    const state s = GENERATE(state::syn_sent, state::syn_received, state::established, state::fin_wait_1, state::fin_wait_2,
                             state::close_wait, state::closing, state::last_ack, state::time_wait);
    const bool active = GENERATE(true, false);
    INFO(state_name(s) << (active ? ", active OPEN" : ", passive OPEN"));
    peer p;
    p.go_to(s);
    const call_error e = active ? p.connection().open({our_address, 1234}, {peer_address, 4321})
                                : p.connection().listen({our_address, 1234});
    CHECK(e == call_error::already_exists);
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.tcb().local.port == p.local_port);
}

TEST_CASE("RFC 9293 3.10.1: a passive OPEN in LISTEN returns \"connection already exists\"", "[rfc9293][calls]") {
    peer p;
    p.to_listen();
    CHECK(p.connection().listen({our_address, 1234}) == call_error::already_exists);
    CHECK(p.state() == state::listen);
    CHECK(p.tcb().local.port == server_port);
}

TEST_CASE("RFC 9293 3.10.1: an active OPEN in LISTEN turns the connection active: <SEQ=ISS><CTL=SYN> and SYN-SENT",
          "[rfc9293][calls]") {
    peer p;
    p.to_listen();
    CHECK(p.connection().open({our_address, server_port}, {peer_address, 4321}) == call_error::none);
    CHECK(p.recv_header() == header{ctl::syn, our_iss, 0});
    CHECK(p.silent());
    CHECK(p.state() == state::syn_sent);
}

TEST_CASE("RFC 9293 3.10.2: SEND in LISTEN without a foreign socket returns \"foreign socket unspecified\"", "[rfc9293][calls]") {
    peer p;
    p.to_listen();
    CHECK(p.user_send("hello") == 0);
    CHECK(p.tcb().last_error == call_error::foreign_unspecified);
    CHECK(p.silent());
    CHECK(p.state() == state::listen);
}

TEST_CASE("RFC 9293 3.10.2: SEND after our CLOSE returns \"connection closing\" and sends nothing", "[rfc9293][calls]") {
    const state s = GENERATE(state::fin_wait_1, state::fin_wait_2, state::closing, state::last_ack, state::time_wait);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    CHECK(p.user_send("hello") == 0);
    CHECK(p.tcb().last_error == call_error::closing);
    CHECK(p.silent());
    CHECK(p.state() == s);
}

TEST_CASE("RFC 9293 3.10.4: CLOSE in CLOSING, LAST-ACK and TIME-WAIT returns \"connection closing\"", "[rfc9293][calls]") {
    const state s = GENERATE(state::closing, state::last_ack, state::time_wait);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    CHECK(p.connection().close() == call_error::closing);
    CHECK(p.silent());
    CHECK(p.state() == s);
}

TEST_CASE("RFC 9293 3.10.4: CLOSE in FIN-WAIT-1 or FIN-WAIT-2 sends no second FIN", "[rfc9293][calls]") {
    const state s = GENERATE(state::fin_wait_1, state::fin_wait_2);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    const call_error e = p.connection().close();
    CHECK((e == call_error::closing || e == call_error::none));
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.tcb().snd_nxt == tcp::seq_number{p.snd_nxt});
}

TEST_CASE("RFC 9293 3.10.4: CLOSE in LISTEN or SYN-SENT deletes the connection without sending anything", "[rfc9293][calls]") {
    const state s = GENERATE(state::listen, state::syn_sent);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    CHECK(p.connection().close() == call_error::none);
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK_FALSE(p.connection().next_deadline().armed());
    p.advance(10s);
    CHECK(p.silent());
}

TEST_CASE("RFC 9293 3.10.4: CLOSE in SYN-RECEIVED with nothing to send sends a FIN and moves to FIN-WAIT-1", "[rfc9293][calls]") {
    peer p;
    p.to_syn_received();
    CHECK(p.connection().close() == call_error::none);
    CHECK(p.state() == state::fin_wait_1);
    CHECK(p.recv_header() == header{ctl::fin_ack, our_iss + 1, peer_iss + 1});
    CHECK(p.silent());
}

TEST_CASE("RFC 9293 3.10.3: RECEIVE returns the text in order, as much as asked for", "[rfc9293][calls]") {
    peer p;
    p.to_established();
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("hello world"));
    REQUIRE(p.recv());
    std::uint8_t five[5]{};
    CHECK(p.connection().receive(five) == 5);
    CHECK(std::vector<std::uint8_t>(five, five + 5) == bytes_of("hello"));
    CHECK(p.connection().readable() == 6);
    CHECK(p.user_receive() == bytes_of(" world"));
    CHECK(p.connection().receive(five) == 0);
}
