#pragma once
// A bounded queue of frames with inline storage for the in-memory transport: Capacity
// slots of MaxFrame bytes each, a ring of slot indices in arrival order, and a free
// list. A frame can leave from the middle of the queue (a delayed frame is overtaken)
// without moving its bytes: only indices shift. Constexpr throughout; never allocates.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "synack/core/clock.hpp"

namespace synack::transport::detail {

template <std::size_t Capacity, std::size_t MaxFrame>
class frame_ring {
public:
    using index = std::uint32_t;
    static constexpr index none = static_cast<index>(-1);

    constexpr frame_ring() noexcept {
        for (std::size_t i = 0; i < Capacity; ++i) free_[i] = static_cast<index>(Capacity - 1 - i);
        free_count_ = Capacity;
    }

    // Takes a free slot for a frame of `len` bytes (len <= MaxFrame); `none` when all are taken.
    constexpr index acquire(std::size_t len) noexcept {
        if (free_count_ == 0) return none;
        const index s = free_[--free_count_];
        slots_[s].length = static_cast<std::uint32_t>(len);
        slots_[s].ready_at = core::time_point::min();
        return s;
    }
    // Returns a slot that is not queued to the free list.
    constexpr void release(index s) noexcept { free_[free_count_++] = s; }

    constexpr std::span<std::uint8_t> bytes(index s) noexcept { return {slots_[s].bytes.data(), slots_[s].length}; }
    constexpr std::span<const std::uint8_t> bytes(index s) const noexcept {
        return {slots_[s].bytes.data(), slots_[s].length};
    }
    constexpr core::time_point ready_at(index s) const noexcept { return slots_[s].ready_at; }
    constexpr void set_ready_at(index s, core::time_point t) noexcept { slots_[s].ready_at = t; }

    // Appends an acquired slot at the tail of the arrival order.
    constexpr void push(index s) noexcept { order_[(head_ + count_++) % Capacity] = s; }

    // The oldest queued slot whose ready time has come, taken out of the order (its bytes
    // stay valid until it is released); `none` when no queued frame is ready.
    constexpr index pop_ready(core::time_point now) noexcept {
        for (std::size_t k = 0; k < count_; ++k) {
            const index s = order_[(head_ + k) % Capacity];
            if (slots_[s].ready_at > now) continue;
            if (k == 0) { // the common case: the oldest frame leaves
                head_ = (head_ + 1) % Capacity;
                --count_;
                return s;
            }
            for (std::size_t j = k; j + 1 < count_; ++j) order_[(head_ + j) % Capacity] = order_[(head_ + j + 1) % Capacity];
            --count_;
            return s;
        }
        return none;
    }

    // The earliest ready time among queued frames; `time_point::max()` when none is queued.
    constexpr core::time_point earliest_ready() const noexcept {
        core::time_point t = core::time_point::max();
        for (std::size_t k = 0; k < count_; ++k) {
            const core::time_point r = slots_[order_[(head_ + k) % Capacity]].ready_at;
            if (r < t) t = r;
        }
        return t;
    }

    constexpr std::size_t queued() const noexcept { return count_; }
    constexpr std::size_t free_slots() const noexcept { return free_count_; }

private:
    struct slot {
        std::array<std::uint8_t, MaxFrame> bytes{};
        std::uint32_t length = 0;
        core::time_point ready_at{};
    };
    std::array<slot, Capacity> slots_{};
    std::array<index, Capacity> order_{};
    std::array<index, Capacity> free_{};
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    std::size_t free_count_ = 0;
};

} // namespace synack::transport::detail
