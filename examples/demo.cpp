// synack-demo: two TCP peers, A and B, over synack's in-memory link, printed segment by
// segment the way the classic explanation draws it: the three-way handshake, a short
// exchange of data, and the four-way teardown, with each side's state after each segment.
//
//   synack-demo [--simultaneous-open] [--simultaneous-close] [--reset] [--loss P] [--seed N]
//
// With the deterministic ISNs (A 1234567, B 7654321) it prints the textbook numbers:
// SYN seq=1234567; SYN,ACK seq=7654321 ack=1234568; ACK seq=1234568 ack=7654322.
#include <synack/synack.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/transport/memory.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {
using namespace synack;

struct options {
    bool simultaneous_open = false;
    bool simultaneous_close = false;
    bool reset = false;
    double loss = 0.0;
    std::uint64_t seed = 1;
};

using pair_type = transport::memory_pair<16, 1500>;

std::string flag_names(tcp::flag_set f) {
    std::string out;
    constexpr std::pair<tcp::flag, const char*> names[] = {
        {tcp::flag::syn, "SYN"}, {tcp::flag::fin, "FIN"}, {tcp::flag::rst, "RST"},
        {tcp::flag::psh, "PSH"}, {tcp::flag::ack, "ACK"}, {tcp::flag::urg, "URG"},
    };
    for (const auto& [flag, name] : names)
        if (f.has(flag)) out += out.empty() ? name : std::string{","} + name;
    return out;
}

// One side's link: the memory endpoint, with every frame it sends shown (and marked
// when the link lost it), and the last frame it received kept for the trace.
struct traced_link {
    pair_type::endpoint link;
    pair_type* pair;
    transport::memory_direction out;
    const char* from;
    const char* to;
    std::array<std::uint8_t, 1500> last{};
    std::size_t last_size = 0;

    template <class Fill>
    core::transmit_result transmit(std::size_t len, Fill&& fill) {
        const auto lost_before = pair->counters(out).lost;
        std::array<std::uint8_t, 1500> copy{};
        const auto result = link.transmit(len, [&](std::span<std::uint8_t> frame) {
            fill(frame);
            for (std::size_t i = 0; i < frame.size(); ++i) copy[i] = frame[i];
        });
        if (result && pair->counters(out).lost != lost_before) print_segment(std::span{copy}.first(len), "  (lost)");
        return result;
    }
    template <class Consume>
    bool receive(Consume&& consume) {
        return link.receive([&](std::span<const std::uint8_t> frame) {
            last_size = frame.size();
            for (std::size_t i = 0; i < frame.size(); ++i) last[i] = frame[i];
            consume(frame);
        });
    }
    core::transport_capabilities capabilities() const { return link.capabilities(); }

    // The frame's sender is the other side of the link this one receives from.
    void print_segment(std::span<const std::uint8_t> frame, const char* note) const {
        const auto packet = tcp::parse_ip(frame);
        if (!packet) return;
        const auto s = tcp::parse(packet->payload);
        if (!s) return;
        const std::string ack = s->flags().has(tcp::flag::ack) ? std::to_string(s->ack().raw()) : "-";
        std::printf("  %s -> %s  %-12s seq=%-10u ack=%-10s len=%-4zu%s\n", from, to, flag_names(s->flags()).c_str(),
                    s->seq().raw(), ack.c_str(), s->payload().size(), note);
    }
};

using connection_type = tcp::connection<traced_link, core::manual_clock, tcp::fixed_isn, 4096, 4096>;

void show_arrival(const traced_link& receiver_link, const char* sender, const char* receiver, const connection_type& a,
                  const connection_type& b) {
    const auto packet = tcp::parse_ip(std::span<const std::uint8_t>{receiver_link.last}.first(receiver_link.last_size));
    if (!packet) return;
    const auto s = tcp::parse(packet->payload);
    if (!s) return;
    const std::string ack = s->flags().has(tcp::flag::ack) ? std::to_string(s->ack().raw()) : "-";
    std::printf("  %s -> %s  %-12s seq=%-10u ack=%-10s len=%-4zu  A %-12s B %s\n", sender, receiver,
                flag_names(s->flags()).c_str(), s->seq().raw(), ack.c_str(), s->payload().size(),
                tcp::to_string(a.state()).data(), tcp::to_string(b.state()).data());
}

std::span<const std::uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

int usage() {
    std::fprintf(stderr, "usage: synack-demo [--simultaneous-open] [--simultaneous-close] [--reset] [--loss P] [--seed N]\n");
    return 2;
}
} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        if (arg == "--simultaneous-open") opt.simultaneous_open = true;
        else if (arg == "--simultaneous-close") opt.simultaneous_close = true;
        else if (arg == "--reset") opt.reset = true;
        else if (arg == "--loss" && i + 1 < argc) opt.loss = std::strtod(argv[++i], nullptr);
        else if (arg == "--seed" && i + 1 < argc) opt.seed = std::strtoull(argv[++i], nullptr, 10);
        else return usage();
    }
    if (!(opt.loss >= 0.0 && opt.loss < 1.0)) {
        std::fprintf(stderr, "synack-demo: --loss takes a probability in [0, 1)\n");
        return 2;
    }

    core::manual_clock clock;
    pair_type wire{clock, {.seed = opt.seed, .medium = core::frame_medium::ip}};
    if (opt.loss > 0) (void)wire.set_faults(transport::memory_faults{.loss = opt.loss});
    tcp::fixed_isn isn_a{tcp::seq_number{1234567}}, isn_b{tcp::seq_number{7654321}};
    connection_type a{traced_link{wire.a(), &wire, transport::memory_direction::a_to_b, "A", "B"}, clock, isn_a};
    connection_type b{traced_link{wire.b(), &wire, transport::memory_direction::b_to_a, "B", "A"}, clock, isn_b};
    const tcp::endpoint at_a{*tcp::ip_address::parse("10.0.0.1"), 40000};
    const tcp::endpoint at_b{*tcp::ip_address::parse("10.0.0.2"), 80};

    std::printf("synack demo: TCP connection management over an in-memory link (RFC 9293)\n");
    std::printf("  A = 10.0.0.1:40000, ISN 1234567    B = 10.0.0.2:80, ISN 7654321");
    if (opt.loss > 0) std::printf("    loss %.0f%% each way, seed %llu", opt.loss * 100, static_cast<unsigned long long>(opt.seed));
    std::printf("\n\n  segment                                                    state after it arrived\n");

    if (opt.simultaneous_open) {
        a.open(at_a, at_b);
        b.open(at_b, at_a); // both SYNs are on the wire before either arrives
    } else {
        b.listen(at_b);
        a.open(at_a, at_b);
    }

    enum class step { handshake, a_sends, b_answers, closing, done } next = step::handshake;
    std::string received_by_b, received_by_a;
    const std::string question = "hello", answer = "HELLO";
    for (int guard = 0; guard < 10000; ++guard) {
        if (b.receive_one()) {
            show_arrival(b.transport(), "A", "B", a, b);
            continue;
        }
        if (a.receive_one()) {
            show_arrival(a.transport(), "B", "A", a, b);
            continue;
        }
        // The link is idle: the users act.
        std::array<std::uint8_t, 256> buffer{};
        received_by_b.append(reinterpret_cast<const char*>(buffer.data()), b.receive(buffer));
        received_by_a.append(reinterpret_cast<const char*>(buffer.data()), a.receive(buffer));
        const bool both_open = a.state() == tcp::state::established && b.state() == tcp::state::established;
        if (next == step::handshake && both_open) {
            std::printf("  -- A sends \"%s\"\n", question.c_str());
            a.send(bytes(question));
            next = step::a_sends;
            continue;
        }
        if (next == step::a_sends && received_by_b == question) {
            std::printf("  -- B answers \"%s\"\n", answer.c_str());
            b.send(bytes(answer));
            next = step::b_answers;
            continue;
        }
        if (next == step::b_answers && received_by_a == answer) {
            if (opt.reset) {
                std::printf("  -- A aborts\n");
                a.abort();
            } else if (opt.simultaneous_close) {
                std::printf("  -- A and B close at once\n");
                a.close();
                b.close();
            } else {
                std::printf("  -- A closes\n");
                a.close();
            }
            next = step::closing;
            continue;
        }
        if (next == step::closing && b.end_of_stream() && b.state() == tcp::state::close_wait) {
            std::printf("  -- B has read everything and closes\n");
            b.close();
            continue;
        }
        // Nothing to do but wait: virtual time jumps to the next timer.
        const auto deadline = earliest(a.next_deadline(), b.next_deadline());
        if (!deadline.armed()) break;
        const auto waited = deadline.at() - clock.now();
        (void)clock.set(deadline.at());
        if (a.state() == tcp::state::time_wait || b.state() == tcp::state::time_wait)
            std::printf("  -- %lld ms later\n", static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()));
        else
            std::printf("  -- %lld ms later: retransmission timeout\n",
                        static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()));
        a.on_time();
        b.on_time();
        if (a.state() == tcp::state::closed && b.state() == tcp::state::closed) {
            std::printf("  A %-12s B %s\n", tcp::to_string(a.state()).data(), tcp::to_string(b.state()).data());
        }
    }

    std::printf("\nA: %s (%s), sent %u segments, %u retransmitted\n", tcp::to_string(a.state()).data(),
                tcp::to_string(a.reason()).data(), a.counters().segments_sent, a.counters().retransmissions);
    std::printf("B: %s (%s), sent %u segments, %u retransmitted\n", tcp::to_string(b.state()).data(),
                tcp::to_string(b.reason()).data(), b.counters().segments_sent, b.counters().retransmissions);
    const bool closed = a.state() == tcp::state::closed && b.state() == tcp::state::closed;
    const bool expected = opt.reset ? a.reason() == tcp::close_reason::aborted && b.reason() == tcp::close_reason::reset_by_peer
                                    : a.reason() == tcp::close_reason::normal && b.reason() == tcp::close_reason::normal &&
                                          received_by_b == question && received_by_a == answer;
    return closed && expected ? 0 : 1;
}
