#pragma once
/// \file
/// A transport that lets an observer see every frame another transport carries, both
/// ways, as it passes: for traces, captures (pcap) and tests. The observer is called
/// with the direction and the frame's bytes, which are valid only during the call.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "synack/core/transport.hpp"

namespace synack::transport {

/// Which way a frame went.
enum class frame_direction : std::uint8_t {
    sent,     ///< handed to the transport by `transmit`
    received, ///< handed out by `receive`
};

/// `Inner`, with `Observer` called as `observer(frame_direction, std::span<const std::uint8_t>)`
/// on every frame sent (after it was filled) and received (before the consumer sees it).
template <core::transport Inner, class Observer>
class observed {
public:
    constexpr observed(Inner inner, Observer observer) : inner_{std::move(inner)}, observer_{std::move(observer)} {}

    template <class Fill>
    constexpr core::transmit_result transmit(std::size_t len, Fill&& fill) {
        return inner_.transmit(len, [&](std::span<std::uint8_t> frame) {
            fill(frame);
            observer_(frame_direction::sent, std::span<const std::uint8_t>{frame});
        });
    }
    template <class Consume>
    constexpr bool receive(Consume&& consume) {
        return inner_.receive([&](std::span<const std::uint8_t> frame) {
            observer_(frame_direction::received, frame);
            consume(frame);
        });
    }
    constexpr core::transport_capabilities capabilities() const noexcept { return inner_.capabilities(); }

    constexpr Inner& inner() noexcept { return inner_; }
    constexpr Observer& observer() noexcept { return observer_; }

private:
    Inner inner_;
    Observer observer_;
};

} // namespace synack::transport
