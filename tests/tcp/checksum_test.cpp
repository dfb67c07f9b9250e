#include "support/catch.hpp"

#include <synack/tcp/checksum.hpp>

#include <cstdint>
#include <random>
#include <vector>

using namespace synack::tcp;

namespace {
// The textbook loop of RFC 1071 4.1, the reference every path must agree with.
std::uint16_t rfc1071(const std::uint8_t* p, std::size_t n) {
    std::uint32_t sum = 0;
    while (n > 1) {
        sum += static_cast<std::uint32_t>(p[0] << 8 | p[1]);
        p += 2;
        n -= 2;
    }
    if (n) sum += static_cast<std::uint32_t>(p[0] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}
} // namespace

TEST_CASE("the run-time checksum equals RFC 1071's loop for every length and alignment", "[tcp][checksum]") {
    std::mt19937 rng{42};
    std::vector<std::uint8_t> buf(2048 + 8);
    for (int round = 0; round < 3; ++round) {
        for (auto& b : buf) b = round == 2 ? 0xff : static_cast<std::uint8_t>(rng()); // all-ones stresses the carries
        for (std::size_t offset = 0; offset < 8; ++offset)
            for (std::size_t n = 0; n <= 2048; ++n) {
                const std::span<const std::uint8_t> bytes{buf.data() + offset, n};
                if (internet_checksum(bytes) != rfc1071(bytes.data(), n)) FAIL("length " << n << " offset " << offset);
            }
    }
    SUCCEED();
}

TEST_CASE("sums chain over even pieces as over the whole", "[tcp][checksum]") {
    std::vector<std::uint8_t> buf(1001);
    std::iota(buf.begin(), buf.end(), std::uint8_t{3});
    const std::span<const std::uint8_t> all{buf};
    const auto chained = checksum_finish(checksum_add(all.subspan(600), checksum_add(all.first(600))));
    CHECK(chained == internet_checksum(all));
    CHECK(checksum_finish(checksum_add_u32(0x01020304)) == internet_checksum(std::array<std::uint8_t, 4>{1, 2, 3, 4}));
}

TEST_CASE("data that carries its checksum verifies, and a flipped bit does not", "[tcp][checksum]") {
    std::array<std::uint8_t, 20> hdr{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                     0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    const auto sum = internet_checksum(hdr);
    CHECK(sum == 0xb861);
    hdr[10] = static_cast<std::uint8_t>(sum >> 8);
    hdr[11] = static_cast<std::uint8_t>(sum);
    CHECK(checksum_verifies(hdr));
    hdr[3] ^= 0x04;
    CHECK_FALSE(checksum_verifies(hdr));
}

TEST_CASE("incremental update agrees with recomputation (RFC 1624)", "[tcp][checksum]") {
    std::mt19937 rng{5};
    std::array<std::uint8_t, 40> buf{};
    for (int i = 0; i < 20000; ++i) {
        for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
        const auto before = internet_checksum(buf);
        const std::size_t at = 2 * (rng() % 18);
        const auto old16 = static_cast<std::uint16_t>(buf[at] << 8 | buf[at + 1]);
        const auto old32 = static_cast<std::uint32_t>(old16) << 16 | static_cast<std::uint32_t>(buf[at + 2] << 8 | buf[at + 3]);
        const auto new32 = static_cast<std::uint32_t>(rng());
        buf[at] = static_cast<std::uint8_t>(new32 >> 24);
        buf[at + 1] = static_cast<std::uint8_t>(new32 >> 16);
        buf[at + 2] = static_cast<std::uint8_t>(new32 >> 8);
        buf[at + 3] = static_cast<std::uint8_t>(new32);
        const auto after = internet_checksum(buf);
        // Both forms of zero (0x0000, 0xffff) denote the same sum.
        const auto updated = checksum_update32(before, old32, new32);
        if (!(updated == after || (updated == 0xffff && after == 0) || (updated == 0 && after == 0xffff)))
            FAIL("update " << updated << " recomputed " << after);
    }
    SUCCEED();
}
