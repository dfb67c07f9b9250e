#pragma once
/// \file
/// A Linux TUN device as a synack transport: every frame is one IPv4 or IPv6 packet
/// (IFF_TUN with IFF_NO_PI, so no packet-information prefix), written to and read from
/// the device's file descriptor without blocking. The Linux kernel sits on the other
/// end of the device, so a synack connection over it talks to the kernel's own TCP.
///
/// ```
/// transport::tun_device dev;
/// const auto opened = dev.open("synack0"); // attaches to synack0, or creates it
/// if (!opened) return to_string(opened.error());
/// tcp::connection c{std::move(dev), clock, isn};
/// ```
///
/// `tun_device` owns the descriptor (RAII; moves, never copies) and two frame buffers
/// inline, so it neither allocates nor throws; every failure is a typed `tun_error`, with
/// the system's `errno` kept for messages (`last_system_error`). Only this header, among
/// synack's transports, calls the operating system: Linux's TUN driver
/// (Documentation/networking/tuntap.rst), the SIOC*IF* interface ioctls and poll(2).

#if !defined(__linux__)
#error "synack/transport/tun.hpp: TUN devices are a Linux interface (linux/if_tun.h)"
#endif

#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring> // std::memcpy of addresses into the ioctl structures
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <linux/if_tun.h> // TUNSETIFF, TUNGETIFF, IFF_TUN, IFF_NO_PI
#include <linux/ipv6.h>   // in6_ifreq: an IPv6 address for SIOCSIFADDR
#include <net/if.h>       // ifreq, IFNAMSIZ, if_nametoindex
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "synack/core/clock.hpp"
#include "synack/core/result.hpp"
#include "synack/core/transport.hpp"
#include "synack/tcp/ip.hpp"

namespace synack::transport {

/// Why a TUN device call failed. `none` is the answer of a status call that succeeded.
enum class tun_error : std::uint8_t {
    none,              ///< the call succeeded
    invalid_name,      ///< empty, longer than IFNAMSIZ - 1 (15) bytes, ".", "..", or with '/', ':' or whitespace (the kernel's dev_valid_name)
    no_tun_driver,     ///< /dev/net/tun is missing, or the kernel has no TUN driver (ENOENT, ENODEV, ENXIO)
    permission_denied, ///< creating, attaching to or configuring a device needs CAP_NET_ADMIN or the device's owner (EPERM, EACCES)
    no_such_device,    ///< no device of that name, and creating one was not asked for; or it disappeared
    busy,              ///< the device is attached to another file already (EBUSY)
    not_a_tun,         ///< a device of that name exists but is not a TUN device without packet information (a TAP device, an Ethernet link)
    bad_address,       ///< an address or prefix length the call cannot use (a prefix longer than the family's address)
    bad_mtu,           ///< an MTU outside what an IP link can carry (68 to 65535 bytes, RFC 791 and RFC 8200 5 for IPv6's 1280)
    closed,            ///< the call needs an open device
    system,            ///< any other failure of the system: see `tun_device::last_system_error`
};

/// The name of a `tun_error`, for messages.
constexpr std::string_view to_string(tun_error e) noexcept {
    switch (e) {
    case tun_error::none: return "none";
    case tun_error::invalid_name: return "invalid device name";
    case tun_error::no_tun_driver: return "no TUN driver (/dev/net/tun)";
    case tun_error::permission_denied: return "permission denied (CAP_NET_ADMIN)";
    case tun_error::no_such_device: return "no such device";
    case tun_error::busy: return "device busy";
    case tun_error::not_a_tun: return "not a TUN device";
    case tun_error::bad_address: return "bad address";
    case tun_error::bad_mtu: return "bad MTU";
    case tun_error::closed: return "device closed";
    case tun_error::system: return "system error";
    }
    return "unknown";
}

/// How `tun_device::open` finds its device.
enum class tun_open_mode : std::uint8_t {
    attach_or_create, ///< attach to the device of that name, creating it when there is none
    attach,           ///< attach to an existing device only (`no_such_device` otherwise)
};

/// What an open TUN device is.
struct tun_info {
    std::array<char, IFNAMSIZ> name_bytes{}; ///< the interface name, NUL-terminated
    unsigned index = 0;                      ///< the interface index (0 when unknown)
    std::size_t mtu = 0;                     ///< the link MTU: the largest IP packet, header included
    /// True when `open` created the device: it lives only as long as this descriptor,
    /// and starts down and without addresses (see `set_up`, `add_address`).
    bool created = false;

    /// The interface name.
    constexpr std::string_view name() const noexcept {
        std::size_t n = 0;
        while (n < name_bytes.size() && name_bytes[n] != '\0') ++n;
        return {name_bytes.data(), n};
    }
};

/// What a TUN device carried, and what it refused.
struct tun_counters {
    std::uint64_t frames_sent = 0;      ///< frames the kernel took from `transmit`
    std::uint64_t frames_received = 0;  ///< frames `receive` handed to a consumer
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t too_large = 0;        ///< `transmit` calls refused for exceeding the MTU (the frame was not built)
    std::uint64_t send_failures = 0;    ///< frames the kernel refused after they were built: full queue, link down, not IP
    std::uint64_t receive_failures = 0; ///< reads that failed with something else than "nothing ready"

    friend constexpr bool operator==(const tun_counters&, const tun_counters&) noexcept = default;
};

namespace detail {

/// Interface names the kernel accepts (net/core/dev.c, dev_valid_name): 1 to 15 bytes,
/// not "." or "..", without '/', ':' or whitespace.
constexpr bool valid_interface_name(std::string_view name) noexcept {
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
    for (const char c : name)
        if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0')
            return false;
    return true;
}

/// The TUN error an errno of open(2) or TUNSETIFF means.
constexpr tun_error from_errno(int error) noexcept {
    switch (error) {
    case ENOENT:
    case ENXIO: return tun_error::no_tun_driver;
    case ENODEV: return tun_error::no_such_device;
    case EPERM:
    case EACCES: return tun_error::permission_denied;
    case EBUSY: return tun_error::busy;
    default: return tun_error::system;
    }
}

/// A datagram socket for the interface ioctls, closed when it goes out of scope.
class ioctl_socket {
public:
    explicit ioctl_socket(int family) noexcept : fd_{::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)} {}
    ioctl_socket(const ioctl_socket&) = delete;
    ioctl_socket& operator=(const ioctl_socket&) = delete;
    ~ioctl_socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

/// The largest frame a TUN device carries: the largest IP packet without jumbograms (RFC 791, RFC 8200).
inline constexpr std::size_t tun_max_frame = 65535;

} // namespace detail

/// A Linux TUN device (see the file comment); models `core::transport` with
/// `frame_medium::ip` and the device's MTU. A default-constructed device is closed:
/// `transmit` fails with `link_down` and `receive` finds nothing until `open` or `adopt`.
class tun_device {
public:
    /// The largest frame a TUN device carries, and the size of each inline buffer.
    static constexpr std::size_t max_frame = detail::tun_max_frame;
    /// The smallest MTU an IPv4 link may have (RFC 791: every module must forward 68-byte datagrams).
    static constexpr std::size_t min_mtu = 68;

    /// A closed device.
    tun_device() noexcept = default;
    tun_device(const tun_device&) = delete;
    tun_device& operator=(const tun_device&) = delete;
    /// Takes over `other`'s descriptor; `other` is left closed.
    tun_device(tun_device&& other) noexcept
        : fd_{std::exchange(other.fd_, -1)}, info_{std::exchange(other.info_, {})}, counters_{other.counters_},
          last_errno_{other.last_errno_} {}
    /// Closes this device and takes over `other`'s descriptor.
    tun_device& operator=(tun_device&& other) noexcept {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
            info_ = std::exchange(other.info_, {});
            counters_ = other.counters_;
            last_errno_ = other.last_errno_;
        }
        return *this;
    }
    /// Closes the descriptor; a device `open` created disappears with it.
    ~tun_device() { close(); }

    /// Attaches to the TUN device `name` (IFF_TUN | IFF_NO_PI), creating it when none
    /// exists and `mode` allows, and reads its MTU (SIOCGIFMTU). The descriptor is
    /// non-blocking and close-on-exec. A device open before is closed first.
    [[nodiscard]] core::result<tun_info, tun_error> open(std::string_view name,
                                                         tun_open_mode mode = tun_open_mode::attach_or_create) noexcept {
        close();
        if (!detail::valid_interface_name(name)) return failure(tun_error::invalid_name);
        tun_info info{};
        std::memcpy(info.name_bytes.data(), name.data(), name.size());
        const bool existed = ::if_nametoindex(info.name_bytes.data()) != 0;
        if (!existed && mode == tun_open_mode::attach) return fail(tun_error::no_such_device, ENODEV);

        const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) return fail(detail::from_errno(errno), errno);
        ifreq request{};
        std::memcpy(request.ifr_name, info.name_bytes.data(), IFNAMSIZ);
        request.ifr_flags = IFF_TUN | IFF_NO_PI;
        if (::ioctl(fd, TUNSETIFF, &request) < 0) {
            const int error = errno;
            ::close(fd);
            // EINVAL: the name belongs to a device of another kind, or to a TUN device with other flags.
            return fail(error == EINVAL ? tun_error::not_a_tun : detail::from_errno(error), error);
        }
        fd_ = fd;
        // The kernel may have completed a name pattern such as "tun%d".
        std::memcpy(info.name_bytes.data(), request.ifr_name, IFNAMSIZ);
        info.name_bytes[IFNAMSIZ - 1] = '\0';
        info.created = !existed;
        info.index = ::if_nametoindex(info.name_bytes.data());
        info_ = info;
        if (const auto mtu = query_mtu(); !mtu) {
            const auto error = mtu.error();
            close();
            return failure(error);
        } else {
            info_.mtu = *mtu;
        }
        return info_;
    }

    /// Takes ownership of `fd`, a TUN descriptor opened elsewhere (inherited, or passed
    /// over a Unix socket by a privileged helper), and makes it non-blocking. `mtu` 0
    /// reads the MTU of the device the descriptor is attached to (TUNGETIFF, SIOCGIFMTU).
    /// On failure the caller keeps `fd`.
    [[nodiscard]] core::result<tun_info, tun_error> adopt(int fd, std::size_t mtu = 0) noexcept {
        if (fd < 0) return fail(tun_error::closed, EBADF);
        if (mtu != 0 && (mtu < min_mtu || mtu > max_frame)) return failure(tun_error::bad_mtu);
        const int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0) return fail(tun_error::system, errno);
        tun_info info{};
        ifreq request{};
        if (::ioctl(fd, TUNGETIFF, &request) == 0) { // not a TUN descriptor: no name, the caller's MTU
            std::memcpy(info.name_bytes.data(), request.ifr_name, IFNAMSIZ);
            info.name_bytes[IFNAMSIZ - 1] = '\0';
            info.index = ::if_nametoindex(info.name_bytes.data());
        } else if (mtu == 0) {
            return fail(tun_error::not_a_tun, errno);
        }
        if ((flags & O_NONBLOCK) == 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return fail(tun_error::system, errno);
        close();
        fd_ = fd;
        info_ = info;
        if (mtu != 0) {
            info_.mtu = mtu;
        } else if (const auto queried = query_mtu()) {
            info_.mtu = *queried;
        } else {
            fd_ = -1; // the caller keeps the descriptor
            info_ = {};
            return failure(queried.error());
        }
        return info_;
    }

    /// Closes the descriptor (a device `open` created is removed by the kernel).
    void close() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        info_ = {};
    }

    /// True while a descriptor is open.
    bool is_open() const noexcept { return fd_ >= 0; }
    /// The descriptor, for a program's own poll loop (-1 when closed). Still owned by the device.
    int native_handle() const noexcept { return fd_; }
    /// The device's name, index, MTU, and whether `open` created it.
    const tun_info& info() const noexcept { return info_; }
    /// What the device carried and refused.
    const tun_counters& counters() const noexcept { return counters_; }
    /// The `errno` of the last failed system call (0 if none failed), for messages.
    int last_system_error() const noexcept { return last_errno_; }

    /// Reads the device's MTU again (SIOCGIFMTU), for when someone changed it, and returns it.
    [[nodiscard]] core::result<std::size_t, tun_error> refresh_mtu() noexcept {
        const auto mtu = query_mtu();
        if (mtu) info_.mtu = *mtu;
        return mtu;
    }

    /// Brings the interface up (IFF_UP, as `ip link set DEV up`): a created device starts down.
    [[nodiscard]] tun_error set_up() noexcept {
        if (!is_open()) return tun_error::closed;
        const detail::ioctl_socket sock{AF_INET};
        if (sock.get() < 0) return fail_status(tun_error::system, errno);
        ifreq request = named_request();
        if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) < 0) return fail_status(detail::from_errno(errno), errno);
        request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
        if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) < 0) return fail_status(detail::from_errno(errno), errno);
        return tun_error::none;
    }

    /// Gives the kernel's end of the device `address` with a prefix of `prefix_length`
    /// bits (`ip addr add ADDRESS/PREFIX dev DEV`), so the kernel routes that subnet into
    /// the device. An IPv4 address may instead name the point-to-point `peer` (the
    /// address synack uses): `ip addr add ADDRESS peer PEER dev DEV`, prefix ignored.
    [[nodiscard]] tun_error add_address(const tcp::ip_address& address, unsigned prefix_length,
                                        std::optional<tcp::ip_address> peer = std::nullopt) noexcept {
        if (!is_open()) return tun_error::closed;
        if (address.v6) return add_ipv6_address(address, prefix_length, peer);
        if (prefix_length > 32 || (peer && peer->v6)) return tun_error::bad_address;
        const detail::ioctl_socket sock{AF_INET};
        if (sock.get() < 0) return fail_status(tun_error::system, errno);
        ifreq request = named_request();
        set_ipv4(request.ifr_addr, address.v4().bytes.data());
        if (::ioctl(sock.get(), SIOCSIFADDR, &request) < 0) return fail_status(detail::from_errno(errno), errno);
        if (peer) {
            request = named_request();
            set_ipv4(request.ifr_dstaddr, peer->v4().bytes.data());
            if (::ioctl(sock.get(), SIOCSIFDSTADDR, &request) < 0) return fail_status(detail::from_errno(errno), errno);
            return tun_error::none;
        }
        const std::uint32_t mask = prefix_length == 0 ? 0u : ~std::uint32_t{0} << (32 - prefix_length);
        const std::array<std::uint8_t, 4> mask_bytes{static_cast<std::uint8_t>(mask >> 24), static_cast<std::uint8_t>(mask >> 16),
                                                     static_cast<std::uint8_t>(mask >> 8), static_cast<std::uint8_t>(mask)};
        request = named_request();
        set_ipv4(request.ifr_netmask, mask_bytes.data());
        if (::ioctl(sock.get(), SIOCSIFNETMASK, &request) < 0) return fail_status(detail::from_errno(errno), errno);
        return tun_error::none;
    }

    /// Waits up to `timeout` for a frame to read (poll(2)); true when one is ready, false
    /// on timeout or when a signal interrupted the wait. A negative timeout waits forever.
    [[nodiscard]] core::result<bool, tun_error> wait(core::duration timeout) noexcept {
        if (!is_open()) return failure(tun_error::closed);
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, poll_timeout_ms(timeout));
        if (ready < 0) {
            if (errno == EINTR) return false;
            return fail(tun_error::system, errno);
        }
        if (ready > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 && (p.revents & POLLIN) == 0)
            return fail(tun_error::no_such_device, ENODEV);
        return ready > 0;
    }

    /// The milliseconds poll(2) takes for `timeout`, rounded up so a wake-up is never
    /// early for a deadline; negative stays -1 (forever), and the largest is about 24 days.
    static constexpr int poll_timeout_ms(core::duration timeout) noexcept {
        if (timeout < core::duration::zero()) return -1;
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
        constexpr long long largest = 0x7fffffff;
        return static_cast<int>(ms > largest ? largest : ms);
    }

    // ---- core::transport ----

    /// Builds a frame of `len` bytes with `fill` in the device's transmit buffer and
    /// writes it to the kernel. `too_large` beyond the MTU and `link_down` on a closed
    /// device, without calling `fill`. The kernel reports the rest after the frame was
    /// built: `no_buffer` for a full queue, or a frame it refuses (not IPv4 or IPv6);
    /// `link_down` when the interface is down or gone. Either way the frame is dropped.
    template <class Fill>
    core::transmit_result transmit(std::size_t len, Fill&& fill) {
        if (!is_open()) return failure(core::transport_error::link_down);
        if (len > info_.mtu || len > max_frame) {
            ++counters_.too_large;
            return failure(core::transport_error::too_large);
        }
        const std::span<std::uint8_t> frame{transmit_buffer_.data(), len};
        fill(frame);
        for (;;) {
            const ::ssize_t written = ::write(fd_, frame.data(), frame.size());
            if (written == static_cast<::ssize_t>(len)) break;
            if (written < 0 && errno == EINTR) continue;
            ++counters_.send_failures;
            last_errno_ = written < 0 ? errno : EIO;
            switch (last_errno_) {
            case EIO:     // the interface is down
            case EBADFD:  // the device was deleted
            case ENODEV:
            case EBADF:
            case EPIPE:
            case ECONNRESET: return failure(core::transport_error::link_down);
            default: return failure(core::transport_error::no_buffer);
            }
        }
        ++counters_.frames_sent;
        counters_.bytes_sent += len;
        return len;
    }

    /// Reads one frame from the kernel, if one is ready, and calls `consume` with it.
    template <class Consume>
    bool receive(Consume&& consume) {
        if (!is_open()) return false;
        for (;;) {
            const ::ssize_t n = ::read(fd_, receive_buffer_.data(), receive_buffer_.size());
            if (n > 0) {
                ++counters_.frames_received;
                counters_.bytes_received += static_cast<std::uint64_t>(n);
                consume(std::span<const std::uint8_t>{receive_buffer_.data(), static_cast<std::size_t>(n)});
                return true;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
            ++counters_.receive_failures; // the device is gone (EBADFD), or the descriptor's peer closed (0)
            last_errno_ = n < 0 ? errno : EPIPE;
            return false;
        }
    }

    /// IP frames of at most the device's MTU; checksums are computed and verified by
    /// synack (the kernel fills them on what it sends into a TUN device without offloads).
    core::transport_capabilities capabilities() const noexcept {
        return {.mtu = info_.mtu, .medium = core::frame_medium::ip, .checksum = {}};
    }

private:
    ifreq named_request() const noexcept {
        ifreq request{};
        std::memcpy(request.ifr_name, info_.name_bytes.data(), IFNAMSIZ);
        return request;
    }
    static void set_ipv4(sockaddr& out, const std::uint8_t* bytes) noexcept {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        std::memcpy(&in.sin_addr, bytes, 4);
        std::memcpy(&out, &in, sizeof in);
    }
    core::result<std::size_t, tun_error> query_mtu() noexcept {
        if (!is_open()) return failure(tun_error::closed);
        const detail::ioctl_socket sock{AF_INET};
        if (sock.get() < 0) return fail(tun_error::system, errno);
        ifreq request = named_request();
        if (::ioctl(sock.get(), SIOCGIFMTU, &request) < 0) return fail(detail::from_errno(errno), errno);
        const auto mtu = static_cast<std::size_t>(request.ifr_mtu > 0 ? request.ifr_mtu : 0);
        if (mtu < min_mtu) return failure(tun_error::bad_mtu);
        return mtu > max_frame ? max_frame : mtu;
    }
    tun_error add_ipv6_address(const tcp::ip_address& address, unsigned prefix_length,
                               const std::optional<tcp::ip_address>& peer) noexcept {
        if (prefix_length > 128 || peer) return tun_error::bad_address; // IPv6 on a TUN device: a prefix, no peer
        if (info_.index == 0) return tun_error::no_such_device;
        const detail::ioctl_socket sock{AF_INET6};
        if (sock.get() < 0) return fail_status(tun_error::system, errno);
        in6_ifreq request{};
        std::memcpy(&request.ifr6_addr, address.bytes.bytes.data(), 16);
        request.ifr6_prefixlen = prefix_length;
        request.ifr6_ifindex = static_cast<int>(info_.index);
        if (::ioctl(sock.get(), SIOCSIFADDR, &request) < 0) return fail_status(detail::from_errno(errno), errno);
        return tun_error::none;
    }
    core::failure<tun_error> fail(tun_error e, int error) noexcept {
        last_errno_ = error;
        return core::failure(e);
    }
    tun_error fail_status(tun_error e, int error) noexcept {
        last_errno_ = error;
        return e;
    }
    template <class E>
    static core::failure<E> failure(E e) noexcept {
        return core::failure(e);
    }

    int fd_ = -1;
    tun_info info_{};
    tun_counters counters_{};
    int last_errno_ = 0;
    std::array<std::uint8_t, max_frame> transmit_buffer_{};
    std::array<std::uint8_t, max_frame> receive_buffer_{};
};

} // namespace synack::transport
