#pragma once
// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012), the
// keyed hash Linux uses for its ISNs (secure_tcp_seq) and the PRF F() of RFC 6528 3
// here. Constexpr, with byte-wise loads so that it runs in constant evaluation and on
// any alignment or endianness.
#include <cstddef>
#include <cstdint>
#include <span>

namespace synack::tcp::detail {

/// A 128-bit SipHash key as its two 64-bit halves (the paper's k0 and k1).
struct siphash_key {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;

    /// The key from its 16 bytes: k0 from bytes 0..7 and k1 from 8..15, little-endian
    /// (the paper's convention, so key bytes 00 01 .. 0f give the published test vectors).
    static constexpr siphash_key from_bytes(std::span<const std::uint8_t, 16> bytes) noexcept {
        return {load_le64(bytes.data()), load_le64(bytes.data() + 8)};
    }

    /// The 64-bit little-endian number at `p` (eight readable bytes).
    static constexpr std::uint64_t load_le64(const std::uint8_t* p) noexcept {
        // Written out rather than looped: GCC 12 and clang fuse this form into one load.
        return std::uint64_t{p[0]} | std::uint64_t{p[1]} << 8 | std::uint64_t{p[2]} << 16 |
               std::uint64_t{p[3]} << 24 | std::uint64_t{p[4]} << 32 | std::uint64_t{p[5]} << 40 |
               std::uint64_t{p[6]} << 48 | std::uint64_t{p[7]} << 56;
    }

    friend constexpr bool operator==(const siphash_key&, const siphash_key&) noexcept = default;
};

constexpr std::uint64_t rotl64(std::uint64_t x, int b) noexcept { return x << b | x >> (64 - b); }

// The four words of SipHash state and its ARX round.
struct sip_state {
    std::uint64_t v0, v1, v2, v3;

    constexpr void round() noexcept {
        v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);
        v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;
        v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;
        v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);
    }
    // Two compression rounds per 8-byte block: the "2" of SipHash-2-4.
    constexpr void compress(std::uint64_t m) noexcept {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

/// SipHash-2-4 of `message` under `key`: the 64-bit tag as an integer (its eight
/// little-endian bytes are the reference implementation's output bytes).
constexpr std::uint64_t siphash24(const siphash_key& key, std::span<const std::uint8_t> message) noexcept {
    // The initial state is the key xor "somepseudorandomlygeneratedbytes".
    sip_state s{key.k0 ^ 0x736f6d6570736575u, key.k1 ^ 0x646f72616e646f6du, key.k0 ^ 0x6c7967656e657261u,
                key.k1 ^ 0x7465646279746573u};
    const std::size_t n = message.size();
    const std::uint8_t* p = message.data();
    const std::size_t whole = n - n % 8;
    for (std::size_t i = 0; i < whole; i += 8) s.compress(siphash_key::load_le64(p + i));
    // Last block: the remaining bytes, and the message length mod 256 in the top byte.
    std::uint64_t last = static_cast<std::uint64_t>(n & 0xff) << 56;
    for (std::size_t i = 0; i < n % 8; ++i) last |= static_cast<std::uint64_t>(p[whole + i]) << (8 * i);
    s.compress(last);
    // Finalisation: four rounds, the "4" of SipHash-2-4.
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

} // namespace synack::tcp::detail
