#pragma once
/// \file
/// A protocol's state-transition table as data: states and events are types, rows read
/// like the protocol (`state<listen> + event<syn> [guard] / action = state<syn_received>`),
/// and the whole table flattens at compile time into dense arrays of indices
/// (state x event -> rows), which the machine dispatches on and `verify.hpp` checks.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "synack/core/detail/type_name.hpp"

namespace synack::core {

// ---------------------------------------------------------------------------------
// Names

/// The name of a state or event type: its `name` member if it has one, else the
/// type's own unqualified name (NUL-terminated: `data()` is also a C string).
template <class T>
constexpr std::string_view name_of() noexcept {
    if constexpr (requires { { T::name } -> std::convertible_to<std::string_view>; })
        return T::name;
    else
        return detail::type_name<T>();
}

// ---------------------------------------------------------------------------------
// Declarations

/// The states of a table; the first is the initial state.
template <class... States>
struct states_t {
    static_assert(sizeof...(States) > 0, "synack::transition_table: a table needs at least one state");
    static_assert(sizeof...(States) < 255, "synack::transition_table: at most 254 states");
};
template <class... States>
inline constexpr states_t<States...> states{};

/// The events of a table.
template <class... Events>
struct events_t {
    static_assert(sizeof...(Events) < 255, "synack::transition_table: at most 254 events");
};
template <class... Events>
inline constexpr events_t<Events...> events{};

/// The states where the protocol may rest for good (for the liveness check); when
/// a table declares none, its initial state is the terminal one.
template <class... States>
struct terminal_t {};
template <class... States>
inline constexpr terminal_t<States...> terminal{};

namespace detail {
template <class T, class... Ts>
constexpr std::size_t index_in() noexcept {
    constexpr bool same[] = {std::is_same_v<T, Ts>..., false};
    std::size_t i = 0;
    while (i < sizeof...(Ts) && !same[i]) ++i;
    return i;
}
template <class T>
struct undeclared_state; // incomplete on purpose: the error names the state
template <class T>
struct undeclared_event; // incomplete on purpose: the error names the event
} // namespace detail

// ---------------------------------------------------------------------------------
// Rows

/// The guard of a row without one (always holds) and the action of a row without
/// one (does nothing): the machine never calls them, so they cost nothing.
struct no_guard {
    constexpr bool operator()(auto&&...) const noexcept { return true; }
};
struct no_action {
    constexpr void operator()(auto&&...) const noexcept {}
};

/// Row targets that are not states: the cell is deliberately ignored (nothing happens)
/// or rejected (the table's reject action runs, e.g. "send RST").
struct ignore_t {};
struct reject_t {};
inline constexpr ignore_t ignore{};
inline constexpr reject_t reject{};

/// Matches every event that has no row of its own in a state: `state<s> + any_event = ignore`.
struct any_event_t {};
inline constexpr any_event_t any_event{};

template <class S>
struct state_t {};
/// A state in a row: `state<listen>`.
template <class S>
inline constexpr state_t<S> state{};

template <class E, class G = no_guard, class A = no_action>
struct event_part {
    [[no_unique_address]] G guard{};
    [[no_unique_address]] A action{};

    /// `event<e> [guard]`
    template <class G2>
    constexpr event_part<E, G2, A> operator[](G2 g) const noexcept {
        static_assert(std::is_same_v<G, no_guard>, "synack::transition_table: a row has one guard");
        return {g, action};
    }
    /// `event<e> / action`
    template <class A2>
    friend constexpr event_part<E, G, A2> operator/(event_part e, A2 a) noexcept {
        static_assert(std::is_same_v<A, no_action>, "synack::transition_table: a row has one action");
        return {e.guard, a};
    }
};
/// An event in a row: `event<syn>`.
template <class E>
inline constexpr event_part<E> event{};

/// `any_event / action`
template <class A>
constexpr event_part<any_event_t, no_guard, A> operator/(any_event_t, A a) noexcept { return {{}, a}; }

/// A complete row: from-state, event, guard, action, target (a state, `ignore`, `reject`).
template <class From, class Event, class Guard, class Action, class To>
struct row {
    using from = From;
    using event = Event;
    using to = To;
    using guard_type = Guard;
    using action_type = Action;
    [[no_unique_address]] Guard guard{};
    [[no_unique_address]] Action action{};
};

template <class S, class E, class G, class A>
struct row_part {
    [[no_unique_address]] G guard{};
    [[no_unique_address]] A action{};
    /// `... = state<target>`
    template <class D>
    constexpr row<S, E, G, A, D> operator=(state_t<D>) const noexcept { return {guard, action}; }
    /// `... = ignore`
    constexpr row<S, E, G, A, ignore_t> operator=(ignore_t) const noexcept { return {guard, action}; }
    /// `... = reject`
    constexpr row<S, E, G, A, reject_t> operator=(reject_t) const noexcept { return {guard, action}; }
};

template <class S, class E, class G, class A>
constexpr row_part<S, E, G, A> operator+(state_t<S>, event_part<E, G, A> e) noexcept {
    return {e.guard, e.action};
}
template <class S>
constexpr row_part<S, any_event_t, no_guard, no_action> operator+(state_t<S>, any_event_t) noexcept {
    return {};
}

// ---------------------------------------------------------------------------------
// The flattened table

/// What a cell (state x event) holds.
enum class cell_kind : std::uint8_t {
    unhandled, ///< no row: a hole the completeness check reports
    rows,      ///< one or more rows, tried in written order
    ignore,    ///< declared: nothing happens
    reject,    ///< declared: the table's reject action runs
};

/// Index of a row's target when it is not a state.
inline constexpr std::uint8_t target_ignore = 0xfe;
inline constexpr std::uint8_t target_reject = 0xff;

/// One row as indices: what verification and diagrams look at.
struct row_info {
    std::uint8_t from = 0;
    std::uint8_t event = 0;     ///< event index, or the event count for `any_event`
    std::uint8_t to = 0;        ///< state index, `target_ignore` or `target_reject`
    bool guarded = false;
    bool has_action = false;
    bool any_event = false;
};

/// One cell: its kind and the rows to try, `first` .. `first + count` in `cell_rows`.
struct cell_info {
    cell_kind kind = cell_kind::unhandled;
    std::uint16_t first = 0;
    std::uint16_t count = 0;
};

namespace detail {
// The rows' guards and actions, stored flat: one base per row, found by index through
// overload resolution. (std::tuple nests one level per element, which costs compile time
// and memory quadratic in the rows of a large table such as TCP's.)
template <std::size_t I, class Row>
struct row_leaf {
    [[no_unique_address]] Row row;
};
template <class Indices, class... Rows>
struct row_store;
template <std::size_t... I, class... Rows>
struct row_store<std::index_sequence<I...>, Rows...> : row_leaf<I, Rows>... {};

template <std::size_t I, class Row>
constexpr const Row& row_of(const row_leaf<I, Row>& leaf) noexcept { return leaf.row; }
} // namespace detail

template <class States, class Events, class Terminal, class Reject, class... Rows>
class transition_table;

/// A table: its states, events, terminal states, rows (with their guards and
/// actions), and what `reject` does. Build it with `make_transition_table`.
template <class... States, class... Events, class... Terminal, class Reject, class... Rows>
class transition_table<states_t<States...>, events_t<Events...>, terminal_t<Terminal...>, Reject, Rows...> {
public:
    static constexpr std::size_t state_count = sizeof...(States);
    static constexpr std::size_t event_count = sizeof...(Events);
    static constexpr std::size_t row_count = sizeof...(Rows);
    static constexpr std::size_t cell_count = state_count * event_count;
    /// True when no guard, action or reject action holds data (plain lambdas without
    /// captures): a machine then keeps no copy of the table at all.
    static constexpr bool stateless =
        std::is_empty_v<Reject> && std::is_default_constructible_v<Reject> &&
        ((std::is_empty_v<typename Rows::guard_type> && std::is_default_constructible_v<typename Rows::guard_type> &&
          std::is_empty_v<typename Rows::action_type> && std::is_default_constructible_v<typename Rows::action_type>) && ...);

    using state_types = std::tuple<States...>;
    using event_types = std::tuple<Events...>;

private:
    template <class Row>
    static constexpr row_info make_row_info() noexcept {
        row_info r{};
        r.from = static_cast<std::uint8_t>(state_index<typename Row::from>());
        if constexpr (std::is_same_v<typename Row::event, any_event_t>) {
            r.any_event = true;
            r.event = static_cast<std::uint8_t>(event_count);
        } else {
            r.event = static_cast<std::uint8_t>(event_index<typename Row::event>());
        }
        if constexpr (std::is_same_v<typename Row::to, ignore_t>) r.to = target_ignore;
        else if constexpr (std::is_same_v<typename Row::to, reject_t>) r.to = target_reject;
        else r.to = static_cast<std::uint8_t>(state_index<typename Row::to>());
        r.guarded = !std::is_same_v<typename Row::guard_type, no_guard>;
        r.has_action = !std::is_same_v<typename Row::action_type, no_action>;
        return r;
    }


public:
    constexpr transition_table() noexcept = default;
    constexpr explicit transition_table(Reject reject, Rows... rows) noexcept : reject_{reject}, rows_{{rows}...} {}

    /// The index of state S; a state the table never declared does not compile.
    template <class S>
    static constexpr std::size_t state_index() noexcept {
        constexpr std::size_t i = detail::index_in<S, States...>();
        if constexpr (i == state_count) {
            static_assert(i < state_count, "synack::transition_table: a row names a state the table does not declare");
            return detail::undeclared_state<S>{}, 0;
        } else {
            return i;
        }
    }
    /// The index of event E; an event the table never declared does not compile.
    template <class E>
    static constexpr std::size_t event_index() noexcept {
        constexpr std::size_t i = detail::index_in<E, Events...>();
        if constexpr (i == event_count) {
            static_assert(i < event_count, "synack::transition_table: a row names an event the table does not declare");
            return detail::undeclared_event<E>{}, 0;
        } else {
            return i;
        }
    }

    /// Names, in declaration order.
    static constexpr std::array<std::string_view, state_count> state_names{name_of<States>()...};
    static constexpr std::array<std::string_view, event_count> event_names{name_of<Events>()...};

    /// The rows as indices, in written order.
    static constexpr std::array<row_info, row_count> rows_info{make_row_info<Rows>()...};

    /// Terminal states (for liveness): the declared ones, or the initial state.
    static constexpr std::array<bool, state_count> terminal_states = [] {
        std::array<bool, state_count> t{};
        if constexpr (sizeof...(Terminal) == 0) t[0] = true;
        else ((t[state_index<Terminal>()] = true), ...);
        return t;
    }();

    /// For each cell, which rows apply, in written order: explicit rows first, then the
    /// state's `any_event` rows when the event has none of its own.
    static constexpr auto cell_table = [] {
        struct result {
            std::array<cell_info, cell_count> cells{};
            std::array<std::uint16_t, row_count * event_count + 1> rows{};
        } out{};
        // Linear in rows and cells (a table of 20 states, 70 events and 60 rows stays far
        // inside the compilers' constant-evaluation limits): count, lay out, then fill.
        std::array<std::uint16_t, cell_count> explicit_rows{};
        std::array<std::uint16_t, state_count> any_rows{};
        for (const auto& r : rows_info) {
            if (r.any_event) ++any_rows[r.from];
            else ++explicit_rows[r.from * event_count + r.event];
        }
        std::uint16_t next = 0;
        for (std::size_t c = 0; c < cell_count; ++c) {
            auto& cell = out.cells[c];
            cell.first = next;
            cell.count = explicit_rows[c] > 0 ? explicit_rows[c] : any_rows[c / event_count];
            next = static_cast<std::uint16_t>(next + cell.count);
        }
        std::array<std::uint16_t, cell_count> placed{};
        for (std::size_t r = 0; r < row_count; ++r) {
            const auto& ri = rows_info[r];
            if (!ri.any_event) {
                const std::size_t c = ri.from * event_count + ri.event;
                out.rows[out.cells[c].first + placed[c]++] = static_cast<std::uint16_t>(r);
            } else {
                for (std::size_t e = 0; e < event_count; ++e) {
                    const std::size_t c = ri.from * event_count + e;
                    if (explicit_rows[c] == 0) out.rows[out.cells[c].first + placed[c]++] = static_cast<std::uint16_t>(r);
                }
            }
        }
        for (auto& cell : out.cells) {
            if (cell.count == 0) {
                cell.kind = cell_kind::unhandled;
                continue;
            }
            // (No pointers here: GCC's -fsanitize=undefined makes their tests non-constant.)
            const row_info only = rows_info[out.rows[cell.first]];
            const bool plain = cell.count == 1 && !only.guarded && !only.has_action;
            if (plain && only.to == target_ignore) cell.kind = cell_kind::ignore;
            else if (plain && only.to == target_reject) cell.kind = cell_kind::reject;
            else cell.kind = cell_kind::rows;
        }
        return out;
    }();

    /// The cell of (state, event).
    static constexpr const cell_info& cell(std::size_t state, std::size_t event) noexcept {
        return cell_table.cells[state * event_count + event];
    }

    /// Row `I`'s guard and action values.
    template <std::size_t I>
    constexpr const auto& row_at() const noexcept { return detail::row_of<I>(rows_); }
    constexpr const Reject& reject_action() const noexcept { return reject_; }

    /// The same table, with `f` as what `reject` does (called like an action).
    template <class F>
    constexpr auto on_reject(F f) const noexcept {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return transition_table<states_t<States...>, events_t<Events...>, terminal_t<Terminal...>, F, Rows...>{
                f, detail::row_of<I>(rows_)...};
        }(std::index_sequence_for<Rows...>{});
    }

private:
    [[no_unique_address]] Reject reject_{};
    detail::row_store<std::index_sequence_for<Rows...>, Rows...> rows_{};
};

/// Builds a table from its declarations and rows:
/// ```
/// constexpr auto table = make_transition_table(
///     states<closed, listen, established>, events<open, syn, ack>, terminal<closed>,
///     state<closed> + event<open> / start = state<listen>,
///     state<listen> + event<syn> [valid] / accept = state<established>,
///     state<listen> + any_event = ignore);
/// ```
template <class... States, class... Events, class... Terminal, class... Rows>
constexpr auto make_transition_table(states_t<States...>, events_t<Events...>, terminal_t<Terminal...>, Rows... rows) noexcept {
    return transition_table<states_t<States...>, events_t<Events...>, terminal_t<Terminal...>, no_action, Rows...>{no_action{}, rows...};
}
/// Without terminal states: the initial state is the terminal one.
template <class... States, class... Events, class... Rows>
constexpr auto make_transition_table(states_t<States...> s, events_t<Events...> e, Rows... rows) noexcept {
    return make_transition_table(s, e, terminal_t<>{}, rows...);
}

} // namespace synack::core
