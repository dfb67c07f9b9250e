// EXPECT: a row names an event the table does not declare.*undeclared_event<never_declared>
// never_declared is used in a row but missing from events<...>.
#include <synack/core/verify.hpp>
using namespace synack::core;
struct idle {}; struct busy {}; struct lost {}; struct stuck {};
struct go {}; struct done {}; struct never_declared {};
#ifdef SYNACK_FAIL_CONTROL
constexpr auto table = make_transition_table(states<idle, busy>, events<go, done, never_declared>,
#else
constexpr auto table = make_transition_table(states<idle, busy>, events<go, done>,
#endif
    state<idle> + event<go> = state<busy>,
    state<busy> + event<never_declared> = state<idle>);
static_assert(decltype(table)::rows_info.size() == 2);
