// EXPECT: a state has no row, ignore or reject for an event.*unhandled_cell<idle, done>
// Completeness: (idle, done) is left open; declaring it ignore or reject closes it.
#include <synack/core/verify.hpp>
using namespace synack::core;
struct idle {}; struct busy {}; struct lost {}; struct stuck {};
struct go {}; struct done {}; struct never_declared {};
constexpr auto table = make_transition_table(states<idle, busy>, events<go, done>,
    state<idle> + event<go> = state<busy>,
    state<busy> + event<done> = state<idle>,
#ifdef SYNACK_FAIL_CONTROL
    state<idle> + event<done> = ignore,
#endif
    state<busy> + event<go> = reject);
static_assert(static_assert_verified<table>());
