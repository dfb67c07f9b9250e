// A protocol of your own on synack's engine: states and events are types, rows read
// like the protocol, the compiler checks the table, and a runtime event dispatches in O(1).
#include <synack/core/diagram.hpp>
#include <synack/core/machine.hpp>
#include <synack/core/verify.hpp>

#include <cstdio>
#include <string_view>

namespace login {
using namespace synack::core;
struct idle {}; struct asking {}; struct in {}; struct locked {};          // states
struct connect {}; struct password { bool right; }; struct logout {};     // events

struct session { int failures = 0; };

constexpr auto right = [](const session&, const password& p) { return p.right; };
constexpr auto too_many = [](const session& s) { return s.failures >= 2; };
constexpr auto count_failure = [](session& s) { ++s.failures; };

constexpr auto table = make_transition_table(
    states<idle, asking, in, locked>, events<connect, password, logout>, terminal<idle, locked>,
    state<idle> + event<connect> = state<asking>,
    state<asking> + event<password> [right] = state<in>,
    state<asking> + event<password> [too_many] = state<locked>,
    state<asking> + event<password> / count_failure = state<asking>,
    state<in> + event<logout> = state<idle>,
    state<idle> + any_event = ignore,
    state<asking> + any_event = reject,
    state<in> + any_event = ignore,
    state<locked> + any_event = ignore);

// Deterministic, every state reachable, every state can end, every cell declared.
static_assert(static_assert_verified<table>());
} // namespace login

int main() {
    using namespace login;
    auto m = make_machine(table, session{});
    m.process(connect{});
    m.process(password{false});
    m.process(password{true});
    std::printf("state %s after %d failure\n", m.state_name().data(), m.context().failures);
    write_diagram(table, diagram_format::mermaid, [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }, "login");
    return m.is<in>() ? 0 : 1;
}
