#include "support/catch.hpp"

#include <synack/tcp/rto.hpp>

#include <chrono>
#include <optional>

using namespace synack;
using namespace synack::tcp;
using namespace std::chrono_literals;

namespace {

core::time_point at(core::duration since_epoch) { return core::time_point{since_epoch}; }

// A segment timed from `sent` to `acked`: one RTT sample through the Karn-aware API.
std::optional<core::duration> time_one(rto_estimator& e, seq_number end, core::duration sent, core::duration acked) {
    e.on_send(end, at(sent), transmission::first);
    return e.on_ack(end, at(acked));
}

rto_parameters with_minimum(core::duration minimum) {
    rto_parameters p;
    p.minimum = minimum;
    return p;
}

} // namespace

TEST_CASE("before any RTT sample the RTO is the initial 1 s (RFC 6298 2.1)", "[tcp][rto]") {
    const rto_estimator e;
    CHECK(e.rto() == 1s);
    CHECK_FALSE(e.has_sample());
    CHECK(e.srtt() == 0s);
    CHECK(e.rttvar() == 0s);
    CHECK(e.backoffs() == 0);
}

TEST_CASE("the first sample sets SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR) (RFC 6298 2.2)",
          "[tcp][rto]") {
    rto_estimator e;
    CHECK(time_one(e, seq_number{1001}, 0ms, 100ms) == 100ms);
    CHECK(e.has_sample());
    CHECK(e.srtt() == 100ms);
    CHECK(e.rttvar() == 50ms);
    CHECK(e.rto() == 300ms); // 100 + max(1, 200)
}

TEST_CASE("later samples update RTTVAR from the old SRTT, then SRTT, with beta 1/4 and alpha 1/8 (RFC 6298 2.3)",
          "[tcp][rto]") {
    rto_estimator e;
    REQUIRE(e.on_rtt_sample(100ms).has_value());
    // R' = 200 ms: RTTVAR = 3/4 50 + 1/4 |100 - 200| = 62.5; SRTT = 7/8 100 + 1/8 200 = 112.5.
    // (Updating SRTT first would give RTTVAR = 59.375 and RTO = 350 ms.)
    CHECK(e.on_rtt_sample(200ms).value() == 362'500us); // 112.5 + 4 x 62.5
    CHECK(e.rttvar() == 62'500us);
    CHECK(e.srtt() == 112'500us);
    // R'' = 50 ms: RTTVAR = 3/4 62.5 + 1/4 |112.5 - 50| = 62.5; SRTT = 7/8 112.5 + 1/8 50 = 104.6875.
    CHECK(e.on_rtt_sample(50ms).value() == 354'687'500ns);
    CHECK(e.rttvar() == 62'500us);
    CHECK(e.srtt() == 104'687'500ns);
}

TEST_CASE("a steady RTT leaves the RTO at SRTT + G, the clock granularity (RFC 6298 2.3, 4)", "[tcp][rto]") {
    rto_estimator e;
    for (int i = 0; i < 40; ++i) REQUIRE(e.on_rtt_sample(300ms).has_value());
    // RTTVAR = 150 ms x (3/4)^39, below G/4: the variance term is G = 1 ms.
    CHECK(e.srtt() == 300ms);
    CHECK(e.rttvar() < 250us);
    CHECK(e.rto() == 301ms);

    rto_parameters coarse;
    coarse.granularity = 100ms;
    auto c = rto_estimator::make(coarse).value();
    REQUIRE(c.on_rtt_sample(300ms).has_value()); // 300 + max(100, 600)
    CHECK(c.rto() == 900ms);
    for (int i = 0; i < 40; ++i) REQUIRE(c.on_rtt_sample(300ms).has_value());
    CHECK(c.rto() == 400ms);
}

TEST_CASE("the RTO is at least the minimum: Linux's 200 ms by default, RFC 6298 2.4's 1 s when asked",
          "[tcp][rto]") {
    rto_estimator linux_like;
    REQUIRE(linux_like.on_rtt_sample(10ms).has_value()); // 10 + max(1, 20) = 30 ms, raised to 200 ms
    CHECK(linux_like.rto() == 200ms);
    CHECK(linux_like.srtt() == 10ms); // the estimate itself is not raised

    auto rfc = rto_estimator::make(with_minimum(1s)).value();
    REQUIRE(rfc.on_rtt_sample(10ms).has_value());
    CHECK(rfc.rto() == 1s);
    REQUIRE(rfc.on_rtt_sample(400ms).has_value()); // SRTT 58.75, RTTVAR 101.25: 463.75 ms, raised to 1 s
    CHECK(rfc.rto() == 1s);
}

TEST_CASE("each timeout doubles the RTO, up to the 120 s maximum (RFC 6298 5.5, 2.5)", "[tcp][rto]") {
    rto_estimator e;
    const core::duration expected[] = {2s, 4s, 8s, 16s, 32s, 64s, 120s, 120s, 120s};
    int n = 0;
    for (const core::duration rto : expected) {
        CHECK(e.on_timeout() == rto);
        CHECK(e.rto() == rto);
        CHECK(e.backoffs() == ++n);
    }

    rto_parameters small_cap;
    small_cap.maximum = 5s;
    auto capped = rto_estimator::make(small_cap).value();
    CHECK(capped.on_timeout() == 2s);
    CHECK(capped.on_timeout() == 4s);
    CHECK(capped.on_timeout() == 5s);
    CHECK(capped.on_timeout() == 5s);
}

TEST_CASE("the backoff count saturates instead of wrapping", "[tcp][rto]") {
    rto_estimator e;
    for (int i = 0; i < 300; ++i) e.on_timeout();
    CHECK(e.backoffs() == 255);
    CHECK(e.rto() == 120s);
}

TEST_CASE("a new RTT sample collapses the backed-off RTO (RFC 6298 5, after 5.7)", "[tcp][rto]") {
    rto_estimator e;
    REQUIRE(e.on_rtt_sample(100ms).has_value());
    e.on_timeout();
    e.on_timeout();
    CHECK(e.rto() == 1200ms);
    CHECK(e.backoffs() == 2);
    CHECK(time_one(e, seq_number{5000}, 10s, 10s + 100ms) == 100ms);
    CHECK(e.backoffs() == 0);
    CHECK(e.rto() == 250ms); // SRTT 100, RTTVAR 37.5: 100 + 150
}

TEST_CASE("Karn: the ACK of a segment retransmitted after a timeout gives no sample (RFC 6298 3)",
          "[tcp][rto]") {
    rto_estimator e;
    e.on_send(seq_number{1001}, at(0s), transmission::first);
    CHECK(e.timing());
    e.on_timeout(); // the RTO (1 s) ran out: back off to 2 s, the segment goes again
    CHECK_FALSE(e.timing());
    e.on_send(seq_number{1001}, at(1s), transmission::retransmission);
    CHECK_FALSE(e.timing());
    CHECK(e.on_ack(seq_number{1001}, at(1s + 30ms)) == std::nullopt);
    CHECK_FALSE(e.has_sample());
    CHECK(e.rto() == 2s); // the backoff stays until a valid sample
    CHECK(e.backoffs() == 1);
}

TEST_CASE("Karn: a fast retransmit abandons the timing in progress (RFC 6298 3)", "[tcp][rto]") {
    rto_estimator e;
    e.on_send(seq_number{2001}, at(0ms), transmission::first);
    e.on_send(seq_number{3001}, at(1ms), transmission::first);
    e.on_send(seq_number{2001}, at(20ms), transmission::retransmission);
    CHECK(e.on_ack(seq_number{3001}, at(40ms)) == std::nullopt);
    CHECK_FALSE(e.has_sample());
    CHECK(e.rto() == 1s);
    // The next first transmission is timed again.
    CHECK(time_one(e, seq_number{4001}, 50ms, 75ms) == 25ms);
    CHECK(e.srtt() == 25ms);
}

TEST_CASE("one segment is timed at a time, from its first transmission to the ACK that covers it",
          "[tcp][rto]") {
    rto_estimator e;
    e.on_send(seq_number{1001}, at(0ms), transmission::first);  // timed
    e.on_send(seq_number{2001}, at(10ms), transmission::first); // not timed: one is in progress
    CHECK(e.on_ack(seq_number{501}, at(30ms)) == std::nullopt); // does not cover 1001: keep timing
    CHECK(e.timing());
    CHECK(e.on_ack(seq_number{2001}, at(60ms)) == 60ms); // a cumulative ACK past it ends it
    CHECK_FALSE(e.timing());
    CHECK(e.on_ack(seq_number{2001}, at(70ms)) == std::nullopt);
    CHECK(e.srtt() == 60ms);
}

TEST_CASE("timing works across the sequence number wrap", "[tcp][rto]") {
    rto_estimator e;
    e.on_send(seq_number{0xffff'fff0} + 0x20, at(0ms), transmission::first); // ends at 0x10
    CHECK(e.on_ack(seq_number{0xffff'fff8}, at(5ms)) == std::nullopt);    // before the wrap: short of it
    CHECK(e.on_ack(seq_number{0x10}, at(42ms)) == 42ms);
}

TEST_CASE("an ACK timed before its segment was sent gives no sample", "[tcp][rto]") {
    rto_estimator e;
    e.on_send(seq_number{1001}, at(5s), transmission::first);
    CHECK(e.on_ack(seq_number{1001}, at(4s)) == std::nullopt);
    CHECK_FALSE(e.has_sample());
    CHECK_FALSE(e.timing());
}

TEST_CASE("a negative RTT sample is refused and changes nothing", "[tcp][rto]") {
    rto_estimator e;
    REQUIRE(e.on_rtt_sample(100ms).has_value());
    const rto_estimator before = e;
    const auto r = e.on_rtt_sample(-1ms);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == rto_errc::negative_sample);
    CHECK(e == before);
    CHECK(to_string(r.error()) == "rto_negative_sample");
}

TEST_CASE("a sample above an hour counts as an hour, and the RTO stays at the maximum", "[tcp][rto]") {
    rto_estimator e;
    REQUIRE(e.on_rtt_sample(std::chrono::hours{10}).has_value());
    CHECK(e.srtt() == rto_estimator::max_rtt_sample);
    CHECK(e.rto() == 120s);
    REQUIRE(e.on_rtt_sample(core::duration::max()).has_value());
    CHECK(e.rto() == 120s);
}

TEST_CASE("5.7: after a SYN timeout with no RTT sample, data starts with a 3 s RTO (RFC 6298 5.7)",
          "[tcp][rto]") {
    rto_estimator e;
    e.on_send(seq_number{1}, at(0s), transmission::first); // SYN, ISS 0
    CHECK(e.on_timeout() == 2s);
    e.on_send(seq_number{1}, at(1s), transmission::retransmission);
    CHECK(e.on_ack(seq_number{1}, at(1s + 80ms)) == std::nullopt); // SYN,ACK: ambiguous, no sample
    CHECK(e.on_handshake_complete() == 3s);
    CHECK(e.rto() == 3s);
    CHECK(e.backoffs() == 0);
    // Later timeouts back off from 3 s; they are not SYN timeouts.
    CHECK(e.on_timeout() == 6s);
    CHECK(e.on_handshake_complete() == 6s);
}

TEST_CASE("5.7 re-initialises to 3 s even after several SYN timeouts backed off past it", "[tcp][rto]") {
    rto_estimator e;
    e.on_timeout();
    e.on_timeout();
    e.on_timeout(); // 8 s
    CHECK(e.on_handshake_complete() == 3s);
}

TEST_CASE("5.7 leaves the RTO alone when the handshake gave a sample or no SYN timed out", "[tcp][rto]") {
    rto_estimator sampled;
    CHECK(time_one(sampled, seq_number{1}, 0ms, 100ms) == 100ms); // SYN timed to its SYN,ACK
    CHECK(sampled.on_handshake_complete() == 300ms);

    rto_estimator no_timeout;
    CHECK(no_timeout.on_handshake_complete() == 1s);

    rto_estimator timestamped; // SYN timed out, but the timestamp option gave a sample
    timestamped.on_timeout();
    REQUIRE(timestamped.on_rtt_sample(100ms).has_value());
    CHECK(timestamped.on_handshake_complete() == 300ms);
}

TEST_CASE("5.7 keeps an initial RTO that is already 3 s or more", "[tcp][rto]") {
    rto_parameters rfc2988;
    rfc2988.initial = 5s;
    auto e = rto_estimator::make(rfc2988).value();
    CHECK(e.rto() == 5s);
    CHECK(e.on_timeout() == 10s);
    CHECK(e.on_handshake_complete() == 5s);
}

TEST_CASE("a connection's config sets the initial, maximum and after-SYN-timeout RTO", "[tcp][rto]") {
    connection_config config;
    config.initial_rto = 2s;
    config.max_rto = 60s;
    config.rto_after_syn_timeout = 4s;
    auto e = rto_estimator::make(config).value();
    CHECK(e.rto() == 2s);
    CHECK(e.parameters().maximum == 60s);
    CHECK(e.parameters().minimum == 200ms);
    for (int i = 0; i < 10; ++i) e.on_timeout();
    CHECK(e.rto() == 60s);
    CHECK(e.on_handshake_complete() == 4s);

    CHECK(rto_parameters::from(connection_config{}) == rto_parameters{});
}

TEST_CASE("parameters that would break the estimator are refused with the reason", "[tcp][rto]") {
    const auto refused = [](auto change) {
        rto_parameters p;
        change(p);
        const auto r = rto_estimator::make(p);
        return r.has_value() ? std::optional<rto_errc>{} : std::optional<rto_errc>{r.error()};
    };
    CHECK(refused([](rto_parameters& p) { p.initial = 0s; }) == rto_errc::initial_not_positive);
    CHECK(refused([](rto_parameters& p) { p.minimum = 0s; }) == rto_errc::minimum_not_positive);
    CHECK(refused([](rto_parameters& p) { p.minimum = -1ms; }) == rto_errc::minimum_not_positive);
    CHECK(refused([](rto_parameters& p) { p.maximum = 100ms; }) == rto_errc::maximum_below_minimum);
    CHECK(refused([](rto_parameters& p) { p.granularity = -1ns; }) == rto_errc::granularity_out_of_range);
    CHECK(refused([](rto_parameters& p) { p.granularity = 121s; }) == rto_errc::granularity_out_of_range);
    CHECK(refused([](rto_parameters& p) { p.after_syn_timeout = 0s; }) == rto_errc::after_syn_timeout_not_positive);
    CHECK(refused([](rto_parameters&) {}) == std::nullopt);
    CHECK(refused([](rto_parameters& p) { p.granularity = 0s; }) == std::nullopt);

    connection_config bad;
    bad.max_rto = std::chrono::milliseconds{10};
    CHECK(rto_estimator::make(bad).error() == rto_errc::maximum_below_minimum);
}

TEST_CASE("an initial RTO outside the bounds is brought within them (RFC 6298 2.4, 2.5)", "[tcp][rto]") {
    rto_parameters p;
    p.initial = 10ms;
    CHECK(rto_estimator::make(p).value().rto() == 200ms);
    p.initial = 1h;
    CHECK(rto_estimator::make(p).value().rto() == 120s);
}

TEST_CASE("5.1: the timer starts with the first segment sent and later sends leave it running",
          "[tcp][rto][timer]") {
    retransmission_timer<> timer;
    CHECK_FALSE(timer.deadline().armed());
    timer.on_send(seq_number{1001}, at(0ms), transmission::first);
    CHECK(timer.deadline() == core::deadline{at(1s)});
    timer.on_send(seq_number{2001}, at(300ms), transmission::first);
    CHECK(timer.deadline() == core::deadline{at(1s)});
    CHECK_FALSE(timer.expired(at(999ms)));
    CHECK(timer.expired(at(1s)));
}

TEST_CASE("5.2 and 5.3: an ACK of new data restarts the timer, or stops it when all is acknowledged",
          "[tcp][rto][timer]") {
    retransmission_timer<> timer;
    timer.on_send(seq_number{1001}, at(0ms), transmission::first);
    timer.on_send(seq_number{2001}, at(10ms), transmission::first);
    // The first ACK covers the timed segment: sample 100 ms, RTO 300 ms, restarted from now.
    CHECK(timer.on_ack(seq_number{1001}, at(100ms), false) == 100ms);
    CHECK(timer.policy().rto() == 300ms);
    CHECK(timer.deadline() == core::deadline{at(400ms)});
    CHECK(timer.on_ack(seq_number{2001}, at(150ms), true) == std::nullopt);
    CHECK_FALSE(timer.deadline().armed());
    CHECK_FALSE(timer.expired(at(1h)));
}

TEST_CASE("5.4 to 5.6: on expiry the timer backs off and restarts, and the retransmission is not timed",
          "[tcp][rto][timer]") {
    core::manual_clock clock;
    retransmission_timer<> timer;
    timer.on_send(seq_number{1001}, clock.now(), transmission::first);
    REQUIRE(clock.advance(1s));
    REQUIRE(timer.expired(clock.now()));
    CHECK(timer.on_expiry(clock.now()) == 2s);
    timer.on_send(seq_number{1001}, clock.now(), transmission::retransmission); // 5.4, by the caller
    CHECK(timer.deadline() == core::deadline{at(3s)});
    REQUIRE(clock.advance(2s));
    REQUIRE(timer.expired(clock.now()));
    CHECK(timer.on_expiry(clock.now()) == 4s);
    CHECK(timer.deadline() == core::deadline{at(7s)});
    REQUIRE(clock.advance(50ms));
    CHECK(timer.on_ack(seq_number{1001}, clock.now(), true) == std::nullopt); // Karn
    CHECK(timer.policy().rto() == 4s);
    CHECK_FALSE(timer.deadline().armed());
}

TEST_CASE("the timer applies 5.7 through its policy and stop disarms it", "[tcp][rto][timer]") {
    retransmission_timer<> timer;
    timer.on_send(seq_number{1}, at(0s), transmission::first);
    CHECK(timer.on_expiry(at(1s)) == 2s);
    timer.on_send(seq_number{1}, at(1s), transmission::retransmission);
    CHECK(timer.on_ack(seq_number{1}, at(1200ms), true) == std::nullopt);
    timer.on_handshake_complete();
    CHECK(timer.policy().rto() == 3s);
    timer.on_send(seq_number{101}, at(2s), transmission::first);
    CHECK(timer.deadline() == core::deadline{at(5s)});
    timer.stop();
    CHECK_FALSE(timer.deadline().armed());
}
