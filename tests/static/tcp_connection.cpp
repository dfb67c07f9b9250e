// The textbook exchange of RFC 9293 3.5 and 3.6 inside a constant expression: two
// connections (64-byte buffers) over a memory pair, A with ISN 1234567 opening to B with
// ISN 7654321; the three-way handshake, "hello" one way and "world" the other, A closes,
// B closes, and A's TIME-WAIT runs out in virtual time. The compiler checks that both end
// CLOSED with reason normal, and the sequence and acknowledgment numbers of every segment
// as it passed on the wire.
#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/transport/memory.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

using namespace synack;
using namespace std::chrono_literals;

namespace {

using wire_type = transport::memory_pair<4, 128>;
using connection_type = tcp::connection<wire_type::endpoint, core::manual_clock, tcp::fixed_isn, 64, 64>;

/// One segment as it passed: who sent it, <SEQ><ACK><CTL> and the length of its text.
struct passed {
    char from = '?';
    std::uint8_t flags = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::size_t text = 0;
};

struct exchange {
    std::array<passed, 16> wire{};
    std::size_t segments = 0;
    tcp::state a_state{}, b_state{};
    tcp::close_reason a_reason{}, b_reason{};
    tcp::state a_before_expiry{};
    std::array<std::uint8_t, 8> a_read{}, b_read{};
    std::size_t a_read_size = 0, b_read_size = 0;
};

constexpr std::uint8_t syn = 0x02, ack = 0x10, fin = 0x01, psh = 0x08;

constexpr exchange run() {
    exchange x{};
    core::manual_clock clock;
    wire_type wire;
    tcp::fixed_isn isn_a{tcp::seq_number{1234567}}, isn_b{tcp::seq_number{7654321}};
    // 64-byte buffers need no window scale (RFC 7323 2.2); with the default shift of 7 every
    // window of 64 octets or less would be advertised as 0.
    tcp::connection_config config{};
    config.window_scale = 0;
    connection_type a{wire.a(), clock, isn_a, config};
    connection_type b{wire.b(), clock, isn_b, config};

    // Each frame is recorded as it is taken off the wire, then handed to its connection.
    const auto take = [&](connection_type& c, char from) {
        bool any = false;
        while (c.transport().receive([&](std::span<const std::uint8_t> frame) {
            const auto v = tcp::parse(frame);
            if (v && x.segments < x.wire.size())
                x.wire[x.segments++] = {from, v->flags().bits(), v->seq().raw(), v->ack().raw(), v->payload().size()};
            c.on_frame(frame);
        }))
            any = true;
        return any;
    };
    const auto settle = [&] {
        while (take(b, 'A') || take(a, 'B')) {
        }
    };

    const tcp::ip_address address_a{tcp::ipv4_address{{10, 0, 0, 1}}};
    const tcp::ip_address address_b{tcp::ipv4_address{{10, 0, 0, 2}}};
    b.listen({address_b, 80});
    a.open({address_a, 40000}, {address_b, 80});
    settle();

    const std::array<std::uint8_t, 5> hello{'h', 'e', 'l', 'l', 'o'}, world{'w', 'o', 'r', 'l', 'd'};
    a.send(hello);
    settle();
    x.b_read_size = b.receive(x.b_read);
    b.send(world);
    settle();
    x.a_read_size = a.receive(x.a_read);

    a.close();
    settle();
    b.close();
    settle();

    (void)clock.advance(60s - 1ms);
    a.on_time();
    x.a_before_expiry = a.state();
    (void)clock.advance(1ms);
    a.on_time();
    b.on_time();

    x.a_state = a.state();
    x.b_state = b.state();
    x.a_reason = a.reason();
    x.b_reason = b.reason();
    return x;
}

constexpr exchange textbook = run();

constexpr bool is(const passed& p, char from, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack_number,
                  std::size_t text = 0) {
    return p.from == from && (p.flags & ~psh) == flags && p.seq == seq && p.ack == ack_number && p.text == text;
}

// Both end CLOSED, normally; A waited out its 2 MSL first.
static_assert(textbook.a_state == tcp::state::closed);
static_assert(textbook.b_state == tcp::state::closed);
static_assert(textbook.a_reason == tcp::close_reason::normal);
static_assert(textbook.b_reason == tcp::close_reason::normal);
static_assert(textbook.a_before_expiry == tcp::state::time_wait);

// What each side read.
static_assert(textbook.b_read_size == 5 && textbook.b_read[0] == 'h' && textbook.b_read[4] == 'o');
static_assert(textbook.a_read_size == 5 && textbook.a_read[0] == 'w' && textbook.a_read[4] == 'd');

// The wire, segment by segment (RFC 9293 Figure 7, then the data, then Figure 12's close).
static_assert(textbook.segments == 11);
static_assert(is(textbook.wire[0], 'A', syn, 1234567, 0));                 // SYN
static_assert(is(textbook.wire[1], 'B', syn | ack, 7654321, 1234568));     // SYN,ACK
static_assert(is(textbook.wire[2], 'A', ack, 1234568, 7654322));           // ACK
static_assert(is(textbook.wire[3], 'A', ack, 1234568, 7654322, 5));        // "hello"
static_assert(is(textbook.wire[4], 'B', ack, 7654322, 1234573));           // its ACK
static_assert(is(textbook.wire[5], 'B', ack, 7654322, 1234573, 5));        // "world"
static_assert(is(textbook.wire[6], 'A', ack, 1234573, 7654327));           // its ACK
static_assert(is(textbook.wire[7], 'A', fin | ack, 1234573, 7654327));     // A's FIN
static_assert(is(textbook.wire[8], 'B', ack, 7654327, 1234574));           // its ACK: B in CLOSE-WAIT
static_assert(is(textbook.wire[9], 'B', fin | ack, 7654327, 1234574));     // B's FIN: LAST-ACK
static_assert(is(textbook.wire[10], 'A', ack, 1234574, 7654328));          // A's ACK: TIME-WAIT, B CLOSED

} // namespace
