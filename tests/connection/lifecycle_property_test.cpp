// A property of whole lifecycles: two connections over a memory pair that loses,
// duplicates and reorders 20% of the frames each way open, exchange a few KB each way,
// close (one side first, the other, or both at once) and wait out TIME-WAIT in virtual
// time. Every lifecycle must end with both sides CLOSED, normally or with an error
// (timed out, reset); never stuck; the bytes delivered are always a prefix of the bytes
// sent; and when both sides closed normally, each received exactly what the other sent.
#include "support/catch.hpp"

#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/transport/memory.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

using namespace synack;

namespace {

using wire_type = transport::memory_pair<32, 1500>;
constexpr std::size_t buffer_size = 2048; // small buffers: windows fill, and the lifecycle stays fast
using connection_type = tcp::connection<wire_type::endpoint, core::manual_clock, tcp::fixed_isn, buffer_size, buffer_size>;

constexpr std::size_t lifecycles = 10'000;
constexpr std::size_t step_limit = 20'000;

enum class closer : std::uint8_t { a_first, b_first, both };

/// What the user of one connection does and has seen.
struct application {
    std::vector<std::uint8_t> outgoing;
    std::size_t queued = 0;
    std::vector<std::uint8_t> incoming;
    bool closed = false;
};

struct outcome {
    bool ended = false; // both CLOSED
    std::string failure;
    tcp::close_reason a = tcp::close_reason::none, b = tcp::close_reason::none;
    std::size_t steps = 0;
    core::duration elapsed{};
};

/// The users send once the handshake is over (SEND in SYN-SENT and SYN-RECEIVED has unit tests of its own).
bool can_send(tcp::state s) { return s == tcp::state::established || s == tcp::state::close_wait; }

bool is_prefix(const std::vector<std::uint8_t>& part, const std::vector<std::uint8_t>& whole) {
    return part.size() <= whole.size() && std::equal(part.begin(), part.end(), whole.begin());
}

bool acceptable_end(tcp::close_reason r) {
    return r == tcp::close_reason::normal || r == tcp::close_reason::timed_out || r == tcp::close_reason::reset_by_peer ||
           r == tcp::close_reason::refused;
}

/// The user's part of one step: read everything, queue what fits, close when it is time.
void use(connection_type& c, application& app, bool may_close) {
    std::array<std::uint8_t, buffer_size> chunk{};
    while (const std::size_t n = c.receive(chunk)) app.incoming.insert(app.incoming.end(), chunk.begin(), chunk.begin() + n);
    if (app.closed) return;
    if (app.queued < app.outgoing.size() && can_send(c.state()))
        app.queued += c.send(std::span<const std::uint8_t>{app.outgoing}.subspan(app.queued));
    const bool open = c.state() == tcp::state::established || c.state() == tcp::state::close_wait;
    if (may_close && open && app.queued == app.outgoing.size()) {
        c.close();
        app.closed = true;
    }
}

std::string describe(const connection_type& c) {
    std::ostringstream out;
    const auto& t = c.control_block();
    out << tcp::to_string(c.state()) << " (" << tcp::to_string(c.reason()) << ", SND.UNA " << t.snd_una.raw() << ", SND.NXT "
        << t.snd_nxt.raw() << ", RCV.NXT " << t.rcv_nxt.raw() << ", SND.WND " << t.snd_wnd << ", unacknowledged "
        << c.unacknowledged() << ", readable " << c.readable() << ")";
    return out.str();
}

outcome run_lifecycle(std::uint64_t seed, bool trace = false) {
    std::mt19937_64 random{seed};
    core::manual_clock clock;
    transport::memory_options options;
    options.seed = seed;
    wire_type wire{clock, options};
    transport::memory_faults faults;
    faults.loss = 0.2;
    faults.duplication = 0.2;
    faults.reordering = 0.2;
    REQUIRE(wire.set_faults(faults).has_value());

    tcp::fixed_isn isn_a{tcp::seq_number{static_cast<std::uint32_t>(random())}};
    tcp::fixed_isn isn_b{tcp::seq_number{static_cast<std::uint32_t>(random())}};
    connection_type a{wire.a(), clock, isn_a};
    connection_type b{wire.b(), clock, isn_b};

    application app_a, app_b;
    const auto make_text = [&](application& app) {
        app.outgoing.resize(1024 + random() % 3073); // 1 to 4 KiB
        for (auto& byte : app.outgoing) byte = static_cast<std::uint8_t>(random());
    };
    make_text(app_a);
    make_text(app_b);
    const auto who = static_cast<closer>(random() % 3);

    const auto address_a = tcp::ip_address::parse("10.0.0.1").value();
    const auto address_b = tcp::ip_address::parse("10.0.0.2").value();
    REQUIRE(b.listen({address_b, 80}) == tcp::call_error::none);
    REQUIRE(a.open({address_a, 40000}, {address_b, 80}) == tcp::call_error::none);

    outcome result;
    const auto start = clock.now();
    bool idle = false;
    for (; result.steps < step_limit; ++result.steps) {
        // The side that does not close first closes once it has seen the other's FIN.
        use(a, app_a, who != closer::b_first || a.end_of_stream());
        use(b, app_b, who != closer::a_first || b.end_of_stream());
        // A listener whose peer gave up stops listening.
        if (a.state() == tcp::state::closed && b.state() == tcp::state::listen) b.close();

        const std::size_t frames = a.poll() + b.poll();
        if (trace)
            std::printf("%6lld ms  A %s  B %s\n",
                        static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start).count()),
                        describe(a).c_str(), describe(b).c_str());
        if (a.state() == tcp::state::closed && b.state() == tcp::state::closed) {
            result.ended = true;
            break;
        }
        const bool wire_idle =
            wire.in_flight(transport::memory_direction::a_to_b) == 0 && wire.in_flight(transport::memory_direction::b_to_a) == 0;
        if (frames > 0 || !wire_idle) {
            idle = false;
        } else if (!idle) {
            idle = true; // nothing moved: the users get one more turn before time moves
        } else {
            // Nothing on the wire and nothing for the users to do: the next thing to happen is a timer.
            idle = false;
            const core::deadline next = core::earliest(a.next_deadline(), b.next_deadline());
            if (!next.armed()) {
                result.failure = "stuck: nothing in flight and no timer armed";
                break;
            }
            if (next.at() > clock.now()) REQUIRE(clock.set(next.at()).has_value());
        }
    }
    if (!result.ended && result.failure.empty()) result.failure = "step limit reached";
    result.a = a.reason();
    result.b = b.reason();
    result.elapsed = clock.now() - start;

    if (result.failure.empty()) {
        if (!acceptable_end(result.a) || !acceptable_end(result.b)) result.failure = "an end that is neither normal nor an error";
        else if (!is_prefix(app_a.incoming, app_b.outgoing) || !is_prefix(app_b.incoming, app_a.outgoing))
            result.failure = "delivered bytes are not what was sent";
        else if (result.a == tcp::close_reason::normal && result.b == tcp::close_reason::normal &&
                 (app_a.incoming != app_b.outgoing || app_b.incoming != app_a.outgoing))
            result.failure = "both closed normally, but not every byte arrived";
    }
    if (!result.failure.empty()) {
        std::ostringstream out;
        out << "seed " << seed << ": " << result.failure << "; closer " << static_cast<int>(who) << "; A " << describe(a)
            << " sent " << app_a.queued << "/" << app_a.outgoing.size() << " received " << app_a.incoming.size() << "; B "
            << describe(b) << " sent " << app_b.queued << "/" << app_b.outgoing.size() << " received "
            << app_b.incoming.size() << "; " << result.steps << " steps, "
            << std::chrono::duration_cast<std::chrono::milliseconds>(result.elapsed).count() << " ms virtual";
        result.failure = out.str();
    }
    return result;
}

} // namespace

TEST_CASE("10,000 lifecycles over a lossy, duplicating, reordering link all end CLOSED, never stuck, and deliver exactly "
          "what was sent when both close normally",
          "[rfc9293][property][lifecycle]") {
    // SYNACK_LIFECYCLE_SEED=<n> runs lifecycle n alone and prints both connections after every step.
    if (const char* one = std::getenv("SYNACK_LIFECYCLE_SEED")) {
        const outcome o = run_lifecycle(std::strtoull(one, nullptr, 10), true);
        INFO(o.failure);
        CHECK(o.failure.empty());
        return;
    }
    std::vector<std::string> failures;
    std::vector<std::uint64_t> errors; // lifecycles that ended with an error on a side, as allowed
    std::array<std::size_t, 6> reasons{};
    std::size_t both_normal = 0, max_steps = 0;
    core::duration max_elapsed{};
    for (std::uint64_t seed = 1; seed <= lifecycles; ++seed) {
        const outcome o = run_lifecycle(seed);
        if (!o.failure.empty()) failures.push_back(o.failure);
        else if (o.a != tcp::close_reason::normal || o.b != tcp::close_reason::normal) errors.push_back(seed);
        ++reasons[static_cast<std::size_t>(o.a)];
        ++reasons[static_cast<std::size_t>(o.b)];
        if (o.a == tcp::close_reason::normal && o.b == tcp::close_reason::normal) ++both_normal;
        max_steps = std::max(max_steps, o.steps);
        max_elapsed = std::max(max_elapsed, o.elapsed);
    }
    if (std::getenv("SYNACK_LIFECYCLE_STATS")) {
        std::printf("lifecycles %zu, both normal %zu, failures %zu, longest %zu steps, %lld s virtual\n", lifecycles,
                    both_normal, failures.size(), max_steps,
                    static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(max_elapsed).count()));
        for (std::size_t r = 0; r < reasons.size(); ++r)
            std::printf("  ends %s: %zu\n", std::string{tcp::to_string(static_cast<tcp::close_reason>(r))}.c_str(), reasons[r]);
        for (std::size_t i = 0; i < failures.size() && i < 20; ++i) std::printf("  %s\n", failures[i].c_str());
        std::printf("  %zu lifecycles ended with an error, seeds", errors.size());
        for (std::size_t i = 0; i < errors.size() && i < 20; ++i) std::printf(" %llu", static_cast<unsigned long long>(errors[i]));
        std::printf("\n");
    }
    INFO(failures.size() << " of " << lifecycles << " lifecycles failed");
    for (std::size_t i = 0; i < failures.size() && i < 5; ++i) INFO(failures[i]);
    CHECK(failures.empty());
    // Errors are allowed, but at 20% loss with 15 retransmissions a timeout is all but impossible;
    // what remains is rare (a LAST-ACK whose FIN gets through only after the other side's TIME-WAIT
    // ended is reset). Most lifecycles must end normally on both sides.
    INFO(errors.size() << " lifecycles ended with an error");
    CHECK(both_normal >= lifecycles * 97 / 100);
}
