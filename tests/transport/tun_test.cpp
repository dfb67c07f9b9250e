// The TUN transport without a TUN device: name checks, a closed device, and the frame
// path over a descriptor it adopts. A SOCK_SEQPACKET socket pair stands in for the
// device's descriptor (one read or write per whole frame, as on /dev/net/tun), so
// these tests need no privilege. The real device, with the kernel as peer, is tested by
// tests/interop (ctest label interop).
#include "support/catch.hpp"

#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/isn.hpp>
#include <synack/transport/tun.hpp>

#include <array>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace synack;
using namespace std::chrono_literals;
using transport::tun_device;
using transport::tun_error;

static_assert(core::transport<tun_device>, "a TUN device is a transport");

namespace {

// Two descriptors that carry whole frames, as a TUN descriptor does; closed on exit.
struct frame_socket_pair {
    int fds[2] = {-1, -1};
    frame_socket_pair() {
        std::signal(SIGPIPE, SIG_IGN); // a write to a closed socket must return EPIPE, not end the test
        REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0);
    }
    frame_socket_pair(const frame_socket_pair&) = delete;
    frame_socket_pair& operator=(const frame_socket_pair&) = delete;
    ~frame_socket_pair() {
        for (const int fd : fds)
            if (fd >= 0) ::close(fd);
    }
    // Hands descriptor i to its new owner.
    int release(int i) { return std::exchange(fds[i], -1); }
};

std::vector<std::uint8_t> pattern(std::size_t len) {
    std::vector<std::uint8_t> bytes(len);
    for (std::size_t i = 0; i < len; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return bytes;
}

std::vector<std::vector<std::uint8_t>> drain(tun_device& dev) {
    std::vector<std::vector<std::uint8_t>> frames;
    while (dev.receive([&](std::span<const std::uint8_t> f) { frames.emplace_back(f.begin(), f.end()); })) {
    }
    return frames;
}

bool descriptor_open(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

} // namespace

TEST_CASE("a closed TUN device sends nothing, receives nothing and reports its link down", "[transport][tun]") {
    tun_device dev;
    CHECK_FALSE(dev.is_open());
    CHECK(dev.native_handle() == -1);
    bool filled = false;
    const auto sent = dev.transmit(40, [&](std::span<std::uint8_t>) { filled = true; });
    REQUIRE_FALSE(sent);
    CHECK(sent.error() == core::transport_error::link_down);
    CHECK_FALSE(filled);
    CHECK_FALSE(dev.receive([](std::span<const std::uint8_t>) { FAIL("a closed device delivered a frame"); }));
    CHECK(dev.capabilities().medium == core::frame_medium::ip);
    CHECK(dev.set_up() == tun_error::closed);
    CHECK(dev.add_address(*tcp::ip_address::parse("10.77.0.1"), 24) == tun_error::closed);
    const auto waited = dev.wait(1ms);
    REQUIRE_FALSE(waited);
    CHECK(waited.error() == tun_error::closed);
}

TEST_CASE("a name the kernel would refuse is an invalid_name error and opens nothing", "[transport][tun]") {
    using namespace std::string_view_literals;
    for (const auto name : {""sv, "sixteen-bytes-xx"sv, "a/b"sv, "a b"sv, "tab\tname"sv, "."sv, ".."sv, "eth0:1"sv}) {
        CAPTURE(name);
        tun_device dev;
        const auto opened = dev.open(name);
        REQUIRE_FALSE(opened);
        CHECK(opened.error() == tun_error::invalid_name);
        CHECK_FALSE(dev.is_open());
    }
    CHECK(transport::detail::valid_interface_name("synack0"));
    CHECK(transport::detail::valid_interface_name("fifteen-bytes-x"));
    CHECK(transport::detail::valid_interface_name("tun%d"));
}

TEST_CASE("attaching to a device that does not exist is no_such_device and creates nothing", "[transport][tun]") {
    tun_device dev;
    const auto opened = dev.open("snk-absent-7f3", transport::tun_open_mode::attach);
    REQUIRE_FALSE(opened);
    CHECK(opened.error() == tun_error::no_such_device);
    CHECK_FALSE(dev.is_open());
    CHECK(::if_nametoindex("snk-absent-7f3") == 0);
}

TEST_CASE("every TUN error has a name of its own", "[transport][tun]") {
    std::vector<std::string_view> names;
    for (int e = 0; e <= static_cast<int>(tun_error::system); ++e) {
        const auto name = transport::to_string(static_cast<tun_error>(e));
        CHECK(name != "unknown");
        for (const auto other : names) CHECK(other != name);
        names.push_back(name);
    }
}

TEST_CASE("poll timeouts round up to whole milliseconds, so a deadline is never woken for early", "[transport][tun]") {
    STATIC_REQUIRE(tun_device::poll_timeout_ms(core::duration{0}) == 0);
    STATIC_REQUIRE(tun_device::poll_timeout_ms(1ns) == 1);
    STATIC_REQUIRE(tun_device::poll_timeout_ms(1ms) == 1);
    STATIC_REQUIRE(tun_device::poll_timeout_ms(1500us) == 2);
    STATIC_REQUIRE(tun_device::poll_timeout_ms(-1ns) == -1);
    STATIC_REQUIRE(tun_device::poll_timeout_ms(core::duration::max()) == 0x7fffffff);
}

TEST_CASE("an adopted descriptor that is not a TUN device needs a valid MTU, and stays the caller's on failure", "[transport][tun]") {
    frame_socket_pair pair;
    tun_device dev;
    const auto no_mtu = dev.adopt(pair.fds[0]);
    REQUIRE_FALSE(no_mtu);
    CHECK(no_mtu.error() == tun_error::not_a_tun);
    const auto tiny = dev.adopt(pair.fds[0], 40);
    REQUIRE_FALSE(tiny);
    CHECK(tiny.error() == tun_error::bad_mtu);
    const auto huge = dev.adopt(pair.fds[0], 70000);
    REQUIRE_FALSE(huge);
    CHECK(huge.error() == tun_error::bad_mtu);
    CHECK_FALSE(dev.is_open());
    CHECK(descriptor_open(pair.fds[0]));
    const auto negative = dev.adopt(-1, 1500);
    REQUIRE_FALSE(negative);
    CHECK(negative.error() == tun_error::closed);
}

TEST_CASE("frames go out byte-exact, one write each, and come in whole, one per receive", "[transport][tun]") {
    frame_socket_pair pair;
    tun_device dev;
    const auto adopted = dev.adopt(pair.release(0), 1500);
    REQUIRE(adopted);
    CHECK(adopted->mtu == 1500);
    CHECK(dev.capabilities() == core::transport_capabilities{.mtu = 1500, .medium = core::frame_medium::ip, .checksum = {}});
    CHECK((::fcntl(dev.native_handle(), F_GETFL) & O_NONBLOCK) != 0);

    const auto out = pattern(1500);
    const auto sent = core::transmit_copy(dev, out);
    REQUIRE(sent);
    CHECK(*sent == 1500);
    std::array<std::uint8_t, 2000> got{};
    REQUIRE(::read(pair.fds[1], got.data(), got.size()) == 1500);
    CHECK(std::vector<std::uint8_t>(got.begin(), got.begin() + 1500) == out);

    CHECK_FALSE(dev.receive([](std::span<const std::uint8_t>) { FAIL("nothing was written"); }));
    const auto first = pattern(60), second = pattern(1400);
    REQUIRE(::write(pair.fds[1], first.data(), first.size()) == 60);
    REQUIRE(::write(pair.fds[1], second.data(), second.size()) == 1400);
    const auto frames = drain(dev);
    REQUIRE(frames.size() == 2);
    CHECK(frames[0] == first);
    CHECK(frames[1] == second);
    CHECK(dev.counters().frames_sent == 1);
    CHECK(dev.counters().bytes_sent == 1500);
    CHECK(dev.counters().frames_received == 2);
    CHECK(dev.counters().bytes_received == 1460);
}

TEST_CASE("a frame longer than the MTU is refused before it is built", "[transport][tun]") {
    frame_socket_pair pair;
    tun_device dev;
    REQUIRE(dev.adopt(pair.release(0), 576));
    bool filled = false;
    const auto sent = dev.transmit(577, [&](std::span<std::uint8_t>) { filled = true; });
    REQUIRE_FALSE(sent);
    CHECK(sent.error() == core::transport_error::too_large);
    CHECK_FALSE(filled);
    CHECK(dev.counters().too_large == 1);
    CHECK(dev.counters().frames_sent == 0);
    CHECK(dev.transmit(576, [&](std::span<std::uint8_t> f) { filled = f.size() == 576; }));
    CHECK(filled);
}

TEST_CASE("wait reports a ready frame, and times out when there is none", "[transport][tun]") {
    frame_socket_pair pair;
    tun_device dev;
    REQUIRE(dev.adopt(pair.release(0), 1500));
    const auto start = std::chrono::steady_clock::now();
    const auto idle = dev.wait(20ms);
    REQUIRE(idle);
    CHECK_FALSE(*idle);
    CHECK(std::chrono::steady_clock::now() - start >= 20ms);
    const std::uint8_t byte = 0x45;
    REQUIRE(::write(pair.fds[1], &byte, 1) == 1);
    const auto ready = dev.wait(1s);
    REQUIRE(ready);
    CHECK(*ready);
}

TEST_CASE("a peer that closed its end takes the link down", "[transport][tun]") {
    frame_socket_pair pair;
    tun_device dev;
    REQUIRE(dev.adopt(pair.release(0), 1500));
    ::close(pair.release(1));
    const auto sent = core::transmit_copy(dev, pattern(40));
    REQUIRE_FALSE(sent);
    CHECK(sent.error() == core::transport_error::link_down);
    CHECK(dev.counters().send_failures == 1);
    CHECK(dev.last_system_error() == EPIPE);
    CHECK_FALSE(dev.receive([](std::span<const std::uint8_t>) { FAIL("a closed peer delivered a frame"); }));
}

TEST_CASE("moving a device hands its descriptor over and leaves the source closed", "[transport][tun]") {
    frame_socket_pair pair;
    tun_device first;
    REQUIRE(first.adopt(pair.release(0), 1280));
    const int fd = first.native_handle();
    tun_device second{std::move(first)};
    CHECK_FALSE(first.is_open()); // NOLINT(bugprone-use-after-move): a moved-from device is closed, by contract
    CHECK(second.native_handle() == fd);
    CHECK(second.capabilities().mtu == 1280);
    tun_device third;
    third = std::move(second);
    CHECK(third.native_handle() == fd);
    CHECK(descriptor_open(fd));
    third.close();
    CHECK_FALSE(descriptor_open(fd));
}

namespace {

using tun_connection = tcp::connection<tun_device, core::manual_clock, tcp::fixed_isn, 8192, 8192>;

// Two connections over the two ends of a frame socket pair, the listener at 10.77.0.1:7.
struct adopted_link {
    frame_socket_pair pair;
    core::manual_clock clock;
    tcp::fixed_isn isn_a{tcp::seq_number{1000}}, isn_b{tcp::seq_number{5000}};
    tun_device a_dev, b_dev;
    std::optional<tun_connection> a, b;
    const tcp::endpoint at_a{*tcp::ip_address::parse("10.77.0.2"), 40000}, at_b{*tcp::ip_address::parse("10.77.0.1"), 7};

    adopted_link() {
        REQUIRE(a_dev.adopt(pair.release(0), 1500));
        REQUIRE(b_dev.adopt(pair.release(1), 1500));
        a.emplace(std::move(a_dev), clock, isn_a);
        b.emplace(std::move(b_dev), clock, isn_b);
    }
    // Polls both ends until neither has a frame left.
    void run() {
        for (int i = 0; i < 100 && (a->poll() + b->poll()) > 0; ++i) {
        }
    }
    void open() {
        REQUIRE(b->listen(at_b) == tcp::call_error::none);
        REQUIRE(a->open(at_a, at_b) == tcp::call_error::none);
        run();
        REQUIRE(a->state() == tcp::state::established);
        REQUIRE(b->state() == tcp::state::established);
    }
    std::vector<std::uint8_t> read_b() {
        std::vector<std::uint8_t> got(8192);
        got.resize(b->receive(got));
        return got;
    }
};

} // namespace

TEST_CASE("two connections over adopted descriptors shake hands, exchange data and close in IP frames", "[transport][tun]") {
    adopted_link link;
    link.open();
    auto& a = *link.a;
    auto& b = *link.b;

    const auto message = pattern(1000);
    REQUIRE(a.send(message) == 1000);
    link.run();
    CHECK(link.read_b() == message);

    REQUIRE(a.close() == tcp::call_error::none);
    link.run();
    REQUIRE(b.end_of_stream());
    REQUIRE(b.close() == tcp::call_error::none);
    link.run();
    CHECK(a.state() == tcp::state::time_wait);
    CHECK(b.state() == tcp::state::closed);
    CHECK(b.reason() == tcp::close_reason::normal);
    CHECK(a.transport().counters().frames_sent == a.counters().segments_sent);
    CHECK(b.transport().counters().frames_received == a.counters().segments_sent);
    CHECK(a.transport().counters().too_large == 0);
    CHECK(a.counters().dropped_malformed == 0);
    CHECK(b.counters().dropped_malformed == 0);
}

// RFC 9293 3.7.1 (and RFC 6691): the data in a segment is the MSS less the TCP options
// it carries, so that the IP packet fits the MTU. With timestamps on every segment (12
// bytes), an MSS of 1460 on a 1500-byte link leaves 1448 bytes of data.
TEST_CASE("full-sized segments with timestamps fit the device's MTU", "[transport][tun]") {
    adopted_link link;
    link.open();
    auto& a = *link.a;
    REQUIRE(a.control_block().ts_ok);
    CHECK(a.control_block().snd_mss == 1460); // MTU 1500 less 40 bytes of IPv4 and TCP headers

    const auto message = pattern(3000);
    REQUIRE(a.send(message) == 3000);
    link.run();
    CHECK(a.transport().counters().too_large == 0);
    CHECK(link.read_b() == message);
}
