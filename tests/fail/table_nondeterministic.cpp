// EXPECT: two rows for the same state and event, and no guard tells them apart.*(nondeterministic_cell<busy, done>|busy, done)
// Two unguarded rows for (busy, done): the second could never fire.
#include <synack/core/verify.hpp>
using namespace synack::core;
struct idle {}; struct busy {}; struct lost {}; struct stuck {};
struct go {}; struct done {}; struct never_declared {};
constexpr auto table = make_transition_table(states<idle, busy>, events<go, done>,
    state<idle> + event<go> = state<busy>,
#ifndef SYNACK_FAIL_CONTROL
    state<busy> + event<done> = state<idle>,
#endif
    state<busy> + event<done> = state<idle>,
    state<idle> + event<done> = ignore, state<busy> + event<go> = reject);
static_assert(static_assert_verified<table>());
