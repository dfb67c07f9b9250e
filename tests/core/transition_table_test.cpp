#include "support/catch.hpp"

#include <synack/core/diagram.hpp>
#include <synack/core/machine.hpp>
#include <synack/core/verify.hpp>

#include <string>
#include <string_view>
#include <vector>

// A small machine to exercise the engine: a door that opens, closes, locks with a code.
namespace door {
using namespace synack::core;
struct closed {}; struct open {}; struct locked {}; struct broken {};
struct push {}; struct pull {}; struct lock {}; struct unlock { int code = -1; }; struct kick {};

struct log {
    std::vector<std::string> calls;
    int code = 1234;
    int rejected = 0;
};

inline constexpr auto note = [](const char* what) { return [what](log& l) { l.calls.emplace_back(what); }; };
inline constexpr auto right_code = [](const log& l, const unlock& c) { return c.code == l.code; };
inline constexpr auto master_code = [](const log&, const unlock& c) { return c.code == 0; };

inline const auto table = make_transition_table(
    states<closed, open, locked, broken>, events<push, pull, lock, unlock, kick>, terminal<closed>,
    state<closed> + event<pull> / note("opening") = state<open>,
    state<open> + event<push> / note("closing") = state<closed>,
    state<closed> + event<lock> / note("locking") = state<locked>,
    state<locked> + event<unlock> [right_code] / note("right code") = state<closed>,
    state<locked> + event<unlock> [master_code] / note("master code") = state<closed>,
    state<closed> + event<kick> = state<broken>,
    state<broken> + event<push> / note("repaired") = state<closed>,
    state<open> + event<lock> = reject,
    state<closed> + event<push> = ignore,
    state<locked> + any_event = ignore)
    .on_reject([](log& l) { ++l.rejected; });
} // namespace door

using namespace synack::core;
using door_table = std::remove_cvref_t<decltype(door::table)>;

TEST_CASE("a row runs its action and moves the machine to its target", "[core][machine]") {
    auto m = make_machine(door::table, door::log{});
    REQUIRE(m.is<door::closed>());
    CHECK(m.process(door::pull{}) == dispatch_result::transitioned);
    CHECK(m.is<door::open>());
    CHECK(m.state_name() == "open");
    CHECK(m.context().calls == std::vector<std::string>{"opening"});
}

TEST_CASE("guarded rows of one cell are tried in the order written", "[core][machine]") {
    auto m = make_machine(door::table, door::log{});
    m.set_state<door::locked>();
    CHECK(m.dispatch(door_table::event_index<door::unlock>(), door::unlock{1}) == dispatch_result::no_guard_held);
    CHECK(m.is<door::locked>());
    CHECK(m.context().calls.empty());
    CHECK(m.dispatch(door_table::event_index<door::unlock>(), door::unlock{0}) == dispatch_result::transitioned);
    CHECK(m.context().calls == std::vector<std::string>{"master code"});

    // Both guards hold: the first row written wins.
    door::log l;
    l.code = 0;
    auto both = make_machine(door::table, l);
    both.set_state<door::locked>();
    both.dispatch(door_table::event_index<door::unlock>(), door::unlock{0});
    CHECK(both.context().calls == std::vector<std::string>{"right code"});
}

TEST_CASE("ignore changes nothing and runs nothing; reject runs the table's reject action", "[core][machine]") {
    auto m = make_machine(door::table, door::log{});
    CHECK(m.process(door::push{}) == dispatch_result::ignored);
    CHECK(m.is<door::closed>());
    m.process(door::pull{});
    CHECK(m.process(door::lock{}) == dispatch_result::rejected);
    CHECK(m.is<door::open>());
    CHECK(m.context().rejected == 1);
    CHECK(m.context().calls.size() == 1);
}

TEST_CASE("any_event covers only the events a state has no row of its own for", "[core][machine]") {
    auto m = make_machine(door::table, door::log{});
    m.set_state<door::locked>();
    for (std::size_t e = 0; e < door_table::event_count; ++e) {
        if (e == door_table::event_index<door::unlock>()) continue;
        CHECK(m.dispatch(e, door::unlock{}) == dispatch_result::ignored);
    }
    CHECK(door_table::cell(door_table::state_index<door::locked>(), door_table::event_index<door::unlock>()).count == 2);
    CHECK(m.dispatch(door_table::event_index<door::unlock>(), door::unlock{1234}) == dispatch_result::transitioned);
}

TEST_CASE("a cell without a row is reported unhandled and changes nothing", "[core][machine]") {
    auto m = make_machine(door::table, door::log{});
    m.process(door::pull{});
    CHECK(m.process(door::kick{}) == dispatch_result::unhandled);
    CHECK(m.process(door::unlock{}) == dispatch_result::unhandled);
    CHECK(m.is<door::open>());
}

TEST_CASE("an event index outside the table is unhandled and changes nothing", "[core][machine]") {
    auto m = make_machine(door::table, door::log{});
    CHECK(m.dispatch(door_table::event_count, door::unlock{}) == dispatch_result::unhandled);
    CHECK(m.dispatch(static_cast<std::size_t>(-1), door::unlock{}) == dispatch_result::unhandled);
    CHECK(m.is<door::closed>());
    CHECK(m.context().calls.empty());
}

TEST_CASE("the tracer sees every transition by name, and nothing else", "[core][machine]") {
    std::vector<std::string> seen;
    auto m = make_machine(door::table, door::log{}, callback_tracer{[&](std::string_view f, std::string_view e, std::string_view t) {
        seen.push_back(std::string(f) + " -" + std::string(e) + "-> " + std::string(t));
    }});
    m.process(door::push{}); // ignored: not traced
    m.process(door::kick{});
    m.process(door::push{});
    CHECK(seen == std::vector<std::string>{"closed -kick-> broken", "broken -push-> closed"});
}

TEST_CASE("a machine is a value: copies run on their own, reset starts over", "[core][machine]") {
    auto m = make_machine(door::table, door::log{});
    m.process(door::pull{});
    auto copy = m;
    copy.process(door::push{});
    CHECK(m.is<door::open>());
    CHECK(copy.is<door::closed>());
    CHECK(m.context().calls.size() == 1);
    CHECK(copy.context().calls.size() == 2);
    copy.reset();
    CHECK(copy.is<door::closed>());
    CHECK(copy.context().calls.empty());
}

// Events raised by actions: a vending machine whose "coin" action raises "dispense"
// when the price is reached.
namespace vending {
using namespace synack::core;
struct idle {}; struct paid {};
struct coin {}; struct dispense {}; struct refund {};
struct till { int cents = 0; int dispensed = 0; std::vector<std::string> order; };
inline constexpr auto add_coin = [](till& t, const auto&, auto& queue) {
    t.cents += 50;
    t.order.emplace_back("coin");
    if (t.cents >= 100) queue.raise(1); // dispense
};
inline constexpr auto give = [](till& t) { t.cents -= 100; ++t.dispensed; t.order.emplace_back("dispense"); };
inline constexpr auto table = make_transition_table(
    states<idle, paid>, events<coin, dispense, refund>,
    state<idle> + event<coin> / add_coin = state<idle>,
    state<idle> + event<dispense> / give = state<paid>,
    state<paid> + event<refund> = state<idle>,
    state<paid> + event<coin> = reject,
    state<idle> + event<refund> = ignore,
    state<paid> + event<dispense> = ignore);
static_assert(verify(table).ok());
} // namespace vending

TEST_CASE("events raised by actions run after the current event, to completion", "[core][machine]") {
    auto m = make_machine<4>(vending::table, vending::till{});
    CHECK(m.process(vending::coin{}) == dispatch_result::transitioned);
    CHECK(m.is<vending::idle>());
    CHECK(m.process(vending::coin{}) == dispatch_result::transitioned); // the coin's own result
    CHECK(m.is<vending::paid>());                                       // then the raised dispense ran
    CHECK(m.context().order == std::vector<std::string>{"coin", "coin", "dispense"});
    CHECK(m.context().dispensed == 1);
}

TEST_CASE("an event queue refuses events past its capacity", "[core][machine]") {
    event_queue<2> q;
    CHECK(q.raise(1));
    CHECK(q.raise(2));
    CHECK_FALSE(q.raise(3));
    CHECK(q.pop() == 1);
    CHECK(q.raise(3));
    CHECK(q.pop() == 2);
    CHECK(q.pop() == 3);
    CHECK(q.empty());
    event_queue<0> none;
    CHECK_FALSE(none.raise(0));
}

TEST_CASE("the table is flattened into one cell per state and event", "[core][table]") {
    STATIC_REQUIRE(door_table::state_count == 4);
    STATIC_REQUIRE(door_table::event_count == 5);
    STATIC_REQUIRE(door_table::cell_count == 20);
    CHECK(door_table::state_names[2] == "locked");
    CHECK(door_table::event_names[4] == "kick");
    const auto closed = door_table::state_index<door::closed>();
    const auto open = door_table::state_index<door::open>();
    CHECK(door_table::cell(closed, door_table::event_index<door::push>()).kind == cell_kind::ignore);
    CHECK(door_table::cell(open, door_table::event_index<door::lock>()).kind == cell_kind::reject);
    CHECK(door_table::cell(open, door_table::event_index<door::kick>()).kind == cell_kind::unhandled);
    CHECK(door_table::cell(closed, door_table::event_index<door::pull>()).kind == cell_kind::rows);
}

TEST_CASE("verification lists every finding with its state and event", "[core][verify]") {
    const auto report = verify(door::table);
    // open has no row for pull, unlock or kick; broken none but push; closed none for unlock.
    CHECK(report.count(finding_kind::unhandled) == 3 + 4 + 1);
    CHECK(report.ok(finding_kind::nondeterministic));
    CHECK(report.ok(finding_kind::unreachable));
    CHECK(report.ok(finding_kind::dead_end));
    CHECK(report.ok(finding_kind::unused_event));
    std::vector<std::string> open_holes;
    for (std::size_t i = 0; i < report.size; ++i) {
        const auto& f = report.items[i];
        if (f.kind == finding_kind::unhandled && report.state_name(f) == "open")
            open_holes.emplace_back(report.event_name(f));
    }
    CHECK(open_holes == std::vector<std::string>{"pull", "unlock", "kick"});
}

namespace flawed {
using namespace synack::core;
struct a {}; struct b {}; struct orphan {}; struct trap {};
struct x {}; struct y {}; struct spare {};
inline constexpr auto table = make_transition_table(
    states<a, b, orphan, trap>, events<x, y, spare>, terminal<a>,
    state<a> + event<x> = state<b>,
    state<b> + event<x> = state<a>,
    state<b> + event<x> = state<trap>, // after an unguarded row: never fires
    state<b> + event<y> = state<trap>,
    state<trap> + any_event = ignore,
    state<orphan> + event<x> = state<a>);
} // namespace flawed

TEST_CASE("verification finds nondeterminism, unreachable and dead-end states, unused events", "[core][verify]") {
    constexpr auto report = verify(flawed::table);
    STATIC_REQUIRE(!report.ok());
    CHECK(report.count(finding_kind::nondeterministic) == 1);
    CHECK(report.state_name(report.first(finding_kind::nondeterministic)) == "b");
    CHECK(report.event_name(report.first(finding_kind::nondeterministic)) == "x");
    CHECK(report.count(finding_kind::unreachable) == 1);
    CHECK(report.state_name(report.first(finding_kind::unreachable)) == "orphan");
    CHECK(report.count(finding_kind::dead_end) == 1);
    CHECK(report.state_name(report.first(finding_kind::dead_end)) == "trap");
    CHECK(report.count(finding_kind::unused_event) == 1);
    CHECK(report.event_name(report.first(finding_kind::unused_event)) == "spare");
    CHECK(to_string(finding_kind::dead_end).starts_with("dead end"));
}

namespace {
std::string render(diagram_format f) {
    std::string out;
    write_diagram(door::table, f, [&](std::string_view s) { out += s; }, "door");
    return out;
}
} // namespace

TEST_CASE("the DOT diagram has one edge per pair of states, one label line per row", "[core][diagram]") {
    const auto dot = render(diagram_format::dot);
    CHECK(dot.starts_with("digraph \"door\" {"));
    CHECK(dot.find("\"closed\" [peripheries=2];") != std::string::npos); // the terminal state
    CHECK(dot.find("__initial__ -> \"closed\";") != std::string::npos);  // the initial state
    CHECK(dot.find("\"closed\" -> \"open\" [label=\"pull\"];") != std::string::npos);
    CHECK(dot.find("\"locked\" -> \"closed\" [label=\"unlock [guard]\\nunlock [guard]\"];") != std::string::npos);
    CHECK(dot.find("\"broken\" -> \"closed\" [label=\"push\"];") != std::string::npos);
    // ignore and reject rows draw no edge
    CHECK(dot.find("\"open\" -> \"open\"") == std::string::npos);
    CHECK(dot.ends_with("}\n"));
}

TEST_CASE("the Mermaid diagram names every state and transition", "[core][diagram]") {
    const auto mermaid = render(diagram_format::mermaid);
    CHECK(mermaid.find("stateDiagram-v2") != std::string::npos);
    CHECK(mermaid.find("[*] --> closed") != std::string::npos);
    CHECK(mermaid.find("closed --> broken : kick") != std::string::npos);
    CHECK(mermaid.find("locked --> closed : unlock [guard]<br/>unlock [guard]") != std::string::npos);
}

TEST_CASE("the compile-time diagram is the run-time one", "[core][diagram]") {
    std::string runtime;
    write_diagram(vending::table, diagram_format::dot, [&](std::string_view s) { runtime += s; });
    constexpr auto& compile_time = dot_c<vending::table>;
    CHECK(std::string_view{compile_time.data()} == runtime);
}
