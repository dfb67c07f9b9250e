// A table larger than one level of the dispatch switch (more than 16 states, more than
// 64 events): every cell dispatches as declared, whatever its position.
#include "support/catch.hpp"

#include <synack/core/machine.hpp>
#include <synack/core/verify.hpp>

#include <utility>

namespace large {
using namespace synack::core;
template <int N> struct st { };
template <int N> struct ev { };
inline constexpr int states_n = 20, events_n = 70;

struct count { int fired = 0; int rejected = 0; int last_row = -1; };

// Row i: state i, event (3 i + 1) mod 70, to state i + 1 (mod 20), recording i.
template <int I>
constexpr auto forward_row() {
    return state<st<I>> + event<ev<(3 * I + 1) % events_n>> / [](count& c) { ++c.fired; c.last_row = I; } = state<st<(I + 1) % states_n>>;
}
// State i rejects event (5 i + 2) mod 70, and ignores the rest.
template <int I>
constexpr auto reject_row() { return state<st<I>> + event<ev<(5 * I + 2) % events_n>> = reject; }
template <int I>
constexpr auto ignore_row() { return state<st<I>> + any_event = ignore; }

template <int... S, int... E>
constexpr auto make(std::integer_sequence<int, S...>, std::integer_sequence<int, E...>) {
    return make_transition_table(states<st<S>...>, events<ev<E>...>, forward_row<S>()..., reject_row<S>()..., ignore_row<S>()...)
        .on_reject([](count& c) { ++c.rejected; });
}
inline const auto table = make(std::make_integer_sequence<int, states_n>{}, std::make_integer_sequence<int, events_n>{});
using table_type = std::remove_cvref_t<decltype(table)>;
} // namespace large

using namespace synack::core;

TEST_CASE("a table of 20 states and 70 events dispatches every cell as declared", "[core][machine]") {
    STATIC_REQUIRE(large::table_type::state_count == 20);
    STATIC_REQUIRE(large::table_type::event_count == 70);
    for (int s = 0; s < large::states_n; ++s) {
        for (int e = 0; e < large::events_n + 3; ++e) { // three indices past the last event too
            auto m = make_machine(large::table, large::count{});
            m.set_state(static_cast<std::size_t>(s));
            const auto result = m.dispatch(static_cast<std::size_t>(e));
            INFO("state " << s << ", event " << e);
            if (e >= large::events_n) {
                CHECK(result == dispatch_result::unhandled);
                CHECK(m.state() == static_cast<std::size_t>(s));
            } else if (e == (3 * s + 1) % large::events_n) {
                CHECK(result == dispatch_result::transitioned);
                CHECK(m.state() == static_cast<std::size_t>((s + 1) % large::states_n));
                CHECK(m.context().last_row == s);
            } else if (e == (5 * s + 2) % large::events_n) {
                CHECK(result == dispatch_result::rejected);
                CHECK(m.context().rejected == 1);
                CHECK(m.state() == static_cast<std::size_t>(s));
            } else {
                CHECK(result == dispatch_result::ignored);
                CHECK(m.context().fired == 0);
                CHECK(m.context().rejected == 0);
                CHECK(m.state() == static_cast<std::size_t>(s));
            }
        }
    }
}
