#include "support/catch.hpp"

#include <synack/core/clock.hpp>

#include <chrono>
#include <concepts>

using namespace synack::core;
using namespace std::chrono_literals;

namespace {

struct throwing_clock {
    time_point now() const { return {}; }
};
struct millisecond_clock {
    std::chrono::time_point<std::chrono::steady_clock, std::chrono::milliseconds> now() const noexcept { return {}; }
};
struct mutable_clock {
    time_point now() noexcept { return {}; }
};

// Qualified: under `using namespace`, a bare `clock` also finds the C library's clock().
static_assert(synack::core::clock<manual_clock>);
static_assert(synack::core::clock<steady_clock>);
static_assert(!synack::core::clock<throwing_clock>, "now() must not throw");
static_assert(!synack::core::clock<millisecond_clock>, "now() gives synack's time_point, not another scale");
static_assert(!synack::core::clock<mutable_clock>, "now() works on a const clock");
static_assert(sizeof(deadline) == sizeof(time_point));

// Virtual time and timers in a constant expression: a retransmission timer armed, then
// time moved to it.
constexpr bool timer_fires_in_a_constant_expression() {
    manual_clock clock;
    deadline rto = deadline::after(clock.now(), 1s);
    if (rto.expired(clock.now()) || !clock.advance(999ms)) return false;
    if (rto.expired(clock.now()) || rto.remaining(clock.now()) != 1ms) return false;
    return clock.advance(1ms) && rto.expired(clock.now()) && rto.remaining(clock.now()) == 0s;
}
static_assert(timer_fires_in_a_constant_expression());

constexpr time_point at(duration since_epoch) { return time_point{since_epoch}; }

} // namespace

TEST_CASE("a manual clock starts at the epoch or where it is told, and moves only when told", "[core][clock]") {
    manual_clock clock;
    CHECK(clock.now() == time_point{});
    CHECK(clock.now() == clock.now());
    CHECK(clock.advance(250ms).value() == at(250ms));
    CHECK(clock.now() == at(250ms));
    CHECK(clock.advance(0s).value() == at(250ms));
    CHECK(clock.set(at(2s)).value() == at(2s));
    CHECK(clock.set(at(2s)).value() == at(2s)); // staying put is not going back
    CHECK(clock.now() == at(2s));
    CHECK(manual_clock{at(-5s)}.now() == at(-5s));
}

TEST_CASE("a manual clock refuses to go backwards and stays where it was", "[core][clock]") {
    manual_clock clock{at(10s)};
    const auto back = clock.advance(-1ns);
    REQUIRE_FALSE(back);
    CHECK(back.error() == clock_error::backwards);
    CHECK(clock.now() == at(10s));
    const auto set_back = clock.set(at(10s) - 1ns);
    REQUIRE_FALSE(set_back);
    CHECK(set_back.error() == clock_error::backwards);
    CHECK(clock.now() == at(10s));
}

TEST_CASE("a manual clock refuses to pass the last representable instant", "[core][clock]") {
    manual_clock clock{time_point::max() - 1s};
    CHECK(clock.advance(1s).value() == time_point::max()); // reaching the last instant is allowed
    const auto past = clock.advance(1ns);
    REQUIRE_FALSE(past);
    CHECK(past.error() == clock_error::overflow);
    CHECK(clock.now() == time_point::max());

    manual_clock far{at(1s)};
    const auto huge = far.advance(duration::max());
    REQUIRE_FALSE(huge);
    CHECK(huge.error() == clock_error::overflow);
    CHECK(far.now() == at(1s));

    manual_clock before_epoch{time_point::min()};
    CHECK(before_epoch.advance(duration::max()).value() == time_point{} - 1ns); // min + max = -1
}

TEST_CASE("the steady clock never goes back", "[core][clock]") {
    const steady_clock clock;
    time_point last = clock.now();
    for (int i = 0; i < 1000; ++i) {
        const time_point t = clock.now();
        CHECK(t >= last);
        last = t;
    }
    const time_point system = std::chrono::steady_clock::now();
    CHECK(clock.now() >= system);
}

TEST_CASE("a default deadline is disarmed: never expires and has no time remaining to count", "[core][clock]") {
    const deadline d;
    CHECK_FALSE(d.armed());
    CHECK_FALSE(d.expired(time_point{}));
    CHECK_FALSE(d.expired(time_point::max()));
    CHECK(d.remaining(time_point{}) == duration::max());
    CHECK(d.at() == time_point::max());
    CHECK(d == deadline{time_point::max()});
}

TEST_CASE("an armed deadline expires when now reaches its instant, and counts down to it", "[core][clock]") {
    deadline d{at(100ms)};
    CHECK(d.armed());
    CHECK(d.at() == at(100ms));
    CHECK_FALSE(d.expired(at(99ms)));
    CHECK(d.expired(at(100ms)));
    CHECK(d.expired(at(5s)));
    CHECK(d.remaining(at(40ms)) == 60ms);
    CHECK(d.remaining(at(100ms)) == 0ms);
    CHECK(d.remaining(at(5s)) == 0ms);

    d.disarm();
    CHECK_FALSE(d.armed());
    CHECK_FALSE(d.expired(at(5s)));
    d.arm(at(7s));
    CHECK(d == deadline{at(7s)});
    d.arm(at(7s), 3s);
    CHECK(d.at() == at(10s));
}

TEST_CASE("deadline::after arms for now plus the wait; a wait past the end of time leaves it disarmed",
          "[core][clock]") {
    CHECK(deadline::after(at(1s), 500ms) == deadline{at(1500ms)});
    CHECK(deadline::after(at(1s), 0s).expired(at(1s)));
    CHECK(deadline::after(at(1s), -3s) == deadline{at(1s)}); // a wait already over is due now
    CHECK_FALSE(deadline::after(at(1s), duration::max()).armed());
    CHECK_FALSE(deadline::after(time_point::max() - 1s, 1s).armed()); // the last instant is "never"
    CHECK(deadline::after(time_point::max() - 1s, 999ms).armed());
    CHECK(deadline::after(at(-1s), duration::max()).armed());
    // The connection's settings are in milliseconds; they convert without loss.
    CHECK(deadline::after(at(0s), std::chrono::milliseconds{30'000}) == deadline{at(30s)});
}

TEST_CASE("earliest picks the timer that expires first and never a disarmed one", "[core][clock]") {
    const deadline retransmit{at(3s)};
    const deadline time_wait{at(60s)};
    const deadline off{};
    CHECK(earliest(retransmit, time_wait) == retransmit);
    CHECK(earliest(time_wait, retransmit) == retransmit);
    CHECK(earliest(off, time_wait) == time_wait);
    CHECK(earliest(time_wait, off) == time_wait);
    CHECK_FALSE(earliest(off, off).armed());
    CHECK(earliest(time_wait, off, retransmit) == retransmit);
    CHECK(synack::core::earliest(off, time_wait, off, deadline{at(61s)}) == time_wait);
}
