#pragma once
/// \file
/// A listener: passive opens on one local endpoint, demultiplexed by 4-tuple into a
/// fixed table of connections (RFC 9293 2.7, 3.10.7.2). Each connection costs its
/// machine (TCB, state, buffers) and a few bytes of index; they share the transport,
/// clock, ISN policy and settings. Half-open connections are bounded by a backlog, so a
/// SYN flood cannot grow memory or evict established connections (a SYN past the
/// backlog is dropped, as Linux does without SYN cookies). A segment for no connection is
/// handled as LISTEN handles it (RFC 9293 3.10.7.2): an ACK gets a RST, the rest is dropped.
///
/// The listener is large for large `Capacity` (1M connections are about 170 MB): make it
/// with `std::make_unique`, not on the stack.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "synack/tcp/connection.hpp"
#include "synack/tcp/services.hpp"

namespace synack::tcp {

/// A listener's settings.
struct listener_config {
    connection_config connection{};
    /// Most connections in SYN-RECEIVED at once (Linux: net.ipv4.tcp_max_syn_backlog).
    std::size_t backlog = 128;
    /// Seeds the 4-tuple hash; peers choose their ports, so take it from a random source (see `four_tuple::hash`).
    std::uint64_t hash_seed = 0x5eed'5eed'5eed'5eedu;
};

/// What a listener saw, beyond each connection's own counters.
struct listener_counters {
    std::uint64_t accepted_syns = 0;  ///< SYNs that made a new connection
    std::uint64_t dropped_syns = 0;   ///< SYNs dropped: backlog or table full
    std::uint64_t stray_segments = 0; ///< segments for no connection (those with ACK answered with RST)
    std::uint64_t not_for_us = 0;     ///< frames for another port, or that did not parse
};

/// The local endpoint of a TCP-only service: a UDP-only one (TFTP) does not compile
/// ("synack::services: this service runs over UDP only; a TCP API cannot use it").
template <well_known_service Service>
constexpr endpoint service_endpoint(const ip_address& address) noexcept {
    return {address, tcp_port_v<Service>};
}

template <core::transport Transport, core::clock Clock, isn_generator Isn, std::size_t Capacity,
          std::size_t SendBuffer = 0, std::size_t ReceiveBuffer = 0, class Tracer = core::no_tracer>
class listener {
    static_assert(Capacity > 0 && Capacity < 0x7fffffffu, "synack::listener: capacity must be between 1 and 2^31 - 2");
    using environment = detail::connection_environment<Transport, Clock, Isn>;
    using machine_type = detail::connection_machine<Transport, Clock, Isn, SendBuffer, ReceiveBuffer, Tracer>;
    using core_type = typename machine_type::context_type;
    using slot_id = std::uint32_t;
    static constexpr slot_id none = 0xffffffffu;
    static constexpr std::size_t index_size = [] {
        std::size_t n = 2;
        while (n < 2 * Capacity) n *= 2;
        return n;
    }();

public:
    /// One of the listener's connections, with the whole user API (send, receive, close,
    /// abort, state, reason...). Valid until the poll after its connection is CLOSED.
    class handle : public connection_api<handle> {
    public:
        constexpr machine_type& machine() noexcept { return *machine_; }
        constexpr const machine_type& machine() const noexcept { return *machine_; }
        constexpr std::uint32_t id() const noexcept { return id_; }
        /// Called after each user call: the listener's next timer covers this connection's,
        /// and a connection the call ended (ABORT, CLOSE with unread data) is forgotten at the next poll.
        constexpr void timers_changed() noexcept {
            if (!owner_) return;
            owner_->next_timer_ = earliest(owner_->next_timer_, this->next_deadline());
            if (this->state() == state::closed) owner_->forget_later(id_);
        }

    private:
        friend class listener;
        constexpr handle(machine_type* m, std::uint32_t id, listener* owner = nullptr) noexcept
            : machine_{m}, id_{id}, owner_{owner} {}
        machine_type* machine_;
        std::uint32_t id_;
        listener* owner_;
    };

    /// A listener on `local` (its address may be left unspecified to take any).
    constexpr listener(Transport transport, const Clock& clock, Isn& isn, endpoint local, listener_config config = {})
        : env_{std::move(transport), &clock, &isn, config.connection, {}, local.address, {}}, local_{local},
          backlog_{config.backlog}, seed_{config.hash_seed} {
        for (std::size_t i = 0; i < Capacity; ++i) {
            slots_[i] = machine_type{connection_table, core_type{&env_}};
            free_[i] = static_cast<slot_id>(Capacity - 1 - i);
        }
        free_count_ = Capacity;
        index_.fill(none);
    }
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

    /// Takes every frame the transport has ready, runs expired timers, and forgets the
    /// connections that reached CLOSED before this poll. Returns the frames taken.
    constexpr std::size_t poll() {
        release_closed();
        std::size_t frames = 0;
        while (env_.transport.receive([&](std::span<const std::uint8_t> frame) { on_frame(frame); })) ++frames;
        on_time();
        return frames;
    }

    /// One frame (an IP packet, or a bare segment, as the transport's medium says).
    constexpr void on_frame(std::span<const std::uint8_t> frame) {
        const auto caps = env_.transport.capabilities();
        std::span<const std::uint8_t> bytes = frame;
        ip_address source{}, destination = local_.address;
        std::uint32_t pseudo = 0;
        if (caps.medium == core::frame_medium::ip) {
            const auto packet = parse_ip(frame);
            if (!packet || packet->protocol != ip_protocol_tcp || packet->fragment || !packet->header_checksum_ok) {
                ++counters_.not_for_us;
                return;
            }
            source = packet->version == 4 ? ip_address{packet->source4} : ip_address{packet->source6};
            destination = packet->version == 4 ? ip_address{packet->destination4} : ip_address{packet->destination6};
            bytes = packet->payload;
            pseudo = packet->pseudo_header_sum();
        } else {
            pseudo = detail::bare_pseudo_header.sum(static_cast<std::uint16_t>(frame.size()));
        }
        const auto parsed = parse_lenient(bytes);
        if (!parsed || (!caps.checksum.rx && !parsed->checksum_ok(pseudo))) {
            ++env_.counters.dropped_malformed;
            return;
        }
        const segment_view& s = *parsed;
        if (s.destination_port() != local_.port) {
            ++counters_.not_for_us;
            return;
        }
        const endpoint from{source, s.source_port()}, to{destination, s.destination_port()};
        const four_tuple key = make_four_tuple(to, from);
        if (const slot_id id = find(key); id != none) {
            deliver(id, s, from, to);
            return;
        }
        const flag_set f = s.flags();
        if (f.has(flag::syn) && !f.has(flag::ack) && !f.has(flag::rst) && !f.has(flag::fin)) {
            if (half_open_ >= backlog_ || free_count_ == 0) {
                ++counters_.dropped_syns; // RFC 9293 3.10.7.2 leaves it open; Linux drops past its backlog
                return;
            }
            const slot_id id = free_[--free_count_];
            handle{&slots_[id], id}.listen(to); // a passive OPEN for this one SYN
            insert(key, id);
            ++counters_.accepted_syns;
            deliver(id, s, from, to);
            return;
        }
        // No connection: the listener is in LISTEN for it (RFC 9293 3.10.7.2): a RST is
        // dropped, an ACK gets <SEQ=SEG.ACK><CTL=RST>, anything else (no SYN and no ACK, or
        // SYN with FIN, which Linux drops) is dropped.
        ++counters_.stray_segments;
        if (f.has(flag::rst) || !f.has(flag::ack)) return;
        machine_type closed{connection_table, core_type{&env_}};
        closed.context().control_block().local = to;
        handle{&closed, none}.on_segment(s, from, to);
    }

    /// Runs the timers that expired (retransmissions, TIME-WAIT, user timeouts).
    constexpr void on_time() {
        const auto now = env_.clock->now();
        if (!next_timer_.expired(now)) return;
        next_timer_ = {};
        for (slot_id id = 0; id < Capacity; ++id) {
            machine_type& m = slots_[id];
            if (m.state() == static_cast<std::size_t>(state::closed)) continue;
            const auto before = static_cast<state>(m.state());
            handle h{&m, id};
            h.on_time();
            account(id, before, static_cast<state>(m.state()));
            next_timer_ = earliest(next_timer_, h.next_deadline());
        }
    }
    /// When `on_time` next has something to do.
    constexpr core::deadline next_deadline() const noexcept { return next_timer_; }

    /// The next connection that completed its handshake and was not accepted yet.
    constexpr std::optional<handle> accept() noexcept {
        while (accept_count_ > 0) {
            const slot_id id = accept_queue_[accept_head_];
            accept_head_ = (accept_head_ + 1) % Capacity;
            --accept_count_;
            if (slots_[id].state() != static_cast<std::size_t>(state::closed)) return handle{&slots_[id], id, this};
        }
        return std::nullopt;
    }
    /// The connection `id` (from `handle::id`).
    constexpr handle at(std::uint32_t id) noexcept { return handle{&slots_[id], id, this}; }

    /// Connections in the table (any state but CLOSED), and those half-open.
    constexpr std::size_t size() const noexcept { return Capacity - free_count_; }
    constexpr std::size_t half_open() const noexcept { return half_open_; }
    static constexpr std::size_t capacity() noexcept { return Capacity; }
    constexpr const listener_counters& counters() const noexcept { return counters_; }
    /// What the connections' segments did, summed over all of them.
    constexpr const connection_counters& connection_totals() const noexcept { return env_.counters; }
    constexpr Transport& transport() noexcept { return env_.transport; }

private:
    constexpr void deliver(slot_id id, const segment_view& s, const endpoint& from, const endpoint& to) {
        machine_type& m = slots_[id];
        const auto before = static_cast<state>(m.state());
        handle h{&m, id};
        h.on_segment(s, from, to);
        account(id, before, static_cast<state>(m.state()));
        next_timer_ = earliest(next_timer_, h.next_deadline());
    }
    // Half-open count, accept queue and the list of connections to forget, from one transition.
    constexpr void account(slot_id id, state before, state after) noexcept {
        if (before == after) return;
        if (after == state::syn_received) ++half_open_;
        if (before == state::syn_received) --half_open_;
        if (before == state::syn_received && (after == state::established || after == state::close_wait) && accept_count_ < Capacity) {
            accept_queue_[(accept_head_ + accept_count_) % Capacity] = id;
            ++accept_count_;
        }
        if (after == state::closed || after == state::listen) forget_later(id);
    }
    // Queues a connection to be forgotten at the next poll, once.
    constexpr void forget_later(slot_id id) noexcept {
        if (forgetting_[id]) return;
        forgetting_[id] = true;
        closing_[closing_count_++] = id;
    }
    constexpr void release_closed() {
        for (std::size_t i = 0; i < closing_count_; ++i) {
            const slot_id id = closing_[i];
            forgetting_[id] = false;
            machine_type& m = slots_[id];
            const auto st = static_cast<state>(m.state());
            if (st != state::closed && st != state::listen) continue; // reopened meanwhile
            const tcb& t = m.context().control_block();
            erase(make_four_tuple(t.local, t.remote), id);
            m.set_state(static_cast<std::size_t>(state::closed));
            free_[free_count_++] = id;
        }
        closing_count_ = 0;
    }

    // ---- the 4-tuple index: open addressing, linear probing, backward-shift deletion ----
    constexpr std::size_t home(const four_tuple& key) const noexcept { return static_cast<std::size_t>(key.hash(seed_)) & (index_size - 1); }
    constexpr four_tuple key_of(slot_id id) const noexcept {
        const tcb& t = slots_[id].context().control_block();
        return make_four_tuple(t.local, t.remote);
    }
    constexpr slot_id find(const four_tuple& key) const noexcept {
        for (std::size_t i = home(key);; i = (i + 1) & (index_size - 1)) {
            const slot_id id = index_[i];
            if (id == none) return none;
            if (key_of(id) == key) return id;
        }
    }
    constexpr void insert(const four_tuple& key, slot_id id) noexcept {
        std::size_t i = home(key);
        while (index_[i] != none) i = (i + 1) & (index_size - 1);
        index_[i] = id;
    }
    constexpr void erase(const four_tuple& key, slot_id id) noexcept {
        std::size_t i = home(key);
        while (index_[i] != id) {
            if (index_[i] == none) return;
            i = (i + 1) & (index_size - 1);
        }
        // Shift back the entries of the probe run that follows, so lookups never stop early.
        std::size_t hole = i;
        for (std::size_t j = (i + 1) & (index_size - 1); index_[j] != none; j = (j + 1) & (index_size - 1)) {
            const std::size_t want = home(key_of(index_[j]));
            const bool movable = hole <= j ? (want <= hole || want > j) : (want <= hole && want > j);
            if (movable) {
                index_[hole] = index_[j];
                hole = j;
            }
        }
        index_[hole] = none;
    }

    environment env_;
    endpoint local_;
    std::size_t backlog_;
    std::uint64_t seed_;
    listener_counters counters_{};
    std::size_t half_open_ = 0;
    core::deadline next_timer_{};
    std::array<machine_type, Capacity> slots_{};
    std::array<slot_id, index_size> index_{};
    std::array<slot_id, Capacity> free_{};
    std::size_t free_count_ = 0;
    std::array<slot_id, Capacity> accept_queue_{};
    std::size_t accept_head_ = 0, accept_count_ = 0;
    std::array<slot_id, Capacity> closing_{};
    std::array<bool, Capacity> forgetting_{};
    std::size_t closing_count_ = 0;
};

} // namespace synack::tcp
