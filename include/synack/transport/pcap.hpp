#pragma once
/// \file
/// Recording what a transport carries into a pcap file that Wireshark, tshark and tcpdump
/// open: `pcap_writer` writes the file, `pcap_recorder` is a transport decorator (like
/// `observed`) that writes every frame both ways into one.
///
/// ```
/// transport::pcap_recorder rec{std::move(link), "session.pcap", local_ip, remote_ip};
/// tcp::connection conn{std::move(rec), clock, isn};
/// ```
///
/// The file is the classic pcap format (pcap-savefile(5)), link type raw IP
/// (LINKTYPE_RAW, 101), written with <cstdio> rather than through libpcap: the format is
/// a 24-byte header and a 16-byte header per packet, and writing it here keeps synack
/// header-only, so a program that records a capture links nothing more. Each packet is
/// flushed as it is written, so the file is complete up to the last frame even when the
/// program is killed.
///
/// Frames of `frame_medium::ip` are written as they are. Bare segments
/// (`frame_medium::tcp_segment`, e.g. UDP encapsulation) get a synthesized IPv4 header
/// (IPv6 when an address is IPv6) with the addresses the caller gives, sent frames from
/// the local address to the remote one and received frames the other way; their TCP
/// checksum, which covered the bare pseudo-header (`tcp::detail::bare_pseudo_header`),
/// is adjusted for the pseudo-header of those addresses (RFC 9293 3.1, updated as RFC
/// 1624 3 does), so a right checksum stays right and a wrong one stays wrong.
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio> // FILE: buffered writes of the capture, no exceptions
#include <cerrno>
#include <optional>
#include <span>
#include <utility>

#include "synack/core/transport.hpp"
#include "synack/tcp/checksum.hpp"
#include "synack/tcp/detail/bytes.hpp"
#include "synack/tcp/ip.hpp"
#include "synack/tcp/segment.hpp" // header_min_size
#include "synack/transport/detail/pcap_format.hpp"

namespace synack::transport {

/// The pcap link type of raw IPv4 and IPv6 packets (LINKTYPE_RAW in the tcpdump.org list).
inline constexpr std::uint32_t linktype_raw = 101;

/// Why a capture is not being written.
enum class pcap_error : std::uint8_t {
    none,         ///< writing (or not asked to: no path was given)
    cannot_open,  ///< the file could not be created (see `system_error()` for errno)
    write_failed, ///< a write failed (disk full, I/O error): the file stops there
};

/// A pcap file being written (see the file comment for the format). Not copyable; movable.
class pcap_writer {
public:
    /// The snapshot length written in the header: no packet is ever cut (tcpdump's default).
    static constexpr std::uint32_t snaplen = 262'144;

    /// A writer that writes nothing.
    pcap_writer() noexcept = default;
    /// Creates (or truncates) `path` and writes the file header for `linktype`. A null or
    /// empty path makes a writer that writes nothing and reports no error.
    explicit pcap_writer(const char* path, std::uint32_t linktype = linktype_raw) noexcept {
        if (path == nullptr || *path == '\0') return;
        file_ = std::fopen(path, "wb");
        if (file_ == nullptr) {
            fail(pcap_error::cannot_open);
            return;
        }
        const auto header = detail::pcap_file_header(snaplen, linktype);
        if (std::fwrite(header.data(), 1, header.size(), file_) != header.size() || std::fflush(file_) != 0)
            fail(pcap_error::write_failed);
    }
    pcap_writer(const pcap_writer&) = delete;
    pcap_writer& operator=(const pcap_writer&) = delete;
    pcap_writer(pcap_writer&& other) noexcept
        : file_{std::exchange(other.file_, nullptr)}, error_{other.error_}, errno_{other.errno_}, packets_{other.packets_} {}
    pcap_writer& operator=(pcap_writer&& other) noexcept {
        if (this != &other) {
            close();
            file_ = std::exchange(other.file_, nullptr);
            error_ = other.error_;
            errno_ = other.errno_;
            packets_ = other.packets_;
        }
        return *this;
    }
    ~pcap_writer() { close(); }

    /// True while packets go to a file.
    bool is_open() const noexcept { return file_ != nullptr; }
    /// Why the writer stopped, or never started (`none` while all is well).
    pcap_error error() const noexcept { return error_; }
    /// The errno of the failure `error()` reports (0 when none).
    int system_error() const noexcept { return errno_; }
    /// Packets written so far.
    std::uint64_t packets() const noexcept { return packets_; }

    /// Writes one packet, given as consecutive pieces (an IP header, then a segment),
    /// stamped `since_epoch` (time since 1970-01-01 UTC). False when nothing is being written.
    bool write(std::chrono::nanoseconds since_epoch, std::span<const std::span<const std::uint8_t>> pieces) noexcept {
        if (file_ == nullptr) return false;
        std::size_t length = 0;
        for (const auto piece : pieces) length += piece.size();
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
        const auto header = detail::pcap_record_header(us, static_cast<std::uint32_t>(length), static_cast<std::uint32_t>(length));
        bool ok = std::fwrite(header.data(), 1, header.size(), file_) == header.size();
        for (const auto piece : pieces)
            if (ok && !piece.empty()) ok = std::fwrite(piece.data(), 1, piece.size(), file_) == piece.size();
        if (ok) ok = std::fflush(file_) == 0;
        if (!ok) {
            fail(pcap_error::write_failed);
            close();
            return false;
        }
        ++packets_;
        return true;
    }
    /// Writes one packet of one piece.
    bool write(std::chrono::nanoseconds since_epoch, std::span<const std::uint8_t> packet) noexcept {
        const std::span<const std::uint8_t> pieces[1] = {packet};
        return write(since_epoch, pieces);
    }

    /// Closes the file; later writes write nothing.
    void close() noexcept {
        if (file_ != nullptr) std::fclose(file_);
        file_ = nullptr;
    }

private:
    void fail(pcap_error e) noexcept {
        error_ = e;
        errno_ = errno;
    }

    std::FILE* file_ = nullptr;
    pcap_error error_ = pcap_error::none;
    int errno_ = 0;
    std::uint64_t packets_ = 0;
};

/// Where a capture's timestamps come from: `t()` gives the time since the Unix epoch.
template <class Source>
concept pcap_time_source = requires(Source& t) {
    { t() } -> std::convertible_to<std::chrono::nanoseconds>;
};

/// Timestamps from the system's wall clock: what a capture of a live session shows.
struct pcap_system_time {
    std::chrono::nanoseconds operator()() const noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
    }
};

/// Timestamps from a synack clock (a `core::manual_clock` in tests and virtual time):
/// its instant's distance from the clock's epoch, shown as that long after 1970-01-01.
template <class Clock>
struct pcap_clock_time {
    const Clock* clock;
    std::chrono::nanoseconds operator()() const noexcept { return clock->now().time_since_epoch(); }
};

/// The addresses of the IP headers synthesized around bare segments: `local` sends what
/// the recorded transport transmits, `remote` what it receives.
struct pcap_addresses {
    tcp::ip_address local = tcp::ipv4_address{{192, 0, 2, 1}};  ///< RFC 5737 documentation address
    tcp::ip_address remote = tcp::ipv4_address{{192, 0, 2, 2}}; ///< RFC 5737 documentation address
};

/// A transport that can say which addresses its frames travel between (e.g. a UDP
/// transport: its bound address and its peer's); a recorder given no addresses asks it.
template <class Transport>
concept reports_frame_addresses = requires(const Transport& t) {
    { t.frame_addresses().local } -> std::convertible_to<tcp::ip_address>;
    { t.frame_addresses().remote } -> std::convertible_to<tcp::ip_address>;
};

/// `Inner`, with every frame it transmits (once filled) and receives (before the consumer
/// sees it) written to a pcap file (see the file comment). A frame the link refuses
/// (`transmit` fails without calling `fill`) is not written; one the link accepts and then
/// loses is, as tcpdump shows what a stack hands to its device. A recorder whose file could
/// not be opened still carries frames: check `error()`. Not copyable; movable.
template <core::transport Inner, pcap_time_source Timestamps = pcap_system_time>
class pcap_recorder {
public:
    /// Records into `path` (a null or empty path records nothing). Bare segments are
    /// framed with the addresses `inner.frame_addresses()` gives, when it has that member,
    /// else with `pcap_addresses{}`'s documentation addresses.
    pcap_recorder(Inner inner, const char* path, Timestamps timestamps = {})
        : inner_{std::move(inner)}, writer_{path}, timestamps_{std::move(timestamps)} {}
    /// Records into `path`, framing bare segments between `local` (this side) and `remote`.
    pcap_recorder(Inner inner, const char* path, const tcp::ip_address& local, const tcp::ip_address& remote,
                  Timestamps timestamps = {})
        : inner_{std::move(inner)}, writer_{path}, timestamps_{std::move(timestamps)}, addresses_{pcap_addresses{local, remote}} {}

    /// The inner transport's `transmit`; the frame is written once `fill` has filled it.
    template <class Fill>
    core::transmit_result transmit(std::size_t len, Fill&& fill) {
        return inner_.transmit(len, [&](std::span<std::uint8_t> frame) {
            fill(frame);
            record(std::span<const std::uint8_t>{frame}, true);
        });
    }
    /// The inner transport's `receive`; the frame is written before `consume` sees it.
    template <class Consume>
    bool receive(Consume&& consume) {
        return inner_.receive([&](std::span<const std::uint8_t> frame) {
            record(frame, false);
            consume(frame);
        });
    }
    /// The inner transport's capabilities: recording changes nothing of the frames.
    core::transport_capabilities capabilities() const { return inner_.capabilities(); }

    /// The recorded transport.
    Inner& inner() noexcept { return inner_; }
    const Inner& inner() const noexcept { return inner_; }
    /// True while frames are being written.
    bool recording() const noexcept { return writer_.is_open(); }
    /// Why frames are not being written (`none` while they are, or when no path was given).
    pcap_error error() const noexcept { return writer_.error(); }
    /// The errno behind `error()`.
    int system_error() const noexcept { return writer_.system_error(); }
    /// Frames written so far.
    std::uint64_t frames() const noexcept { return writer_.packets(); }
    /// Frames bare segments from now on between other addresses.
    void set_addresses(const pcap_addresses& addresses) noexcept { addresses_ = addresses; }
    /// The addresses bare segments are framed with now.
    pcap_addresses addresses() const noexcept {
        if (addresses_) return *addresses_;
        if constexpr (reports_frame_addresses<Inner>) {
            const auto a = inner_.frame_addresses();
            return pcap_addresses{a.local, a.remote};
        } else {
            return pcap_addresses{};
        }
    }
    /// Closes the file (the transport carries on).
    void close() noexcept { writer_.close(); }

private:
    void record(std::span<const std::uint8_t> frame, bool sent) {
        if (!writer_.is_open()) return;
        const auto caps = inner_.capabilities();
        const auto now = std::chrono::nanoseconds{timestamps_()};
        if (caps.medium == core::frame_medium::ip || frame.size() < tcp::header_min_size ||
            frame.size() > 65535 - tcp::ipv6_header_size) {
            writer_.write(now, frame);
            return;
        }
        const pcap_addresses a = addresses();
        const tcp::ip_address& source = sent ? a.local : a.remote;
        const tcp::ip_address& destination = sent ? a.remote : a.local;
        const bool v6 = source.v6 || destination.v6;
        std::uint8_t ip[tcp::ipv6_header_size]{};
        std::size_t ip_size = 0;
        std::uint32_t addresses_sum = 0;
        if (v6) {
            const tcp::ipv6_address s = as_v6(source), d = as_v6(destination);
            tcp::write_ipv6_header(ip, s, d, frame.size());
            ip_size = tcp::ipv6_header_size;
            addresses_sum = tcp::checksum_add(d.bytes, tcp::checksum_add(s.bytes));
        } else {
            tcp::write_ipv4_header(ip, source.v4(), destination.v4(), frame.size(), identification_++);
            ip_size = tcp::ipv4_header_size;
            addresses_sum = tcp::checksum_add(destination.v4().bytes, tcp::checksum_add(source.v4().bytes));
        }
        std::uint16_t checksum = tcp::detail::load_be16(&frame[16]);
        if (sent && caps.checksum.tx) {
            // The link was to fill it in and left it as the connection wrote it: compute it whole.
            std::uint32_t sum = tcp::checksum_add(frame.first(16), addresses_sum);
            sum = tcp::checksum_add(frame.subspan(18), sum);
            sum = tcp::checksum_add_u32(static_cast<std::uint32_t>(frame.size()), sum);
            checksum = tcp::checksum_finish(tcp::checksum_add_u16(tcp::ip_protocol_tcp, sum));
        } else {
            // The bare pseudo-header's addresses are zero: add the real ones (RFC 1624 3, eqn. 3).
            checksum = tcp::checksum_finish(tcp::checksum_add_u16(static_cast<std::uint16_t>(~checksum), addresses_sum));
        }
        std::uint8_t field[2]{};
        tcp::detail::store_be16(field, checksum);
        const std::span<const std::uint8_t> pieces[4] = {
            std::span<const std::uint8_t>{ip, ip_size}, frame.first(16), field, frame.subspan(18)};
        writer_.write(now, pieces);
    }

    static tcp::ipv6_address as_v6(const tcp::ip_address& a) noexcept {
        if (a.v6) return a.bytes;
        tcp::ipv6_address mapped{}; // RFC 4291 2.5.5.2: ::ffff:a.b.c.d
        mapped.bytes[10] = mapped.bytes[11] = 0xff;
        for (std::size_t i = 0; i < 4; ++i) mapped.bytes[12 + i] = a.bytes.bytes[i];
        return mapped;
    }

    Inner inner_;
    pcap_writer writer_;
    Timestamps timestamps_;
    std::optional<pcap_addresses> addresses_{};
    std::uint16_t identification_ = 0;
};

} // namespace synack::transport
