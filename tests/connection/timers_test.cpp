// Retransmission (RFC 9293 3.8.1, RFC 6298) of SYN, SYN,ACK, text and FIN in virtual time,
// and giving up after the configured number of retries (RFC 9293 3.8.3).
#include "connection/harness.hpp"

#include <cstdint>
#include <string>

using namespace synack;
using namespace synack::test;
using tcp::state;

namespace {
std::string state_name(state s) { return std::string{tcp::to_string(s)}; }
} // namespace

TEST_CASE("RFC 6298 2.1 and 5.5: the SYN is retransmitted after 1 s, then 2 s, 4 s, ... and the OPEN times out after "
          "config.syn_retries retransmissions",
          "[rfc9293][rfc6298][retransmission]") {
    const int retries = GENERATE(1, 2, 6);
    INFO("syn_retries " << retries);
    tcp::connection_config config;
    config.syn_retries = static_cast<std::uint8_t>(retries);
    peer p{config};
    p.to_syn_sent();
    const auto opened = p.clock().now();
    CHECK(p.connection().next_deadline().at() == opened + 1s);
    core::duration rto = 1s;
    for (int i = 0; i < retries; ++i) {
        INFO("retransmission " << i + 1);
        p.advance(rto - 1ms);
        CHECK(p.silent());
        p.advance(1ms);
        const auto r = p.recv();
        REQUIRE(r);
        CHECK(r->head() == header{ctl::syn, our_iss, 0});
        CHECK(r->options.has_mss);
        CHECK(p.silent());
        CHECK(p.state() == state::syn_sent);
        rto *= 2;
    }
    p.advance(rto - 1ms);
    CHECK(p.state() == state::syn_sent);
    p.advance(1ms);
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::timed_out);
    CHECK(p.silent());
    CHECK(p.connection().counters().retransmissions == static_cast<std::uint32_t>(retries));
    CHECK(p.clock().now() - opened == std::chrono::seconds{(1 << (retries + 1)) - 1}); // 2^(n+1) - 1 s: 127 s for 6
}

TEST_CASE("RFC 6298 5.4 and 5.5: in SYN-RECEIVED the SYN,ACK is retransmitted after 1 s, then 2 s later", "[rfc9293][rfc6298][retransmission]") {
    peer p;
    p.to_syn_received();
    p.advance(999ms);
    CHECK(p.silent());
    p.advance(1ms);
    CHECK(p.recv_header() == header{ctl::syn_ack, our_iss, peer_iss + 1});
    CHECK(p.silent());
    p.advance(1999ms);
    CHECK(p.silent());
    p.advance(1ms);
    CHECK(p.recv_header() == header{ctl::syn_ack, our_iss, peer_iss + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::syn_received);
}

TEST_CASE("RFC 6298 5.4 and 5.5: unacknowledged text is retransmitted from SND.UNA after 1 s, then 2 s, and its ACK stops the timer",
          "[rfc9293][rfc6298][retransmission]") {
    peer p;
    p.to_established();
    REQUIRE(p.user_send("hello") == 5);
    REQUIRE(p.recv());
    for (const auto wait : {1000ms, 2000ms}) {
        p.advance(wait - 1ms);
        CHECK(p.silent());
        p.advance(1ms);
        const auto r = p.recv();
        REQUIRE(r);
        CHECK(r->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
        CHECK(r->payload == bytes_of("hello"));
        CHECK(p.silent());
    }
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + 5));
    p.advance(600s);
    CHECK(p.silent());
    CHECK(p.state() == state::established);
    CHECK(p.connection().counters().retransmissions == 2);
}

TEST_CASE("RFC 6298 5.4: a retransmission resends the earliest unacknowledged segment: never text beyond SND.NXT or the send window",
          "[rfc9293][rfc6298][retransmission]") {
    peer p;
    p.to_established({}, 100); // the remote's window: 100 octets
    REQUIRE(p.user_send(pattern(300)) == 300);
    const auto first = p.recv();
    REQUIRE(first);
    REQUIRE(first->payload == pattern(100));
    REQUIRE(p.silent());
    p.advance(1s);
    const auto again = p.recv();
    REQUIRE(again);
    CHECK(again->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(again->payload == pattern(100));
    CHECK(p.silent());
    CHECK(p.tcb().snd_nxt == tcp::seq_number{p.snd_nxt + 100});
}

TEST_CASE("RFC 6298 5.7: after the SYN was retransmitted, the RTO for the first text is 3 s", "[rfc9293][rfc6298][retransmission]") {
    peer p;
    p.to_syn_sent();
    p.advance(1s);
    REQUIRE(p.recv_header() == header{ctl::syn, our_iss, 0});
    p.send(segment(ctl::syn_ack, peer_iss, our_iss + 1));
    REQUIRE(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    REQUIRE(p.user_send("hello") == 5);
    REQUIRE(p.recv());
    p.advance(2999ms);
    CHECK(p.silent());
    p.advance(1ms);
    const auto r = p.recv();
    REQUIRE(r);
    CHECK(r->seq == p.snd_nxt);
    CHECK(r->payload == bytes_of("hello"));
}

TEST_CASE("RFC 9293 3.10.4: our FIN is retransmitted, with the same sequence number, until acknowledged",
          "[rfc9293][rfc6298][retransmission]") {
    const state s = GENERATE(state::fin_wait_1, state::closing, state::last_ack);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    for (const auto wait : {1000ms, 2000ms, 4000ms}) {
        p.advance(wait - 1ms);
        CHECK(p.silent());
        p.advance(1ms);
        CHECK(p.recv_header() == header{ctl::fin_ack, p.snd_nxt - 1, p.rcv_nxt});
        CHECK(p.silent());
        CHECK(p.state() == s);
    }
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt));
    CHECK(p.state() != s);
    p.advance(10s);
    CHECK(p.silent());
}

TEST_CASE("RFC 9293 3.8.3: a FIN never acknowledged times the connection out after config.data_retries retransmissions",
          "[rfc9293][rfc6298][retransmission]") {
    tcp::connection_config config;
    config.data_retries = 2;
    peer p{config};
    p.to_fin_wait_1();
    p.advance(1s);
    CHECK(p.recv_header() == header{ctl::fin_ack, p.snd_nxt - 1, p.rcv_nxt});
    p.advance(2s);
    CHECK(p.recv_header() == header{ctl::fin_ack, p.snd_nxt - 1, p.rcv_nxt});
    p.advance(4s - 1ms);
    CHECK(p.state() == state::fin_wait_1);
    p.advance(1ms);
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::timed_out);
}
