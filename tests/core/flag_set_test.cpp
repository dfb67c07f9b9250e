#include "support/catch.hpp"

#include <synack/core/flag_set.hpp>

#include <array>
#include <string_view>
#include <vector>

// A protocol other than TCP, to show the mechanism is generic: a few of HTTP/2's
// frame flags (RFC 9113 6), where bits overlap between frame types.
namespace h2 {
enum class frame_flag : std::uint8_t { end_stream = 0x01, end_headers = 0x04, padded = 0x08, priority = 0x20 };
}
template <>
struct synack::core::flag_traits<h2::frame_flag> {
    using enum h2::frame_flag;
    static constexpr std::array flags{end_stream, end_headers, padded, priority};
    static constexpr std::string_view letters = "EHPR";
};
namespace h2 {
using frame_flags = synack::core::flag_set<frame_flag>;
SYNACK_FLAG_OPERATORS(frame_flag)
} // namespace h2

using h2::frame_flag;
using h2::frame_flags;

TEST_CASE("a flag set holds exactly the flags put into it", "[core][flag_set]") {
    const frame_flags s = frame_flag::end_stream | frame_flag::padded;
    CHECK(s.has(frame_flag::end_stream));
    CHECK(s.has(frame_flag::padded));
    CHECK_FALSE(s.has(frame_flag::end_headers));
    CHECK(s.size() == 2);
    CHECK(s.bits() == 0x09);
    CHECK(frame_flags{}.empty());
}

TEST_CASE("bits that name no declared flag are dropped when a set is built from bits", "[core][flag_set]") {
    const auto s = frame_flags::from_bits(0xff);
    CHECK(s.bits() == 0x2d);
    CHECK(s == ~frame_flags{});
    CHECK((~frame_flags{frame_flag::padded}).bits() == 0x25);
}

TEST_CASE("set algebra follows the bit operations within the declared flags", "[core][flag_set]") {
    const frame_flags a = frame_flag::end_stream | frame_flag::padded;
    const frame_flags b = frame_flag::padded | frame_flag::priority;
    CHECK((a | b).bits() == 0x29);
    CHECK((a & b) == frame_flags{frame_flag::padded});
    CHECK((a ^ b) == (frame_flag::end_stream | frame_flag::priority));
    CHECK(a.without(frame_flag::padded) == frame_flags{frame_flag::end_stream});
    CHECK(a.has_any(b));
    CHECK_FALSE(a.has_all(b));
    CHECK(a.has_all(frame_flag::padded));
    CHECK(a.is(frame_flag::end_stream | frame_flag::padded));
    CHECK_FALSE(a.is(frame_flag::padded));
}

TEST_CASE("letters print in declaration order and parse back in any order", "[core][flag_set]") {
    const frame_flags s = frame_flag::priority | frame_flag::end_stream;
    CHECK(s.letters() == "ER");
    CHECK(frame_flags::from_letters("RE") == s);
    CHECK(frame_flags::from_letters("") == frame_flags{});
    CHECK_FALSE(frame_flags::from_letters("EX").has_value());
    CHECK_FALSE(frame_flags::from_letters("EE").has_value());
}

TEST_CASE("iterating a set visits its flags once each in declaration order", "[core][flag_set]") {
    std::vector<frame_flag> seen;
    for (auto f : frame_flag::priority | frame_flag::end_headers) seen.push_back(f);
    CHECK(seen == std::vector{frame_flag::end_headers, frame_flag::priority});
    std::size_t n = 0;
    for ([[maybe_unused]] auto f : frame_flags{}) ++n;
    CHECK(n == 0);
}
