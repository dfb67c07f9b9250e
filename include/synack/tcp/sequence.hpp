#pragma once
/// \file
/// Sequence numbers as a strong type with modular (mod 2^32) arithmetic and
/// comparison (RFC 9293 3.4; serial number arithmetic, RFC 1982), and the window
/// tests of RFC 9293 3.4 and 3.10.7.4. No implicit conversion to or from integers,
/// so no raw comparison sneaks in.

#include <cstdint>

namespace synack::tcp {

/// A 32-bit TCP sequence (or acknowledgment) number. Ordering is circular: `a < b`
/// means b lies less than 2^31 ahead of a (RFC 9293 3.4: "all arithmetic dealing with
/// sequence numbers must be performed modulo 2**32").
class seq_number {
public:
    constexpr seq_number() noexcept = default;
    constexpr explicit seq_number(std::uint32_t raw) noexcept : raw_{raw} {}

    /// The number as it appears on the wire.
    constexpr std::uint32_t raw() const noexcept { return raw_; }

    friend constexpr seq_number operator+(seq_number s, std::uint32_t n) noexcept {
        return seq_number{static_cast<std::uint32_t>(s.raw_ + n)};
    }
    friend constexpr seq_number operator-(seq_number s, std::uint32_t n) noexcept {
        return seq_number{static_cast<std::uint32_t>(s.raw_ - n)};
    }
    constexpr seq_number& operator+=(std::uint32_t n) noexcept { return *this = *this + n; }
    constexpr seq_number& operator-=(std::uint32_t n) noexcept { return *this = *this - n; }

    /// Signed distance from `b` to `a` (a - b), meaningful when they are less than 2^31 apart.
    friend constexpr std::int32_t operator-(seq_number a, seq_number b) noexcept {
        return static_cast<std::int32_t>(a.raw_ - b.raw_);
    }

    friend constexpr bool operator==(seq_number, seq_number) noexcept = default;
    friend constexpr bool operator<(seq_number a, seq_number b) noexcept { return (a - b) < 0; }
    friend constexpr bool operator>(seq_number a, seq_number b) noexcept { return b < a; }
    friend constexpr bool operator<=(seq_number a, seq_number b) noexcept { return !(b < a); }
    friend constexpr bool operator>=(seq_number a, seq_number b) noexcept { return !(a < b); }

private:
    std::uint32_t raw_ = 0;
};

/// The unsigned distance from `from` forward to `to`, mod 2^32.
constexpr std::uint32_t distance(seq_number from, seq_number to) noexcept {
    return static_cast<std::uint32_t>(to.raw() - from.raw());
}

/// True when `s` lies in the half-open window [left, left + size) (RFC 9293 3.4).
/// An empty window holds nothing. Correct across the wrap at 2^32 for any size.
constexpr bool in_window(seq_number s, seq_number left, std::uint32_t size) noexcept {
    return distance(left, s) < size;
}

/// True when left < s <= right, circularly: e.g. an acceptable ACK,
/// SND.UNA < SEG.ACK =< SND.NXT (RFC 9293 3.4).
constexpr bool in_range_left_open(seq_number s, seq_number left, seq_number right) noexcept {
    return distance(left, s) != 0 && distance(left, s) <= distance(left, right);
}

/// True when left <= s <= right, circularly.
constexpr bool in_range_closed(seq_number s, seq_number left, seq_number right) noexcept {
    return distance(left, s) <= distance(left, right);
}

/// RFC 9293 3.10.7.4, first check: the four cases of segment acceptability.
///
/// | SEG.LEN | RCV.WND | acceptable when                                              |
/// |---------|---------|--------------------------------------------------------------|
/// | 0       | 0       | SEG.SEQ = RCV.NXT                                            |
/// | 0       | > 0     | RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND                       |
/// | > 0     | 0       | never                                                        |
/// | > 0     | > 0     | the first or the last octet of the segment is in the window  |
constexpr bool segment_acceptable(seq_number seg_seq, std::uint32_t seg_len, seq_number rcv_nxt,
                                  std::uint32_t rcv_wnd) noexcept {
    if (seg_len == 0) return rcv_wnd == 0 ? seg_seq == rcv_nxt : in_window(seg_seq, rcv_nxt, rcv_wnd);
    if (rcv_wnd == 0) return false;
    return in_window(seg_seq, rcv_nxt, rcv_wnd) || in_window(seg_seq + (seg_len - 1), rcv_nxt, rcv_wnd);
}

namespace literals {
/// `1234567_seq`.
constexpr seq_number operator""_seq(unsigned long long raw) noexcept {
    return seq_number{static_cast<std::uint32_t>(raw)};
}
} // namespace literals

} // namespace synack::tcp
