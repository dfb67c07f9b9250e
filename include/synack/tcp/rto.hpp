#pragma once
/// \file
/// The retransmission timeout as a policy (RFC 6298): `rto_estimator` keeps SRTT and
/// RTTVAR, computes the RTO with its bounds, backs it off on a timeout and takes RTT
/// samples by Karn's rule; `retransmission_timer` runs the timer of RFC 6298 5 with any
/// `rto_policy`. Durations are `core::duration` (nanoseconds); everything is constexpr,
/// so a run of timeouts and samples can be checked by a `static_assert`.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "synack/core/clock.hpp"
#include "synack/core/result.hpp"
#include "synack/tcp/config.hpp"
#include "synack/tcp/sequence.hpp"

namespace synack::tcp {

/// The tunables of the RTO computation (RFC 6298 2 and 5), Linux's values where the RFC
/// leaves a choice.
struct rto_parameters {
    /// RFC 6298 2.1: the RTO until the first RTT sample ("SHOULD set RTO <- 1 second").
    core::duration initial = std::chrono::seconds{1};
    /// RFC 6298 2.4: the least RTO. The RFC says it SHOULD be 1 s; Linux uses 200 ms
    /// (TCP_RTO_MIN), the default here. Linux puts its minimum on the variance term
    /// (RTO >= SRTT + 200 ms): set `granularity` to 200 ms too to follow it exactly.
    core::duration minimum = std::chrono::milliseconds{200};
    /// RFC 6298 2.5: the greatest RTO, backoff included (the RFC asks for at least
    /// 60 s when there is one); Linux's TCP_RTO_MAX is 120 s.
    core::duration maximum = std::chrono::seconds{120};
    /// G, the clock granularity (RFC 6298 2.2, 2.3 and 4): the least variance term of
    /// the RTO, so that a steady RTT (RTTVAR near 0) still leaves a margin. 1 ms, the
    /// resolution of millisecond timers (a Linux jiffy at HZ=1000).
    core::duration granularity = std::chrono::milliseconds{1};
    /// RFC 6298 5.7: the least RTO when data transmission begins after a SYN (or
    /// SYN,ACK) timed out and the handshake gave no RTT sample: 3 s.
    core::duration after_syn_timeout = std::chrono::seconds{3};

    /// The parameters a connection is configured with (initial, maximum and
    /// after-SYN-timeout RTO from `config`; minimum and granularity as above).
    static constexpr rto_parameters from(const connection_config& config) noexcept {
        rto_parameters p;
        p.initial = config.initial_rto;
        p.maximum = config.max_rto;
        p.after_syn_timeout = config.rto_after_syn_timeout;
        return p;
    }

    friend constexpr bool operator==(const rto_parameters&, const rto_parameters&) noexcept = default;
};

/// What was wrong with RTO parameters or an RTT sample.
enum class rto_errc : std::uint8_t {
    initial_not_positive,           ///< the initial RTO is zero or negative
    minimum_not_positive,           ///< the minimum RTO is zero or negative (a zero RTO would retransmit at once, forever)
    maximum_below_minimum,          ///< the maximum RTO is below the minimum
    granularity_out_of_range,       ///< G is negative, or above the maximum RTO
    after_syn_timeout_not_positive, ///< the RFC 6298 5.7 RTO is zero or negative
    negative_sample,                ///< an RTT sample below zero
};

/// A name of an RTO error, for logs.
constexpr std::string_view to_string(rto_errc e) noexcept {
    switch (e) {
    case rto_errc::initial_not_positive: return "rto_initial_not_positive";
    case rto_errc::minimum_not_positive: return "rto_minimum_not_positive";
    case rto_errc::maximum_below_minimum: return "rto_maximum_below_minimum";
    case rto_errc::granularity_out_of_range: return "rto_granularity_out_of_range";
    case rto_errc::after_syn_timeout_not_positive: return "rto_after_syn_timeout_not_positive";
    case rto_errc::negative_sample: return "rto_negative_sample";
    }
    return "rto_unknown";
}

/// How a segment goes out: for the first time, or again. Only first transmissions are
/// timed: the ACK of a retransmitted segment may answer either copy (Karn's algorithm,
/// RFC 6298 3).
enum class transmission : std::uint8_t {
    first,          ///< new sequence space, never sent before
    retransmission, ///< sequence space sent before (after a timeout, or a fast retransmit)
};

/// A source of retransmission timeouts, as `retransmission_timer` and a connection use
/// it: the current RTO, the events that change it (sends, ACKs, timeouts, the end of
/// the handshake).
template <class Policy>
concept rto_policy = requires(Policy& p, const Policy& cp, seq_number s, core::time_point now, transmission kind) {
    { cp.rto() } noexcept -> std::same_as<core::duration>;
    p.on_send(s, now, kind);
    { p.on_ack(s, now) } -> std::same_as<std::optional<core::duration>>;
    { p.on_timeout() } -> std::same_as<core::duration>;
    p.on_handshake_complete();
};

/// RFC 6298's estimator. Before any sample the RTO is the initial one (2.1); the first
/// sample R sets SRTT = R, RTTVAR = R/2 (2.2); each later sample R' sets
/// RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'|, then SRTT = 7/8 SRTT + 1/8 R' (2.3, alpha 1/8,
/// beta 1/4, in that order); after each, RTO = SRTT + max(G, 4 RTTVAR) (2.2, 2.3), kept
/// within [minimum, maximum] (2.4, 2.5). A timeout doubles it up to the maximum (5.5);
/// a new sample computes it afresh, collapsing the backoff (5, after 5.7).
///
/// One segment is timed at a time, as traditional TCPs do (RFC 6298 3): `on_send`
/// starts timing a first transmission when none is being timed, `on_ack` ends it with a
/// sample once the ACK covers it, and a retransmission or a timeout abandons it (Karn).
/// Samples from timestamps (RFC 7323 4), which are never ambiguous, go to `on_rtt_sample`.
class rto_estimator {
public:
    /// RTT samples above this are taken as this: it keeps the arithmetic far from overflow.
    static constexpr core::duration max_rtt_sample = std::chrono::hours{1};

    /// An estimator with the default `rto_parameters`: RTO 1 s until the first sample.
    constexpr rto_estimator() noexcept : rto_estimator{rto_parameters{}, valid_tag{}} {}

    /// An estimator with `p`, or what is wrong with them.
    static constexpr core::result<rto_estimator, rto_errc> make(const rto_parameters& p) noexcept {
        using core::failure;
        constexpr core::duration zero = core::duration::zero();
        if (p.initial <= zero) return failure(rto_errc::initial_not_positive);
        if (p.minimum <= zero) return failure(rto_errc::minimum_not_positive);
        if (p.maximum < p.minimum) return failure(rto_errc::maximum_below_minimum);
        if (p.granularity < zero || p.granularity > p.maximum) return failure(rto_errc::granularity_out_of_range);
        if (p.after_syn_timeout <= zero) return failure(rto_errc::after_syn_timeout_not_positive);
        return rto_estimator{p, valid_tag{}};
    }
    /// An estimator with a connection's settings (`rto_parameters::from`), or what is wrong with them.
    static constexpr core::result<rto_estimator, rto_errc> make(const connection_config& config) noexcept {
        return make(rto_parameters::from(config));
    }

    /// The current RTO, backoff included: how long the retransmission timer runs.
    constexpr core::duration rto() const noexcept { return rto_; }
    /// True once an RTT sample has been taken.
    constexpr bool has_sample() const noexcept { return has_sample_; }
    /// SRTT, the smoothed RTT (RFC 6298 2); zero before the first sample.
    constexpr core::duration srtt() const noexcept { return srtt_; }
    /// RTTVAR, the RTT variation (RFC 6298 2); zero before the first sample.
    constexpr core::duration rttvar() const noexcept { return rttvar_; }
    /// Timeouts since the last sample (or the start): the RTO is the computed one times 2^backoffs, capped.
    constexpr std::uint8_t backoffs() const noexcept { return backoffs_; }
    /// True while a sent segment is being timed.
    constexpr bool timing() const noexcept { return timing_; }
    /// The parameters in force.
    constexpr const rto_parameters& parameters() const noexcept { return params_; }

    /// A segment whose sequence space ends before `end` (SEG.SEQ + SEG.LEN, the ACK that
    /// covers it) went out at `now`. A first transmission is timed when no other is; a
    /// retransmission abandons the timing in progress, since its ACK could answer
    /// either copy, and a cumulative ACK behind a retransmitted hole comes late
    /// (Karn's algorithm, RFC 6298 3).
    constexpr void on_send(seq_number end, core::time_point now, transmission kind) noexcept {
        if (kind == transmission::retransmission) {
            timing_ = false;
            return;
        }
        if (!timing_) {
            timing_ = true;
            timed_end_ = end;
            timed_at_ = now;
        }
    }

    /// An acceptable ACK (RFC 9293 3.4: SND.UNA < `ack` =< SND.NXT) arrived at `now`.
    /// When it covers the timed segment, its RTT is a sample (RFC 6298 2.2 or 2.3), which
    /// is returned; otherwise nothing changes and nullopt is returned.
    constexpr std::optional<core::duration> on_ack(seq_number ack, core::time_point now) noexcept {
        if (!timing_ || ack < timed_end_) return std::nullopt;
        timing_ = false;
        if (now < timed_at_) return std::nullopt; // times out of order: no sample rather than a wrong one
        const core::duration r = now - timed_at_;
        take_sample(r);
        return r;
    }

    /// An RTT sample `r` measured by other means, e.g. the timestamp option (RFC 7323 4,
    /// which RFC 6298 3 allows even for retransmitted segments). Returns the new RTO, or
    /// `rto_errc::negative_sample` (and nothing changes).
    constexpr core::result<core::duration, rto_errc> on_rtt_sample(core::duration r) noexcept {
        if (r < core::duration::zero()) return core::failure(rto_errc::negative_sample);
        take_sample(r);
        return rto_;
    }

    /// The retransmission timer expired: back off, RTO = min(2 RTO, maximum) (RFC 6298
    /// 5.5, 2.5), and abandon the timing in progress (its segment goes again, RFC 6298 3).
    /// Before `on_handshake_complete`, this is a SYN (or SYN,ACK) timeout (RFC 6298 5.7).
    /// Returns the new RTO.
    constexpr core::duration on_timeout() noexcept {
        timing_ = false;
        if (!handshake_complete_) syn_timed_out_ = true;
        rto_ = rto_ > params_.maximum / 2 ? params_.maximum : rto_ * 2;
        if (backoffs_ < 255) ++backoffs_;
        return rto_;
    }

    /// The three-way handshake completed and data transmission begins. If a SYN or
    /// SYN,ACK timed out and no RTT sample was taken, the RTO is re-initialised to
    /// max(initial, 3 s) with no backoff (RFC 6298 5.7, as Linux does when its handshake
    /// gave no sample; the RFC ties the rule to the timeout alone). Returns the RTO.
    constexpr core::duration on_handshake_complete() noexcept {
        if (!handshake_complete_) {
            handshake_complete_ = true;
            if (syn_timed_out_ && !has_sample_) {
                rto_ = bounded(std::max(params_.initial, params_.after_syn_timeout));
                backoffs_ = 0;
            }
        }
        return rto_;
    }

    friend constexpr bool operator==(const rto_estimator&, const rto_estimator&) noexcept = default;

private:
    struct valid_tag {};
    constexpr rto_estimator(const rto_parameters& p, valid_tag) noexcept : params_{p}, rto_{bounded(p.initial)} {}

    // RFC 6298 2.4 and 2.5: the minimum and maximum (maximum >= minimum, checked by make).
    constexpr core::duration bounded(core::duration d) const noexcept {
        return std::min(std::max(d, params_.minimum), params_.maximum);
    }

    constexpr void take_sample(core::duration r) noexcept {
        r = std::min(r, max_rtt_sample);
        if (!has_sample_) { // RFC 6298 2.2
            srtt_ = r;
            rttvar_ = r / 2;
            has_sample_ = true;
        } else { // RFC 6298 2.3: RTTVAR first, from the old SRTT
            const core::duration deviation = srtt_ > r ? srtt_ - r : r - srtt_;
            rttvar_ = (3 * rttvar_ + deviation) / 4;
            srtt_ = (7 * srtt_ + r) / 8;
        }
        rto_ = bounded(srtt_ + std::max(params_.granularity, 4 * rttvar_));
        backoffs_ = 0;
    }

    rto_parameters params_;
    core::duration srtt_{};
    core::duration rttvar_{};
    core::duration rto_;
    core::time_point timed_at_{};
    seq_number timed_end_{};
    std::uint8_t backoffs_ = 0;
    bool has_sample_ = false;
    bool timing_ = false;
    bool handshake_complete_ = false;
    bool syn_timed_out_ = false;
};

/// The retransmission timer of RFC 6298 5 over an RTO policy: started when a segment
/// goes out and it is not running (5.1), stopped when everything is acknowledged (5.2),
/// restarted by an ACK of new data (5.3), backed off and restarted on expiry (5.5, 5.6).
/// Retransmitting the earliest unacknowledged segment (5.4) is the caller's part, which
/// reports it with `on_send(..., transmission::retransmission)`.
template <rto_policy Policy = rto_estimator>
class retransmission_timer {
public:
    /// A stopped timer with a default-constructed policy.
    constexpr retransmission_timer() noexcept(noexcept(Policy{})) = default;
    /// A stopped timer over `policy`.
    constexpr explicit retransmission_timer(Policy policy) noexcept(std::is_nothrow_move_constructible_v<Policy>)
        : policy_{std::move(policy)} {}

    /// The RTO policy (the estimator), to read.
    constexpr const Policy& policy() const noexcept { return policy_; }
    /// When the timer expires; disarmed while stopped.
    constexpr core::deadline deadline() const noexcept { return deadline_; }
    /// True when the timer runs and `now` has reached its expiry.
    constexpr bool expired(core::time_point now) const noexcept { return deadline_.expired(now); }

    /// A segment ending before `end` went out at `now` (RFC 6298 5.1: start the timer if
    /// it is not running; the policy times first transmissions, RFC 6298 3).
    constexpr void on_send(seq_number end, core::time_point now, transmission kind) noexcept {
        policy_.on_send(end, now, kind);
        if (!deadline_.armed()) deadline_.arm(now, policy_.rto());
    }

    /// An ACK of new data arrived at `now`: stop the timer when nothing is left
    /// outstanding (RFC 6298 5.2), restart it otherwise (5.3). Returns the RTT sample taken, if any.
    constexpr std::optional<core::duration> on_ack(seq_number ack, core::time_point now,
                                                   bool all_acknowledged) noexcept {
        const std::optional<core::duration> sample = policy_.on_ack(ack, now);
        if (all_acknowledged) deadline_.disarm();
        else deadline_.arm(now, policy_.rto());
        return sample;
    }

    /// The timer expired at `now`: back off (RFC 6298 5.5) and restart (5.6). Returns the new RTO.
    constexpr core::duration on_expiry(core::time_point now) noexcept {
        const core::duration rto = policy_.on_timeout();
        deadline_.arm(now, rto);
        return rto;
    }

    /// The handshake completed (RFC 6298 5.7); a running timer keeps its expiry.
    constexpr void on_handshake_complete() noexcept { policy_.on_handshake_complete(); }

    /// Stops the timer (the connection closed).
    constexpr void stop() noexcept { deadline_.disarm(); }

private:
    Policy policy_{};
    core::deadline deadline_{};
};

} // namespace synack::tcp
