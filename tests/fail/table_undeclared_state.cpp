// EXPECT: a row names a state the table does not declare.*undeclared_state<lost>
// lost is used in a row but missing from states<...>.
#include <synack/core/verify.hpp>
using namespace synack::core;
struct idle {}; struct busy {}; struct lost {}; struct stuck {};
struct go {}; struct done {}; struct never_declared {};
#ifdef SYNACK_FAIL_CONTROL
constexpr auto table = make_transition_table(states<idle, busy, lost>, events<go, done>,
#else
constexpr auto table = make_transition_table(states<idle, busy>, events<go, done>,
#endif
    state<idle> + event<go> = state<busy>,
    state<busy> + event<done> = state<lost>);
static_assert(decltype(table)::rows_info.size() == 2);
