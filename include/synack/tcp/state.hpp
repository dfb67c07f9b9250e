#pragma once
/// \file
/// The connection states of RFC 9293 3.3.2 and how a connection ended.

#include <array>
#include <cstdint>
#include <string_view>

namespace synack::tcp {

/// The eleven connection states of RFC 9293 3.3.2 (Figure 5).
enum class state : std::uint8_t {
    closed,       ///< no connection
    listen,       ///< waiting for a connection request
    syn_sent,     ///< sent a SYN, waiting for the matching SYN
    syn_received, ///< received and sent a SYN, waiting for the ACK of ours
    established,  ///< open: data flows both ways
    fin_wait_1,   ///< sent our FIN, waiting for its ACK or the peer's FIN
    fin_wait_2,   ///< our FIN is acknowledged, waiting for the peer's FIN
    close_wait,   ///< received the peer's FIN, waiting for the local user to close
    closing,      ///< both FINs sent, waiting for the ACK of ours (simultaneous close)
    last_ack,     ///< received the peer's FIN and sent ours, waiting for its ACK
    time_wait,    ///< both FINs acknowledged, waiting 2 MSL before forgetting the connection
};

/// Number of states.
inline constexpr std::size_t state_count = 11;

/// Every state, in declaration order.
inline constexpr std::array<state, state_count> all_states{
    state::closed,     state::listen,     state::syn_sent, state::syn_received, state::established, state::fin_wait_1,
    state::fin_wait_2, state::close_wait, state::closing,  state::last_ack,     state::time_wait,
};

/// The RFC's name of a state ("SYN-RECEIVED").
constexpr std::string_view to_string(state s) noexcept {
    constexpr std::array<std::string_view, state_count> names{
        "CLOSED",     "LISTEN",     "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
        "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",  "LAST-ACK",     "TIME-WAIT",
    };
    return static_cast<std::size_t>(s) < names.size() ? names[static_cast<std::size_t>(s)] : "?";
}

/// True in the synchronized states (RFC 9293 3.5.2: both sequence spaces known),
/// where a SYN gets a challenge ACK and RST needs an exact sequence number.
constexpr bool is_synchronized(state s) noexcept {
    return s != state::closed && s != state::listen && s != state::syn_sent;
}

/// True in the states where we have sent our FIN.
constexpr bool fin_sent_in(state s) noexcept {
    return s == state::fin_wait_1 || s == state::fin_wait_2 || s == state::closing || s == state::last_ack ||
           s == state::time_wait;
}

/// True in the states where the peer's FIN has been received.
constexpr bool fin_received_in(state s) noexcept {
    return s == state::close_wait || s == state::closing || s == state::last_ack || s == state::time_wait;
}

/// True where the local user may still send data (RFC 9293 3.10.2).
constexpr bool can_send_in(state s) noexcept { return s == state::established || s == state::close_wait; }

/// True where data from the peer is still accepted (RFC 9293 3.10.7.4, seventh).
constexpr bool can_receive_in(state s) noexcept {
    return s == state::established || s == state::fin_wait_1 || s == state::fin_wait_2;
}

/// How a connection ended, as its user learns it (RFC 9293 3.10: the signals to the user).
enum class close_reason : std::uint8_t {
    none,          ///< not ended (yet)
    normal,        ///< both FINs exchanged and acknowledged
    reset_by_peer, ///< a valid RST arrived in a synchronized state ("connection reset")
    refused,       ///< a RST answered our SYN ("connection refused")
    timed_out,     ///< retransmissions or the user timeout ran out
    aborted,       ///< the local user aborted, or closed with unread data (RST sent)
};

/// A short name of how a connection ended.
constexpr std::string_view to_string(close_reason r) noexcept {
    switch (r) {
    case close_reason::none: return "open";
    case close_reason::normal: return "closed";
    case close_reason::reset_by_peer: return "reset by peer";
    case close_reason::refused: return "refused";
    case close_reason::timed_out: return "timed out";
    case close_reason::aborted: return "aborted";
    }
    return "?";
}

} // namespace synack::tcp
