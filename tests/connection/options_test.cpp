// Options agreed on the SYNs: MSS (RFC 9293 3.7.1), window scale and timestamps (RFC 7323),
// SACK-permitted (RFC 2018); and what a connection does with malformed arrivals
// (RFC 9293 3.1, 3.2; MUST-64: a malformed option must not crash a TCP).
#include "connection/harness.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

using namespace synack;
using namespace synack::test;
using tcp::state;

namespace {

tcp::option_list options(std::initializer_list<std::uint8_t> raw) {
    tcp::option_list list;
    const std::vector<std::uint8_t> bytes(raw);
    REQUIRE(list.add_raw(bytes));
    return list;
}

/// Octets the connection sends right away when the user gives it `n` and the remote's window is open.
std::size_t in_flight_after_send(peer& p, std::size_t n) {
    REQUIRE(p.user_send(pattern(n)) == n);
    std::size_t total = 0;
    for (const auto& r : p.drain()) total += r.payload.size();
    return total;
}

} // namespace

// ---- what our SYN offers ----

TEST_CASE("RFC 9293 3.7.1, RFC 7323, RFC 2018: our SYN carries MSS, window scale, SACK-permitted and timestamps as configured",
          "[rfc9293][options]") {
    peer p;
    REQUIRE(p.connection().open({our_address, our_port}, {peer_address, server_port}) == tcp::call_error::none);
    const auto syn = p.recv();
    REQUIRE(syn);
    CHECK(syn->head() == header{ctl::syn, our_iss, 0});
    CHECK(syn->options.has_mss);
    CHECK(syn->options.mss == 1460);
    CHECK(syn->options.has_window_scale);
    CHECK(syn->options.window_scale == 0); // a 16 KiB buffer needs no shift; the option lets the peer scale
    CHECK(syn->options.sack_permitted);
    CHECK(syn->options.has_timestamps);
    CHECK(syn->options.timestamps.echo == 0);
    CHECK(syn->checksum_ok);
}

TEST_CASE("RFC 7323 2.2 and 3.2, RFC 2018 2: options switched off in the config are not offered", "[rfc9293][options]") {
    tcp::connection_config config;
    config.window_scale = 0;
    config.sack_permitted = false;
    config.timestamps = false;
    config.mss = 1000;
    peer p{config};
    REQUIRE(p.connection().open({our_address, our_port}, {peer_address, server_port}) == tcp::call_error::none);
    const auto syn = p.recv();
    REQUIRE(syn);
    CHECK(syn->options.has_mss);
    CHECK(syn->options.mss == 1000);
    CHECK_FALSE(syn->options.has_window_scale);
    CHECK_FALSE(syn->options.sack_permitted);
    CHECK_FALSE(syn->options.has_timestamps);
}

// ---- MSS ----

TEST_CASE("RFC 9293 3.7.1 (MUST-15): without an MSS option the send MSS is 536", "[rfc9293][options][mss]") {
    peer p;
    p.to_established();
    CHECK(p.tcb().snd_mss == 536);
    REQUIRE(p.user_send(pattern(1000)) == 1000);
    const auto sent = p.drain();
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].payload.size() == 536);
}

TEST_CASE("RFC 9293 3.7.1: the remote's MSS option bounds the segments we send", "[rfc9293][options][mss]") {
    const std::uint16_t mss = GENERATE(100, 1000, 1460);
    peer p;
    tcp::option_list o;
    o.add_mss(mss);
    p.to_established(o);
    CHECK(p.tcb().snd_mss == mss);
    REQUIRE(p.user_send(pattern(3000)) == 3000);
    for (const auto& r : p.drain()) CHECK(r.payload.size() <= mss);
}

// ---- window scale ----

// A connection whose receive buffer needs a shift: 1 MiB fits 16 bits shifted by 5.
using big_peer = basic_peer<16384, std::size_t{1} << 20>;

TEST_CASE("RFC 7323 2.2: the shift offered is the smallest the receive buffer needs, at most the configured one",
          "[rfc9293][options][window-scale]") {
    const std::uint8_t configured = GENERATE(std::uint8_t{7}, std::uint8_t{3});
    tcp::connection_config config;
    config.window_scale = configured;
    auto p = std::make_unique<big_peer>(config);
    REQUIRE(p->connection().open({our_address, our_port}, {peer_address, server_port}) == tcp::call_error::none);
    const auto syn = p->recv();
    REQUIRE(syn);
    CHECK(syn->options.has_window_scale);
    CHECK(syn->options.window_scale == (configured < 5 ? configured : 5));
}

TEST_CASE("RFC 7323 2.2: when both SYNs carry window scale, the remote's windows are shifted (its SYN's window never)",
          "[rfc9293][options][window-scale]") {
    peer p;
    tcp::option_list o;
    o.add_mss(1460);
    o.add_window_scale(3);
    p.to_established(o, 2000);
    CHECK(p.tcb().snd_wscale == 3);
    CHECK(p.tcb().rcv_wscale == 0); // our 16 KiB buffer needs no shift
    // The SYN,ACK's window of 2000 is not scaled.
    CHECK(p.tcb().snd_wnd == 2000);
    CHECK(in_flight_after_send(p, 2500) == 2000);

    // A later window of 1000 means 8000 octets.
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt + 2000).with_window(1000));
    CHECK(p.tcb().snd_wnd == 8000);
}

TEST_CASE("RFC 7323 2.2: when both SYNs carry window scale, our windows are sent shifted", "[rfc9293][options][window-scale]") {
    auto owned = std::make_unique<big_peer>();
    auto& p = *owned;
    tcp::option_list o;
    o.add_window_scale(2);
    p.to_syn_received(o);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt));
    REQUIRE(p.state() == state::established);
    CHECK(p.tcb().rcv_wscale == 5);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload(pattern(100)));
    const auto r = p.recv();
    REQUIRE(r);
    // 1 MiB of buffer, less 100 octets, shifted by 5.
    CHECK(r->window == ((std::size_t{1} << 20) - 100) >> 5);
}

TEST_CASE("RFC 7323 2.2: the SYN,ACK carries window scale only when the SYN did, and then both sides scale",
          "[rfc9293][options][window-scale]") {
    const bool offered = GENERATE(true, false);
    INFO((offered ? "the SYN offers a shift of 3" : "the SYN offers no window scale"));
    auto owned = std::make_unique<big_peer>();
    auto& p = *owned;
    p.to_listen();
    tcp::option_list o;
    if (offered) o.add_window_scale(3);
    p.send(segment(ctl::syn, peer_iss).with_options(o));
    const auto synack = p.recv();
    REQUIRE(synack);
    CHECK(synack->options.has_window_scale == offered);
    if (offered) CHECK(synack->options.window_scale == 5);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_window(1000));
    REQUIRE(p.state() == state::established);
    CHECK(p.tcb().snd_wnd == (offered ? 8000u : 1000u));
    CHECK(p.tcb().rcv_wscale == (offered ? 5 : 0));
}

TEST_CASE("RFC 7323 2.2: a connection configured without window scale neither offers nor accepts it", "[rfc9293][options][window-scale]") {
    tcp::connection_config config;
    config.window_scale = 0;
    peer p{config};
    p.to_listen();
    tcp::option_list o;
    o.add_window_scale(3);
    p.send(segment(ctl::syn, peer_iss).with_options(o));
    const auto synack = p.recv();
    REQUIRE(synack);
    CHECK_FALSE(synack->options.has_window_scale);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_window(1000));
    CHECK(p.tcb().snd_wnd == 1000);
    CHECK(p.tcb().snd_wscale == 0);
}

TEST_CASE("RFC 7323 2.2: the shift we offer fits our receive buffer, so free space is never advertised as a zero window "
          "(Linux: tcp_select_initial_window)",
          "[rfc9293][options][window-scale]") {
    basic_peer<64, 64> p;
    tcp::option_list o;
    o.add_window_scale(0);
    p.to_syn_received(o);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt));
    REQUIRE(p.state() == state::established);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload(pattern(10)));
    const auto r = p.recv();
    REQUIRE(r);
    CHECK(r->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 10});
    CHECK(r->window > 0); // 54 of 64 octets are free
}

TEST_CASE("RFC 7323 2.3: a window scale above 14 is used as 14", "[rfc9293][options][window-scale]") {
    const std::uint8_t shift = GENERATE(15, 255);
    peer p;
    tcp::option_list o;
    o.add_window_scale(shift);
    p.to_established(o);
    CHECK(p.tcb().snd_wscale == 14);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_window(1));
    CHECK(p.tcb().snd_wnd == 1u << 14);
}

// ---- SACK-permitted ----

TEST_CASE("RFC 2018 2: SACK is agreed, and the SYN,ACK carries SACK-permitted, only when the SYN did", "[rfc9293][options][sack]") {
    const bool offered = GENERATE(true, false);
    peer p;
    tcp::option_list o;
    if (offered) o.add_sack_permitted();
    else o.add_nop();
    p.to_listen();
    p.send(segment(ctl::syn, peer_iss).with_options(o));
    const auto synack = p.recv();
    REQUIRE(synack);
    CHECK(synack->options.sack_permitted == offered);
    CHECK(p.tcb().sack_ok == offered);
}

// ---- timestamps ----

TEST_CASE("RFC 7323 3.2: once both SYNs carried timestamps, every segment but a RST carries them, echoing TS.Recent",
          "[rfc9293][options][timestamps]") {
    peer p;
    tcp::option_list syn_ts;
    syn_ts.add_timestamps({100, 0});
    p.to_listen();
    p.send(segment(ctl::syn, peer_iss).with_options(syn_ts));
    const auto synack = p.recv();
    REQUIRE(synack);
    REQUIRE(synack->options.has_timestamps);
    CHECK(synack->options.timestamps.echo == 100);
    CHECK(p.tcb().ts_ok);
    const std::uint32_t our_tsval = synack->options.timestamps.value;

    const auto ts = [&](std::uint32_t value) {
        tcp::option_list l;
        l.add_timestamps({value, our_tsval});
        return l;
    };
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_options(ts(101)));
    REQUIRE(p.state() == state::established);

    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_options(ts(102)).with_payload("data"));
    auto r = p.recv();
    REQUIRE(r);
    CHECK(r->head() == header{ctl::ack, p.snd_nxt, p.rcv_nxt + 4});
    REQUIRE(r->options.has_timestamps);
    CHECK(r->options.timestamps.echo == 102);
    p.rcv_nxt += 4;

    REQUIRE(p.user_send("out") == 3); // text
    r = p.recv();
    REQUIRE(r);
    CHECK(r->options.has_timestamps);
    CHECK(r->options.timestamps.echo == 102);

    p.send(segment(ctl::rst, p.rcv_nxt + 100).with_options(ts(103))); // challenge ACK
    r = p.recv();
    REQUIRE(r);
    CHECK(r->head() == header{ctl::ack, p.snd_nxt + 3, p.rcv_nxt});
    CHECK(r->options.has_timestamps);

    REQUIRE(p.user_receive() == bytes_of("data")); // (unread text would turn CLOSE into a RST)
    REQUIRE(p.connection().close() == tcp::call_error::none); // FIN
    r = p.recv();
    REQUIRE(r);
    CHECK(r->flags.has(tcp::flag::fin));
    CHECK(r->options.has_timestamps);

    p.connection().abort(); // RST
    r = p.recv();
    REQUIRE(r);
    CHECK(r->flags.has(tcp::flag::rst));
    CHECK_FALSE(r->options.has_timestamps);
}

TEST_CASE("RFC 7323 3.2: when the remote's SYN had no timestamps, no segment of ours carries them", "[rfc9293][options][timestamps]") {
    peer p;
    p.to_listen();
    p.send(segment(ctl::syn, peer_iss));
    auto r = p.recv();
    REQUIRE(r);
    CHECK_FALSE(r->options.has_timestamps);
    CHECK_FALSE(p.tcb().ts_ok);
    p.send(segment(ctl::ack, p.rcv_nxt, p.snd_nxt).with_payload("data"));
    r = p.recv();
    REQUIRE(r);
    CHECK_FALSE(r->options.has_timestamps);
    REQUIRE(p.user_send("out") == 3);
    r = p.recv();
    REQUIRE(r);
    CHECK_FALSE(r->options.has_timestamps);
}

// ---- malformed arrivals ----

TEST_CASE("RFC 9293 3.2 (MUST-64): a SYN with a malformed option is accepted: the options before it count, the rest are ignored",
          "[rfc9293][options][malformed]") {
    struct malformed {
        const char* what;
        tcp::option_list options;
        std::uint16_t mss; // the send MSS it leaves
    };
    const malformed m = GENERATE(values<malformed>({
        {"MSS 1000, then a window scale of length 0", options({2, 4, 0x03, 0xe8, 3, 0}), 1000},
        {"MSS 1000, then an option running past the option space", options({2, 4, 0x03, 0xe8, 30, 12}), 1000},
        {"MSS of length 3", options({2, 3, 5, 0}), 536},
        {"an unknown option of length 1", options({30, 1, 2, 4, 0x03, 0xe8}), 536},
        {"timestamps of length 8", options({8, 8, 0, 0, 0, 1, 0, 0}), 536},
    }));
    INFO(m.what);
    peer p;
    p.to_listen();
    p.send(segment(ctl::syn, peer_iss).with_options(m.options));
    CHECK(p.recv_header() == header{ctl::syn_ack, our_iss, peer_iss + 1});
    CHECK(p.silent());
    CHECK(p.state() == state::syn_received);
    CHECK(p.tcb().snd_mss == m.mss);
    CHECK(p.connection().counters().dropped_malformed == 0);
}

TEST_CASE("RFC 9293 3.1: a segment with a data offset below 5, or beyond its end, is dropped without a reply and counted",
          "[rfc9293][malformed]") {
    const state s = GENERATE(state::listen, state::syn_sent, state::established, state::time_wait);
    const int words = GENERATE(0, 4, 15);
    INFO(tcp::to_string(s) << ", data offset " << words);
    peer p;
    p.go_to(s);
    const tcp::flag_set flags = s == state::listen ? ctl::syn : ctl::ack;
    auto frame = p.build(segment(flags, p.rcv_nxt, p.snd_nxt).with_payload("hello"));
    frame[12] = static_cast<std::uint8_t>(words << 4);
    p.send_raw(frame);
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.connection().counters().dropped_malformed == 1);
    CHECK(p.connection().readable() == 0);
}

TEST_CASE("RFC 9293 3.1: a segment shorter than the 20-byte header is dropped without a reply and counted", "[rfc9293][malformed]") {
    peer p;
    p.to_established();
    auto frame = p.build(segment(ctl::ack, p.rcv_nxt, p.snd_nxt));
    frame.resize(19);
    p.send_raw(frame);
    CHECK(p.silent());
    CHECK(p.connection().counters().dropped_malformed == 1);
}

TEST_CASE("RFC 9293 3.1 (MUST-3): a segment with a wrong checksum is dropped without a reply and counted", "[rfc9293][malformed]") {
    const state s = GENERATE(state::closed, state::listen, state::syn_sent, state::established, state::fin_wait_2);
    INFO(tcp::to_string(s));
    peer p;
    p.go_to(s);
    const tcp::flag_set flags = s == state::listen ? ctl::syn : s == state::syn_sent ? ctl::syn_ack : ctl::ack;
    auto frame = p.build(segment(flags, p.rcv_nxt, p.snd_nxt).with_payload("hello"));
    frame[16] ^= 0x01;
    p.send_raw(frame);
    CHECK(p.silent());
    CHECK(p.state() == s);
    CHECK(p.connection().counters().dropped_malformed == 1);
    CHECK(p.connection().readable() == 0);
}
