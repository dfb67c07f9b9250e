#pragma once
// The connection machine on Boost.MSM: the functor front end (functor_row.hpp) and the
// default back end, configured as MSM's documentation advises for speed (no exceptions
// caught, no message queue). Events that a state has no row for are ignored through
// no_transition, as the table's `any_event = ignore` rows do.
//
// 43 rows: MSM's transition table is an mpl::vector, limited to 20 elements unless the
// MPL limits are raised before any Boost header is included.
#ifndef BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS
#define BOOST_MPL_CFG_NO_PREPROCESSED_HEADERS
#endif
#ifndef BOOST_MPL_LIMIT_VECTOR_SIZE
#define BOOST_MPL_LIMIT_VECTOR_SIZE 50
#endif
#ifndef BOOST_MPL_LIMIT_MAP_SIZE
#define BOOST_MPL_LIMIT_MAP_SIZE 50
#endif
// MSM 1.74 includes Boost headers that have since been deprecated; each says so at every build.
#ifndef BOOST_ALLOW_DEPRECATED_HEADERS
#define BOOST_ALLOW_DEPRECATED_HEADERS
#endif
#ifndef BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#endif
#include "connection.hpp"

#include <boost/mpl/vector.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>

#include <array>

namespace connection::with_msm {
namespace msmf = boost::msm::front;

struct passive_open {}; struct active_open {}; struct syn {}; struct syn_ack {}; struct ack {};
struct fin {}; struct close {}; struct rst {}; struct timeout {}; struct data {};

// MSM calls actions and guards with (event, machine, source, target): these adapt the
// shared callables, which see the machine's counters.
template <const auto& Action>
struct act {
    template <class Event, class Machine, class Source, class Target>
    void operator()(const Event&, Machine& m, Source&, Target&) const { Action(m.context); }
};
template <const auto& Guard, bool Holds = true>
struct when {
    template <class Event, class Machine, class Source, class Target>
    bool operator()(const Event&, Machine& m, Source&, Target&) const { return Guard(m.context) == Holds; }
};

struct machine_def : msmf::state_machine_def<machine_def> {
    struct closed : msmf::state<> {};
    struct listen : msmf::state<> {};
    struct syn_sent : msmf::state<> {};
    struct syn_received : msmf::state<> {};
    struct established : msmf::state<> {};
    struct fin_wait_1 : msmf::state<> {};
    struct fin_wait_2 : msmf::state<> {};
    struct closing : msmf::state<> {};
    struct time_wait : msmf::state<> {};
    struct close_wait : msmf::state<> {};
    struct last_ack : msmf::state<> {};

    using initial_state = closed;
    using no_exception_thrown = int; // MSM: do not wrap actions in try/catch
    using no_message_queue = int;    // MSM: actions never raise events

    stats context{};

    // Cells without a row: nothing happens (MSM's default asserts).
    template <class Machine, class Event>
    void no_transition(const Event&, Machine&, int) {}

    using none = msmf::none;
    // The two rows on data in ESTABLISHED carry complementary guards, so the order in
    // which MSM tries the rows of one cell does not matter.
    struct transition_table : boost::mpl::vector<
        msmf::Row<closed, passive_open, listen, act<open_passive>, none>,
        msmf::Row<closed, active_open, syn_sent, act<send_syn>, none>,
        msmf::Row<closed, syn, none, act<send_rst>, none>,
        msmf::Row<closed, syn_ack, none, act<send_rst>, none>,
        msmf::Row<closed, ack, none, act<send_rst>, none>,
        msmf::Row<closed, fin, none, act<send_rst>, none>,
        msmf::Row<closed, data, none, act<send_rst>, none>,

        msmf::Row<listen, syn, syn_received, act<send_syn_ack>, none>,
        msmf::Row<listen, active_open, syn_sent, act<send_syn>, none>,
        msmf::Row<listen, close, closed, act<release>, none>,
        msmf::Row<listen, ack, none, act<send_rst>, none>,
        msmf::Row<listen, syn_ack, none, act<send_rst>, none>,

        msmf::Row<syn_sent, syn_ack, established, act<connect_active>, none>,
        msmf::Row<syn_sent, syn, syn_received, act<send_syn_ack>, none>,
        msmf::Row<syn_sent, close, closed, act<release>, none>,
        msmf::Row<syn_sent, rst, closed, act<reset>, none>,
        msmf::Row<syn_sent, timeout, closed, act<give_up>, none>,

        msmf::Row<syn_received, ack, established, act<connect_passive>, none>,
        msmf::Row<syn_received, close, fin_wait_1, act<send_fin>, none>,
        msmf::Row<syn_received, rst, listen, act<reset>, none>,
        msmf::Row<syn_received, timeout, closed, act<give_up>, none>,

        msmf::Row<established, data, established, act<deliver>, when<in_window>>,
        msmf::Row<established, data, none, act<drop_and_ack>, when<in_window, false>>,
        msmf::Row<established, fin, close_wait, act<ack_fin>, none>,
        msmf::Row<established, close, fin_wait_1, act<send_fin>, none>,
        msmf::Row<established, rst, closed, act<reset>, none>,

        msmf::Row<fin_wait_1, ack, fin_wait_2, none, none>,
        msmf::Row<fin_wait_1, fin, closing, act<ack_fin>, none>,
        msmf::Row<fin_wait_1, data, fin_wait_1, act<deliver>, none>,
        msmf::Row<fin_wait_1, rst, closed, act<reset>, none>,

        msmf::Row<fin_wait_2, fin, time_wait, act<ack_fin>, none>,
        msmf::Row<fin_wait_2, data, fin_wait_2, act<deliver>, none>,
        msmf::Row<fin_wait_2, rst, closed, act<reset>, none>,

        msmf::Row<closing, ack, time_wait, none, none>,
        msmf::Row<closing, rst, closed, act<reset>, none>,

        msmf::Row<time_wait, timeout, closed, act<release>, none>,
        msmf::Row<time_wait, fin, time_wait, act<ack_fin>, none>,
        msmf::Row<time_wait, rst, closed, act<reset>, none>,

        msmf::Row<close_wait, close, last_ack, act<send_fin>, none>,
        msmf::Row<close_wait, rst, closed, act<reset>, none>,

        msmf::Row<last_ack, ack, closed, act<release>, none>,
        msmf::Row<last_ack, rst, closed, act<reset>, none>,
        msmf::Row<last_ack, timeout, closed, act<give_up>, none>> {};
};

using machine = boost::msm::back::state_machine<machine_def>;

/// A run-time event index as MSM takes it: one typed process_event per case.
inline void dispatch(machine& m, std::size_t event) {
    switch (static_cast<ev>(event)) {
    case ev::passive_open: m.process_event(passive_open{}); return;
    case ev::active_open: m.process_event(active_open{}); return;
    case ev::syn: m.process_event(syn{}); return;
    case ev::syn_ack: m.process_event(syn_ack{}); return;
    case ev::ack: m.process_event(ack{}); return;
    case ev::fin: m.process_event(fin{}); return;
    case ev::close: m.process_event(close{}); return;
    case ev::rst: m.process_event(rst{}); return;
    case ev::timeout: m.process_event(timeout{}); return;
    case ev::data: m.process_event(data{}); return;
    }
}

/// MSM numbers states in its own order; this gives connection::st's number of MSM's.
inline st state_of(const machine& m) {
    using boost::msm::back::get_state_id;
    using stt = machine::stt;
    using d = machine_def;
    constexpr std::array<int, state_count> ids{
        get_state_id<stt, d::closed>::value,      get_state_id<stt, d::listen>::value,
        get_state_id<stt, d::syn_sent>::value,    get_state_id<stt, d::syn_received>::value,
        get_state_id<stt, d::established>::value, get_state_id<stt, d::fin_wait_1>::value,
        get_state_id<stt, d::fin_wait_2>::value,  get_state_id<stt, d::closing>::value,
        get_state_id<stt, d::time_wait>::value,   get_state_id<stt, d::close_wait>::value,
        get_state_id<stt, d::last_ack>::value,
    };
    const int current = m.current_state()[0];
    for (std::size_t i = 0; i < state_count; ++i)
        if (ids[i] == current) return static_cast<st>(i);
    return static_cast<st>(state_count); // not a state: the comparison with the others fails
}

} // namespace connection::with_msm
