#pragma once
/// \file
/// The test double of the RFC 9293 conformance tests, in the manner of smoltcp's socket
/// tests: a `peer` owns a memory pair and a manual clock, runs the connection under test
/// on endpoint A, and plays the remote TCP by hand on endpoint B. A test puts the
/// connection in a state through real segments, `send`s it one hand-made segment, and
/// checks the exact reply (`recv`) and the new state.
///
/// Numbers: the connection under test has ISS 1234567 (`our_iss`), the hand-played
/// remote 7654321 (`peer_iss`): the textbook handshake of synack's demo. The peer's SYN
/// carries no options unless a test gives some, so windows are not scaled, timestamps
/// are off, and the connection's send MSS is RFC 9293's default of 536.
#include "support/catch.hpp"

#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/segment.hpp>
#include <synack/transport/memory.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace synack::test {

using namespace std::chrono_literals;

/// ISS of the connection under test.
inline constexpr std::uint32_t our_iss = 1234567;
/// ISN of the hand-played remote TCP.
inline constexpr std::uint32_t peer_iss = 7654321;
/// The connection's address, and the remote's (bare segments carry no addresses; these
/// name the connection's 4-tuple).
inline const tcp::ip_address our_address = tcp::ip_address::parse("10.0.0.1").value();
inline const tcp::ip_address peer_address = tcp::ip_address::parse("10.0.0.2").value();
/// Ports: the connection's port is `our_port` when it opens, `server_port` when it listens.
inline constexpr std::uint16_t our_port = 40000;
inline constexpr std::uint16_t server_port = 80;
inline constexpr std::uint16_t peer_client_port = 50000;

/// Control bits as RFC 9293 writes them in <CTL=...>.
namespace ctl {
inline constexpr tcp::flag_set none{};
inline constexpr tcp::flag_set syn{tcp::flag::syn};
inline constexpr tcp::flag_set ack{tcp::flag::ack};
inline constexpr tcp::flag_set fin{tcp::flag::fin};
inline constexpr tcp::flag_set rst{tcp::flag::rst};
inline constexpr tcp::flag_set psh{tcp::flag::psh};
inline constexpr tcp::flag_set syn_ack = syn | ack;
inline constexpr tcp::flag_set fin_ack = fin | ack;
inline constexpr tcp::flag_set rst_ack = rst | ack;
} // namespace ctl

/// Bytes of a string, for payloads.
inline std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

/// `n` bytes of a recognisable pattern starting at `first`.
inline std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t first = 0) {
    std::vector<std::uint8_t> b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(first + i);
    return b;
}

/// A segment the hand-played remote sends: <SEQ><ACK><CTL>, window, options and text.
struct outgoing {
    tcp::flag_set flags{};
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint16_t window = 65535;
    std::vector<std::uint8_t> payload{};
    tcp::option_list options{};

    outgoing with_payload(std::vector<std::uint8_t> p) const {
        outgoing o = *this;
        o.payload = std::move(p);
        return o;
    }
    outgoing with_payload(std::string_view text) const { return with_payload(bytes_of(text)); }
    outgoing with_window(std::uint16_t w) const {
        outgoing o = *this;
        o.window = w;
        return o;
    }
    outgoing with_options(const tcp::option_list& list) const {
        outgoing o = *this;
        o.options = list;
        return o;
    }
};

/// <SEQ=seq><ACK=ack><CTL=flags>.
inline outgoing segment(tcp::flag_set flags, std::uint32_t seq, std::uint32_t ack = 0) {
    outgoing o;
    o.flags = flags;
    o.seq = seq;
    o.ack = ack;
    return o;
}

/// What identifies a reply in RFC 9293's notation: <SEQ><ACK><CTL>. Two headers are equal
/// when their control bits are (PSH aside: when to push is the sender's choice, RFC 9293
/// 3.9.1), their sequence numbers are, and, when ACK is set, their acknowledgment numbers are.
struct header {
    tcp::flag_set flags{};
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;

    friend bool operator==(const header& a, const header& b) {
        const tcp::flag_set fa = a.flags.without(ctl::psh), fb = b.flags.without(ctl::psh);
        return fa == fb && a.seq == b.seq && (!fa.has(tcp::flag::ack) || a.ack == b.ack);
    }
};

/// One segment the connection sent, as the remote parsed it.
struct reply {
    tcp::flag_set flags{};
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint16_t window = 0;
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::vector<std::uint8_t> payload{};
    std::vector<std::uint8_t> option_bytes{};
    tcp::option_summary options{};
    bool checksum_ok = false;

    header head() const { return {flags, seq, ack}; }
    std::uint32_t length() const {
        return static_cast<std::uint32_t>(payload.size()) + (flags.has(tcp::flag::syn) ? 1u : 0u) +
               (flags.has(tcp::flag::fin) ? 1u : 0u);
    }
};

inline std::string to_string(const header& h) {
    std::ostringstream out;
    out << "<SEQ=" << h.seq << ">";
    if (h.flags.has(tcp::flag::ack)) out << "<ACK=" << h.ack << ">";
    out << "<CTL=";
    const char* names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    const tcp::flag all[] = {tcp::flag::fin, tcp::flag::syn, tcp::flag::rst, tcp::flag::psh,
                             tcp::flag::ack, tcp::flag::urg, tcp::flag::ece, tcp::flag::cwr};
    bool first = true;
    // As RFC 9293 writes them: SYN, FIN or RST first, then ACK, then the rest.
    for (int i : {1, 0, 2, 4, 3, 5, 6, 7}) {
        if (!h.flags.has(all[i])) continue;
        out << (first ? "" : ",") << names[i];
        first = false;
    }
    out << ">";
    return out.str();
}

/// The hand-played remote TCP and the connection under test (see the file comment).
/// `SendBuffer` and `ReceiveBuffer` are the connection's buffer sizes.
template <std::size_t SendBuffer = 16384, std::size_t ReceiveBuffer = 16384>
class basic_peer {
public:
    using wire_type = transport::memory_pair<64, 1600>;
    using connection_type =
        tcp::connection<wire_type::endpoint, core::manual_clock, tcp::fixed_isn, SendBuffer, ReceiveBuffer>;

    explicit basic_peer(tcp::connection_config config = {})
        : config_{config}, isn_{tcp::seq_number{our_iss}}, connection_{wire_.a(), clock_, isn_, config} {}
    basic_peer(const basic_peer&) = delete;
    basic_peer& operator=(const basic_peer&) = delete;

    /// The connection under test.
    connection_type& connection() noexcept { return connection_; }
    const connection_type& connection() const noexcept { return connection_; }
    tcp::state state() const noexcept { return connection_.state(); }
    const tcp::tcb& tcb() const noexcept { return connection_.control_block(); }
    core::manual_clock& clock() noexcept { return clock_; }
    wire_type& wire() noexcept { return wire_; }

    // ---- what the remote knows of the connection's sequence space ----
    /// The connection's SND.NXT: the next sequence number it will send.
    std::uint32_t snd_nxt = our_iss + 1;
    /// The connection's RCV.NXT: the next sequence number the remote sends.
    std::uint32_t rcv_nxt = peer_iss + 1;
    /// The window in the connection's latest segment, as sent (unscaled).
    std::uint16_t advertised_window = 0;
    /// The port the remote uses, and the connection's port.
    std::uint16_t remote_port = server_port;
    std::uint16_t local_port = our_port;

    // ---- the remote's side ----
    /// Serialises `s` (ports filled in, checksum over the bare pseudo-header), sends it to
    /// the connection, and lets the connection take it.
    void send(const outgoing& s) {
        const auto frame = build(s);
        send_raw(frame);
    }
    /// The bytes of `s` as `send` would put them on the wire.
    std::vector<std::uint8_t> build(const outgoing& s) const {
        tcp::segment seg{};
        seg.source_port = remote_port;
        seg.destination_port = local_port;
        seg.seq = tcp::seq_number{s.seq};
        seg.ack = tcp::seq_number{s.ack};
        seg.flags = s.flags;
        seg.window = s.window;
        seg.options = s.options;
        seg.payload = s.payload;
        std::vector<std::uint8_t> frame(seg.size());
        const auto written = tcp::serialize(seg, frame, tcp::detail::bare_pseudo_header);
        REQUIRE(written.has_value());
        return frame;
    }
    /// Sends `frame` exactly as given, and lets the connection take it.
    void send_raw(std::span<const std::uint8_t> frame) {
        auto b = wire_.b();
        REQUIRE(core::transmit_copy(b, frame).has_value());
        connection_.poll();
    }

    /// The next segment the connection sent, or nullopt when it sent none.
    std::optional<reply> recv() {
        std::optional<reply> r;
        auto b = wire_.b();
        b.receive([&](std::span<const std::uint8_t> frame) {
            const auto v = tcp::parse(frame);
            REQUIRE(v.has_value());
            reply out;
            out.flags = v->flags();
            out.seq = v->seq().raw();
            out.ack = v->ack().raw();
            out.window = v->window();
            out.source_port = v->source_port();
            out.destination_port = v->destination_port();
            out.payload.assign(v->payload().begin(), v->payload().end());
            out.option_bytes.assign(v->options().bytes().begin(), v->options().bytes().end());
            out.options = v->summary();
            out.checksum_ok = v->checksum_ok(tcp::detail::bare_pseudo_header);
            r = std::move(out);
        });
        if (r) advertised_window = r->window;
        return r;
    }
    /// The header of the next segment the connection sent, or nullopt.
    std::optional<header> recv_header() {
        const auto r = recv();
        if (!r) return std::nullopt;
        return r->head();
    }
    /// Every segment the connection sent so far, in order.
    std::vector<reply> drain() {
        std::vector<reply> all;
        while (auto r = recv()) all.push_back(std::move(*r));
        return all;
    }
    /// True when the connection sent nothing that the remote has not taken yet.
    bool silent() noexcept { return wire_.b().pending() == 0; }

    /// Moves virtual time forward by `d` and runs the connection's timers.
    void advance(core::duration d) {
        REQUIRE(clock_.advance(d).has_value());
        connection_.on_time();
    }

    /// User calls, with their effects checked by the caller.
    std::size_t user_send(std::string_view text) {
        const auto b = bytes_of(text);
        return connection_.send(b);
    }
    std::size_t user_send(const std::vector<std::uint8_t>& b) { return connection_.send(b); }
    /// RECEIVE of everything the connection has for the user.
    std::vector<std::uint8_t> user_receive() {
        std::vector<std::uint8_t> out(ReceiveBuffer + 1);
        const std::size_t n = connection_.receive(out);
        out.resize(n);
        return out;
    }

    // ---- the states, reached through real segments ----
    /// LISTEN on our_address:80 (passive OPEN).
    void to_listen() {
        local_port = server_port;
        remote_port = peer_client_port;
        REQUIRE(connection_.listen({our_address, server_port}) == tcp::call_error::none);
        REQUIRE(state() == tcp::state::listen);
        REQUIRE(silent());
    }
    /// SYN-SENT: active OPEN to peer_address:80; the SYN <SEQ=ISS><CTL=SYN> is taken.
    void to_syn_sent() {
        local_port = our_port;
        remote_port = server_port;
        REQUIRE(connection_.open({our_address, our_port}, {peer_address, server_port}) == tcp::call_error::none);
        REQUIRE(state() == tcp::state::syn_sent);
        const auto syn = recv();
        REQUIRE(syn);
        REQUIRE(syn->head() == header{ctl::syn, our_iss, 0});
        REQUIRE(silent());
    }
    /// SYN-RECEIVED by a passive OPEN: LISTEN, the remote's SYN in, the SYN,ACK taken.
    void to_syn_received(const tcp::option_list& syn_options = {}) {
        to_listen();
        send(segment(ctl::syn, peer_iss).with_options(syn_options));
        REQUIRE(state() == tcp::state::syn_received);
        const auto synack = recv();
        REQUIRE(synack);
        REQUIRE(synack->head() == header{ctl::syn_ack, our_iss, peer_iss + 1});
        REQUIRE(silent());
    }
    /// SYN-RECEIVED by a simultaneous open: our SYN out, the remote's SYN in, SYN,ACK out.
    void to_syn_received_simultaneous() {
        to_syn_sent();
        send(segment(ctl::syn, peer_iss));
        REQUIRE(state() == tcp::state::syn_received);
        const auto synack = recv();
        REQUIRE(synack);
        REQUIRE(synack->head() == header{ctl::syn_ack, our_iss, peer_iss + 1});
        REQUIRE(silent());
    }
    /// ESTABLISHED by an active OPEN: SYN out, SYN,ACK in, ACK out (the textbook handshake).
    void to_established(const tcp::option_list& synack_options = {}, std::uint16_t synack_window = 65535) {
        to_syn_sent();
        send(segment(ctl::syn_ack, peer_iss, our_iss + 1).with_options(synack_options).with_window(synack_window));
        REQUIRE(state() == tcp::state::established);
        const auto a = recv();
        REQUIRE(a);
        REQUIRE(a->head() == header{ctl::ack, our_iss + 1, peer_iss + 1});
        REQUIRE(silent());
    }
    /// ESTABLISHED by a passive OPEN: SYN in, SYN,ACK out, ACK in.
    void to_established_passive(const tcp::option_list& syn_options = {}) {
        to_syn_received(syn_options);
        send(segment(ctl::ack, peer_iss + 1, our_iss + 1));
        REQUIRE(state() == tcp::state::established);
        REQUIRE(silent());
    }
    /// FIN-WAIT-1: CLOSE in ESTABLISHED; the FIN <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK> is taken.
    void to_fin_wait_1() {
        to_established();
        REQUIRE(connection_.close() == tcp::call_error::none);
        REQUIRE(state() == tcp::state::fin_wait_1);
        const auto f = recv();
        REQUIRE(f);
        REQUIRE(f->head() == header{ctl::fin_ack, snd_nxt, rcv_nxt});
        REQUIRE(silent());
        snd_nxt += 1;
    }
    /// FIN-WAIT-2: the remote acknowledges our FIN.
    void to_fin_wait_2() {
        to_fin_wait_1();
        send(segment(ctl::ack, rcv_nxt, snd_nxt));
        REQUIRE(state() == tcp::state::fin_wait_2);
        REQUIRE(silent());
    }
    /// TIME-WAIT: the remote's FIN in FIN-WAIT-2, acknowledged.
    void to_time_wait() {
        to_fin_wait_2();
        send(segment(ctl::fin_ack, rcv_nxt, snd_nxt));
        rcv_nxt += 1;
        REQUIRE(state() == tcp::state::time_wait);
        REQUIRE(recv_header() == header{ctl::ack, snd_nxt, rcv_nxt});
        REQUIRE(silent());
    }
    /// CLOSE-WAIT: the remote's FIN in ESTABLISHED, acknowledged.
    void to_close_wait() {
        to_established();
        send(segment(ctl::fin_ack, rcv_nxt, snd_nxt));
        rcv_nxt += 1;
        REQUIRE(state() == tcp::state::close_wait);
        REQUIRE(recv_header() == header{ctl::ack, snd_nxt, rcv_nxt});
        REQUIRE(silent());
    }
    /// LAST-ACK: CLOSE in CLOSE-WAIT; our FIN taken.
    void to_last_ack() {
        to_close_wait();
        REQUIRE(connection_.close() == tcp::call_error::none);
        REQUIRE(state() == tcp::state::last_ack);
        REQUIRE(recv_header() == header{ctl::fin_ack, snd_nxt, rcv_nxt});
        REQUIRE(silent());
        snd_nxt += 1;
    }
    /// CLOSING: simultaneous close, the remote's FIN (not acknowledging ours) in FIN-WAIT-1.
    void to_closing() {
        to_fin_wait_1();
        send(segment(ctl::fin_ack, rcv_nxt, snd_nxt - 1));
        rcv_nxt += 1;
        REQUIRE(state() == tcp::state::closing);
        REQUIRE(recv_header() == header{ctl::ack, snd_nxt, rcv_nxt});
        REQUIRE(silent());
    }
    /// CLOSED after a whole lifecycle: TIME-WAIT's 2 MSL ran out.
    void to_closed_after_time_wait() {
        to_time_wait();
        advance(2 * config_.msl);
        REQUIRE(state() == tcp::state::closed);
        REQUIRE(silent());
    }
    /// CLOSED after a passive OPEN and a CLOSE: the connection knows its port, has no peer.
    void to_closed_after_listen() {
        to_listen();
        REQUIRE(connection_.close() == tcp::call_error::none);
        REQUIRE(state() == tcp::state::closed);
        REQUIRE(silent());
    }

    /// Any of the eleven states (ESTABLISHED by an active OPEN, SYN-RECEIVED by a passive one).
    void go_to(tcp::state s) {
        switch (s) {
        case tcp::state::closed: to_closed_after_listen(); break;
        case tcp::state::listen: to_listen(); break;
        case tcp::state::syn_sent: to_syn_sent(); break;
        case tcp::state::syn_received: to_syn_received(); break;
        case tcp::state::established: to_established(); break;
        case tcp::state::fin_wait_1: to_fin_wait_1(); break;
        case tcp::state::fin_wait_2: to_fin_wait_2(); break;
        case tcp::state::close_wait: to_close_wait(); break;
        case tcp::state::closing: to_closing(); break;
        case tcp::state::last_ack: to_last_ack(); break;
        case tcp::state::time_wait: to_time_wait(); break;
        }
        REQUIRE(state() == s);
    }

private:
    tcp::connection_config config_;
    core::manual_clock clock_{};
    wire_type wire_{};
    tcp::fixed_isn isn_;
    connection_type connection_;
};

/// The peer most tests use: 16 KiB buffers.
using peer = basic_peer<>;

/// The synchronized states of RFC 9293 3.10.7.4 (SYN-RECEIVED aside: it has rules of its own).
inline constexpr tcp::state synchronized_states[] = {
    tcp::state::established, tcp::state::fin_wait_1, tcp::state::fin_wait_2, tcp::state::close_wait,
    tcp::state::closing,     tcp::state::last_ack,   tcp::state::time_wait,
};

} // namespace synack::test

namespace Catch {
template <>
struct StringMaker<synack::test::header> {
    static std::string convert(const synack::test::header& h) { return synack::test::to_string(h); }
};
template <>
struct StringMaker<std::optional<synack::test::header>> {
    static std::string convert(const std::optional<synack::test::header>& h) {
        return h ? synack::test::to_string(*h) : std::string{"nothing"};
    }
};
template <>
struct StringMaker<synack::tcp::state> {
    static std::string convert(synack::tcp::state s) { return std::string{synack::tcp::to_string(s)}; }
};
template <>
struct StringMaker<synack::tcp::call_error> {
    static std::string convert(synack::tcp::call_error e) {
        constexpr const char* names[] = {"none", "does_not_exist", "already_exists", "closing", "foreign_unspecified"};
        const auto i = static_cast<std::size_t>(e);
        return i < 5 ? names[i] : "?";
    }
};
template <>
struct StringMaker<synack::tcp::close_reason> {
    static std::string convert(synack::tcp::close_reason r) { return std::string{synack::tcp::to_string(r)}; }
};
} // namespace Catch
