// EXPECT: an event is declared but no row uses it.*unused_event<never_declared>
// never_declared is declared, but only any_event rows ever see it.
#include <synack/core/verify.hpp>
using namespace synack::core;
struct idle {}; struct busy {}; struct lost {}; struct stuck {};
struct go {}; struct done {}; struct never_declared {};
constexpr auto table = make_transition_table(states<idle, busy>, events<go, done, never_declared>,
    state<idle> + event<go> = state<busy>,
    state<busy> + event<done> = state<idle>,
#ifdef SYNACK_FAIL_CONTROL
    state<busy> + event<never_declared> = reject,
#endif
    state<idle> + any_event = ignore, state<busy> + any_event = reject);
static_assert(static_assert_verified<table>());
