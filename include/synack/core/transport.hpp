#pragma once
/// \file
/// The transport policy: what a protocol machine needs from the thing that carries its
/// frames, and nothing more. Frames go out and come in without copies: the transport
/// lends its own buffer to a callback, in the manner of smoltcp's `phy::Device` tokens.
///
/// - `t.transmit(len, fill)` finds a buffer of exactly `len` bytes, calls
///   `fill(std::span<std::uint8_t>)` to write the frame into it, and sends it; it returns
///   a `transmit_result`: the length sent, or why there was no buffer (`fill` is then not called).
/// - `t.receive(consume)` calls `consume(std::span<const std::uint8_t>)` with one ready
///   frame, valid only during the call, and returns true; with no frame ready it returns
///   false without calling `consume`.
/// - `t.capabilities()` describes the frames: their largest size, what they are
///   (`frame_medium`), and whether checksums are left to the transport.
///
/// Both callbacks run to completion inside the call; neither may be stored.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "synack/core/result.hpp"

namespace synack::core {

/// What one frame of a transport is.
enum class frame_medium : std::uint8_t {
    ip,          ///< an IPv4 or IPv6 packet (version nibble first), as on a TUN device or in a raw-IP pcap
    tcp_segment, ///< a bare transport-layer segment with no IP header, as in UDP encapsulation or in memory
};

/// Which checksums the transport handles itself (smoltcp's `ChecksumCapabilities`, Linux's
/// CHECKSUM_UNNECESSARY and NETIF_F_HW_CSUM).
struct checksum_offload {
    bool rx = false; ///< received frames were verified already: the receiver may skip verification
    bool tx = false; ///< the transport fills checksums on the way out: the sender may leave them zero

    friend constexpr bool operator==(const checksum_offload&, const checksum_offload&) noexcept = default;
};

/// What a transport's frames look like (smoltcp's `DeviceCapabilities`).
struct transport_capabilities {
    /// The largest frame `transmit` accepts and `receive` delivers, in bytes. For
    /// `frame_medium::ip` it is the link MTU (IP header included); for
    /// `frame_medium::tcp_segment` the largest segment, TCP header included.
    std::size_t mtu = 1500;
    /// What one frame is.
    frame_medium medium = frame_medium::ip;
    /// Checksums the transport handles.
    checksum_offload checksum{};

    friend constexpr bool operator==(const transport_capabilities&, const transport_capabilities&) noexcept = default;
};

/// Why `transmit` sent nothing.
enum class transport_error : std::uint8_t {
    no_buffer,  ///< no free buffer right now (a full queue): the frame is dropped, try again later
    too_large,  ///< the requested length exceeds the transport's MTU
    link_down,  ///< the transport is closed or its device is gone
};

/// The outcome of `transmit`: the number of bytes handed to the link, or why none were.
using transmit_result = result<std::size_t, transport_error>;

namespace detail {

/// The only thing a transport may do with its `fill` callback: call it once with the
/// writable buffer. Move-only, so a transport cannot require copies of the caller's callback.
struct fill_archetype {
    fill_archetype() = default;
    fill_archetype(fill_archetype&&) = default;
    fill_archetype(const fill_archetype&) = delete;
    fill_archetype& operator=(const fill_archetype&) = delete;
    // Non-const: a caller's lambda may be `mutable`, so a transport calls its callback as an lvalue.
    constexpr void operator()(std::span<std::uint8_t>) noexcept {}
    template <class Other>
    void operator()(Other&&) = delete; // any other argument type is a transport bug
};

/// The only thing a transport may do with its `consume` callback: call it once with the frame.
struct consume_archetype {
    consume_archetype() = default;
    consume_archetype(consume_archetype&&) = default;
    consume_archetype(const consume_archetype&) = delete;
    consume_archetype& operator=(const consume_archetype&) = delete;
    constexpr void operator()(std::span<const std::uint8_t>) noexcept {}
    template <class Other>
    void operator()(Other&&) = delete;
};

} // namespace detail

/// A carrier of frames (see the file comment): `transmit(len, fill)` returning a
/// `transmit_result`, `receive(consume)` returning whether a frame was consumed, and
/// `capabilities()` on a const transport. The callbacks are checked with archetypes, so
/// a transport that accepts any callable taking a span (a template, or a concrete
/// callable type the caller's lambdas convert to) qualifies, and one that demands more
/// of them (copies, a const call, another argument type) does not.
template <class Transport>
concept transport = requires(Transport& t, const Transport& ct, std::size_t len) {
    // Exactly transmit_result: a count or a bool would convert to one and read as a length.
    { t.transmit(len, detail::fill_archetype{}) } -> std::same_as<transmit_result>;
    { t.receive(detail::consume_archetype{}) } -> std::convertible_to<bool>;
    { ct.capabilities() } -> std::convertible_to<transport_capabilities>;
};

/// Sends a copy of `frame` through `t`: for frames built elsewhere (a replayed capture,
/// a test's hand-made bytes). The zero-copy path is `t.transmit` with a callback that
/// serialises straight into the transport's buffer. Takes a temporary too, for handle
/// transports such as a memory pair's `a()`.
template <class Transport>
    requires transport<std::remove_reference_t<Transport>>
constexpr transmit_result transmit_copy(Transport&& t, std::span<const std::uint8_t> frame) {
    return t.transmit(frame.size(), [frame](std::span<std::uint8_t> out) {
        for (std::size_t i = 0; i < frame.size() && i < out.size(); ++i) out[i] = frame[i];
    });
}

} // namespace synack::core
