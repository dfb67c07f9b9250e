#include "support/catch.hpp"

#include <synack/tcp/isn.hpp>

#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

using namespace synack;
using namespace synack::tcp;
using namespace std::chrono_literals;

namespace {

// SipHash-2-4 outputs for key 00 01 .. 0f and the messages 00 01 .. (n-1), n = 0..63,
// as the little-endian numbers of the reference implementation's output bytes
// (vectors_sip64 in vectors.h of github.com/veorq/SipHash).
constexpr std::array<std::uint64_t, 64> reference_tags{
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d, 0xcf2794e0277187b7,
    0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137, 0x93f5f5799a932462, 0x9e0082df0ba9e4b0,
    0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7, 0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee,
    0xa129ca6149be45e5, 0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
    0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8, 0xb8ad50c6f649af94,
    0xbce192de8a85b8ea, 0x17d835b85bbb15f3, 0x2f2e6163076bcfad, 0xde4daaaca71dc9a5, 0xa6a2506687956571,
    0xad87a3535c49ef28, 0x32d892fad841c342, 0x7127512f72f27cce, 0xa7f32346f95978e3, 0x12e0b01abb051238,
    0x15e034d40fa197ae, 0x314dffbe0815a3b4, 0x027990f029623981, 0xcadcd4e59ef40c4d, 0x9abfd8766a33735c,
    0x0e3ea96b5304a7d0, 0xad0c42d6fc585992, 0x187306c89bc215a9, 0xd4a60abcf3792b95, 0xf935451de4f21df2,
    0xa9538f0419755787, 0xdb9acddff56ca510, 0xd06c98cd5c0975eb, 0xe612a3cb9ecba951, 0xc766e62cfcadaf96,
    0xee64435a9752fe72, 0xa192d576b245165a, 0x0a8787bf8ecb74b2, 0x81b3e73d20b49b6f, 0x7fa8220ba3b2ecea,
    0x245731c13ca42499, 0xb78dbfaf3a8d83bd, 0xea1ad565322a1a0b, 0x60e61c23a3795013, 0x6606d7e446282b93,
    0x6ca4ecb15c5f91e1, 0x9f626da15c9625f3, 0xe51b38608ef25f57, 0x958a324ceb064572};

constexpr std::array<std::uint8_t, 16> reference_key_bytes{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

constexpr std::array<std::uint8_t, 64> reference_message() {
    std::array<std::uint8_t, 64> m{};
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(i);
    return m;
}

std::uint64_t reference_siphash(std::size_t length) {
    static constexpr auto message = reference_message();
    return detail::siphash24(siphash_key::from_bytes(reference_key_bytes),
                             std::span<const std::uint8_t>{message}.first(length));
}

core::time_point at(core::duration since_epoch) { return core::time_point{since_epoch}; }

const ipv4_address client4{{192, 0, 2, 10}};
const ipv4_address server4{{198, 51, 100, 7}};
const four_tuple web4{client4, 40000, server4, 443};

const siphash_key key_a{0x0123456789abcdef, 0xfedcba9876543210};
const siphash_key key_b{0x0123456789abcdef, 0xfedcba9876543211}; // key_a with its last bit flipped

} // namespace

TEST_CASE("SipHash-2-4 gives the reference implementation's 64 test vectors", "[tcp][isn][siphash]") {
    for (std::size_t length = 0; length < 64; ++length) {
        INFO("message length " << length);
        CHECK(reference_siphash(length) == reference_tags[length]);
    }
}

TEST_CASE("SipHash-2-4 tags are the reference output bytes read little-endian", "[tcp][isn][siphash]") {
    // vectors_sip64[n] of the reference vectors.h, byte for byte, for n = 0, 1, 7, 8, 15, 63:
    // lengths that end in an empty, a one-byte, a seven-byte and a whole final block.
    const std::array<std::pair<std::size_t, std::array<std::uint8_t, 8>>, 6> published{{
        {0, {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}},
        {1, {0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74}},
        {7, {0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab}},
        {8, {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}},
        {15, {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1}},
        {63, {0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95}},
    }};
    for (const auto& [length, bytes] : published) {
        INFO("message length " << length);
        CHECK(reference_siphash(length) == siphash_key::load_le64(bytes.data()));
    }
}

TEST_CASE("a SipHash key reads its 16 bytes as two little-endian halves", "[tcp][isn][siphash]") {
    const siphash_key k = siphash_key::from_bytes(reference_key_bytes);
    CHECK(k.k0 == 0x0706050403020100u);
    CHECK(k.k1 == 0x0f0e0d0c0b0a0908u);
}

TEST_CASE("the ISN advances by one every 4 microseconds for a fixed tuple", "[tcp][isn][rfc6528]") {
    const rfc6528_isn isn{key_a};
    const core::time_point t0 = at(12345 * 4us);
    const seq_number first = isn.initial_sequence(web4, t0);
    CHECK(isn.initial_sequence(web4, t0 + 1us) == first);
    CHECK(isn.initial_sequence(web4, t0 + 3999ns) == first);
    CHECK(isn.initial_sequence(web4, t0 + 4us) == first + 1);
    CHECK(isn.initial_sequence(web4, t0 + 8us) == first + 2);
    CHECK(isn.initial_sequence(web4, t0 + 1s) == first + 250'000);
    // 2^32 ticks (about 4.77 hours) bring it back to where it was: M is taken mod 2^32.
    CHECK(isn.initial_sequence(web4, t0 + 4us * (std::int64_t{1} << 32)) == first);
    CHECK(isn.initial_sequence(web4, t0 + 4us * ((std::int64_t{1} << 32) - 1)) == first - 1);
}

TEST_CASE("M steps at multiples of 4 microseconds, before the epoch too", "[tcp][isn][rfc6528]") {
    CHECK(rfc6528_isn::timer(at(0ns)) == 0u);
    CHECK(rfc6528_isn::timer(at(3999ns)) == 0u);
    CHECK(rfc6528_isn::timer(at(4us)) == 1u);
    CHECK(rfc6528_isn::timer(at(-1ns)) == 0xffff'ffffu);
    CHECK(rfc6528_isn::timer(at(-4us)) == 0xffff'ffffu);
    CHECK(rfc6528_isn::timer(at(-4001ns)) == 0xffff'fffeu);
}

TEST_CASE("F is SipHash-2-4 of local address, remote address, local port, remote port in network order",
          "[tcp][isn][rfc6528]") {
    const rfc6528_isn isn{key_a};
    const std::array<std::uint8_t, 12> v4_message{192, 0, 2, 10, 198, 51, 100, 7, 0x9c, 0x40, 0x01, 0xbb};
    CHECK(isn.offset(web4) == static_cast<std::uint32_t>(detail::siphash24(key_a, v4_message)));
    CHECK(isn.initial_sequence(web4, at(0ns)) == seq_number{isn.offset(web4)});

    const auto local6 = *ipv6_address::parse("2001:db8::1");
    const auto remote6 = *ipv6_address::parse("2001:db8::2");
    std::array<std::uint8_t, 36> v6_message{};
    for (std::size_t i = 0; i < 16; ++i) {
        v6_message[i] = local6.bytes[i];
        v6_message[16 + i] = remote6.bytes[i];
    }
    v6_message[32] = 0x00; // local port 80
    v6_message[33] = 0x50;
    v6_message[34] = 0xd4; // remote port 54321
    v6_message[35] = 0x31;
    const four_tuple web6{local6, 80, remote6, 54321};
    CHECK(isn.offset(web6) == static_cast<std::uint32_t>(detail::siphash24(key_a, v6_message)));
}

TEST_CASE("different tuples give unrelated offsets", "[tcp][isn][rfc6528]") {
    const rfc6528_isn isn{key_a};
    // A client opening 4096 connections to one server, port after port.
    std::vector<std::uint32_t> offsets;
    for (std::uint16_t port = 32768; port < 32768 + 4096; ++port)
        offsets.push_back(isn.offset(four_tuple{client4, port, server4, 443}));

    // No two ports share an offset (a collision among 4096 would be a 1-in-500,000 event),
    const std::set<std::uint32_t> distinct(offsets.begin(), offsets.end());
    CHECK(distinct.size() == offsets.size());
    // every bit of the offset is set for about half of them,
    for (int bit = 0; bit < 32; ++bit) {
        std::size_t ones = 0;
        for (const std::uint32_t o : offsets) ones += (o >> bit) & 1u;
        INFO("bit " << bit);
        CHECK(ones > 4096 * 45 / 100);
        CHECK(ones < 4096 * 55 / 100);
    }
    // and neighbouring ports' offsets differ in about half their bits, not by a pattern.
    std::size_t flipped = 0;
    std::set<std::uint32_t> steps;
    for (std::size_t i = 1; i < offsets.size(); ++i) {
        flipped += static_cast<std::size_t>(std::popcount(offsets[i] ^ offsets[i - 1]));
        steps.insert(offsets[i] - offsets[i - 1]);
    }
    const double mean_flipped = static_cast<double>(flipped) / static_cast<double>(offsets.size() - 1);
    CHECK(mean_flipped > 15.5);
    CHECK(mean_flipped < 16.5);
    CHECK(steps.size() == offsets.size() - 1);
}

TEST_CASE("every field of the tuple changes the offset", "[tcp][isn][rfc6528]") {
    const rfc6528_isn isn{key_a};
    const std::uint32_t base = isn.offset(web4);
    CHECK(isn.offset(four_tuple{ipv4_address{{192, 0, 2, 11}}, 40000, server4, 443}) != base);
    CHECK(isn.offset(four_tuple{client4, 40001, server4, 443}) != base);
    CHECK(isn.offset(four_tuple{client4, 40000, ipv4_address{{198, 51, 100, 8}}, 443}) != base);
    CHECK(isn.offset(four_tuple{client4, 40000, server4, 444}) != base);
    // The two ends are not interchangeable: the peer's view of the connection has its own offset.
    CHECK(isn.offset(web4.reversed()) != base);
}

TEST_CASE("different keys give different ISNs for the same tuple and time", "[tcp][isn][rfc6528]") {
    const rfc6528_isn a{key_a}, b{key_b};
    const core::time_point now = at(1h);
    CHECK(a.initial_sequence(web4, now) != b.initial_sequence(web4, now));
    std::size_t equal = 0;
    for (std::uint16_t port = 1; port <= 1000; ++port) {
        const four_tuple t{client4, port, server4, 443};
        equal += a.initial_sequence(t, now) == b.initial_sequence(t, now);
    }
    CHECK(equal == 0);
}

TEST_CASE("the same key, tuple and time give the same ISN", "[tcp][isn][rfc6528]") {
    const rfc6528_isn a{key_a};
    const rfc6528_isn b{key_a};
    std::array<std::uint8_t, 16> key_bytes{};
    for (std::size_t i = 0; i < 8; ++i) {
        key_bytes[i] = static_cast<std::uint8_t>(key_a.k0 >> (8 * i));
        key_bytes[8 + i] = static_cast<std::uint8_t>(key_a.k1 >> (8 * i));
    }
    const rfc6528_isn c{key_bytes};
    const core::time_point now = at(37s + 123us);
    CHECK(a.initial_sequence(web4, now) == b.initial_sequence(web4, now));
    CHECK(a.initial_sequence(web4, now) == c.initial_sequence(web4, now));
    CHECK(a.initial_sequence(web4, now) == a.initial_sequence(web4, now));
}

TEST_CASE("from_random_device fills the key with the device's bits, lowest byte first", "[tcp][isn][rfc6528]") {
    // A full-range 32-bit source yielding 0x03020100, 0x07060504, ...: key bytes 00 .. 0f.
    struct counting_words {
        using result_type = std::uint32_t;
        static constexpr result_type min() { return 0; }
        static constexpr result_type max() { return 0xffff'ffff; }
        std::uint32_t next = 0;
        result_type operator()() {
            const std::uint32_t b = next;
            next += 4;
            return b | (b + 1) << 8 | (b + 2) << 16 | (b + 3) << 24;
        }
    };
    const rfc6528_isn from_words = rfc6528_isn::from_random_device(counting_words{});
    const rfc6528_isn from_reference{reference_key_bytes};
    CHECK(from_words.offset(web4) == from_reference.offset(web4));

    std::mt19937_64 seeded{42}; // 64-bit words: two calls
    std::mt19937_64 same_seed{42};
    std::array<std::uint8_t, 16> expected{};
    for (std::size_t half = 0; half < 2; ++half) {
        const std::uint64_t w = same_seed();
        for (std::size_t i = 0; i < 8; ++i) expected[8 * half + i] = static_cast<std::uint8_t>(w >> (8 * i));
    }
    CHECK(rfc6528_isn::from_random_device(seeded).offset(web4) == rfc6528_isn{expected}.offset(web4));
}

TEST_CASE("two generators keyed from std::random_device disagree", "[tcp][isn][rfc6528]") {
    std::random_device device;
    const rfc6528_isn a = rfc6528_isn::from_random_device(device);
    const rfc6528_isn b = rfc6528_isn::from_random_device(device);
    // Four tuples: agreeing on all four by chance is a 2^-128 event.
    std::size_t agree = 0;
    for (std::uint16_t port = 1; port <= 4; ++port) {
        const four_tuple t{client4, port, server4, 443};
        agree += a.offset(t) == b.offset(t);
    }
    CHECK(agree < 4);
}

TEST_CASE("fixed_isn gives its number whatever the tuple and time", "[tcp][isn]") {
    using namespace synack::tcp::literals;
    const fixed_isn a{1234567_seq};
    CHECK(a.initial_sequence(web4, at(0ns)) == seq_number{1234567});
    CHECK(a.initial_sequence(web4.reversed(), at(1h)) == seq_number{1234567});
    const fixed_isn b{7654321_seq};
    CHECK(b.initial_sequence(web4, at(0ns)) == seq_number{7654321});
}

TEST_CASE("counter_isn counts from its start by its step, across the wrap", "[tcp][isn]") {
    counter_isn c{seq_number{0xffff'fff0}, 0x10};
    CHECK(c.initial_sequence(web4, at(0ns)) == seq_number{0xffff'fff0});
    CHECK(c.initial_sequence(web4, at(0ns)) == seq_number{0});
    CHECK(c.initial_sequence(web4.reversed(), at(5s)) == seq_number{0x10});
    counter_isn ones{seq_number{100}};
    CHECK(ones.initial_sequence(web4, at(0ns)) == seq_number{100});
    CHECK(ones.initial_sequence(web4, at(0ns)) == seq_number{101});
}

TEST_CASE("an IPv4 tuple and its IPv4-mapped IPv6 form are the same connection", "[tcp][isn][tuple]") {
    const auto mapped_client = *ipv6_address::parse("::ffff:c000:20a"); // ::ffff:192.0.2.10
    const auto mapped_server = *ipv6_address::parse("::ffff:c633:6407"); // ::ffff:198.51.100.7
    const four_tuple mapped{mapped_client, 40000, mapped_server, 443};
    CHECK(mapped == web4);
    CHECK(mapped.is_ipv4());
    CHECK(mapped.local_ipv4() == client4);
    CHECK(mapped.hash(7) == web4.hash(7));
    CHECK(rfc6528_isn{key_a}.offset(mapped) == rfc6528_isn{key_a}.offset(web4));
}

TEST_CASE("an IPv6 tuple is not an IPv4 one, even with the same low address bytes", "[tcp][isn][tuple]") {
    const auto compatible_client = *ipv6_address::parse("::c000:20a"); // no ffff: not IPv4-mapped
    const auto mapped_server = *ipv6_address::parse("::ffff:c633:6407");
    const four_tuple t{compatible_client, 40000, mapped_server, 443};
    CHECK_FALSE(t.is_ipv4());
    CHECK(t != web4);
    CHECK(t.hash(7) != web4.hash(7));
    CHECK(t.keyed_hash(key_a) != web4.keyed_hash(key_a));
}

TEST_CASE("a tuple keeps its addresses and ports, and reversed swaps the ends", "[tcp][isn][tuple]") {
    CHECK(web4.is_ipv4());
    CHECK(web4.local_ipv4() == client4);
    CHECK(web4.remote_ipv4() == server4);
    CHECK(web4.local_port() == 40000);
    CHECK(web4.remote_port() == 443);
    CHECK(web4.local_address() == *ipv6_address::parse("::ffff:c000:20a"));
    const four_tuple r = web4.reversed();
    CHECK(r.local_ipv4() == server4);
    CHECK(r.remote_ipv4() == client4);
    CHECK(r.local_port() == 443);
    CHECK(r.remote_port() == 40000);
    CHECK(r != web4);
    CHECK(r.reversed() == web4);
    CHECK_FALSE(four_tuple{}.is_ipv4());
    CHECK(four_tuple{} == four_tuple{});
}

TEST_CASE("the tuple hash spreads a server's clients over the low bits of a table", "[tcp][isn][tuple]") {
    // 4096 connections into 8192 slots, indexed by the low 13 bits. Uniform hashing
    // fills 8192 (1 - e^-0.5) = 3224 distinct slots on average.
    constexpr std::size_t slots = 8192;
    const auto distinct_slots = [&](auto make_tuple) {
        std::set<std::uint64_t> used;
        for (std::uint32_t i = 0; i < 4096; ++i) used.insert(make_tuple(i).hash(0x5eed) & (slots - 1));
        return used.size();
    };
    // One client, consecutive ports,
    CHECK(distinct_slots([](std::uint32_t i) {
              return four_tuple{server4, 443, client4, static_cast<std::uint16_t>(32768 + i)};
          }) > 3100);
    // consecutive client addresses on one port,
    CHECK(distinct_slots([](std::uint32_t i) {
              const ipv4_address c{{10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}};
              return four_tuple{server4, 443, c, 50000};
          }) > 3100);
    // IPv6 clients differing in the last address byte pair.
    const auto server6 = *ipv6_address::parse("2001:db8::80");
    CHECK(distinct_slots([&](std::uint32_t i) {
              auto c = *ipv6_address::parse("2001:db8:1::");
              c.bytes[14] = static_cast<std::uint8_t>(i >> 8);
              c.bytes[15] = static_cast<std::uint8_t>(i);
              return four_tuple{server6, 443, c, 50000};
          }) > 3100);
}

TEST_CASE("every bit of a tuple reaches every bit of its hash, the low ones included", "[tcp][isn][tuple]") {
    // Flip each of the 96 bits of IPv4 tuples and each of the 288 bits of IPv6 tuples:
    // a table indexing by the low 13 bits must see a different slot (odds of the same
    // one: 1 in 8192), and about half of the 64 hash bits must change.
    std::mt19937_64 stream{2024};
    std::size_t flips = 0, changed_bits = 0, same_slot = 0;
    const auto check = [&](const four_tuple& t, const four_tuple& flipped) {
        const std::uint64_t a = t.hash(0x5eed), b = flipped.hash(0x5eed);
        ++flips;
        changed_bits += static_cast<std::size_t>(std::popcount(a ^ b));
        same_slot += (a & 8191) == (b & 8191);
    };
    for (int n = 0; n < 256; ++n) {
        const std::uint64_t r = stream();
        const auto v4 = [](std::uint32_t a) {
            return ipv4_address{{static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                                 static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)}};
        };
        const auto la = static_cast<std::uint32_t>(r), ra = static_cast<std::uint32_t>(r >> 32);
        const auto ports = static_cast<std::uint32_t>(stream());
        const auto lp = static_cast<std::uint16_t>(ports), rp = static_cast<std::uint16_t>(ports >> 16);
        const four_tuple t{v4(la), lp, v4(ra), rp};
        for (int bit = 0; bit < 32; ++bit) {
            check(t, four_tuple{v4(la ^ 1u << bit), lp, v4(ra), rp});
            check(t, four_tuple{v4(la), lp, v4(ra ^ 1u << bit), rp});
        }
        for (int bit = 0; bit < 16; ++bit) {
            check(t, four_tuple{v4(la), static_cast<std::uint16_t>(lp ^ 1u << bit), v4(ra), rp});
            check(t, four_tuple{v4(la), lp, v4(ra), static_cast<std::uint16_t>(rp ^ 1u << bit)});
        }
    }
    for (int n = 0; n < 64; ++n) {
        ipv6_address local{}, remote{};
        for (std::size_t i = 0; i < 16; i += 8) {
            const std::uint64_t l = stream(), r = stream();
            for (std::size_t k = 0; k < 8; ++k) {
                local.bytes[i + k] = static_cast<std::uint8_t>(l >> (8 * k));
                remote.bytes[i + k] = static_cast<std::uint8_t>(r >> (8 * k));
            }
        }
        const four_tuple t{local, 443, remote, 50000};
        for (std::size_t bit = 0; bit < 128; ++bit) {
            ipv6_address l2 = local, r2 = remote;
            l2.bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            r2.bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            check(t, four_tuple{l2, 443, remote, 50000});
            check(t, four_tuple{local, 443, r2, 50000});
        }
        for (int bit = 0; bit < 16; ++bit) {
            check(t, four_tuple{local, static_cast<std::uint16_t>(443 ^ 1u << bit), remote, 50000});
            check(t, four_tuple{local, 443, remote, static_cast<std::uint16_t>(50000 ^ 1u << bit)});
        }
    }
    REQUIRE(flips == 256 * 96 + 64 * 288);
    const double mean_changed = static_cast<double>(changed_bits) / static_cast<double>(flips);
    CHECK(mean_changed > 31.5);
    CHECK(mean_changed < 32.5);
    CHECK(same_slot < 20); // about 5 expected among 43,008 flips
}

TEST_CASE("the tuple hash depends on its seed, and the keyed hash on its key", "[tcp][isn][tuple]") {
    CHECK(web4.hash(1) != web4.hash(2));
    CHECK(web4.keyed_hash(key_a) != web4.keyed_hash(key_b));
    std::array<std::uint8_t, four_tuple::max_canonical_size> bytes{};
    const std::size_t n = web4.canonical_bytes(bytes);
    CHECK(n == 12);
    CHECK(web4.keyed_hash(key_a) == detail::siphash24(key_a, std::span<const std::uint8_t>{bytes}.first(n)));
}

TEST_CASE("four_tuple_hash keys a standard unordered map", "[tcp][isn][tuple]") {
    std::unordered_map<four_tuple, int, four_tuple_hash> table(16, four_tuple_hash{0xabcdef});
    table[web4] = 1;
    table[web4.reversed()] = 2;
    CHECK(table.size() == 2);
    CHECK(table.at(web4) == 1);
    CHECK(table.at(web4.reversed()) == 2);
    CHECK(table.count(four_tuple{client4, 40001, server4, 443}) == 0);
}
