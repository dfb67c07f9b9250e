// A literal byte array parses, at compile time, to the fields it holds; serialisation
// and checksums are constant expressions too.
#include <synack/tcp/ip.hpp>
#include <synack/tcp/segment.hpp>

#include <array>

using namespace synack::tcp;

// A SYN as Linux sends it: 40000 -> 80, seq 1234567, window 64240,
// options MSS 1460, SACK-permitted, TS 1/0, NOP, window scale 7.
constexpr std::uint8_t linux_syn[] = {
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x12, 0xd6, 0x87, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
    2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};

constexpr auto syn = parse(linux_syn);
static_assert(syn.has_value());
static_assert(syn->source_port() == 40000 && syn->destination_port() == 80);
static_assert(syn->seq() == seq_number{1234567});
static_assert(syn->flags() == flag_set{flag::syn});
static_assert(syn->window() == 64240);
static_assert(syn->header_length() == 40 && syn->payload().empty() && syn->length() == 1);
static_assert(syn->summary().mss == 1460 && syn->summary().sack_permitted);
static_assert(syn->summary().timestamps == timestamps{1, 0} && syn->summary().window_scale == 7);

constexpr std::uint8_t zero_length_option[] = {0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 0x02, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0};
static_assert(parse(zero_length_option).error() == parse_error{parse_errc::option_length_zero, 21});
static_assert(parse(std::span<const std::uint8_t>{linux_syn}.first(19)).error().code == parse_errc::too_short);

constexpr bool round_trip_with_checksum() {
    constexpr ipv4_pseudo_header pseudo{{{10, 0, 0, 1}}, {{10, 0, 0, 2}}};
    const segment s = segment::from(*syn);
    std::array<std::uint8_t, 60> out{};
    const auto n = serialize(s, out, pseudo);
    const auto back = parse(std::span<const std::uint8_t>{out}.first(*n));
    return *n == 40 && back->checksum_ok(pseudo) && back->summary().mss == 1460 && back->seq() == s.seq;
}
static_assert(round_trip_with_checksum());

constexpr auto typed = option_set{opt::mss{1460}, opt::sack_permitted{}, opt::timestamps{{1, 0}}, opt::nop{}, opt::window_scale{7}};
static_assert(decltype(typed)::wire_size == 20);
static_assert(typed.to_list().padded_size() == 20);

static_assert(segment_acceptable(seq_number{0xffffffff}, 2, seq_number{0}, 10), "the last octet wraps into the window");
