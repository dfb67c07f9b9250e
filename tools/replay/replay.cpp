// synack-replay: plays one side of a recorded TCP connection against a synack machine
// standing in for the other side, and prints where synack's segments differ from the
// recorded stack's.
//
//   synack-replay CAPTURE --as client|server [--strict] [--connection N] [--verbose]
//
// CAPTURE is a pcap or pcapng file (Ethernet, Linux cooked, raw IP or loopback link
// types). The Nth connection opened in it (the first by default) is replayed: the
// segments of the side synack does not play ("the peer") are fed to synack at the times
// they were recorded, in real time; the segments of the side synack plays are what it
// should send. The user calls that side's application made are read off its segments:
// OPEN at its SYN (as client) or LISTEN from the start (as server; a server whose first
// segment is a RST had nobody listening, and synack's port stays closed), SEND of the
// bytes each data segment adds, CLOSE at its FIN, ABORT at a RST synack did not send
// on its own. synack reads everything it receives at once. It announces the MSS,
// SACK-permitted, timestamps and window scaling the recorded SYN did.
//
// The segments synack sent are aligned with those the recorded side sent, as a diff
// aligns lines (the longest common subsequence; timing aside: a stack may answer a run of
// segments at once, and a capture taken at one end shows the other end's segments
// interleaved with its answers), on flags, sequence number relative to the sender's ISN,
// acknowledgment number relative to the peer's ISN, and payload length; with --strict
// the window field and the options (kinds in order, and values, timestamp values aside)
// must match too. Each difference is printed: a segment sent differently, one the
// recorded side sent and synack did not, one synack sent and the recorded side did not. synack picks its own ISN; the
// peer's acknowledgment numbers (and SACK blocks) are moved into synack's sequence space
// before it sees them.
//
// Exit status: 0 no difference; 1 differences (each printed); 2 bad arguments, or a
// capture without such a connection.
#include "capture.hpp"

#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/isn.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

namespace {

using namespace synack;
using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;

constexpr int exit_same = 0, exit_differences = 1, exit_usage = 2;

struct options {
    std::string capture;
    bool as_client = true;
    bool role_given = false;
    bool strict = false;
    bool verbose = false;
    std::size_t connection = 1;
};

int usage(const char* why = nullptr) {
    if (why) std::fprintf(stderr, "synack-replay: %s\n", why);
    std::fprintf(stderr, "usage: synack-replay CAPTURE --as client|server [--strict] [--connection N] [--verbose]\n"
                         "exit: 0 no difference, 1 differences, 2 usage or no such connection\n");
    return exit_usage;
}

// An address and port as users write them: 127.0.0.1:80, [fd00::1]:80 (RFC 5952 text).
std::string to_text(const tcp::endpoint& e) {
    char buffer[64];
    if (e.address.v6) {
        std::array<unsigned, 8> groups{};
        for (std::size_t i = 0; i < 8; ++i) groups[i] = e.address.bytes.bytes[2 * i] << 8 | e.address.bytes.bytes[2 * i + 1];
        std::size_t best = 8, best_length = 1; // the longest run of two or more zero groups becomes "::"
        for (std::size_t i = 0; i < 8;) {
            std::size_t j = i;
            while (j < 8 && groups[j] == 0) ++j;
            if (j - i > best_length) best = i, best_length = j - i;
            i = j == i ? i + 1 : j;
        }
        std::string out = "[";
        for (std::size_t i = 0; i < 8; ++i) {
            if (i == best) {
                out += "::";
                i += best_length - 1;
                continue;
            }
            std::snprintf(buffer, sizeof buffer, "%s%x", i == 0 || out.back() == ':' ? "" : ":", groups[i]);
            out += buffer;
        }
        return out + "]:" + std::to_string(e.port);
    }
    const auto a = e.address.v4().bytes;
    std::snprintf(buffer, sizeof buffer, "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], e.port);
    return buffer;
}

std::string flag_names(tcp::flag_set f) {
    std::string out;
    constexpr std::pair<tcp::flag, const char*> names[] = {
        {tcp::flag::syn, "SYN"}, {tcp::flag::fin, "FIN"}, {tcp::flag::rst, "RST"}, {tcp::flag::psh, "PSH"},
        {tcp::flag::ack, "ACK"}, {tcp::flag::urg, "URG"}, {tcp::flag::ece, "ECE"}, {tcp::flag::cwr, "CWR"}};
    for (const auto& [flag, name] : names)
        if (f.has(flag)) out += out.empty() ? name : std::string{","} + name;
    return out.empty() ? "none" : out;
}

// A segment as the comparison sees it: numbers relative to the ISNs of the two sides.
struct seen_segment {
    std::size_t number = 0; // frame number of a recorded segment (0: one synack sent)
    double time = 0;        // seconds since the capture's first packet
    std::uint8_t flags = 0;
    std::uint32_t seq = 0, ack = 0;
    std::size_t length = 0;
    std::uint16_t window = 0;
    std::string options; // kinds and values, timestamp values aside

    auto key() const { return std::tuple{flags, seq, ack, length}; }
    bool same(const seen_segment& o, bool strict) const {
        return key() == o.key() && (!strict || (window == o.window && options == o.options));
    }
    std::string text(bool strict) const {
        std::string out = flag_names(tcp::flag_set::from_bits(flags)) + " seq=" + std::to_string(seq);
        if (tcp::flag_set::from_bits(flags).has(tcp::flag::ack)) out += " ack=" + std::to_string(ack);
        out += " len=" + std::to_string(length);
        if (strict) out += " win=" + std::to_string(window) + (options.empty() ? "" : " <" + options + ">");
        return out;
    }
};

// Relative numbers: seq from the sender's ISN, ack and SACK blocks from the receiver's.
seen_segment see(const tcp::segment_view& s, std::optional<std::uint32_t> own_isn, std::optional<std::uint32_t> peer_isn) {
    seen_segment out;
    out.flags = s.flags().bits();
    out.seq = s.seq().raw() - own_isn.value_or(0);
    out.ack = s.flags().has(tcp::flag::ack) ? s.ack().raw() - peer_isn.value_or(0) : 0;
    out.length = s.payload().size();
    out.window = s.window();
    for (const auto o : s.options()) {
        std::string item;
        switch (o.kind()) {
        case tcp::option_kind::eol: break;
        case tcp::option_kind::nop: item = "nop"; break;
        case tcp::option_kind::mss: item = "mss " + std::to_string(o.mss()); break;
        case tcp::option_kind::window_scale: item = "wscale " + std::to_string(o.window_scale()); break;
        case tcp::option_kind::sack_permitted: item = "sackOK"; break;
        case tcp::option_kind::timestamps: item = "TS"; break;
        case tcp::option_kind::sack:
            item = "sack";
            for (std::size_t i = 0; i < o.sack_block_count(); ++i)
                item += " " + std::to_string(o.sack(i).left.raw() - peer_isn.value_or(0)) + "-" +
                        std::to_string(o.sack(i).right.raw() - peer_isn.value_or(0));
            break;
        default: item = "kind " + std::to_string(o.kind_byte()); break;
        }
        if (item.empty()) continue;
        out.options += out.options.empty() ? item : "," + item;
    }
    return out;
}

// The transport synack talks through: what it sends is kept for the comparison; what
// it receives is handed to it directly (`connection::on_frame`), so `receive` has nothing.
struct replay_link {
    std::vector<bytes>* sent;
    template <class Fill>
    core::transmit_result transmit(std::size_t len, Fill&& fill) {
        bytes frame(len);
        fill(std::span<std::uint8_t>{frame});
        sent->push_back(std::move(frame));
        return len;
    }
    template <class Consume>
    bool receive(Consume&&) {
        return false;
    }
    core::transport_capabilities capabilities() const { return {65535, core::frame_medium::ip, {}}; }
};

using connection_type = tcp::connection<replay_link, core::steady_clock, tcp::rfc6528_isn, 65536, 65536>;

class replayer {
public:
    replayer(const options& opt, replay::recorded_connection recorded)
        : opt_{opt}, rec_{std::move(recorded)}, played_{opt.as_client ? rec_.client : rec_.server},
          peer_{opt.as_client ? rec_.server : rec_.client} {
        for (const auto& p : rec_.packets) {
            const auto s = p.segment();
            if (!s.flags().has(tcp::flag::syn)) continue;
            const bool from_played = p.source() == played_;
            auto& isn = from_played ? played_isn_ : peer_isn_;
            if (!isn) isn = s.seq().raw();
            if (from_played && !played_syn_) played_syn_ = p;
        }
        // The bytes the recorded side's application wrote, and where its writes ended:
        // a segment with PSH ends one (RFC 9293 3.9.1: the last segment of a SEND).
        for (const auto& p : rec_.packets) {
            const auto s = p.segment();
            if (p.source() != played_ || !played_isn_ || s.payload().empty()) continue;
            const std::uint32_t first = s.seq().raw() - *played_isn_ - 1;
            const std::size_t end = std::size_t{first} + s.payload().size();
            if (end > stream_.size()) stream_.resize(end, 0);
            std::copy(s.payload().begin(), s.payload().end(), stream_.begin() + first);
            if (s.flags().has(tcp::flag::psh) || s.flags().has(tcp::flag::fin)) write_ends_.push_back(static_cast<std::uint32_t>(end));
        }
        write_ends_.push_back(static_cast<std::uint32_t>(stream_.size()));
        std::sort(write_ends_.begin(), write_ends_.end());
    }

    int run() {
        std::random_device device;
        auto isn = tcp::rfc6528_isn::from_random_device(device);
        core::steady_clock clock;
        conn_ = std::make_unique<connection_type>(replay_link{&sent_}, clock, isn, config());
        std::printf("synack-replay: %s, connection %zu: %s -> %s, %zu packets; synack plays the %s%s\n", opt_.capture.c_str(),
                    opt_.connection, to_text(rec_.client).c_str(), to_text(rec_.server).c_str(), rec_.packets.size(),
                    opt_.as_client ? "client" : "server", opt_.strict ? " (strict)" : "");
        const auto t0 = rec_.packets.front().time;
        start_ = clock.now();
        if (!opt_.as_client) {
            conn_->listen(played_);
            // A server whose first word is a RST had nobody listening: the port is closed.
            if (first_from_played_is_reset()) conn_->close();
        }
        for (const auto& p : rec_.packets) {
            run_until(start_ + (p.time - t0));
            const double at = std::chrono::duration<double>(p.time - t0).count();
            if (p.source() == played_) {
                user_calls_for(p);
                pump();
                take_sent();
                auto seen = see(p.segment(), played_isn_, peer_isn_);
                seen.number = p.number;
                seen.time = at;
                if (opt_.verbose) std::printf("  #%zu %.6f recorded %s\n", p.number, at, seen.text(opt_.strict).c_str());
                expected_.push_back(seen);
            } else {
                take_sent();
                auto frame = into_synack_space(p);
                if (opt_.verbose)
                    std::printf("  #%zu %.6f peer     %s\n", p.number, at, see(p.segment(), peer_isn_, played_isn_).text(opt_.strict).c_str());
                synack_reset_since_peer_ = false;
                conn_->on_frame(frame);
                last_peer_ = p.number;
                pump();
                take_sent();
            }
        }
        run_until(core::steady_clock{}.now() + 100ms); // what synack still sends on its own
        take_sent();
        compare();
        std::printf("synack-replay: %zu recorded segments, %zu sent by synack, %zu difference%s; synack ended %s (%s)\n",
                    recorded_count_, synack_count_, differences_, differences_ == 1 ? "" : "s",
                    tcp::to_string(conn_->state()).data(), tcp::to_string(conn_->reason()).data());
        return differences_ == 0 ? exit_same : exit_differences;
    }

private:
    tcp::connection_config config() const {
        tcp::connection_config c{};
        if (!played_syn_) return c;
        const auto o = played_syn_->segment().summary();
        if (o.has_mss) c.mss = o.mss;
        c.sack_permitted = o.sack_permitted;
        c.timestamps = o.has_timestamps;
        c.window_scale = o.has_window_scale ? o.window_scale : 0;
        return c;
    }

    bool first_from_played_is_reset() const {
        for (const auto& p : rec_.packets)
            if (p.source() == played_) return p.segment().flags().has(tcp::flag::rst);
        return false;
    }

    // Real time: timers run, pending calls go on, until `target`.
    void run_until(core::time_point target) {
        core::steady_clock clock;
        while (true) {
            conn_->on_time();
            pump();
            const auto now = clock.now();
            if (now >= target) return;
            const auto next = conn_->next_deadline();
            const auto until = next.armed() && next.at() < target ? next.at() : target;
            std::this_thread::sleep_until(std::chrono::steady_clock::time_point{until.time_since_epoch()});
        }
    }

    // The calls the recorded application made, as its segment `p` shows them.
    void user_calls_for(const replay::captured_packet& p) {
        const auto s = p.segment();
        const auto f = s.flags();
        if (f.has(tcp::flag::syn) && !f.has(tcp::flag::ack) && opt_.as_client && conn_->state() == tcp::state::closed &&
            !opened_) {
            conn_->open(played_, peer_);
            opened_ = true;
        }
        if (!s.payload().empty() && played_isn_) {
            // Bytes past what was queued so far are new: the application wrote them, in
            // one SEND up to the end of its write (bytes never captured are zeros).
            const std::uint32_t end = s.seq().raw() - *played_isn_ - 1 + static_cast<std::uint32_t>(s.payload().size());
            if (end > queued_) {
                const std::uint32_t write_end = *std::lower_bound(write_ends_.begin(), write_ends_.end(), end);
                pending_.insert(pending_.end(), stream_.begin() + queued_, stream_.begin() + write_end);
                queued_ = write_end;
            }
        }
        if (f.has(tcp::flag::fin)) close_wanted_ = true;
        if (f.has(tcp::flag::rst) && !synack_reset_since_peer_ && conn_->state() != tcp::state::closed) conn_->abort();
    }

    // Reads what arrived; hands over pending data and the CLOSE as the connection takes them.
    void pump() {
        std::array<std::uint8_t, 65536> sink{};
        while (conn_->receive(sink) > 0) {
        }
        const auto s = conn_->state();
        const bool can_send = s == tcp::state::established || s == tcp::state::close_wait ||
                              s == tcp::state::syn_sent || s == tcp::state::syn_received;
        if (!pending_.empty() && can_send) {
            const std::size_t n = conn_->send(pending_);
            pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        }
        if (close_wanted_ && !closed_ && pending_.empty() &&
            (s == tcp::state::established || s == tcp::state::close_wait || s == tcp::state::syn_received)) {
            conn_->close();
            closed_ = true;
        }
    }

    // Moves what synack sent to the segments compared.
    void take_sent() {
        const double at = std::chrono::duration<double>(core::steady_clock{}.now() - start_).count();
        for (const auto& frame : sent_) {
            const auto packet = tcp::parse_ip(frame);
            if (!packet) continue;
            const auto s = tcp::parse_lenient(packet->payload);
            if (!s) continue;
            if (s->flags().has(tcp::flag::syn) && !synack_isn_) synack_isn_ = s->seq().raw();
            if (s->flags().has(tcp::flag::rst)) synack_reset_since_peer_ = true;
            auto seen = see(*s, synack_isn_, peer_isn_);
            seen.time = at;
            seen.number = last_peer_;
            if (opt_.verbose) std::printf("  %.6f synack   %s\n", at, seen.text(opt_.strict).c_str());
            actual_.push_back(seen);
        }
        sent_.clear();
    }

    // A peer segment with its acknowledgment (and SACK blocks) moved from the recorded
    // side's sequence space into synack's, and its checksum made right for what it now is.
    bytes into_synack_space(const replay::captured_packet& p) const {
        bytes frame = p.ip;
        const auto packet = tcp::parse_ip(frame).value();
        const std::size_t at = packet.header_length;
        const auto s = tcp::parse_lenient(packet.payload).value();
        const std::uint32_t shift = synack_isn_ && played_isn_ ? *synack_isn_ - *played_isn_ : 0;
        const auto move = [&](std::size_t offset) {
            tcp::detail::store_be32(&frame[at + offset], tcp::detail::load_be32(&frame[at + offset]) + shift);
        };
        if (s.flags().has(tcp::flag::ack)) move(8);
        for (const auto o : s.options())
            if (o.kind() == tcp::option_kind::sack)
                for (std::size_t i = 0; i < o.sack_block_count(); ++i) {
                    move(o.offset() + 2 + 8 * i);
                    move(o.offset() + 6 + 8 * i);
                }
        const auto segment = std::span<std::uint8_t>{frame}.subspan(at, packet.payload.size());
        segment[16] = segment[17] = 0;
        const auto moved = tcp::parse_ip(frame).value();
        tcp::detail::store_be16(&segment[16], tcp::checksum_finish(tcp::checksum_add(segment, moved.pseudo_header_sum())));
        return frame;
    }

    // The edit script from the recorded side's segments to synack's (Myers' O(ND) diff on
    // flags/seq/ack/length), as pairs of indices; -1 marks a segment on one side only.
    static std::vector<std::pair<long, long>> align(const std::vector<seen_segment>& e, const std::vector<seen_segment>& a) {
        const long n = static_cast<long>(e.size()), m = static_cast<long>(a.size()), max = n + m;
        std::vector<long> v(static_cast<std::size_t>(2 * max + 3), 0);
        const auto at = [&](long k) -> long& { return v[static_cast<std::size_t>(k + max + 1)]; };
        std::vector<std::vector<long>> trace; // trace[d][k + d]: the furthest x on diagonal k after d edits
        long found = -1;
        for (long d = 0; d <= max && found < 0; ++d) {
            for (long k = -d; k <= d; k += 2) {
                long x = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? at(k + 1) : at(k - 1) + 1;
                long y = x - k;
                while (x < n && y < m && e[static_cast<std::size_t>(x)].key() == a[static_cast<std::size_t>(y)].key()) ++x, ++y;
                at(k) = x;
                if (x >= n && y >= m) found = d;
            }
            trace.emplace_back();
            for (long k = -d; k <= d; ++k) trace.back().push_back(at(k));
        }
        std::vector<std::pair<long, long>> script;
        long x = n, y = m;
        for (long d = found; d > 0; --d) {
            const auto& prev = trace[static_cast<std::size_t>(d - 1)];
            const auto before = [&](long k) { return prev[static_cast<std::size_t>(k + d - 1)]; };
            const long k = x - y;
            const bool down = k == -d || (k != d && before(k - 1) < before(k + 1));
            const long prev_k = down ? k + 1 : k - 1, prev_x = before(prev_k), prev_y = prev_x - prev_k;
            const long mid_x = down ? prev_x : prev_x + 1;
            for (; x > mid_x; --x, --y) script.emplace_back(x - 1, y - 1);
            if (down) script.emplace_back(-1, prev_y);
            else script.emplace_back(prev_x, -1);
            x = prev_x;
            y = prev_y;
        }
        for (; x > 0; --x, --y) script.emplace_back(x - 1, y - 1);
        std::reverse(script.begin(), script.end());
        return script;
    }

    // Prints the differences: a run of segments on one side or the other between two that
    // match is paired up in order as segments sent differently, the rest sent by one side only.
    void compare() {
        recorded_count_ = expected_.size();
        synack_count_ = actual_.size();
        std::vector<std::size_t> only_recorded, only_synack;
        const auto flush = [&] {
            const std::size_t pairs = std::min(only_recorded.size(), only_synack.size());
            for (std::size_t k = 0; k < pairs; ++k) differ(expected_[only_recorded[k]], actual_[only_synack[k]]);
            for (std::size_t k = pairs; k < only_recorded.size(); ++k) missing(expected_[only_recorded[k]]);
            for (std::size_t k = pairs; k < only_synack.size(); ++k) extra(actual_[only_synack[k]]);
            only_recorded.clear();
            only_synack.clear();
        };
        for (const auto& [i, j] : align(expected_, actual_)) {
            if (i >= 0 && j >= 0) {
                flush();
                const auto& e = expected_[static_cast<std::size_t>(i)];
                const auto& a = actual_[static_cast<std::size_t>(j)];
                if (!e.same(a, opt_.strict)) differ(e, a);
            } else if (i >= 0) {
                only_recorded.push_back(static_cast<std::size_t>(i));
            } else {
                only_synack.push_back(static_cast<std::size_t>(j));
            }
        }
        flush();
    }

    void differ(const seen_segment& recorded, const seen_segment& synack) {
        ++differences_;
        std::printf("#%zu %.6f: the recorded %s sent %s\n             synack sent       %s\n", recorded.number, recorded.time,
                    opt_.as_client ? "client" : "server", recorded.text(opt_.strict).c_str(), synack.text(opt_.strict).c_str());
    }
    void missing(const seen_segment& recorded) {
        ++differences_;
        std::printf("#%zu %.6f: the recorded %s sent %s\n             synack sent nothing like it\n", recorded.number,
                    recorded.time, opt_.as_client ? "client" : "server", recorded.text(opt_.strict).c_str());
    }
    void extra(const seen_segment& synack) {
        ++differences_;
        const std::string where = synack.number ? "after #" + std::to_string(synack.number) : "at the start";
        std::printf("%s: synack sent %s\n             the recorded %s sent nothing like it\n", where.c_str(),
                    synack.text(opt_.strict).c_str(), opt_.as_client ? "client" : "server");
    }

    const options& opt_;
    replay::recorded_connection rec_;
    tcp::endpoint played_, peer_;
    std::optional<std::uint32_t> played_isn_, peer_isn_, synack_isn_;
    std::optional<replay::captured_packet> played_syn_;
    std::unique_ptr<connection_type> conn_;
    core::time_point start_{};
    std::size_t last_peer_ = 0; // the last peer segment synack was given
    bytes stream_;                       // the recorded side's data, by stream offset
    std::vector<std::uint32_t> write_ends_; // stream offsets where its application's writes ended
    std::vector<bytes> sent_;
    std::vector<seen_segment> expected_, actual_;
    bytes pending_;
    std::uint32_t queued_ = 0; // stream bytes handed to synack, or waiting in `pending_`
    bool opened_ = false, close_wanted_ = false, closed_ = false, synack_reset_since_peer_ = false;
    std::size_t differences_ = 0, recorded_count_ = 0, synack_count_ = 0;
};

} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        if (arg == "--strict") opt.strict = true;
        else if (arg == "--verbose") opt.verbose = true;
        else if (arg == "--as" && i + 1 < argc) {
            const std::string_view role{argv[++i]};
            if (role != "client" && role != "server") return usage("--as takes client or server");
            opt.as_client = role == "client";
            opt.role_given = true;
        } else if (arg == "--connection" && i + 1 < argc) {
            const long n = std::strtol(argv[++i], nullptr, 10);
            if (n < 1) return usage("--connection takes a number from 1");
            opt.connection = static_cast<std::size_t>(n);
        } else if (!arg.starts_with("--") && opt.capture.empty()) opt.capture = arg;
        else return usage(("unexpected argument " + std::string{arg}).c_str());
    }
    if (opt.capture.empty()) return usage("no capture given");
    if (!opt.role_given) return usage("say which side synack plays: --as client or --as server");
    std::string error;
    const auto packets = replay::read_capture(opt.capture, error);
    if (packets.empty()) {
        std::fprintf(stderr, "synack-replay: %s: %s\n", opt.capture.c_str(), error.c_str());
        return exit_usage;
    }
    auto connection = replay::pick_connection(packets, opt.connection);
    if (!connection) {
        std::fprintf(stderr, "synack-replay: %s: no connection %zu opens in it (no SYN without ACK that many times)\n",
                     opt.capture.c_str(), opt.connection);
        return exit_usage;
    }
    replayer r{opt, std::move(*connection)};
    return r.run();
}
