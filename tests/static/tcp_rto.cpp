// RFC 6298 at compile time: the estimator's formulas, its backoff and Karn's rule run
// inside constant expressions.
#include <synack/tcp/rto.hpp>

#include <chrono>
#include <initializer_list>
#include <optional>

using namespace synack;
using namespace synack::tcp;
using namespace std::chrono_literals;

static_assert(rto_policy<rto_estimator>);
static_assert(!rto_policy<int>);
static_assert(!rto_policy<const rto_estimator>); // events change it

// 2.1: 1 s before any sample.
static_assert(rto_estimator{}.rto() == 1s);

// 2.2 and 2.3 with concrete numbers: R = 100 ms, then R' = 200 ms.
constexpr rto_estimator after(std::initializer_list<core::duration> samples) {
    rto_estimator e;
    for (const core::duration r : samples) (void)e.on_rtt_sample(r);
    return e;
}
static_assert(after({100ms}).srtt() == 100ms && after({100ms}).rttvar() == 50ms && after({100ms}).rto() == 300ms);
static_assert(after({100ms, 200ms}).rttvar() == 62'500us); // 3/4 50 + 1/4 |100 - 200|
static_assert(after({100ms, 200ms}).srtt() == 112'500us);  // 7/8 100 + 1/8 200
static_assert(after({100ms, 200ms}).rto() == 362'500us);   // SRTT + 4 RTTVAR
static_assert(after({10ms}).rto() == 200ms);               // 2.4, Linux's minimum

// 5.5: doubling up to the 120 s maximum.
constexpr core::duration after_timeouts(int n) {
    rto_estimator e;
    for (int i = 0; i < n; ++i) e.on_timeout();
    return e.rto();
}
static_assert(after_timeouts(1) == 2s && after_timeouts(6) == 64s && after_timeouts(7) == 120s);
static_assert(after_timeouts(100) == 120s);

// Karn (RFC 6298 3): a handshake whose SYN timed out yields no sample, and 5.7 gives 3 s.
constexpr bool syn_timeout_handshake() {
    rto_estimator e;
    e.on_send(seq_number{1}, core::time_point{0s}, transmission::first);
    e.on_timeout();
    e.on_send(seq_number{1}, core::time_point{1s}, transmission::retransmission);
    const bool no_sample = !e.on_ack(seq_number{1}, core::time_point{1100ms}).has_value();
    return no_sample && e.on_handshake_complete() == 3s && !e.has_sample();
}
static_assert(syn_timeout_handshake());

// A clean handshake is timed: SYN at 0, SYN,ACK at 40 ms.
constexpr core::duration clean_handshake_rto() {
    rto_estimator e;
    e.on_send(seq_number{1}, core::time_point{0s}, transmission::first);
    (void)e.on_ack(seq_number{1}, core::time_point{40ms});
    return e.on_handshake_complete();
}
static_assert(clean_handshake_rto() == 200ms); // 40 + 80 = 120 ms, raised to the 200 ms minimum

// Parameter checks are constant expressions too.
constexpr rto_parameters inverted() {
    rto_parameters p;
    p.minimum = 2s;
    p.maximum = 1s;
    return p;
}
static_assert(rto_estimator::make(inverted()).error() == rto_errc::maximum_below_minimum);
static_assert(rto_estimator::make(connection_config{}).has_value());

// The timer of RFC 6298 5 over the estimator.
constexpr bool timer_runs() {
    retransmission_timer<> t;
    t.on_send(seq_number{101}, core::time_point{0s}, transmission::first);
    const bool started = t.deadline() == core::deadline{core::time_point{1s}};
    const bool backed_off = t.on_expiry(core::time_point{1s}) == 2s && t.deadline().at() == core::time_point{3s};
    (void)t.on_ack(seq_number{101}, core::time_point{3500ms}, true);
    return started && backed_off && !t.deadline().armed();
}
static_assert(timer_runs());
