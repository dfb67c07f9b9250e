// EXPECT: a state can never reach a terminal state.*dead_end_state<stuck>
// stuck is entered but every row out of it loops back to it.
#include <synack/core/verify.hpp>
using namespace synack::core;
struct idle {}; struct busy {}; struct lost {}; struct stuck {};
struct go {}; struct done {}; struct never_declared {};
constexpr auto table = make_transition_table(states<idle, busy, stuck>, events<go, done>, terminal<idle>,
    state<idle> + event<go> = state<busy>,
    state<busy> + event<done> = state<idle>,
    state<busy> + event<go> = state<stuck>,
#ifdef SYNACK_FAIL_CONTROL
    state<stuck> + event<done> = state<idle>,
#else
    state<stuck> + event<done> = state<stuck>,
#endif
    state<idle> + event<done> = ignore, state<stuck> + event<go> = ignore);
static_assert(static_assert_verified<table>());
