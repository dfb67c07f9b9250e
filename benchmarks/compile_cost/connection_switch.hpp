#pragma once
// The connection machine written by hand: a switch on the state, then one on the event,
// calling the same actions and guard as the table, row for row.
#include "connection.hpp"

namespace connection::with_switch {

struct machine {
    st state = st::closed;
    stats context{};
};

inline void dispatch(machine& m, std::size_t event) noexcept {
    stats& s = m.context;
    const ev e = static_cast<ev>(event);
    switch (m.state) {
    case st::closed:
        switch (e) {
        case ev::passive_open: open_passive(s); m.state = st::listen; return;
        case ev::active_open: send_syn(s); m.state = st::syn_sent; return;
        case ev::close: case ev::rst: case ev::timeout: return;
        case ev::syn: case ev::syn_ack: case ev::ack: case ev::fin: case ev::data: send_rst(s); return;
        }
        return;
    case st::listen:
        switch (e) {
        case ev::syn: send_syn_ack(s); m.state = st::syn_received; return;
        case ev::active_open: send_syn(s); m.state = st::syn_sent; return;
        case ev::close: release(s); m.state = st::closed; return;
        case ev::ack: case ev::syn_ack: send_rst(s); return;
        default: return;
        }
    case st::syn_sent:
        switch (e) {
        case ev::syn_ack: connect_active(s); m.state = st::established; return;
        case ev::syn: send_syn_ack(s); m.state = st::syn_received; return;
        case ev::close: release(s); m.state = st::closed; return;
        case ev::rst: reset(s); m.state = st::closed; return;
        case ev::timeout: give_up(s); m.state = st::closed; return;
        default: return;
        }
    case st::syn_received:
        switch (e) {
        case ev::ack: connect_passive(s); m.state = st::established; return;
        case ev::close: send_fin(s); m.state = st::fin_wait_1; return;
        case ev::rst: reset(s); m.state = st::listen; return;
        case ev::timeout: give_up(s); m.state = st::closed; return;
        default: return;
        }
    case st::established:
        switch (e) {
        case ev::data:
            if (in_window(s)) deliver(s);
            else drop_and_ack(s);
            return;
        case ev::fin: ack_fin(s); m.state = st::close_wait; return;
        case ev::close: send_fin(s); m.state = st::fin_wait_1; return;
        case ev::rst: reset(s); m.state = st::closed; return;
        default: return;
        }
    case st::fin_wait_1:
        switch (e) {
        case ev::ack: m.state = st::fin_wait_2; return;
        case ev::fin: ack_fin(s); m.state = st::closing; return;
        case ev::data: deliver(s); return;
        case ev::rst: reset(s); m.state = st::closed; return;
        default: return;
        }
    case st::fin_wait_2:
        switch (e) {
        case ev::fin: ack_fin(s); m.state = st::time_wait; return;
        case ev::data: deliver(s); return;
        case ev::rst: reset(s); m.state = st::closed; return;
        default: return;
        }
    case st::closing:
        switch (e) {
        case ev::ack: m.state = st::time_wait; return;
        case ev::rst: reset(s); m.state = st::closed; return;
        default: return;
        }
    case st::time_wait:
        switch (e) {
        case ev::timeout: release(s); m.state = st::closed; return;
        case ev::fin: ack_fin(s); return;
        case ev::rst: reset(s); m.state = st::closed; return;
        default: return;
        }
    case st::close_wait:
        switch (e) {
        case ev::close: send_fin(s); m.state = st::last_ack; return;
        case ev::rst: reset(s); m.state = st::closed; return;
        default: return;
        }
    case st::last_ack:
        switch (e) {
        case ev::ack: release(s); m.state = st::closed; return;
        case ev::rst: reset(s); m.state = st::closed; return;
        case ev::timeout: give_up(s); m.state = st::closed; return;
        default: return;
        }
    }
}

} // namespace connection::with_switch
