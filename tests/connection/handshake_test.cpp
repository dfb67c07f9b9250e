// RFC 9293 3.10.7.1 - 3.10.7.3 and the SYN-RECEIVED rules of 3.10.7.4: segments arriving
// in CLOSED, LISTEN, SYN-SENT and SYN-RECEIVED, and the three-way handshake itself.
#include "connection/harness.hpp"

#include <synack/tcp/connection.hpp>
#include <synack/transport/memory.hpp>

#include <cstdint>
#include <vector>

using namespace synack;
using namespace synack::test;
using tcp::state;

namespace {

/// One kind of arriving segment: its control bits and how many octets of text it carries.
struct kind {
    tcp::flag_set flags;
    std::size_t text = 0;
};

std::string describe(const kind& k) { return to_string(header{k.flags, 0, 0}) + " with " + std::to_string(k.text) + " octets"; }

} // namespace

// ---- CLOSED (RFC 9293 3.10.7.1) ----

TEST_CASE("RFC 9293 3.10.7.1: in CLOSED, a segment without ACK gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>",
          "[rfc9293][closed]") {
    const kind k = GENERATE(values<kind>({{ctl::syn, 0}, {ctl::syn, 5}, {ctl::fin, 0}, {ctl::none, 10}, {ctl::fin, 10},
                                          {ctl::psh, 3}}));
    const bool after_lifecycle = GENERATE(false, true);
    const std::uint32_t seq = GENERATE(1000u, 0xfffffffeu);
    INFO(describe(k) << ", seq " << seq << (after_lifecycle ? ", after a lifecycle" : ", after LISTEN and CLOSE"));
    peer p;
    if (after_lifecycle) p.to_closed_after_time_wait();
    else p.to_closed_after_listen();

    p.send(segment(k.flags, seq).with_payload(pattern(k.text)));
    const std::uint32_t seg_len = static_cast<std::uint32_t>(k.text) + (k.flags.has(tcp::flag::syn) ? 1 : 0) +
                                  (k.flags.has(tcp::flag::fin) ? 1 : 0);
    CHECK(p.recv_header() == header{ctl::rst_ack, 0, seq + seg_len});
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
}

TEST_CASE("RFC 9293 3.10.7.1: in CLOSED, a segment with ACK gets <SEQ=SEG.ACK><CTL=RST>", "[rfc9293][closed]") {
    const kind k = GENERATE(values<kind>({{ctl::ack, 0}, {ctl::ack, 10}, {ctl::fin_ack, 0}, {ctl::syn_ack, 0}}));
    const bool after_lifecycle = GENERATE(false, true);
    INFO(describe(k));
    peer p;
    if (after_lifecycle) p.to_closed_after_time_wait();
    else p.to_closed_after_listen();

    p.send(segment(k.flags, 1000, 5555).with_payload(pattern(k.text)));
    CHECK(p.recv_header() == header{ctl::rst, 5555, 0});
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
}

TEST_CASE("RFC 9293 3.10.7.1: in CLOSED, an arriving RST is discarded", "[rfc9293][closed]") {
    const tcp::flag_set flags = GENERATE(ctl::rst, ctl::rst_ack);
    peer p;
    p.to_closed_after_listen();
    p.send(segment(flags, 1000, 5555));
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK(p.connection().counters().resets_sent == 0);
}

// ---- LISTEN (RFC 9293 3.10.7.2) ----

TEST_CASE("RFC 9293 3.10.7.2 first: in LISTEN, an incoming RST is ignored", "[rfc9293][listen]") {
    const tcp::flag_set flags = GENERATE(ctl::rst, ctl::rst_ack);
    peer p;
    p.to_listen();
    p.send(segment(flags, 1000, 5555));
    CHECK(p.silent());
    CHECK(p.state() == state::listen);
}

TEST_CASE("RFC 9293 3.10.7.2 second: in LISTEN, any ACK gets <SEQ=SEG.ACK><CTL=RST> and the listener stays",
          "[rfc9293][listen]") {
    const kind k = GENERATE(values<kind>({{ctl::ack, 0}, {ctl::ack, 10}, {ctl::syn_ack, 0}, {ctl::fin_ack, 0}}));
    const std::uint32_t seg_ack = GENERATE(0u, 5555u, our_iss + 1);
    INFO(describe(k) << ", ack " << seg_ack);
    peer p;
    p.to_listen();
    p.send(segment(k.flags, 1000, seg_ack).with_payload(pattern(k.text)));
    CHECK(p.recv_header() == header{ctl::rst, seg_ack, 0});
    CHECK(p.silent());
    CHECK(p.state() == state::listen);
}

TEST_CASE("RFC 9293 3.10.7.2 third: in LISTEN, a SYN gets <SEQ=ISS><ACK=SEG.SEQ+1><CTL=SYN,ACK> and SYN-RECEIVED",
          "[rfc9293][listen]") {
    const std::uint32_t seq = GENERATE(peer_iss, 0u, 0xffffffffu);
    peer p;
    p.to_listen();
    p.send(segment(ctl::syn, seq));
    CHECK(p.recv_header() == header{ctl::syn_ack, our_iss, seq + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::syn_received);
    CHECK(p.tcb().irs == tcp::seq_number{seq});
    CHECK(p.tcb().rcv_nxt == tcp::seq_number{seq + 1});
    CHECK(p.tcb().snd_una == tcp::seq_number{our_iss});
    CHECK(p.tcb().snd_nxt == tcp::seq_number{our_iss + 1});
}

TEST_CASE("RFC 9293 3.10.7.2 fourth: in LISTEN, a segment with neither SYN, ACK nor RST is dropped", "[rfc9293][listen]") {
    const kind k = GENERATE(values<kind>({{ctl::none, 0}, {ctl::none, 10}, {ctl::fin, 0}, {ctl::psh, 4}}));
    INFO(describe(k));
    peer p;
    p.to_listen();
    p.send(segment(k.flags, 1000).with_payload(pattern(k.text)));
    CHECK(p.silent());
    CHECK(p.state() == state::listen);
}

// ---- SYN-SENT (RFC 9293 3.10.7.3) ----

TEST_CASE("RFC 9293 3.10.7.3 first: in SYN-SENT, an ACK with SEG.ACK =< ISS or SEG.ACK > SND.NXT gets <SEQ=SEG.ACK><CTL=RST>",
          "[rfc9293][syn-sent]") {
    const tcp::flag_set flags = GENERATE(ctl::ack, ctl::syn_ack, ctl::fin_ack);
    const std::uint32_t seg_ack = GENERATE(our_iss - 1000, our_iss - 1, our_iss, our_iss + 2, our_iss + 100000);
    INFO(to_string(header{flags, peer_iss, seg_ack}));
    peer p;
    p.to_syn_sent();
    p.send(segment(flags, peer_iss, seg_ack));
    CHECK(p.recv_header() == header{ctl::rst, seg_ack, 0});
    CHECK(p.silent());
    CHECK(p.state() == state::syn_sent);
}

TEST_CASE("RFC 9293 3.10.7.3 first: in SYN-SENT, a RST with an unacceptable ACK is dropped", "[rfc9293][syn-sent]") {
    const std::uint32_t seg_ack = GENERATE(our_iss, our_iss + 2, our_iss - 5);
    peer p;
    p.to_syn_sent();
    p.send(segment(ctl::rst_ack, 0, seg_ack));
    CHECK(p.silent());
    CHECK(p.state() == state::syn_sent);
}

TEST_CASE("RFC 9293 3.10.7.3 second: in SYN-SENT, a RST with the acceptable ACK refuses the connection",
          "[rfc9293][syn-sent]") {
    peer p;
    p.to_syn_sent();
    p.send(segment(ctl::rst_ack, 0, our_iss + 1));
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::refused);
}

TEST_CASE("RFC 9293 3.10.7.3 second: in SYN-SENT, a RST without ACK is dropped", "[rfc9293][syn-sent]") {
    const std::uint32_t seq = GENERATE(0u, peer_iss, our_iss + 1);
    peer p;
    p.to_syn_sent();
    p.send(segment(ctl::rst, seq));
    CHECK(p.silent());
    CHECK(p.state() == state::syn_sent);
    CHECK(p.connection().reason() == tcp::close_reason::none);
}

TEST_CASE("RFC 9293 3.10.7.3 fourth: in SYN-SENT, the SYN,ACK of our SYN establishes with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>",
          "[rfc9293][syn-sent]") {
    const std::uint32_t seq = GENERATE(peer_iss, 0xffffffffu);
    peer p;
    p.to_syn_sent();
    p.send(segment(ctl::syn_ack, seq, our_iss + 1));
    CHECK(p.recv_header() == header{ctl::ack, our_iss + 1, seq + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::established);
    CHECK(p.tcb().irs == tcp::seq_number{seq});
    CHECK(p.tcb().rcv_nxt == tcp::seq_number{seq + 1});
    CHECK(p.tcb().snd_una == tcp::seq_number{our_iss + 1});
    CHECK(p.connection().reason() == tcp::close_reason::none);
}

TEST_CASE("RFC 9293 3.10.7.3 fourth: in SYN-SENT, a SYN without ACK (simultaneous open) gets <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and SYN-RECEIVED",
          "[rfc9293][syn-sent]") {
    peer p;
    p.to_syn_sent();
    p.send(segment(ctl::syn, peer_iss));
    CHECK(p.recv_header() == header{ctl::syn_ack, our_iss, peer_iss + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::syn_received);
}

TEST_CASE("RFC 9293 3.10.7.3 fifth: in SYN-SENT, a segment with neither SYN nor RST is dropped", "[rfc9293][syn-sent]") {
    const kind k = GENERATE(values<kind>({{ctl::ack, 0}, {ctl::ack, 10}, {ctl::fin_ack, 0}, {ctl::none, 5}, {ctl::fin, 0}}));
    INFO(describe(k));
    peer p;
    p.to_syn_sent();
    p.send(segment(k.flags, peer_iss, our_iss + 1).with_payload(pattern(k.text)));
    CHECK(p.silent());
    CHECK(p.state() == state::syn_sent);
}

TEST_CASE("RFC 9293 3.10.2: SEND in SYN-SENT is queued and goes out once ESTABLISHED", "[rfc9293][syn-sent]") {
    peer p;
    p.to_syn_sent();
    CHECK(p.user_send("hello") == 5);
    CHECK(p.silent());
    p.send(segment(ctl::syn_ack, peer_iss, our_iss + 1));
    REQUIRE(p.state() == state::established);
    const auto sent = p.drain();
    REQUIRE_FALSE(sent.empty());
    std::vector<std::uint8_t> text;
    for (const auto& r : sent) {
        CHECK(r.flags.has(tcp::flag::ack));
        CHECK(r.ack == peer_iss + 1);
        CHECK(r.seq == our_iss + 1 + text.size());
        text.insert(text.end(), r.payload.begin(), r.payload.end());
    }
    CHECK(text == bytes_of("hello"));
}

// ---- SYN-RECEIVED (RFC 9293 3.10.7.4) ----

TEST_CASE("RFC 9293 3.10.2: SEND in SYN-RECEIVED is queued, and the ACK of our SYN establishes and the text goes out",
          "[rfc9293][syn-received]") {
    peer p;
    p.to_syn_received();
    CHECK(p.user_send("hello") == 5);
    CHECK(p.silent());
    p.send(segment(ctl::ack, peer_iss + 1, our_iss + 1));
    CHECK(p.state() == state::established);
    const auto r = p.recv();
    REQUIRE(r);
    CHECK(r->head() == header{ctl::ack, our_iss + 1, peer_iss + 1});
    CHECK(r->payload == bytes_of("hello"));
    CHECK(p.silent());
}

TEST_CASE("RFC 9293 3.10.7.4 fifth: in SYN-RECEIVED, an acceptable ACK establishes without a reply", "[rfc9293][syn-received]") {
    peer p;
    p.to_syn_received();
    p.send(segment(ctl::ack, peer_iss + 1, our_iss + 1));
    CHECK(p.silent());
    CHECK(p.state() == state::established);
    CHECK(p.tcb().snd_una == tcp::seq_number{our_iss + 1});
}

TEST_CASE("RFC 9293 3.10.7.4 fifth: in SYN-RECEIVED, an ACK outside SND.UNA < SEG.ACK =< SND.NXT gets <SEQ=SEG.ACK><CTL=RST>",
          "[rfc9293][syn-received]") {
    const std::uint32_t seg_ack = GENERATE(our_iss, our_iss + 2, our_iss - 100, our_iss + 70000);
    const bool passive = GENERATE(true, false);
    INFO("ack " << seg_ack << (passive ? ", passive open" : ", simultaneous open"));
    peer p;
    if (passive) p.to_syn_received();
    else p.to_syn_received_simultaneous();
    p.send(segment(ctl::ack, peer_iss + 1, seg_ack));
    CHECK(p.recv_header() == header{ctl::rst, seg_ack, 0});
    CHECK(p.silent());
    CHECK(p.state() == state::syn_received);
}

TEST_CASE("RFC 9293 3.10.7.4: in SYN-RECEIVED, the crossing SYN,ACK of a simultaneous open (SEG.SEQ = IRS, SEG.ACK = SND.NXT) establishes",
          "[rfc9293][syn-received]") {
    peer p;
    p.to_syn_received_simultaneous();
    p.send(segment(ctl::syn_ack, peer_iss, our_iss + 1));
    CHECK(p.state() == state::established);
    // RFC 9293 Figure 8 sends nothing here; Linux acknowledges. Nothing else is allowed.
    const auto r = p.recv_header();
    if (r) CHECK(*r == header{ctl::ack, our_iss + 1, peer_iss + 1});
    CHECK(p.silent());
    CHECK(p.tcb().snd_una == tcp::seq_number{our_iss + 1});
}

TEST_CASE("RFC 9293 3.10.7.4: in SYN-RECEIVED, a retransmitted SYN (same SEG.SEQ) gets the SYN,ACK again",
          "[rfc9293][syn-received]") {
    peer p;
    p.to_syn_received();
    p.send(segment(ctl::syn, peer_iss));
    CHECK(p.recv_header() == header{ctl::syn_ack, our_iss, peer_iss + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::syn_received);
}

TEST_CASE("RFC 9293 3.10.7.4 second: in SYN-RECEIVED from a passive OPEN, a RST with SEG.SEQ = RCV.NXT returns to LISTEN",
          "[rfc9293][syn-received]") {
    const tcp::flag_set flags = GENERATE(ctl::rst, ctl::rst_ack);
    peer p;
    p.to_syn_received();
    p.send(segment(flags, peer_iss + 1, our_iss + 1));
    CHECK(p.silent());
    CHECK(p.state() == state::listen);
    CHECK(p.connection().reason() == tcp::close_reason::none);

    // And it listens: a new SYN from another ISN is answered with a new SYN,ACK.
    p.send(segment(ctl::syn, 1000));
    CHECK(p.recv_header() == header{ctl::syn_ack, our_iss, 1001});
    CHECK(p.state() == state::syn_received);
}

TEST_CASE("RFC 9293 3.10.7.4 second: in SYN-RECEIVED from an active OPEN, a RST with SEG.SEQ = RCV.NXT refuses the connection",
          "[rfc9293][syn-received]") {
    peer p;
    p.to_syn_received_simultaneous();
    p.send(segment(ctl::rst, peer_iss + 1));
    CHECK(p.silent());
    CHECK(p.state() == state::closed);
    CHECK(p.connection().reason() == tcp::close_reason::refused);
}

TEST_CASE("RFC 9293 3.10.7.4 seventh: in SYN-RECEIVED, an acceptable ACK with text establishes, delivers and acknowledges it",
          "[rfc9293][syn-received]") {
    peer p;
    p.to_syn_received();
    p.send(segment(ctl::ack | ctl::psh, peer_iss + 1, our_iss + 1).with_payload("hello"));
    CHECK(p.state() == state::established);
    CHECK(p.recv_header() == header{ctl::ack, our_iss + 1, peer_iss + 6});
    CHECK(p.silent());
    CHECK(p.user_receive() == bytes_of("hello"));
}

TEST_CASE("RFC 9293 3.10.7.4 eighth: in SYN-RECEIVED, a FIN with an acceptable ACK establishes and goes to CLOSE-WAIT",
          "[rfc9293][syn-received]") {
    peer p;
    p.to_syn_received();
    p.send(segment(ctl::fin_ack, peer_iss + 1, our_iss + 1));
    CHECK(p.state() == state::close_wait);
    CHECK(p.recv_header() == header{ctl::ack, our_iss + 1, peer_iss + 2});
    CHECK(p.silent());
    CHECK(p.connection().end_of_stream());
}

// ---- the handshake between two connections ----

TEST_CASE("RFC 9293 3.5 Figure 7: the textbook handshake, A ISN 1234567 and B ISN 7654321, carries SYN 1234567, "
          "SYN,ACK 7654321 ack 1234568, ACK 1234568 ack 7654322",
          "[rfc9293][handshake]") {
    transport::memory_pair<> wire;
    core::manual_clock clock;
    tcp::fixed_isn isn_a{tcp::seq_number{1234567}}, isn_b{tcp::seq_number{7654321}};
    tcp::connection a{wire.a(), clock, isn_a};
    tcp::connection b{wire.b(), clock, isn_b};
    std::vector<header> on_the_wire;
    const auto take = [&](auto& conn) {
        bool any = false;
        while (conn.transport().receive([&](std::span<const std::uint8_t> frame) {
            const auto v = tcp::parse(frame);
            REQUIRE(v.has_value());
            on_the_wire.push_back({v->flags(), v->seq().raw(), v->ack().raw()});
            conn.on_frame(frame);
        }))
            any = true;
        return any;
    };

    REQUIRE(b.listen({peer_address, 80}) == tcp::call_error::none);
    REQUIRE(a.open({our_address, 40000}, {peer_address, 80}) == tcp::call_error::none);
    while (take(b) || take(a)) {
    }
    REQUIRE(on_the_wire.size() == 3);
    CHECK(on_the_wire[0] == header{ctl::syn, 1234567, 0});
    CHECK(on_the_wire[1] == header{ctl::syn_ack, 7654321, 1234568});
    CHECK(on_the_wire[2] == header{ctl::ack, 1234568, 7654322});
    CHECK(a.state() == state::established);
    CHECK(b.state() == state::established);
}
