#include "support/catch.hpp"

#include <synack/tcp/ip.hpp>

#include <array>
#include <vector>

using namespace synack::tcp;

TEST_CASE("IPv4 and IPv6 text addresses parse, and malformed ones do not", "[tcp][ip]") {
    CHECK(ipv4_address::parse("10.0.0.1") == ipv4_address{{10, 0, 0, 1}});
    CHECK(ipv4_address::parse("255.255.255.255") == ipv4_address{{255, 255, 255, 255}});
    for (auto bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "01.2.3.4", "a.b.c.d", "1.2.3.4 "})
        CHECK_FALSE(ipv4_address::parse(bad).has_value());
    const auto v6 = ipv6_address::parse("fd00::1");
    REQUIRE(v6.has_value());
    CHECK(v6->bytes[0] == 0xfd);
    CHECK(v6->bytes[15] == 1);
    CHECK(ipv6_address::parse("::") == ipv6_address{});
    CHECK(ipv6_address::parse("2001:db8:0:0:0:0:0:1") == ipv6_address::parse("2001:db8::1"));
    for (auto bad : {":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "1:"})
        CHECK_FALSE(ipv6_address::parse(bad).has_value());
}

TEST_CASE("an IPv4 header written is parsed back, its payload bounded by the total length", "[tcp][ip]") {
    std::vector<std::uint8_t> buf(100, 0xab); // trailing bytes beyond the packet: Ethernet padding, say
    const ipv4_address src{{10, 1, 2, 3}}, dst{{10, 3, 2, 1}};
    REQUIRE(write_ipv4_header(buf, src, dst, 24));
    const auto p = parse_ip(buf);
    REQUIRE(p.has_value());
    CHECK(p->version == 4);
    CHECK(p->source4 == src);
    CHECK(p->destination4 == dst);
    CHECK(p->protocol == ip_protocol_tcp);
    CHECK(p->header_checksum_ok);
    CHECK_FALSE(p->fragment);
    CHECK(p->payload.size() == 24);
    CHECK(p->payload.data() == buf.data() + 20);
}

TEST_CASE("malformed IP headers get typed errors", "[tcp][ip]") {
    std::vector<std::uint8_t> buf(60, 0);
    REQUIRE(write_ipv4_header(buf, {}, {}, 20));
    CHECK(parse_ip(std::span<const std::uint8_t>{buf}.first(19)).error() == ip_errc::too_short);
    CHECK(parse_ip(std::span<const std::uint8_t>{buf}.first(30)).error() == ip_errc::total_length_beyond_buffer);
    auto bad = buf;
    bad[0] = 0x44;
    CHECK(parse_ip(bad).error() == ip_errc::header_length_too_small);
    bad = buf;
    bad[0] = 0x4f; // 60-byte header in a 40-byte packet
    CHECK(parse_ip(bad).error() == ip_errc::header_beyond_packet);
    bad = buf;
    bad[0] = 0x55;
    CHECK(parse_ip(bad).error() == ip_errc::bad_version);
    bad = buf;
    bad[8] ^= 1;
    CHECK_FALSE(parse_ip(bad)->header_checksum_ok);
    CHECK(parse_ip({}).error() == ip_errc::too_short);
}

TEST_CASE("IPv6 headers round-trip and extension headers are skipped, bounded", "[tcp][ip]") {
    const auto src = *ipv6_address::parse("fd00::1"), dst = *ipv6_address::parse("fd00::2");
    std::vector<std::uint8_t> buf(40 + 8 + 20, 0);
    REQUIRE(write_ipv6_header(buf, src, dst, 28));
    buf[6] = 60;      // destination options header
    buf[40] = 6;      // next: TCP
    buf[41] = 0;      // 8 bytes
    const auto p = parse_ip(buf);
    REQUIRE(p.has_value());
    CHECK(p->protocol == ip_protocol_tcp);
    CHECK(p->header_length == 48);
    CHECK(p->payload.size() == 20);
    CHECK(p->source6 == src);

    buf[41] = 10; // 88 bytes: past the payload
    CHECK(parse_ip(buf).error() == ip_errc::extension_header_truncated);

    std::vector<std::uint8_t> chain(40 + 9 * 8, 0);
    REQUIRE(write_ipv6_header(chain, src, dst, 72));
    chain[6] = 60;
    for (std::size_t i = 0; i < 9; ++i) chain[40 + 8 * i] = 60; // a loop of destination options
    CHECK(parse_ip(chain).error() == ip_errc::too_many_extension_headers);
}

TEST_CASE("pseudo-header sums match a hand-built pseudo-header", "[tcp][ip]") {
    const ipv4_pseudo_header ph{{{192, 0, 2, 1}}, {{198, 51, 100, 2}}};
    const std::array<std::uint8_t, 12> manual{192, 0, 2, 1, 198, 51, 100, 2, 0, 6, 0x01, 0x00};
    CHECK(checksum_finish(ph.sum(256)) == internet_checksum(manual));
    const ipv6_pseudo_header ph6{*ipv6_address::parse("2001:db8::1"), *ipv6_address::parse("2001:db8::2")};
    std::array<std::uint8_t, 40> manual6{};
    for (std::size_t i = 0; i < 16; ++i) {
        manual6[i] = ph6.source.bytes[i];
        manual6[16 + i] = ph6.destination.bytes[i];
    }
    manual6[34] = 0x01; // length 256, 32 bits
    manual6[39] = 6;
    CHECK(checksum_finish(ph6.sum(256)) == internet_checksum(manual6));
}
