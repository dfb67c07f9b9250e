#pragma once
/// \file
/// TCP over UDP: a transport that carries one TCP segment per UDP datagram, so two
/// unprivileged processes (or hosts) run synack over ordinary sockets.
///
/// ```
/// transport::udp_transport<> link{{*tcp::ip_address::parse("127.0.0.1"), 0},    // bind
///                                 {*tcp::ip_address::parse("127.0.0.1"), 9000}}; // peer
/// if (link.error() != transport::udp_error::none) ...;
/// tcp::connection conn{std::move(link), clock, isn};
/// ```
///
/// Frames are bare segments (`frame_medium::tcp_segment`): no IP header travels, and
/// the connection checksums each segment over `tcp::detail::bare_pseudo_header`, so the
/// TCP checksum still guards every byte end to end (UDP's own checksum guards the datagram).
///
/// The socket is bound to a local address and port (port 0: one the system picks,
/// `local()` tells which), is non-blocking, and is either connected to a peer given at
/// construction (the kernel then drops datagrams from anyone else and reports ICMP
/// errors), or learns its peer from the first datagram that arrives, as a listener must;
/// from then on datagrams from other addresses are dropped and counted, until
/// `forget_peer()`. `fd()` is the socket, for `poll(2)`; `wait_readable` polls it.
/// Opening never throws: a transport that could not open says why in `error()`, and
/// its `transmit` reports `link_down`.
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "synack/core/transport.hpp"
#include "synack/tcp/endpoint.hpp"
#include "synack/tcp/segment.hpp"
#include "synack/transport/detail/socket_address.hpp"

namespace synack::transport {

/// Why a UDP transport did not open.
enum class udp_error : std::uint8_t {
    none,            ///< open
    socket_failed,   ///< socket(2) failed (see `system_error()`)
    bind_failed,     ///< bind(2) failed: the port is taken, or the address is not this host's
    connect_failed,  ///< connect(2) to the peer failed
    families_differ, ///< the local address is IPv4 and the peer's IPv6, or the other way round
    closed,          ///< never opened, or moved from
};

/// What a UDP transport did with datagrams.
struct udp_counters {
    std::uint64_t sent = 0;        ///< datagrams the kernel took
    std::uint64_t received = 0;    ///< datagrams handed to the consumer
    std::uint64_t send_failed = 0; ///< transmits the kernel refused (full socket buffer, unreachable peer): lost segments
    std::uint64_t too_large = 0;   ///< transmits refused for a segment longer than the largest one
    std::uint64_t foreign = 0;     ///< datagrams from an address other than the peer's, dropped
    std::uint64_t oversized = 0;   ///< datagrams longer than the largest segment, dropped
    std::uint64_t unreachable = 0; ///< ICMP errors the kernel reported (port unreachable: nobody listens there, yet)
};

/// A `core::transport` of TCP segments in UDP datagrams (see the file comment), carrying
/// segments of at most `MaxSegment` bytes: by default 1472, what fits a 1500-byte
/// Ethernet MTU after the IPv4 and UDP headers. Buffers are inline (no heap). Not
/// copyable; movable (the socket goes with it).
template <std::size_t MaxSegment = 1472>
class udp_transport {
    static_assert(MaxSegment >= tcp::header_min_size, "synack::udp: a segment needs at least its 20-byte header");
    static_assert(MaxSegment <= 65507, "synack::udp: a UDP datagram carries at most 65507 bytes over IPv4");

public:
    /// The largest segment carried, TCP header included.
    static constexpr std::size_t max_segment = MaxSegment;

    /// This side's address and the peer's, as a capture of the frames would show them.
    struct addresses {
        tcp::ip_address local{};
        tcp::ip_address remote{};
    };

    /// A closed transport (`error()` is `closed`).
    udp_transport() noexcept = default;
    /// Bound to `local`, learning its peer from the first datagram.
    explicit udp_transport(const tcp::endpoint& local) noexcept { open(local, std::nullopt); }
    /// Bound to `local` and connected to `peer`.
    udp_transport(const tcp::endpoint& local, const tcp::endpoint& peer) noexcept { open(local, peer); }

    udp_transport(const udp_transport&) = delete;
    udp_transport& operator=(const udp_transport&) = delete;
    udp_transport(udp_transport&& other) noexcept { take(other); }
    udp_transport& operator=(udp_transport&& other) noexcept {
        if (this != &other) {
            close();
            take(other);
        }
        return *this;
    }
    ~udp_transport() { close(); }

    // ---- the transport ----
    /// Fills a datagram of `len` bytes and sends it to the peer: `too_large` past
    /// `MaxSegment`, `link_down` when closed or when no peer is known yet, `no_buffer`
    /// when the kernel did not take it (the segment is lost; TCP retransmits it).
    template <class Fill>
    core::transmit_result transmit(std::size_t len, Fill&& fill) {
        if (fd_ < 0 || !peer_) return core::failure(core::transport_error::link_down);
        if (len > MaxSegment) {
            ++counters_.too_large;
            return core::failure(core::transport_error::too_large);
        }
        fill(std::span<std::uint8_t>{tx_.data(), len});
        for (int attempt = 0; attempt < 2; ++attempt) {
            const ssize_t n = connected_ ? ::send(fd_, tx_.data(), len, MSG_DONTWAIT)
                                         : ::sendto(fd_, tx_.data(), len, MSG_DONTWAIT, peer_address_.get(), peer_address_.length);
            if (n == static_cast<ssize_t>(len)) {
                ++counters_.sent;
                return len;
            }
            last_errno_ = errno;
            if (n < 0 && errno == EINTR) continue;
            // A connected socket reports an earlier datagram's ICMP error on this send; it
            // did not send this one: once more.
            if (n < 0 && errno == ECONNREFUSED) {
                ++counters_.unreachable;
                continue;
            }
            break;
        }
        ++counters_.send_failed;
        if (last_errno_ == EBADF || last_errno_ == ENOTSOCK) return core::failure(core::transport_error::link_down);
        return core::failure(core::transport_error::no_buffer);
    }

    /// Hands the next datagram from the peer to `consume` and returns true; false when
    /// none is waiting (never blocks). Datagrams from others and oversized ones are
    /// dropped on the way, and counted.
    template <class Consume>
    bool receive(Consume&& consume) {
        if (fd_ < 0) return false;
        while (true) {
            detail::socket_address from{};
            from.length = sizeof from.storage;
            // MSG_TRUNC: the datagram's real length, so an oversized one is dropped, not cut.
            const ssize_t n = ::recvfrom(fd_, rx_.data(), rx_.size(), MSG_DONTWAIT | MSG_TRUNC, from.get(), &from.length);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == ECONNREFUSED) { // an ICMP error for an earlier datagram, now consumed
                    ++counters_.unreachable;
                    continue;
                }
                last_errno_ = errno;
                return false;
            }
            if (static_cast<std::size_t>(n) > MaxSegment) {
                ++counters_.oversized;
                continue;
            }
            if (!connected_) {
                const auto source = detail::to_endpoint(from.storage);
                if (!source) continue;
                if (!peer_) {
                    peer_ = *source;
                    peer_address_ = detail::to_socket_address(*source);
                } else if (!(*source == *peer_)) {
                    ++counters_.foreign;
                    continue;
                }
            }
            ++counters_.received;
            consume(std::span<const std::uint8_t>{rx_.data(), static_cast<std::size_t>(n)});
            return true;
        }
    }

    /// Bare segments of at most `MaxSegment` bytes; the connection checksums them.
    core::transport_capabilities capabilities() const noexcept {
        return {MaxSegment, core::frame_medium::tcp_segment, {}};
    }

    // ---- the socket ----
    /// Why the transport is not open (`none` when it is).
    udp_error error() const noexcept { return error_; }
    /// The errno of the last failure (opening, or the last refused send or receive).
    int system_error() const noexcept { return last_errno_; }
    /// True when the socket is open.
    bool is_open() const noexcept { return fd_ >= 0; }
    /// The socket, for poll(2) and friends (-1 when closed). The transport still owns it.
    int fd() const noexcept { return fd_; }
    /// The bound address and port (the port the system picked when 0 was asked for; the
    /// address the route to a connected peer uses when the unspecified one was).
    tcp::endpoint local() const noexcept { return local_; }
    /// The peer: the one given, or the one learned; nullopt before a listener heard anyone.
    std::optional<tcp::endpoint> peer() const noexcept { return peer_; }
    /// True when the peer is learned from arriving datagrams rather than given.
    bool learns_peer() const noexcept { return !connected_; }
    /// A learning transport forgets its peer and takes the sender of the next datagram
    /// as the new one (for a listener between connections); a connected one keeps it.
    void forget_peer() noexcept {
        if (!connected_) peer_.reset();
    }
    /// What happened to datagrams so far.
    const udp_counters& counters() const noexcept { return counters_; }
    /// The addresses of this side and of the peer (unspecified until it is known).
    addresses frame_addresses() const noexcept { return {local_.address, peer_ ? peer_->address : tcp::ip_address{}}; }

    /// Waits until a datagram is ready or `timeout` passes (negative: no wait; rounded
    /// up to whole milliseconds). True when one is ready.
    bool wait_readable(core::duration timeout) const noexcept {
        if (fd_ < 0) return false;
        long long ms = 0;
        if (timeout > core::duration::zero()) {
            const auto rounded = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
            ms = rounded > 0x7fffffff ? 0x7fffffff : rounded;
        }
        pollfd p{fd_, POLLIN, 0};
        while (true) {
            const int r = ::poll(&p, 1, static_cast<int>(ms));
            if (r < 0 && errno == EINTR) continue;
            return r > 0 && (p.revents & (POLLIN | POLLERR)) != 0;
        }
    }

    /// Closes the socket; `transmit` then reports `link_down`.
    void close() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        error_ = udp_error::closed;
    }

private:
    void open(const tcp::endpoint& local, const std::optional<tcp::endpoint>& peer) noexcept {
        if (peer && peer->address.v6 != local.address.v6) {
            error_ = udp_error::families_differ;
            return;
        }
        const int family = local.address.v6 ? AF_INET6 : AF_INET;
        fd_ = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return fail(udp_error::socket_failed);
        const auto here = detail::to_socket_address(local);
        if (::bind(fd_, here.get(), here.length) != 0) return fail(udp_error::bind_failed);
        if (peer) {
            peer_address_ = detail::to_socket_address(*peer);
            if (::connect(fd_, peer_address_.get(), peer_address_.length) != 0) return fail(udp_error::connect_failed);
            peer_ = *peer;
            connected_ = true;
        }
        // After connect: an unspecified local address is then the one the route to the peer uses.
        local_ = local;
        detail::socket_address bound{};
        bound.length = sizeof bound.storage;
        if (::getsockname(fd_, bound.get(), &bound.length) == 0) {
            if (const auto e = detail::to_endpoint(bound.storage)) local_ = *e;
        }
        error_ = udp_error::none;
    }
    void fail(udp_error e) noexcept {
        last_errno_ = errno;
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        error_ = e;
    }
    void take(udp_transport& other) noexcept {
        fd_ = std::exchange(other.fd_, -1);
        error_ = std::exchange(other.error_, udp_error::closed);
        last_errno_ = other.last_errno_;
        local_ = other.local_;
        peer_ = other.peer_;
        peer_address_ = other.peer_address_;
        connected_ = other.connected_;
        counters_ = other.counters_;
    }

    int fd_ = -1;
    udp_error error_ = udp_error::closed;
    int last_errno_ = 0;
    tcp::endpoint local_{};
    std::optional<tcp::endpoint> peer_{};
    detail::socket_address peer_address_{};
    bool connected_ = false;
    udp_counters counters_{};
    std::array<std::uint8_t, MaxSegment> tx_{};
    std::array<std::uint8_t, MaxSegment> rx_{};
};

} // namespace synack::transport
