// The TCP connection machine, side by side with the Linux kernel's TCP over loopback.
//
// lifecycle/*: one whole connection, handshake and teardown (the client closes first,
// the server closes after reading EOF, the client's TIME-WAIT is counted):
//   synack           two `tcp::connection`s over a memory pair of IPv4 packets (every
//                    segment serialised with its IP header, both checksums computed,
//                    parsed and verified), zero-size buffers, ISNs from RFC 6528's
//                    SipHash generator; TIME-WAIT runs out in virtual time (manual_clock).
//   synack_listener  the same, the server side a `tcp::listener` (demultiplexed by
//                    4-tuple, accept()) instead of a lone connection.
//   linux_loopback   socket(), connect() to a listening socket on 127.0.0.1, accept(),
//                    close() by the client, read() of EOF and close() by the server;
//                    blocking sockets, one thread. The kernel keeps the client's
//                    TIME-WAIT in the background (see the function for how ports and
//                    TIME-WAIT sockets are kept from running out).
// segment/*: the cost of one arriving segment:
//   pure_ack/synack  an ESTABLISHED connection fed an in-window ACK that carries nothing new
//                    (pre-built IPv4 frame; parse, both checksums, classification, table).
//   data_64/synack   an ESTABLISHED connection fed a 64-byte data segment (frames pre-built
//                    in batches of 1024, outside the timing), which it queues and ACKs;
//                    the user reads the 64 bytes.
//   message_64/*     one 64-byte message from client to server over an established
//                    connection, counted per data segment: send, the data segment, its
//                    ACK, and the read at the other end (synack: two connections over a
//                    memory pair of IPv4 packets; Linux: send() and recv() over loopback,
//                    TCP_NODELAY, each send checked to be one segment with TCP_INFO).
// Every benchmark checks states, counts of segments and data, and reports an error if
// anything went differently from the textbook exchange.
#include <benchmark/benchmark.h>

#include <synack/tcp/connection.hpp>
#include <synack/tcp/listener.hpp>
#include <synack/transport/memory.hpp>

#include <arpa/inet.h>
#include <linux/tcp.h> // struct tcp_info with tcpi_data_segs_out, TCP_NODELAY, TCP_INFO
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace {
using namespace synack;
using namespace std::chrono_literals;

using link_type = transport::memory_pair<8, 256>;
using isn_type = tcp::rfc6528_isn;

// A fixed key: the benchmark must be reproducible (a server takes its key from a random device).
constexpr std::array<std::uint8_t, 16> isn_key{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                               0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
const tcp::ipv4_address client_address{{10, 0, 0, 1}};
const tcp::ipv4_address server_address{{10, 0, 0, 2}};
const tcp::endpoint server_endpoint{server_address, 80};

constexpr transport::memory_options ip_link{.seed = 0, .medium = core::frame_medium::ip};

template <std::size_t SendBuffer, std::size_t ReceiveBuffer>
using lone_connection = tcp::connection<link_type::endpoint, core::manual_clock, isn_type, SendBuffer, ReceiveBuffer>;

// The ephemeral port of the n-th connection (Linux's default range, 32768-60999).
std::uint16_t ephemeral_port(std::size_t n) { return static_cast<std::uint16_t>(32768 + n % 28232); }

std::uint64_t sent(const link_type& wire, transport::memory_direction d) { return wire.counters(d).transmitted; }

// ---------------------------------------------------------------- lifecycle

// Client and server, lone connections: 4 segments from the client (SYN, ACK, FIN, ACK),
// 3 from the server (SYN,ACK, ACK, FIN).
void lifecycle_synack(benchmark::State& state) {
    core::manual_clock clock;
    link_type wire{clock, ip_link};
    isn_type isn{isn_key};
    lone_connection<0, 0> client{wire.a(), clock, isn};
    lone_connection<0, 0> server{wire.b(), clock, isn};
    bool ok = true;
    std::size_t n = 0;
    for (auto _ : state) {
        server.listen(server_endpoint);
        client.open({client_address, ephemeral_port(n++)}, server_endpoint); // SYN
        server.receive_one();                                                 // SYN,ACK
        client.receive_one();                                                 // ACK
        server.receive_one();
        ok &= client.state() == tcp::state::established && server.state() == tcp::state::established;
        client.close();       // FIN
        server.receive_one(); // ACK
        client.receive_one();
        ok &= server.end_of_stream() && client.state() == tcp::state::fin_wait_2;
        server.close();       // FIN
        client.receive_one(); // ACK
        server.receive_one();
        ok &= client.state() == tcp::state::time_wait && server.state() == tcp::state::closed;
        (void)clock.set(client.next_deadline().at()); // 2 MSL later
        client.on_time();
        ok &= client.state() == tcp::state::closed && client.reason() == tcp::close_reason::normal &&
              server.reason() == tcp::close_reason::normal;
    }
    const auto lifecycles = static_cast<std::uint64_t>(state.iterations());
    if (!ok) state.SkipWithError("a lifecycle did not go through the textbook states");
    else if (sent(wire, transport::memory_direction::a_to_b) != 4 * lifecycles ||
             sent(wire, transport::memory_direction::b_to_a) != 3 * lifecycles ||
             wire.counters(transport::memory_direction::a_to_b).delivered != 4 * lifecycles ||
             wire.counters(transport::memory_direction::b_to_a).delivered != 3 * lifecycles)
        state.SkipWithError("a lifecycle did not take exactly 7 segments");
    state.SetItemsProcessed(state.iterations());
    state.counters["segments"] = benchmark::Counter(7.0 * static_cast<double>(state.iterations()), benchmark::Counter::kAvgIterations);
}

// The server side a listener: poll() takes the frames, accept() hands out the connection.
void lifecycle_synack_listener(benchmark::State& state) {
    using listener_type = tcp::listener<link_type::endpoint, core::manual_clock, isn_type, 1024>;
    core::manual_clock clock;
    link_type wire{clock, ip_link};
    isn_type isn{isn_key};
    lone_connection<0, 0> client{wire.a(), clock, isn};
    const auto server = std::make_unique<listener_type>(wire.b(), clock, isn, server_endpoint);
    bool ok = true;
    std::size_t n = 0;
    for (auto _ : state) {
        client.open({client_address, ephemeral_port(n++)}, server_endpoint); // SYN
        server->poll();                                                      // SYN,ACK
        client.receive_one();                                                // ACK
        server->poll();
        auto accepted = server->accept();
        if (!accepted) {
            ok = false;
            break;
        }
        ok &= client.state() == tcp::state::established && accepted->state() == tcp::state::established;
        client.close(); // FIN
        server->poll(); // ACK
        client.receive_one();
        ok &= accepted->end_of_stream() && client.state() == tcp::state::fin_wait_2;
        accepted->close();    // FIN
        client.receive_one(); // ACK
        server->poll();
        ok &= client.state() == tcp::state::time_wait && accepted->state() == tcp::state::closed &&
              accepted->reason() == tcp::close_reason::normal;
        (void)clock.set(client.next_deadline().at()); // 2 MSL later
        client.on_time();
        ok &= client.state() == tcp::state::closed && client.reason() == tcp::close_reason::normal;
    }
    server->poll(); // forgets the last one
    const auto lifecycles = static_cast<std::uint64_t>(state.iterations());
    if (!ok) state.SkipWithError("a lifecycle did not go through the textbook states");
    else if (server->size() != 0 || server->counters().accepted_syns != lifecycles)
        state.SkipWithError("the listener did not accept and forget each connection");
    else if (sent(wire, transport::memory_direction::a_to_b) != 4 * lifecycles ||
             sent(wire, transport::memory_direction::b_to_a) != 3 * lifecycles)
        state.SkipWithError("a lifecycle did not take exactly 7 segments");
    state.SetItemsProcessed(state.iterations());
}

// ---- Linux

// A file descriptor closed on scope exit.
class socket_fd {
public:
    explicit socket_fd(int fd = -1) noexcept : fd_{fd} {}
    socket_fd(const socket_fd&) = delete;
    socket_fd& operator=(const socket_fd&) = delete;
    socket_fd(socket_fd&& other) noexcept : fd_{other.fd_} { other.fd_ = -1; }
    ~socket_fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_;
};

// A listening socket on 127.0.0.1 and a port the kernel picks; its address in `where`.
socket_fd loopback_listener(sockaddr_in& where) {
    socket_fd l{::socket(AF_INET, SOCK_STREAM, 0)};
    if (!l) return l;
    const int on = 1;
    where = {};
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof where;
    if (::setsockopt(l.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        ::bind(l.get(), reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0 || ::listen(l.get(), 4096) != 0 ||
        ::getsockname(l.get(), reinterpret_cast<sockaddr*>(&where), &length) != 0)
        return socket_fd{};
    return l;
}

// A counter of /proc/net/netstat ("TcpExt" line, field `name`), or -1.
long long tcp_ext_counter(const char* name) {
    std::FILE* f = std::fopen("/proc/net/netstat", "r");
    if (!f) return -1;
    std::array<char, 8192> names{}, values{};
    long long result = -1;
    while (std::fgets(names.data(), names.size(), f) && std::fgets(values.data(), values.size(), f)) {
        if (std::strncmp(names.data(), "TcpExt:", 7) != 0) continue;
        char* name_save = nullptr;
        char* value_save = nullptr;
        char* n = strtok_r(names.data(), " \n", &name_save);
        char* v = strtok_r(values.data(), " \n", &value_save);
        while (n && v) {
            if (std::strcmp(n, name) == 0) result = std::atoll(v);
            n = strtok_r(nullptr, " \n", &name_save);
            v = strtok_r(nullptr, " \n", &value_save);
        }
    }
    std::fclose(f);
    return result;
}

// TIME-WAIT sockets now (/proc/net/sockstat, "TCP: ... tw N"), or -1.
long long time_wait_sockets() {
    std::FILE* f = std::fopen("/proc/net/sockstat", "r");
    if (!f) return -1;
    std::array<char, 512> line{};
    long long result = -1;
    while (std::fgets(line.data(), line.size(), f)) {
        if (std::strncmp(line.data(), "TCP:", 4) != 0) continue;
        if (const char* tw = std::strstr(line.data(), " tw ")) result = std::atoll(tw + 4);
    }
    std::fclose(f);
    return result;
}

void lifecycle_linux_loopback(benchmark::State& state) {
    // The client sockets take ephemeral ports from the kernel, which gives connect() the
    // even ports of 32768-60999 first: about 14,100 4-tuples per listening port. The same
    // 4 listening ports serve every run, so about 56,000 tuples exist, fewer than the
    // TIME-WAIT sockets the kernel keeps (net.ipv4.tcp_max_tw_buckets, 131072 by default):
    // every close keeps its TIME-WAIT, and connect() takes over the tuple of one more than
    // a second old (net.ipv4.tcp_tw_reuse = 2, the default, allows it on loopback).
    constexpr std::size_t ports = 4;
    struct listening_ports {
        std::vector<socket_fd> sockets;
        std::array<sockaddr_in, ports> addresses{};
    };
    static const listening_ports shared = [] {
        listening_ports l;
        for (std::size_t i = 0; i < ports; ++i) {
            l.sockets.push_back(loopback_listener(l.addresses[i]));
            if (!l.sockets.back()) l.sockets.clear();
            if (l.sockets.empty()) break;
        }
        return l;
    }();
    if (shared.sockets.size() != ports) return state.SkipWithError("no listening socket on 127.0.0.1");
    const auto& listeners = shared.sockets;
    const auto& addresses = shared.addresses;
    const long long overflow_before = tcp_ext_counter("TCPTimeWaitOverflow");
    const long long reused_before = tcp_ext_counter("TWRecycled");
    const char* problem = nullptr;
    std::size_t n = 0;
    for (auto _ : state) {
        const std::size_t k = n++ % ports;
        const int c = ::socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0) {
            problem = "socket() failed";
            break;
        }
        if (::connect(c, reinterpret_cast<const sockaddr*>(&addresses[k]), sizeof addresses[k]) != 0) {
            ::close(c);
            problem = "connect() failed (ephemeral ports exhausted?)";
            break;
        }
        const int s = ::accept(listeners[k].get(), nullptr, nullptr);
        if (s < 0) {
            ::close(c);
            problem = "accept() failed";
            break;
        }
        ::close(c); // FIN
        char byte = 0;
        const ssize_t eof = ::read(s, &byte, 1);
        ::close(s); // FIN
        if (eof != 0) {
            problem = "the server did not read EOF";
            break;
        }
    }
    if (problem) state.SkipWithError(problem);
    state.SetItemsProcessed(state.iterations());
    // What the kernel kept: TIME-WAIT sockets now, the ones it could not keep
    // (tcp_max_tw_buckets reached: such a close skips TIME-WAIT, and costs less), and the
    // TIME-WAIT tuples connect() took over.
    state.counters["time_wait_now"] = static_cast<double>(time_wait_sockets());
    const long long overflow_after = tcp_ext_counter("TCPTimeWaitOverflow");
    const long long reused_after = tcp_ext_counter("TWRecycled");
    if (overflow_before >= 0 && overflow_after >= 0)
        state.counters["time_wait_overflow"] = static_cast<double>(overflow_after - overflow_before);
    if (reused_before >= 0 && reused_after >= 0)
        state.counters["time_wait_reused"] = static_cast<double>(reused_after - reused_before);
}

// ---------------------------------------------------------------- segments

// Writes `s` from `from` to `to` as an IPv4 packet into `out`, both checksums set; its length (0: no room).
std::size_t ipv4_frame(std::span<std::uint8_t> out, const tcp::segment& s, const tcp::ipv4_address& from,
                       const tcp::ipv4_address& to) {
    if (!tcp::write_ipv4_header(out, from, to, s.size())) return 0;
    const auto written = tcp::serialize(s, out.subspan(tcp::ipv4_header_size), tcp::ipv4_pseudo_header{from, to});
    return written ? tcp::ipv4_header_size + *written : 0;
}

// Client and server over `wire`, established; false if the handshake went wrong.
template <class Connection>
bool establish(Connection& client, Connection& server) {
    server.listen(server_endpoint);
    client.open({client_address, 40000}, server_endpoint);
    while (server.receive_one() || client.receive_one()) {
    }
    return client.state() == tcp::state::established && server.state() == tcp::state::established;
}

// What the client would send next on its connection to `server`: an ACK with its
// numbers and, when both sides agreed on timestamps, the next TSval (RFC 7323 3.2).
template <class Connection>
tcp::segment next_from(const Connection& client, const Connection& server) {
    const tcp::tcb& t = client.control_block();
    tcp::segment s{};
    s.source_port = t.local.port;
    s.destination_port = t.remote.port;
    s.seq = t.snd_nxt;
    s.ack = t.rcv_nxt;
    s.flags = tcp::flag::ack;
    s.window = 512;
    if (t.ts_ok) {
        s.options.add_nop();
        s.options.add_nop();
        s.options.add_timestamps({server.control_block().ts_recent + 1, t.ts_recent});
    }
    return s;
}

void segment_pure_ack_synack(benchmark::State& state) {
    core::manual_clock clock;
    link_type wire{clock, ip_link};
    isn_type isn{isn_key};
    lone_connection<0, 0> client{wire.a(), clock, isn};
    lone_connection<0, 0> server{wire.b(), clock, isn};
    if (!establish(client, server)) return state.SkipWithError("the handshake failed");
    if (!server.control_block().ts_ok) return state.SkipWithError("timestamps were not agreed");
    std::array<std::uint8_t, 128> frame{};
    const std::size_t length = ipv4_frame(frame, next_from(client, server), client_address, server_address);
    if (length == 0) return state.SkipWithError("the frame does not fit");
    const auto bytes = std::span<const std::uint8_t>{frame}.first(length);
    const auto received_before = server.counters().segments_received;
    const auto replies_before = sent(wire, transport::memory_direction::b_to_a);
    std::uint64_t taken = 0;
    for (auto _ : state) {
        taken += server.on_frame(bytes) ? 1 : 0;
    }
    const auto iterations = static_cast<std::uint64_t>(state.iterations());
    if (taken != iterations || server.counters().segments_received - received_before != iterations ||
        server.counters().dropped_malformed != 0)
        state.SkipWithError("the connection did not take every ACK");
    else if (server.state() != tcp::state::established || sent(wire, transport::memory_direction::b_to_a) != replies_before)
        state.SkipWithError("an ACK that carries nothing new changed the state or got a reply");
    state.SetItemsProcessed(state.iterations());
}

// One segment's payload: 64 bytes that differ from segment to segment.
void fill_payload(std::span<std::uint8_t, 64> out, std::uint64_t n) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(n * 31 + i);
}
std::uint64_t fingerprint(std::span<const std::uint8_t> bytes) {
    std::uint64_t h = bytes.size();
    for (const std::uint8_t b : bytes) h = h * 1099511628211u ^ b;
    return h;
}

void segment_data_64_synack(benchmark::State& state) {
    constexpr std::size_t batch = 1024, frame_size = 128;
    core::manual_clock clock;
    link_type wire{clock, ip_link};
    isn_type isn{isn_key};
    lone_connection<0, 4096> client{wire.a(), clock, isn};
    lone_connection<0, 4096> server{wire.b(), clock, isn};
    if (!establish(client, server)) return state.SkipWithError("the handshake failed");
    tcp::segment next = next_from(client, server);
    next.flags = tcp::flag::ack | tcp::flag::psh;
    std::vector<std::uint8_t> frames(batch * frame_size);
    std::vector<std::size_t> lengths(batch);
    std::uint64_t built = 0, expected = 0, read = 0;
    // The next `batch` data segments, in sequence.
    const auto build = [&] {
        for (std::size_t k = 0; k < batch; ++k, ++built) {
            std::array<std::uint8_t, 64> payload{};
            fill_payload(payload, built);
            expected += fingerprint(payload);
            next.payload = payload;
            lengths[k] = ipv4_frame(std::span{frames}.subspan(k * frame_size, frame_size), next, client_address, server_address);
            next.seq = next.seq + 64u;
        }
    };
    build();
    std::size_t k = 0;
    std::array<std::uint8_t, 64> buffer{};
    tcp::seq_number last_ack{};
    // The client's side of the link only takes the ACK number (IPv4 header of 20 bytes, then bytes 8-11).
    const auto pop_ack = [&](std::span<const std::uint8_t> frame) {
        const std::uint8_t* a = &frame[tcp::ipv4_header_size + 8];
        last_ack = tcp::seq_number{std::uint32_t{a[0]} << 24 | std::uint32_t{a[1]} << 16 | std::uint32_t{a[2]} << 8 | a[3]};
    };
    for (auto _ : state) {
        if (k == batch) {
            state.PauseTiming();
            build();
            k = 0;
            state.ResumeTiming();
        }
        server.on_frame(std::span<const std::uint8_t>{frames}.subspan(k * frame_size, lengths[k])); // ACK out
        ++k;
        const std::size_t n = server.receive(buffer);
        read += fingerprint(std::span{buffer}.first(n));
        client.transport().receive(pop_ack);
    }
    // Segments built but not fed do not count.
    for (; k < batch; ++k) {
        std::array<std::uint8_t, 64> payload{};
        fill_payload(payload, built - batch + k);
        expected -= fingerprint(payload);
    }
    const auto iterations = static_cast<std::uint64_t>(state.iterations());
    if (read != expected) state.SkipWithError("the bytes read are not the bytes sent");
    else if (last_ack != server.control_block().rcv_nxt ||
             sent(wire, transport::memory_direction::b_to_a) != iterations + 1) // + the handshake's SYN,ACK
        state.SkipWithError("not every data segment got its own ACK");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * 64);
}

void segment_message_64_synack(benchmark::State& state) {
    core::manual_clock clock;
    link_type wire{clock, ip_link};
    isn_type isn{isn_key};
    lone_connection<4096, 4096> client{wire.a(), clock, isn};
    lone_connection<4096, 4096> server{wire.b(), clock, isn};
    if (!establish(client, server)) return state.SkipWithError("the handshake failed");
    const auto data_before = sent(wire, transport::memory_direction::a_to_b);
    const auto acks_before = sent(wire, transport::memory_direction::b_to_a);
    std::array<std::array<std::uint8_t, 64>, 16> messages{};
    std::uint64_t expected = 0, read = 0, n = 0;
    for (auto& m : messages) fill_payload(m, n++);
    std::array<std::uint8_t, 64> buffer{};
    n = 0;
    bool ok = true;
    for (auto _ : state) {
        const auto& message = messages[n++ & 15];
        ok &= client.send(message) == message.size(); // the data segment
        server.receive_one();                         // its ACK
        const std::size_t got = server.receive(buffer);
        client.receive_one();
        read += fingerprint(std::span{buffer}.first(got));
    }
    for (std::uint64_t i = 0; i < n; ++i) expected += fingerprint(messages[i & 15]);
    const auto iterations = static_cast<std::uint64_t>(state.iterations());
    if (!ok || read != expected) state.SkipWithError("the bytes read are not the bytes sent");
    else if (sent(wire, transport::memory_direction::a_to_b) - data_before != iterations ||
             sent(wire, transport::memory_direction::b_to_a) - acks_before != iterations || client.unacknowledged() != 0)
        state.SkipWithError("not one data segment and one ACK per message");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * 64);
}

std::optional<std::uint64_t> data_segments_out(int fd) {
    tcp_info info{};
    socklen_t length = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
        length < offsetof(tcp_info, tcpi_data_segs_out) + sizeof info.tcpi_data_segs_out)
        return std::nullopt;
    return info.tcpi_data_segs_out;
}

void segment_message_64_linux_loopback(benchmark::State& state) {
    sockaddr_in where{};
    const socket_fd listening = loopback_listener(where);
    if (!listening) return state.SkipWithError("no listening socket on 127.0.0.1");
    const socket_fd client{::socket(AF_INET, SOCK_STREAM, 0)};
    const int on = 1;
    if (!client || ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0 ||
        ::connect(client.get(), reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0)
        return state.SkipWithError("connect() failed");
    const socket_fd server{::accept(listening.get(), nullptr, nullptr)};
    if (!server) return state.SkipWithError("accept() failed");
    const auto segments_before = data_segments_out(client.get());
    if (!segments_before) return state.SkipWithError("TCP_INFO has no tcpi_data_segs_out");
    std::array<std::array<std::uint8_t, 64>, 16> messages{};
    std::uint64_t expected = 0, read = 0, n = 0;
    for (auto& m : messages) fill_payload(m, n++);
    std::array<std::uint8_t, 64> buffer{};
    n = 0;
    bool ok = true;
    for (auto _ : state) {
        const auto& message = messages[n++ & 15];
        ok &= ::send(client.get(), message.data(), message.size(), 0) == static_cast<ssize_t>(message.size());
        const ssize_t got = ::recv(server.get(), buffer.data(), buffer.size(), MSG_WAITALL);
        if (got != static_cast<ssize_t>(buffer.size())) {
            ok = false;
            break;
        }
        read += fingerprint(buffer);
    }
    for (std::uint64_t i = 0; i < n; ++i) expected += fingerprint(messages[i & 15]);
    const auto segments_after = data_segments_out(client.get());
    if (!ok || read != expected) state.SkipWithError("the bytes read are not the bytes sent");
    else if (!segments_after || *segments_after - *segments_before != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("the messages did not go one per segment");
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * 64);
}

} // namespace

BENCHMARK(lifecycle_synack)->Name("lifecycle/synack");
BENCHMARK(lifecycle_synack_listener)->Name("lifecycle/synack_listener");
BENCHMARK(lifecycle_linux_loopback)->Name("lifecycle/linux_loopback");
BENCHMARK(segment_pure_ack_synack)->Name("segment/pure_ack/synack");
BENCHMARK(segment_data_64_synack)->Name("segment/data_64/synack");
BENCHMARK(segment_message_64_synack)->Name("segment/message_64/synack");
BENCHMARK(segment_message_64_linux_loopback)->Name("segment/message_64/linux_loopback");
