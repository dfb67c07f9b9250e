#pragma once
/// \file
/// A state machine over a `transition_table`: a value (copyable, resettable) holding
/// the current state, the user's context and a tracer. `dispatch` takes an event known
/// only at run time (a dense index, as a classified segment gives) and a payload that
/// guards and actions see; the table's cell is one indexed load, and the rows of every
/// cell are compiled into one switch, so guards and actions inline.

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "synack/core/trace.hpp"
#include "synack/core/transition_table.hpp"

namespace synack::core {

/// What a dispatch did.
enum class dispatch_result : std::uint8_t {
    transitioned, ///< a row fired (its action ran, the state is its target)
    ignored,      ///< the cell is declared `ignore`, or a row with target `ignore` fired
    rejected,     ///< the cell is declared `reject`: the table's reject action ran
    unhandled,    ///< no row for this state and event (a hole in the table)
    no_guard_held, ///< the cell has rows but none of their guards held
};

/// Events raised by actions wait here until the current event is done (run to
/// completion): fixed capacity, no heap. Raising past capacity is refused.
template <std::size_t Capacity = 8>
class event_queue {
public:
    static constexpr std::size_t capacity = Capacity;
    /// Queues event `index`; false when full.
    constexpr bool raise(std::size_t index) noexcept {
        if (size_ == Capacity) return false;
        items_[(head_ + size_++) % Capacity] = static_cast<std::uint8_t>(index);
        return true;
    }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr std::size_t pop() noexcept {
        const std::size_t e = items_[head_];
        head_ = (head_ + 1) % Capacity;
        --size_;
        return e;
    }
    constexpr void clear() noexcept { head_ = size_ = 0; }

private:
    std::array<std::uint8_t, Capacity> items_{};
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

/// A machine without a queue: nothing can be raised, and it takes no space.
template <>
class event_queue<0> {
public:
    static constexpr std::size_t capacity = 0;
    constexpr bool raise(std::size_t) noexcept { return false; }
    constexpr bool empty() const noexcept { return true; }
    constexpr std::size_t size() const noexcept { return 0; }
    constexpr void clear() noexcept {}
};

namespace detail {
/// Calls a guard or action with what it accepts: (context, payload, queue), (context, payload) or (context).
template <class F, class Context, class Payload, class Queue>
constexpr decltype(auto) invoke_row_callable(const F& f, Context& ctx, Payload& payload, Queue& queue) {
    if constexpr (Queue::capacity > 0 && std::is_invocable_v<const F&, Context&, Payload&, Queue&>) return f(ctx, payload, queue);
    else if constexpr (std::is_invocable_v<const F&, Context&, Payload&>) return f(ctx, payload);
    else if constexpr (std::is_invocable_v<const F&, Context&>) return f(ctx);
    else {
        static_assert(std::is_invocable_v<const F&, Context&>,
                      "synack::machine: a guard or action must be callable with (context), (context, payload), or "
                      "(context, payload, queue) on a machine with a queue (make_machine<capacity>)");
        return f(ctx);
    }
}

/// What `switch_on` does with an index: call `f` with it (a case of its own), run the one
/// case several indices share, or leave it to `otherwise` (the `default`).
enum class case_role : std::uint8_t { own, shared, none };

/// 16 indices from `Base`, as one real switch statement; the next 16 in a nested level.
template <std::size_t N, class Cases, std::size_t Base>
struct switch_level {
    template <std::size_t K>
    static constexpr case_role role() noexcept {
        if constexpr (Base + K < N) return Cases::role(Base + K);
        else return case_role::none;
    }
    template <std::size_t K>
    using at = std::integral_constant<std::size_t, Base + K>;

    template <class F, class Shared, class Otherwise>
    static constexpr auto run(std::size_t i, F& f, Shared& shared, Otherwise& otherwise) {
        constexpr case_role own = case_role::own, shared_case = case_role::shared;
        bool to_shared = false; // set by the shared cases: the compiler threads it into a jump
        switch (i - Base) {
        case 0: if constexpr (role<0>() == own) return f(at<0>{}); else to_shared = role<0>() == shared_case; break;
        case 1: if constexpr (role<1>() == own) return f(at<1>{}); else to_shared = role<1>() == shared_case; break;
        case 2: if constexpr (role<2>() == own) return f(at<2>{}); else to_shared = role<2>() == shared_case; break;
        case 3: if constexpr (role<3>() == own) return f(at<3>{}); else to_shared = role<3>() == shared_case; break;
        case 4: if constexpr (role<4>() == own) return f(at<4>{}); else to_shared = role<4>() == shared_case; break;
        case 5: if constexpr (role<5>() == own) return f(at<5>{}); else to_shared = role<5>() == shared_case; break;
        case 6: if constexpr (role<6>() == own) return f(at<6>{}); else to_shared = role<6>() == shared_case; break;
        case 7: if constexpr (role<7>() == own) return f(at<7>{}); else to_shared = role<7>() == shared_case; break;
        case 8: if constexpr (role<8>() == own) return f(at<8>{}); else to_shared = role<8>() == shared_case; break;
        case 9: if constexpr (role<9>() == own) return f(at<9>{}); else to_shared = role<9>() == shared_case; break;
        case 10: if constexpr (role<10>() == own) return f(at<10>{}); else to_shared = role<10>() == shared_case; break;
        case 11: if constexpr (role<11>() == own) return f(at<11>{}); else to_shared = role<11>() == shared_case; break;
        case 12: if constexpr (role<12>() == own) return f(at<12>{}); else to_shared = role<12>() == shared_case; break;
        case 13: if constexpr (role<13>() == own) return f(at<13>{}); else to_shared = role<13>() == shared_case; break;
        case 14: if constexpr (role<14>() == own) return f(at<14>{}); else to_shared = role<14>() == shared_case; break;
        case 15: if constexpr (role<15>() == own) return f(at<15>{}); else to_shared = role<15>() == shared_case; break;
        default: break;
        }
        if (to_shared) return shared();
        if constexpr (Base + 16 < N) return switch_level<N, Cases, Base + 16>::run(i, f, shared, otherwise);
        else return otherwise();
    }
};

/// The run-time index `i` turned into a compile-time one, through a switch the compiler
/// lowers like a hand-written one (jump table, compare tree, bit test) and can jump-thread
/// when it knows `i`, as after a transition to a fixed state: `f(integral_constant<i>)`
/// when `Cases::role(i)` is `own`; `shared()` when it is `shared` (a hand-written
/// `case a: case b:`); else, and for `i >= N`, `otherwise()`.
template <std::size_t N, class Cases, class F, class Shared, class Otherwise>
constexpr auto switch_on(std::size_t i, F& f, Shared& shared, Otherwise& otherwise) {
    return switch_level<N, Cases, 0>::run(i, f, shared, otherwise);
}
} // namespace detail

/// An empty payload, for events that carry nothing.
struct no_payload {};

/// A machine running `Table` (a `transition_table` value) on `Context`.
template <class Table, class Context, class Tracer = no_tracer, std::size_t QueueCapacity = 0>
class machine {
public:
    using table_type = Table;
    using context_type = Context;
    using queue_type = event_queue<QueueCapacity>;

    constexpr machine() = default;
    constexpr explicit machine(const Table& table, Context context = {}, Tracer tracer = {})
        : table_{stored_table(table)}, context_{std::move(context)}, tracer_{std::move(tracer)} {}

    /// The current state's index.
    constexpr std::size_t state() const noexcept { return state_; }
    /// True when the current state is S.
    template <class S>
    constexpr bool is() const noexcept { return state_ == Table::template state_index<S>(); }
    /// The current state's name.
    constexpr std::string_view state_name() const noexcept { return Table::state_names[state_]; }

    constexpr Context& context() noexcept { return context_; }
    constexpr const Context& context() const noexcept { return context_; }
    constexpr Tracer& tracer() noexcept { return tracer_; }

    /// Back to the initial state with a fresh context; the queue is emptied.
    constexpr void reset(Context context = {}) {
        state_ = 0;
        context_ = std::move(context);
        queue_.clear();
    }
    /// Puts the machine in state S without running anything (for tests).
    template <class S>
    constexpr void set_state() noexcept { state_ = static_cast<std::uint8_t>(Table::template state_index<S>()); }
    constexpr void set_state(std::size_t index) noexcept { state_ = static_cast<std::uint8_t>(index); }

    /// Dispatches the event of index `event` with `payload`, then every event the
    /// actions raised meanwhile (with an empty payload). Returns what the first did.
    /// An index outside the table's events is `unhandled`, and changes nothing. Every
    /// guard and action of the table must accept `payload` (or ignore it).
    template <class Payload = no_payload>
    constexpr dispatch_result dispatch(std::size_t event, Payload&& payload = {}) {
        // An index outside the table matches no case of the event switch: unhandled.
        const auto result = dispatch_state(event, payload);
        drain_queue();
        return result;
    }

    /// Dispatches a typed event, which is also the payload its guards and actions see.
    /// Only the event's own column of the table is compiled for it, so its callables
    /// may take the event type itself: `[](context&, const ack0& frame) { ... }`.
    template <class Event>
    constexpr dispatch_result process(Event e) {
        constexpr std::size_t event = Table::template event_index<Event>();
        const auto result = dispatch_column<event>(e);
        drain_queue();
        return result;
    }

    /// The table this machine runs.
    constexpr const Table& table() const noexcept {
        if constexpr (Table::stateless) return stateless_table;
        else return table_;
    }

private:
    // Events raised by actions, each with an empty payload; with no queue, nothing to do.
    constexpr void drain_queue() {
        if constexpr (QueueCapacity > 0) {
            while (!queue_.empty()) {
                const std::size_t event = queue_.pop();
                no_payload none{};
                dispatch_state(event, none);
            }
        }
    }

    // A typed event: its column only, through the same switch on the state.
    template <std::size_t Event, class Payload>
    constexpr dispatch_result dispatch_column(Payload& payload) {
        auto on_state = [&](auto state) { return run_cell<decltype(state)::value * Table::event_count + Event>(payload); };
        auto unhandled = [] { return dispatch_result::unhandled; };
        return detail::switch_on<Table::state_count, every_state>(state_, on_state, unhandled, unhandled);
    }

    // A switch on the state, then one on the event, as a hand-written machine has them;
    // each case holds its rows' guards and actions inline. A transition stores a constant
    // state, so in a loop the compiler jumps from a row straight into its target's event
    // switch (jump threading). Cells with rows have a case each; the `reject` cells of a
    // state share one (one action for all, as a hand-written `case a: case b:`); `ignore`
    // and unhandled cells fall to `default` and do nothing. Measured against a hand-written
    // nested switch (benchmarks/dispatch.cpp): one switch over the flattened cell index
    // (state * event_count + event) was 4x slower, folds of `==` 1.5x to 4x, a bit mask
    // for the reject cells 1.1x; this shape executes fewer instructions and branches per
    // event than the hand-written switch.
    struct every_state {
        static constexpr detail::case_role role(std::size_t) noexcept { return detail::case_role::own; }
    };
    template <std::size_t State>
    struct event_cases {
        static constexpr detail::case_role role(std::size_t e) noexcept {
            switch (Table::cell(State, e).kind) {
            case cell_kind::rows: return detail::case_role::own;
            case cell_kind::reject: return detail::case_role::shared;
            default: return detail::case_role::none;
            }
        }
    };

    template <class Payload>
    constexpr dispatch_result dispatch_state(std::size_t event, Payload& payload) {
        auto on_state = [&](auto state) { return dispatch_event<decltype(state)::value>(event, payload); };
        auto unhandled = [] { return dispatch_result::unhandled; };
        return detail::switch_on<Table::state_count, every_state>(state_, on_state, unhandled, unhandled);
    }

    template <std::size_t State, class Payload>
    constexpr dispatch_result dispatch_event(std::size_t event, Payload& payload) {
        auto on_rows = [&](auto e) { return run_cell<State * Table::event_count + decltype(e)::value>(payload); };
        auto on_reject = [&] {
            detail::invoke_row_callable(table().reject_action(), context_, payload, queue_);
            return dispatch_result::rejected;
        };
        auto quiet = [&] {
            return event < Table::event_count && Table::cell(State, event).kind == cell_kind::ignore ? dispatch_result::ignored
                                                                                                    : dispatch_result::unhandled;
        };
        return detail::switch_on<Table::event_count, event_cases<State>>(event, on_rows, on_reject, quiet);
    }

    template <std::size_t Cell, class Payload>
    constexpr dispatch_result run_cell(Payload& payload) {
        constexpr cell_info cell = Table::cell_table.cells[Cell];
        if constexpr (cell.kind == cell_kind::unhandled) {
            return dispatch_result::unhandled;
        } else if constexpr (cell.kind == cell_kind::ignore) {
            return dispatch_result::ignored;
        } else if constexpr (cell.kind == cell_kind::reject) {
            detail::invoke_row_callable(table().reject_action(), context_, payload, queue_);
            return dispatch_result::rejected;
        } else {
            return try_rows<Cell, 0>(payload);
        }
    }

    template <std::size_t Cell, std::size_t K, class Payload>
    constexpr dispatch_result try_rows(Payload& payload) {
        constexpr cell_info cell = Table::cell_table.cells[Cell];
        if constexpr (K == cell.count) {
            return dispatch_result::no_guard_held;
        } else {
            constexpr std::size_t r = Table::cell_table.rows[cell.first + K];
            constexpr row_info info = Table::rows_info[r];
            const auto& row = table().template row_at<r>();
            if constexpr (info.guarded) {
                if (!detail::invoke_row_callable(row.guard, context_, payload, queue_)) return try_rows<Cell, K + 1>(payload);
            }
            if constexpr (info.has_action) detail::invoke_row_callable(row.action, context_, payload, queue_);
            constexpr std::size_t from = Cell / Table::event_count;
            constexpr std::size_t event = Cell % Table::event_count;
            if constexpr (info.to == target_ignore) {
                return dispatch_result::ignored;
            } else if constexpr (info.to == target_reject) {
                detail::invoke_row_callable(table().reject_action(), context_, payload, queue_);
                return dispatch_result::rejected;
            } else {
                state_ = info.to;
                tracer_(Table::state_names[from], Table::event_names[event], Table::state_names[info.to]);
                return dispatch_result::transitioned;
            }
        }
    }

    // A table whose rows hold no data is not stored: every machine shares one constant.
    struct no_table {};
    static constexpr Table stateless_table{};
    using table_storage = std::conditional_t<Table::stateless, no_table, Table>;
    static constexpr table_storage stored_table(const Table& t) noexcept {
        if constexpr (Table::stateless) return no_table{};
        else return t;
    }
    [[no_unique_address]] table_storage table_{};
    Context context_{};
    [[no_unique_address]] Tracer tracer_{};
    [[no_unique_address]] queue_type queue_{};
    std::uint8_t state_ = 0;
};

/// Deduces a machine's types: `auto m = make_machine(table, context{})`.
template <class Table, class Context = no_payload, class Tracer = no_tracer>
constexpr auto make_machine(const Table& table, Context context = {}, Tracer tracer = {}) {
    return machine<Table, Context, Tracer>{table, std::move(context), std::move(tracer)};
}
/// A machine whose actions may raise up to `QueueCapacity` events while one is handled
/// (run to completion): `auto m = make_machine<4>(table, context{})`.
template <std::size_t QueueCapacity, class Table, class Context = no_payload, class Tracer = no_tracer>
constexpr auto make_machine(const Table& table, Context context = {}, Tracer tracer = {}) {
    return machine<Table, Context, Tracer, QueueCapacity>{table, std::move(context), std::move(tracer)};
}

} // namespace synack::core
