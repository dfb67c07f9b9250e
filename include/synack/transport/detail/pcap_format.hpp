#pragma once
// The classic pcap file format (libpcap's savefile, "tcpdump format"): a 24-byte file
// header, then per packet a 16-byte record header and the packet's bytes. Every field
// is in the writer's byte order; the magic number tells a reader which order that was.
// Described by the pcap-savefile(5) manual page and draft-ietf-opsawg-pcap.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring> // std::memcpy: fields in host byte order without aliasing tricks

namespace synack::transport::detail {

/// Magic number of a file with microsecond timestamps (the one every reader knows).
inline constexpr std::uint32_t pcap_magic_microseconds = 0xa1b2c3d4u;
inline constexpr std::uint16_t pcap_version_major = 2;
inline constexpr std::uint16_t pcap_version_minor = 4;
inline constexpr std::size_t pcap_file_header_size = 24;
inline constexpr std::size_t pcap_record_header_size = 16;

inline void pcap_put32(std::uint8_t* at, std::uint32_t value) noexcept { std::memcpy(at, &value, 4); }
inline void pcap_put16(std::uint8_t* at, std::uint16_t value) noexcept { std::memcpy(at, &value, 2); }

/// The file header: magic, version 2.4, time zone and accuracy 0, snapshot length, link type.
inline std::array<std::uint8_t, pcap_file_header_size> pcap_file_header(std::uint32_t snaplen,
                                                                        std::uint32_t linktype) noexcept {
    std::array<std::uint8_t, pcap_file_header_size> h{};
    pcap_put32(&h[0], pcap_magic_microseconds);
    pcap_put16(&h[4], pcap_version_major);
    pcap_put16(&h[6], pcap_version_minor);
    pcap_put32(&h[8], 0);  // thiszone: timestamps are UTC
    pcap_put32(&h[12], 0); // sigfigs: always 0
    pcap_put32(&h[16], snaplen);
    pcap_put32(&h[20], linktype);
    return h;
}

/// A record header: seconds and microseconds since the Unix epoch, bytes stored, bytes on the wire.
inline std::array<std::uint8_t, pcap_record_header_size> pcap_record_header(std::int64_t microseconds,
                                                                            std::uint32_t captured,
                                                                            std::uint32_t original) noexcept {
    std::array<std::uint8_t, pcap_record_header_size> h{};
    if (microseconds < 0) microseconds = 0; // before 1970: not representable in the format
    pcap_put32(&h[0], static_cast<std::uint32_t>(microseconds / 1'000'000));
    pcap_put32(&h[4], static_cast<std::uint32_t>(microseconds % 1'000'000));
    pcap_put32(&h[8], captured);
    pcap_put32(&h[12], original);
    return h;
}

} // namespace synack::transport::detail
