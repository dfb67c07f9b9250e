#pragma once
/// \file
/// Initial sequence numbers as a policy (RFC 9293 3.4.1): the `four_tuple` that names a
/// connection, the `isn_generator` concept, and three generators: `rfc6528_isn`
/// (ISN = M + F(tuple, secret key), RFC 6528 3, with F = SipHash-2-4 as in Linux's
/// secure_tcp_seq), `fixed_isn` (the textbook trace) and `counter_isn` (tests).
///
/// No <random> here: it costs every includer about 0.3 s of compile time and 23 MB of
/// compiler memory (g++ 12), and only the program that makes a key needs a random
/// device. `rfc6528_isn::from_random_device` takes the device from the caller, who
/// includes <random> for it.

#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <utility> // declval

#include "synack/core/clock.hpp"
#include "synack/tcp/detail/bytes.hpp"
#include "synack/tcp/detail/siphash.hpp"
#include "synack/tcp/ip.hpp"
#include "synack/tcp/sequence.hpp"

namespace synack::tcp {

/// A 128-bit SipHash key (k0, k1); `siphash_key::from_bytes` reads one from 16 bytes.
using siphash_key = detail::siphash_key;

namespace detail {

// ::ffff:a.b.c.d, the IPv4-mapped IPv6 address of a.b.c.d (RFC 4291 2.5.5.2).
constexpr std::array<std::uint8_t, 16> map_ipv4(const ipv4_address& a) noexcept {
    std::array<std::uint8_t, 16> out{};
    out[10] = out[11] = 0xff;
    for (std::size_t i = 0; i < 4; ++i) out[12 + i] = a.bytes[i];
    return out;
}

constexpr bool is_ipv4_mapped(const std::array<std::uint8_t, 16>& a) noexcept {
    // Eight zero bytes as one load, then 00 00 ff ff: this runs for every hash of a tuple.
    return siphash_key::load_le64(a.data()) == 0 && load_be32(&a[8]) == 0x0000'ffffu;
}

// One step of the tuple hash: the word folded in, then SplitMix64's finaliser, so
// every output bit (the low ones an open-addressing table uses included) depends on
// every input bit.
constexpr std::uint64_t mix64(std::uint64_t h, std::uint64_t word) noexcept {
    std::uint64_t z = h ^ word;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

} // namespace detail

/// A connection's name: local address and port, remote address and port (the pair of
/// sockets at its ends fully specifies a connection, RFC 9293 2.7). IPv4 addresses are
/// kept IPv4-mapped (::ffff:a.b.c.d, RFC 4291 2.5.5.2), so one 36-byte value serves
/// both families; an IPv6 tuple whose two addresses are IPv4-mapped is the IPv4 tuple,
/// as on a Linux dual-stack socket. A default tuple is all zeros (IPv6 ::, port 0).
class four_tuple {
public:
    /// The all-zero tuple (:: port 0 on both ends): an empty slot, never a connection.
    constexpr four_tuple() noexcept = default;

    /// An IPv4 connection.
    constexpr four_tuple(const ipv4_address& local, std::uint16_t local_port, const ipv4_address& remote,
                         std::uint16_t remote_port) noexcept
        : local_{detail::map_ipv4(local)}, remote_{detail::map_ipv4(remote)}, local_port_{local_port},
          remote_port_{remote_port} {}

    /// An IPv6 connection.
    constexpr four_tuple(const ipv6_address& local, std::uint16_t local_port, const ipv6_address& remote,
                         std::uint16_t remote_port) noexcept
        : local_{local.bytes}, remote_{remote.bytes}, local_port_{local_port}, remote_port_{remote_port} {}

    /// True when both addresses are IPv4 (IPv4-mapped, RFC 4291 2.5.5.2).
    constexpr bool is_ipv4() const noexcept { return detail::is_ipv4_mapped(local_) && detail::is_ipv4_mapped(remote_); }

    /// The local address as 16 bytes (IPv4-mapped for IPv4).
    constexpr ipv6_address local_address() const noexcept { return {local_}; }
    /// The remote address as 16 bytes (IPv4-mapped for IPv4).
    constexpr ipv6_address remote_address() const noexcept { return {remote_}; }
    /// The local IPv4 address: the low four bytes, meaningful when `is_ipv4()`.
    constexpr ipv4_address local_ipv4() const noexcept { return {{local_[12], local_[13], local_[14], local_[15]}}; }
    /// The remote IPv4 address: the low four bytes, meaningful when `is_ipv4()`.
    constexpr ipv4_address remote_ipv4() const noexcept {
        return {{remote_[12], remote_[13], remote_[14], remote_[15]}};
    }
    /// The local port.
    constexpr std::uint16_t local_port() const noexcept { return local_port_; }
    /// The remote port.
    constexpr std::uint16_t remote_port() const noexcept { return remote_port_; }

    /// The same connection named by the peer: local and remote swapped. A received
    /// segment's (destination, source) is our (local, remote).
    constexpr four_tuple reversed() const noexcept {
        four_tuple r;
        r.local_ = remote_;
        r.remote_ = local_;
        r.local_port_ = remote_port_;
        r.remote_port_ = local_port_;
        return r;
    }

    /// Bytes of the longest `canonical_bytes` output (IPv6).
    static constexpr std::size_t max_canonical_size = 36;

    /// The tuple as the bytes its hashes read, written to `out`; returns how many.
    /// IPv4: local address, remote address, local port, remote port (12 bytes, network
    /// order: the words Linux's secure_tcp_seq hashes); IPv6: the same with 16-byte
    /// addresses (36 bytes, as secure_tcpv6_seq).
    constexpr std::size_t canonical_bytes(std::span<std::uint8_t, max_canonical_size> out) const noexcept {
        const bool v4 = is_ipv4();
        const std::size_t from = v4 ? 12 : 0, length = 16 - from;
        for (std::size_t i = 0; i < length; ++i) {
            out[i] = local_[from + i];
            out[length + i] = remote_[from + i];
        }
        detail::store_be16(&out[2 * length], local_port_);
        detail::store_be16(&out[2 * length + 2], remote_port_);
        return 2 * length + 4;
    }

    /// A fast seeded hash for an open-addressing table: every bit of the result depends
    /// on every bit of the tuple, the low bits included. Peers choose their addresses
    /// and ports: with a fixed or guessable seed they can pile their connections into
    /// one probe chain, so seed it at random and keep the seed private (Linux keys its
    /// established-table hash with a boot-time secret), or use `keyed_hash` against an
    /// adaptive attacker.
    constexpr std::uint64_t hash(std::uint64_t seed) const noexcept {
        const std::uint64_t ports = std::uint64_t{local_port_} << 16 | remote_port_;
        if (is_ipv4()) {
            const std::uint64_t addresses = std::uint64_t{detail::load_be32(&local_[12])} << 32 |
                                            detail::load_be32(&remote_[12]);
            return detail::mix64(detail::mix64(seed, addresses), ports);
        }
        std::uint64_t h = detail::mix64(seed, ports | std::uint64_t{1} << 32); // the family, beside the ports
        for (std::size_t i = 0; i < 16; i += 8) h = detail::mix64(h, siphash_key::load_le64(&local_[i]));
        for (std::size_t i = 0; i < 16; i += 8) h = detail::mix64(h, siphash_key::load_le64(&remote_[i]));
        return h;
    }

    /// SipHash-2-4 of `canonical_bytes` under a secret key: a hash whose collisions a
    /// peer cannot find without the key, for tables that face the network.
    constexpr std::uint64_t keyed_hash(const siphash_key& key) const noexcept {
        std::array<std::uint8_t, max_canonical_size> bytes{};
        const std::size_t n = canonical_bytes(bytes);
        return detail::siphash24(key, std::span<const std::uint8_t>{bytes}.first(n));
    }

    friend constexpr bool operator==(const four_tuple&, const four_tuple&) noexcept = default;

private:
    std::array<std::uint8_t, 16> local_{};
    std::array<std::uint8_t, 16> remote_{};
    std::uint16_t local_port_ = 0;
    std::uint16_t remote_port_ = 0;
};

/// `four_tuple::hash` as a function object, for `std::unordered_map` and friends.
struct four_tuple_hash {
    /// The seed of `four_tuple::hash`: random and private in a program that faces the network.
    std::uint64_t seed = 0;
    /// `t.hash(seed)`, truncated to `std::size_t`.
    constexpr std::size_t operator()(const four_tuple& t) const noexcept {
        return static_cast<std::size_t>(t.hash(seed));
    }
};

/// A source of initial sequence numbers: `g.initial_sequence(tuple, now)` gives the ISN
/// for a new connection named `tuple` at time `now` (RFC 9293 3.4.1). It may change
/// the generator (a counter does).
template <class Generator>
concept isn_generator = requires(Generator& g, const four_tuple& tuple, core::time_point now) {
    { g.initial_sequence(tuple, now) } -> std::same_as<seq_number>;
};

/// A random bit generator whose every call yields uniformly random bits over the whole
/// of its unsigned result type (min() == 0, max() == all ones), e.g. std::random_device.
/// (std::uniform_random_bit_generator lives in <random>, which this header avoids.)
template <class G>
concept full_range_bit_generator =
    requires(G& g) {
        requires std::unsigned_integral<decltype(g())>;
        { G::min() } -> std::same_as<decltype(g())>;
        { G::max() } -> std::same_as<decltype(g())>;
        typename std::integral_constant<decltype(g()), G::min()>; // min() and max() are constant expressions
        typename std::integral_constant<decltype(g()), G::max()>;
    } && G::min() == 0 && G::max() == std::numeric_limits<decltype(std::declval<G&>()())>::max();

/// RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where
/// M is a timer that ticks every 4 microseconds and F is SipHash-2-4 under a 128-bit
/// secret key (Linux's secure_tcp_seq does the same, its M ticking every 64 ns), taken
/// mod 2^32. The clock part keeps a new incarnation of a tuple clear of the old one's
/// numbers (RFC 9293 3.4.1, MUST-8); the keyed part, which cannot be computed without
/// the key (MUST-9), keeps an off-path attacker from guessing the ISN of a tuple from
/// the ISNs it sees on its own connections (RFC 6528 1 and 3, RFC 9293 3.4.1 SHLD-1).
class rfc6528_isn {
public:
    /// The period of M (RFC 6528 3; the ISN clock of RFC 9293 3.4.1 moves its low-order bit about this often).
    static constexpr core::duration tick = std::chrono::microseconds{4};

    /// A generator keyed with `key`, which must be secret and random (RFC 6528 3).
    constexpr explicit rfc6528_isn(const siphash_key& key) noexcept : key_{key} {}
    /// A generator keyed with 16 secret random bytes (SipHash's byte order: `siphash_key::from_bytes`).
    constexpr explicit rfc6528_isn(const std::array<std::uint8_t, 16>& key) noexcept
        : key_{siphash_key::from_bytes(key)} {}

    /// A generator keyed from `device`, usually a `std::random_device` (include <random>
    /// to make one). Any full-range generator is accepted; a seeded pseudo-random one
    /// gives a key anyone with the seed can compute, which suits tests only.
    template <class Device>
        requires full_range_bit_generator<std::remove_cvref_t<Device>>
    static constexpr rfc6528_isn from_random_device(Device&& device) {
        using word = decltype(device());
        std::array<std::uint8_t, 16> bytes{};
        for (std::size_t i = 0; i < bytes.size();) {
            const word w = device();
            for (std::size_t b = 0; b < sizeof(word) && i < bytes.size(); ++b, ++i)
                bytes[i] = static_cast<std::uint8_t>(w >> (8 * b));
        }
        return rfc6528_isn{bytes};
    }

    /// M: the 4-microsecond timer at `now`, mod 2^32 (floor division, so it steps
    /// exactly at multiples of 4 us, before the epoch too).
    static constexpr std::uint32_t timer(core::time_point now) noexcept {
        const std::int64_t ns = now.time_since_epoch().count(), period = tick.count();
        std::int64_t ticks = ns / period;
        if (ns % period < 0) --ticks;
        return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ticks));
    }

    /// F: the low 32 bits of SipHash-2-4 of the tuple's `canonical_bytes` under the key.
    constexpr std::uint32_t offset(const four_tuple& tuple) const noexcept {
        return static_cast<std::uint32_t>(tuple.keyed_hash(key_));
    }

    /// The ISN for a connection named `tuple` opened at `now`: M + F (RFC 6528 3).
    constexpr seq_number initial_sequence(const four_tuple& tuple, core::time_point now) const noexcept {
        return seq_number{offset(tuple)} + timer(now);
    }

private:
    siphash_key key_;
};

/// Always the same ISN, whatever the tuple and time: for traces that must match a
/// textbook or a recorded capture (RFC 9293 3.5's examples; in synack's demo A uses
/// 1234567 and B 7654321). Predictable ISNs let off-path attackers inject segments
/// (RFC 6528 1): never on a real network.
struct fixed_isn {
    /// The ISN of every connection.
    seq_number isn;

    /// `isn`, every time.
    constexpr seq_number initial_sequence(const four_tuple&, core::time_point) const noexcept { return isn; }
};

/// `next`, then `next + step`, `next + 2 step`, ... (mod 2^32) whatever the tuple and
/// time: deterministic ISNs for tests, distinct per connection. Predictable: never on
/// a real network (RFC 6528 1).
struct counter_isn {
    /// The ISN of the next connection.
    seq_number next;
    /// How far `next` moves per connection.
    std::uint32_t step = 1;

    /// The current `next`, which then advances by `step`.
    constexpr seq_number initial_sequence(const four_tuple&, core::time_point) noexcept {
        const seq_number isn = next;
        next += step;
        return isn;
    }
};

} // namespace synack::tcp
