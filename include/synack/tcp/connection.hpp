#pragma once
/// \file
/// A TCP connection: the RFC 9293 table (table.hpp) run by synack's engine over a
/// transport, a clock and an ISN policy, all template parameters.
///
/// ```
/// core::manual_clock clock;
/// transport::memory_pair<> wire{clock};
/// tcp::fixed_isn isn{tcp::seq_number{1234567}};
/// tcp::connection a{wire.a(), clock, isn};
/// a.open({local, 40000}, {remote, 80});   // SYN out
/// a.poll();                               // segments in, timers
/// ```
///
/// Arriving segments are classified (RFC 9293 3.10.7: the sequence test, then RST, SYN,
/// ACK, text and FIN in that order, with RFC 5961's rules for RST, SYN and ACK) into one
/// event of the table; the table's row for (state, event) runs its action and moves
/// the state. What a connection holds without its buffers, the `tcb`, is at most 128 bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "synack/core/clock.hpp"
#include "synack/core/machine.hpp"
#include "synack/core/transport.hpp"
#include "synack/tcp/config.hpp"
#include "synack/tcp/detail/byte_ring.hpp"
#include "synack/tcp/endpoint.hpp"
#include "synack/tcp/ip.hpp"
#include "synack/tcp/isn.hpp"
#include "synack/tcp/options.hpp"
#include "synack/tcp/segment.hpp"
#include "synack/tcp/sequence.hpp"
#include "synack/tcp/state.hpp"
#include "synack/tcp/table.hpp"

namespace synack::tcp {

/// Why a user call was refused (RFC 9293 3.10: the error strings of each call).
enum class call_error : std::uint8_t {
    none,                ///< the call was accepted
    does_not_exist,      ///< "connection does not exist": the connection is CLOSED
    already_exists,      ///< "connection already exists": OPEN on an open connection
    closing,             ///< "connection closing": SEND or CLOSE after our CLOSE
    foreign_unspecified, ///< "foreign socket unspecified": SEND in LISTEN
};

/// Counters a user or test can look at.
struct connection_counters {
    std::uint32_t segments_sent = 0;
    std::uint32_t segments_received = 0; ///< arrivals for this connection that parsed
    std::uint32_t dropped_malformed = 0; ///< frames that did not parse, or failed the checksum
    std::uint32_t retransmissions = 0;
    std::uint32_t challenge_acks = 0;    ///< challenge ACKs sent (RFC 5961)
    std::uint32_t challenge_acks_throttled = 0; ///< challenge ACKs not sent: the per-connection limit (RFC 5961 7)
    std::uint32_t resets_sent = 0;
};

/// The connection's variables of RFC 9293 3.3.1 and the negotiated options: everything
/// a connection is, without its data buffers.
struct tcb {
    endpoint local{}, remote{};  ///< the 4-tuple
    seq_number iss{}, irs{};     ///< initial send and receive sequence numbers
    seq_number snd_una{}, snd_nxt{}, snd_wl1{}, snd_wl2{}; ///< send sequence space
    seq_number rcv_nxt{};        ///< receive sequence space: next expected
    std::uint32_t snd_wnd = 0;   ///< send window, scaled
    std::uint32_t max_snd_wnd = 0; ///< largest window the peer offered (RFC 5961 5.2)
    std::uint32_t ts_recent = 0; ///< TS.Recent (RFC 7323 4.3)
    std::uint32_t rto_ms = 0;    ///< current retransmission timeout (RFC 6298), backed off
    core::deadline retransmit_at{}; ///< retransmission timer
    core::deadline state_timer{};   ///< TIME-WAIT's 2 MSL, or the user timeout
    std::int64_t last_challenge_ms = -1; ///< when the last challenge ACK left (RFC 5961 7), -1: never
    std::uint16_t snd_mss = default_mss_ipv4; ///< the peer's MSS, bounded by ours
    std::uint8_t snd_wscale = 0; ///< shift of the windows the peer sends (RFC 7323 2.3)
    std::uint8_t rcv_wscale = 0; ///< shift of the windows we send
    std::uint8_t retries = 0;    ///< retransmissions of the current segment
    bool passive = false;        ///< opened by a passive OPEN (RST in SYN-RECEIVED returns to LISTEN)
    bool ts_ok = false;          ///< both SYNs carried timestamps
    bool sack_ok = false;        ///< both SYNs carried SACK-permitted
    bool ws_ok = false;          ///< both SYNs carried window scale (RFC 7323 2.2)
    bool fin_queued = false;     ///< the user closed: a FIN follows the queued data
    bool fin_sent = false;       ///< our FIN has a sequence number (SND.NXT counts it)
    bool fin_received = false;   ///< the peer's FIN was accepted (RCV.NXT counts it)
    bool ack_pending = false;    ///< an ACK is owed to the peer
    close_reason reason = close_reason::none;
    call_error last_error = call_error::none;
};

namespace detail {

/// The pseudo-header of a bare segment's checksum (a transport of `frame_medium::tcp_segment`
/// carries no IP header, and a listener does not know its peer's address before the SYN):
/// IPv4 with both addresses unspecified. The checksum still covers every byte of the segment.
inline constexpr ipv4_pseudo_header bare_pseudo_header{};

/// What connections share: the transport, the clock, the ISN policy, the settings and the
/// counters. A lone connection has its own; a listener's connections share one, so each
/// costs only its TCB, its state and its buffers.
template <class Transport, class Clock, class Isn>
struct connection_environment {
    Transport transport;
    const Clock* clock = nullptr;
    Isn* isn = nullptr;
    connection_config config{};
    connection_counters counters{};
    ip_address listen_address{};          // a passive open's local address, restored on its return to LISTEN
    std::optional<endpoint> reply_to{};   // where a reply to a segment for no connection goes (transient)
};

template <class Transport, class Clock, class Isn, std::size_t SendBuffer, std::size_t ReceiveBuffer>
class connection_core {
public:
    using environment = connection_environment<Transport, Clock, Isn>;

    constexpr connection_core() = default;
    constexpr explicit connection_core(environment* env) noexcept : env_{env} {}

    // ---- what the table's guards ask ----
    constexpr bool retries_left() const noexcept {
        const std::uint8_t limit = state_ == state::syn_sent       ? env_->config.syn_retries
                                   : state_ == state::syn_received ? env_->config.synack_retries
                                                                   : env_->config.data_retries;
        return tcb_.retries < limit;
    }
    constexpr bool opened_passively() const noexcept { return tcb_.passive; }
    constexpr bool has_unread_data() const noexcept { return !received_.empty(); }
    constexpr bool has_unsent_data() const noexcept { return unsent_bytes() > 0; }
    constexpr bool remote_known() const noexcept { return tcb_.remote.port != 0; }
    /// RFC 9293 3.10.7.4: a SYN in SYN-RECEIVED with the sequence number of the first one
    /// is its retransmission (our SYN,ACK was lost): Linux answers it with the SYN,ACK again.
    constexpr bool is_retransmitted_syn(const arrival& a) const noexcept { return a.segment.seq() == tcb_.irs; }
    /// RFC 1337 4.2 leaves it to a policy; Linux's default lets a RST end TIME-WAIT.
    constexpr bool rst_ends_time_wait() const noexcept { return !env_->config.ignore_rst_in_time_wait; }

    // ---- actions on user calls ----
    constexpr void on_listen() noexcept {
        tcb_.passive = true;
        tcb_.reason = close_reason::none;
    }
    /// RFC 9293 3.10.1: select an ISS, send <SEQ=ISS><CTL=SYN>, SND.UNA = ISS, SND.NXT = ISS+1.
    constexpr void send_syn() {
        tcb_.reason = close_reason::none;
        choose_iss();
        tcb_.rto_ms = ms(env_->config.initial_rto);
        emit(flag::syn, tcb_.iss, seq_number{}, {});
        start_retransmit_timers();
    }
    constexpr void transmit_pending() { flush(); }
    /// RFC 9293 3.10.4: the FIN goes after the queued data.
    constexpr void close_sending() {
        tcb_.fin_queued = true;
        flush();
    }
    /// RFC 9293 3.10.5 (and 3.6, SHLD-3: CLOSE with unread data): <SEQ=SND.NXT><CTL=RST>.
    constexpr void abort_with_reset() {
        emit_reset(tcb_.snd_nxt, seq_number{}, false);
        end(close_reason::aborted);
    }
    constexpr void forget() { end(state_ == state::listen ? close_reason::normal : close_reason::aborted); }
    constexpr void refuse_call() noexcept {
        tcb_.last_error = state_ == state::closed   ? call_error::does_not_exist
                          : state_ == state::listen ? (pending_call_ == event::send ? call_error::foreign_unspecified
                                                                                     : call_error::already_exists)
                          : (pending_call_ == event::open_active || pending_call_ == event::open_passive)
                              ? call_error::already_exists
                              : call_error::closing;
    }

    // ---- actions on arriving segments ----
    /// RFC 9293 3.10.7.1/2/3: the reset that answers a segment for no connection, or an
    /// unacceptable ACK: <SEQ=SEG.ACK><CTL=RST>, or <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    constexpr void reply_reset(const arrival& a) {
        const auto& s = a.segment;
        if (s.flags().has(flag::rst)) return; // never answer a reset
        env_->reply_to = a.source;
        if (s.flags().has(flag::ack)) emit_reset(s.ack(), seq_number{}, false);
        else emit_reset(seq_number{}, s.seq() + s.length(), true);
        env_->reply_to.reset();
    }
    /// RFC 9293 3.10.7.2, third: a SYN in LISTEN.
    constexpr void accept_syn(const arrival& a) {
        tcb_.remote = a.source;
        tcb_.local.address = a.destination.address;
        take_syn(a);
        choose_iss();
        tcb_.rto_ms = ms(env_->config.initial_rto);
        send_syn_ack();
        start_retransmit_timers();
    }
    /// RFC 9293 3.10.7.3, fourth: our SYN acknowledged by the peer's SYN,ACK.
    constexpr void complete_active_open(const arrival& a) {
        take_syn(a);
        tcb_.snd_una = a.segment.ack();
        update_window(a, true);
        opened();
        tcb_.ack_pending = true; // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, or carried by data
    }
    /// RFC 9293 3.10.7.3, fourth: a SYN without ACK crossed ours (simultaneous open):
    /// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
    constexpr void simultaneous_open(const arrival& a) {
        take_syn(a);
        send_syn_ack();
    }
    /// RFC 9293 3.10.7.4, fifth: the ACK of our SYN,ACK.
    constexpr void establish(const arrival& a) {
        tcb_.snd_una = a.segment.ack();
        update_window(a, false);
        opened();
        receive_text(a, true);
    }
    /// Simultaneous open: the peer's SYN,ACK (SEG.SEQ = IRS, SEG.ACK = SND.NXT) crossed ours.
    /// Linux establishes on it (tcp_validate_incoming lets it pass), and so do we.
    constexpr void establish_crossing(const arrival& a) {
        tcb_.snd_una = a.segment.ack();
        update_window(a, true);
        opened();
        tcb_.ack_pending = true;
    }
    constexpr void resend_syn_ack() { send_syn_ack(); }
    /// RFC 9293 3.10.7.4 first check: an unacceptable segment gets <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
    /// Those occupying sequence space (data or FIN) always do; pure ACKs share the
    /// challenge-ACK limit, as Linux's tcp_oow_rate_limited (it breaks ACK loops).
    constexpr void ack_unacceptable(const arrival& a) {
        if (a.segment.length() > 0 && !a.segment.flags().has(flag::syn)) send_ack();
        else challenge_ack();
    }
    /// RFC 5961 3.2, 4.2, 5.2 and RFC 9293 3.10.7.4 first check: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>,
    /// never numbers from the segment, at most one per `challenge_ack_interval` (RFC 5961 7,
    /// per connection as Linux's tcp_invalid_ratelimit: a global limit is CVE-2016-5696).
    constexpr void challenge_ack() {
        const std::int64_t now = now_ms();
        const std::int64_t interval = ms(env_->config.challenge_ack_interval);
        if (tcb_.last_challenge_ms >= 0 && now - tcb_.last_challenge_ms < interval) {
            ++env_->counters.challenge_acks_throttled;
            return;
        }
        tcb_.last_challenge_ms = now;
        ++env_->counters.challenge_acks;
        send_ack();
    }
    constexpr void back_to_listen() {
        // RFC 9293 3.10.7.4, second: a passive open reset in SYN-RECEIVED returns to LISTEN.
        const endpoint local = tcb_.local;
        const config_state keep{tcb_.passive};
        tcb_ = {};
        tcb_.local = local;
        tcb_.local.address = env_->listen_address;
        tcb_.passive = keep.passive;
        sent_.clear();
        received_.clear();
    }
    /// RFC 9293 3.10.7.4, fifth to seventh: the ACK field, then the segment text.
    constexpr void process_ack_and_text(const arrival& a) {
        const auto& s = a.segment;
        const seq_number ack = s.ack();
        if (tcb_.snd_una < ack && ack <= tcb_.snd_nxt) {
            acknowledge(ack);
        }
        const bool was_closed = tcb_.snd_wnd == 0;
        update_window(a, false);
        if (was_closed && tcb_.snd_wnd > 0 && tcb_.snd_una == tcb_.snd_nxt) {
            // The window opened: probing is over, and its backoff does not carry over to
            // the data (Linux's tcp_ack_probe resets it the same way).
            tcb_.retries = 0;
            tcb_.rto_ms = ms(env_->config.initial_rto);
            tcb_.retransmit_at.disarm();
        }
        receive_text(a, can_receive_in(state_));
    }
    /// RFC 9293 3.10.7.4, eighth: the FIN (classification made sure it is in sequence).
    constexpr void receive_fin(const arrival&) noexcept {
        tcb_.rcv_nxt = tcb_.rcv_nxt + 1;
        tcb_.fin_received = true;
        tcb_.ack_pending = true;
    }
    constexpr void send_ack() {
        emit(flag::ack, tcb_.snd_nxt, tcb_.rcv_nxt, {});
    }
    /// RFC 9293 3.10.7.4, eighth (TIME-WAIT): start, or restart, the 2 MSL timer.
    constexpr void enter_time_wait() noexcept {
        tcb_.retransmit_at.disarm();
        tcb_.state_timer.arm(now(), 2 * env_->config.msl);
    }
    constexpr void end(close_reason reason) noexcept {
        tcb_.reason = reason;
        tcb_.retransmit_at.disarm();
        tcb_.state_timer.disarm();
        sent_.clear();
        if (reason != close_reason::normal) received_.clear();
    }

    // ---- actions on timeouts ----
    /// RFC 6298 5.4-5.6: retransmit the earliest unacknowledged segment, back the timer off.
    /// With nothing in flight and a zero send window, the same timer is the persist timer:
    /// a window probe goes out instead (RFC 9293 3.8.6.1).
    constexpr void retransmit() {
        ++tcb_.retries;
        tcb_.rto_ms = tcb_.rto_ms * 2 < ms(env_->config.max_rto) ? tcb_.rto_ms * 2 : ms(env_->config.max_rto);
        if (state_ == state::syn_sent) {
            ++env_->counters.retransmissions;
            emit(flag::syn, tcb_.iss, seq_number{}, {});
        } else if (state_ == state::syn_received) {
            ++env_->counters.retransmissions;
            send_syn_ack();
        } else if (tcb_.snd_una == tcb_.snd_nxt) {
            // A zero-window probe, as Linux's tcp_xmit_probe_skb: an ACK with SEG.SEQ = SND.UNA - 1,
            // outside the peer's window, which it must answer with an ACK showing its window.
            if (has_unsent_data()) emit(flag::ack, tcb_.snd_una - 1, tcb_.rcv_nxt, {});
        } else {
            // Go back to SND.UNA: at most a segment of what was sent (never past SND.NXT),
            // and the FIN if it was sent and fits.
            ++env_->counters.retransmissions;
            const std::size_t in_flight = sent_data_bytes();
            const std::size_t limit = in_flight < segment_payload_limit() ? in_flight : segment_payload_limit();
            std::array<std::uint8_t, max_segment_payload> buffer{};
            const std::size_t n = sent_.peek(0, std::span{buffer}.first(limit));
            flag_set f = flag::ack;
            if (n > 0) f |= flag::psh;
            if (tcb_.fin_sent && n == in_flight) f |= flag::fin;
            emit(f, tcb_.snd_una, tcb_.rcv_nxt, std::span<const std::uint8_t>{buffer}.first(n));
        }
        arm_retransmit();
    }

    // ---- arrivals ----
    /// RFC 9293 3.10.7: which event an arriving segment is, in the current state.
    constexpr event classify(const segment_view& s) const noexcept {
        const flag_set f = s.flags();
        const bool rst = f.has(flag::rst), syn = f.has(flag::syn), ack = f.has(flag::ack), fin = f.has(flag::fin);
        switch (state_) {
        case state::closed: return rst ? event::seg_ignored : event::seg_stray;
        case state::listen:
            if (rst) return event::seg_ignored;
            if (ack) return event::seg_bad_ack;
            return syn && !fin ? event::seg_syn : event::seg_ignored; // Linux drops SYN+FIN
        case state::syn_sent:
            // RFC 9293 3.10.7.3 first: an ACK must acknowledge our SYN and nothing more.
            if (ack && (s.ack() <= tcb_.iss || s.ack() > tcb_.snd_nxt)) return rst ? event::seg_ignored : event::seg_bad_ack;
            if (rst) return ack ? event::seg_rst : event::seg_ignored; // RFC 5961 3.2: only with the acceptable ACK
            if (syn && !fin) return ack ? event::seg_syn_ack : event::seg_syn;
            return event::seg_ignored;
        default: break;
        }
        // SYN-RECEIVED and the synchronized states (RFC 9293 3.10.7.4).
        if (state_ == state::syn_received && syn && !rst && !fin) {
            if (ack && s.seq() + 1 == tcb_.rcv_nxt && s.ack() == tcb_.snd_nxt && s.payload().empty())
                return event::seg_syn_ack; // the crossing SYN,ACK of a simultaneous open
            if (!ack && s.seq() == tcb_.irs) return event::seg_syn; // a retransmitted SYN
        }
        // First: the sequence test, with an allowance for a segment that starts at RCV.NXT
        // (data past the window is trimmed; a FIN on a zero window is taken, as Linux does).
        // (RFC 9293's "special allowance" for a zero window: a segment at RCV.NXT is taken for
        // its ACK, RST and FIN even when its text does not fit.)
        const bool acceptable = segment_acceptable(s.seq(), s.length(), tcb_.rcv_nxt, receive_window()) ||
                                s.seq() == tcb_.rcv_nxt;
        if (!acceptable) {
            if (rst) return event::seg_ignored; // RFC 9293 3.10.7.4: an unacceptable RST is dropped
            // TIME-WAIT: the retransmitted FIN (it ends at RCV.NXT).
            if (state_ == state::time_wait && fin && s.seq() + s.length() == tcb_.rcv_nxt) return event::seg_fin;
            return event::seg_unacceptable;
        }
        // Second: RST, exact or challenged (RFC 5961 3.2).
        if (rst) return s.seq() == tcb_.rcv_nxt ? event::seg_rst : event::seg_rst_in_window;
        // Fourth: SYN in a synchronized state gets a challenge ACK (RFC 5961 4.2).
        if (syn) return ack ? event::seg_syn_ack : event::seg_syn;
        // Fifth: no ACK, no processing.
        if (!ack) return event::seg_ignored;
        if (state_ == state::syn_received) {
            if (!(tcb_.snd_una < s.ack() && s.ack() <= tcb_.snd_nxt)) return event::seg_bad_ack;
        } else if (s.ack() > tcb_.snd_nxt || s.ack() < tcb_.snd_una - tcb_.max_snd_wnd) {
            return event::seg_bad_ack; // RFC 5961 5.2: outside SND.UNA - MAX.SND.WND .. SND.NXT
        }
        const bool all = s.ack() == tcb_.snd_nxt && unsent_bytes() == 0 && (!tcb_.fin_queued || tcb_.fin_sent);
        // Eighth: a FIN counts when the segment's text is all taken, up to the FIN.
        const bool in_sequence = s.seq() <= tcb_.rcv_nxt;
        const std::uint32_t new_bytes = static_cast<std::uint32_t>(s.payload().size()) - (in_sequence ? distance(s.seq(), tcb_.rcv_nxt) : 0);
        const bool fin_counts = fin && !tcb_.fin_received && in_sequence &&
                                distance(s.seq(), tcb_.rcv_nxt) <= s.payload().size() &&
                                (new_bytes == 0 || ((can_receive_in(state_) || state_ == state::syn_received) && new_bytes <= received_.free()));
        if (fin_counts) return all ? event::seg_fin_ack_all : event::seg_fin;
        return all ? event::seg_ack_all : event::seg_ack;
    }

    // ---- sending ----
    /// Sends what the windows allow, then the FIN if queued and due, then an owed ACK.
    constexpr void flush() {
        if (synchronized_for_data()) {
            while (true) {
                const std::size_t unsent = unsent_bytes();
                const std::uint32_t in_flight = distance(tcb_.snd_una, tcb_.snd_nxt);
                const std::uint32_t usable = tcb_.snd_wnd > in_flight ? tcb_.snd_wnd - in_flight : 0;
                std::size_t n = unsent < segment_payload_limit() ? unsent : segment_payload_limit();
                if (n > usable) n = usable;
                if (n == 0) break;
                std::array<std::uint8_t, max_segment_payload> buffer{};
                sent_.peek(sent_.size() - unsent, std::span{buffer}.first(n));
                const bool last = n == unsent;
                flag_set f = flag::ack;
                if (last) f |= flag::psh; // RFC 9293 3.9.1: PSH on the last segment of what the user sent
                const bool with_fin = last && tcb_.fin_queued && !tcb_.fin_sent;
                if (with_fin) f |= flag::fin;
                emit(f, tcb_.snd_nxt, tcb_.rcv_nxt, std::span<const std::uint8_t>{buffer}.first(n));
                tcb_.snd_nxt = tcb_.snd_nxt + static_cast<std::uint32_t>(n) + (with_fin ? 1u : 0u);
                if (with_fin) tcb_.fin_sent = true;
                if (!tcb_.retransmit_at.armed()) start_retransmit_timers();
            }
            // RFC 9293 3.8.6.1: data waits behind a zero window with nothing in flight: the
            // retransmission timer, now the persist timer, will probe the window.
            if (unsent_bytes() > 0 && tcb_.snd_una == tcb_.snd_nxt && !tcb_.retransmit_at.armed()) arm_retransmit();
            if (tcb_.fin_queued && !tcb_.fin_sent && unsent_bytes() == 0) {
                emit(flag::fin | flag::ack, tcb_.snd_nxt, tcb_.rcv_nxt, {});
                tcb_.snd_nxt = tcb_.snd_nxt + 1;
                tcb_.fin_sent = true;
                if (!tcb_.retransmit_at.armed()) start_retransmit_timers();
            }
        }
        if (tcb_.ack_pending) send_ack();
    }

    // ---- the user's side ----
    constexpr std::size_t queue(std::span<const std::uint8_t> bytes) noexcept { return sent_.push(bytes); }
    constexpr std::size_t read(std::span<std::uint8_t> out) {
        const std::uint32_t before = receive_window();
        const std::size_t n = received_.pop(out);
        // Tell the peer when the window opens from below one segment (RFC 9293 3.8.6.2.2, SWS avoidance).
        if (n > 0 && before < tcb_.snd_mss && receive_window() >= tcb_.snd_mss && synchronized_for_data()) send_ack();
        return n;
    }

    constexpr tcb& control_block() noexcept { return tcb_; }
    constexpr const tcb& control_block() const noexcept { return tcb_; }
    constexpr connection_counters& counters() noexcept { return env_->counters; }
    constexpr const connection_counters& counters() const noexcept { return env_->counters; }
    constexpr Transport& transport() noexcept { return env_->transport; }
    constexpr const connection_config& config() const noexcept { return env_->config; }
    constexpr environment* env() const noexcept { return env_; }
    constexpr void set_state(state s) noexcept { state_ = s; }
    constexpr void set_pending_call(event e) noexcept { pending_call_ = e; }
    constexpr std::size_t unread() const noexcept { return received_.size(); }
    constexpr std::size_t unacknowledged_or_unsent() const noexcept { return sent_.size(); }
    constexpr core::time_point now() const noexcept { return env_->clock->now(); }

    /// The receive window: free buffer space (the right edge never moves left, as data
    /// taken advances RCV.NXT by what it fills), at most 65535 << scale (RFC 7323 2.3).
    constexpr std::uint32_t receive_window() const noexcept {
        std::uint64_t limit = std::uint64_t{65535} << tcb_.rcv_wscale;
        if (env_->config.receive_window > 0 && env_->config.receive_window < limit) limit = env_->config.receive_window;
        const std::uint64_t free = received_.free();
        return static_cast<std::uint32_t>(free < limit ? free : limit);
    }

private:
    struct config_state { bool passive; };
    static constexpr std::size_t max_segment_payload = 1460;

    static constexpr std::uint32_t ms(std::chrono::milliseconds d) noexcept { return static_cast<std::uint32_t>(d.count()); }
    constexpr std::int64_t now_ms() const noexcept {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
    }
    constexpr bool synchronized_for_data() const noexcept {
        return state_ == state::established || state_ == state::close_wait || state_ == state::fin_wait_1 ||
               state_ == state::last_ack || state_ == state::closing || state_ == state::fin_wait_2 ||
               (state_ == state::syn_received && tcb_.snd_una != tcb_.iss) || (state_ == state::syn_sent && tcb_.snd_una != tcb_.iss);
    }
    /// The most data in one segment: the peer's MSS less the options every segment carries
    /// (RFC 9293 3.7.1, RFC 6691: the MSS counts data only when no options are sent; with
    /// timestamps agreed, 12 bytes less, as Linux's mss_cache).
    constexpr std::size_t segment_payload_limit() const noexcept {
        const std::size_t options = tcb_.ts_ok ? 12 : 0;
        const std::size_t mss = tcb_.snd_mss > options ? tcb_.snd_mss - options : 1;
        return mss < max_segment_payload ? mss : max_segment_payload;
    }
    /// Data bytes sent and not yet acknowledged (SND.NXT - SND.UNA without SYN and FIN).
    constexpr std::size_t sent_data_bytes() const noexcept {
        const seq_number first_data = tcb_.snd_una == tcb_.iss ? tcb_.iss + 1 : tcb_.snd_una;
        const std::uint32_t sent = tcb_.snd_nxt > first_data ? distance(first_data, tcb_.snd_nxt) - (tcb_.fin_sent ? 1u : 0u) : 0;
        return sent < sent_.size() ? sent : sent_.size();
    }
    /// Bytes queued by the user and not yet given a sequence number.
    constexpr std::size_t unsent_bytes() const noexcept {
        const seq_number first_data = tcb_.snd_una == tcb_.iss ? tcb_.iss + 1 : tcb_.snd_una;
        const std::uint32_t sent = tcb_.snd_nxt > first_data ? distance(first_data, tcb_.snd_nxt) - (tcb_.fin_sent ? 1u : 0u) : 0;
        return sent_.size() > sent ? sent_.size() - sent : 0;
    }
    constexpr void choose_iss() {
        const four_tuple t = make_four_tuple(tcb_.local, tcb_.remote);
        tcb_.iss = env_->isn->initial_sequence(t, now());
        tcb_.snd_una = tcb_.iss;
        tcb_.snd_nxt = tcb_.iss + 1;
    }
    /// Something new awaits its ACK: the retransmission timer (RFC 6298 5.1) and, when
    /// configured, the user timeout (RFC 9293 3.8.3: abort if it stays unacknowledged this long).
    constexpr void start_retransmit_timers() noexcept {
        arm_retransmit();
        if (env_->config.user_timeout.count() > 0 && !tcb_.state_timer.armed())
            tcb_.state_timer.arm(now(), env_->config.user_timeout);
    }
    constexpr void arm_retransmit() noexcept {
        tcb_.retransmit_at.arm(now(), std::chrono::milliseconds{tcb_.rto_ms});
    }
    constexpr void opened() noexcept {
        // RFC 6298 5.7: a SYN or SYN,ACK that timed out leaves the RTO at 3 s for the data.
        if (tcb_.retries > 0 && tcb_.rto_ms < ms(env_->config.rto_after_syn_timeout)) tcb_.rto_ms = ms(env_->config.rto_after_syn_timeout);
        else tcb_.rto_ms = ms(env_->config.initial_rto);
        tcb_.retries = 0;
        tcb_.retransmit_at.disarm();
        tcb_.state_timer.disarm(); // the user timeout of the handshake
    }
    /// RFC 9293 3.10.7.4, fifth: SND.UNA advances; acknowledged data leaves the buffer.
    constexpr void acknowledge(seq_number ack) noexcept {
        std::uint32_t acked = distance(tcb_.snd_una, ack);
        if (tcb_.snd_una == tcb_.iss) --acked; // our SYN
        if (tcb_.fin_sent && ack == tcb_.snd_nxt && acked > 0) --acked; // our FIN
        sent_.drop(acked);
        tcb_.snd_una = ack;
        tcb_.retries = 0;
        tcb_.rto_ms = tcb_.rto_ms > ms(env_->config.initial_rto) && sent_.empty() ? ms(env_->config.initial_rto) : tcb_.rto_ms;
        // RFC 6298 5.2 / 5.3: stop the timer when all is acknowledged, else restart it;
        // the user timeout measures how long nothing was acknowledged (RFC 9293 3.8.3).
        if (tcb_.snd_una == tcb_.snd_nxt) tcb_.retransmit_at.disarm();
        else arm_retransmit();
        if (state_ != state::time_wait) {
            tcb_.state_timer.disarm();
            if (tcb_.snd_una != tcb_.snd_nxt && env_->config.user_timeout.count() > 0) tcb_.state_timer.arm(now(), env_->config.user_timeout);
        }
    }
    /// RFC 9293 3.10.7.4, fifth: the send window, from the newest segment only.
    constexpr void update_window(const arrival& a, bool syn) noexcept {
        const auto& s = a.segment;
        if (!s.flags().has(flag::ack)) return;
        if (syn || tcb_.snd_wl1 < s.seq() || (tcb_.snd_wl1 == s.seq() && tcb_.snd_wl2 <= s.ack())) {
            // RFC 7323 2.2: the window of a SYN is never scaled.
            tcb_.snd_wnd = syn ? s.window() : std::uint32_t{s.window()} << tcb_.snd_wscale;
            tcb_.snd_wl1 = s.seq();
            tcb_.snd_wl2 = s.ack();
            if (tcb_.snd_wnd > tcb_.max_snd_wnd) tcb_.max_snd_wnd = tcb_.snd_wnd;
        }
    }
    /// RFC 9293 3.10.7.4, seventh: in-order text goes to the receive buffer and is
    /// acknowledged; text past RCV.NXT (reordered) is not kept, and gets a duplicate ACK.
    constexpr void receive_text(const arrival& a, bool accepting) {
        const auto& s = a.segment;
        const auto payload = s.payload();
        take_timestamp(a);
        if (s.seq() > tcb_.rcv_nxt && s.length() > 0) {
            tcb_.ack_pending = true; // out of order: a duplicate ACK (RFC 5681 4.2), the text is not kept
            return;
        }
        if (payload.empty() || !accepting) return;
        const std::uint32_t skip = distance(s.seq(), tcb_.rcv_nxt);
        if (skip >= payload.size()) {
            tcb_.ack_pending = true; // all old: a retransmission; ACK it again
            return;
        }
        const std::size_t taken = received_.push(payload.subspan(skip));
        tcb_.rcv_nxt = tcb_.rcv_nxt + static_cast<std::uint32_t>(taken);
        tcb_.ack_pending = true;
    }
    /// RFC 7323 4.3: TS.Recent from an in-sequence segment.
    constexpr void take_timestamp(const arrival& a) noexcept {
        if (!tcb_.ts_ok || !(a.segment.seq() <= tcb_.rcv_nxt)) return;
        const auto summary = a.segment.summary();
        if (summary.has_timestamps) tcb_.ts_recent = summary.timestamps.value;
    }
    /// The peer's SYN: IRS, RCV.NXT, and the options both sides agree on (RFC 9293 3.7.1,
    /// RFC 7323 2.2 and 3.2, RFC 2018 2).
    constexpr void take_syn(const arrival& a) noexcept {
        const auto& s = a.segment;
        tcb_.irs = s.seq();
        tcb_.rcv_nxt = s.seq() + 1;
        const auto o = s.summary();
        const std::uint16_t family_default = tcb_.remote.address.v6 ? default_mss_ipv6 : default_mss_ipv4;
        const std::uint16_t theirs = o.has_mss && o.mss > 0 ? o.mss : family_default; // MSS 0 is ignored, as Linux does
        const std::uint16_t ours = our_mss();
        tcb_.snd_mss = theirs < ours ? theirs : ours;
        const bool we_offered_scale = env_->config.window_scale > 0 && (state_ == state::listen || state_ == state::syn_sent);
        if (o.has_window_scale && we_offered_scale) {
            // RFC 7323 2.3: a shift above 14 is used as 14.
            tcb_.snd_wscale = o.window_scale > max_window_scale ? max_window_scale : o.window_scale;
            tcb_.rcv_wscale = offered_window_scale();
            tcb_.ws_ok = true;
        } else {
            tcb_.snd_wscale = tcb_.rcv_wscale = 0;
            tcb_.ws_ok = false;
        }
        tcb_.sack_ok = o.sack_permitted && env_->config.sack_permitted;
        tcb_.ts_ok = o.has_timestamps && env_->config.timestamps;
        if (tcb_.ts_ok) tcb_.ts_recent = o.timestamps.value;
        if (!s.flags().has(flag::ack)) {
            tcb_.snd_wnd = s.window();
            tcb_.max_snd_wnd = tcb_.snd_wnd;
            tcb_.snd_wl1 = s.seq();
        }
    }
    /// The shift our window needs (RFC 7323 2.2): the smallest that lets the receive buffer's
    /// size fit in 16 bits, at most the configured one (Linux sizes it from its buffers too,
    /// tcp_select_initial_window). 0 when the buffer fits: the option still goes out, so the
    /// peer may scale its own window.
    constexpr std::uint8_t offered_window_scale() const noexcept {
        std::uint8_t shift = 0;
        while (shift < max_window_scale && (std::uint64_t{ReceiveBuffer} >> shift) > 65535) ++shift;
        return shift < env_->config.window_scale ? shift : env_->config.window_scale;
    }
    constexpr std::uint16_t our_mss() const noexcept {
        const auto caps = env_->transport.capabilities();
        const std::size_t headers = (tcb_.local.address.v6 ? ipv6_header_size : ipv4_header_size) + header_min_size;
        const std::size_t link = caps.mtu > headers ? caps.mtu - headers : 0;
        const std::size_t mss = caps.medium == core::frame_medium::ip ? link : (caps.mtu > header_min_size ? caps.mtu - header_min_size : 0);
        return static_cast<std::uint16_t>(mss < env_->config.mss ? mss : env_->config.mss);
    }
    /// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
    constexpr void send_syn_ack() { emit(flag::syn | flag::ack, tcb_.iss, tcb_.rcv_nxt, {}); }

    constexpr void emit_reset(seq_number seq, seq_number ack, bool with_ack) {
        ++env_->counters.resets_sent;
        emit(with_ack ? flag::rst | flag::ack : flag_set{flag::rst}, seq, ack, {});
    }

    /// Builds one segment and hands it to the transport, serialised in place.
    constexpr void emit(flag_set flags, seq_number seq, seq_number ack, std::span<const std::uint8_t> payload) {
        const endpoint remote = env_->reply_to ? *env_->reply_to : tcb_.remote;
        segment out{};
        out.source_port = tcb_.local.port;
        out.destination_port = remote.port;
        out.seq = seq;
        out.ack = flags.has(flag::ack) ? ack : seq_number{};
        out.flags = flags;
        out.payload = payload;
        const bool syn = flags.has(flag::syn);
        if (flags.has(flag::rst)) {
            out.window = 0;
        } else {
            const std::uint32_t window = syn ? (receive_window() < 65535 ? receive_window() : 65535u)
                                             : receive_window() >> tcb_.rcv_wscale;
            out.window = static_cast<std::uint16_t>(window);
        }
        if (syn) {
            // RFC 9293 3.7.1 MSS; RFC 7323 window scale and timestamps; RFC 2018 SACK-permitted.
            // On a SYN,ACK, only what the peer's SYN offered.
            const bool reply = flags.has(flag::ack);
            out.options.add_mss(our_mss());
            if (reply ? tcb_.sack_ok : env_->config.sack_permitted) out.options.add_sack_permitted();
            if (reply ? tcb_.ts_ok : env_->config.timestamps) out.options.add_timestamps({ts_value(), reply ? tcb_.ts_recent : 0});
            else out.options.add_nop();
            if (reply ? tcb_.ws_ok : env_->config.window_scale > 0) {
                out.options.add_nop();
                out.options.add_window_scale(reply ? tcb_.rcv_wscale : offered_window_scale());
            }
        } else if (tcb_.ts_ok && !flags.has(flag::rst)) {
            // RFC 7323 3.2: once agreed, on every segment but a RST.
            out.options.add_nop();
            out.options.add_nop();
            out.options.add_timestamps({ts_value(), tcb_.ts_recent});
        }
        const auto caps = env_->transport.capabilities();
        const bool framed = caps.medium == core::frame_medium::ip;
        const bool v6 = tcb_.local.address.v6;
        const std::size_t ip_header = framed ? (v6 ? ipv6_header_size : ipv4_header_size) : 0;
        const std::size_t length = ip_header + out.size();
        const ip_address src = tcb_.local.address, dst = remote.address;
        const bool checksum = !caps.checksum.tx;
        const auto sent = env_->transport.transmit(length, [&](std::span<std::uint8_t> frame) {
            if (framed) {
                if (v6) write_ipv6_header(frame, src.bytes, dst.bytes, out.size());
                else write_ipv4_header(frame, src.v4(), dst.v4(), out.size());
            }
            const auto body = frame.subspan(ip_header);
            if (!checksum) (void)serialize(out, body);
            else if (!framed) (void)serialize(out, body, bare_pseudo_header);
            else if (v6) (void)serialize(out, body, ipv6_pseudo_header{src.bytes, dst.bytes});
            else (void)serialize(out, body, ipv4_pseudo_header{src.v4(), dst.v4()});
        });
        if (sent) ++env_->counters.segments_sent;
        if (flags.has(flag::ack)) tcb_.ack_pending = false;
    }
    constexpr std::uint32_t ts_value() const noexcept {
        // RFC 7323 5.4: a per-connection offset on a millisecond clock (Linux: a keyed hash; here the ISS).
        return static_cast<std::uint32_t>(now_ms()) + tcb_.iss.raw();
    }

    environment* env_ = nullptr;
    tcb tcb_{};
    [[no_unique_address]] byte_ring<SendBuffer> sent_{};        // from SND.UNA (or ISS+1): sent and unacknowledged, then unsent
    [[no_unique_address]] byte_ring<ReceiveBuffer> received_{}; // received, not yet read
    state state_ = state::closed;
    event pending_call_ = event::open_passive;
};

} // namespace detail

namespace detail {
/// One connection's machine: its TCB, state and buffers, pointing at a shared environment.
template <class Transport, class Clock, class Isn, std::size_t SendBuffer, std::size_t ReceiveBuffer, class Tracer>
using connection_machine =
    core::machine<connection_table_type, connection_core<Transport, Clock, Isn, SendBuffer, ReceiveBuffer>, Tracer>;
} // namespace detail

/// The user's side of a connection (RFC 9293 3.10's calls, I/O and what the user sees),
/// shared by `connection` and the connections of a `listener`: `Derived` gives
/// `machine()`, the connection's `detail::connection_machine`.
template <class Derived>
class connection_api {
public:
    // ---- user calls (RFC 9293 3.10) ----
    /// Active OPEN from `local` to `remote`: sends the SYN.
    constexpr call_error open(endpoint local, endpoint remote) {
        if (state() == tcp::state::closed) {
            auto& t = core().control_block();
            t = tcb{};
            t.local = local;
            t.remote = remote;
        }
        return call(events::open_active{});
    }
    /// Passive OPEN on `local`: waits for a SYN from anyone.
    constexpr call_error listen(endpoint local) {
        if (state() == tcp::state::closed) {
            auto& t = core().control_block();
            t = tcb{};
            t.local = local;
            core().env()->listen_address = local.address;
        }
        return call(events::open_passive{});
    }
    /// SEND: queues as much of `bytes` as the send buffer takes (returns how much) and
    /// sends what the peer's window allows.
    constexpr std::size_t send(std::span<const std::uint8_t> bytes) {
        const auto s = state();
        if (s != tcp::state::established && s != tcp::state::close_wait && s != tcp::state::syn_sent &&
            s != tcp::state::syn_received) {
            call(events::send{});
            return 0;
        }
        if (core().control_block().fin_queued) return 0;
        const std::size_t n = core().queue(bytes);
        call(events::send{});
        return n;
    }
    /// RECEIVE: copies out what arrived in order; returns how many bytes.
    constexpr std::size_t receive(std::span<std::uint8_t> out) {
        const std::size_t n = core().read(out);
        after_call();
        return n;
    }
    /// CLOSE: no more data from us; a FIN follows what is queued. With unread data,
    /// the connection is reset instead (RFC 9293 3.6).
    constexpr call_error close() { return call(events::close{}); }
    /// ABORT: a RST, and the connection is gone.
    constexpr call_error abort() { return call(events::abort{}); }

    // ---- I/O ----
    /// Takes every frame the transport has ready, then runs the timers that expired.
    /// Returns the number of frames taken.
    constexpr std::size_t poll() {
        std::size_t frames = 0;
        while (core().transport().receive([&](std::span<const std::uint8_t> frame) { on_frame(frame); })) ++frames;
        on_time();
        return frames;
    }
    /// Takes one frame, if the transport has one ready; true when it did.
    constexpr bool receive_one() {
        return core().transport().receive([&](std::span<const std::uint8_t> frame) { on_frame(frame); });
    }
    /// One frame from the transport (an IP packet or a bare segment, as its medium says).
    /// Returns false when it was not for this connection or did not parse.
    constexpr bool on_frame(std::span<const std::uint8_t> frame) {
        const auto caps = core().transport().capabilities();
        auto& t = core().control_block();
        if (caps.medium == core::frame_medium::ip) {
            const auto packet = parse_ip(frame);
            if (!packet || packet->protocol != ip_protocol_tcp || packet->fragment || !packet->header_checksum_ok) {
                ++core().counters().dropped_malformed;
                return false;
            }
            const ip_address source = packet->version == 4 ? ip_address{packet->source4} : ip_address{packet->source6};
            const ip_address destination =
                packet->version == 4 ? ip_address{packet->destination4} : ip_address{packet->destination6};
            return on_segment_bytes(packet->payload, source, destination, caps.checksum.rx ? 0 : packet->pseudo_header_sum(), caps.checksum.rx);
        }
        // Bare segments carry no IP header: the sender is the connection's peer, and the
        // checksum covers the pseudo-header of unspecified addresses (see `bare_pseudo_header`).
        const ip_address source = t.remote.address, destination = t.local.address;
        const std::uint32_t pseudo = detail::bare_pseudo_header.sum(static_cast<std::uint16_t>(frame.size()));
        return on_segment_bytes(frame, source, destination, pseudo, caps.checksum.rx);
    }
    /// One parsed segment whose checksum was checked, from `from` to `to` (a listener,
    /// which parses once to find the connection, hands it over this way). Returns false
    /// when it is not for this connection.
    constexpr bool on_segment(const segment_view& s, const endpoint& from, const endpoint& to) {
        const auto& t = core().control_block();
        if (s.destination_port() != t.local.port) return false;
        const auto st = state();
        if (st != tcp::state::listen && st != tcp::state::closed &&
            (s.source_port() != t.remote.port || !(from.address == t.remote.address))) return false;
        ++core().counters().segments_received;
        const arrival a{s, from, to};
        core().set_state(st);
        machine_ref().dispatch(static_cast<std::size_t>(core().classify(s)), a);
        core().set_state(state());
        core().flush();
        return true;
    }
    /// Runs the timers that expired by the clock's current time.
    constexpr void on_time() {
        auto& t = core().control_block();
        const auto now = core().now();
        if (t.retransmit_at.expired(now)) dispatch_timeout(events::timeout_retransmit{});
        if (t.state_timer.expired(now)) {
            t.state_timer.disarm();
            if (state() == tcp::state::time_wait) dispatch_timeout(events::timeout_time_wait{});
            else dispatch_timeout(events::timeout_user{});
        }
    }
    /// When `on_time` next has something to do (disarmed: nothing pending).
    constexpr core::deadline next_deadline() const noexcept {
        const auto& t = core().control_block();
        return earliest(t.retransmit_at, t.state_timer);
    }

    // ---- what the user sees ----
    constexpr tcp::state state() const noexcept { return static_cast<tcp::state>(machine_ref().state()); }
    /// How the connection ended (`none` while it has not).
    constexpr close_reason reason() const noexcept { return core().control_block().reason; }
    /// True when the peer's FIN arrived and every byte before it was read.
    constexpr bool end_of_stream() const noexcept { return core().control_block().fin_received && core().unread() == 0; }
    /// Bytes received and not yet read.
    constexpr std::size_t readable() const noexcept { return core().unread(); }
    /// Bytes the user queued that the peer has not acknowledged yet.
    constexpr std::size_t unacknowledged() const noexcept { return core().unacknowledged_or_unsent(); }
    constexpr const tcb& control_block() const noexcept { return core().control_block(); }
    constexpr const connection_counters& counters() const noexcept { return core().counters(); }
    constexpr auto& transport() noexcept { return core().transport(); }
    constexpr auto& tracer() noexcept { return machine_ref().tracer(); }

private:
    constexpr auto& machine_ref() noexcept { return static_cast<Derived&>(*this).machine(); }
    constexpr const auto& machine_ref() const noexcept { return static_cast<const Derived&>(*this).machine(); }
    constexpr auto& core() noexcept { return machine_ref().context(); }
    constexpr const auto& core() const noexcept { return machine_ref().context(); }

    template <class Event>
    constexpr call_error call(Event e) {
        core().control_block().last_error = call_error::none;
        core().set_state(state());
        core().set_pending_call(Event::value);
        machine_ref().process(e);
        core().set_state(state());
        core().flush();
        after_call();
        return core().control_block().last_error;
    }
    // A user call may arm a timer: a listener learns of it through its handle's hook.
    constexpr void after_call() {
        if constexpr (requires(Derived& d) { d.timers_changed(); }) static_cast<Derived&>(*this).timers_changed();
    }
    template <class Event>
    constexpr void dispatch_timeout(Event e) {
        core().set_state(state());
        machine_ref().process(e);
        core().set_state(state());
        core().flush();
    }
    constexpr bool on_segment_bytes(std::span<const std::uint8_t> bytes, const ip_address& source, const ip_address& destination,
                                    std::uint32_t pseudo_header_sum, bool checksum_verified) {
        const auto parsed = parse_lenient(bytes);
        if (!parsed || (!checksum_verified && !parsed->checksum_ok(pseudo_header_sum))) {
            ++core().counters().dropped_malformed;
            return false;
        }
        const segment_view& s = *parsed;
        return on_segment(s, endpoint{source, s.source_port()}, endpoint{destination, s.destination_port()});
    }

    friend Derived;
    constexpr connection_api() = default;
};

/// A TCP connection over `Transport` (a `core::transport`, held by value: a memory pair's
/// endpoint, a TUN device's handle), with time from `Clock` and ISNs from `Isn`, and
/// inline send and receive buffers of the given sizes (0 for a connection that only
/// opens and closes). Not copyable or movable: its machine points at its environment.
template <core::transport Transport, core::clock Clock, isn_generator Isn, std::size_t SendBuffer = 16384,
          std::size_t ReceiveBuffer = 16384, class Tracer = core::no_tracer>
class connection : public connection_api<connection<Transport, Clock, Isn, SendBuffer, ReceiveBuffer, Tracer>> {
    using environment = detail::connection_environment<Transport, Clock, Isn>;
    using machine_type = detail::connection_machine<Transport, Clock, Isn, SendBuffer, ReceiveBuffer, Tracer>;
    using core_type = typename machine_type::context_type;

public:
    using transport_type = Transport;

    /// A closed connection on `transport`. `clock` and `isn` must outlive it.
    constexpr connection(Transport transport, const Clock& clock, Isn& isn, connection_config config = {}, Tracer tracer = {})
        : env_{std::move(transport), &clock, &isn, config, {}, {}, {}},
          machine_{connection_table, core_type{&env_}, std::move(tracer)} {}
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// The connection's machine (its table, state and TCB).
    constexpr machine_type& machine() noexcept { return machine_; }
    constexpr const machine_type& machine() const noexcept { return machine_; }

private:
    environment env_;
    machine_type machine_;
};

} // namespace synack::tcp
