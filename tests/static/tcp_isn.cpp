// SipHash-2-4 and the ISN generators at compile time: the reference test vectors, the
// 4-microsecond clock, and which types are ISN generators.
#include <synack/tcp/isn.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <type_traits>

using namespace synack;
using namespace synack::tcp;
using namespace std::chrono_literals;

// Key 00 01 .. 0f and message 00 01 .. (n-1), as in the reference implementation's vectors.h.
constexpr std::array<std::uint8_t, 16> key_bytes{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
constexpr siphash_key key = siphash_key::from_bytes(key_bytes);
static_assert(key == siphash_key{0x0706050403020100u, 0x0f0e0d0c0b0a0908u});

constexpr std::uint64_t tag_of_length(std::size_t n) {
    std::array<std::uint8_t, 64> message{};
    for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i);
    return detail::siphash24(key, std::span<const std::uint8_t>{message}.first(n));
}
// vectors_sip64[n], its eight bytes read little-endian.
static_assert(tag_of_length(0) == 0x726fdb47dd0e0e31u);  // 31 0e 0e dd 47 db 6f 72
static_assert(tag_of_length(1) == 0x74f839c593dc67fdu);  // fd 67 dc 93 c5 39 f8 74
static_assert(tag_of_length(7) == 0xab0200f58b01d137u);  // 37 d1 01 8b f5 00 02 ab
static_assert(tag_of_length(8) == 0x93f5f5799a932462u);  // 62 24 93 9a 79 f5 f5 93
static_assert(tag_of_length(15) == 0xa129ca6149be45e5u); // e5 45 be 49 61 ca 29 a1
static_assert(tag_of_length(63) == 0x958a324ceb064572u); // 72 45 06 eb 4c 32 8a 95

// The three generators, and things that are not generators.
static_assert(isn_generator<rfc6528_isn>);
static_assert(isn_generator<const rfc6528_isn>);
static_assert(isn_generator<fixed_isn>);
static_assert(isn_generator<counter_isn>);
static_assert(!isn_generator<const counter_isn>); // a counter must be able to advance
static_assert(!isn_generator<int>);
struct returns_raw_number {
    std::uint32_t initial_sequence(const four_tuple&, core::time_point) const { return 1; }
};
static_assert(!isn_generator<returns_raw_number>); // an ISN is a seq_number, not an integer
struct ignores_time {
    seq_number initial_sequence(const four_tuple&) const { return seq_number{1}; }
};
static_assert(!isn_generator<ignores_time>);

// A key is required: there is no default (all-zero, public) key.
static_assert(!std::is_default_constructible_v<rfc6528_isn>);
static_assert(!std::is_convertible_v<siphash_key, rfc6528_isn>);

// Full-range generators only: every key bit must be random.
struct bits32 {
    using result_type = std::uint32_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return 0xffff'ffffu; }
    result_type operator()() { return 0; }
};
struct from_one {
    using result_type = std::uint32_t;
    static constexpr result_type min() { return 1; }
    static constexpr result_type max() { return 0x7fff'ffffu; }
    result_type operator()() { return 1; }
};
static_assert(full_range_bit_generator<bits32>);
static_assert(!full_range_bit_generator<from_one>);
static_assert(!full_range_bit_generator<int>);

// RFC 6528 3 at compile time: M ticks every 4 us, F is fixed per key and tuple.
constexpr four_tuple tuple{ipv4_address{{10, 0, 0, 1}}, 40000, ipv4_address{{10, 0, 0, 2}}, 80};
constexpr rfc6528_isn isn{key};
constexpr core::time_point t0{4us * 1000};
static_assert(isn.initial_sequence(tuple, t0) == seq_number{isn.offset(tuple)} + 1000);
static_assert(isn.initial_sequence(tuple, t0 + 3us) == isn.initial_sequence(tuple, t0));
static_assert(isn.initial_sequence(tuple, t0 + 4us) - isn.initial_sequence(tuple, t0) == 1);
static_assert(isn.offset(tuple) != isn.offset(tuple.reversed()));
static_assert(rfc6528_isn{siphash_key{1, 2}}.offset(tuple) != isn.offset(tuple));

// The deterministic generators.
static_assert(fixed_isn{seq_number{1234567}}.initial_sequence(tuple, t0) == seq_number{1234567});
constexpr seq_number third_of_counter() {
    counter_isn c{seq_number{10}, 5};
    c.initial_sequence(tuple, t0);
    c.initial_sequence(tuple, t0);
    return c.initial_sequence(tuple, t0);
}
static_assert(third_of_counter() == seq_number{20});

// The tuple: IPv4 kept IPv4-mapped, equality, reversal, hashing.
static_assert(tuple.is_ipv4());
static_assert(tuple.local_ipv4() == ipv4_address{{10, 0, 0, 1}} && tuple.remote_port() == 80);
static_assert(tuple.reversed().reversed() == tuple);
static_assert(tuple == four_tuple{*ipv6_address::parse("::ffff:a00:1"), 40000, *ipv6_address::parse("::ffff:a00:2"), 80});
static_assert(tuple.hash(1) != tuple.reversed().hash(1));
static_assert(!four_tuple{}.is_ipv4());
static_assert(sizeof(four_tuple) == 36);
