#pragma once
/// \file
/// An in-memory transport pair: two endpoints, A and B, where what A transmits B
/// receives and the other way round. Each direction is a bounded queue of frames with
/// inline storage (no heap: `Capacity` frames of at most `MaxFrame` bytes), so a whole
/// exchange can run inside a constant expression.
///
/// Faults are injected on each direction from a seeded generator, each with its own
/// probability, all off by default: loss, duplication, reordering (a frame is held
/// back and the next frame sent the same way overtakes it; if the receiver asks before
/// one is sent, it gets the held frame), delay (a frame is held until the clock reaches
/// a deadline, so later frames overtake it) and corruption (one bit flipped). The same
/// seed, faults and traffic give the same outcome. Counters say what was injected. A
/// full queue refuses the new frame and counts it; it never grows.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "synack/core/clock.hpp"
#include "synack/core/detail/prng.hpp"
#include "synack/core/result.hpp"
#include "synack/core/transport.hpp"
#include "synack/transport/detail/memory_ring.hpp"

namespace synack::transport {

/// The faults injected on one direction of a memory pair: the unreliability TCP must
/// recover from (RFC 793 1.5: damaged, lost, duplicated and out-of-order segments), and
/// delay, which drives its timers. Each probability is in [0, 1] and applies
/// to every frame independently; zero (the default) injects nothing.
struct memory_faults {
    double loss = 0.0;        ///< the frame disappears (after the sender filled it)
    double duplication = 0.0; ///< a second copy of the frame is queued right behind it
    double reordering = 0.0;  ///< the frame is held back until the next one sent the same way overtakes it
    double delay = 0.0;       ///< the frame becomes receivable only `delay_time` after it was sent
    double corruption = 0.0;  ///< one bit of the frame, chosen at random, is flipped
    /// How long a delayed frame is held; needs a clock (see `memory_pair`'s constructors).
    core::duration delay_time{};

    friend constexpr bool operator==(const memory_faults&, const memory_faults&) noexcept = default;
};

/// Why `memory_pair::set_faults` refused a configuration (the previous one stays in force).
enum class memory_fault_error : std::uint8_t {
    probability_out_of_range, ///< a probability is below 0, above 1, or NaN
    negative_delay_time,      ///< `delay_time` is negative
    delay_without_clock,      ///< delay was asked for, but the pair was built without a clock to hold frames against
};

/// What one direction of a memory pair did with the frames sent into it. Every frame is
/// accounted for: `transmitted + duplicated == delivered + lost + in_flight` at all times.
struct memory_counters {
    std::uint64_t transmitted = 0; ///< frames `transmit` accepted (filled by the sender)
    std::uint64_t delivered = 0;   ///< frames `receive` handed to the receiver, copies included
    std::uint64_t lost = 0;        ///< frames dropped by injected loss
    std::uint64_t duplicated = 0;  ///< extra copies queued
    std::uint64_t reordered = 0;   ///< frames held back that a later frame overtook
    std::uint64_t delayed = 0;     ///< frames (or copies) held until a deadline
    std::uint64_t corrupted = 0;   ///< frames (or copies) with a bit flipped
    /// Frames the queue had no room for: each `transmit` that returned `no_buffer`, and
    /// each copy that duplication could not queue.
    std::uint64_t overflowed = 0;

    friend constexpr bool operator==(const memory_counters&, const memory_counters&) noexcept = default;
};

/// One direction of a memory pair.
enum class memory_direction : std::uint8_t {
    a_to_b, ///< frames A transmits and B receives
    b_to_a, ///< frames B transmits and A receives
};

/// How a memory pair is set up.
struct memory_options {
    /// Seeds the fault generators: the same seed and the same traffic give the same faults.
    std::uint64_t seed = 0;
    /// What the frames are, as reported by `capabilities()`: bare TCP segments by default.
    core::frame_medium medium = core::frame_medium::tcp_segment;
};

/// Two connected in-memory endpoints (see the file comment). `Capacity` frames of at
/// most `MaxFrame` bytes can be in flight each way; `Clock` is the clock delayed frames
/// are held against. The pair owns the queues; its endpoints refer to it, so it neither
/// copies nor moves.
template <std::size_t Capacity = 16, std::size_t MaxFrame = 1500, core::clock Clock = core::manual_clock>
class memory_pair {
    static_assert(Capacity >= 1, "synack::memory: a memory link needs room for at least one frame");
    static_assert(Capacity < 0xffffffffu, "synack::memory: a memory link holds fewer than 2^32 - 1 frames");
    static_assert(MaxFrame >= 1, "synack::memory: frames must be allowed at least one byte");
    static_assert(MaxFrame <= 0xffffffffu, "synack::memory: a frame holds fewer than 2^32 bytes");

    using ring = detail::frame_ring<Capacity, MaxFrame>;

    struct link {
        ring frames{};
        memory_faults faults{};
        memory_counters counters{};
        core::detail::splitmix64 random{};
        typename ring::index held = ring::none; // a frame waiting to be overtaken
    };

    // Gives a slot back unless dismissed: keeps the queue whole if a callback throws.
    struct slot_guard {
        ring* frames;
        typename ring::index slot;
        constexpr ~slot_guard() {
            if (slot != ring::none) frames->release(slot);
        }
    };

public:
    /// The largest frame each way, in bytes.
    static constexpr std::size_t max_frame = MaxFrame;
    /// Frames that fit in one direction at once.
    static constexpr std::size_t capacity = Capacity;

    /// One side of the pair; models `core::transport`. Cheap to copy; valid while its pair lives.
    class endpoint {
    public:
        /// Sends a frame of `len` bytes that `fill` writes in place, to the other endpoint.
        /// Returns `too_large` beyond `MaxFrame`, and `no_buffer` when the queue is full
        /// (counted in `overflowed`), without calling `fill` in either case.
        /// Injected faults are invisible here, as on a real link.
        template <class Fill>
            requires std::invocable<Fill&, std::span<std::uint8_t>>
        constexpr core::transmit_result transmit(std::size_t len, Fill&& fill) {
            return pair_->send(out_, len, fill);
        }

        /// Calls `consume` with the oldest frame that has arrived (and whose delay, if
        /// any, has passed) and returns true; returns false when none has.
        template <class Consume>
            requires std::invocable<Consume&, std::span<const std::uint8_t>>
        constexpr bool receive(Consume&& consume) {
            return pair_->deliver(in(), consume);
        }

        /// MTU `MaxFrame`, the pair's medium, no checksum offload.
        constexpr core::transport_capabilities capabilities() const noexcept { return pair_->capabilities(); }

        /// Frames on their way to this endpoint: queued (ready or delayed) or held back for reordering.
        constexpr std::size_t pending() const noexcept { return pair_->in_flight(in()); }

        /// When the next frame on its way here can be received: already expired when one
        /// is ready now, disarmed when none is on its way. Lets a simulation advance its
        /// clock to it.
        constexpr core::deadline next_arrival() const noexcept { return pair_->next_arrival(in()); }

    private:
        friend class memory_pair;
        constexpr endpoint(memory_pair* pair, memory_direction out) noexcept : pair_{pair}, out_{out} {}
        constexpr memory_direction in() const noexcept {
            return out_ == memory_direction::a_to_b ? memory_direction::b_to_a : memory_direction::a_to_b;
        }
        memory_pair* pair_;
        memory_direction out_;
    };

    /// A pair without a clock: frames are never delayed.
    constexpr explicit memory_pair(memory_options options = {}) noexcept : medium_{options.medium} { seed(options.seed); }
    /// A pair whose delayed frames are held against `clock`, which must outlive it.
    constexpr explicit memory_pair(const Clock& clock, memory_options options = {}) noexcept
        : clock_{&clock}, medium_{options.medium} {
        seed(options.seed);
    }
    /// A temporary clock would be gone before the first delayed frame is due.
    memory_pair(const Clock&&, memory_options = {}) = delete;
    memory_pair(const memory_pair&) = delete;
    memory_pair& operator=(const memory_pair&) = delete;

    /// Endpoint A: transmits on `a_to_b`, receives from `b_to_a`.
    constexpr endpoint a() noexcept { return endpoint{this, memory_direction::a_to_b}; }
    /// Endpoint B: transmits on `b_to_a`, receives from `a_to_b`.
    constexpr endpoint b() noexcept { return endpoint{this, memory_direction::b_to_a}; }

    /// Sets the faults of both directions. Returns the error, and changes nothing, when
    /// a probability is outside [0, 1], the delay time is negative, or a delay is asked
    /// of a pair without a clock.
    constexpr core::result<memory_faults, memory_fault_error> set_faults(const memory_faults& faults) noexcept {
        auto checked = check(faults);
        if (checked) links_[0].faults = links_[1].faults = faults;
        return checked;
    }
    /// Sets the faults of one direction (checked as above).
    constexpr core::result<memory_faults, memory_fault_error> set_faults(memory_direction d,
                                                                         const memory_faults& faults) noexcept {
        auto checked = check(faults);
        if (checked) get(d).faults = faults;
        return checked;
    }

    /// The faults in force on direction `d`.
    constexpr const memory_faults& faults(memory_direction d) const noexcept { return get(d).faults; }
    /// What direction `d` did so far.
    constexpr const memory_counters& counters(memory_direction d) const noexcept { return get(d).counters; }
    /// Frames in flight on direction `d`: queued, delayed or held back.
    constexpr std::size_t in_flight(memory_direction d) const noexcept {
        return get(d).frames.queued() + (get(d).held != ring::none ? 1 : 0);
    }
    /// When the next frame on `d` becomes receivable (see `endpoint::next_arrival`).
    constexpr core::deadline next_arrival(memory_direction d) const noexcept {
        const link& l = get(d);
        core::time_point t = l.frames.earliest_ready();
        if (l.held != ring::none && l.frames.ready_at(l.held) < t) t = l.frames.ready_at(l.held);
        return core::deadline{t}; // time_point::max() is a disarmed deadline
    }
    /// What both endpoints report.
    constexpr core::transport_capabilities capabilities() const noexcept {
        return {.mtu = MaxFrame, .medium = medium_, .checksum = {}};
    }

private:
    constexpr void seed(std::uint64_t seed) noexcept {
        core::detail::splitmix64 seeder{seed};
        links_[0].random = core::detail::splitmix64{seeder()};
        links_[1].random = core::detail::splitmix64{seeder()};
    }

    constexpr core::result<memory_faults, memory_fault_error> check(const memory_faults& f) const noexcept {
        for (double p : {f.loss, f.duplication, f.reordering, f.delay, f.corruption})
            if (!(p >= 0.0 && p <= 1.0)) return core::failure(memory_fault_error::probability_out_of_range);
        if (f.delay_time < core::duration::zero()) return core::failure(memory_fault_error::negative_delay_time);
        if (f.delay > 0.0 && clock_ == nullptr) return core::failure(memory_fault_error::delay_without_clock);
        return f;
    }

    constexpr link& get(memory_direction d) noexcept { return links_[d == memory_direction::a_to_b ? 0 : 1]; }
    constexpr const link& get(memory_direction d) const noexcept {
        return links_[d == memory_direction::a_to_b ? 0 : 1];
    }
    constexpr core::time_point now() const noexcept { return clock_ ? clock_->now() : core::time_point::min(); }

    // Corruption and delay, decided for each copy of a frame on its own.
    constexpr void damage(link& l, typename ring::index s) noexcept {
        auto bytes = l.frames.bytes(s);
        if (!bytes.empty() && l.random.chance(l.faults.corruption)) {
            const std::uint32_t bit = l.random.below(static_cast<std::uint32_t>(bytes.size() * 8));
            bytes[bit / 8] = static_cast<std::uint8_t>(bytes[bit / 8] ^ (1u << (bit % 8)));
            ++l.counters.corrupted;
        }
        if (l.random.chance(l.faults.delay)) {
            const core::deadline ready = core::deadline::after(now(), l.faults.delay_time);
            l.frames.set_ready_at(s, ready.at());
            ++l.counters.delayed;
        }
    }

    template <class Fill>
    constexpr core::transmit_result send(memory_direction d, std::size_t len, Fill& fill) {
        if (len > MaxFrame) return core::failure(core::transport_error::too_large);
        link& l = get(d);
        slot_guard original{&l.frames, l.frames.acquire(len)};
        if (original.slot == ring::none) {
            ++l.counters.overflowed;
            return core::failure(core::transport_error::no_buffer);
        }
        fill(l.frames.bytes(original.slot));
        ++l.counters.transmitted;

        const auto held = std::exchange(l.held, ring::none);
        bool overtook = false;
        if (!l.random.chance(l.faults.loss)) {
            typename ring::index copy = ring::none;
            if (l.random.chance(l.faults.duplication)) {
                copy = l.frames.acquire(len);
                if (copy == ring::none) {
                    ++l.counters.overflowed;
                } else {
                    const auto from = l.frames.bytes(original.slot);
                    const auto to = l.frames.bytes(copy);
                    for (std::size_t i = 0; i < len; ++i) to[i] = from[i];
                    ++l.counters.duplicated;
                }
            }
            damage(l, original.slot);
            if (copy != ring::none) damage(l, copy);
            // Only one frame waits at a time: a frame sent while another waits overtakes it.
            if (held == ring::none && l.random.chance(l.faults.reordering)) {
                l.held = std::exchange(original.slot, ring::none);
            } else {
                l.frames.push(std::exchange(original.slot, ring::none));
                overtook = true;
            }
            if (copy != ring::none) {
                l.frames.push(copy);
                overtook = true;
            }
        } else {
            ++l.counters.lost; // the guard returns the slot
        }
        if (held != ring::none) {
            l.frames.push(held);
            if (overtook) ++l.counters.reordered;
        }
        return len;
    }

    template <class Consume>
    constexpr bool deliver(memory_direction d, Consume& consume) {
        link& l = get(d);
        const core::time_point t = now();
        slot_guard taken{&l.frames, l.frames.pop_ready(t)};
        // Nothing overtook the held frame before the receiver asked: it is next.
        if (taken.slot == ring::none && l.held != ring::none && l.frames.ready_at(l.held) <= t)
            taken.slot = std::exchange(l.held, ring::none);
        if (taken.slot == ring::none) return false;
        ++l.counters.delivered;
        consume(std::as_const(l.frames).bytes(taken.slot));
        return true;
    }

    link links_[2]{};
    const Clock* clock_ = nullptr;
    core::frame_medium medium_;
};

} // namespace synack::transport
