#pragma once
/// \file
/// Tracing policies for machines: a tracer sees every transition as
/// (from-state, event, to-state) names. The default does nothing and costs nothing.

#include <string_view>

namespace synack::core {

/// The tracer that is not there: empty, inlined away.
struct no_tracer {
    constexpr void operator()(std::string_view, std::string_view, std::string_view) const noexcept {}
};

/// A tracer that forwards each transition to a callable `f(from, event, to)`.
template <class F>
struct callback_tracer {
    F f;
    constexpr void operator()(std::string_view from, std::string_view event, std::string_view to) { f(from, event, to); }
};
template <class F>
callback_tracer(F) -> callback_tracer<F>;

} // namespace synack::core
