#pragma once
/// \file
/// A connection's tunables, with Linux's defaults where RFC 9293 leaves the choice.

#include <chrono>
#include <cstdint>

namespace synack::tcp {

/// Per-connection settings. Every default is what Linux does (its sysctl named beside it).
struct connection_config {
    /// Maximum segment lifetime; TIME-WAIT lasts 2 x MSL (RFC 9293 3.4.2). Linux waits
    /// a fixed 60 s (TCP_TIMEWAIT_LEN), so MSL = 30 s.
    std::chrono::milliseconds msl{30'000};

    /// RFC 1337 4.2: ignore RST in TIME-WAIT (guards against TIME-WAIT assassination).
    /// Linux's default (net.ipv4.tcp_rfc1337 = 0) lets a RST end TIME-WAIT.
    bool ignore_rst_in_time_wait = false;

    /// RFC 6298 2.1: the RTO before any RTT sample.
    std::chrono::milliseconds initial_rto{1'000};
    /// RFC 6298 5.7: after a SYN or SYN,ACK timed out, the RTO when data transmission begins.
    std::chrono::milliseconds rto_after_syn_timeout{3'000};
    /// Upper bound of the backed-off RTO (Linux TCP_RTO_MAX).
    std::chrono::milliseconds max_rto{120'000};

    /// Retransmissions of a SYN before the open fails (net.ipv4.tcp_syn_retries).
    std::uint8_t syn_retries = 6;
    /// Retransmissions of a SYN,ACK before a half-open connection is dropped (net.ipv4.tcp_synack_retries).
    std::uint8_t synack_retries = 5;
    /// Retransmissions of data or a FIN before the connection times out (net.ipv4.tcp_retries2).
    std::uint8_t data_retries = 15;

    /// RFC 5961 7: at most one challenge ACK per this interval, per connection
    /// (Linux's per-socket net.ipv4.tcp_invalid_ratelimit; a global limit is a side channel, CVE-2016-5696).
    std::chrono::milliseconds challenge_ack_interval{500};

    /// The most receive window we advertise, in bytes (0: the receive buffer's free
    /// space, which is always the limit too).
    std::uint32_t receive_window = 0;
    /// The MSS we announce on our SYN (RFC 9293 3.7.1); the transport's MTU may lower it.
    std::uint16_t mss = 1'460;
    /// The window scale shift we offer (RFC 7323 2.2); 0 offers none. Linux offers 7 for its default buffers.
    std::uint8_t window_scale = 7;
    /// Offer SACK-permitted (RFC 2018) on our SYN.
    bool sack_permitted = true;
    /// Offer timestamps (RFC 7323 3) on our SYN.
    bool timestamps = true;

    /// RFC 9293 3.8.3: abort when data stays unacknowledged this long (0: no user timeout).
    std::chrono::milliseconds user_timeout{0};
};

/// RFC 9293 3.7.1 / RFC 1122 4.2.2.6: the send MSS when the peer's SYN carries no MSS option.
inline constexpr std::uint16_t default_mss_ipv4 = 536;
/// RFC 8200 8.3: IPv6 minimum MTU 1280 less 60 bytes of headers.
inline constexpr std::uint16_t default_mss_ipv6 = 1'220;

} // namespace synack::tcp
