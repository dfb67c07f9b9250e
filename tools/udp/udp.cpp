// synack-udp: synack's TCP between two processes, one segment per UDP datagram.
//
//   synack-udp connect --peer ADDR:PORT [--local ADDR[:PORT]] [--service PORT]
//                      [--send TEXT | --send-file FILE] [--half-close]
//                      [--trace] [--pcap FILE] [--msl MS] [--timeout SECONDS]
//   synack-udp listen  --local ADDR:PORT [--echo | --reply TEXT | --abort] [--count N]
//                      [--trace] [--pcap FILE] [--msl MS] [--timeout SECONDS]
//
// The TCP endpoints are the UDP ones: a connection's ports are the UDP ports, unless
// --service names another TCP port for the peer. What a connection receives goes to
// stdout; messages and the --trace of every segment go to stderr.
//
// Who closes first: `connect` sends its data, then waits for the peer's FIN before
// sending its own, unless --half-close, which sends its FIN right after the data and
// keeps reading until the peer's. `listen` closes once it has read the end of the
// stream (and echoed it all, with --echo); with --reply it sends TEXT and closes at once;
// with --abort it resets the connection when the first data arrives.
//
// Exit status: 0 every connection closed normally; 1 the socket could not be opened;
// 2 bad arguments; 3 reset by the peer; 4 refused (RST to our SYN); 5 timed out
// (retransmissions exhausted, or --timeout passed).
#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/isn.hpp>
#include <synack/tcp/listener.hpp>
#include <synack/tcp/segment.hpp>
#include <synack/transport/observed.hpp>
#include <synack/transport/pcap.hpp>
#include <synack/transport/udp.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace synack;
using namespace std::chrono_literals;

constexpr int exit_normal = 0, exit_socket = 1, exit_usage = 2, exit_reset = 3, exit_refused = 4, exit_timed_out = 5;

struct options {
    bool connect = false;
    std::optional<tcp::endpoint> local, peer;
    std::optional<std::uint16_t> service;
    std::vector<std::uint8_t> data;
    bool half_close = false, echo = false, abort = false, trace = false;
    std::optional<std::string> reply;
    std::size_t count = 1;
    std::string pcap;
    std::chrono::milliseconds msl{500};
    std::chrono::milliseconds timeout{60'000};
};

int usage(const char* why = nullptr) {
    if (why) std::fprintf(stderr, "synack-udp: %s\n", why);
    std::fprintf(stderr,
                 "usage: synack-udp connect --peer ADDR:PORT [--local ADDR[:PORT]] [--service PORT]\n"
                 "                          [--send TEXT | --send-file FILE|-] [--half-close]\n"
                 "                          [--trace] [--pcap FILE] [--msl MS] [--timeout SECONDS]\n"
                 "       synack-udp listen  --local ADDR:PORT [--echo | --reply TEXT | --abort] [--count N]\n"
                 "                          [--trace] [--pcap FILE] [--msl MS] [--timeout SECONDS]\n"
                 "exit: 0 normal close, 1 socket error, 2 usage, 3 reset, 4 refused, 5 timed out\n");
    return exit_usage;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// "1.2.3.4:80", "[fd00::1]:80", or without the port when `port_optional` (port 0).
std::optional<tcp::endpoint> parse_endpoint(std::string_view text, bool port_optional) {
    std::string_view address = text, port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        address = text.substr(1, close - 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':')) return std::nullopt;
            port = rest.substr(1);
        }
    } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos && text.find(':') == colon) {
        address = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    const auto ip = tcp::ip_address::parse(address);
    if (!ip) return std::nullopt;
    if (port.empty()) {
        if (!port_optional) return std::nullopt;
        return tcp::endpoint{*ip, 0};
    }
    const auto p = parse_port(port);
    if (!p) return std::nullopt;
    return tcp::endpoint{*ip, *p};
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
    constexpr std::pair<tcp::flag, const char*> names[] = {{tcp::flag::syn, "SYN"}, {tcp::flag::fin, "FIN"},
                                                           {tcp::flag::rst, "RST"}, {tcp::flag::psh, "PSH"},
                                                           {tcp::flag::ack, "ACK"}, {tcp::flag::urg, "URG"}};
    for (const auto& [flag, name] : names)
        if (f.has(flag)) out += out.empty() ? name : std::string{","} + name;
    return out.empty() ? "none" : out;
}

// --trace: one line per segment on stderr.
struct segment_tracer {
    bool enabled = false;
    void operator()(transport::frame_direction direction, std::span<const std::uint8_t> frame) const {
        if (!enabled) return;
        const char* arrow = direction == transport::frame_direction::sent ? ">" : "<";
        const auto s = tcp::parse_lenient(frame);
        if (!s) {
            std::fprintf(stderr, "synack-udp: %s %zu bytes that are no TCP segment\n", arrow, frame.size());
            return;
        }
        std::string options;
        const auto o = s->summary();
        if (o.has_mss) options += " mss " + std::to_string(o.mss);
        if (o.sack_permitted) options += " sackOK";
        if (o.has_timestamps) options += " TS " + std::to_string(o.timestamps.value) + ":" + std::to_string(o.timestamps.echo);
        if (o.has_window_scale) options += " wscale " + std::to_string(o.window_scale);
        std::fprintf(stderr, "synack-udp: %s %u -> %u %s seq=%u ack=%u win=%u len=%zu%s%s\n", arrow, s->source_port(),
                     s->destination_port(), flag_names(s->flags()).c_str(), s->seq().raw(),
                     s->flags().has(tcp::flag::ack) ? s->ack().raw() : 0u, s->window(), s->payload().size(),
                     options.empty() ? "" : " <", options.empty() ? "" : (options.substr(1) + ">").c_str());
    }
};

using udp_link = transport::udp_transport<>;
using link_type = transport::observed<transport::pcap_recorder<udp_link>, segment_tracer>;
using connection_type = tcp::connection<link_type, core::steady_clock, tcp::rfc6528_isn, 65536, 65536>;

// The listening side is a whole host as far as its peer can tell: a segment to another
// TCP port than the listener's is answered as a port nobody listens on (RFC 9293
// 3.10.7.1), here, before the listener sees it (which would drop it unanswered).
class closed_ports {
public:
    closed_ports(link_type link, std::uint16_t port) : link_{std::move(link)}, port_{port} {}

    template <class Fill>
    core::transmit_result transmit(std::size_t len, Fill&& fill) {
        return link_.transmit(len, fill);
    }
    template <class Consume>
    bool receive(Consume&& consume) {
        bool consumed = false;
        while (!consumed && link_.receive([&](std::span<const std::uint8_t> frame) {
            const auto s = tcp::parse_lenient(frame);
            const bool ours = !s || s->destination_port() == port_ ||
                              !s->checksum_ok(tcp::detail::bare_pseudo_header.sum(static_cast<std::uint16_t>(frame.size())));
            if (ours) {
                consume(frame); // the listener's, or malformed: the listener counts those
                consumed = true;
            } else if (!s->flags().has(tcp::flag::rst)) {
                reset(*s);
            }
        })) {
        }
        return consumed;
    }
    core::transport_capabilities capabilities() const { return link_.capabilities(); }
    link_type& inner() noexcept { return link_; }

private:
    void reset(const tcp::segment_view& s) {
        tcp::segment out{};
        out.source_port = s.destination_port();
        out.destination_port = s.source_port();
        if (s.flags().has(tcp::flag::ack)) {
            out.seq = s.ack();
            out.flags = tcp::flag::rst;
        } else {
            out.ack = s.seq() + s.length();
            out.flags = tcp::flag::rst | tcp::flag::ack;
        }
        (void)link_.transmit(out.size(), [&](std::span<std::uint8_t> frame) {
            (void)tcp::serialize(out, frame, tcp::detail::bare_pseudo_header);
        });
    }

    link_type link_;
    std::uint16_t port_;
};

using listener_type = tcp::listener<closed_ports, core::steady_clock, tcp::rfc6528_isn, 4, 65536, 65536>;

tcp::connection_config config_for(const options& opt) {
    tcp::connection_config c{};
    c.msl = opt.msl;
    // Room for 40 bytes of TCP options in every datagram: the connection fills segments to
    // the MSS without counting the options they carry (RFC 9293 3.7.1 says it should).
    c.mss = static_cast<std::uint16_t>(udp_link::max_segment - tcp::header_min_size - 40);
    return c;
}

int status_of(tcp::close_reason r) {
    switch (r) {
    case tcp::close_reason::none:
    case tcp::close_reason::normal: return exit_normal;
    case tcp::close_reason::reset_by_peer: return exit_reset;
    case tcp::close_reason::refused: return exit_refused;
    case tcp::close_reason::timed_out:
    case tcp::close_reason::aborted: return exit_timed_out;
    }
    return exit_timed_out;
}

void write_out(std::span<const std::uint8_t> bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    std::fflush(stdout);
}

// Sleeps on the socket until a datagram comes or the next timer is due (at most 50 ms).
template <class Link>
void wait(Link& link, core::deadline next) {
    core::duration wait = 50ms;
    if (next.armed()) {
        const auto left = next.remaining(core::steady_clock{}.now());
        if (left < wait) wait = left;
    }
    link.inner().inner().wait_readable(wait);
}

bool open_link(udp_link& udp, const char* role) {
    if (udp.error() == transport::udp_error::none) return true;
    std::fprintf(stderr, "synack-udp %s: cannot open the UDP socket (%s)\n", role, std::strerror(udp.system_error()));
    return false;
}

bool pcap_ok(const transport::pcap_recorder<udp_link>& rec, const options& opt) {
    if (rec.error() == transport::pcap_error::none) return true;
    std::fprintf(stderr, "synack-udp: cannot write %s (%s)\n", opt.pcap.c_str(), std::strerror(rec.system_error()));
    return false;
}

int run_connect(const options& opt) {
    const tcp::endpoint local_ask = opt.local.value_or(tcp::endpoint{opt.peer->address.v6 ? *tcp::ip_address::parse("::")
                                                                                        : *tcp::ip_address::parse("0.0.0.0"), 0});
    udp_link udp{local_ask, *opt.peer};
    if (!open_link(udp, "connect")) return exit_socket;
    const tcp::endpoint local = udp.local();
    const tcp::endpoint remote{opt.peer->address, opt.service.value_or(opt.peer->port)};
    transport::pcap_recorder<udp_link> rec{std::move(udp), opt.pcap.c_str()};
    if (!pcap_ok(rec, opt)) return exit_socket;
    core::steady_clock clock;
    std::random_device device;
    auto isn = tcp::rfc6528_isn::from_random_device(device);
    auto conn = std::make_unique<connection_type>(link_type{std::move(rec), segment_tracer{opt.trace}}, clock, isn, config_for(opt));

    std::fprintf(stderr, "synack-udp: connecting from %s to %s (TCP port %u)\n", to_text(local).c_str(),
                 to_text(*opt.peer).c_str(), remote.port);
    conn->open(local, remote);
    const auto give_up = clock.now() + opt.timeout;
    std::size_t queued = 0;
    bool closed = false;
    auto last_state = conn->state();
    std::array<std::uint8_t, 16384> buffer{};
    while (true) {
        conn->poll();
        for (std::size_t n; (n = conn->receive(buffer)) > 0;) write_out(std::span{buffer}.first(n));
        const auto s = conn->state();
        if (s != last_state && opt.trace)
            std::fprintf(stderr, "synack-udp: %s -> %s\n", tcp::to_string(last_state).data(), tcp::to_string(s).data());
        last_state = s;
        if (s == tcp::state::closed) break;
        if ((s == tcp::state::established || s == tcp::state::close_wait) && queued < opt.data.size())
            queued += conn->send(std::span{opt.data}.subspan(queued));
        const bool all_queued = queued == opt.data.size();
        // --half-close: our FIN right after the data; otherwise the peer closes first.
        if (!closed && all_queued && (s == tcp::state::established || s == tcp::state::close_wait) &&
            (opt.half_close || conn->end_of_stream())) {
            conn->close();
            closed = true;
        }
        if (clock.now() >= give_up) break;
        wait(conn->transport(), conn->next_deadline());
    }
    const bool gave_up = conn->state() != tcp::state::closed;
    if (gave_up) {
        std::fprintf(stderr, "synack-udp: no end after %lld s in %s: aborting\n",
                     static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(opt.timeout).count()),
                     tcp::to_string(conn->state()).data());
        conn->abort();
    }
    const auto reason = conn->reason();
    const auto& counters = conn->transport().inner().inner().counters();
    std::fprintf(stderr, "synack-udp: connection %s; %u segments sent (%u retransmitted), %u received\n",
                 tcp::to_string(reason).data(), conn->counters().segments_sent, conn->counters().retransmissions,
                 conn->counters().segments_received);
    if (counters.unreachable > 0)
        std::fprintf(stderr, "synack-udp: %llu ICMP errors: was anyone listening on %s?\n",
                     static_cast<unsigned long long>(counters.unreachable), to_text(*opt.peer).c_str());
    return gave_up ? exit_timed_out : status_of(reason);
}

int run_listen(const options& opt) {
    udp_link udp{*opt.local};
    if (!open_link(udp, "listen")) return exit_socket;
    const tcp::endpoint local = udp.local();
    transport::pcap_recorder<udp_link> rec{std::move(udp), opt.pcap.c_str()};
    if (!pcap_ok(rec, opt)) return exit_socket;
    core::steady_clock clock;
    std::random_device device;
    auto isn = tcp::rfc6528_isn::from_random_device(device);
    tcp::listener_config config{};
    config.connection = config_for(opt);
    config.hash_seed = (std::uint64_t{device()} << 32) | device();
    auto server = std::make_unique<listener_type>(closed_ports{link_type{std::move(rec), segment_tracer{opt.trace}}, local.port},
                                                  clock, isn, local, config);
    std::fprintf(stderr, "synack-udp: listening on %s\n", to_text(local).c_str());

    struct served_connection {
        listener_type::handle handle;
        std::vector<std::uint8_t> echo{}; // received, not yet sent back
        bool closed = false, aborted = false;
        tcp::state last = tcp::state::syn_received;
    };
    std::vector<served_connection> live;
    std::size_t served = 0;
    int status = exit_normal;
    const auto give_up = clock.now() + opt.timeout;
    std::array<std::uint8_t, 16384> buffer{};
    while (served < opt.count) {
        server->poll();
        while (auto h = server->accept()) {
            std::fprintf(stderr, "synack-udp: connection from %s\n",
                         to_text(*server->transport().inner().inner().inner().peer()).c_str());
            live.push_back({*h});
            if (opt.reply) {
                const auto& text = *opt.reply;
                live.back().echo.assign(text.begin(), text.end());
            }
        }
        for (auto& c : live) {
            auto& h = c.handle;
            for (std::size_t n; (n = h.receive(buffer)) > 0;) {
                write_out(std::span{buffer}.first(n));
                if (opt.echo) c.echo.insert(c.echo.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
                if (opt.abort && !c.aborted) {
                    h.abort();
                    c.aborted = true;
                }
            }
            const auto s = h.state();
            if (opt.trace && s != c.last)
                std::fprintf(stderr, "synack-udp: %s -> %s\n", tcp::to_string(c.last).data(), tcp::to_string(s).data());
            c.last = s;
            if (!c.echo.empty() && (s == tcp::state::established || s == tcp::state::close_wait)) {
                const std::size_t n = h.send(c.echo);
                c.echo.erase(c.echo.begin(), c.echo.begin() + static_cast<std::ptrdiff_t>(n));
            }
            if (!c.closed && c.echo.empty() && (opt.reply || h.end_of_stream()) &&
                (s == tcp::state::close_wait || (opt.reply && s == tcp::state::established))) {
                h.close();
                c.closed = true;
            }
        }
        for (auto it = live.begin(); it != live.end();) {
            if (it->handle.state() != tcp::state::closed) {
                ++it;
                continue;
            }
            const auto reason = it->handle.reason();
            std::fprintf(stderr, "synack-udp: connection %s\n", tcp::to_string(reason).data());
            if (status == exit_normal && !it->aborted) status = status_of(reason);
            ++served;
            it = live.erase(it);
        }
        // Between connections, the next client may come from anywhere.
        if (live.empty() && server->size() == 0) server->transport().inner().inner().inner().forget_peer();
        if (clock.now() >= give_up) {
            std::fprintf(stderr, "synack-udp: %zu of %zu connections after %lld s: giving up\n", served, opt.count,
                         static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(opt.timeout).count()));
            return exit_timed_out;
        }
        wait(server->transport().inner(), server->next_deadline());
    }
    return status;
}

bool read_file(const std::string& path, std::vector<std::uint8_t>& out) {
    if (path == "-") {
        std::array<char, 65536> chunk{};
        for (std::size_t n; (n = std::fread(chunk.data(), 1, chunk.size(), stdin)) > 0;) out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
        return std::ferror(stdin) == 0;
    }
    std::ifstream in{path, std::ios::binary};
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>{in}, {});
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    options opt;
    const std::string_view mode{argv[1]};
    if (mode == "connect") opt.connect = true;
    else if (mode != "listen") return usage("the first argument is connect or listen");
    for (int i = 2; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        const bool has_value = i + 1 < argc;
        const auto value = [&] { return std::string_view{argv[++i]}; };
        if (arg == "--half-close") opt.half_close = true;
        else if (arg == "--echo") opt.echo = true;
        else if (arg == "--abort") opt.abort = true;
        else if (arg == "--trace") opt.trace = true;
        else if (!has_value) return usage("an option is missing its value");
        else if (arg == "--local") {
            if (!(opt.local = parse_endpoint(value(), opt.connect))) return usage("--local takes ADDR:PORT ([ADDR]:PORT for IPv6)");
        } else if (arg == "--peer") {
            if (!(opt.peer = parse_endpoint(value(), false)) || opt.peer->port == 0) return usage("--peer takes ADDR:PORT");
        } else if (arg == "--service") {
            if (!(opt.service = parse_port(value())) || *opt.service == 0) return usage("--service takes a TCP port");
        } else if (arg == "--send") {
            const auto text = value();
            opt.data.assign(text.begin(), text.end());
        } else if (arg == "--send-file") {
            const std::string path{value()};
            if (!read_file(path, opt.data)) return usage(("cannot read " + path).c_str());
        } else if (arg == "--reply") opt.reply = std::string{value()};
        else if (arg == "--pcap") opt.pcap = value();
        else if (arg == "--count") {
            const long n = std::strtol(value().data(), nullptr, 10);
            if (n < 1) return usage("--count takes a positive number");
            opt.count = static_cast<std::size_t>(n);
        } else if (arg == "--msl") {
            const long n = std::strtol(value().data(), nullptr, 10);
            if (n < 1) return usage("--msl takes milliseconds");
            opt.msl = std::chrono::milliseconds{n};
        } else if (arg == "--timeout") {
            const double s = std::strtod(value().data(), nullptr);
            if (!(s > 0)) return usage("--timeout takes seconds");
            opt.timeout = std::chrono::milliseconds{static_cast<long long>(s * 1000)};
        } else return usage(("unknown option " + std::string{arg}).c_str());
    }
    if (opt.connect) {
        if (!opt.peer) return usage("connect needs --peer");
        if (opt.local && opt.local->address.v6 != opt.peer->address.v6) return usage("--local and --peer are of different IP versions");
        return run_connect(opt);
    }
    if (!opt.local || opt.local->port == 0) return usage("listen needs --local ADDR:PORT");
    if (int{opt.echo} + int{opt.reply.has_value()} + int{opt.abort} > 1) return usage("--echo, --reply and --abort exclude each other");
    return run_listen(opt);
}
