#include "support/catch.hpp"

#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/ip.hpp>
#include <synack/tcp/isn.hpp>
#include <synack/tcp/segment.hpp>
#include <synack/transport/memory.hpp>
#include <synack/transport/pcap.hpp>

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

using namespace synack;
using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;

namespace {

// A file in the temporary directory, removed when the test ends.
struct temp_file {
    std::filesystem::path path;
    explicit temp_file(const std::string& stem)
        : path{std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(::getpid()) + ".pcap")} {}
    ~temp_file() { std::filesystem::remove(path); }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    const char* c_str() const { return path.c_str(); }
};

std::uint32_t host32(const bytes& b, std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, &b.at(at) , 4);
    return v;
}
std::uint16_t host16(const bytes& b, std::size_t at) {
    std::uint16_t v;
    std::memcpy(&v, &b.at(at), 2);
    return v;
}

struct packet {
    std::uint32_t seconds = 0, microseconds = 0;
    bytes data;
};

// The classic pcap file `path`, read independently of the writer: header fields and packets.
struct capture {
    std::uint32_t magic = 0, snaplen = 0, linktype = 0;
    std::uint16_t major = 0, minor = 0;
    std::vector<packet> packets;
    bool well_formed = false;

    explicit capture(const std::filesystem::path& path) {
        std::ifstream in{path, std::ios::binary};
        const bytes b{std::istreambuf_iterator<char>{in}, {}};
        if (b.size() < 24) return;
        magic = host32(b, 0);
        major = host16(b, 4);
        minor = host16(b, 6);
        snaplen = host32(b, 16);
        linktype = host32(b, 20);
        std::size_t at = 24;
        while (at + 16 <= b.size()) {
            packet p;
            p.seconds = host32(b, at);
            p.microseconds = host32(b, at + 4);
            const std::uint32_t captured = host32(b, at + 8), original = host32(b, at + 12);
            if (captured != original || at + 16 + captured > b.size()) return;
            p.data.assign(b.begin() + static_cast<std::ptrdiff_t>(at + 16), b.begin() + static_cast<std::ptrdiff_t>(at + 16 + captured));
            packets.push_back(std::move(p));
            at += 16 + captured;
        }
        well_formed = at == b.size();
    }
};

bytes segment_bytes(std::uint16_t from, std::uint16_t to, std::uint32_t seq, std::size_t payload_size,
                    const tcp::ipv4_address& source, const tcp::ipv4_address& destination, bool bare = true) {
    const bytes payload(payload_size, 0x42);
    tcp::segment s{};
    s.source_port = from;
    s.destination_port = to;
    s.seq = tcp::seq_number{seq};
    s.flags = tcp::flag::ack;
    s.ack = tcp::seq_number{77};
    s.window = 1000;
    s.options.add_mss(1400);
    s.payload = payload;
    bytes out(s.size());
    if (bare) (void)tcp::serialize(s, out, tcp::detail::bare_pseudo_header);
    else (void)tcp::serialize(s, out, tcp::ipv4_pseudo_header{source, destination});
    return out;
}

const tcp::ipv4_address here{{10, 1, 2, 3}}, there{{10, 4, 5, 6}};

using pair_type = transport::memory_pair<16, 1500>;

// A recorder of a memory endpoint, stamped with the manual clock.
using recorded = transport::pcap_recorder<pair_type::endpoint, transport::pcap_clock_time<core::manual_clock>>;

} // namespace

static_assert(core::transport<recorded>, "a recorder is a transport");

TEST_CASE("a recording starts with the classic pcap header of raw IP packets", "[transport][pcap]") {
    temp_file file{"synack-pcap-header"};
    {
        transport::pcap_writer w{file.c_str()};
        REQUIRE(w.is_open());
        CHECK(w.error() == transport::pcap_error::none);
    }
    const capture c{file.path};
    CHECK(c.magic == 0xa1b2c3d4u);
    CHECK(c.major == 2);
    CHECK(c.minor == 4);
    CHECK(c.snaplen == 262144);
    CHECK(c.linktype == 101);
    CHECK(c.packets.empty());
    CHECK(c.well_formed);
}

TEST_CASE("bare segments are recorded in IPv4 headers from the local address when sent and to it when received, with checksums that verify",
          "[transport][pcap]") {
    temp_file file{"synack-pcap-bare"};
    core::manual_clock clock;
    pair_type wire{clock};
    const bytes out = segment_bytes(40000, 80, 1000, 100, {}, {}), in = segment_bytes(80, 40000, 5000, 0, {}, {});
    {
        recorded rec{wire.a(), file.c_str(), here, there, {&clock}};
        REQUIRE(rec.recording());
        REQUIRE(core::transmit_copy(rec, out));
        REQUIRE(core::transmit_copy(wire.b(), in));
        bytes seen;
        REQUIRE(rec.receive([&](std::span<const std::uint8_t> f) { seen.assign(f.begin(), f.end()); }));
        CHECK(seen == in); // the consumer sees the bare frame, untouched
        CHECK(rec.frames() == 2);
    }
    const capture c{file.path};
    REQUIRE(c.well_formed);
    REQUIRE(c.packets.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        INFO("packet " << i);
        const bytes& frame = i == 0 ? out : in;
        const auto ip = tcp::parse_ip(c.packets[i].data);
        REQUIRE(ip);
        CHECK(ip->version == 4);
        CHECK(ip->header_checksum_ok);
        CHECK(ip->protocol == tcp::ip_protocol_tcp);
        CHECK(ip->source4 == (i == 0 ? here : there));
        CHECK(ip->destination4 == (i == 0 ? there : here));
        REQUIRE(ip->payload.size() == frame.size());
        const auto s = tcp::parse(ip->payload);
        REQUIRE(s);
        CHECK(s->checksum_ok(ip->pseudo_header_sum()));
        // Every byte but the checksum is the frame's.
        for (std::size_t k = 0; k < frame.size(); ++k)
            if (k != 16 && k != 17) REQUIRE(ip->payload[k] == frame[k]);
    }
}

TEST_CASE("a bare segment whose checksum was wrong is recorded with a checksum still wrong", "[transport][pcap]") {
    temp_file file{"synack-pcap-bad"};
    core::manual_clock clock;
    pair_type wire{clock};
    bytes bad = segment_bytes(40000, 80, 1000, 10, {}, {});
    bad[25] ^= 0x01; // payload damaged after the checksum was computed
    {
        recorded rec{wire.a(), file.c_str(), here, there, {&clock}};
        REQUIRE(core::transmit_copy(rec, bad));
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 1);
    const auto ip = tcp::parse_ip(c.packets[0].data);
    REQUIRE(ip);
    const auto s = tcp::parse(ip->payload);
    REQUIRE(s);
    CHECK_FALSE(s->checksum_ok(ip->pseudo_header_sum()));
}

TEST_CASE("bare segments between IPv6 addresses are recorded in IPv6 headers with checksums that verify", "[transport][pcap]") {
    temp_file file{"synack-pcap-v6"};
    core::manual_clock clock;
    pair_type wire{clock};
    const auto local = tcp::ip_address::parse("fd00::1").value(), remote = tcp::ip_address::parse("fd00::2").value();
    const bytes out = segment_bytes(40000, 80, 1000, 33, {}, {});
    {
        recorded rec{wire.a(), file.c_str(), local, remote, {&clock}};
        REQUIRE(core::transmit_copy(rec, out));
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 1);
    const auto ip = tcp::parse_ip(c.packets[0].data);
    REQUIRE(ip);
    CHECK(ip->version == 6);
    CHECK(ip->source6 == local.bytes);
    CHECK(ip->destination6 == remote.bytes);
    const auto s = tcp::parse(ip->payload);
    REQUIRE(s);
    CHECK(s->checksum_ok(ip->pseudo_header_sum()));
    CHECK(s->payload().size() == 33);
}

TEST_CASE("an IPv4 address beside an IPv6 one is recorded IPv4-mapped", "[transport][pcap]") {
    temp_file file{"synack-pcap-mapped"};
    core::manual_clock clock;
    pair_type wire{clock};
    const auto remote = tcp::ip_address::parse("fd00::2").value();
    {
        recorded rec{wire.a(), file.c_str(), tcp::ip_address{here}, remote, {&clock}};
        REQUIRE(core::transmit_copy(rec, segment_bytes(1, 2, 3, 0, {}, {})));
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 1);
    const auto ip = tcp::parse_ip(c.packets[0].data);
    REQUIRE(ip);
    CHECK(ip->source6 == tcp::ipv6_address::parse("::ffff:0a01:0203").value());
    CHECK(tcp::parse(ip->payload)->checksum_ok(ip->pseudo_header_sum()));
}

TEST_CASE("frames of medium ip are recorded byte for byte", "[transport][pcap]") {
    temp_file file{"synack-pcap-ip"};
    core::manual_clock clock;
    pair_type wire{clock, {.seed = 0, .medium = core::frame_medium::ip}};
    const bytes seg = segment_bytes(40000, 80, 9, 5, here, there, false);
    bytes packet(tcp::ipv4_header_size + seg.size());
    REQUIRE(tcp::write_ipv4_header(packet, here, there, seg.size()));
    std::copy(seg.begin(), seg.end(), packet.begin() + tcp::ipv4_header_size);
    {
        recorded rec{wire.a(), file.c_str(), {&clock}};
        REQUIRE(core::transmit_copy(rec, packet));
        const bytes odd{0x01, 0x02, 0x03}; // not even IP: still the frame the link carried
        REQUIRE(core::transmit_copy(rec, odd));
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 2);
    CHECK(c.packets[0].data == packet);
    CHECK(c.packets[1].data == bytes{0x01, 0x02, 0x03});
}

TEST_CASE("packets are stamped by the time source: a manual clock's 1.5 s is 1 s and 500000 us", "[transport][pcap]") {
    temp_file file{"synack-pcap-time"};
    core::manual_clock clock;
    pair_type wire{clock};
    {
        recorded rec{wire.a(), file.c_str(), here, there, {&clock}};
        REQUIRE(core::transmit_copy(rec, segment_bytes(1, 2, 3, 0, {}, {})));
        REQUIRE(clock.advance(1500ms));
        REQUIRE(core::transmit_copy(rec, segment_bytes(1, 2, 4, 0, {}, {})));
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 2);
    CHECK(c.packets[0].seconds == 0);
    CHECK(c.packets[0].microseconds == 0);
    CHECK(c.packets[1].seconds == 1);
    CHECK(c.packets[1].microseconds == 500000);
}

TEST_CASE("the system time source stamps packets with the time of day", "[transport][pcap]") {
    temp_file file{"synack-pcap-wall"};
    core::manual_clock clock;
    pair_type wire{clock};
    const auto before = std::chrono::system_clock::now();
    {
        transport::pcap_recorder rec{wire.a(), file.c_str(), here, there};
        REQUIRE(core::transmit_copy(rec, segment_bytes(1, 2, 3, 0, {}, {})));
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 1);
    const auto stamped = std::chrono::sys_seconds{std::chrono::seconds{c.packets[0].seconds}};
    CHECK(stamped >= std::chrono::floor<std::chrono::seconds>(before));
    CHECK(stamped <= std::chrono::system_clock::now());
}

TEST_CASE("a recorder that cannot create its file says why and still carries frames", "[transport][pcap]") {
    core::manual_clock clock;
    pair_type wire{clock};
    recorded rec{wire.a(), "/nonexistent-synack-dir/x.pcap", here, there, {&clock}};
    CHECK_FALSE(rec.recording());
    CHECK(rec.error() == transport::pcap_error::cannot_open);
    CHECK(rec.system_error() == ENOENT);
    REQUIRE(core::transmit_copy(rec, segment_bytes(1, 2, 3, 0, {}, {})));
    CHECK(wire.b().receive([](std::span<const std::uint8_t>) {}));
    CHECK(rec.frames() == 0);
}

TEST_CASE("a recorder given no path records nothing, reports no error, and carries frames", "[transport][pcap]") {
    core::manual_clock clock;
    pair_type wire{clock};
    recorded rec{wire.a(), nullptr, {&clock}};
    CHECK_FALSE(rec.recording());
    CHECK(rec.error() == transport::pcap_error::none);
    REQUIRE(core::transmit_copy(rec, segment_bytes(1, 2, 3, 0, {}, {})));
    CHECK(wire.b().receive([](std::span<const std::uint8_t>) {}));
}

namespace {
// A transport that says which addresses it carries frames between, and may leave the
// TCP checksum to the link (checksum offload).
struct addressed_link {
    pair_type::endpoint link;
    bool offload = false;
    struct addresses {
        tcp::ip_address local, remote;
    };
    addresses frame_addresses() const { return {here, there}; }
    template <class Fill>
    core::transmit_result transmit(std::size_t len, Fill&& fill) {
        return link.transmit(len, fill);
    }
    template <class Consume>
    bool receive(Consume&& consume) {
        return link.receive(consume);
    }
    core::transport_capabilities capabilities() const {
        auto caps = link.capabilities();
        caps.checksum.tx = offload;
        return caps;
    }
};
static_assert(transport::reports_frame_addresses<addressed_link>);
static_assert(!transport::reports_frame_addresses<pair_type::endpoint>);
} // namespace

TEST_CASE("a recorder given no addresses takes them from a transport that reports them, else uses documentation addresses",
          "[transport][pcap]") {
    temp_file file{"synack-pcap-asked"};
    core::manual_clock clock;
    pair_type wire{clock};
    {
        transport::pcap_recorder rec{addressed_link{wire.a()}, file.c_str()};
        CHECK(rec.addresses().local == tcp::ip_address{here});
        REQUIRE(core::transmit_copy(rec, segment_bytes(1, 2, 3, 0, {}, {})));
        transport::pcap_recorder plain{wire.b(), nullptr};
        CHECK(plain.addresses().local == tcp::ip_address{tcp::ipv4_address{{192, 0, 2, 1}}});
        CHECK(plain.addresses().remote == tcp::ip_address{tcp::ipv4_address{{192, 0, 2, 2}}});
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 1);
    const auto ip = tcp::parse_ip(c.packets[0].data);
    REQUIRE(ip);
    CHECK(ip->source4 == here);
    CHECK(ip->destination4 == there);
}

TEST_CASE("a segment sent through a link that fills checksums is recorded with its checksum computed", "[transport][pcap]") {
    temp_file file{"synack-pcap-offload"};
    core::manual_clock clock;
    pair_type wire{clock};
    bytes unsummed = segment_bytes(40000, 80, 1000, 21, {}, {});
    unsummed[16] = unsummed[17] = 0; // left for the link to fill
    {
        transport::pcap_recorder rec{addressed_link{wire.a(), true}, file.c_str(), transport::pcap_system_time{}};
        REQUIRE(core::transmit_copy(rec, unsummed));
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 1);
    const auto ip = tcp::parse_ip(c.packets[0].data);
    REQUIRE(ip);
    CHECK(tcp::parse(ip->payload)->checksum_ok(ip->pseudo_header_sum()));
}

TEST_CASE("a recorded memory-pair lifecycle holds every frame A sent and received, in order, each parsing with good checksums",
          "[transport][pcap]") {
    temp_file file{"synack-pcap-lifecycle"};
    core::manual_clock clock;
    pair_type wire{clock};
    tcp::fixed_isn isn_a{tcp::seq_number{1000}}, isn_b{tcp::seq_number{9000}};
    const tcp::endpoint at_a{here, 40000}, at_b{there, 80};
    std::uint32_t sent = 0, received = 0;
    {
        tcp::connection<recorded, core::manual_clock, tcp::fixed_isn, 4096, 4096> a{
            recorded{wire.a(), file.c_str(), here, there, {&clock}}, clock, isn_a};
        tcp::connection<pair_type::endpoint, core::manual_clock, tcp::fixed_isn, 4096, 4096> b{wire.b(), clock, isn_b};
        REQUIRE(b.listen(at_b) == tcp::call_error::none);
        REQUIRE(a.open(at_a, at_b) == tcp::call_error::none);
        const bytes hello(3000, 0x61);
        std::array<std::uint8_t, 4096> sink{};
        bool sent_hello = false, closed_a = false;
        for (int step = 0; step < 1000 && !(a.state() == tcp::state::time_wait && b.state() == tcp::state::closed); ++step) {
            a.poll();
            b.poll();
            (void)b.receive(sink);
            if (a.state() == tcp::state::established && !sent_hello) sent_hello = a.send(hello) == hello.size();
            if (sent_hello && a.unacknowledged() == 0 && !closed_a) closed_a = a.close() == tcp::call_error::none;
            if (b.state() == tcp::state::close_wait) b.close();
        }
        REQUIRE(a.state() == tcp::state::time_wait);
        REQUIRE(b.state() == tcp::state::closed);
        sent = a.counters().segments_sent;
        received = b.counters().segments_sent;
        CHECK(a.transport().frames() == sent + received);
    }
    const capture c{file.path};
    REQUIRE(c.well_formed);
    REQUIRE(c.packets.size() == sent + received);
    std::uint32_t from_a = 0;
    for (std::size_t i = 0; i < c.packets.size(); ++i) {
        INFO("packet " << i);
        const auto ip = tcp::parse_ip(c.packets[i].data);
        REQUIRE(ip);
        CHECK(ip->header_checksum_ok);
        const auto s = tcp::parse(ip->payload);
        REQUIRE(s);
        CHECK(s->checksum_ok(ip->pseudo_header_sum()));
        const bool is_from_a = ip->source4 == here;
        CHECK(s->source_port() == (is_from_a ? 40000 : 80));
        from_a += is_from_a ? 1 : 0;
        if (i == 0) CHECK(s->flags() == tcp::flag_set{tcp::flag::syn});
        if (i == 1) CHECK(s->flags() == (tcp::flag::syn | tcp::flag::ack));
    }
    CHECK(from_a == sent);
}

TEST_CASE("a moved writer keeps writing to the same file and the moved-from one writes nothing", "[transport][pcap]") {
    temp_file file{"synack-pcap-move"};
    {
        transport::pcap_writer w{file.c_str()};
        const bytes p{0x45, 0, 0, 20};
        transport::pcap_writer moved{std::move(w)};
        CHECK_FALSE(w.write(0ns, p)); // NOLINT(bugprone-use-after-move): moved-from writers write nothing
        CHECK(moved.write(1s, p));
        CHECK(moved.packets() == 1);
    }
    const capture c{file.path};
    REQUIRE(c.packets.size() == 1);
    CHECK(c.packets[0].seconds == 1);
}
