// The listener: demultiplexing by 4-tuple, the half-open backlog under a SYN flood, RST
// for segments to no connection, the accept queue, and slots reused after CLOSED.
#include "support/catch.hpp"

#include <synack/tcp/listener.hpp>
#include <synack/transport/memory.hpp>

#include <array>
#include <memory>
#include <optional>
#include <vector>

using namespace synack;
using tcp::seq_number;

namespace {
using pair_type = transport::memory_pair<64, 1500>;
using listener_type = tcp::listener<pair_type::endpoint, core::manual_clock, tcp::counter_isn, 8, 256, 256>;

const tcp::ip_address server_address = *tcp::ip_address::parse("10.0.0.2");

// A raw peer on the other end of the link: sends hand-made segments, reads the replies.
struct raw_peer {
    pair_type::endpoint link;

    void send(std::uint16_t source_port, tcp::flag_set flags, seq_number seq, seq_number ack = {},
              std::span<const std::uint8_t> payload = {}) {
        tcp::segment s{};
        s.source_port = source_port;
        s.destination_port = 80;
        s.seq = seq;
        s.ack = ack;
        s.flags = flags;
        s.window = 65535;
        s.payload = payload;
        std::array<std::uint8_t, 1500> buffer{};
        const auto n = tcp::serialize(s, buffer, tcp::detail::bare_pseudo_header);
        REQUIRE(n);
        REQUIRE(core::transmit_copy(link, std::span<const std::uint8_t>{buffer}.first(*n)));
    }
    struct reply {
        std::uint16_t destination_port;
        tcp::flag_set flags;
        seq_number seq, ack;
    };
    std::vector<reply> replies() {
        std::vector<reply> out;
        while (link.receive([&](std::span<const std::uint8_t> frame) {
            const auto s = tcp::parse(frame);
            REQUIRE(s);
            out.push_back({s->destination_port(), s->flags(), s->seq(), s->ack()});
        })) {
        }
        return out;
    }
};

struct fixture {
    core::manual_clock clock;
    pair_type wire{clock};
    tcp::counter_isn isn{seq_number{5000}, 100000};
    std::unique_ptr<listener_type> server;
    raw_peer peer{wire.a()};

    explicit fixture(std::size_t backlog = 4) {
        tcp::listener_config config;
        config.backlog = backlog;
        server = std::make_unique<listener_type>(wire.b(), clock, isn, tcp::service_endpoint<services::http>(server_address), config);
    }
};
} // namespace

TEST_CASE("each SYN from a new 4-tuple gets its own connection and its own SYN,ACK", "[listener]") {
    fixture f;
    f.peer.send(1001, tcp::flag::syn, seq_number{100});
    f.peer.send(1002, tcp::flag::syn, seq_number{200});
    f.server->poll();
    const auto replies = f.peer.replies();
    REQUIRE(replies.size() == 2);
    CHECK(replies[0].destination_port == 1001);
    CHECK(replies[0].flags == (tcp::flag::syn | tcp::flag::ack));
    CHECK(replies[0].ack == seq_number{101});
    CHECK(replies[1].destination_port == 1002);
    CHECK(replies[1].ack == seq_number{201});
    CHECK(replies[0].seq != replies[1].seq);
    CHECK(f.server->size() == 2);
    CHECK(f.server->half_open() == 2);
    CHECK_FALSE(f.server->accept()); // nothing established yet
}

TEST_CASE("a completed handshake is accepted once, with the user API on it", "[listener]") {
    fixture f;
    f.peer.send(1001, tcp::flag::syn, seq_number{100});
    f.server->poll();
    const auto syn_ack = f.peer.replies().at(0);
    f.peer.send(1001, tcp::flag::ack, seq_number{101}, syn_ack.seq + 1);
    f.server->poll();
    CHECK(f.server->half_open() == 0);
    auto accepted = f.server->accept();
    REQUIRE(accepted);
    CHECK(accepted->state() == tcp::state::established);
    CHECK(accepted->control_block().remote.port == 1001);
    CHECK_FALSE(f.server->accept());

    // Data from the peer reaches that connection only.
    const std::array<std::uint8_t, 3> data{'a', 'b', 'c'};
    f.peer.send(1001, tcp::flag::ack | tcp::flag::psh, seq_number{101}, syn_ack.seq + 1, data);
    f.server->poll();
    std::array<std::uint8_t, 8> got{};
    CHECK(accepted->receive(got) == 3);
    const auto ack = f.peer.replies().at(0);
    CHECK(ack.flags == tcp::flag_set{tcp::flag::ack});
    CHECK(ack.ack == seq_number{104});
}

TEST_CASE("a SYN flood past the backlog is dropped and the table does not grow", "[listener]") {
    fixture f{3};
    for (std::uint16_t port = 2000; port < 2010; ++port) f.peer.send(port, tcp::flag::syn, seq_number{port});
    f.server->poll();
    CHECK(f.peer.replies().size() == 3);
    CHECK(f.server->size() == 3);
    CHECK(f.server->half_open() == 3);
    CHECK(f.server->counters().dropped_syns == 7);
}

TEST_CASE("half-open connections time out after the SYN,ACK retries and free their slots", "[listener]") {
    fixture f{3};
    for (std::uint16_t port = 2000; port < 2003; ++port) f.peer.send(port, tcp::flag::syn, seq_number{port});
    f.server->poll();
    // 1 + 2 + 4 + 8 + 16 + 32 s of retransmissions (5 retries), then the last timeout.
    for (int i = 0; i < 200 && f.server->size() > 0; ++i) {
        const auto next = f.server->next_deadline();
        if (!next.armed()) {
            f.server->poll();
            continue;
        }
        (void)f.clock.set(next.at());
        f.server->poll();
        f.peer.replies();
    }
    f.server->poll();
    CHECK(f.server->size() == 0);
    CHECK(f.server->half_open() == 0);
    CHECK(f.server->connection_totals().retransmissions == 3 * 5);
    // A new SYN is accepted again.
    f.peer.send(3000, tcp::flag::syn, seq_number{1});
    f.server->poll();
    CHECK(f.server->size() == 1);
}

TEST_CASE("a segment for no connection is handled as LISTEN does: an ACK gets a RST, the rest is dropped (RFC 9293 3.10.7.2)",
          "[listener]") {
    fixture f;
    f.peer.send(1001, tcp::flag::ack, seq_number{100}, seq_number{777});
    f.server->poll();
    auto replies = f.peer.replies();
    REQUIRE(replies.size() == 1);
    CHECK(replies[0].flags == tcp::flag_set{tcp::flag::rst});
    CHECK(replies[0].seq == seq_number{777}); // <SEQ=SEG.ACK><CTL=RST>
    f.peer.send(1001, tcp::flag::fin, seq_number{100});                     // no SYN, no ACK
    f.peer.send(1002, tcp::flag::syn | tcp::flag::fin, seq_number{100});    // SYN with FIN: Linux drops it
    f.peer.send(1001, tcp::flag::rst, seq_number{100});
    f.server->poll();
    CHECK(f.peer.replies().empty());
    CHECK(f.server->size() == 0);
    CHECK(f.server->counters().stray_segments == 4);
}

TEST_CASE("a connection the user aborts leaves the table at the next poll", "[listener]") {
    fixture f;
    f.peer.send(1001, tcp::flag::syn, seq_number{100});
    f.server->poll();
    const auto syn_ack = f.peer.replies().at(0);
    f.peer.send(1001, tcp::flag::ack, seq_number{101}, syn_ack.seq + 1);
    f.server->poll();
    auto accepted = f.server->accept();
    REQUIRE(accepted);
    CHECK(accepted->abort() == tcp::call_error::none);
    CHECK(accepted->abort() == tcp::call_error::does_not_exist); // a second call changes nothing
    const auto reset = f.peer.replies();
    REQUIRE(reset.size() == 1);
    CHECK(reset[0].flags == tcp::flag_set{tcp::flag::rst});
    f.server->poll();
    CHECK(f.server->size() == 0);
}

TEST_CASE("an accepted connection's data is retransmitted by the listener's timers", "[listener]") {
    fixture f;
    f.peer.send(1001, tcp::flag::syn, seq_number{100});
    f.server->poll();
    const auto syn_ack = f.peer.replies().at(0);
    f.peer.send(1001, tcp::flag::ack, seq_number{101}, syn_ack.seq + 1);
    f.server->poll();
    auto accepted = f.server->accept();
    REQUIRE(accepted);
    const std::array<std::uint8_t, 4> data{1, 2, 3, 4};
    REQUIRE(accepted->send(data) == 4);
    REQUIRE(f.peer.replies().size() == 1); // the data; the peer does not acknowledge it
    const auto next = f.server->next_deadline();
    REQUIRE(next.armed());
    CHECK(next.at() - f.clock.now() == std::chrono::seconds{1}); // RFC 6298 2.1: the initial RTO
    (void)f.clock.set(next.at());
    f.server->poll();
    const auto again = f.peer.replies();
    REQUIRE(again.size() == 1);
    CHECK(again[0].seq == syn_ack.seq + 1);
    CHECK(f.server->connection_totals().retransmissions == 1);
}

TEST_CASE("a reset connection's slot is reused by the next SYN", "[listener]") {
    fixture f{8};
    for (int round = 0; round < 20; ++round) {
        const auto port = static_cast<std::uint16_t>(4000 + round);
        f.peer.send(port, tcp::flag::syn, seq_number{10});
        f.server->poll();
        const auto syn_ack = f.peer.replies().at(0);
        f.peer.send(port, tcp::flag::ack, seq_number{11}, syn_ack.seq + 1);
        f.server->poll();
        REQUIRE(f.server->accept());
        f.peer.send(port, tcp::flag::rst, seq_number{11});
        f.server->poll();
        f.server->poll();
        CHECK(f.server->size() == 0);
    }
    CHECK(f.server->counters().accepted_syns == 20);
}
