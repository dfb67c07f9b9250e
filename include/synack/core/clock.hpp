#pragma once
/// \file
/// Time as a policy: the `clock` concept, a virtual `manual_clock` for tests and
/// constant expressions, a `steady_clock` adapter for real programs, and `deadline`,
/// one armed-or-not timer in the size of a time point (a connection runs a handful of
/// them: retransmission, RFC 6298; TIME-WAIT, RFC 9293 3.4.2; user timeout, RFC 9293 3.8.3).
///
/// All synack clocks share one scale, `core::time_point`: nanoseconds on the monotonic
/// time line of `std::chrono::steady_clock`. A manual clock's instants are points on that
/// line chosen by the program instead of read from the system.

#include <chrono> // the only system header time needs
#include <concepts>

#include "synack/core/result.hpp"

namespace synack::core {

/// A span of time, in nanoseconds.
using duration = std::chrono::nanoseconds;

/// An instant on synack's monotonic scale (never jumps back, unaffected by changes of the wall clock).
using time_point = std::chrono::time_point<std::chrono::steady_clock, duration>;

/// A time source: `c.now()` on a const clock gives the current `time_point` and does not
/// throw. Successive readings never go back in time (a promise of the clock, not checkable here).
template <class Clock>
concept clock = requires(const Clock& c) {
    { c.now() } noexcept -> std::same_as<time_point>;
};

namespace detail {
/// True when `t + d` is representable, for d >= 0 (a negative `t` leaves room for any d).
constexpr bool can_add(time_point t, duration d) noexcept {
    return t.time_since_epoch() <= duration::zero() || d <= time_point::max() - t;
}
} // namespace detail

/// Why a manual clock refused to move.
enum class clock_error : unsigned char {
    backwards, ///< the requested instant is before the current one: monotonic time cannot go back
    overflow,  ///< the requested instant is past the last representable one (about 292 years from the epoch)
};

/// Virtual time: stands still until told to move. Usable in constant expressions, so a
/// whole exchange with its timeouts can run inside a `static_assert`, and tests wait
/// for a 60-second TIME-WAIT in no time.
class manual_clock {
public:
    /// A clock at the scale's epoch (`now().time_since_epoch() == 0`).
    constexpr manual_clock() noexcept = default;
    /// A clock at `start`.
    constexpr explicit manual_clock(time_point start) noexcept : now_{start} {}

    /// The current virtual time.
    constexpr time_point now() const noexcept { return now_; }

    /// Moves time forward by `d` and returns the new time. A negative `d`, or one that
    /// would pass the last representable instant, leaves the clock where it was and
    /// returns the error.
    constexpr result<time_point, clock_error> advance(duration d) noexcept {
        if (d < duration::zero()) return failure(clock_error::backwards);
        if (!detail::can_add(now_, d)) return failure(clock_error::overflow);
        now_ += d;
        return now_;
    }

    /// Moves time to `t` and returns it; an instant before the current one leaves the
    /// clock where it was and returns `clock_error::backwards`.
    constexpr result<time_point, clock_error> set(time_point t) noexcept {
        if (t < now_) return failure(clock_error::backwards);
        now_ = t;
        return now_;
    }

private:
    time_point now_{};
};

/// The system's monotonic clock (`std::chrono::steady_clock`) as a synack clock.
struct steady_clock {
    time_point now() const noexcept {
        return std::chrono::time_point_cast<duration>(std::chrono::steady_clock::now());
    }
};

/// One timer: either disarmed or armed to expire at an instant. The size of one
/// `time_point` (a disarmed timer is the largest instant, which is never reached), so
/// a connection's three timers cost 24 bytes of its state, not the 48 of three
/// `std::optional<time_point>`.
class deadline {
public:
    /// A disarmed timer.
    constexpr deadline() noexcept = default;
    /// A timer armed for `at` (disarmed if `at` is `time_point::max()`, an instant never reached).
    constexpr explicit deadline(time_point at) noexcept : at_{at} {}

    /// A timer armed for `now + after`; an `after` that would overflow leaves it disarmed
    /// (the instant could never be reached), a negative `after` arms it for `now`.
    static constexpr deadline after(time_point now, duration after) noexcept {
        if (after < duration::zero()) return deadline{now};
        if (!detail::can_add(now, after) || now + after == never) return deadline{};
        return deadline{now + after};
    }

    /// Arms (or re-arms) the timer for `at`.
    constexpr void arm(time_point at) noexcept { at_ = at; }
    /// Arms (or re-arms) the timer for `now + after` (see `after`).
    constexpr void arm(time_point now, duration after) noexcept { *this = deadline::after(now, after); }
    /// Disarms the timer.
    constexpr void disarm() noexcept { at_ = never; }

    /// True when the timer is armed.
    constexpr bool armed() const noexcept { return at_ != never; }
    /// True when the timer is armed and `now` has reached its instant.
    constexpr bool expired(time_point now) const noexcept { return armed() && now >= at_; }
    /// The instant the timer expires at; the largest instant when it is disarmed.
    constexpr time_point at() const noexcept { return at_; }
    /// Time left from `now` until expiry: zero once expired, `duration::max()` when disarmed.
    constexpr duration remaining(time_point now) const noexcept {
        if (!armed()) return duration::max();
        return now >= at_ ? duration::zero() : at_ - now;
    }

    friend constexpr bool operator==(deadline, deadline) noexcept = default;

private:
    static constexpr time_point never = time_point::max();
    time_point at_ = never;
};

/// The earliest of some timers: when a program must next wake (a disarmed timer never
/// wins; all disarmed gives a disarmed one). On a tie, the first.
constexpr deadline earliest(deadline first, deadline second) noexcept {
    return second.at() < first.at() ? second : first;
}
/// The earliest of three or more timers.
template <std::same_as<deadline>... More>
constexpr deadline earliest(deadline first, deadline second, deadline third, More... more) noexcept {
    return earliest(earliest(first, second), third, more...);
}

} // namespace synack::core
