#include "support/catch.hpp"

#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

using namespace synack::tcp;

namespace {

using bytes = std::vector<std::uint8_t>;

/// A 20-byte header (ports 1234 -> 80, seq 1000, ack 2000, flags ACK, window 512) plus `options`
/// with the data offset set to cover them (rounded up to words), then `payload`.
bytes header_with(bytes options, bytes payload = {}, int data_offset_words = -1) {
    bytes b = {0x04, 0xd2, 0x00, 0x50, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0, 0x50, 0x10, 0x02, 0x00, 0, 0, 0, 0};
    while (options.size() % 4) options.push_back(0);
    const int words = data_offset_words >= 0 ? data_offset_words : static_cast<int>(5 + options.size() / 4);
    b[12] = static_cast<std::uint8_t>(words << 4);
    b.insert(b.end(), options.begin(), options.end());
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

parse_error error_of(const bytes& b) {
    const auto r = parse(b);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

} // namespace

TEST_CASE("a bare 20-byte header parses to its fields", "[tcp][segment]") {
    const auto b = header_with({}, {'h', 'i'});
    const auto v = parse(b);
    REQUIRE(v.has_value());
    CHECK(v->source_port() == 1234);
    CHECK(v->destination_port() == 80);
    CHECK(v->seq() == seq_number{1000});
    CHECK(v->ack() == seq_number{2000});
    CHECK(v->header_length() == 20);
    CHECK(v->flags() == flag_set{flag::ack});
    CHECK(v->window() == 512);
    CHECK(v->payload().size() == 2);
    CHECK(v->length() == 2);
    CHECK(v->options().empty());
    CHECK(v->anomalies().empty());
}

TEST_CASE("each malformed class is its own typed error at its byte offset", "[tcp][segment][malformed]") {
    SECTION("fewer than 20 bytes") {
        const bytes b(19, 0);
        CHECK(error_of(b) == parse_error{parse_errc::too_short, 19});
        CHECK(error_of({}) == parse_error{parse_errc::too_short, 0});
    }
    SECTION("data offset below 5") {
        for (int words : {0, 1, 4}) CHECK(error_of(header_with({}, {}, words)).code == parse_errc::data_offset_too_small);
        CHECK(error_of(header_with({}, {}, 4)).offset == 12);
    }
    SECTION("data offset beyond the segment") {
        CHECK(error_of(header_with({}, {}, 6)) == parse_error{parse_errc::data_offset_beyond_segment, 12});
        CHECK(error_of(header_with({}, {1, 2, 3}, 15)).code == parse_errc::data_offset_beyond_segment);
    }
    SECTION("an option kind in the last byte, with no length byte") {
        CHECK(error_of(header_with({1, 1, 1, 2})) == parse_error{parse_errc::option_length_missing, 23});
    }
    SECTION("option length 0") { CHECK(error_of(header_with({2, 0, 0, 0})) == parse_error{parse_errc::option_length_zero, 21}); }
    SECTION("option length 1") { CHECK(error_of(header_with({1, 30, 1})) == parse_error{parse_errc::option_length_one, 22}); }
    SECTION("option length past the option space") {
        CHECK(error_of(header_with({30, 8, 0, 0})) == parse_error{parse_errc::option_length_beyond_options, 21});
    }
    SECTION("MSS not 4 bytes") { CHECK(error_of(header_with({2, 3, 5, 0})) == parse_error{parse_errc::mss_bad_length, 21}); }
    SECTION("window scale not 3 bytes") { CHECK(error_of(header_with({3, 4, 7, 0})) == parse_error{parse_errc::window_scale_bad_length, 21}); }
    SECTION("SACK-permitted not 2 bytes") { CHECK(error_of(header_with({4, 3, 0, 0})) == parse_error{parse_errc::sack_permitted_bad_length, 21}); }
    SECTION("timestamps not 10 bytes") {
        CHECK(error_of(header_with({8, 8, 0, 0, 0, 1, 0, 0})) == parse_error{parse_errc::timestamps_bad_length, 21});
    }
    SECTION("SACK not 2+8n, or without blocks") {
        CHECK(error_of(header_with({5, 9, 0, 0, 0, 1, 0, 0, 0, 2})) == parse_error{parse_errc::sack_bad_length, 21});
        CHECK(error_of(header_with({5, 2})) == parse_error{parse_errc::sack_bad_length, 21});
        bytes five(2 + 8 * 5 - 4, 0); // no room for 5 blocks: the length runs past the space
        five[0] = 5;
        five[1] = 42;
        CHECK(error_of(header_with(five)).code == parse_errc::option_length_beyond_options);
    }
}

TEST_CASE("every malformed class has a distinct name", "[tcp][segment][malformed]") {
    std::vector<std::string_view> names;
    for (int e = 0; e <= static_cast<int>(parse_errc::timestamps_bad_length); ++e) {
        const auto name = to_string(static_cast<parse_errc>(e));
        CHECK(name != "unknown");
        CHECK(std::find(names.begin(), names.end(), name) == names.end());
        names.push_back(name);
    }
    CHECK(names.size() == 12);
}

TEST_CASE("options iterate one by one, unknown kinds reported, nothing after EOL", "[tcp][segment][options]") {
    const auto b = header_with({1, 2, 4, 0x05, 0xb4, 99, 4, 0xaa, 0xbb, 0, 2, 0});
    const auto v = parse(b);
    REQUIRE(v.has_value());
    std::vector<std::uint8_t> kinds;
    std::vector<std::uint16_t> offsets;
    for (const option o : v->options()) {
        kinds.push_back(o.kind_byte());
        offsets.push_back(o.offset());
    }
    CHECK(kinds == std::vector<std::uint8_t>{1, 2, 99, 0});
    CHECK(offsets == std::vector<std::uint16_t>{20, 21, 25, 29});
    const auto s = v->summary();
    CHECK(s.has_mss);
    CHECK(s.mss == 1460);
    CHECK(s.unknown_count == 1);
    CHECK(s.unknown_kinds[0] == 99);
}

TEST_CASE("bytes after EOL are ignored even when they would be malformed", "[tcp][segment][options]") {
    const auto b = header_with({0, 2, 0, 7});
    const auto v = parse(b);
    REQUIRE(v.has_value());
    CHECK_FALSE(v->summary().has_mss);
}

TEST_CASE("the summary decodes a Linux SYN's options and ACK SACK blocks", "[tcp][segment][options]") {
    const auto syn_bytes = header_with({2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 3, 3, 7});
    const auto syn = parse(syn_bytes);
    REQUIRE(syn.has_value());
    const auto s = syn->summary();
    CHECK((s.has_mss && s.mss == 1460));
    CHECK(s.sack_permitted);
    CHECK(s.has_timestamps);
    CHECK(s.timestamps == timestamps{7, 0});
    CHECK((s.has_window_scale && s.window_scale == 7));

    option_list acks;
    acks.add_nop();
    acks.add_nop();
    acks.add_timestamps({100, 200});
    acks.add_nop();
    acks.add_nop();
    const std::array blocks{sack_block{seq_number{10}, seq_number{20}}, sack_block{seq_number{30}, seq_number{40}},
                            sack_block{seq_number{0xfffffff0}, seq_number{5}}};
    REQUIRE(acks.add_sack(blocks));
    bytes opt(acks.bytes().begin(), acks.bytes().end());
    const auto b = header_with(opt);
    const auto ack = parse(b);
    REQUIRE(ack.has_value());
    const auto a = ack->summary();
    REQUIRE(a.sack_block_count == 3);
    CHECK(a.sacks()[2] == blocks[2]);
    CHECK(a.timestamps == timestamps{100, 200});
}

TEST_CASE("semantic oddities parse and are flagged for the connection to decide", "[tcp][segment]") {
    auto b = header_with({3, 3, 15, 2, 4, 0, 0});
    b[13] = 0x03; // SYN+FIN
    b[0] = b[1] = 0;
    const auto v = parse(b);
    REQUIRE(v.has_value());
    CHECK(v->anomalies().has_all(segment_anomaly::window_scale_above_14 | segment_anomaly::mss_zero));
    CHECK(v->anomalies().has_all(segment_anomaly::syn_with_fin | segment_anomaly::port_zero));
    CHECK(v->summary().window_scale == 15);
}

TEST_CASE("SEG.LEN counts payload, SYN and FIN", "[tcp][segment]") {
    auto b = header_with({}, {1, 2, 3});
    b[13] = 0x11; // FIN+ACK
    CHECK(parse(b)->length() == 4);
    b[13] = 0x02;
    CHECK(parse(b)->length() == 4);
    b[13] = 0x10;
    CHECK(parse(b)->length() == 3);
}

TEST_CASE("serialize writes what parse reads back, for many generated segments", "[tcp][segment][serialize]") {
    std::mt19937 rng{20260101};
    const auto pseudo = ipv4_pseudo_header{ipv4_address{{10, 0, 0, 1}}, ipv4_address{{10, 0, 0, 2}}};
    std::array<std::uint8_t, 2000> payload_bytes{};
    for (auto& x : payload_bytes) x = static_cast<std::uint8_t>(rng());
    for (int i = 0; i < 5000; ++i) {
        segment s{};
        s.source_port = static_cast<std::uint16_t>(rng());
        s.destination_port = static_cast<std::uint16_t>(rng());
        s.seq = seq_number{static_cast<std::uint32_t>(rng())};
        s.ack = seq_number{static_cast<std::uint32_t>(rng())};
        s.flags = flag_set::from_bits(static_cast<std::uint8_t>(rng()));
        s.window = static_cast<std::uint16_t>(rng());
        s.urgent_pointer = static_cast<std::uint16_t>(rng());
        if (rng() % 2) s.options.add_mss(static_cast<std::uint16_t>(rng()));
        if (rng() % 2) s.options.add_sack_permitted();
        if (rng() % 2) s.options.add_timestamps({static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())});
        if (rng() % 2) s.options.add_nop();
        if (rng() % 2) s.options.add_window_scale(static_cast<std::uint8_t>(rng() % 15));
        if (rng() % 3 == 0) {
            const std::array one{sack_block{seq_number{static_cast<std::uint32_t>(rng())}, seq_number{static_cast<std::uint32_t>(rng())}}};
            s.options.add_sack(one);
        }
        s.payload = std::span<const std::uint8_t>{payload_bytes}.first(rng() % 1500);

        std::array<std::uint8_t, 1600> out{};
        const auto n = serialize(s, out, pseudo);
        REQUIRE(n.has_value());
        REQUIRE(*n == s.size());
        const auto v = parse(std::span<const std::uint8_t>{out}.first(*n));
        REQUIRE(v.has_value());
        CHECK(v->checksum_ok(pseudo));
        const auto back = segment::from(*v);
        CHECK(back.source_port == s.source_port);
        CHECK(back.destination_port == s.destination_port);
        CHECK(back.seq == s.seq);
        CHECK(back.ack == s.ack);
        CHECK(back.flags == s.flags);
        CHECK(back.window == s.window);
        CHECK(back.urgent_pointer == s.urgent_pointer);
        CHECK(back.options == s.options);
        CHECK(std::equal(back.payload.begin(), back.payload.end(), s.payload.begin(), s.payload.end()));
    }
}

TEST_CASE("serialize pads options with EOL only and refuses a small buffer", "[tcp][segment][serialize]") {
    segment s{};
    s.options.add_mss(1460);
    s.options.add_window_scale(7); // 7 bytes: one byte of padding
    std::array<std::uint8_t, 28> out{};
    out.fill(0xee);
    const auto n = serialize(s, out);
    REQUIRE(n.has_value());
    CHECK(*n == 28);
    CHECK(out[12] >> 4 == 7);
    CHECK(out[27] == 0);

    std::array<std::uint8_t, 27> small{};
    const auto r = serialize(s, small);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == serialize_errc::buffer_too_small);
}

TEST_CASE("an option list refuses what does not fit in 40 bytes and stays unchanged", "[tcp][segment][options]") {
    option_list l;
    REQUIRE(l.add_timestamps({1, 2}));
    REQUIRE(l.add_timestamps({1, 2}));
    REQUIRE(l.add_timestamps({1, 2}));
    REQUIRE(l.add_mss(1));
    CHECK(l.size() == 34);
    CHECK_FALSE(l.add_timestamps({3, 4}));
    CHECK(l.size() == 34);
    CHECK(l.add_mss(2));
    CHECK(l.size() == 38);
    CHECK_FALSE(l.add_window_scale(1));
}

TEST_CASE("a wrong checksum is reported, not a parse failure", "[tcp][segment][checksum]") {
    const auto pseudo = ipv4_pseudo_header{ipv4_address{{192, 168, 0, 1}}, ipv4_address{{192, 168, 0, 2}}};
    segment s{};
    s.flags = flag::syn;
    std::array<std::uint8_t, 20> out{};
    REQUIRE(serialize(s, out, pseudo).has_value());
    CHECK(parse(out)->checksum_ok(pseudo));
    out[5] ^= 0x01;
    const auto v = parse(out);
    REQUIRE(v.has_value());
    CHECK_FALSE(v->checksum_ok(pseudo));
}

TEST_CASE("random bytes never crash parse and every view stays inside them", "[tcp][segment][malformed]") {
    std::mt19937 rng{7};
    std::array<std::uint8_t, 80> buf{};
    int ok = 0;
    for (int i = 0; i < 200000; ++i) {
        const std::size_t n = rng() % buf.size();
        for (std::size_t k = 0; k < n; ++k) buf[k] = static_cast<std::uint8_t>(rng());
        if (n > 12 && rng() % 2) buf[12] = static_cast<std::uint8_t>((5 + rng() % 11) << 4);
        const auto v = parse(std::span<const std::uint8_t>{buf}.first(n));
        if (!v) {
            CHECK(v.error().offset <= n);
            continue;
        }
        ++ok;
        CHECK(v->header_length() <= n);
        std::size_t seen = 0;
        for (const option o : v->options()) {
            seen += o.size();
            CHECK(o.offset() + o.size() <= v->header_length());
        }
        CHECK(seen <= v->header_length() - 20);
        (void)v->summary();
    }
    CHECK(ok > 1000);
}
