#pragma once
/// \file
/// Runs a parsed packetdrill script against synack in virtual time.
///
/// The stack under test is synack: a `tcp::connection` for each active open and a
/// `tcp::listener` for each listening socket, all on endpoint A of one in-memory link of
/// IPv4 or IPv6 packets, on a `core::manual_clock`. The script plays the remote host on
/// endpoint B. Events run in order:
///
/// - `<` builds the segment (relative sequence numbers mapped onto the remote's ISN, the
///   acknowledgment onto synack's), sends it at its time and hands it to the socket its
///   ports name (or answers as a closed port does);
/// - `>` lets virtual time run, timer by timer, until synack sends a segment, and matches
///   it: flags (PSH only with `--strict`), relative sequence range, payload length, the
///   acknowledgment number, and, with `--strict`, the window and the option bytes;
/// - a system call runs synack's user calls as the socket API would (connect: OPEN;
///   write: SEND; close: CLOSE, or ABORT under SO_LINGER 0; ...) and checks the return
///   value and errno; a blocking call that cannot finish waits while the next events run;
/// - a shell command is not run: a `sysctl` that synack has a policy for sets it.
///
/// A segment synack sends that the script does not list before its next event is a
/// failure, as is one left over at the end.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/listener.hpp>
#include <synack/transport/memory.hpp>

#include "options.hpp"
#include "script.hpp"
#include "symbols.hpp"

namespace synack::drill {

/// A note about a script that does not fail it: something not run or not applied.
struct run_note {
    int line = 0;
    std::string text;
};

/// How a run ended.
struct run_result {
    bool passed = false;
    int line = 0;            ///< where it failed
    std::string message{};   ///< what was expected, and what happened
    std::vector<run_note> notes{};
    std::vector<std::string> trace{}; ///< every event and segment, for --verbose
};

/// Seconds with microseconds, as packetdrill prints them: `0.100000`.
inline std::string format_seconds(std::int64_t usecs) {
    char buf[48];
    const char* sign = usecs < 0 ? "-" : "";
    const std::int64_t a = usecs < 0 ? -usecs : usecs;
    std::snprintf(buf, sizeof buf, "%s%lld.%06lld", sign, static_cast<long long>(a / 1'000'000),
                  static_cast<long long>(a % 1'000'000));
    return buf;
}

/// Flags in packetdrill's notation: `S.`, `F.`, `R`, `FP.`; `-` for none.
inline std::string format_flags(std::uint8_t bits) {
    std::string s;
    if (bits & flag_bit::syn) s += 'S';
    if (bits & flag_bit::fin) s += 'F';
    if (bits & flag_bit::rst) s += 'R';
    if (bits & flag_bit::psh) s += 'P';
    if (bits & flag_bit::urg) s += 'U';
    if (bits & flag_bit::ece) s += 'E';
    if (bits & flag_bit::cwr) s += 'W';
    if (bits & flag_bit::ack) s += '.';
    return s.empty() ? "-" : s;
}

/// How many bytes of an option area carry options: up to the first EOL at an option
/// boundary (what follows it is padding, RFC 9293 3.2), or all of them.
inline std::size_t option_extent(std::span<const std::uint8_t> b) {
    std::size_t i = 0;
    while (i < b.size()) {
        if (b[i] == 0) return i;
        if (b[i] == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= b.size() || b[i + 1] < 2) return b.size();
        i += b[i + 1];
    }
    return b.size();
}

/// An option area's bytes in packetdrill's notation (`mss 1460,sackOK,nop,wscale 7`);
/// SACK edges less `sack_offset`, as a script writes them.
inline std::string format_options(std::span<const std::uint8_t> b, std::uint32_t sack_offset = 0) {
    std::string s;
    const auto be32 = [&](std::size_t i) {
        return static_cast<std::uint32_t>(b[i]) << 24 | static_cast<std::uint32_t>(b[i + 1]) << 16 |
               static_cast<std::uint32_t>(b[i + 2]) << 8 | b[i + 3];
    };
    std::size_t i = 0;
    while (i < b.size()) {
        if (!s.empty()) s += ',';
        const std::uint8_t kind = b[i];
        if (kind == 0) {
            s += "eol";
            ++i;
            continue;
        }
        if (kind == 1) {
            s += "nop";
            ++i;
            continue;
        }
        const std::size_t len = i + 1 < b.size() ? b[i + 1] : 0;
        if (len < 2 || i + len > b.size()) {
            s += "malformed";
            break;
        }
        if (kind == 2 && len == 4) s += "mss " + std::to_string(b[i + 2] << 8 | b[i + 3]);
        else if (kind == 3 && len == 3) s += "wscale " + std::to_string(b[i + 2]);
        else if (kind == 4 && len == 2) s += "sackOK";
        else if (kind == 8 && len == 10) s += "TS val " + std::to_string(be32(i + 2)) + " ecr " + std::to_string(be32(i + 6));
        else if (kind == 5 && (len - 2) % 8 == 0) {
            s += "sack";
            for (std::size_t k = i + 2; k + 8 <= i + len; k += 8)
                s += " " + std::to_string(be32(k) - sack_offset) + ":" + std::to_string(be32(k + 4) - sack_offset);
        } else {
            s += "kind " + std::to_string(kind) + " length " + std::to_string(len);
        }
        i += len;
    }
    return s;
}

/// The option bytes Linux's tcp_options_write lays out for the same options: on a SYN,
/// MSS, then SACK-permitted with timestamps (`sackOK,TS`) or NOP-padded alone
/// (`nop,nop,sackOK`), timestamps NOP-padded without SACK (`nop,nop,TS`), then
/// `nop,wscale`; SACK blocks after `nop,nop`.
inline std::vector<std::uint8_t> linux_option_layout(std::span<const std::uint8_t> options) {
    std::vector<std::uint8_t> out;
    std::optional<std::uint16_t> mss;
    std::optional<std::uint8_t> wscale;
    bool sack_ok = false;
    std::optional<std::span<const std::uint8_t>> ts, sack;
    for (std::size_t i = 0; i < options.size();) {
        const std::uint8_t kind = options[i];
        if (kind == 0) break;
        if (kind == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= options.size() || options[i + 1] < 2 || i + options[i + 1] > options.size()) return {options.begin(), options.end()};
        const auto opt = options.subspan(i, options[i + 1]);
        if (kind == 2 && opt.size() == 4) mss = static_cast<std::uint16_t>(opt[2] << 8 | opt[3]);
        else if (kind == 3 && opt.size() == 3) wscale = opt[2];
        else if (kind == 4) sack_ok = true;
        else if (kind == 8 && opt.size() == 10) ts = opt;
        else if (kind == 5) sack = opt;
        else return {options.begin(), options.end()}; // an option Linux does not write: keep the layout as sent
        i += opt.size();
    }
    if (mss) out.insert(out.end(), {2, 4, static_cast<std::uint8_t>(*mss >> 8), static_cast<std::uint8_t>(*mss)});
    if (ts) {
        if (sack_ok) out.insert(out.end(), {4, 2});
        else out.insert(out.end(), {1, 1});
        out.insert(out.end(), ts->begin(), ts->end());
    } else if (sack_ok) {
        out.insert(out.end(), {1, 1, 4, 2});
    }
    if (wscale) out.insert(out.end(), {1, 3, 3, *wscale});
    if (sack) {
        out.insert(out.end(), {1, 1});
        out.insert(out.end(), sack->begin(), sack->end());
    }
    while (out.size() % 4 != 0) out.push_back(0);
    return out;
}

/// Runs one script (see the file comment).
class runner {
public:
    /// Segments and frames in flight each way at once; the largest frame (an IP packet).
    static constexpr std::size_t link_frames = 256;
    static constexpr std::size_t link_mtu = 4096;
    /// synack's buffers: 64 KiB to send; to receive, 65535 bytes, so that a SYN's
    /// window is the whole buffer, as Linux's is (65535).
    static constexpr std::size_t send_buffer = 65536;
    static constexpr std::size_t receive_buffer = 65535;
    /// Connections a listener holds at once.
    static constexpr std::size_t listener_capacity = 16;

    using wire_type = transport::memory_pair<link_frames, link_mtu>;
    using link_type = wire_type::endpoint;
    using connection_type = tcp::connection<link_type, core::manual_clock, tcp::counter_isn, send_buffer, receive_buffer>;
    using listener_type = tcp::listener<link_type, core::manual_clock, tcp::counter_isn, listener_capacity, send_buffer, receive_buffer>;

    runner(const script& s, run_options options)
        : script_{s}, opt_{std::move(options)}, clock_{epoch()},
          wire_{std::make_unique<wire_type>(clock_, transport::memory_options{.seed = 1, .medium = core::frame_medium::ip})},
          isn_{tcp::seq_number{opt_.local_isn}, 1'000'000} {}

    /// Runs the script to its end or its first failure.
    run_result run() {
        if (!set_up()) return finish();
        if (script_.init_command) apply_command_event(script_.init_where.line, script_.init_command->text);
        if (script_.events.empty()) fail(1, "expected at least one event, got none");
        bool first = true;
        for (const event& e : script_.events) {
            if (failed_) break;
            if (first && (e.time.kind == time_kind::absolute || e.time.kind == time_kind::absolute_range) && e.time.usecs != 0) {
                fail(e.where.line, "expected the first event at time 0, got " + format_seconds(e.time.usecs));
                break;
            }
            first = false;
            run_event(e);
            previous_kind_ = e.time.kind;
        }
        if (!failed_ && pending_)
            fail(pending_->line, "expected " + pending_->text + " to return by the end of the script, it still blocks");
        if (!failed_ && !outbound_.empty()) {
            const auto& s = outbound_.front();
            fail(script_.events.back().where.line,
                 "expected no more segments after the last event, got " + describe(s) + " at " + format_seconds(s.usecs));
        }
        return finish();
    }

private:
    // ---- time ----
    static core::time_point epoch() noexcept { return core::time_point{std::chrono::hours{1}}; }
    std::int64_t now_usecs() const noexcept {
        return std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - epoch()).count();
    }
    core::time_point at_usecs(std::int64_t usecs) const noexcept { return epoch() + std::chrono::microseconds{usecs}; }
    void set_clock(std::int64_t usecs) {
        if (usecs > now_usecs()) (void)clock_.set(at_usecs(usecs));
    }

    // ---- what a failure or a note is ----
    void fail(int line, std::string message) {
        if (failed_) return;
        failed_ = true;
        result_.line = line;
        result_.message = std::move(message);
    }
    void note(int line, std::string text) { result_.notes.push_back({line, std::move(text)}); }
    void trace(std::string line) { result_.trace.push_back(format_seconds(now_usecs()) + " " + std::move(line)); }
    run_result finish() {
        result_.passed = !failed_;
        return std::move(result_);
    }

    bool set_up() {
        const auto address = [&](const std::string& text, const char* v4, const char* v6, const char* what) -> std::optional<tcp::ip_address> {
            const auto a = tcp::ip_address::parse(text.empty() ? (opt_.ip_version == 6 ? v6 : v4) : text);
            if (!a || a->v6 != (opt_.ip_version == 6)) {
                fail(0, std::string{"expected "} + what + " of IPv" + std::to_string(opt_.ip_version) + ", got '" + text + "'");
                return std::nullopt;
            }
            return a;
        };
        const auto local = address(opt_.local_ip, "192.168.0.2", "fd3d:fa7b:d17d::2", "--local_ip");
        const auto remote = address(opt_.remote_ip, "192.0.2.1", "2001:db8::1", "--remote_ip");
        if (!local || !remote) return false;
        local_ip_ = *local;
        remote_ip_ = *remote;
        flow_.local_port = opt_.bind_port;
        flow_.remote_port = opt_.remote_port;
        flow_.remote_offset = opt_.remote_isn;
        next_ephemeral_ = opt_.ephemeral_port;
        return true;
    }

    // ---- the connections under test ----
    /// One connection a socket reaches: an active open's own `tcp::connection`, or one a
    /// listener accepted. It outlives the socket that closes it (FIN-WAIT, TIME-WAIT).
    struct stream_entry {
        std::unique_ptr<connection_type> own{};
        listener_type* parent = nullptr;
        std::uint32_t child = 0;
        bool detached = false;   // a listener's connection that reached CLOSED: its slot is the listener's again
        bool ended = false;
        bool established_once = false;
        tcp::state last_state = tcp::state::closed;
        tcp::close_reason final_reason = tcp::close_reason::none;
        int error = 0;           // the errno the next call reports (the socket's pending error)

        template <class F>
        auto with(F&& f) {
            if (own) return f(*own);
            auto h = parent->at(child);
            return f(h);
        }
        tcp::state state() { return detached ? tcp::state::closed : with([](auto& c) { return c.state(); }); }
    };

    struct listener_entry {
        std::unique_ptr<listener_type> listener{};
        std::uint16_t port = 0;
        bool closed = false;
    };

    struct socket_state {
        bool nonblocking = false;
        std::optional<std::uint16_t> bound_port{};
        listener_entry* listening = nullptr;
        stream_entry* stream = nullptr;
        bool shut_rd = false, shut_wr = false;
        std::deque<std::uint8_t> stash{}; // data read out of the connection before a shutdown(SHUT_WR)
        std::int64_t rcvbuf = 0, sndbuf = 0;
        bool reuseaddr = false, nodelay = false;
        std::int64_t maxseg = 0;
        bool linger_on = false;
        std::int64_t linger_secs = 0;
    };

    /// The connection the script's segments belong to (packetdrill's socket under test):
    /// its ports and how relative sequence numbers map onto each side's ISN.
    struct flow_state {
        std::uint16_t local_port = 0, remote_port = 0;
        std::uint32_t local_offset = 0;  // synack's ISN less the script's
        std::uint32_t remote_offset = 0; // the remote's live ISN less the script's
        std::map<std::uint32_t, std::uint32_t> ts_val_map{}; // script TS val -> live TS val
        std::optional<std::pair<std::uint32_t, std::uint32_t>> first_ts{};
    };

    /// A segment synack sent, parsed.
    struct sent_segment {
        std::int64_t usecs = 0;
        std::uint8_t flags = 0;
        std::uint32_t seq = 0, ack = 0;
        std::uint16_t window = 0;
        std::uint32_t payload = 0;
        std::vector<std::uint8_t> options{};
    };

    /// A blocking call that has not returned yet.
    struct pending_call {
        int line = 0;
        std::string text{};
        const syscall_spec* spec = nullptr;
        std::int64_t end_usecs = 0, tolerance = 0;
        std::function<std::optional<std::pair<std::int64_t, int>>()> attempt{};
    };

    // ---- the event loop ----
    void run_event(const event& e) {
        const int line = e.where.line;
        const std::int64_t now = now_usecs();
        std::int64_t t = 0, t_end = 0;
        bool any = false;
        switch (e.time.kind) {
        case time_kind::absolute:
            t = t_end = e.time.usecs;
            if ((previous_kind_ == time_kind::absolute || previous_kind_ == time_kind::absolute_range) &&
                t < previous_script_usecs_) {
                fail(line, "expected event times that do not go back, got " + format_seconds(t) + " after " +
                               format_seconds(previous_script_usecs_));
                return;
            }
            break;
        case time_kind::absolute_range: t = e.time.usecs; t_end = e.time.end_usecs; break;
        case time_kind::relative: t = t_end = now + e.time.usecs; break;
        case time_kind::relative_range: t = now + e.time.usecs; t_end = now + e.time.end_usecs; break;
        case time_kind::any: t = t_end = now; any = true; break;
        }
        // packetdrill's tolerance: the larger of the fixed one and a share of the time since the previous event.
        const auto share = static_cast<std::int64_t>(opt_.tolerance_percent / 100.0 * static_cast<double>(t - previous_script_usecs_));
        const std::int64_t tolerance = std::max(opt_.tolerance_usecs, share);
        if (const auto* p = std::get_if<packet_spec>(&e.action)) {
            if (p->dir == direction::outbound) expect_outbound(e, *p, t, t_end, tolerance, any);
            else inject_inbound(e, *p, t);
        } else if (const auto* c = std::get_if<syscall_spec>(&e.action)) {
            std::int64_t end = t;
            if (c->end_usecs) {
                const bool relative = e.time.kind == time_kind::relative || e.time.kind == time_kind::relative_range;
                end = relative ? now + *c->end_usecs : *c->end_usecs;
                if (end < t) {
                    fail(line, "expected a blocking call's return time (after '...') not before its start, got " +
                                   format_seconds(end) + " before " + format_seconds(t));
                    return;
                }
            }
            run_syscall(e, *c, t, end, tolerance);
        } else if (const auto* c = std::get_if<command_spec>(&e.action)) {
            advance_to(t, false);
            if (!failed_ && check_unexpected(e)) apply_command_event(line, c->text);
        } else if (std::get_if<code_spec>(&e.action)) {
            advance_to(t, false);
            if (!failed_ && check_unexpected(e)) note(line, "code block not run (synack-drill runs no Python)");
        }
        previous_script_usecs_ = t;
    }

    void apply_command_event(int line, const std::string& text) {
        for (const auto& outcome : apply_command(opt_, text)) {
            if (outcome.what == setting_outcome::kind::ignored) note(line, "ignored: " + outcome.message);
            else if (outcome.what == setting_outcome::kind::applied) trace("mapped onto synack's policy: " + outcome.message);
        }
    }

    /// Fails when synack sent a segment the script did not list before `e`.
    bool check_unexpected(const event& e) {
        if (outbound_.empty()) return true;
        const auto& s = outbound_.front();
        fail(e.where.line, "expected " + e.text + " next, got the unlisted segment " + describe(s) + " sent at " +
                               format_seconds(s.usecs));
        return false;
    }

    // ---- virtual time ----
    /// The earliest timer of the objects a user of synack polls: each connection's, each listener's.
    std::optional<std::int64_t> next_deadline() {
        core::deadline d{};
        for (auto& s : streams_)
            if (s->own) d = core::earliest(d, s->own->next_deadline());
        for (auto& l : listeners_) d = core::earliest(d, l->listener->next_deadline());
        if (!d.armed()) return std::nullopt;
        return std::chrono::duration_cast<std::chrono::microseconds>(d.at() - epoch()).count() +
               ((d.at() - epoch()) % std::chrono::microseconds{1} != core::duration::zero() ? 1 : 0);
    }
    void run_timers() {
        for (auto& s : streams_)
            if (s->own) s->own->on_time();
        for (auto& l : listeners_) l->listener->poll();
        after_step();
    }
    /// Moves virtual time to `t`, running every timer that expires before it (or at it,
    /// when `inclusive`) at its own time. A blocking call that must have returned by
    /// then and has not is a failure.
    void advance_to(std::int64_t t, bool inclusive) {
        for (int guard = 0; guard < 1'000'000 && !failed_; ++guard) {
            const auto d = next_deadline();
            const bool due = d && (inclusive ? *d <= t : *d < t);
            const std::int64_t target = due ? std::max(*d, now_usecs()) : t;
            if (pending_ && pending_->end_usecs + pending_->tolerance < target) {
                set_clock(pending_->end_usecs + pending_->tolerance);
                fail(pending_->line, "expected " + pending_->text + " to return at " + format_seconds(pending_->end_usecs) +
                                         ", it still blocks at " + format_seconds(now_usecs()));
                return;
            }
            set_clock(target);
            if (!due) return;
            run_timers();
        }
        if (!failed_) fail(0, "expected the connections' timers to let time advance, they keep expiring at " + format_seconds(now_usecs()));
    }

    /// Takes what synack sent, updates what each socket sees, and finishes a blocking call that can.
    void after_step() {
        for (int round = 0; round < 4; ++round) {
            capture_outbound();
            refresh_streams();
            if (!pending_) return;
            const auto outcome = pending_->attempt();
            if (!outcome) return;
            auto p = std::move(*pending_);
            pending_.reset();
            const std::int64_t now = now_usecs();
            if (now < p.end_usecs - p.tolerance) {
                fail(p.line, "expected " + p.text + " to return at " + format_seconds(p.end_usecs) + ", it returned at " +
                                 format_seconds(now));
                return;
            }
            trace("(returns) " + p.text + " = " + format_outcome(*outcome));
            check_result(p.line, *p.spec, *outcome);
        }
    }

    void capture_outbound() {
        auto b = wire_->b();
        while (b.receive([&](std::span<const std::uint8_t> frame) { record(frame); })) {
        }
    }
    void record(std::span<const std::uint8_t> frame) {
        const auto packet = tcp::parse_ip(frame);
        if (!packet) {
            fail(0, "expected an IP packet from synack, got one that does not parse");
            return;
        }
        const auto s = tcp::parse(packet->payload);
        if (!s || !s->checksum_ok(packet->pseudo_header_sum())) {
            fail(0, "expected a TCP segment with a valid checksum from synack, got a malformed one");
            return;
        }
        sent_segment out;
        out.usecs = now_usecs();
        out.flags = s->flags().bits();
        out.seq = s->seq().raw();
        out.ack = s->ack().raw();
        out.window = s->window();
        out.payload = static_cast<std::uint32_t>(s->payload().size());
        const auto all = s->bytes().subspan(tcp::header_min_size, s->header_length() - tcp::header_min_size);
        out.options.assign(all.begin(), all.end());
        if (opt_.os == os_layout::linux_kernel) out.options = linux_option_layout(out.options);
        outbound_.push_back(std::move(out));
    }

    /// A sent segment in script notation, relative to both ISNs.
    std::string describe(const sent_segment& s) const {
        const std::uint32_t start = relative_seq(s);
        std::string text = format_flags(s.flags) + " " + std::to_string(start) + ":" + std::to_string(start + s.payload) + "(" +
                           std::to_string(s.payload) + ")";
        if (s.flags & flag_bit::ack) text += " ack " + std::to_string(s.ack - flow_.remote_offset);
        text += " win " + std::to_string(s.window);
        const std::size_t used = option_extent(s.options);
        if (used > 0) text += " <" + format_options(std::span{s.options}.first(used), flow_.remote_offset) + ">";
        return text;
    }

    /// A sent segment's sequence number relative to synack's ISN; a RST,ACK with SEQ 0 is
    /// the answer to a segment without ACK (RFC 9293 3.10.7.1), outside any sequence space: 0.
    std::uint32_t relative_seq(const sent_segment& s) const {
        const bool reset_without_sequence = (s.flags & flag_bit::rst) && (s.flags & flag_bit::ack) && s.seq == 0;
        return reset_without_sequence ? 0 : s.seq - flow_.local_offset;
    }

    // ---- segments out ----
    void expect_outbound(const event& e, const packet_spec& p, std::int64_t t, std::int64_t t_end, std::int64_t tolerance, bool any) {
        const int line = e.where.line;
        const std::int64_t lo = any ? -1 : t - tolerance;
        const std::int64_t hi = any ? now_usecs() + 86'400'000'000 : t_end + tolerance;
        while (outbound_.empty() && !failed_) {
            const auto d = next_deadline();
            if (!d || *d > hi) {
                advance_to(hi, true);
                break;
            }
            advance_to(*d, true);
        }
        if (failed_) return;
        const std::string when = any ? "" : " at " + format_seconds(t) + (t_end != t ? "~" + format_seconds(t_end) : "");
        if (outbound_.empty()) {
            // Say what came instead, if anything does within a day of virtual time.
            const std::int64_t horizon = now_usecs() + 86'400'000'000;
            pending_.reset();
            while (outbound_.empty()) {
                const auto d = next_deadline();
                if (!d || *d > horizon) break;
                set_clock(std::max(*d, now_usecs()));
                run_timers();
            }
            if (outbound_.empty()) fail(line, "expected " + e.text + when + ", got no segment by " + format_seconds(hi) + ", nor later");
            else fail(line, "expected " + e.text + when + " (tolerance " + format_seconds(tolerance) + "), got " +
                                describe(outbound_.front()) + " at " + format_seconds(outbound_.front().usecs));
            return;
        }
        sent_segment s = std::move(outbound_.front());
        outbound_.pop_front();
        // An outbound SYN fixes how synack's sequence numbers map onto the script's.
        if ((p.flags & flag_bit::syn) && (s.flags & flag_bit::syn)) flow_.local_offset = s.seq - p.start;
        trace("> " + describe(s) + (s.usecs != now_usecs() ? " (sent at " + format_seconds(s.usecs) + ")" : ""));
        if (s.usecs < lo || s.usecs > hi) {
            fail(line, "expected " + e.text + when + " (tolerance " + format_seconds(tolerance) + "), got " + describe(s) +
                           " at " + format_seconds(s.usecs));
            return;
        }
        std::vector<std::string> differences;
        const std::uint8_t mask = opt_.strict ? 0xff : static_cast<std::uint8_t>(~flag_bit::psh);
        if ((s.flags ^ p.flags) & mask) differences.push_back("flags");
        if (relative_seq(s) != p.start) differences.push_back("sequence number");
        if (s.payload != p.length) differences.push_back("payload length");
        if (p.ack && (s.flags & flag_bit::ack) && s.ack - flow_.remote_offset != *p.ack) differences.push_back("ack");
        if (opt_.strict && p.window && s.window != *p.window) differences.push_back("window");
        if (p.options) {
            const auto expected = expected_option_bytes(*p.options, s.options);
            remember_ts_vals(*p.options, s.options);
            if (opt_.strict && expected != trimmed_options(s.options)) differences.push_back("options");
        }
        if (!differences.empty()) {
            std::string what;
            for (const auto& d : differences) what += (what.empty() ? "" : ", ") + d;
            fail(line, "expected " + e.text + ", got " + describe(s) + " (differs in: " + what + ")");
        }
    }

    static std::vector<std::uint8_t> trimmed_options(const std::vector<std::uint8_t>& options) {
        // Compare up to the padding (EOL and what follows it).
        return {options.begin(), options.begin() + static_cast<std::ptrdiff_t>(option_extent(options))};
    }
    /// The bytes the script's options stand for; a TS val is not compared (as packetdrill
    /// by default): the sent one is copied in, when the sent options have a timestamp there.
    std::vector<std::uint8_t> expected_option_bytes(const std::vector<tcp_option>& list, const std::vector<std::uint8_t>& sent) const {
        std::vector<std::uint8_t> out;
        const auto be32 = [&](std::uint32_t v) {
            out.insert(out.end(), {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                                   static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
        };
        for (const auto& o : list) {
            switch (o.kind) {
            case option_kind::eol: out.push_back(0); break;
            case option_kind::nop: out.push_back(1); break;
            case option_kind::mss: out.insert(out.end(), {2, 4, static_cast<std::uint8_t>(o.value >> 8), static_cast<std::uint8_t>(o.value)}); break;
            case option_kind::wscale: out.insert(out.end(), {3, 3, static_cast<std::uint8_t>(o.value)}); break;
            case option_kind::sack_permitted: out.insert(out.end(), {4, 2}); break;
            case option_kind::sack:
                out.insert(out.end(), {5, static_cast<std::uint8_t>(2 + 8 * o.blocks.size())});
                for (const auto& b : o.blocks) {
                    be32(b.left + flow_.remote_offset);
                    be32(b.right + flow_.remote_offset);
                }
                break;
            case option_kind::timestamp: {
                const std::size_t at = out.size();
                out.insert(out.end(), {8, 10});
                be32(o.ts_val);
                be32(o.ts_ecr);
                if (at + 10 <= sent.size() && sent[at] == 8 && sent[at + 1] == 10)
                    std::copy(sent.begin() + static_cast<std::ptrdiff_t>(at + 2), sent.begin() + static_cast<std::ptrdiff_t>(at + 6),
                              out.begin() + static_cast<std::ptrdiff_t>(at + 2));
                break;
            }
            }
        }
        out.resize(option_extent(out));
        return out;
    }
    /// packetdrill's TS ecr mapping: a script's TS val names a sent one, so a later
    /// inbound `ecr` of that value echoes what synack really sent.
    void remember_ts_vals(const std::vector<tcp_option>& list, const std::vector<std::uint8_t>& sent) {
        std::optional<std::uint32_t> script_val;
        for (const auto& o : list)
            if (o.kind == option_kind::timestamp) script_val = o.ts_val;
        if (!script_val) return;
        for (std::size_t i = 0; i < sent.size();) {
            if (sent[i] == 0) break;
            if (sent[i] == 1) {
                ++i;
                continue;
            }
            if (i + 1 >= sent.size() || sent[i + 1] < 2) break;
            if (sent[i] == 8 && sent[i + 1] == 10 && i + 10 <= sent.size()) {
                const std::uint32_t live = static_cast<std::uint32_t>(sent[i + 2]) << 24 | static_cast<std::uint32_t>(sent[i + 3]) << 16 |
                                           static_cast<std::uint32_t>(sent[i + 4]) << 8 | sent[i + 5];
                flow_.ts_val_map[*script_val] = live;
                if (!flow_.first_ts) flow_.first_ts = std::pair{*script_val, live};
                return;
            }
            i += sent[i + 1];
        }
    }

    // ---- segments in ----
    void inject_inbound(const event& e, const packet_spec& p, std::int64_t t) {
        advance_to(t, false);
        if (failed_ || !check_unexpected(e)) return;
        tcp::segment seg{};
        seg.source_port = flow_.remote_port;
        seg.destination_port = flow_.local_port;
        seg.seq = tcp::seq_number{p.start + flow_.remote_offset};
        seg.ack = (p.flags & flag_bit::ack) ? tcp::seq_number{p.ack.value_or(0) + flow_.local_offset} : tcp::seq_number{};
        seg.flags = tcp::flag_set::from_bits(p.flags);
        seg.window = static_cast<std::uint16_t>(p.window.value_or(0));
        if (p.options) {
            for (const auto& o : *p.options) {
                bool fits = true;
                switch (o.kind) {
                case option_kind::eol: fits = seg.options.add_raw(std::array<std::uint8_t, 1>{0}); break;
                case option_kind::nop: fits = seg.options.add_nop(); break;
                case option_kind::mss: fits = seg.options.add_mss(static_cast<std::uint16_t>(o.value)); break;
                case option_kind::wscale: fits = seg.options.add_window_scale(static_cast<std::uint8_t>(o.value)); break;
                case option_kind::sack_permitted: fits = seg.options.add_sack_permitted(); break;
                case option_kind::sack: {
                    std::vector<tcp::sack_block> blocks;
                    for (const auto& b : o.blocks)
                        blocks.push_back({tcp::seq_number{b.left + flow_.local_offset}, tcp::seq_number{b.right + flow_.local_offset}});
                    fits = seg.options.add_sack(blocks);
                    break;
                }
                case option_kind::timestamp: fits = seg.options.add_timestamps({o.ts_val, live_ts_ecr(o.ts_ecr)}); break;
                }
                if (!fits) {
                    fail(e.where.line, "expected options that fit in 40 bytes, got more");
                    return;
                }
            }
        }
        std::vector<std::uint8_t> payload(p.length);
        for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>('a' + i % 26);
        seg.payload = payload;
        const bool v6 = opt_.ip_version == 6;
        const std::size_t ip_header = v6 ? tcp::ipv6_header_size : tcp::ipv4_header_size;
        const std::size_t length = ip_header + seg.size();
        if (length > link_mtu) {
            fail(e.where.line, "expected a segment that fits the link's " + std::to_string(link_mtu) + "-byte packets, got " +
                                   std::to_string(length) + " bytes");
            return;
        }
        trace(e.text);
        const auto sent = wire_->b().transmit(length, [&](std::span<std::uint8_t> frame) {
            const auto body = frame.subspan(ip_header);
            if (v6) {
                tcp::write_ipv6_header(frame, remote_ip_.bytes, local_ip_.bytes, seg.size());
                (void)tcp::serialize(seg, body, tcp::ipv6_pseudo_header{remote_ip_.bytes, local_ip_.bytes});
            } else {
                tcp::write_ipv4_header(frame, remote_ip_.v4(), local_ip_.v4(), seg.size());
                (void)tcp::serialize(seg, body, tcp::ipv4_pseudo_header{remote_ip_.v4(), local_ip_.v4()});
            }
        });
        if (!sent) {
            fail(e.where.line, "expected the link to take the segment, it refused it");
            return;
        }
        while (wire_->a().receive([&](std::span<const std::uint8_t> frame) { route(frame); })) {
        }
        after_step();
    }

    std::uint32_t live_ts_ecr(std::uint32_t script_ecr) const {
        if (const auto it = flow_.ts_val_map.find(script_ecr); it != flow_.ts_val_map.end()) return it->second;
        if (flow_.first_ts) return script_ecr - flow_.first_ts->first + flow_.first_ts->second;
        return script_ecr;
    }

    /// Hands an arriving frame to what its ports name: the connection of its 4-tuple,
    /// else the listener on its port, else a closed port (which answers with RST).
    void route(std::span<const std::uint8_t> frame) {
        const auto packet = tcp::parse_ip(frame);
        if (!packet || packet->payload.size() < tcp::header_min_size) return;
        const auto s = tcp::parse_lenient(packet->payload);
        if (!s) return;
        const tcp::ip_address source = packet->version == 4 ? tcp::ip_address{packet->source4} : tcp::ip_address{packet->source6};
        const std::uint16_t sport = s->source_port(), dport = s->destination_port();
        const auto matches = [&](const connection_type& c) {
            const auto& t = c.control_block();
            return t.local.port == dport && t.remote.port == sport && t.remote.address == source;
        };
        connection_type* closed_match = nullptr;
        for (auto it = streams_.rbegin(); it != streams_.rend(); ++it) {
            auto& c = (*it)->own;
            if (!c || !matches(*c)) continue;
            if (c->state() != tcp::state::closed) {
                c->on_frame(frame);
                return;
            }
            if (!closed_match) closed_match = c.get();
        }
        for (auto& l : listeners_) {
            if (l->port != dport) continue;
            if (l->closed) {
                // A closed listener keeps its connections; a new SYN finds no one listening.
                const auto f = s->flags();
                bool known = false;
                for (std::uint32_t id = 0; id < listener_capacity; ++id) {
                    auto h = l->listener->at(id);
                    const auto& t = h.control_block();
                    if (h.state() != tcp::state::closed && t.remote.port == sport && t.remote.address == source) known = true;
                }
                if (!known && f.has(tcp::flag::syn) && !f.has(tcp::flag::ack)) break;
            }
            l->listener->on_frame(frame);
            return;
        }
        if (closed_match) {
            closed_match->on_frame(frame);
            return;
        }
        responder(dport).on_frame(frame);
    }
    /// A CLOSED connection on `port`, which answers any segment as RFC 9293 3.10.7.1 says.
    connection_type& responder(std::uint16_t port) {
        auto& r = responders_[port];
        if (!r) {
            r = std::make_unique<connection_type>(wire_->a(), clock_, isn_, config_for());
            r->listen({local_ip_, port});
            r->close();
        }
        return *r;
    }
    tcp::connection_config config_for(const socket_state* s = nullptr) const {
        tcp::connection_config c = opt_.connection;
        c.mss = opt_.local_mss;
        if (s && s->maxseg > 0) c.mss = static_cast<std::uint16_t>(std::min<std::int64_t>(s->maxseg, 65535));
        return c;
    }

    // ---- what each socket sees of its connection ----
    void refresh_streams() {
        for (auto& entry : streams_) {
            stream_entry& s = *entry;
            if (s.detached) continue;
            const tcp::state st = s.state();
            if (st != tcp::state::closed && st != tcp::state::listen && st != tcp::state::syn_sent && st != tcp::state::syn_received)
                s.established_once = true;
            if (st == tcp::state::closed && !s.ended) {
                s.ended = true;
                s.final_reason = s.with([](auto& c) { return c.reason(); });
                switch (s.final_reason) {
                case tcp::close_reason::refused: s.error = err::econnrefused; break;
                case tcp::close_reason::timed_out: s.error = err::etimedout; break;
                // Linux's tcp_reset: EPIPE in CLOSE-WAIT, ECONNREFUSED in SYN-SENT, else ECONNRESET.
                case tcp::close_reason::reset_by_peer:
                    s.error = s.last_state == tcp::state::close_wait ? err::epipe
                              : s.last_state == tcp::state::syn_sent ? err::econnrefused
                                                                      : err::econnreset;
                    break;
                default: break;
                }
                trace(std::string{"(connection ended: "} + std::string{tcp::to_string(s.final_reason)} + ")");
                if (!s.own) s.detached = true; // its listener slot is free again after the next poll
            }
            s.last_state = st;
        }
    }

    // ---- system calls ----
    using outcome = std::pair<std::int64_t, int>; // return value, errno

    static std::string format_outcome(const outcome& o) {
        return o.first == -1 && o.second != 0 ? "-1 " + errno_name(o.second) : std::to_string(o.first);
    }

    /// The value of an argument: a number, a symbol, `a|b`, `htons(n)`, `[n]`; nullopt otherwise.
    std::optional<std::int64_t> eval(const expression& x) const {
        switch (x.what) {
        case expression::kind::integer: return x.integer;
        case expression::kind::word: return symbol_value(x.text);
        case expression::kind::bit_or: {
            std::int64_t v = 0;
            for (const auto& i : x.items) {
                const auto part = eval(i);
                if (!part) return std::nullopt;
                v |= *part;
            }
            return v;
        }
        case expression::kind::call:
            if ((x.text == "htons" || x.text == "htonl" || x.text == "ntohs") && x.items.size() == 1) return eval(x.items[0]);
            return std::nullopt;
        case expression::kind::array:
            if (x.items.size() == 1) return eval(x.items[0]);
            return std::nullopt;
        default: return std::nullopt;
        }
    }
    /// A record's field (`sin_port` of a sockaddr), by name.
    static const expression* field(const expression& x, std::string_view name) {
        if (x.what != expression::kind::record) return nullptr;
        for (std::size_t i = 0; i < x.items.size(); ++i)
            if (x.names[i] == name) return &x.items[i];
        return nullptr;
    }

    void run_syscall(const event& e, const syscall_spec& c, std::int64_t t, std::int64_t end, std::int64_t tolerance) {
        const int line = e.where.line;
        advance_to(t, false);
        if (failed_) return;
        if (pending_) {
            fail(line, "expected " + pending_->text + " to have returned before " + e.text + ", it still blocks");
            return;
        }
        if (!check_unexpected(e)) return;
        trace(e.text);
        auto first = start_syscall(e, c);
        if (failed_) return;
        if (!first.attempt) { // finished at once
            if (end != t && now_usecs() < end - tolerance) {
                fail(line, "expected " + e.text + " to block until " + format_seconds(end) + ", it returned at once");
                return;
            }
            check_result(line, c, first.done);
            after_step();
            return;
        }
        pending_ = pending_call{line, e.text, &c, end, tolerance, std::move(first.attempt)};
        after_step();
    }

    /// A call's first run: its outcome, or, for a blocking call that cannot finish yet,
    /// the attempt to repeat after each later step.
    struct started {
        outcome done{0, 0};
        std::function<std::optional<outcome>()> attempt{};
    };
    static started now(std::int64_t value, int error = 0) { return {{value, error}, {}}; }
    static started error(int e) { return now(-1, e); }

    started start_syscall(const event& e, const syscall_spec& c) {
        const int line = e.where.line;
        const auto& n = c.name;
        const auto arg = [&](std::size_t i) -> std::optional<std::int64_t> {
            if (i >= c.args.size()) return std::nullopt;
            return eval(c.args[i]);
        };
        const auto need_args = [&](std::size_t count) {
            if (c.args.size() >= count) return true;
            fail(line, "expected " + std::to_string(count) + " arguments to " + n + "(), got " + std::to_string(c.args.size()));
            return false;
        };
        if (n == "socket") {
            if (!need_args(3)) return {};
            const auto type = arg(1);
            if (!type || (*type & ~sym::sock_nonblock) != sym::sock_stream) {
                fail(line, "expected a SOCK_STREAM socket (synack-drill runs TCP only)");
                return {};
            }
            int fd = 3;
            while (fds_.contains(fd)) ++fd;
            socket_state s;
            s.nonblocking = (*type & sym::sock_nonblock) != 0;
            fds_.emplace(fd, std::move(s));
            return now(fd);
        }
        static const std::set<std::string_view> on_sockets{"bind", "listen", "accept", "connect", "close", "shutdown", "read",
                                                           "write", "send", "recv", "fcntl", "getsockopt", "setsockopt"};
        if (!on_sockets.contains(n)) {
            fail(line, "expected a system call synack-drill maps onto synack (socket, bind, listen, accept, connect, close, "
                       "shutdown, read, write, send, recv, fcntl, getsockopt, setsockopt), got " + n + "()");
            return {};
        }
        if (c.args.empty() || !arg(0)) {
            fail(line, "expected a file descriptor as the first argument of " + n + "()");
            return {};
        }
        const int fd = static_cast<int>(*arg(0));
        const auto it = fds_.find(fd);
        if (it == fds_.end()) return error(err::ebadf);
        if (n == "bind") return call_bind(it->second, c);
        if (n == "listen") return call_listen(it->second);
        if (n == "accept") return call_accept(fd);
        if (n == "connect") return call_connect(fd, c);
        if (n == "close") return call_close(fd);
        if (n == "shutdown") {
            if (!need_args(2)) return {};
            return call_shutdown(it->second, arg(1).value_or(-1));
        }
        if (n == "read" || n == "recv") {
            if (!need_args(3)) return {};
            const auto count = arg(2);
            if (!count || *count < 0) {
                fail(line, "expected a byte count as the third argument of " + n + "()");
                return {};
            }
            const bool dontwait = n == "recv" && (arg(3).value_or(0) & sym::msg_dontwait) != 0;
            if (n == "recv" && (arg(3).value_or(0) & sym::msg_peek) != 0) {
                fail(line, "expected recv() flags synack-drill supports (MSG_PEEK is not one)");
                return {};
            }
            return call_read(fd, static_cast<std::size_t>(*count), dontwait);
        }
        if (n == "write" || n == "send") {
            if (!need_args(3)) return {};
            const auto count = arg(2);
            if (!count || *count < 0) {
                fail(line, "expected a byte count as the third argument of " + n + "()");
                return {};
            }
            const bool dontwait = n == "send" && (arg(3).value_or(0) & sym::msg_dontwait) != 0;
            return call_write(fd, static_cast<std::size_t>(*count), dontwait);
        }
        if (n == "fcntl") {
            if (!need_args(2)) return {};
            const auto cmd = arg(1);
            if (cmd == sym::f_getfl) return now(sym::o_rdwr | (it->second.nonblocking ? sym::o_nonblock : 0));
            if (cmd == sym::f_setfl) {
                const auto flags = arg(2);
                if (!flags) {
                    fail(line, "expected the flags as the third argument of fcntl(F_SETFL)");
                    return {};
                }
                it->second.nonblocking = (*flags & sym::o_nonblock) != 0;
                return now(0);
            }
            return error(err::einval);
        }
        if (n == "setsockopt") {
            if (!need_args(4)) return {};
            return call_setsockopt(it->second, line, option_key(arg(1), arg(2)), c.args[3]);
        }
        if (n == "getsockopt") {
            if (!need_args(4)) return {};
            return call_getsockopt(it->second, line, option_key(arg(1), arg(2)), c.args[3]);
        }
        fail(line, "expected " + n + "() to be mapped, it is not"); // every name of `on_sockets` is handled above
        return {};
    }

    started call_bind(socket_state& s, const syscall_spec& c) {
        if (s.bound_port || s.listening || s.stream) return error(err::einval);
        std::uint16_t port = opt_.bind_port;
        if (c.args.size() > 1) {
            const expression* p = field(c.args[1], "sin_port");
            if (!p) p = field(c.args[1], "sin6_port");
            if (p) {
                const auto v = eval(*p);
                if (v && *v > 0 && *v <= 65535) port = static_cast<std::uint16_t>(*v);
            }
        }
        s.bound_port = port;
        flow_.local_port = port;
        return now(0);
    }

    started call_listen(socket_state& s) {
        if (s.stream) return error(err::einval);
        if (s.listening) return now(0);
        const std::uint16_t port = s.bound_port.value_or(opt_.bind_port);
        auto entry = std::make_unique<listener_entry>();
        tcp::listener_config config{};
        config.connection = config_for(&s);
        config.backlog = opt_.syn_backlog;
        entry->listener = std::make_unique<listener_type>(wire_->a(), clock_, isn_, tcp::endpoint{local_ip_, port}, config);
        entry->port = port;
        s.listening = entry.get();
        s.bound_port = port;
        listeners_.push_back(std::move(entry));
        flow_.local_port = port;
        flow_.remote_port = opt_.remote_port;
        return now(0);
    }

    started call_accept(int fd) {
        if (!fds_.at(fd).listening) return error(err::einval);
        const auto attempt = [this, fd]() -> std::optional<outcome> {
            auto sit = fds_.find(fd);
            if (sit == fds_.end() || !sit->second.listening) return outcome{-1, err::ebadf};
            auto* l = sit->second.listening;
            const auto h = l->listener->accept();
            if (!h) return std::nullopt;
            auto entry = std::make_unique<stream_entry>();
            entry->parent = l->listener.get();
            entry->child = h->id();
            entry->last_state = h->state();
            int nfd = 3;
            while (fds_.contains(nfd)) ++nfd;
            socket_state accepted;
            accepted.stream = entry.get();
            accepted.bound_port = l->port;
            fds_.emplace(nfd, std::move(accepted));
            streams_.push_back(std::move(entry));
            refresh_streams();
            return outcome{nfd, 0};
        };
        if (auto r = attempt()) return now(r->first, r->second);
        if (fds_.at(fd).nonblocking) return error(err::eagain);
        return {{0, 0}, attempt};
    }

    started call_connect(int fd, const syscall_spec& c) {
        socket_state& s = fds_.at(fd);
        if (s.listening) return error(err::eisconn);
        if (s.stream) {
            stream_entry& st = *s.stream;
            if (st.error != 0) return error(std::exchange(st.error, 0));
            const auto state = st.state();
            if (state == tcp::state::syn_sent || state == tcp::state::syn_received) return error(err::ealready);
            if (state != tcp::state::closed) return error(err::eisconn);
            if (st.established_once) return error(err::eisconn);
        }
        std::uint16_t port = opt_.connect_port;
        if (c.args.size() > 1) {
            const expression* p = field(c.args[1], "sin_port");
            if (!p) p = field(c.args[1], "sin6_port");
            if (p) {
                const auto v = eval(*p);
                if (v && *v > 0 && *v <= 65535) port = static_cast<std::uint16_t>(*v);
            }
        }
        const std::uint16_t local_port = s.bound_port.value_or(next_ephemeral_++);
        auto entry = std::make_unique<stream_entry>();
        entry->own = std::make_unique<connection_type>(wire_->a(), clock_, isn_, config_for(&s));
        const auto e = entry->own->open({local_ip_, local_port}, {remote_ip_, port});
        if (e != tcp::call_error::none) return error(err::einval);
        entry->last_state = entry->own->state();
        s.stream = entry.get();
        s.bound_port = local_port;
        streams_.push_back(std::move(entry));
        flow_.local_port = local_port;
        flow_.remote_port = port;
        if (s.nonblocking) return error(err::einprogress);
        return {{0, 0}, [this, fd]() -> std::optional<outcome> {
                    auto sit = fds_.find(fd);
                    if (sit == fds_.end() || !sit->second.stream) return outcome{-1, err::ebadf};
                    stream_entry& st = *sit->second.stream;
                    if (st.established_once) return outcome{0, 0};
                    if (st.ended) {
                        const int e = std::exchange(st.error, 0);
                        return outcome{-1, e != 0 ? e : err::econnrefused};
                    }
                    return std::nullopt;
                }};
    }

    started call_close(int fd) {
        socket_state& s = fds_.at(fd);
        if (s.listening) {
            // Linux resets the connections nobody accepted (inet_csk_listen_stop).
            s.listening->closed = true;
            while (auto h = s.listening->listener->accept()) h->abort();
        }
        if (s.stream && !s.stream->detached && !s.stream->ended) {
            stream_entry& st = *s.stream;
            const bool unread = !s.stash.empty() || st.with([](auto& c) { return c.readable(); }) > 0;
            const auto state = st.state();
            if (s.linger_on && s.linger_secs == 0) {
                st.with([](auto& c) { return c.abort(); }); // SO_LINGER 0: ABORT (RFC 9293 3.10.5)
            } else if (unread && s.shut_wr && tcp::is_synchronized(state)) {
                st.with([](auto& c) { return c.abort(); }); // close with unread data (RFC 9293 3.6): the CLOSE already went out
            } else if (!s.shut_wr) {
                st.with([](auto& c) { return c.close(); });
            }
        }
        fds_.erase(fd);
        return now(0);
    }

    started call_shutdown(socket_state& s, std::int64_t how) {
        if (how != sym::shut_rd && how != sym::shut_wr && how != sym::shut_rdwr) return error(err::einval);
        if (!s.stream || s.stream->detached || s.stream->ended) return error(err::enotconn);
        stream_entry& st = *s.stream;
        const auto state = st.state();
        if (state == tcp::state::syn_sent) return error(err::enotconn);
        if (how == sym::shut_rd || how == sym::shut_rdwr) s.shut_rd = true;
        if ((how == sym::shut_wr || how == sym::shut_rdwr) && !s.shut_wr) {
            s.shut_wr = true;
            // A half-close is CLOSE (RFC 9293 3.10.4); synack's CLOSE resets a connection
            // with unread data (RFC 9293 3.6), which a shutdown must not, so the data is
            // taken out first and kept for the next reads.
            std::vector<std::uint8_t> buffer(receive_buffer);
            const std::size_t n = st.with([&](auto& c) { return c.receive(buffer); });
            s.stash.insert(s.stash.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
            st.with([](auto& c) { return c.close(); });
        }
        return now(0);
    }

    started call_read(int fd, std::size_t count, bool dontwait) {
        const auto attempt = [this, fd, count]() -> std::optional<outcome> {
            auto sit = fds_.find(fd);
            if (sit == fds_.end()) return outcome{-1, err::ebadf};
            socket_state& s = sit->second;
            if (!s.stream) return outcome{-1, err::enotconn};
            stream_entry& st = *s.stream;
            if (count == 0) return outcome{0, 0};
            std::size_t got = 0;
            while (got < count && !s.stash.empty()) {
                s.stash.pop_front();
                ++got;
            }
            if (got < count && !st.detached) {
                std::vector<std::uint8_t> buffer(count - got);
                got += st.with([&](auto& c) { return c.receive(buffer); });
            }
            if (got > 0) return outcome{static_cast<std::int64_t>(got), 0};
            if (st.error != 0) return outcome{-1, std::exchange(st.error, 0)};
            if (s.shut_rd) return outcome{0, 0};
            if (st.ended) return st.established_once ? outcome{0, 0} : outcome{-1, err::enotconn};
            if (st.with([](auto& c) { return c.end_of_stream(); })) return outcome{0, 0};
            return std::nullopt;
        };
        if (auto r = attempt()) return now(r->first, r->second);
        if (fds_.at(fd).nonblocking || dontwait) return error(err::eagain);
        return {{0, 0}, attempt};
    }

    started call_write(int fd, std::size_t count, bool dontwait) {
        auto written = std::make_shared<std::size_t>(0);
        const bool nonblocking = fds_.at(fd).nonblocking || dontwait;
        const auto attempt = [this, fd, count, written, nonblocking]() -> std::optional<outcome> {
            auto sit = fds_.find(fd);
            if (sit == fds_.end()) return outcome{-1, err::ebadf};
            socket_state& s = sit->second;
            if (!s.stream) return outcome{-1, err::epipe};
            stream_entry& st = *s.stream;
            if (st.error != 0) return outcome{-1, std::exchange(st.error, 0)};
            if (s.shut_wr || st.ended || st.detached) return outcome{-1, err::epipe};
            const auto state = st.state();
            if (state == tcp::state::syn_sent || state == tcp::state::syn_received)
                return nonblocking ? std::optional<outcome>{outcome{-1, err::eagain}} : std::nullopt; // sk_stream_wait_connect
            if (state != tcp::state::established && state != tcp::state::close_wait) return outcome{-1, err::epipe};
            if (*written < count) {
                std::vector<std::uint8_t> data(count - *written);
                for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>('A' + (*written + i) % 26);
                *written += st.with([&](auto& c) { return c.send(data); });
            }
            if (*written == count) return outcome{static_cast<std::int64_t>(count), 0};
            if (nonblocking) return *written > 0 ? outcome{static_cast<std::int64_t>(*written), 0} : outcome{-1, err::eagain};
            return std::nullopt;
        };
        if (auto r = attempt()) return now(r->first, r->second);
        return {{0, 0}, attempt};
    }

    /// An option's value as written: `[1]`, `1`, or `{onoff=1, linger=0}`.
    std::optional<std::vector<std::int64_t>> option_value(const expression& x) const {
        if (x.what == expression::kind::record) {
            const expression* on = field(x, "onoff");
            const expression* secs = field(x, "linger");
            if (!on || !secs || !eval(*on) || !eval(*secs)) return std::nullopt;
            return std::vector<std::int64_t>{*eval(*on), *eval(*secs)};
        }
        if (x.what == expression::kind::array && x.items.size() == 1 && x.items[0].what == expression::kind::record)
            return option_value(x.items[0]);
        if (const auto v = eval(x)) return std::vector<std::int64_t>{*v};
        return std::nullopt;
    }

    static std::optional<std::int64_t> option_key(std::optional<std::int64_t> level, std::optional<std::int64_t> name) {
        if (!level || !name) return std::nullopt;
        return socket_option_key(*level, *name);
    }

    started call_setsockopt(socket_state& s, int line, std::optional<std::int64_t> name, const expression& value) {
        const auto v = option_value(value);
        if (!name || !v) {
            fail(line, "expected setsockopt(fd, level, NAME, value, length) with a known NAME and a value");
            return {};
        }
        const std::int64_t first = v->front();
        switch (*name) {
        case sockopt::rcvbuf: s.rcvbuf = first; break;
        case sockopt::sndbuf: s.sndbuf = first; break;
        case sockopt::reuseaddr: s.reuseaddr = first != 0; break;
        case sockopt::nodelay: s.nodelay = first != 0; break; // synack sends at once: it has no Nagle delay to turn off
        case sockopt::maxseg:
            if (first < 64 || first > 65535) return error(err::einval);
            s.maxseg = first; // the MSS announced by the next connect or listen
            break;
        case sockopt::linger:
            if (v->size() != 2) {
                fail(line, "expected SO_LINGER's value as {onoff=N, linger=N}");
                return {};
            }
            s.linger_on = first != 0;
            s.linger_secs = (*v)[1];
            break;
        default: return error(err::enoprotoopt);
        }
        return now(0);
    }

    started call_getsockopt(socket_state& s, int line, std::optional<std::int64_t> name, const expression& expected) {
        if (!name) {
            fail(line, "expected getsockopt(fd, level, NAME, value, length) with a known NAME");
            return {};
        }
        std::vector<std::int64_t> actual;
        switch (*name) {
        case sockopt::error: actual = {s.stream ? std::exchange(s.stream->error, 0) : 0}; break;
        case sockopt::rcvbuf: actual = {s.rcvbuf > 0 ? 2 * s.rcvbuf : static_cast<std::int64_t>(receive_buffer)}; break; // Linux doubles it
        case sockopt::sndbuf: actual = {s.sndbuf > 0 ? 2 * s.sndbuf : static_cast<std::int64_t>(send_buffer)}; break;
        case sockopt::reuseaddr: actual = {s.reuseaddr ? 1 : 0}; break;
        case sockopt::nodelay: actual = {s.nodelay ? 1 : 0}; break;
        case sockopt::linger: actual = {s.linger_on ? 1 : 0, s.linger_secs}; break;
        case sockopt::maxseg:
            if (s.stream && s.stream->established_once && !s.stream->detached)
                actual = {s.stream->with([](auto& c) { return static_cast<std::int64_t>(c.control_block().snd_mss); })};
            else actual = {s.maxseg > 0 ? s.maxseg : 536}; // Linux: TCP_MSS_DEFAULT before a connection
            break;
        default: return error(err::enoprotoopt);
        }
        if (expected.what != expression::kind::ellipsis) {
            const auto want = option_value(expected);
            if (!want) {
                fail(line, "expected getsockopt's value written as [N] or {onoff=N, linger=N}");
                return {};
            }
            if (*want != actual) {
                const auto show = [](const std::vector<std::int64_t>& v) {
                    return v.size() == 2 ? "{onoff=" + std::to_string(v[0]) + ", linger=" + std::to_string(v[1]) + "}"
                                         : "[" + std::to_string(v[0]) + "]";
                };
                std::string got = show(actual);
                if (*name == sockopt::error && actual[0] != 0) got += " (" + errno_name(static_cast<int>(actual[0])) + ")";
                fail(line, "expected getsockopt value " + show(*want) + ", got " + got);
                return {};
            }
        }
        return now(0);
    }

    void check_result(int line, const syscall_spec& c, const outcome& got) {
        if (c.result.what == expression::kind::ellipsis) return;
        const auto want = eval(c.result);
        if (!want) {
            fail(line, "expected a number or a symbol as the return value of " + c.name + "()");
            return;
        }
        std::optional<int> want_errno;
        if (!c.errno_name.empty()) {
            want_errno = errno_value(c.errno_name);
            if (!want_errno) {
                fail(line, "expected an errno name synack-drill knows, got " + c.errno_name);
                return;
            }
        }
        const bool ok = got.first == *want && (!want_errno || got.second == *want_errno);
        if (!ok) {
            std::string expected = std::to_string(*want);
            if (want_errno) expected += " " + c.errno_name;
            fail(line, "expected " + c.call_text + " = " + expected + ", got " + format_outcome(got));
        }
    }

    // ---- state ----
    const script& script_;
    run_options opt_;
    core::manual_clock clock_;
    std::unique_ptr<wire_type> wire_;
    tcp::counter_isn isn_;
    tcp::ip_address local_ip_{}, remote_ip_{};
    flow_state flow_{};
    std::vector<std::unique_ptr<stream_entry>> streams_{};
    std::vector<std::unique_ptr<listener_entry>> listeners_{};
    std::map<std::uint16_t, std::unique_ptr<connection_type>> responders_{};
    std::map<int, socket_state> fds_{};
    std::deque<sent_segment> outbound_{};
    std::optional<pending_call> pending_{};
    std::uint16_t next_ephemeral_ = 40000;
    std::int64_t previous_script_usecs_ = 0;
    time_kind previous_kind_ = time_kind::absolute;
    bool failed_ = false;
    run_result result_{};
};

} // namespace synack::drill
