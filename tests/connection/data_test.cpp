// RFC 9293 3.10.7.4 sixth and seventh (segment text), 3.8.6 (windows) and 3.10.2 (SEND):
// data in order, out of order, overlapping the window's edges, into a zero window, and
// both ways of a half-closed connection.
#include "connection/harness.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace synack;
using namespace synack::test;
using tcp::state;

namespace {

std::string state_name(state s) { return std::string{tcp::to_string(s)}; }

/// The text of `segments`, checked to be contiguous from `first`.
std::vector<std::uint8_t> text_from(const std::vector<reply>& segments, std::uint32_t first) {
    std::vector<std::uint8_t> text;
    for (const auto& r : segments) {
        if (r.payload.empty()) continue;
        CHECK(r.seq == first + text.size());
        text.insert(text.end(), r.payload.begin(), r.payload.end());
    }
    return text;
}

} // namespace

// ---- receiving ----

TEST_CASE("RFC 9293 3.10.7.4 seventh: text in order is delivered and acknowledged with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>",
          "[rfc9293][data]") {
    const state s = GENERATE(state::established, state::fin_wait_1, state::fin_wait_2);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    // In FIN-WAIT-1 the remote has not yet acknowledged our FIN.
    const std::uint32_t ack = s == state::fin_wait_1 ? p.snd_nxt - 1 : p.snd_nxt;
    p.send(segment(ctl::ack | ctl::psh, p.rcv_nxt, ack).with_payload("hello"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 5});
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.user_receive() == bytes_of("hello"));

    p.send(segment(ctl::ack, p.rcv_nxt + 5, ack).with_payload(" world"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 11});
    CHECK(p.user_receive() == bytes_of(" world"));
}

TEST_CASE("RFC 9293 3.10.7.4 seventh: text past RCV.NXT (out of order) gets a duplicate ACK and is not delivered",
          "[rfc9293][data]") {
    const std::uint32_t gap = GENERATE(1u, 100u, 16000u);
    INFO("SEG.SEQ = RCV.NXT + " << gap);
    peer p;
    p.to_established();
    p.send(segment(ctl::ack, p.rcv_nxt + gap, p.snd_nxt).with_payload("later"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.connection().readable() == 0);
    CHECK(p.tcb().rcv_nxt == tcp::seq_number{p.rcv_nxt});

    // The missing text then arrives, and is delivered.
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("first"));
    const auto r = p.recv_header();
    REQUIRE(r);
    CHECK(r->ack >= p.rcv_nxt + 5);
    const auto got = p.user_receive();
    REQUIRE(got.size() >= 5);
    CHECK(std::vector<std::uint8_t>(got.begin(), got.begin() + 5) == bytes_of("first"));
}

TEST_CASE("RFC 9293 3.10.7.4 first and seventh: a segment overlapping the left edge is acceptable and only its new part is taken",
          "[rfc9293][data]") {
    peer p;
    p.to_established();
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("hello"));
    REQUIRE(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 5});
    // "hello world" again from the start: "hello" is old, " world" is new.
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("hello world"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 11});
    CHECK(p.silent());
    CHECK(p.user_receive() == bytes_of("hello world"));
}

TEST_CASE("RFC 9293 3.10.7.4 first: a segment that starts at the window's last octet is acceptable (a duplicate ACK, "
          "the text held or dropped), one that starts at RCV.NXT + RCV.WND is not",
          "[rfc9293][data]") {
    peer p;
    p.to_established();
    const std::uint32_t wnd = p.advertised_window;
    p.send(segment(ctl::ack, p.rcv_nxt + wnd - 1, p.snd_nxt).with_payload("0123456789"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.connection().readable() == 0);
    p.send(segment(ctl::ack, p.rcv_nxt + wnd, p.snd_nxt).with_payload("0123456789"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.connection().readable() == 0);
    CHECK(p.state() == state::established);
}

TEST_CASE("RFC 9293 3.10.7.4: text beyond the receive window is trimmed: the part in the window is taken and acknowledged",
          "[rfc9293][data][window]") {
    basic_peer<1024, 1024> p;
    p.to_established();
    REQUIRE(p.advertised_window == 1024);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload(pattern(1200)));
    const auto r = p.recv();
    REQUIRE(r);
    CHECK(r->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 1024});
    CHECK(r->window == 0);
    CHECK(p.silent());
    const auto got = p.user_receive();
    CHECK(got == pattern(1024));
}

TEST_CASE("RFC 9293 3.10.7.4 seventh: text after the remote's FIN (CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT) is ignored",
          "[rfc9293][data]") {
    const state s = GENERATE(state::close_wait, state::closing, state::last_ack, state::time_wait);
    INFO(state_name(s));
    peer p;
    p.go_to(s);
    // In CLOSING and LAST-ACK the remote has not acknowledged our FIN (that would move the state).
    const bool fin_unacknowledged = s == state::closing || s == state::last_ack;
    p.send(segment(ctl::ack, p.rcv_nxt, fin_unacknowledged ? p.snd_nxt - 1 : p.snd_nxt).with_payload("late"));
    // Nothing but, perhaps, an ACK that takes none of it.
    const auto r = p.recv_header();
    if (r) CHECK(*r == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.connection().readable() == 0);
    CHECK(p.tcb().rcv_nxt == tcp::seq_number{p.rcv_nxt});
}

// ---- a zero receive window ----

TEST_CASE("RFC 9293 3.10.7.4 first check, RCV.WND = 0: text is not acceptable and gets <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>",
          "[rfc9293][data][window]") {
    basic_peer<1024, 1024> p;
    p.to_established();
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload(pattern(1024)));
    const auto full = p.recv();
    REQUIRE(full);
    REQUIRE(full->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 1024});
    REQUIRE(full->window == 0);
    p.rcv_nxt += 1024;

    const std::uint32_t seq = GENERATE(0u, 1u);
    INFO("SEG.SEQ = RCV.NXT + " << seq);
    p.send(segment(ctl::ack, p.rcv_nxt + seq, p.snd_nxt).with_payload("more"));
    const auto r = p.recv();
    REQUIRE(r);
    CHECK(r->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(r->window == 0);
    CHECK(p.silent());
    CHECK(p.connection().readable() == 1024);
}

TEST_CASE("RFC 9293 3.10.7.4 first check, RCV.WND = 0: a zero-length segment is acceptable only at SEG.SEQ = RCV.NXT",
          "[rfc9293][data][window]") {
    basic_peer<1024, 1024> p;
    p.to_established();
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload(pattern(1024)));
    REQUIRE(p.recv());
    p.rcv_nxt += 1024;

    const std::int32_t offset = GENERATE(0, 1, -1);
    INFO("SEG.SEQ = RCV.NXT + " << offset);
    p.send(segment(ctl::ack, p.rcv_nxt + static_cast<std::uint32_t>(offset), p.snd_nxt));
    if (offset != 0) CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == state::established);
}

TEST_CASE("RFC 9293 3.10.7.4 first check, RCV.WND = 0: special allowance is made for the valid ACK of a segment whose text is refused",
          "[rfc9293][data][window]") {
    basic_peer<1024, 1024> p;
    p.to_established();
    REQUIRE(p.user_send("hello") == 5);
    REQUIRE(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    // The remote fills our window without acknowledging "hello".
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload(pattern(1024)));
    REQUIRE(p.recv_header() == header{ctl::ack, p.snd_nxt + 5, p.rcv_nxt + 1024});
    p.rcv_nxt += 1024;
    p.snd_nxt += 5;
    REQUIRE(p.connection().unacknowledged() == 5);

    // Then more text, which does not fit, acknowledging "hello".
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("more"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.connection().unacknowledged() == 0);
    CHECK(p.tcb().snd_una == tcp::seq_number{p.snd_nxt});
    CHECK(p.connection().readable() == 1024);
}

TEST_CASE("RFC 9293 3.8.6.2.2: when the user reads a full receive buffer, the opened window is announced",
          "[rfc9293][data][window]") {
    basic_peer<1024, 1024> p;
    p.to_established();
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload(pattern(1024)));
    REQUIRE(p.recv());
    REQUIRE(p.advertised_window == 0);
    p.rcv_nxt += 1024;
    CHECK(p.user_receive().size() == 1024);
    const auto update = p.recv();
    REQUIRE(update);
    CHECK(update->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(update->window == 1024);
    CHECK(p.silent());
}

// ---- sending ----

TEST_CASE("RFC 9293 3.10.2: SEND in ESTABLISHED sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with the text, and its ACK clears it",
          "[rfc9293][data][send]") {
    peer p;
    p.to_established();
    REQUIRE(p.user_send("hello") == 5);
    const auto r = p.recv();
    REQUIRE(r);
    CHECK(r->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(r->payload == bytes_of("hello"));
    CHECK(p.silent());
    CHECK(p.connection().unacknowledged() == 5);
    CHECK(p.connection().next_deadline().armed());

    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + 5));
    CHECK(p.silent());
    CHECK(p.connection().unacknowledged() == 0);
    CHECK(p.tcb().snd_una == tcp::seq_number{p.snd_nxt + 5});
    CHECK_FALSE(p.connection().next_deadline().armed());
}

TEST_CASE("RFC 9293 3.8.6: the sender keeps within the remote's window, and sends more as the window opens",
          "[rfc9293][data][send][window]") {
    peer p;
    p.to_established({}, 100);
    REQUIRE(p.user_send(pattern(300)) == 300);
    auto sent = p.drain();
    CHECK(text_from(sent, p.snd_nxt) == pattern(100));

    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + 100).with_window(100));
    sent = p.drain();
    CHECK(text_from(sent, p.snd_nxt + 100) == pattern(100, 100));
}

TEST_CASE("RFC 9293 3.8.6.1: with a zero send window the sender probes after the retransmission timeout (MUST-36), "
          "and sends once the window opens",
          "[rfc9293][data][send][window]") {
    peer p;
    p.to_established({}, 0);
    REQUIRE(p.user_send("hello") == 5);
    CHECK(p.silent());
    p.advance(1s);
    p.advance(1s);
    const auto probes = p.drain();
    CHECK_FALSE(probes.empty());
    for (const auto& r : probes) CHECK(r.flags.has(tcp::flag::ack));

    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_window(1000));
    std::vector<reply> sent = probes;
    for (auto& r : p.drain()) sent.push_back(std::move(r));
    std::vector<std::uint8_t> text;
    for (const auto& r : sent)
        if (!r.payload.empty() && r.seq == p.snd_nxt + text.size()) text.insert(text.end(), r.payload.begin(), r.payload.end());
    CHECK(text == bytes_of("hello"));
}

TEST_CASE("RFC 9293 3.8.6.2.1: segments carry at most the effective send MSS", "[rfc9293][data][send]") {
    peer p;
    p.to_established(); // no MSS option from the remote: 536
    REQUIRE(p.user_send(pattern(1000)) == 1000);
    const auto sent = p.drain();
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].payload.size() == 536);
    CHECK(sent[1].payload.size() == 464);
    CHECK(text_from(sent, p.snd_nxt) == pattern(1000));
}

// ---- half-close ----

TEST_CASE("RFC 9293 3.6: half-close, our side: in FIN-WAIT-2 the remote's text is still delivered and acknowledged",
          "[rfc9293][data][half-close]") {
    peer p;
    p.to_fin_wait_2();
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("still talking"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 13});
    CHECK(p.user_receive() == bytes_of("still talking"));
    p.rcv_nxt += 13;
    p.send(segment(ctl::fin_ack, p.rcv_nxt, p.snd_nxt));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::time_wait);
    CHECK(p.connection().end_of_stream());
}

TEST_CASE("RFC 9293 3.6: half-close, the remote's side: in CLOSE-WAIT SEND still works until our CLOSE",
          "[rfc9293][data][half-close]") {
    peer p;
    p.to_close_wait();
    CHECK(p.connection().end_of_stream());
    REQUIRE(p.user_send("reply") == 5);
    const auto r = p.recv();
    REQUIRE(r);
    CHECK(r->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(r->payload == bytes_of("reply"));
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + 5));
    CHECK(p.silent());
    p.snd_nxt += 5;

    REQUIRE(p.connection().close() == tcp::call_error::none);
    CHECK(p.state() == state::last_ack);
    CHECK(p.recv_header() == header{ctl::fin_ack, p.snd_nxt, p.rcv_nxt});
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + 1));
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::normal);
}
