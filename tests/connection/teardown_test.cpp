// RFC 9293 3.6 and 3.10.7.4 eighth: closing, both ways, one at a time and at once;
// TIME-WAIT (RFC 9293 3.4.2, RFC 1337); CLOSE with unread data and ABORT (RFC 9293 3.6, 3.10.5).
#include "connection/harness.hpp"

#include <cstdint>
#include <string>

using namespace synack;
using namespace synack::test;
using tcp::state;

namespace {
std::string state_name(state s) { return std::string{tcp::to_string(s)}; }
} // namespace

// ---- the remote closes first ----

TEST_CASE("RFC 9293 3.10.7.4 eighth: a FIN in ESTABLISHED is acknowledged <SEQ=SND.NXT><ACK=SEG.SEQ+1> and moves to CLOSE-WAIT",
          "[rfc9293][fin]") {
    peer p;
    p.to_established();
    p.send(segment(ctl::fin_ack, p.rcv_nxt, p.snd_nxt));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::close_wait);
    CHECK(p.connection().end_of_stream());
    CHECK(p.connection().reason() == tcp::close_reason::none);
}

TEST_CASE("RFC 9293 3.10.7.4 seventh and eighth: a FIN with text delivers the text, then the end of the stream",
          "[rfc9293][fin]") {
    peer p;
    p.to_established();
    p.send(segment(ctl::fin_ack | ctl::psh, p.rcv_nxt, p.snd_nxt).with_payload("bye"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 4});
    CHECK(p.silent());
    CHECK(p.state() == state::close_wait);
    CHECK_FALSE(p.connection().end_of_stream()); // "bye" is still to be read
    CHECK(p.user_receive() == bytes_of("bye"));
    CHECK(p.connection().end_of_stream());
}

TEST_CASE("RFC 9293 3.10.7.4 eighth: a FIN past RCV.NXT (text missing before it) is not processed yet", "[rfc9293][fin]") {
    peer p;
    p.to_established();
    p.send(segment(ctl::fin_ack, p.rcv_nxt + 5, p.snd_nxt));
    const auto r = p.recv_header(); // at most a duplicate ACK (see the next test)
    if (r) CHECK(*r == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == state::established);
    CHECK_FALSE(p.connection().end_of_stream());
    CHECK(p.tcb().rcv_nxt == tcp::seq_number{p.rcv_nxt});
}

TEST_CASE("RFC 5681 4.2: a FIN past RCV.NXT is an out-of-order segment and gets an immediate duplicate ACK (as in Linux)",
          "[rfc9293][fin]") {
    peer p;
    p.to_established();
    p.send(segment(ctl::fin_ack, p.rcv_nxt + 5, p.snd_nxt));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
}

TEST_CASE("RFC 9293 3.10.4: CLOSE in CLOSE-WAIT sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK>, and its ACK ends the connection normally",
          "[rfc9293][fin]") {
    peer p;
    p.to_close_wait();
    REQUIRE(p.connection().close() == tcp::call_error::none);
    CHECK(p.recv_header() == header{ctl::fin_ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == state::last_ack);

    // An ACK that does not cover the FIN leaves LAST-ACK as it is.
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt));
    CHECK(p.silent());
    CHECK(p.state() == state::last_ack);

    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + 1));
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::normal);
}

// ---- we close first ----

TEST_CASE("RFC 9293 3.10.4: CLOSE in ESTABLISHED sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK> and moves to FIN-WAIT-1",
          "[rfc9293][fin]") {
    peer p;
    p.to_established();
    REQUIRE(p.connection().close() == tcp::call_error::none);
    CHECK(p.recv_header() == header{ctl::fin_ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == state::fin_wait_1);
    CHECK(p.tcb().snd_nxt == tcp::seq_number{p.snd_nxt + 1});
}

TEST_CASE("RFC 9293 3.10.4: CLOSE with queued text sends the FIN after the text", "[rfc9293][fin]") {
    peer p;
    p.to_established({}, 3); // the remote's window holds 3 octets: "hello" waits in part
    REQUIRE(p.user_send("hello") == 5);
    REQUIRE(p.connection().close() == tcp::call_error::none);
    CHECK(p.state() == state::fin_wait_1);
    auto sent = p.drain();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(sent[0].payload == bytes_of("hel"));

    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + 3).with_window(100));
    sent = p.drain();
    REQUIRE_FALSE(sent.empty());
    CHECK(sent[0].seq == p.snd_nxt + 3);
    CHECK(sent[0].payload == bytes_of("lo"));
    const auto& last = sent.back();
    CHECK(last.flags.has(tcp::flag::fin));
    CHECK(last.seq + last.payload.size() == p.snd_nxt + 5); // the FIN's sequence number follows the text
}

TEST_CASE("RFC 9293 3.10.7.4 fifth: in FIN-WAIT-1, the ACK of our FIN moves to FIN-WAIT-2, an ACK short of it does not",
          "[rfc9293][fin]") {
    peer p;
    p.to_fin_wait_1();
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt - 1));
    CHECK(p.silent());
    CHECK(p.state() == state::fin_wait_1);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt));
    CHECK(p.silent());
    CHECK(p.state() == state::fin_wait_2);
}

TEST_CASE("RFC 9293 3.10.7.4 eighth: in FIN-WAIT-2, the remote's FIN is acknowledged and starts TIME-WAIT", "[rfc9293][fin]") {
    peer p;
    p.to_fin_wait_2();
    p.send(segment(ctl::fin_ack, p.rcv_nxt, p.snd_nxt));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::time_wait);
    CHECK(p.connection().end_of_stream());
}

TEST_CASE("RFC 9293 3.10.7.4 eighth: in FIN-WAIT-1, a FIN that also acknowledges our FIN goes straight to TIME-WAIT",
          "[rfc9293][fin]") {
    peer p;
    p.to_fin_wait_1();
    p.send(segment(ctl::fin_ack, p.rcv_nxt, p.snd_nxt));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::time_wait);
}

TEST_CASE("RFC 9293 3.6 Figure 13: simultaneous close, FIN-WAIT-1 -> CLOSING on the remote's FIN, -> TIME-WAIT on the ACK of ours",
          "[rfc9293][fin]") {
    peer p;
    p.to_fin_wait_1();
    p.send(segment(ctl::fin_ack, p.rcv_nxt, p.snd_nxt - 1));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::closing);
    p.rcv_nxt += 1;

    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt));
    CHECK(p.silent());
    CHECK(p.state() == state::time_wait);
}

TEST_CASE("RFC 9293 3.6: two connections closing at once both pass CLOSING and TIME-WAIT and end normally", "[rfc9293][fin]") {
    transport::memory_pair<> wire;
    core::manual_clock clock;
    tcp::fixed_isn isn_a{tcp::seq_number{1234567}}, isn_b{tcp::seq_number{7654321}};
    tcp::connection a{wire.a(), clock, isn_a};
    tcp::connection b{wire.b(), clock, isn_b};
    const auto settle = [&] {
        for (int i = 0; i < 8; ++i) {
            a.poll();
            b.poll();
        }
    };
    REQUIRE(b.listen({peer_address, 80}) == tcp::call_error::none);
    REQUIRE(a.open({our_address, 40000}, {peer_address, 80}) == tcp::call_error::none);
    settle();
    REQUIRE(a.state() == state::established);
    REQUIRE(b.state() == state::established);

    REQUIRE(a.close() == tcp::call_error::none);
    REQUIRE(b.close() == tcp::call_error::none); // both FINs in flight
    REQUIRE(a.receive_one()); // B's FIN, which does not acknowledge A's
    REQUIRE(b.receive_one()); // A's FIN, which does not acknowledge B's
    CHECK(a.state() == state::closing);
    CHECK(b.state() == state::closing);
    settle();
    CHECK(a.state() == state::time_wait);
    CHECK(b.state() == state::time_wait);
    REQUIRE(clock.advance(60s).has_value());
    settle();
    CHECK(a.state() == state::closed);
    CHECK(b.state() == state::closed);
    CHECK(a.reason() == tcp::close_reason::normal);
    CHECK(b.reason() == tcp::close_reason::normal);
}

// ---- TIME-WAIT ----

TEST_CASE("RFC 9293 3.4.2: TIME-WAIT lasts 2 MSL (60 s by default) of virtual time, then CLOSED with reason normal",
          "[rfc9293][time-wait]") {
    peer p;
    p.to_time_wait();
    const auto entered = p.clock().now();
    CHECK(p.connection().next_deadline().at() == entered + 60s);
    p.advance(60s - 1ms);
    CHECK(p.state() == state::time_wait);
    p.advance(1ms);
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::normal);
    CHECK(p.silent());
    CHECK_FALSE(p.connection().next_deadline().armed());
}

TEST_CASE("RFC 9293 3.4.2: TIME-WAIT is 2 x config.msl", "[rfc9293][time-wait]") {
    tcp::connection_config config;
    config.msl = 1s;
    peer p{config};
    p.to_time_wait();
    p.advance(2s - 1ms);
    CHECK(p.state() == state::time_wait);
    p.advance(1ms);
    CHECK(p.state() == state::closed);
}

TEST_CASE("RFC 9293 3.10.7.4 eighth: a retransmitted FIN in TIME-WAIT is acknowledged and restarts the 2 MSL timeout",
          "[rfc9293][time-wait]") {
    peer p;
    p.to_time_wait();
    p.advance(30s);
    p.send(segment(ctl::fin_ack, p.rcv_nxt - 1, p.snd_nxt));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == state::time_wait);
    p.advance(60s - 1ms);
    CHECK(p.state() == state::time_wait);
    p.advance(1ms);
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::normal);
}

TEST_CASE("RFC 1337: by default (as Linux) a RST with SEG.SEQ = RCV.NXT ends TIME-WAIT at once", "[rfc9293][time-wait][rfc1337]") {
    peer p;
    p.to_time_wait();
    p.send(segment(ctl::rst, p.rcv_nxt));
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
}

TEST_CASE("RFC 1337 4.2: with config.ignore_rst_in_time_wait, a RST in TIME-WAIT is ignored and 2 MSL still runs",
          "[rfc9293][time-wait][rfc1337]") {
    tcp::connection_config config;
    config.ignore_rst_in_time_wait = true;
    peer p{config};
    p.to_time_wait();
    const tcp::flag_set flags = GENERATE(ctl::rst, ctl::rst_ack);
    p.send(segment(flags, p.rcv_nxt, p.snd_nxt));
    CHECK(p.silent());
    CHECK(p.state() == state::time_wait);
    p.advance(60s);
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::normal);
}

// ---- CLOSE with unread data, ABORT ----

TEST_CASE("RFC 9293 3.6 (RFC 1122 4.2.2.13): CLOSE with unread received data sends <SEQ=SND.NXT><CTL=RST> instead of a FIN",
          "[rfc9293][abort]") {
    const state s = GENERATE(state::established, state::close_wait);
    INFO(state_name(s));
    peer p;
    if (s == state::established) {
        p.to_established();
        p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("unread"));
    } else {
        p.to_established();
        p.send(segment(ctl::fin_ack, p.rcv_nxt, p.snd_nxt).with_payload("unread"));
    }
    REQUIRE(p.state() == s);
    REQUIRE(p.recv());
    REQUIRE(p.connection().readable() == 6);
    p.connection().close();
    CHECK(p.recv_header() == header{ctl::rst, p.snd_nxt, 0});
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::aborted);
}

TEST_CASE("RFC 9293 3.10.5: ABORT in SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 and CLOSE-WAIT sends <SEQ=SND.NXT><CTL=RST>",
          "[rfc9293][abort]") {
    const state s = GENERATE(state::syn_received, state::established, state::fin_wait_1, state::fin_wait_2, state::close_wait);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    p.connection().abort();
    CHECK(p.recv_header() == header{ctl::rst, p.snd_nxt, 0});
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::aborted);
    CHECK(p.connection().counters().resets_sent == 1);
}

TEST_CASE("RFC 9293 3.10.5: ABORT in LISTEN, SYN-SENT, CLOSING, LAST-ACK and TIME-WAIT deletes the connection without a RST",
          "[rfc9293][abort]") {
    const state s = GENERATE(state::listen, state::syn_sent, state::closing, state::last_ack, state::time_wait);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    CHECK(p.connection().abort() == tcp::call_error::none);
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK_FALSE(p.connection().next_deadline().armed());
}

TEST_CASE("RFC 9293 3.10.7.1: after ABORT the connection is CLOSED and answers the remote's next segment with a RST",
          "[rfc9293][abort]") {
    peer p;
    p.to_established();
    p.connection().abort();
    REQUIRE(p.recv());
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("anyone?"));
    CHECK(p.recv_header() == header{ctl::rst, p.snd_nxt, 0});
    CHECK(p.silent());
}
