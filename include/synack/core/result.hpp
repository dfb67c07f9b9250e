#pragma once
/// \file
/// `result<T, E>`: a value or a typed error, usable in constant expressions
/// (C++20 has no std::expected). Errors are values the caller must look at, never
/// exceptions: parsing untrusted bytes returns one of these.

#include <type_traits>
#include <utility>

namespace synack::core {

/// Wraps an error so that it converts to any `result<T, E>`: `return failure(errc::too_short);`.
template <class E>
struct failure {
    E error;
    constexpr explicit failure(E e) noexcept(std::is_nothrow_move_constructible_v<E>) : error{std::move(e)} {}
};

/// A value of type T, or an error of type E. Accessing the wrong one is a
/// precondition violation, checked in constant evaluation and by `value()`.
template <class T, class E>
class result {
    static_assert(std::is_trivially_destructible_v<T> && std::is_trivially_destructible_v<E>,
                  "synack::result: value and error types must be trivially destructible");

public:
    using value_type = T;
    using error_type = E;

    constexpr result(T value) noexcept(std::is_nothrow_move_constructible_v<T>) : value_{std::move(value)}, ok_{true} {}
    template <class G>
        requires std::is_constructible_v<E, G>
    constexpr result(failure<G> f) noexcept(std::is_nothrow_constructible_v<E, G>)
        : error_{std::move(f.error)}, ok_{false} {}

    constexpr bool has_value() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }

    /// The value; calling it on an error is a bug (a compile error in constant evaluation, a trap at run time).
    constexpr const T& value() const& noexcept {
        if (!ok_) bad_access();
        return value_;
    }
    constexpr T& value() & noexcept {
        if (!ok_) bad_access();
        return value_;
    }
    /// The error; calling it on a value is a bug.
    constexpr const E& error() const noexcept {
        if (ok_) bad_access();
        return error_;
    }
    constexpr const T& operator*() const& noexcept { return value(); }
    constexpr T& operator*() & noexcept { return value(); }
    constexpr const T* operator->() const noexcept { return &value(); }
    constexpr T* operator->() noexcept { return &value(); }

    /// The value, or `fallback` when this holds an error.
    constexpr T value_or(T fallback) const noexcept { return ok_ ? value_ : fallback; }

private:
    [[noreturn]] static void bad_access() noexcept { __builtin_trap(); } // not constexpr: misuse fails to compile
    union {
        T value_;
        E error_;
    };
    bool ok_;
};

} // namespace synack::core
