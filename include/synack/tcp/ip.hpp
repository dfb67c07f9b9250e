#pragma once
/// \file
/// Just enough IP to frame TCP segments for a TUN device or a pcap file: IPv4 and IPv6
/// addresses, the TCP pseudo-headers (RFC 9293 3.1, RFC 8200 8.1), and zero-copy parse
/// and build of IPv4 (RFC 791) and IPv6 (RFC 8200) headers. The IP length bounds the
/// payload, never the buffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges> // borrowed_range: refuse to view a temporary
#include <span>
#include <string_view>

#include "synack/core/result.hpp"
#include "synack/tcp/checksum.hpp"
#include "synack/tcp/detail/bytes.hpp"

namespace synack::tcp {

/// The IP protocol number of TCP.
inline constexpr std::uint8_t ip_protocol_tcp = 6;

/// An IPv4 address, four bytes in network order.
struct ipv4_address {
    std::array<std::uint8_t, 4> bytes{};

    /// Parses dotted-quad text ("10.0.0.1"); nullopt on anything else.
    static constexpr std::optional<ipv4_address> parse(std::string_view text) noexcept {
        ipv4_address out{};
        std::size_t part = 0;
        unsigned value = 0, digits = 0;
        for (std::size_t i = 0; i <= text.size(); ++i) {
            if (i == text.size() || text[i] == '.') {
                if (digits == 0 || part > 3) return std::nullopt;
                out.bytes[part++] = static_cast<std::uint8_t>(value);
                value = digits = 0;
            } else if (text[i] >= '0' && text[i] <= '9') {
                if (digits > 0 && value == 0) return std::nullopt; // no leading zeros
                value = value * 10 + static_cast<unsigned>(text[i] - '0');
                if (++digits > 3 || value > 255) return std::nullopt;
            } else {
                return std::nullopt;
            }
        }
        if (part != 4) return std::nullopt;
        return out;
    }
    friend constexpr bool operator==(const ipv4_address&, const ipv4_address&) noexcept = default;
};

/// An IPv6 address, sixteen bytes in network order.
struct ipv6_address {
    std::array<std::uint8_t, 16> bytes{};

    /// Parses RFC 4291 2.2 text forms 1 and 2 ("fd00::1", "2001:db8:0:0:0:0:0:1"); nullopt otherwise.
    static constexpr std::optional<ipv6_address> parse(std::string_view text) noexcept {
        std::array<std::uint16_t, 8> head{}, tail{};
        std::size_t nhead = 0, ntail = 0;
        bool gap = false;
        std::size_t i = 0;
        if (text.starts_with("::")) {
            gap = true;
            i = 2;
        }
        while (i < text.size()) {
            unsigned value = 0, digits = 0;
            while (i < text.size() && text[i] != ':') {
                const char c = text[i];
                unsigned d = 0;
                if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
                else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
                else return std::nullopt;
                value = value * 16 + d;
                if (++digits > 4) return std::nullopt;
                ++i;
            }
            if (digits == 0) return std::nullopt;
            if (gap ? ntail >= 8 : nhead >= 8) return std::nullopt;
            (gap ? tail[ntail++] : head[nhead++]) = static_cast<std::uint16_t>(value);
            if (i < text.size()) { // at ':'
                ++i;
                if (i < text.size() && text[i] == ':') {
                    if (gap) return std::nullopt;
                    gap = true;
                    ++i;
                } else if (i == text.size()) {
                    return std::nullopt; // trailing single ':'
                }
            }
        }
        if (gap ? nhead + ntail > 7 : nhead != 8) return std::nullopt;
        ipv6_address out{};
        for (std::size_t k = 0; k < nhead; ++k) detail::store_be16(&out.bytes[2 * k], head[k]);
        for (std::size_t k = 0; k < ntail; ++k) detail::store_be16(&out.bytes[2 * (8 - ntail + k)], tail[k]);
        return out;
    }
    friend constexpr bool operator==(const ipv6_address&, const ipv6_address&) noexcept = default;
};

/// An IPv4 or an IPv6 address: one endpoint of a connection, whichever family it uses.
struct ip_address {
    ipv6_address bytes{}; ///< the IPv6 address, or the IPv4 one in the first four bytes
    bool v6 = false;

    constexpr ip_address() noexcept = default;
    constexpr ip_address(const ipv4_address& a) noexcept { // NOLINT: an IPv4 address is an IP address
        for (std::size_t i = 0; i < 4; ++i) bytes.bytes[i] = a.bytes[i];
    }
    constexpr ip_address(const ipv6_address& a) noexcept : bytes{a}, v6{true} {} // NOLINT
    /// Parses IPv4 dotted-quad or IPv6 text; nullopt on anything else.
    static constexpr std::optional<ip_address> parse(std::string_view text) noexcept {
        if (const auto a = ipv4_address::parse(text)) return ip_address{*a};
        if (const auto a = ipv6_address::parse(text)) return ip_address{*a};
        return std::nullopt;
    }
    /// The IPv4 address (meaningful when `!v6`).
    constexpr ipv4_address v4() const noexcept { return {{bytes.bytes[0], bytes.bytes[1], bytes.bytes[2], bytes.bytes[3]}}; }
    friend constexpr bool operator==(const ip_address&, const ip_address&) noexcept = default;
};

/// The IPv4 pseudo-header of the TCP checksum (RFC 9293 3.1): source, destination,
/// zero, protocol 6, TCP length.
struct ipv4_pseudo_header {
    ipv4_address source;
    ipv4_address destination;
    /// The pseudo-header's running checksum sum for a segment of `tcp_length` bytes.
    constexpr std::uint32_t sum(std::uint16_t tcp_length) const noexcept {
        // Six 16-bit words, summed directly: this runs for every segment sent and received.
        std::uint32_t s = std::uint32_t{ip_protocol_tcp} + tcp_length;
        for (std::size_t i = 0; i < 4; i += 2)
            s += detail::load_be16(&source.bytes[i]) + std::uint32_t{detail::load_be16(&destination.bytes[i])};
        return s;
    }
};

/// The IPv6 pseudo-header of upper-layer checksums (RFC 8200 8.1).
struct ipv6_pseudo_header {
    ipv6_address source;
    ipv6_address destination;
    constexpr std::uint32_t sum(std::uint16_t tcp_length) const noexcept {
        std::uint32_t s = checksum_add(source.bytes);
        s = checksum_add(destination.bytes, s);
        s = checksum_add_u32(tcp_length, s);
        return checksum_add_u16(ip_protocol_tcp, s);
    }
};

/// What was wrong with an IP header.
enum class ip_errc : std::uint8_t {
    too_short,            ///< fewer bytes than the fixed header
    bad_version,          ///< version is neither 4 nor 6 (or not the one asked for)
    header_length_too_small, ///< IPv4 IHL below 5
    header_beyond_packet, ///< IPv4 header length beyond the total length, or beyond the buffer
    total_length_beyond_buffer, ///< the IP length says more bytes than the buffer holds
    extension_header_truncated, ///< an IPv6 extension header runs past the payload
    too_many_extension_headers, ///< more IPv6 extension headers than this parser follows
};

/// A name of an IP error, for logs and the dissector.
constexpr std::string_view to_string(ip_errc e) noexcept {
    switch (e) {
    case ip_errc::too_short: return "ip_too_short";
    case ip_errc::bad_version: return "ip_bad_version";
    case ip_errc::header_length_too_small: return "ip_header_length_too_small";
    case ip_errc::header_beyond_packet: return "ip_header_beyond_packet";
    case ip_errc::total_length_beyond_buffer: return "ip_total_length_beyond_buffer";
    case ip_errc::extension_header_truncated: return "ip_extension_header_truncated";
    case ip_errc::too_many_extension_headers: return "ip_too_many_extension_headers";
    }
    return "ip_unknown";
}

/// A parsed IP packet: its version, addresses, upper-layer protocol and payload.
/// Views into the caller's buffer.
struct ip_packet {
    std::uint8_t version = 4;
    ipv4_address source4{}, destination4{};
    ipv6_address source6{}, destination6{};
    std::uint8_t protocol = 0;          ///< upper-layer protocol (6 for TCP)
    std::uint8_t ttl = 0;               ///< TTL / hop limit
    std::uint16_t header_length = 0;    ///< bytes before the payload (IPv6: extension headers included)
    bool header_checksum_ok = true;     ///< IPv4 header checksum (always true for IPv6, which has none)
    bool fragment = false;              ///< a fragment (IPv4 MF or offset, IPv6 fragment header): not reassembled
    std::span<const std::uint8_t> payload; ///< bounded by the IP length, never by the buffer

    /// The pseudo-header sum of a TCP payload of this packet.
    constexpr std::uint32_t pseudo_header_sum() const noexcept {
        const auto len = static_cast<std::uint16_t>(payload.size());
        return version == 4 ? ipv4_pseudo_header{source4, destination4}.sum(len)
                            : ipv6_pseudo_header{source6, destination6}.sum(len);
    }
};

/// Parses an IPv4 or IPv6 packet (the version nibble decides). IPv6 extension headers
/// (hop-by-hop, routing, fragment, destination options) are skipped, at most 8 of them.
constexpr core::result<ip_packet, ip_errc> parse_ip(std::span<const std::uint8_t> bytes) noexcept {
    using core::failure;
    if (bytes.empty()) return failure(ip_errc::too_short);
    ip_packet p{};
    p.version = static_cast<std::uint8_t>(bytes[0] >> 4);
    if (p.version == 4) {
        if (bytes.size() < 20) return failure(ip_errc::too_short);
        const std::size_t ihl = static_cast<std::size_t>(bytes[0] & 0x0f) * 4;
        if (ihl < 20) return failure(ip_errc::header_length_too_small);
        const std::size_t total = detail::load_be16(&bytes[2]);
        if (total > bytes.size()) return failure(ip_errc::total_length_beyond_buffer);
        if (ihl > total) return failure(ip_errc::header_beyond_packet);
        const std::uint16_t frag = detail::load_be16(&bytes[6]);
        p.fragment = (frag & 0x2000) != 0 || (frag & 0x1fff) != 0;
        p.ttl = bytes[8];
        p.protocol = bytes[9];
        for (std::size_t i = 0; i < 4; ++i) {
            p.source4.bytes[i] = bytes[12 + i];
            p.destination4.bytes[i] = bytes[16 + i];
        }
        p.header_checksum_ok = checksum_verifies(bytes.first(ihl));
        p.header_length = static_cast<std::uint16_t>(ihl);
        p.payload = bytes.subspan(ihl, total - ihl);
        return p;
    }
    if (p.version == 6) {
        if (bytes.size() < 40) return failure(ip_errc::too_short);
        const std::size_t total = 40 + std::size_t{detail::load_be16(&bytes[4])};
        if (total > bytes.size()) return failure(ip_errc::total_length_beyond_buffer);
        std::uint8_t next = bytes[6];
        p.ttl = bytes[7];
        for (std::size_t i = 0; i < 16; ++i) {
            p.source6.bytes[i] = bytes[8 + i];
            p.destination6.bytes[i] = bytes[24 + i];
        }
        std::size_t offset = 40;
        for (int hops = 0;; ++hops) {
            const bool extension = next == 0 || next == 43 || next == 44 || next == 60;
            if (!extension) break;
            if (hops == 8) return failure(ip_errc::too_many_extension_headers);
            if (offset + 8 > total) return failure(ip_errc::extension_header_truncated);
            const std::size_t length = next == 44 ? 8 : (std::size_t{bytes[offset + 1]} + 1) * 8;
            if (next == 44) p.fragment = true;
            if (offset + length > total) return failure(ip_errc::extension_header_truncated);
            next = bytes[offset];
            offset += length;
        }
        p.protocol = next;
        p.header_length = static_cast<std::uint16_t>(offset);
        p.payload = bytes.subspan(offset, total - offset);
        return p;
    }
    return failure(ip_errc::bad_version);
}

/// Parsing a temporary container would leave the packet's views dangling: does not compile.
template <class Container>
    requires(!std::is_lvalue_reference_v<Container> && std::ranges::contiguous_range<Container> &&
             !std::ranges::borrowed_range<Container>)
void parse_ip(Container&&) = delete;

/// Bytes of an IPv4 header written by `write_ipv4_header` (no options).
inline constexpr std::size_t ipv4_header_size = 20;
/// Bytes of an IPv6 header written by `write_ipv6_header` (no extension headers).
inline constexpr std::size_t ipv6_header_size = 40;

/// Writes a 20-byte IPv4 header for a TCP payload of `payload_length` bytes into
/// `out` (DF set, as Linux sends TCP), with its header checksum. False when `out` is
/// too small or the packet would exceed 65535 bytes.
constexpr bool write_ipv4_header(std::span<std::uint8_t> out, const ipv4_address& source,
                                 const ipv4_address& destination, std::size_t payload_length,
                                 std::uint16_t identification = 0, std::uint8_t ttl = 64) noexcept {
    if (out.size() < ipv4_header_size || payload_length > 65535 - ipv4_header_size) return false;
    out[0] = 0x45;
    out[1] = 0;
    detail::store_be16(&out[2], static_cast<std::uint16_t>(ipv4_header_size + payload_length));
    detail::store_be16(&out[4], identification);
    detail::store_be16(&out[6], 0x4000); // DF
    out[8] = ttl;
    out[9] = ip_protocol_tcp;
    out[10] = out[11] = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        out[12 + i] = source.bytes[i];
        out[16 + i] = destination.bytes[i];
    }
    detail::store_be16(&out[10], internet_checksum(out.first(ipv4_header_size)));
    return true;
}

/// Writes a 40-byte IPv6 header for a TCP payload of `payload_length` bytes. False
/// when `out` is too small or the payload exceeds 65535 bytes (no jumbograms).
constexpr bool write_ipv6_header(std::span<std::uint8_t> out, const ipv6_address& source,
                                 const ipv6_address& destination, std::size_t payload_length,
                                 std::uint8_t hop_limit = 64) noexcept {
    if (out.size() < ipv6_header_size || payload_length > 65535) return false;
    out[0] = 0x60;
    out[1] = out[2] = out[3] = 0;
    detail::store_be16(&out[4], static_cast<std::uint16_t>(payload_length));
    out[6] = ip_protocol_tcp;
    out[7] = hop_limit;
    for (std::size_t i = 0; i < 16; ++i) {
        out[8 + i] = source.bytes[i];
        out[24 + i] = destination.bytes[i];
    }
    return true;
}

} // namespace synack::tcp
