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

/// The run-time index `i` turned into a compile-time one: `f(integral_constant<i>)` when
/// `i < N` and `Cases::contains(i)`, else `otherwise()`. A real switch statement, 16 cases
/// a level, so the compiler lowers it like a hand-written one (jump table, compare tree or
/// bit test, the cases `Cases` leaves out merged into `default`) and can jump-thread it
/// when `i` is a constant it knows, as after a transition to a fixed state.
template <std::size_t N, class Cases, std::size_t Base = 0, class F, class Otherwise>
constexpr auto switch_on(std::size_t i, F& f, Otherwise& otherwise) {
    switch (i - Base) {
    case 0: if constexpr (Base + 0 < N && Cases::contains(Base + 0)) return f(std::integral_constant<std::size_t, Base + 0>{}); break;
    case 1: if constexpr (Base + 1 < N && Cases::contains(Base + 1)) return f(std::integral_constant<std::size_t, Base + 1>{}); break;
    case 2: if constexpr (Base + 2 < N && Cases::contains(Base + 2)) return f(std::integral_constant<std::size_t, Base + 2>{}); break;
    case 3: if constexpr (Base + 3 < N && Cases::contains(Base + 3)) return f(std::integral_constant<std::size_t, Base + 3>{}); break;
    case 4: if constexpr (Base + 4 < N && Cases::contains(Base + 4)) return f(std::integral_constant<std::size_t, Base + 4>{}); break;
    case 5: if constexpr (Base + 5 < N && Cases::contains(Base + 5)) return f(std::integral_constant<std::size_t, Base + 5>{}); break;
    case 6: if constexpr (Base + 6 < N && Cases::contains(Base + 6)) return f(std::integral_constant<std::size_t, Base + 6>{}); break;
    case 7: if constexpr (Base + 7 < N && Cases::contains(Base + 7)) return f(std::integral_constant<std::size_t, Base + 7>{}); break;
    case 8: if constexpr (Base + 8 < N && Cases::contains(Base + 8)) return f(std::integral_constant<std::size_t, Base + 8>{}); break;
    case 9: if constexpr (Base + 9 < N && Cases::contains(Base + 9)) return f(std::integral_constant<std::size_t, Base + 9>{}); break;
    case 10: if constexpr (Base + 10 < N && Cases::contains(Base + 10)) return f(std::integral_constant<std::size_t, Base + 10>{}); break;
    case 11: if constexpr (Base + 11 < N && Cases::contains(Base + 11)) return f(std::integral_constant<std::size_t, Base + 11>{}); break;
    case 12: if constexpr (Base + 12 < N && Cases::contains(Base + 12)) return f(std::integral_constant<std::size_t, Base + 12>{}); break;
    case 13: if constexpr (Base + 13 < N && Cases::contains(Base + 13)) return f(std::integral_constant<std::size_t, Base + 13>{}); break;
    case 14: if constexpr (Base + 14 < N && Cases::contains(Base + 14)) return f(std::integral_constant<std::size_t, Base + 14>{}); break;
    case 15: if constexpr (Base + 15 < N && Cases::contains(Base + 15)) return f(std::integral_constant<std::size_t, Base + 15>{}); break;
    default: break;
    }
    if constexpr (Base + 16 < N) return switch_on<N, Cases, Base + 16>(i, f, otherwise);
    else return otherwise();
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
        // An index outside the table matches no case and no reject bit: unhandled.
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
        const auto result = dispatch_column<event>(e, std::make_index_sequence<Table::state_count>{});
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

    template <std::size_t Event, class Payload, std::size_t... States>
    constexpr dispatch_result dispatch_column(Payload& payload, std::index_sequence<States...>) {
        dispatch_result result = dispatch_result::unhandled;
        (void)((state_ == States ? (result = run_cell<States * Table::event_count + Event>(payload), true) : false) || ...);
        return result;
    }

    // A switch on the state, then one on the event, as a hand-written machine has them;
    // each case holds its rows' guards and actions inline. A transition stores a constant
    // state, so in a loop the compiler jumps from a row straight into its target's event
    // switch (jump threading). Only cells with rows get a case of their own: `reject`
    // cells share one test (one action for all, as a hand-written `case a: case b:`), and
    // `ignore` and unhandled cells fall to `default` and do nothing. One switch over the
    // flattened cell index (state * event_count + event), or folds of `==` over every
    // index, measured 1.5x to 6x slower than the hand-written switch
    // (benchmarks/dispatch.cpp); this shape matches it.
    struct every_state {
        static constexpr bool contains(std::size_t) noexcept { return true; }
    };
    template <std::size_t State>
    struct events_with_rows {
        static constexpr bool contains(std::size_t e) noexcept {
            const cell_kind k = Table::cell(State, e).kind;
            return k == cell_kind::rows || (k == cell_kind::reject && e >= 64);
        }
    };
    // Bit e set: the cell of (State, e) is `reject` (for e < 64; later ones get cases).
    template <std::size_t State>
    static constexpr std::uint64_t reject_mask = [] {
        std::uint64_t mask = 0;
        for (std::size_t e = 0; e < Table::event_count && e < 64; ++e)
            if (Table::cell(State, e).kind == cell_kind::reject) mask |= std::uint64_t{1} << e;
        return mask;
    }();

    template <class Payload>
    constexpr dispatch_result dispatch_state(std::size_t event, Payload& payload) {
        auto on_state = [&](auto state) { return dispatch_event<decltype(state)::value>(event, payload); };
        auto outside = [] { return dispatch_result::unhandled; };
        return detail::switch_on<Table::state_count, every_state>(state_, on_state, outside);
    }

    template <std::size_t State, class Payload>
    constexpr dispatch_result dispatch_event(std::size_t event, Payload& payload) {
        auto on_event = [&](auto e) { return run_cell<State * Table::event_count + decltype(e)::value>(payload); };
        auto no_rows = [&] {
            if constexpr (reject_mask<State> != 0) {
                if (event < 64 && ((reject_mask<State> >> event) & 1u)) {
                    detail::invoke_row_callable(table().reject_action(), context_, payload, queue_);
                    return dispatch_result::rejected;
                }
            }
            return event < Table::event_count && Table::cell(State, event).kind == cell_kind::ignore ? dispatch_result::ignored
                                                                                                    : dispatch_result::unhandled;
        };
        return detail::switch_on<Table::event_count, events_with_rows<State>>(event, on_event, no_rows);
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
