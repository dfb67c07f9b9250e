#pragma once
/// \file
/// Compile-time verification of a `transition_table`, in plain constexpr code over its
/// index arrays: determinism, reachability, liveness, completeness and unused
/// declarations. `verify(table)` is a constexpr report to `static_assert` on or print;
/// `static_assert_verified<table>()` fails to compile with the offending state or
/// event named in the error (`detail::unreachable_state<lost>`).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "synack/core/transition_table.hpp"

namespace synack::core {

/// The kinds of finding.
enum class finding_kind : std::uint8_t {
    nondeterministic, ///< a row in a cell after an unguarded row can never fire
    unreachable,      ///< no path from the initial state reaches this state
    dead_end,         ///< no terminal state can be reached from this (reachable) state
    unhandled,        ///< a state x event cell without a row, `ignore` or `reject`
    unused_event,     ///< an event no row names
};

/// One finding: its kind, and the state and event it concerns (npos where it names none).
struct finding {
    finding_kind kind{};
    std::size_t state = npos;
    std::size_t event = npos;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

/// Every finding of a table, with names to print them.
template <class Table>
struct verification_report {
    std::array<finding, Table::cell_count + Table::state_count * 2 + Table::event_count + Table::row_count> items{};
    std::size_t size = 0;

    constexpr void add(finding f) noexcept { items[size++] = f; }
    constexpr std::size_t count(finding_kind k) const noexcept {
        std::size_t n = 0;
        for (std::size_t i = 0; i < size; ++i) n += items[i].kind == k;
        return n;
    }
    /// True when no finding of kind `k`.
    constexpr bool ok(finding_kind k) const noexcept { return count(k) == 0; }
    /// True when the table is deterministic, every state reachable and live, and complete.
    constexpr bool ok() const noexcept { return size == 0; }
    /// The first finding of kind `k` (kind-less when none).
    constexpr finding first(finding_kind k) const noexcept {
        for (std::size_t i = 0; i < size; ++i)
            if (items[i].kind == k) return items[i];
        return {};
    }
    constexpr std::string_view state_name(const finding& f) const noexcept {
        return f.state < Table::state_count ? Table::state_names[f.state] : std::string_view{};
    }
    constexpr std::string_view event_name(const finding& f) const noexcept {
        return f.event < Table::event_count ? Table::event_names[f.event] : std::string_view{};
    }
};

/// A short description of a finding kind.
constexpr std::string_view to_string(finding_kind k) noexcept {
    switch (k) {
    case finding_kind::nondeterministic: return "nondeterministic: a row after an unguarded row in the same cell never fires";
    case finding_kind::unreachable: return "unreachable: no path from the initial state";
    case finding_kind::dead_end: return "dead end: no terminal state can be reached";
    case finding_kind::unhandled: return "unhandled: no row, ignore or reject for this cell";
    case finding_kind::unused_event: return "unused: no row names this event";
    }
    return "?";
}

/// Runs every check over `table`'s index arrays.
template <class Table>
constexpr verification_report<Table> verify(const Table&) noexcept {
    constexpr std::size_t S = Table::state_count, E = Table::event_count;
    verification_report<Table> report{};

    // Determinism: within a cell, rows are tried in order; any row after an unguarded
    // one is dead, and two unguarded rows are indistinguishable.
    for (std::size_t s = 0; s < S; ++s)
        for (std::size_t e = 0; e < E; ++e) {
            const auto& c = Table::cell(s, e);
            for (std::size_t k = 0; k + 1 < c.count; ++k)
                if (!Table::rows_info[Table::cell_table.rows[c.first + k]].guarded) {
                    report.add({finding_kind::nondeterministic, s, e});
                    break;
                }
        }

    // Reachability: breadth-first from the initial state over every row's edge.
    std::array<bool, S> reached{};
    std::array<std::size_t, S> queue{};
    std::size_t head = 0, tail = 0;
    reached[0] = true;
    queue[tail++] = 0;
    while (head < tail) {
        const std::size_t s = queue[head++];
        for (const auto& r : Table::rows_info)
            if (r.from == s && r.to < S && !reached[r.to]) {
                reached[r.to] = true;
                queue[tail++] = r.to;
            }
    }
    for (std::size_t s = 0; s < S; ++s)
        if (!reached[s]) report.add({finding_kind::unreachable, s, finding::npos});

    // Liveness: backwards from the terminal states.
    std::array<bool, S> live = Table::terminal_states;
    for (bool changed = true; changed;) {
        changed = false;
        for (const auto& r : Table::rows_info)
            if (r.to < S && live[r.to] && !live[r.from]) live[r.from] = changed = true;
    }
    for (std::size_t s = 0; s < S; ++s)
        if (reached[s] && !live[s]) report.add({finding_kind::dead_end, s, finding::npos});

    // Completeness: every cell declared.
    for (std::size_t s = 0; s < S; ++s)
        for (std::size_t e = 0; e < E; ++e)
            if (Table::cell(s, e).kind == cell_kind::unhandled) report.add({finding_kind::unhandled, s, e});

    // Unused declarations: events no row names (an undeclared-then-unused state is unreachable).
    for (std::size_t e = 0; e < E; ++e) {
        bool used = false;
        for (const auto& r : Table::rows_info) used = used || (!r.any_event && r.event == e);
        if (!used) report.add({finding_kind::unused_event, finding::npos, e});
    }
    return report;
}

namespace detail {
// Incomplete on purpose: instantiating one puts the offending type in the error.
template <class State, class Event>
struct nondeterministic_cell;
template <class State>
struct unreachable_state;
template <class State>
struct dead_end_state;
template <class State, class Event>
struct unhandled_cell;
template <class Event>
struct unused_event;

template <class Tuple, std::size_t I>
using element_or_void = std::conditional_t<(I < std::tuple_size_v<Tuple>), std::tuple_element_t<(I < std::tuple_size_v<Tuple> ? I : 0), Tuple>, void>;
} // namespace detail

/// Which checks `static_assert_verified` enforces.
struct verify_options {
    bool determinism = true;
    bool reachability = true;
    bool liveness = true;
    bool completeness = true;
    bool unused = true;
};

/// Fails to compile when `Table` breaks a check, naming the first offending state or
/// event: `static_assert_verified<my_table>();`
template <const auto& Table, verify_options Options = verify_options{}>
consteval bool static_assert_verified() {
    using T = std::remove_cvref_t<decltype(Table)>;
    using S = typename T::state_types;
    using E = typename T::event_types;
    constexpr auto report = verify(Table);
    if constexpr (Options.determinism && !report.ok(finding_kind::nondeterministic)) {
        constexpr auto f = report.first(finding_kind::nondeterministic);
        static_assert(report.ok(finding_kind::nondeterministic),
                      "synack::transition_table: two rows for the same state and event, and no guard tells them apart");
        (void)sizeof(detail::nondeterministic_cell<detail::element_or_void<S, f.state>, detail::element_or_void<E, f.event>>);
    }
    if constexpr (Options.reachability && !report.ok(finding_kind::unreachable)) {
        constexpr auto f = report.first(finding_kind::unreachable);
        static_assert(report.ok(finding_kind::unreachable), "synack::transition_table: a state is unreachable from the initial state");
        (void)sizeof(detail::unreachable_state<detail::element_or_void<S, f.state>>);
    }
    if constexpr (Options.liveness && !report.ok(finding_kind::dead_end)) {
        constexpr auto f = report.first(finding_kind::dead_end);
        static_assert(report.ok(finding_kind::dead_end), "synack::transition_table: a state can never reach a terminal state");
        (void)sizeof(detail::dead_end_state<detail::element_or_void<S, f.state>>);
    }
    if constexpr (Options.completeness && !report.ok(finding_kind::unhandled)) {
        constexpr auto f = report.first(finding_kind::unhandled);
        static_assert(report.ok(finding_kind::unhandled),
                      "synack::transition_table: a state has no row, ignore or reject for an event");
        (void)sizeof(detail::unhandled_cell<detail::element_or_void<S, f.state>, detail::element_or_void<E, f.event>>);
    }
    if constexpr (Options.unused && !report.ok(finding_kind::unused_event)) {
        constexpr auto f = report.first(finding_kind::unused_event);
        static_assert(report.ok(finding_kind::unused_event), "synack::transition_table: an event is declared but no row uses it");
        (void)sizeof(detail::unused_event<detail::element_or_void<E, f.event>>);
    }
    return true;
}

} // namespace synack::core
