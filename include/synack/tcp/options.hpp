#pragma once
/// \file
/// TCP options (RFC 9293 3.2; MSS RFC 9293 3.7.1, window scale and timestamps RFC 7323,
/// SACK RFC 2018): validation, lazy iteration, a one-pass summary, and an inline
/// (heap-free) list for building segments, with the 40-byte budget checked at compile
/// time for typed option sets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <tuple>

#include "synack/core/result.hpp"
#include "synack/tcp/detail/bytes.hpp"
#include "synack/tcp/sequence.hpp"

namespace synack::tcp {

/// The option space of a TCP header: data offset 15 words less the fixed 20 bytes.
inline constexpr std::size_t max_option_bytes = 40;
/// RFC 7323 2.3: the largest window scale shift.
inline constexpr std::uint8_t max_window_scale = 14;
/// RFC 2018 3: at most four SACK blocks fit in the option space.
inline constexpr std::size_t max_sack_blocks = 4;

/// Option kinds synack knows (IANA "TCP Option Kind Numbers").
enum class option_kind : std::uint8_t {
    eol = 0,            ///< end of option list
    nop = 1,            ///< no-operation (padding)
    mss = 2,            ///< maximum segment size, length 4
    window_scale = 3,   ///< window scale, length 3
    sack_permitted = 4, ///< SACK permitted, length 2
    sack = 5,           ///< SACK blocks, length 2 + 8n
    timestamps = 8,     ///< timestamps, length 10
};

/// Why a segment's bytes are malformed. Each class is distinct so a caller can count
/// and report them; `to_string` gives a stable name.
enum class parse_errc : std::uint8_t {
    too_short,                  ///< fewer than the 20 bytes of the fixed header
    data_offset_too_small,      ///< data offset below 5 words
    data_offset_beyond_segment, ///< data offset points past the end of the segment
    option_length_missing,      ///< an option kind in the last byte of the option space, no room for its length
    option_length_zero,         ///< an option length of 0
    option_length_one,          ///< an option length of 1 (shorter than kind + length)
    option_length_beyond_options, ///< an option runs past the option space
    mss_bad_length,             ///< MSS option length not 4
    window_scale_bad_length,    ///< window scale option length not 3
    sack_permitted_bad_length,  ///< SACK-permitted option length not 2
    sack_bad_length,            ///< SACK option length not 2 + 8n with n from 1 to 4
    timestamps_bad_length,      ///< timestamps option length not 10
};

/// The stable name of a parse error ("option_length_zero").
constexpr std::string_view to_string(parse_errc e) noexcept {
    switch (e) {
    case parse_errc::too_short: return "too_short";
    case parse_errc::data_offset_too_small: return "data_offset_too_small";
    case parse_errc::data_offset_beyond_segment: return "data_offset_beyond_segment";
    case parse_errc::option_length_missing: return "option_length_missing";
    case parse_errc::option_length_zero: return "option_length_zero";
    case parse_errc::option_length_one: return "option_length_one";
    case parse_errc::option_length_beyond_options: return "option_length_beyond_options";
    case parse_errc::mss_bad_length: return "mss_bad_length";
    case parse_errc::window_scale_bad_length: return "window_scale_bad_length";
    case parse_errc::sack_permitted_bad_length: return "sack_permitted_bad_length";
    case parse_errc::sack_bad_length: return "sack_bad_length";
    case parse_errc::timestamps_bad_length: return "timestamps_bad_length";
    }
    return "unknown";
}

/// A malformed segment: what is wrong, and the byte offset (from the start of the
/// TCP header) where it was found.
struct parse_error {
    parse_errc code{};
    std::uint16_t offset = 0;
    friend constexpr bool operator==(const parse_error&, const parse_error&) noexcept = default;
};

/// A SACK block (RFC 2018 3): the left edge and the sequence number after the right edge.
struct sack_block {
    seq_number left;
    seq_number right;
    friend constexpr bool operator==(const sack_block&, const sack_block&) noexcept = default;
};

/// The two values of a timestamps option (RFC 7323 3.2).
struct timestamps {
    std::uint32_t value = 0; ///< TSval
    std::uint32_t echo = 0;  ///< TSecr
    friend constexpr bool operator==(const timestamps&, const timestamps&) noexcept = default;
};

/// One option of a validated option list, viewing its bytes.
class option {
public:
    constexpr option() noexcept = default;
    constexpr option(std::span<const std::uint8_t> bytes, std::uint16_t offset) noexcept : bytes_{bytes}, offset_{offset} {}

    /// The kind byte.
    constexpr std::uint8_t kind_byte() const noexcept { return bytes_[0]; }
    constexpr option_kind kind() const noexcept { return static_cast<option_kind>(bytes_[0]); }
    /// True for a kind synack decodes; unknown kinds are skipped by their length, never an error.
    constexpr bool is_known() const noexcept {
        switch (bytes_[0]) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 8: return true;
        default: return false;
        }
    }
    /// The option's length in bytes (1 for EOL and NOP).
    constexpr std::size_t size() const noexcept { return bytes_.size(); }
    /// The option's bytes: kind, length and data.
    constexpr std::span<const std::uint8_t> raw() const noexcept { return bytes_; }
    /// The bytes after kind and length.
    constexpr std::span<const std::uint8_t> data() const noexcept {
        return bytes_.size() >= 2 ? bytes_.subspan(2) : std::span<const std::uint8_t>{};
    }
    /// Offset of the kind byte from the start of the TCP header.
    constexpr std::uint16_t offset() const noexcept { return offset_; }

    /// MSS value; the kind must be `mss`.
    constexpr std::uint16_t mss() const noexcept { return detail::load_be16(&bytes_[2]); }
    /// Window scale shift as sent (may exceed 14; see `segment_anomaly`); kind `window_scale`.
    constexpr std::uint8_t window_scale() const noexcept { return bytes_[2]; }
    /// TSval and TSecr; kind `timestamps`.
    constexpr tcp::timestamps timestamps() const noexcept {
        return {detail::load_be32(&bytes_[2]), detail::load_be32(&bytes_[6])};
    }
    /// Number of SACK blocks (1 to 4); kind `sack`.
    constexpr std::size_t sack_block_count() const noexcept { return (bytes_.size() - 2) / 8; }
    /// SACK block `i`; kind `sack`.
    constexpr sack_block sack(std::size_t i) const noexcept {
        return {seq_number{detail::load_be32(&bytes_[2 + 8 * i])}, seq_number{detail::load_be32(&bytes_[6 + 8 * i])}};
    }

private:
    std::span<const std::uint8_t> bytes_{};
    std::uint16_t offset_ = 0;
};

namespace detail {

/// The length rule of a known kind, or the error for breaking it; `parse_errc{}` (too_short) never returned here.
constexpr bool option_length_ok(std::uint8_t kind, std::size_t length, parse_errc& error) noexcept {
    switch (kind) {
    case 2: error = parse_errc::mss_bad_length; return length == 4;
    case 3: error = parse_errc::window_scale_bad_length; return length == 3;
    case 4: error = parse_errc::sack_permitted_bad_length; return length == 2;
    case 5: error = parse_errc::sack_bad_length; return length >= 10 && length <= 34 && (length - 2) % 8 == 0;
    case 8: error = parse_errc::timestamps_bad_length; return length == 10;
    default: return true;
    }
}

/// Validates an option space. `base` is the offset of its first byte in the header.
/// Returns the number of bytes up to and including EOL (or all of them).
constexpr core::result<std::size_t, parse_error> validate_options(std::span<const std::uint8_t> opts,
                                                                  std::uint16_t base) noexcept {
    std::size_t i = 0;
    while (i < opts.size()) {
        const std::uint8_t kind = opts[i];
        const auto at = static_cast<std::uint16_t>(base + i);
        if (kind == 0) return i + 1; // EOL: what follows is padding, ignored (RFC 9293 3.2)
        if (kind == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= opts.size()) return core::failure(parse_error{parse_errc::option_length_missing, at});
        const std::size_t length = opts[i + 1];
        if (length == 0) return core::failure(parse_error{parse_errc::option_length_zero, static_cast<std::uint16_t>(at + 1)});
        if (length == 1) return core::failure(parse_error{parse_errc::option_length_one, static_cast<std::uint16_t>(at + 1)});
        if (i + length > opts.size())
            return core::failure(parse_error{parse_errc::option_length_beyond_options, static_cast<std::uint16_t>(at + 1)});
        parse_errc error{};
        if (!option_length_ok(kind, length, error)) return core::failure(parse_error{error, static_cast<std::uint16_t>(at + 1)});
        i += length;
    }
    return i;
}

} // namespace detail

/// The options of a validated segment, iterated lazily: one `option` per EOL, NOP,
/// known or unknown option, and nothing after EOL. Only `segment_view` makes these, over
/// bytes `parse` has validated, so iteration cannot fail.
class option_range {
public:
    class iterator {
    public:
        using value_type = option;
        using difference_type = std::ptrdiff_t;
        constexpr iterator() noexcept = default;
        constexpr option operator*() const noexcept {
            const std::size_t len = (bytes_[pos_] <= 1) ? 1 : bytes_[pos_ + 1];
            return option{bytes_.subspan(pos_, len), static_cast<std::uint16_t>(base_ + pos_)};
        }
        constexpr iterator& operator++() noexcept {
            pos_ += (bytes_[pos_] <= 1) ? 1 : bytes_[pos_ + 1];
            return *this;
        }
        constexpr iterator operator++(int) noexcept {
            auto old = *this;
            ++*this;
            return old;
        }
        friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept { return a.pos_ == b.pos_; }

    private:
        friend class option_range;
        constexpr iterator(std::span<const std::uint8_t> bytes, std::size_t pos, std::uint16_t base) noexcept
            : bytes_{bytes}, pos_{pos}, base_{base} {}
        std::span<const std::uint8_t> bytes_{};
        std::size_t pos_ = 0;
        std::uint16_t base_ = 0;
    };

    constexpr option_range() noexcept = default;
    /// `bytes` must be validated: they end at EOL or exactly at the last option.
    constexpr option_range(std::span<const std::uint8_t> bytes, std::uint16_t base) noexcept : bytes_{bytes}, base_{base} {}
    constexpr iterator begin() const noexcept { return {bytes_, 0, base_}; }
    constexpr iterator end() const noexcept { return {bytes_, bytes_.size(), base_}; }
    constexpr bool empty() const noexcept { return bytes_.empty(); }
    /// The option bytes up to and including EOL.
    constexpr std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

private:
    std::span<const std::uint8_t> bytes_{};
    std::uint16_t base_ = 0;
};

/// The options a connection negotiates, gathered in one pass. Absent options are
/// `has_*` false. When an option appears twice, the last one wins (as in Linux).
struct option_summary {
    std::uint16_t mss = 0;
    std::uint8_t window_scale = 0;
    bool has_mss = false;
    bool has_window_scale = false;
    bool sack_permitted = false;
    bool has_timestamps = false;
    std::uint8_t sack_block_count = 0;
    std::uint8_t unknown_count = 0; ///< how many options of unknown kinds (their kinds: the first 4 in `unknown_kinds`)
    tcp::timestamps timestamps{};
    std::array<sack_block, max_sack_blocks> sack_blocks{};
    std::array<std::uint8_t, 4> unknown_kinds{};

    /// The SACK blocks present.
    constexpr std::span<const sack_block> sacks() const noexcept { return {sack_blocks.data(), sack_block_count}; }
};

/// Summarises validated options in one pass over their bytes.
constexpr option_summary summarize(const option_range& options) noexcept {
    option_summary s{};
    const auto b = options.bytes();
    std::size_t i = 0;
    while (i < b.size()) {
        const std::uint8_t kind = b[i];
        if (kind == 0) break;
        if (kind == 1) {
            ++i;
            continue;
        }
        const std::size_t length = b[i + 1]; // validated: present, 2 or more, within the space
        const std::uint8_t* d = &b[i + 2];
        switch (kind) {
        case 2: s.mss = detail::load_be16(d); s.has_mss = true; break;
        case 3: s.window_scale = d[0]; s.has_window_scale = true; break;
        case 4: s.sack_permitted = true; break;
        case 5:
            s.sack_block_count = static_cast<std::uint8_t>((length - 2) / 8);
            for (std::size_t k = 0; k < s.sack_block_count; ++k)
                s.sack_blocks[k] = {seq_number{detail::load_be32(d + 8 * k)}, seq_number{detail::load_be32(d + 8 * k + 4)}};
            break;
        case 8: s.timestamps = {detail::load_be32(d), detail::load_be32(d + 4)}; s.has_timestamps = true; break;
        default:
            if (s.unknown_count < s.unknown_kinds.size()) s.unknown_kinds[s.unknown_count] = kind;
            if (s.unknown_count < 255) ++s.unknown_count;
            break;
        }
        i += length;
    }
    return s;
}

/// Options for a segment being built: their wire bytes, inline (no heap), at most 40.
/// Each `add_*` appends one option and returns false, changing nothing, when it would
/// not fit. Serialisation pads the list with EOL to a multiple of 4 bytes.
class option_list {
public:
    constexpr bool add_nop() noexcept { return append({1}); }
    /// MSS (RFC 9293 3.7.1).
    constexpr bool add_mss(std::uint16_t mss) noexcept {
        return append({2, 4, static_cast<std::uint8_t>(mss >> 8), static_cast<std::uint8_t>(mss)});
    }
    /// Window scale (RFC 7323 2.2).
    constexpr bool add_window_scale(std::uint8_t shift) noexcept { return append({3, 3, shift}); }
    /// SACK-permitted (RFC 2018 2).
    constexpr bool add_sack_permitted() noexcept { return append({4, 2}); }
    /// Timestamps (RFC 7323 3.2).
    constexpr bool add_timestamps(tcp::timestamps ts) noexcept {
        std::uint8_t b[10] = {8, 10};
        detail::store_be32(&b[2], ts.value);
        detail::store_be32(&b[6], ts.echo);
        return append(std::span<const std::uint8_t>{b});
    }
    /// SACK blocks (RFC 2018 3), 1 to 4 of them.
    constexpr bool add_sack(std::span<const sack_block> blocks) noexcept {
        if (blocks.empty() || blocks.size() > max_sack_blocks) return false;
        std::uint8_t b[2 + 8 * max_sack_blocks] = {5, static_cast<std::uint8_t>(2 + 8 * blocks.size())};
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            detail::store_be32(&b[2 + 8 * i], blocks[i].left.raw());
            detail::store_be32(&b[6 + 8 * i], blocks[i].right.raw());
        }
        return append(std::span<const std::uint8_t>{b, 2 + 8 * blocks.size()});
    }
    /// Any option's raw bytes (kind, length, data), e.g. an unknown kind.
    constexpr bool add_raw(std::span<const std::uint8_t> bytes) noexcept { return append(bytes); }

    /// The options' bytes so far, unpadded.
    constexpr std::span<const std::uint8_t> bytes() const noexcept { return {bytes_.data(), size_}; }
    constexpr std::size_t size() const noexcept { return size_; }
    /// Bytes on the wire: padded to a multiple of 4.
    constexpr std::size_t padded_size() const noexcept { return (size_ + 3) & ~std::size_t{3}; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr void clear() noexcept { size_ = 0; }
    friend constexpr bool operator==(const option_list& a, const option_list& b) noexcept {
        if (a.size_ != b.size_) return false;
        for (std::size_t i = 0; i < a.size_; ++i)
            if (a.bytes_[i] != b.bytes_[i]) return false;
        return true;
    }

private:
    constexpr bool append(std::initializer_list<std::uint8_t> b) noexcept {
        return append(std::span<const std::uint8_t>{b.begin(), b.size()});
    }
    constexpr bool append(std::span<const std::uint8_t> b) noexcept {
        if (b.size() > max_option_bytes - size_) return false;
        for (std::uint8_t byte : b) bytes_[size_++] = byte;
        return true;
    }
    std::array<std::uint8_t, max_option_bytes> bytes_{};
    std::size_t size_ = 0;
};

/// Typed options for `option_set`: each knows its size on the wire.
namespace opt {
struct nop { static constexpr std::size_t wire_size = 1; constexpr void add_to(option_list& l) const noexcept { l.add_nop(); } };
struct mss { std::uint16_t value; static constexpr std::size_t wire_size = 4; constexpr void add_to(option_list& l) const noexcept { l.add_mss(value); } };
struct window_scale { std::uint8_t shift; static constexpr std::size_t wire_size = 3; constexpr void add_to(option_list& l) const noexcept { l.add_window_scale(shift); } };
struct sack_permitted { static constexpr std::size_t wire_size = 2; constexpr void add_to(option_list& l) const noexcept { l.add_sack_permitted(); } };
struct timestamps { tcp::timestamps value; static constexpr std::size_t wire_size = 10; constexpr void add_to(option_list& l) const noexcept { l.add_timestamps(value); } };
template <std::size_t N>
struct sack {
    static_assert(N >= 1 && N <= max_sack_blocks, "synack::options: a SACK option carries 1 to 4 blocks");
    std::array<sack_block, N> blocks;
    static constexpr std::size_t wire_size = 2 + 8 * N;
    constexpr void add_to(option_list& l) const noexcept { l.add_sack(blocks); }
};
} // namespace opt

/// True when options of `bytes` total bytes, padded to 4, fit the 40-byte option space.
constexpr bool options_fit_in_header(std::size_t bytes) noexcept { return ((bytes + 3) & ~std::size_t{3}) <= max_option_bytes; }

/// A set of options whose layout is known at compile time, so its 40-byte budget is
/// checked by the compiler: `option_set{opt::mss{1460}, opt::sack_permitted{}, ...}`.
template <class... Options>
struct option_set {
    static constexpr std::size_t wire_size = (std::size_t{0} + ... + Options::wire_size);
    static_assert(options_fit_in_header(wire_size),
                  "synack::options: these options do not fit in the 40 bytes of a TCP header's option space");

    std::tuple<Options...> options;

    constexpr option_set(Options... o) noexcept : options{o...} {}
    /// The options as a list, in the order written.
    constexpr option_list to_list() const noexcept {
        option_list list{};
        std::apply([&](const auto&... o) { (o.add_to(list), ...); }, options);
        return list;
    }
    constexpr operator option_list() const noexcept { return to_list(); }
};

} // namespace synack::tcp
