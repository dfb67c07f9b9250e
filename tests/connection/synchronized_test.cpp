// RFC 9293 3.10.7.4 in the synchronized states, with RFC 5961's rules for RST, SYN and
// ACK: the sequence test, then RST, SYN and the ACK field, across states and across
// positions of the segment against the receive window.
#include "connection/harness.hpp"

#include <cstdint>
#include <string>

using namespace synack;
using namespace synack::test;
using tcp::state;

namespace {

/// Where a segment's sequence number lies against the window [RCV.NXT, RCV.NXT + RCV.WND).
enum class position { far_left, left, left_edge, inside, right_edge_inside, right_edge, far_right };

const char* name(position p) {
    switch (p) {
    case position::far_left: return "far left of the window";
    case position::left: return "left of the window";
    case position::left_edge: return "at the left edge (RCV.NXT)";
    case position::inside: return "inside the window";
    case position::right_edge_inside: return "at the last octet of the window";
    case position::right_edge: return "at the right edge (RCV.NXT + RCV.WND)";
    case position::far_right: return "far right of the window";
    }
    return "?";
}

/// SEG.SEQ for a segment occupying `length` octets at `where`.
std::uint32_t seq_at(position where, const peer& p, std::uint32_t length) {
    const std::uint32_t wnd = p.advertised_window;
    switch (where) {
    case position::far_left: return p.rcv_nxt - 0x40000000u;
    case position::left: return p.rcv_nxt - 20 - length;
    case position::left_edge: return p.rcv_nxt;
    case position::inside: return p.rcv_nxt + wnd / 2;
    case position::right_edge_inside: return p.rcv_nxt + wnd - 1;
    case position::right_edge: return p.rcv_nxt + wnd;
    case position::far_right: return p.rcv_nxt + wnd + 100000;
    }
    return 0;
}

std::string state_name(state s) { return std::string{tcp::to_string(s)}; }

/// True in the states where a RST with SEG.SEQ = RCV.NXT must say "connection reset" (RFC 9293 3.10.7.4 second).
bool reset_is_signalled(state s) {
    return s == state::established || s == state::fin_wait_1 || s == state::fin_wait_2 || s == state::close_wait;
}

} // namespace

// ---- first check: the sequence number ----

TEST_CASE("RFC 9293 3.10.7.4 first check: an unacceptable segment gets <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and is dropped",
          "[rfc9293][sequence]") {
    const state s = GENERATE(state::syn_received, state::established, state::fin_wait_1, state::fin_wait_2, state::close_wait,
                             state::closing, state::last_ack, state::time_wait);
    const tcp::flag_set flags = GENERATE(ctl::ack, ctl::fin_ack);
    const std::size_t text = GENERATE(0u, 10u);
    const position where = GENERATE(position::far_left, position::left, position::right_edge, position::far_right);
    INFO(state_name(s) << ", " << to_string(header{flags, 0, 0}) << " with " << text << " octets " << name(where));
    peer p;
    p.go_to(s);
    const std::uint32_t length = static_cast<std::uint32_t>(text) + (flags.has(tcp::flag::fin) ? 1 : 0);
    p.send(segment(flags, seq_at(where, p, length), p.snd_nxt).with_payload(pattern(text)));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.connection().readable() == 0);
    CHECK(p.tcb().rcv_nxt == tcp::seq_number{p.rcv_nxt});
}

TEST_CASE("RFC 9293 3.10.7.4 first check: with a zero-length segment, SEG.SEQ = RCV.NXT + RCV.WND - 1 is acceptable and "
          "SEG.SEQ = RCV.NXT + RCV.WND is not",
          "[rfc9293][sequence]") {
    peer p;
    p.to_established();
    p.send(segment(ctl::ack, p.rcv_nxt + p.advertised_window - 1, p.snd_nxt));
    CHECK(p.silent());
    p.send(segment(ctl::ack, p.rcv_nxt + p.advertised_window, p.snd_nxt));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == state::established);
}

TEST_CASE("RFC 9293 3.10.7.4 first check: every unacceptable data segment is acknowledged, not only the first within the "
          "challenge ACK interval (RFC 5961 7 limits challenge ACKs, Linux exempts data)",
          "[rfc9293][sequence]") {
    peer p;
    p.to_established();
    // The remote's data was acknowledged, the ACK was lost, the remote retransmits twice.
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("hello"));
    REQUIRE(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 5});
    const std::uint32_t old = p.rcv_nxt;
    p.rcv_nxt += 5;
    for (int i = 0; i < 2; ++i) {
        INFO("retransmission " << i + 1);
        p.send(segment(ctl::ack, old, p.snd_nxt).with_payload("hello"));
        CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
        CHECK(p.silent());
    }
    CHECK(p.user_receive() == bytes_of("hello"));
}

// ---- second check: RST (RFC 5961 3.2) ----

TEST_CASE("RFC 5961 3.2: a RST with SEG.SEQ = RCV.NXT resets the connection, silently", "[rfc9293][rfc5961][rst]") {
    const state s = GENERATE(state::established, state::fin_wait_1, state::fin_wait_2, state::close_wait, state::closing,
                             state::last_ack, state::time_wait);
    const tcp::flag_set flags = GENERATE(ctl::rst, ctl::rst_ack);
    INFO(state_name(s) << ", " << to_string(header{flags, 0, 0}));
    peer p;
    p.go_to(s);
    p.send(segment(flags, p.rcv_nxt, 0xdeadbeef));
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() != tcp::close_reason::none);
    if (reset_is_signalled(s)) CHECK(p.connection().reason() == tcp::close_reason::reset_by_peer);
}

TEST_CASE("RFC 5961 3.2: a RST in the window but not at RCV.NXT gets a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, "
          "never numbers from the segment",
          "[rfc9293][rfc5961][rst]") {
    const state s = GENERATE(state::syn_received, state::established, state::fin_wait_1, state::fin_wait_2, state::close_wait,
                             state::closing, state::last_ack, state::time_wait);
    const tcp::flag_set flags = GENERATE(ctl::rst, ctl::rst_ack);
    const position where = GENERATE(position::inside, position::right_edge_inside);
    const std::uint32_t offset = GENERATE(1u, 0u); // 0: the middle or the last octet; 1: RCV.NXT + 1
    INFO(state_name(s) << ", " << to_string(header{flags, 0, 0}) << (offset ? " at RCV.NXT + 1" : name(where)));
    peer p;
    p.go_to(s);
    const std::uint32_t seq = offset ? p.rcv_nxt + 1 : seq_at(where, p, 0);
    p.send(segment(flags, seq, 0xdeadbeef));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.connection().counters().challenge_acks == 1);
}

TEST_CASE("RFC 5961 3.2: a RST outside the window is dropped silently", "[rfc9293][rfc5961][rst]") {
    const state s = GENERATE(state::syn_received, state::established, state::fin_wait_1, state::fin_wait_2, state::close_wait,
                             state::closing, state::last_ack, state::time_wait);
    const tcp::flag_set flags = GENERATE(ctl::rst, ctl::rst_ack);
    const position where = GENERATE(position::far_left, position::left, position::right_edge, position::far_right);
    INFO(state_name(s) << ", " << to_string(header{flags, 0, 0}) << " " << name(where));
    peer p;
    p.go_to(s);
    const std::uint32_t seq = where == position::left ? p.rcv_nxt - 1 : seq_at(where, p, 0);
    p.send(segment(flags, seq, p.snd_nxt));
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.connection().reason() == tcp::close_reason::none);
}

// ---- fourth check: SYN (RFC 5961 4.2) ----

TEST_CASE("RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, "
          "whatever its sequence number",
          "[rfc9293][rfc5961][syn]") {
    const state s = GENERATE(state::established, state::fin_wait_1, state::fin_wait_2, state::close_wait, state::closing,
                             state::last_ack, state::time_wait);
    const tcp::flag_set flags = GENERATE(ctl::syn, ctl::syn_ack);
    const position where =
        GENERATE(position::far_left, position::left, position::left_edge, position::inside, position::right_edge, position::far_right);
    INFO(state_name(s) << ", " << to_string(header{flags, 0, 0}) << " " << name(where));
    peer p;
    p.go_to(s);
    p.send(segment(flags, seq_at(where, p, 1), 0xdeadbeef));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.connection().reason() == tcp::close_reason::none);
}

// ---- RFC 5961 7: challenge ACK throttling ----

TEST_CASE("RFC 5961 7: challenge ACKs are limited per connection: a second within 500 ms is not sent, and counted",
          "[rfc9293][rfc5961][throttle]") {
    peer p;
    p.to_established();
    const auto in_window_rst = [&] { p.send(segment(ctl::rst, p.rcv_nxt + 10)); };
    const auto syn = [&] { p.send(segment(ctl::syn, p.rcv_nxt + 20)); };

    in_window_rst();
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.connection().counters().challenge_acks == 1);

    in_window_rst();
    CHECK(p.silent());
    CHECK(p.connection().counters().challenge_acks_throttled == 1);

    p.advance(499ms);
    syn(); // the limit is per connection, not per kind of attack
    CHECK(p.silent());
    CHECK(p.connection().counters().challenge_acks_throttled == 2);
    CHECK(p.connection().counters().challenge_acks == 1);

    p.advance(1ms);
    in_window_rst();
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.connection().counters().challenge_acks == 2);
    CHECK(p.state() == state::established);
}

// ---- fifth check: the ACK field (RFC 9293 3.10.7.4, RFC 5961 5.2) ----

TEST_CASE("RFC 9293 3.10.7.4 fifth: an ACK of something not yet sent (SEG.ACK > SND.NXT) gets an ACK and is dropped",
          "[rfc9293][rfc5961][ack]") {
    const state s = GENERATE(state::established, state::fin_wait_1, state::fin_wait_2, state::close_wait, state::closing,
                             state::last_ack, state::time_wait);
    const std::uint32_t beyond = GENERATE(1u, 1000u);
    INFO(state_name(s) << ", SEG.ACK = SND.NXT + " << beyond);
    peer p;
    p.go_to(s);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + beyond));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.state() == s);
}

TEST_CASE("RFC 5961 5.2: SEG.ACK below SND.UNA - MAX.SND.WND gets an ACK and the segment is dropped, text and all",
          "[rfc9293][rfc5961][ack]") {
    const std::uint32_t below = GENERATE(1u, 5000u);
    peer p;
    p.to_established(); // MAX.SND.WND = 65535, the window of the remote's SYN,ACK
    p.send(segment(ctl::ack, p.rcv_nxt, our_iss + 1 - 65535 - below).with_payload("hello"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt});
    CHECK(p.silent());
    CHECK(p.connection().readable() == 0);
    CHECK(p.state() == state::established);
}

TEST_CASE("RFC 5961 5.2: SEG.ACK from SND.UNA - MAX.SND.WND to SND.UNA is a duplicate: the segment's text is taken",
          "[rfc9293][rfc5961][ack]") {
    const std::uint32_t below = GENERATE(65535u, 1u, 0u);
    INFO("SEG.ACK = SND.UNA - " << below);
    peer p;
    p.to_established();
    p.send(segment(ctl::ack, p.rcv_nxt, our_iss + 1 - below).with_payload("hello"));
    CHECK(p.recv_header() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 5});
    CHECK(p.silent());
    CHECK(p.user_receive() == bytes_of("hello"));
    CHECK(p.tcb().snd_una == tcp::seq_number{our_iss + 1});
}

TEST_CASE("RFC 9293 3.10.7.4 fifth: a segment without ACK in a synchronized state is dropped", "[rfc9293][ack]") {
    const state s = GENERATE(state::syn_received, state::established, state::fin_wait_1, state::fin_wait_2, state::close_wait);
    const std::size_t text = GENERATE(0u, 5u);
    INFO(state_name(s) << ", " << text << " octets");
    peer p;
    p.go_to(s);
    p.send(segment(ctl::none, p.rcv_nxt).with_payload(pattern(text)));
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.connection().readable() == 0);
}
