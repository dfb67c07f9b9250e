#pragma once
/// \file
/// The TCP segment on the wire (RFC 9293 3.1): `parse` validates bytes once and
/// returns a zero-copy `segment_view` or a typed `parse_error`; `segment` is the owning
/// value (options inline, payload viewed) that `serialize` writes into a caller's buffer.
/// All constexpr: a literal byte array can be parsed inside a `static_assert`.

#include <cstddef>
#include <cstdint>
#include <ranges> // borrowed_range: refuse to view a temporary
#include <span>
#include <string_view>

#include "synack/core/flag_set.hpp"
#include "synack/core/result.hpp"
#include "synack/tcp/checksum.hpp"
#include "synack/tcp/detail/bytes.hpp"
#include "synack/tcp/flags.hpp"
#include "synack/tcp/options.hpp"
#include "synack/tcp/sequence.hpp"

namespace synack::tcp {

/// Bytes of the fixed TCP header.
inline constexpr std::size_t header_min_size = 20;
/// Bytes of the largest TCP header (data offset 15).
inline constexpr std::size_t header_max_size = 60;

/// Things a well-formed segment may carry that the connection layer decides about:
/// they parse, and are flagged here.
enum class segment_anomaly : std::uint8_t {
    window_scale_above_14 = 0x01, ///< RFC 7323 2.3: a shift above 14 is used as 14
    mss_zero = 0x02,              ///< an MSS option of 0
    syn_with_fin = 0x04,          ///< SYN and FIN together (see tcp::classify)
    port_zero = 0x08,             ///< source or destination port 0
    reserved_bits = 0x10,         ///< the reserved header bits are not zero (RFC 9293 3.1: must be zero)
};

} // namespace synack::tcp

template <>
struct synack::core::flag_traits<synack::tcp::segment_anomaly> {
    using enum synack::tcp::segment_anomaly;
    static constexpr std::array flags{window_scale_above_14, mss_zero, syn_with_fin, port_zero, reserved_bits};
    static constexpr std::string_view letters = "WMSPR";
};

namespace synack::tcp {

/// A set of segment anomalies.
using segment_anomalies = core::flag_set<segment_anomaly>;
SYNACK_FLAG_OPERATORS(segment_anomaly)

/// A validated TCP segment, viewing the caller's bytes (which must outlive it).
/// Made only by `parse`, so every accessor is in bounds.
class segment_view {
public:
    constexpr segment_view() noexcept = default;

    /// Every byte of the segment: header, options, payload.
    constexpr std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }
    constexpr std::uint16_t source_port() const noexcept { return detail::load_be16(&bytes_[0]); }
    constexpr std::uint16_t destination_port() const noexcept { return detail::load_be16(&bytes_[2]); }
    /// SEG.SEQ
    constexpr seq_number seq() const noexcept { return seq_number{detail::load_be32(&bytes_[4])}; }
    /// SEG.ACK (meaningful when ACK is set)
    constexpr seq_number ack() const noexcept { return seq_number{detail::load_be32(&bytes_[8])}; }
    /// Data offset, in 32-bit words.
    constexpr std::uint8_t data_offset() const noexcept { return static_cast<std::uint8_t>(bytes_[12] >> 4); }
    /// Bytes of header including options.
    constexpr std::size_t header_length() const noexcept { return std::size_t{data_offset()} * 4; }
    constexpr tcp::flag_set flags() const noexcept { return tcp::flag_set::from_bits(bytes_[13]); }
    /// SEG.WND as sent (before any window scaling).
    constexpr std::uint16_t window() const noexcept { return detail::load_be16(&bytes_[14]); }
    constexpr std::uint16_t checksum() const noexcept { return detail::load_be16(&bytes_[16]); }
    constexpr std::uint16_t urgent_pointer() const noexcept { return detail::load_be16(&bytes_[18]); }
    /// The options, lazily iterated, up to and including EOL.
    constexpr option_range options() const noexcept {
        return option_range{bytes_.subspan(header_min_size, options_length_), static_cast<std::uint16_t>(header_min_size)};
    }
    /// The common options, gathered in one pass.
    constexpr option_summary summary() const noexcept { return summarize(options()); }
    /// The data after the header.
    constexpr std::span<const std::uint8_t> payload() const noexcept { return bytes_.subspan(header_length()); }
    /// SEG.LEN: octets of sequence space the segment occupies, payload plus SYN and FIN (RFC 9293 3.4).
    constexpr std::uint32_t length() const noexcept {
        const auto f = flags();
        return static_cast<std::uint32_t>(payload().size()) + (f.has(flag::syn) ? 1u : 0u) + (f.has(flag::fin) ? 1u : 0u);
    }
    /// Oddities the connection layer decides about (they are not parse errors);
    /// computed on demand, so parsing pays only for validation.
    constexpr segment_anomalies anomalies() const noexcept {
        segment_anomalies a{};
        for (const option o : options()) {
            if (o.kind() == option_kind::mss && o.mss() == 0) a |= segment_anomaly::mss_zero;
            if (o.kind() == option_kind::window_scale && o.window_scale() > max_window_scale)
                a |= segment_anomaly::window_scale_above_14;
        }
        if (flags().has_all(flag::syn | flag::fin)) a |= segment_anomaly::syn_with_fin;
        if (source_port() == 0 || destination_port() == 0) a |= segment_anomaly::port_zero;
        if ((bytes_[12] & 0x0f) != 0) a |= segment_anomaly::reserved_bits;
        return a;
    }

    /// True when the checksum is right for a pseudo-header of this sum (e.g.
    /// `ipv4_pseudo_header{src, dst}.sum(n)`), or for `pseudo_header.sum(...)` directly.
    constexpr bool checksum_ok(std::uint32_t pseudo_header_sum) const noexcept {
        return checksum_verifies(bytes_, pseudo_header_sum);
    }
    template <class PseudoHeader>
        requires requires(const PseudoHeader& p) { { p.sum(std::uint16_t{}) } -> std::convertible_to<std::uint32_t>; }
    constexpr bool checksum_ok(const PseudoHeader& pseudo_header) const noexcept {
        return checksum_ok(pseudo_header.sum(static_cast<std::uint16_t>(bytes_.size())));
    }

private:
    friend constexpr core::result<segment_view, parse_error> parse(std::span<const std::uint8_t>) noexcept;
    friend constexpr core::result<segment_view, parse_error> parse_lenient(std::span<const std::uint8_t>) noexcept;
    std::span<const std::uint8_t> bytes_{};
    std::uint8_t options_length_ = 0;
};

/// Validates `bytes` as one TCP segment (the IP layer has already bounded them) and
/// returns a view, or the first malformation found with its byte offset. Never reads
/// out of bounds, never allocates, takes time linear in the header (at most 60 bytes).
/// A wrong checksum is not a parse error: check `segment_view::checksum_ok`.
constexpr core::result<segment_view, parse_error> parse(std::span<const std::uint8_t> bytes) noexcept {
    using core::failure;
    if (bytes.size() < header_min_size) return failure(parse_error{parse_errc::too_short, static_cast<std::uint16_t>(bytes.size())});
    const std::size_t offset_words = bytes[12] >> 4;
    if (offset_words < 5) return failure(parse_error{parse_errc::data_offset_too_small, 12});
    const std::size_t header_length = offset_words * 4;
    if (header_length > bytes.size()) return failure(parse_error{parse_errc::data_offset_beyond_segment, 12});

    segment_view v{};
    v.bytes_ = bytes;
    if (header_length > header_min_size) {
        const auto options = detail::validate_options(bytes.subspan(header_min_size, header_length - header_min_size),
                                                      static_cast<std::uint16_t>(header_min_size));
        if (!options) return failure(options.error());
        v.options_length_ = static_cast<std::uint8_t>(*options);
    }
    return v;
}

/// As `parse`, but a malformed option ends the options instead of failing the segment:
/// the options before it are kept, it and what follows are ignored. This is what a
/// connection does with a segment from a peer ("a malformed option is ignored", as
/// Linux's tcp_parse_options stops at one); only a broken header (too short, bad data
/// offset) is an error.
constexpr core::result<segment_view, parse_error> parse_lenient(std::span<const std::uint8_t> bytes) noexcept {
    if (bytes.size() < header_min_size) return parse(bytes);
    const std::size_t header_length = static_cast<std::size_t>(bytes[12] >> 4) * 4;
    if (header_length < header_min_size || header_length > bytes.size()) return parse(bytes);
    segment_view v{};
    v.bytes_ = bytes;
    if (header_length > header_min_size) {
        const auto options = detail::validate_options(bytes.subspan(header_min_size, header_length - header_min_size),
                                                      static_cast<std::uint16_t>(header_min_size));
        if (options) {
            v.options_length_ = static_cast<std::uint8_t>(*options);
        } else {
            // Errors point at the bad option's kind byte, or at its length byte.
            const auto& e = options.error();
            const std::size_t at = e.offset - header_min_size - (e.code == parse_errc::option_length_missing ? 0 : 1);
            v.options_length_ = static_cast<std::uint8_t>(at);
        }
    }
    return v;
}

/// Parsing a temporary container would leave the view dangling, so it does not compile:
/// keep the bytes in a variable that outlives the view.
template <class Container>
    requires(!std::is_lvalue_reference_v<Container> && std::ranges::contiguous_range<Container> &&
             !std::ranges::borrowed_range<Container>)
void parse(Container&&) = delete;
template <class Container>
    requires(!std::is_lvalue_reference_v<Container> && std::ranges::contiguous_range<Container> &&
             !std::ranges::borrowed_range<Container>)
void parse_lenient(Container&&) = delete;

/// A segment to send: header fields, options held inline (no heap), payload viewed.
struct segment {
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    seq_number seq{};
    seq_number ack{};
    tcp::flag_set flags{};
    std::uint16_t window = 0;
    std::uint16_t urgent_pointer = 0;
    option_list options{};
    std::span<const std::uint8_t> payload{};

    /// Bytes of the header, options padded to 4.
    constexpr std::size_t header_length() const noexcept { return header_min_size + options.padded_size(); }
    /// Bytes on the wire.
    constexpr std::size_t size() const noexcept { return header_length() + payload.size(); }
    /// SEG.LEN (RFC 9293 3.4).
    constexpr std::uint32_t length() const noexcept {
        return static_cast<std::uint32_t>(payload.size()) + (flags.has(flag::syn) ? 1u : 0u) + (flags.has(flag::fin) ? 1u : 0u);
    }

    /// The owning copy of a view's header and options (the payload stays viewed).
    static constexpr segment from(const segment_view& v) noexcept {
        segment s{v.source_port(), v.destination_port(), v.seq(), v.ack(), v.flags(), v.window(), v.urgent_pointer(), {}, v.payload()};
        // Validated options fit the option space; EOL and its padding are not kept.
        for (const option o : v.options())
            if (o.kind() != option_kind::eol) s.options.add_raw(o.raw());
        return s;
    }
};

/// Why a segment could not be written.
enum class serialize_errc : std::uint8_t {
    buffer_too_small, ///< the caller's buffer holds fewer bytes than `segment::size()`
    too_large,        ///< header and payload exceed 65535 bytes
};

/// Writes `seg` into `out` with a zero checksum; returns the bytes written. Options are
/// padded with EOL (zero) bytes to a 4-byte boundary (RFC 9293 3.1), never with anything else.
constexpr core::result<std::size_t, serialize_errc> serialize(const segment& seg, std::span<std::uint8_t> out) noexcept {
    const std::size_t size = seg.size();
    if (size > 65535) return core::failure(serialize_errc::too_large);
    if (out.size() < size) return core::failure(serialize_errc::buffer_too_small);
    std::uint8_t* p = out.data();
    detail::store_be16(p + 0, seg.source_port);
    detail::store_be16(p + 2, seg.destination_port);
    detail::store_be32(p + 4, seg.seq.raw());
    detail::store_be32(p + 8, seg.ack.raw());
    p[12] = static_cast<std::uint8_t>((seg.header_length() / 4) << 4);
    p[13] = seg.flags.bits();
    detail::store_be16(p + 14, seg.window);
    p[16] = p[17] = 0;
    detail::store_be16(p + 18, seg.urgent_pointer);
    const auto opts = seg.options.bytes();
    std::size_t i = header_min_size;
    for (std::uint8_t b : opts) p[i++] = b;
    while (i < seg.header_length()) p[i++] = 0; // EOL padding
    for (std::uint8_t b : seg.payload) p[i++] = b;
    return size;
}

/// Writes `seg` into `out` and fills its checksum over the pseudo-header
/// (`ipv4_pseudo_header`, `ipv6_pseudo_header`, or any type with `sum(tcp_length)`).
template <class PseudoHeader>
    requires requires(const PseudoHeader& p) { { p.sum(std::uint16_t{}) } -> std::convertible_to<std::uint32_t>; }
constexpr core::result<std::size_t, serialize_errc> serialize(const segment& seg, std::span<std::uint8_t> out,
                                                             const PseudoHeader& pseudo_header) noexcept {
    auto written = serialize(seg, out);
    if (!written) return written;
    const auto bytes = out.first(*written);
    const std::uint16_t sum = checksum_finish(checksum_add(bytes, pseudo_header.sum(static_cast<std::uint16_t>(*written))));
    detail::store_be16(&out[16], sum);
    return written;
}

} // namespace synack::tcp
