// synack-tun: synack's TCP on a Linux TUN device, with the kernel's own TCP as its peer.
//
//   synack-tun connect --dev DEV --local ADDR[:PORT] --peer ADDR:PORT
//                      [--send TEXT | --send-file F] [--half-close] [--trace] [--pcap F] [tuning]
//   synack-tun listen  --dev DEV --local ADDR:PORT [--echo] [--count N]
//                      [--send TEXT | --send-file F] [--half-close] [--trace] [--pcap F] [tuning]
//
// See usage() for every option and the exit statuses. The program is a real-time loop:
// poll(2) on the device (and standard input) until the connection's next deadline,
// then the connection takes the frames that arrived and runs the timers that expired.
#include <synack/core/clock.hpp>
#include <synack/tcp/connection.hpp>
#include <synack/tcp/isn.hpp>
#include <synack/tcp/listener.hpp>
#include <synack/transport/pcap.hpp> // --pcap
#include <synack/transport/tun.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
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

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

namespace {
using namespace synack;
using namespace std::chrono_literals;

// ---- exit statuses (documented in usage() and tools/tun/README.section.md) ----
enum exit_status : int {
    exit_normal = 0,    // every connection closed normally
    exit_failure = 1,   // a connection was aborted, or reading input or writing output failed
    exit_usage = 2,     // bad command line
    exit_device = 3,    // the TUN device could not be opened, configured or used
    exit_reset = 4,     // the peer reset the connection
    exit_refused = 5,   // the peer refused the connection (RST to our SYN)
    exit_timed_out = 6, // retransmissions ran out (no answer from the peer)
};

int status_of(tcp::close_reason r) {
    switch (r) {
    case tcp::close_reason::normal: return exit_normal;
    case tcp::close_reason::reset_by_peer: return exit_reset;
    case tcp::close_reason::refused: return exit_refused;
    case tcp::close_reason::timed_out: return exit_timed_out;
    case tcp::close_reason::none:
    case tcp::close_reason::aborted: return exit_failure;
    }
    return exit_failure;
}

int usage(const char* problem = nullptr) {
    if (problem) std::fprintf(stderr, "synack-tun: %s\n", problem);
    std::fprintf(stderr, R"(usage:
  synack-tun connect --dev DEV --local ADDR[:PORT] --peer ADDR:PORT
                     [--send TEXT | --send-file F] [--half-close] [--trace] [--pcap F] [tuning]
  synack-tun listen  --dev DEV --local ADDR:PORT [--echo] [--count N]
                     [--send TEXT | --send-file F] [--half-close] [--trace] [--pcap F] [tuning]

connect  opens a TCP connection from ADDR (synack's address behind the device; a random
         port unless given) to the peer, sends TEXT, the file F, or standard input when
         neither is given, prints what it receives on standard output, and closes: at the
         end of its data with --half-close, otherwise once the peer has closed too.
listen   waits on ADDR:PORT for N connections (--count, default 1), prints what each
         sends, echoes it back with --echo, sends TEXT or F to each with --send, and
         closes each once the peer has closed (or at the end of its data, --half-close).
         It says "listening" on standard error when it is ready.

DEV is an existing TUN device (ip tuntap add dev DEV mode tun; ip addr add ...; ip link set
DEV up), or one synack-tun creates, brings up and removes at exit. IPv6 addresses go in
brackets when a port follows: [fd77::2]:7.

  --kernel-address A[/P]  the kernel's address on a device synack-tun creates (connect:
                          the peer's address, IPv4 point-to-point to --local, IPv6 /64)
  --trace                 every segment in and out, and every state, on standard error
  --pcap F                record every frame in and out of the device to F (pcap, raw IP)
  tuning: --mss N (the MSS announced; default 1460, less when the device's MTU is smaller)
          --rto MS (initial retransmission timeout, 1000)  --retries N (SYN, SYN,ACK and
          data retransmissions: 6, 5, 15)  --msl MS (TIME-WAIT lasts 2 MSL; 1000 here)
          --drop P (drop each frame in and out with probability P, to test recovery)
          --seed N (for --drop)

SIGINT or SIGTERM closes every connection gracefully; a second one aborts them.
exit status: 0 every connection closed normally; 1 aborted, or an input or output error
(--send-file, standard input or output, --pcap);
2 usage; 3 device error; 4 reset by the peer; 5 refused; 6 timed out.
)");
    return exit_usage;
}

// ---- command line ----

struct options {
    enum class mode { connect, listen } mode = mode::connect;
    std::string device;
    std::optional<tcp::ip_address> local_address;
    std::optional<std::uint16_t> local_port;
    std::optional<tcp::endpoint> peer;
    std::optional<std::string> send_text;
    std::optional<std::string> send_file;
    std::optional<std::string> pcap;
    bool half_close = false;
    bool echo = false;
    bool trace = false;
    unsigned count = 1;
    std::optional<tcp::ip_address> kernel_address;
    std::optional<unsigned> kernel_prefix;
    std::optional<std::uint16_t> mss;
    std::optional<std::chrono::milliseconds> rto;
    std::optional<std::uint8_t> retries;
    std::chrono::milliseconds msl{1000};
    double drop = 0.0;
    std::uint64_t seed = 1;
};

template <class Integer>
std::optional<Integer> parse_number(std::string_view text) {
    Integer value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "10.0.0.1", "10.0.0.1:80", "fd77::2", "[fd77::2]", "[fd77::2]:80".
struct address_and_port {
    tcp::ip_address address;
    std::optional<std::uint16_t> port;
};
std::optional<address_and_port> parse_address_and_port(std::string_view text) {
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const auto address = tcp::ipv6_address::parse(text.substr(1, close - 1));
        if (!address) return std::nullopt;
        const auto rest = text.substr(close + 1);
        if (rest.empty()) return address_and_port{*address, std::nullopt};
        if (!rest.starts_with(':')) return std::nullopt;
        const auto port = parse_number<std::uint16_t>(rest.substr(1));
        if (!port) return std::nullopt;
        return address_and_port{*address, *port};
    }
    if (const auto address = tcp::ip_address::parse(text)) return address_and_port{*address, std::nullopt};
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto address = tcp::ipv4_address::parse(text.substr(0, colon));
    const auto port = parse_number<std::uint16_t>(text.substr(colon + 1));
    if (!address || !port) return std::nullopt;
    return address_and_port{*address, *port};
}

std::optional<options> parse_options(int argc, char** argv, int& status) {
    status = exit_usage;
    if (argc < 2) return usage(), std::nullopt;
    options opt;
    const std::string_view command{argv[1]};
    if (command == "connect") opt.mode = options::mode::connect;
    else if (command == "listen") opt.mode = options::mode::listen;
    else if (command == "--help" || command == "-h") return usage(), std::nullopt;
    else return usage("the first argument is connect or listen"), std::nullopt;

    for (int i = 2; i < argc; ++i) {
        const std::string_view arg{argv[i]};
        const auto value = [&]() -> std::optional<std::string_view> {
            if (i + 1 >= argc) return std::nullopt;
            return std::string_view{argv[++i]};
        };
        const auto bad = [&](const char* what) {
            std::fprintf(stderr, "synack-tun: %.*s: %s\n", static_cast<int>(arg.size()), arg.data(), what);
            usage();
            return std::nullopt;
        };
        if (arg == "--half-close") opt.half_close = true;
        else if (arg == "--echo") opt.echo = true;
        else if (arg == "--trace") opt.trace = true;
        else if (arg == "--dev") {
            const auto v = value();
            if (!v) return bad("needs a device name");
            opt.device = *v;
        } else if (arg == "--local") {
            const auto v = value();
            const auto parsed = v ? parse_address_and_port(*v) : std::nullopt;
            if (!parsed) return bad("needs ADDR or ADDR:PORT ([ADDR]:PORT for IPv6)");
            opt.local_address = parsed->address;
            opt.local_port = parsed->port;
        } else if (arg == "--peer") {
            const auto v = value();
            const auto parsed = v ? parse_address_and_port(*v) : std::nullopt;
            if (!parsed || !parsed->port || *parsed->port == 0) return bad("needs ADDR:PORT ([ADDR]:PORT for IPv6)");
            opt.peer = tcp::endpoint{parsed->address, *parsed->port};
        } else if (arg == "--send") {
            const auto v = value();
            if (!v) return bad("needs the text to send");
            opt.send_text = std::string{*v};
        } else if (arg == "--send-file") {
            const auto v = value();
            if (!v) return bad("needs a file name");
            opt.send_file = std::string{*v};
        } else if (arg == "--pcap") {
            const auto v = value();
            if (!v) return bad("needs a file name");
            opt.pcap = std::string{*v};
        } else if (arg == "--count") {
            const auto v = value();
            const auto n = v ? parse_number<unsigned>(*v) : std::nullopt;
            if (!n || *n == 0) return bad("needs a number of connections, at least 1");
            opt.count = *n;
        } else if (arg == "--kernel-address") {
            const auto v = value();
            if (!v) return bad("needs ADDR or ADDR/PREFIX");
            const auto slash = v->find('/');
            const auto address = tcp::ip_address::parse(v->substr(0, slash));
            if (!address) return bad("needs ADDR or ADDR/PREFIX");
            opt.kernel_address = *address;
            if (slash != std::string_view::npos) {
                const auto prefix = parse_number<unsigned>(v->substr(slash + 1));
                if (!prefix || *prefix > (address->v6 ? 128u : 32u)) return bad("has a prefix longer than the address");
                opt.kernel_prefix = *prefix;
            }
        } else if (arg == "--mss") {
            const auto v = value();
            const auto n = v ? parse_number<std::uint16_t>(*v) : std::nullopt;
            if (!n || *n < 64) return bad("needs a segment size of at least 64 bytes");
            opt.mss = *n;
        } else if (arg == "--rto") {
            const auto v = value();
            const auto n = v ? parse_number<unsigned>(*v) : std::nullopt;
            if (!n || *n == 0) return bad("needs milliseconds, at least 1");
            opt.rto = std::chrono::milliseconds{*n};
        } else if (arg == "--retries") {
            const auto v = value();
            const auto n = v ? parse_number<std::uint8_t>(*v) : std::nullopt;
            if (!n) return bad("needs a number of retransmissions, 0 to 255");
            opt.retries = *n;
        } else if (arg == "--msl") {
            const auto v = value();
            const auto n = v ? parse_number<unsigned>(*v) : std::nullopt;
            if (!n) return bad("needs milliseconds");
            opt.msl = std::chrono::milliseconds{*n};
        } else if (arg == "--drop") {
            const auto v = value();
            const double p = v ? std::strtod(std::string{*v}.c_str(), nullptr) : -1.0;
            if (!(p >= 0.0 && p < 1.0)) return bad("needs a probability in [0, 1)");
            opt.drop = p;
        } else if (arg == "--seed") {
            const auto v = value();
            const auto n = v ? parse_number<std::uint64_t>(*v) : std::nullopt;
            if (!n) return bad("needs a number");
            opt.seed = *n;
        } else {
            std::fprintf(stderr, "synack-tun: unknown option %.*s\n", static_cast<int>(arg.size()), arg.data());
            return usage(), std::nullopt;
        }
    }
    if (opt.device.empty()) return usage("--dev is required"), std::nullopt;
    if (!opt.local_address) return usage("--local is required"), std::nullopt;
    if (opt.send_text && opt.send_file) return usage("--send and --send-file exclude each other"), std::nullopt;
    if (opt.mode == options::mode::connect) {
        if (!opt.peer) return usage("connect needs --peer ADDR:PORT"), std::nullopt;
        if (opt.peer->address.v6 != opt.local_address->v6) return usage("--local and --peer must be of one family"), std::nullopt;
        if (opt.echo || opt.count != 1) return usage("--echo and --count are for listen"), std::nullopt;
    } else {
        if (!opt.local_port || *opt.local_port == 0) return usage("listen needs --local ADDR:PORT"), std::nullopt;
        if (opt.peer) return usage("--peer is for connect"), std::nullopt;
    }
    if (opt.kernel_address && opt.kernel_address->v6 != opt.local_address->v6)
        return usage("--kernel-address and --local must be of one family"), std::nullopt;
    status = exit_normal;
    return opt;
}

// ---- text ----

std::string address_text(const tcp::ip_address& a) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (a.v6) ::inet_ntop(AF_INET6, a.bytes.bytes.data(), text.data(), text.size());
    else ::inet_ntop(AF_INET, a.bytes.bytes.data(), text.data(), text.size());
    return text.data();
}

std::string endpoint_text(const tcp::endpoint& e) {
    return e.address.v6 ? "[" + address_text(e.address) + "]:" + std::to_string(e.port)
                        : address_text(e.address) + ":" + std::to_string(e.port);
}

// One line for a frame: "10.77.0.2:40000 > 10.77.0.1:7 SA seq=... ack=... win=... len=...".
std::string describe(std::span<const std::uint8_t> frame) {
    const auto packet = tcp::parse_ip(frame);
    if (!packet) return "not IP (" + std::string{tcp::to_string(packet.error())} + "), " + std::to_string(frame.size()) + " bytes";
    const tcp::ip_address source = packet->version == 4 ? tcp::ip_address{packet->source4} : tcp::ip_address{packet->source6};
    const tcp::ip_address destination =
        packet->version == 4 ? tcp::ip_address{packet->destination4} : tcp::ip_address{packet->destination6};
    if (packet->protocol != tcp::ip_protocol_tcp)
        return address_text(source) + " > " + address_text(destination) + " protocol " + std::to_string(packet->protocol) + ", " +
               std::to_string(frame.size()) + " bytes";
    const auto s = tcp::parse_lenient(packet->payload);
    if (!s) return address_text(source) + " > " + address_text(destination) + " TCP that does not parse";
    std::string line = endpoint_text({source, s->source_port()}) + " > " + endpoint_text({destination, s->destination_port()}) + " " +
                       std::string{s->flags().letters().view()} + " seq=" + std::to_string(s->seq().raw());
    if (s->flags().has(tcp::flag::ack)) line += " ack=" + std::to_string(s->ack().raw());
    line += " win=" + std::to_string(s->window()) + " len=" + std::to_string(s->payload().size());
    return line;
}

// ---- the device, with tracing and injected loss ----

// A small seeded generator for --drop (xorshift64*): the same seed drops the same frames.
class drop_dice {
public:
    explicit drop_dice(std::uint64_t seed) : state_{seed ? seed : 0x9e3779b97f4a7c15u} {}
    bool roll(double probability) {
        if (probability <= 0.0) return false;
        state_ ^= state_ >> 12;
        state_ ^= state_ << 25;
        state_ ^= state_ >> 27;
        const std::uint64_t r = state_ * 0x2545f4914f6cdd1du;
        return static_cast<double>(r >> 11) * 0x1.0p-53 < probability;
    }

private:
    std::uint64_t state_;
};

// What reaches the device, recorded into --pcap's file when one is given.
using recorded_device = transport::pcap_recorder<transport::tun_device>;
recorded_device record(transport::tun_device device, const options& opt) {
    return recorded_device{std::move(device), opt.pcap ? opt.pcap->c_str() : nullptr}; // no path: records nothing
}
transport::tun_device& device_of(recorded_device& r) { return r.inner(); }
bool recording_failed(const recorded_device& r, const options& opt) {
    if (r.error() == transport::pcap_error::none) return false;
    std::fprintf(stderr, "synack-tun: --pcap %s: %s\n", opt.pcap ? opt.pcap->c_str() : "", std::strerror(r.system_error()));
    return true;
}

// The TUN device as the connection's transport (recorded with --pcap), printing frames
// with --trace and dropping them with --drop before they reach it or after they left it.
class device_link {
public:
    device_link(recorded_device device, double drop, std::uint64_t seed, bool trace)
        : wire_{std::move(device)}, drop_{drop}, dice_{seed}, trace_{trace} {}

    template <class Fill>
    core::transmit_result transmit(std::size_t len, Fill&& fill) {
        if (drop_ > 0.0 && len <= wire_.capabilities().mtu && dice_.roll(drop_)) {
            scratch_.resize(len);
            fill(std::span<std::uint8_t>{scratch_});
            ++dropped_out_;
            if (trace_) std::fprintf(stderr, "synack-tun: out %s (dropped)\n", describe(scratch_).c_str());
            return len;
        }
        const auto sent = wire_.transmit(len, [&](std::span<std::uint8_t> frame) {
            fill(frame);
            if (trace_) std::fprintf(stderr, "synack-tun: out %s\n", describe(frame).c_str());
        });
        if (!sent) report_send_failure(sent.error());
        return sent;
    }
    template <class Consume>
    bool receive(Consume&& consume) {
        return wire_.receive([&](std::span<const std::uint8_t> frame) {
            if (drop_ > 0.0 && dice_.roll(drop_)) {
                ++dropped_in_;
                if (trace_) std::fprintf(stderr, "synack-tun: in  %s (dropped)\n", describe(frame).c_str());
                return;
            }
            if (trace_) std::fprintf(stderr, "synack-tun: in  %s\n", describe(frame).c_str());
            consume(frame);
        });
    }
    core::transport_capabilities capabilities() const noexcept { return wire_.capabilities(); }

    recorded_device& wire() noexcept { return wire_; }
    transport::tun_device& device() noexcept { return device_of(wire_); }
    std::uint64_t dropped_in() const noexcept { return dropped_in_; }
    std::uint64_t dropped_out() const noexcept { return dropped_out_; }
    bool link_lost() const noexcept { return link_lost_; }

private:
    void report_send_failure(core::transport_error e) {
        const auto& device = device_of(wire_);
        if (e == core::transport_error::link_down && !link_lost_) {
            link_lost_ = true;
            std::fprintf(stderr, "synack-tun: %s: the link is down (%s)\n", std::string{device.info().name()}.c_str(),
                         std::strerror(device.last_system_error()));
        } else if (e == core::transport_error::too_large) {
            std::fprintf(stderr, "synack-tun: a frame larger than the MTU (%zu) was not sent\n", device.capabilities().mtu);
        }
    }

    recorded_device wire_;
    double drop_;
    drop_dice dice_;
    bool trace_;
    std::vector<std::uint8_t> scratch_;
    std::uint64_t dropped_in_ = 0, dropped_out_ = 0;
    bool link_lost_ = false;
};

// ---- --trace: every state change of every connection, as the machine makes it ----

bool trace_states = false;

struct state_tracer {
    void operator()(std::string_view from, std::string_view event, std::string_view to) const {
        if (trace_states && from != to)
            std::fprintf(stderr, "synack-tun: %.*s -> %.*s (%.*s)\n", static_cast<int>(from.size()), from.data(),
                         static_cast<int>(to.size()), to.data(), static_cast<int>(event.size()), event.data());
    }
};

// ---- signals: the first asks for a graceful close, the second for an abort ----

volatile std::sig_atomic_t signals_received = 0;
extern "C" void on_signal(int) { signals_received = signals_received + 1; }

void install_signal_handlers() {
    struct sigaction action{};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: poll(2) returns at once, and the loop sees the request
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN); // a closed standard output is an error the loop reports
}

bool write_all(int fd, std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        const ::ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

// ---- opening the device ----

std::optional<transport::tun_device> open_device(const options& opt, int& status) {
    status = exit_device;
    transport::tun_device device;
    const auto opened = device.open(opt.device);
    if (!opened) {
        std::fprintf(stderr, "synack-tun: %s: %s (%s)\n", opt.device.c_str(), transport::to_string(opened.error()).data(),
                     std::strerror(device.last_system_error()));
        return std::nullopt;
    }
    if (opened->created) {
        // A device of our own: give the kernel its address on it and bring it up.
        std::optional<tcp::ip_address> kernel = opt.kernel_address;
        if (!kernel && opt.peer) kernel = opt.peer->address;
        if (kernel) {
            const bool point_to_point = !kernel->v6 && !opt.kernel_prefix;
            const unsigned prefix = opt.kernel_prefix.value_or(kernel->v6 ? 64u : 32u);
            const auto added = device.add_address(*kernel, prefix, point_to_point ? opt.local_address : std::nullopt);
            if (added != transport::tun_error::none) {
                std::fprintf(stderr, "synack-tun: %s: cannot give it address %s: %s (%s)\n", opt.device.c_str(),
                             address_text(*kernel).c_str(), transport::to_string(added).data(),
                             std::strerror(device.last_system_error()));
                return std::nullopt;
            }
        } else {
            std::fprintf(stderr, "synack-tun: %s: created without an address for the kernel (see --kernel-address)\n",
                         opt.device.c_str());
        }
        if (const auto up = device.set_up(); up != transport::tun_error::none) {
            std::fprintf(stderr, "synack-tun: %s: cannot bring it up: %s (%s)\n", opt.device.c_str(),
                         transport::to_string(up).data(), std::strerror(device.last_system_error()));
            return std::nullopt;
        }
        if (opt.trace)
            std::fprintf(stderr, "synack-tun: created %s (MTU %zu)%s%s\n", opt.device.c_str(), opened->mtu,
                         kernel ? ", kernel address " : "", kernel ? address_text(*kernel).c_str() : "");
    }
    status = exit_normal;
    return device;
}

tcp::connection_config connection_settings(const options& opt) {
    tcp::connection_config config{};
    config.msl = opt.msl;
    if (opt.rto) config.initial_rto = *opt.rto;
    if (opt.retries) config.syn_retries = config.synack_retries = config.data_retries = *opt.retries;
    if (opt.mss) config.mss = *opt.mss; // the connection lowers it to what the device's MTU carries
    return config;
}

// What to send: --send, --send-file, or (connect without either) standard input.
std::optional<std::vector<std::uint8_t>> data_to_send(const options& opt) {
    if (opt.send_text) return std::vector<std::uint8_t>(opt.send_text->begin(), opt.send_text->end());
    if (opt.send_file) {
        std::ifstream in{*opt.send_file, std::ios::binary};
        if (!in) {
            std::fprintf(stderr, "synack-tun: %s: %s\n", opt.send_file->c_str(), std::strerror(errno));
            return std::nullopt;
        }
        return std::vector<std::uint8_t>(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
    }
    return std::vector<std::uint8_t>{};
}

bool synchronized(tcp::state s) { return s == tcp::state::established || s == tcp::state::close_wait; }

// Waits for the device (and standard input when asked) until `until`, or at once when
// `busy`. Returns false when poll(2) failed for another reason than a signal.
struct wake {
    bool ok = true;
    bool input = false;       // standard input is readable, or at its end
    bool device_gone = false; // the device was deleted under us (the TUN driver reports POLLERR)
};
wake wait_for(int device_fd, bool watch_input, bool busy, core::deadline until, const core::steady_clock& clock) {
    std::array<pollfd, 2> fds{pollfd{device_fd, POLLIN, 0}, pollfd{STDIN_FILENO, POLLIN, 0}};
    const int timeout = busy ? 0 : transport::tun_device::poll_timeout_ms(until.armed() ? until.remaining(clock.now()) : core::duration{-1});
    const int ready = ::poll(fds.data(), watch_input ? 2 : 1, timeout);
    if (ready < 0) return {errno == EINTR, false, false};
    const bool device_gone = (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0 && (fds[0].revents & POLLIN) == 0;
    return {true, watch_input && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0, device_gone};
}

void report_device_gone(const options& opt) {
    std::fprintf(stderr, "synack-tun: %s: the device is gone\n", opt.device.c_str());
}

// ---- connect ----

using connection_type = tcp::connection<device_link, core::steady_clock, tcp::rfc6528_isn, 65536, 65536, state_tracer>;

int run_connect(const options& opt, transport::tun_device device) {
    std::random_device random;
    auto isn = tcp::rfc6528_isn::from_random_device(random);
    core::steady_clock clock;
    auto conn = std::make_unique<connection_type>(device_link{record(std::move(device), opt), opt.drop, opt.seed, opt.trace},
                                                  clock, isn, connection_settings(opt));
    if (recording_failed(conn->transport().wire(), opt)) return exit_failure;
    const int device_fd = conn->transport().device().native_handle();
    const tcp::endpoint local{*opt.local_address,
                              opt.local_port.value_or(static_cast<std::uint16_t>(32768 + random() % 28232))}; // Linux's ephemeral range

    auto pending = data_to_send(opt);
    if (!pending) return exit_failure;
    const bool from_stdin = !opt.send_text && !opt.send_file;
    bool input_done = !from_stdin, close_called = false, aborted = false, output_failed = false, input_failed = false;
    std::size_t pending_offset = 0;
    std::vector<std::uint8_t> buffer(65536);

    if (conn->open(local, *opt.peer) != tcp::call_error::none) {
        std::fprintf(stderr, "synack-tun: cannot open %s -> %s\n", endpoint_text(local).c_str(), endpoint_text(*opt.peer).c_str());
        return exit_failure;
    }
    for (;;) {
        bool busy = false;
        const int requests = signals_received; // one reading per turn: the turn acts on one decision
        // The user's side first, so a close asked for meanwhile goes out before what arrived is read.
        if (requests >= 2 && !aborted) {
            conn->abort();
            aborted = true;
        } else if (requests == 1 && !input_done) {
            input_done = true; // graceful: no more input, close after what is queued
        }
        if (synchronized(conn->state())) {
            while (pending_offset < pending->size()) {
                const std::size_t n = conn->send(std::span<const std::uint8_t>{*pending}.subspan(pending_offset));
                if (n == 0) break;
                pending_offset += n;
                busy = true;
            }
            if (pending_offset == pending->size()) {
                pending->clear();
                pending_offset = 0;
            }
            if (!close_called && input_done && pending->empty() &&
                (opt.half_close || requests == 1 || conn->end_of_stream())) {
                conn->close();
                close_called = true;
                busy = true;
            }
        } else if (requests == 1 && !close_called && conn->state() == tcp::state::syn_sent) {
            conn->close(); // RFC 9293 3.10.4: CLOSE in SYN-SENT deletes the connection
            close_called = true;
        }

        if (conn->poll() > 0) busy = true;
        for (std::size_t n; (n = conn->receive(buffer)) > 0;) {
            busy = true;
            if (!output_failed && !write_all(STDOUT_FILENO, std::span{buffer}.first(n))) {
                output_failed = true;
                std::fprintf(stderr, "synack-tun: standard output: %s\n", std::strerror(errno));
                conn->abort();
            }
        }
        if (conn->state() == tcp::state::closed) break;
        if (conn->transport().link_lost()) {
            conn->abort();
            return exit_device;
        }

        const bool watch_input = !input_done && pending->empty();
        const auto woke = wait_for(device_fd, watch_input, busy, conn->next_deadline(), clock);
        if (!woke.ok) {
            std::fprintf(stderr, "synack-tun: poll: %s\n", std::strerror(errno));
            conn->abort();
            return exit_failure;
        }
        if (woke.device_gone) {
            report_device_gone(opt);
            return exit_device;
        }
        if (woke.input) {
            const ::ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
            if (n > 0) {
                pending->assign(buffer.begin(), buffer.begin() + n);
            } else if (n == 0) {
                input_done = true;
            } else if (errno != EINTR && errno != EAGAIN) {
                std::fprintf(stderr, "synack-tun: standard input: %s\n", std::strerror(errno));
                input_done = input_failed = true;
            }
        }
    }

    const auto reason = conn->reason();
    if (reason != tcp::close_reason::normal)
        std::fprintf(stderr, "synack-tun: %s -> %s: %s\n", endpoint_text(local).c_str(), endpoint_text(*opt.peer).c_str(),
                     tcp::to_string(reason).data());
    if (opt.trace)
        std::fprintf(stderr, "synack-tun: %u segments sent, %u received, %u retransmitted, %llu frames dropped in, %llu out\n",
                     conn->counters().segments_sent, conn->counters().segments_received, conn->counters().retransmissions,
                     static_cast<unsigned long long>(conn->transport().dropped_in()),
                     static_cast<unsigned long long>(conn->transport().dropped_out()));
    if (output_failed || input_failed) return exit_failure;
    return status_of(reason);
}

// ---- listen ----

constexpr std::size_t listen_capacity = 16;
using listener_type =
    tcp::listener<device_link, core::steady_clock, tcp::rfc6528_isn, listen_capacity, 65536, 65536, state_tracer>;

struct session {
    listener_type::handle connection;
    tcp::endpoint peer;
    std::size_t greeting_sent = 0;     // bytes of --send data queued so far
    std::vector<std::uint8_t> echo{};  // received bytes not yet queued back
    bool close_called = false;
};

int run_listen(const options& opt, transport::tun_device device) {
    std::random_device random;
    auto isn = tcp::rfc6528_isn::from_random_device(random);
    core::steady_clock clock;
    const std::size_t mtu = device.capabilities().mtu;
    const tcp::endpoint local{*opt.local_address, *opt.local_port};
    tcp::listener_config config{};
    config.connection = connection_settings(opt);
    config.hash_seed = (std::uint64_t{random()} << 32) | random();
    auto listener = std::make_unique<listener_type>(device_link{record(std::move(device), opt), opt.drop, opt.seed, opt.trace},
                                                    clock, isn, local, config);
    if (recording_failed(listener->transport().wire(), opt)) return exit_failure;
    const int device_fd = listener->transport().device().native_handle();

    const auto greeting = data_to_send(opt);
    if (!greeting) return exit_failure;
    std::vector<session> sessions;
    std::vector<std::uint8_t> buffer(65536);
    unsigned accepted = 0, finished = 0;
    int status = exit_normal;
    bool aborted = false, output_failed = false;
    std::fprintf(stderr, "synack-tun: listening on %s (device %s, MTU %zu)\n", endpoint_text(local).c_str(), opt.device.c_str(), mtu);

    // Forgets the sessions whose connection is closed (a handle is valid until the
    // listener's next poll after that), and keeps the worst way one ended.
    const auto reap = [&] {
        std::erase_if(sessions, [&](session& s) {
            if (s.connection.state() != tcp::state::closed) return false;
            const auto reason = s.connection.reason();
            if (reason != tcp::close_reason::normal)
                std::fprintf(stderr, "synack-tun: %s: %s\n", endpoint_text(s.peer).c_str(), tcp::to_string(reason).data());
            if (status == exit_normal) status = status_of(reason);
            ++finished;
            return true;
        });
    };

    for (;;) {
        bool busy = false;
        const int requests = signals_received; // one reading per turn
        if (requests >= 2 && !aborted) {
            for (auto& s : sessions) s.connection.abort();
            aborted = true;
        }
        while (const auto h = listener->accept()) {
            busy = true;
            auto handle = *h;
            if (requests > 0 || accepted >= opt.count) {
                handle.abort(); // beyond --count, or shutting down
                continue;
            }
            ++accepted;
            sessions.push_back(session{handle, handle.control_block().remote});
            if (opt.trace) std::fprintf(stderr, "synack-tun: accepted %s\n", endpoint_text(handle.control_block().remote).c_str());
        }
        for (auto& s : sessions) {
            auto& c = s.connection;
            if (!synchronized(c.state())) continue;
            while (s.greeting_sent < greeting->size()) {
                const std::size_t n = c.send(std::span<const std::uint8_t>{*greeting}.subspan(s.greeting_sent));
                if (n == 0) break;
                s.greeting_sent += n;
                busy = true;
            }
            if (!s.echo.empty()) {
                const std::size_t n = c.send(s.echo);
                s.echo.erase(s.echo.begin(), s.echo.begin() + static_cast<std::ptrdiff_t>(n));
                busy = busy || n > 0;
            }
            const bool our_data_done = s.greeting_sent == greeting->size() && s.echo.empty() && (!opt.echo || c.end_of_stream());
            if (!s.close_called && our_data_done && (opt.half_close || requests == 1 || c.end_of_stream())) {
                c.close();
                s.close_called = true;
                busy = true;
            }
        }
        reap();

        if (listener->poll() > 0) busy = true;
        for (auto& s : sessions) {
            auto& c = s.connection;
            for (std::size_t n; (n = c.receive(buffer)) > 0;) {
                busy = true;
                if (opt.echo) s.echo.insert(s.echo.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
                if (!output_failed && !write_all(STDOUT_FILENO, std::span{buffer}.first(n))) {
                    output_failed = true;
                    std::fprintf(stderr, "synack-tun: standard output: %s\n", std::strerror(errno));
                }
            }
            if (output_failed) c.abort();
        }
        reap();
        if (listener->transport().link_lost()) {
            for (auto& s : sessions) s.connection.abort();
            return exit_device;
        }
        if (finished >= opt.count || (requests > 0 && sessions.empty())) break;

        const auto woke = wait_for(device_fd, false, busy, listener->next_deadline(), clock);
        if (!woke.ok) {
            std::fprintf(stderr, "synack-tun: poll: %s\n", std::strerror(errno));
            return exit_failure;
        }
        if (woke.device_gone) {
            report_device_gone(opt);
            return exit_device;
        }
    }
    if (opt.trace) {
        const auto& totals = listener->connection_totals();
        std::fprintf(stderr, "synack-tun: %u connections, %u segments sent, %u received, %u retransmitted\n", accepted,
                     totals.segments_sent, totals.segments_received, totals.retransmissions);
    }
    if (output_failed) return exit_failure;
    return status;
}

} // namespace

int main(int argc, char** argv) {
    int status = exit_normal;
    const auto opt = parse_options(argc, argv, status);
    if (!opt) return status;
    install_signal_handlers();
    trace_states = opt->trace;
    auto device = open_device(*opt, status);
    if (!device) return status;
    return opt->mode == options::mode::connect ? run_connect(*opt, std::move(*device)) : run_listen(*opt, std::move(*device));
}
