// EXPECT: a state is unreachable from the initial state.*unreachable_state<lost>
// No row leads into lost.
#include <synack/core/verify.hpp>
using namespace synack::core;
struct idle {}; struct busy {}; struct lost {}; struct stuck {};
struct go {}; struct done {}; struct never_declared {};
constexpr auto table = make_transition_table(states<idle, busy, lost>, events<go, done>,
    state<idle> + event<go> = state<busy>,
    state<busy> + event<done> = state<idle>,
#ifdef SYNACK_FAIL_CONTROL
    state<busy> + event<go> = state<lost>,
#else
    state<busy> + event<go> = reject,
#endif
    state<lost> + event<done> = state<idle>,
    state<idle> + event<done> = ignore, state<lost> + event<go> = ignore);
static_assert(static_assert_verified<table>());
