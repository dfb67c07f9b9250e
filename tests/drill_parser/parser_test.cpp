// synack-drill's reader of the packetdrill language: well-formed scripts read as written,
// malformed ones give an error naming the line and column of the first problem, never a crash.
#include "support/catch.hpp"

#include "../../tools/drill/options.hpp"
#include "../../tools/drill/parser.hpp"
#include "../../tools/drill/runner.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace synack::drill;

/// The error of a script that must not parse.
parse_error error_of(std::string_view text) {
    const auto r = parse(text);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

/// The script that must parse.
script script_of(std::string_view text) {
    const auto r = parse(text);
    if (!r) FAIL("line " << r.error().where.line << ", column " << r.error().where.column << ": " << r.error().message);
    return r.value();
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

constexpr std::string_view handshake = R"(// a comment
--tolerance_usecs=10000
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
/* a C comment
   over two lines */
+0    < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>
+0    > S. 0:0(0) ack 1 <...>
+.1   < . 1:1(0) ack 1 win 257
+0    accept(3, ..., ...) = 4
)";

} // namespace

TEST_CASE("a handshake script reads as its options and events, in order", "[drill][parser]") {
    const auto s = script_of(handshake);
    REQUIRE(s.options.size() == 1);
    CHECK(s.options[0].name == "tolerance_usecs");
    CHECK(s.options[0].value == "10000");
    REQUIRE(s.events.size() == 7);
    CHECK(s.events[0].where.line == 3);
    CHECK(std::get<syscall_spec>(s.events[0].action).name == "socket");
    const auto& syn = std::get<packet_spec>(s.events[3].action);
    CHECK(syn.dir == direction::inbound);
    CHECK(syn.flags == flag_bit::syn);
    CHECK(syn.window == 32792u);
    REQUIRE(syn.options.has_value());
    REQUIRE(syn.options->size() == 6);
    CHECK((*syn.options)[0].kind == option_kind::mss);
    CHECK((*syn.options)[0].value == 1000);
    CHECK((*syn.options)[5].kind == option_kind::wscale);
    const auto& synack = std::get<packet_spec>(s.events[4].action);
    CHECK(synack.dir == direction::outbound);
    CHECK(synack.flags == (flag_bit::syn | flag_bit::ack));
    CHECK(synack.ack == 1u);
    CHECK_FALSE(synack.options.has_value()); // <...>: any options
    CHECK(s.events[5].time.kind == time_kind::relative);
    CHECK(s.events[5].time.usecs == 100'000);
    CHECK(s.events[6].text == "accept(3, ..., ...) = 4");
}

TEST_CASE("event times read as absolute, relative, any and ranges, in microseconds", "[drill][parser]") {
    const auto s = script_of("0 `true`\n0.25 `true`\n+1.5 `true`\n* `true`\n1~2.000001 `true`\n+.1~+.2 `true`\n");
    REQUIRE(s.events.size() == 6);
    CHECK(s.events[1].time.kind == time_kind::absolute);
    CHECK(s.events[1].time.usecs == 250'000);
    CHECK(s.events[2].time.kind == time_kind::relative);
    CHECK(s.events[2].time.usecs == 1'500'000);
    CHECK(s.events[3].time.kind == time_kind::any);
    CHECK(s.events[4].time.kind == time_kind::absolute_range);
    CHECK(s.events[4].time.usecs == 1'000'000);
    CHECK(s.events[4].time.end_usecs == 2'000'001);
    CHECK(s.events[5].time.kind == time_kind::relative_range);
    CHECK(s.events[5].time.end_usecs == 200'000);
}

TEST_CASE("a blocking call's return time, errno and note are read", "[drill][parser]") {
    const auto s = script_of("0...0.3 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)\n");
    const auto& c = std::get<syscall_spec>(s.events[0].action);
    CHECK(c.end_usecs == 300'000);
    CHECK(c.result.what == expression::kind::integer);
    CHECK(c.result.integer == -1);
    CHECK(c.errno_name == "ECONNREFUSED");
    CHECK(c.note == "Connection refused");
    CHECK(s.events[0].text == "connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)");
    CHECK(c.call_text == "connect(3, ..., ...)");
}

TEST_CASE("system call arguments read as numbers, symbols, or-ed flags, arrays, records and calls", "[drill][parser]") {
    const auto s = script_of(
        "0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
        "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n"
        "+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0\n"
        "+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n"
        "+0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)\n");
    const auto& or_ed = std::get<syscall_spec>(s.events[0].action).args[2];
    CHECK(or_ed.what == expression::kind::bit_or);
    CHECK(or_ed.items.size() == 2);
    const auto& linger = std::get<syscall_spec>(s.events[1].action).args[3];
    REQUIRE(linger.what == expression::kind::record);
    CHECK(linger.names == std::vector<std::string>{"onoff", "linger"});
    const auto& address = std::get<syscall_spec>(s.events[2].action).args[1];
    REQUIRE(address.names.size() == 3);
    CHECK(address.items[1].what == expression::kind::call);
    CHECK(address.items[1].text == "htons");
    CHECK(address.items[1].items[0].integer == 8080);
    CHECK(std::get<syscall_spec>(s.events[3].action).args[3].what == expression::kind::array);
    CHECK(std::get<syscall_spec>(s.events[4].action).result.integer == 0x802);
}

TEST_CASE("flags, sequence ranges and every option kind of a segment are read", "[drill][parser]") {
    const auto s = script_of("0 < FPU.EW 4294967295:99(100) ack 7 win 0 <sack 1:2 3:4,TS val 5 ecr 6,eol,eol,eol,eol>\n");
    const auto& p = std::get<packet_spec>(s.events[0].action);
    CHECK(p.flags == (flag_bit::fin | flag_bit::psh | flag_bit::urg | flag_bit::ack | flag_bit::ece | flag_bit::cwr));
    CHECK(p.start == 4294967295u);
    CHECK(p.end == 99u); // the range wraps at 2^32
    CHECK(p.length == 100u);
    REQUIRE(p.options->size() == 6);
    CHECK((*p.options)[0].blocks.size() == 2);
    CHECK((*p.options)[0].blocks[1].right == 4u);
    CHECK((*p.options)[1].ts_val == 5u);
    CHECK((*p.options)[1].ts_ecr == 6u);
}

TEST_CASE("an init command and code blocks are read, not run", "[drill][parser]") {
    const auto s = script_of("`sysctl -q net.ipv4.tcp_rfc1337=1`\n0 %{ print(1) }%\n");
    REQUIRE(s.init_command.has_value());
    CHECK(s.init_command->text == "sysctl -q net.ipv4.tcp_rfc1337=1");
    CHECK(std::get<code_spec>(s.events[0].action).text == " print(1) ");
}

TEST_CASE("an empty script reads as no events", "[drill][parser]") {
    CHECK(script_of("").events.empty());
    CHECK(script_of("// nothing but a comment\n").events.empty());
}

// ---- malformed scripts: where, and what was expected ----

TEST_CASE("a sequence range without its end names the line and column", "[drill][parser][malformed]") {
    const auto e = error_of("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0    < S 0:(0) win 1000\n");
    CHECK(e.where.line == 2);
    CHECK(e.where.column == 13);
    CHECK(contains(e.message, "expected the end of the sequence range"));
    CHECK(contains(e.message, "got '('"));
}

TEST_CASE("a sequence range that disagrees with its length is refused", "[drill][parser][malformed]") {
    const auto e = error_of("0 < . 1:100(100) ack 1 win 10\n");
    CHECK(e.where.line == 1);
    CHECK(e.where.column == 7);
    CHECK(contains(e.message, "end - start to equal the payload length, got 1:100(100)"));
}

TEST_CASE("an inbound segment without a window is refused", "[drill][parser][malformed]") {
    const auto e = error_of("0 < . 1:1(0) ack 1\n");
    CHECK(e.where.line == 2);
    CHECK(contains(e.message, "expected 'win N'"));
    CHECK(contains(e.message, "the end of the script"));
}

TEST_CASE("an unknown flag letter is refused with the letter", "[drill][parser][malformed]") {
    const auto e = error_of("0\n\n   < SX 0:0(0) win 1\n");
    CHECK(e.where.line == 3);
    CHECK(e.where.column == 6);
    CHECK(contains(e.message, "got 'X' in 'SX'"));
}

TEST_CASE("options not padded to four bytes are refused", "[drill][parser][malformed]") {
    const auto e = error_of("0 > S 0:0(0) <mss 1460,nop>\n");
    CHECK(e.where.column == 14);
    CHECK(contains(e.message, "padded to a multiple of 4 bytes"));
    CHECK(contains(e.message, "got 5 bytes"));
}

TEST_CASE("more than 40 bytes of options are refused", "[drill][parser][malformed]") {
    const auto e = error_of("0 > S 0:0(0) <TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,TS val 1 ecr 2,nop,nop>\n");
    CHECK(contains(e.message, "at most 40 bytes of options, got 42"));
}

TEST_CASE("an unknown option and a malformed timestamp are refused where they stand", "[drill][parser][malformed]") {
    const auto unknown = error_of("0 > S 0:0(0) <mss 1460,md5 3>\n");
    CHECK(unknown.where.column == 24);
    CHECK(contains(unknown.message, "got 'md5'"));
    const auto ts = error_of("0 > . 1:1(0) <TS val 1 2>\n");
    CHECK(ts.where.column == 24);
    CHECK(contains(ts.message, "expected 'ecr' after the TS val"));
    const auto fo = error_of("0 > S 0:0(0) <FO abcd,nop,nop>\n");
    CHECK(contains(fo.message, "TCP Fast Open (FO) is not one"));
}

TEST_CASE("values past their field's size are refused", "[drill][parser][malformed]") {
    CHECK(contains(error_of("0 < . 1:1(0) ack 4294967296 win 1\n").message, "of at most 4294967295"));
    CHECK(contains(error_of("0 < . 1:1(0) ack 1 win 65536\n").message, "of at most 65535"));
    CHECK(contains(error_of("0 < S 0:0(0) win 1 <wscale 256,nop>\n").message, "of at most 255"));
    CHECK(contains(error_of("0 < S 0:0(0) win 1 <mss -1>\n").message, "not negative"));
}

TEST_CASE("UDP and ICMP segments are refused as not TCP", "[drill][parser][malformed]") {
    CHECK(contains(error_of("0 < udp (100)\n").message, "synack-drill runs TCP only"));
    CHECK(contains(error_of("0 > icmp unreachable\n").message, "synack-drill runs TCP only"));
}

TEST_CASE("a missing event time is refused", "[drill][parser][malformed]") {
    const auto e = error_of("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\nbind(3, ..., ...) = 0\n");
    CHECK(e.where.line == 2);
    CHECK(e.where.column == 1);
    CHECK(contains(e.message, "expected an event time"));
}

TEST_CASE("a time range whose end is before its start is refused", "[drill][parser][malformed]") {
    CHECK(contains(error_of("0 `a`\n2~1 `b`\n").message, "range end not before its start"));
    CHECK(contains(error_of("0 `a`\n+2~+1 `b`\n").message, "range end not before its start"));
    CHECK(contains(error_of("0 `a`\n+2~1 `b`\n").message, "expected '+' after '~'"));
}

TEST_CASE("an errno on the next line is read as the next event, which needs a time", "[drill][parser][malformed]") {
    const auto e = error_of("0 close(3) = -1\nEBADF\n");
    CHECK(e.where.line == 2);
    CHECK(e.where.column == 1);
    CHECK(contains(e.message, "expected an event time"));
    CHECK(contains(e.message, "got 'EBADF'"));
}

TEST_CASE("a call without its return value is refused", "[drill][parser][malformed]") {
    const auto e = error_of("0 socket(..., SOCK_STREAM, IPPROTO_TCP)\n+0 close(3) = 0\n");
    CHECK(e.where.line == 2);
    CHECK(contains(e.message, "expected '=' and the expected return value"));
}

TEST_CASE("unclosed argument lists, arrays, records and notes are refused", "[drill][parser][malformed]") {
    CHECK(contains(error_of("0 close(3 = 0\n").message, "or ',' in the argument list"));
    CHECK(contains(error_of("0 getsockopt(3, 1, 4, [0, [4]) = 0\n").message, "or ',' in the array"));
    CHECK(contains(error_of("0 setsockopt(3, 1, 13, {onoff=1 linger=0}, 8) = 0\n").message, "or ',' in the record"));
    const auto note = error_of("0 close(3) = 0 (Success\n");
    CHECK(note.where.column == 16);
    CHECK(contains(note.message, "closing this note"));
}

TEST_CASE("unterminated strings, commands, code blocks and comments name where they start", "[drill][parser][malformed]") {
    const auto s = error_of("0 write(3, \"abc, 3) = 3\n");
    CHECK(s.where.column == 12);
    CHECK(contains(s.message, "closing this string"));
    const auto c = error_of("\n0 `sysctl -q x=1\n");
    CHECK(c.where.line == 2);
    CHECK(contains(c.message, "closing this command"));
    CHECK(contains(error_of("0 %{ print(1)\n").message, "closing this code block"));
    const auto comment = error_of("0 `a`\n  /* open\n");
    CHECK(comment.where.line == 2);
    CHECK(comment.where.column == 3);
    CHECK(contains(comment.message, "*/ closing this comment"));
}

TEST_CASE("a control byte or a non-ASCII byte is refused with its value", "[drill][parser][malformed]") {
    const auto e = error_of("0 `a`\n+0 \x01 `b`\n");
    CHECK(e.where.line == 2);
    CHECK(e.where.column == 4);
    CHECK(contains(e.message, "the byte 0x01"));
    CHECK(contains(error_of("0 close(3) = 0 \xc3\xa9\n").message, "the byte 0xc3"));
}

TEST_CASE("options after the first event are refused", "[drill][parser][malformed]") {
    const auto e = error_of("0 `a`\n--tolerance_usecs=1\n");
    CHECK(e.where.line == 2);
    CHECK(contains(e.message, "options go before the first event"));
}

TEST_CASE("numbers that are not numbers are refused", "[drill][parser][malformed]") {
    CHECK(contains(error_of("0 `a`\n+1.2.3 `b`\n").message, "expected a number or an IPv4 address, got 1.2.3"));
    CHECK(contains(error_of("0 `a`\n+-1 `b`\n").message, "not negative"));
}

TEST_CASE("every prefix of a valid script parses or fails with a position inside it", "[drill][parser][malformed]") {
    // Cut anywhere, a script is malformed in some way or other: never a crash, and the
    // position named is within the text given.
    const std::string full{handshake};
    for (std::size_t n = 0; n <= full.size(); ++n) {
        const std::string_view prefix{full.data(), n};
        const auto r = parse(prefix);
        if (r) continue;
        int lines = 1;
        for (char c : prefix) lines += c == '\n';
        INFO("prefix of " << n << " bytes: " << r.error().message);
        CHECK(r.error().where.line >= 1);
        CHECK(r.error().where.line <= lines);
        CHECK_FALSE(r.error().message.empty());
    }
}

TEST_CASE("every byte of a valid script replaced by a special character parses or fails cleanly", "[drill][parser][malformed]") {
    const std::string full{handshake};
    for (const char replacement : {'<', '>', '(', ')', '[', '{', '"', '`', '%', '.', '-', '+', '*', '~', ':', '/', '\0'}) {
        for (std::size_t i = 0; i < full.size(); ++i) {
            std::string broken = full;
            broken[i] = replacement;
            const auto r = parse(broken);
            if (!r) CHECK_FALSE(r.error().message.empty());
        }
    }
}

// ---- settings ----

TEST_CASE("header options set the run, and unknown ones are refused", "[drill][options]") {
    run_options o;
    CHECK(apply_option(o, "ip_version", "ipv6").what == setting_outcome::kind::applied);
    CHECK(o.ip_version == 6);
    CHECK(apply_option(o, "tolerance_usecs", "10000").what == setting_outcome::kind::applied);
    CHECK(o.tolerance_usecs == 10000);
    CHECK(apply_option(o, "remote_ip", "192.0.2.7/24").what == setting_outcome::kind::applied);
    CHECK(o.remote_ip == "192.0.2.7");
    CHECK(apply_option(o, "strict", "").what == setting_outcome::kind::applied);
    CHECK(o.strict);
    CHECK(apply_option(o, "mtu", "1500").what == setting_outcome::kind::ignored);
    const auto bad = apply_option(o, "ip_version", "ipv5");
    CHECK(bad.what == setting_outcome::kind::error);
    CHECK(contains(bad.message, "got 'ipv5'"));
    CHECK(apply_option(o, "bind_port", "70000").what == setting_outcome::kind::error);
    CHECK(contains(apply_option(o, "no_such_option", "1").message, "got --no_such_option"));
}

TEST_CASE("sysctl commands map onto synack's policies, the rest are reported as ignored", "[drill][options]") {
    run_options o;
    auto r = apply_command(o, "sysctl -q net.ipv4.tcp_rfc1337=1; sysctl -w net.ipv4.tcp_invalid_ratelimit=0");
    REQUIRE(r.size() == 2);
    CHECK(r[0].what == setting_outcome::kind::applied);
    CHECK(o.connection.ignore_rst_in_time_wait);
    CHECK(o.connection.challenge_ack_interval.count() == 0);
    r = apply_command(o, "echo 2 > /proc/sys/net/ipv4/tcp_syn_retries && sysctl -q net.ipv4.tcp_timestamps=0");
    CHECK(o.connection.syn_retries == 2);
    CHECK_FALSE(o.connection.timestamps);
    r = apply_command(o, "sysctl -q net.ipv4.tcp_ecn=1; ../common/defaults.sh");
    REQUIRE(r.size() == 2);
    CHECK(r[0].what == setting_outcome::kind::ignored);
    CHECK(contains(r[0].message, "net.ipv4.tcp_ecn=1"));
    CHECK(r[1].what == setting_outcome::kind::ignored);
    CHECK(contains(r[1].message, "../common/defaults.sh"));
}

TEST_CASE("Linux's option layout puts NOPs where tcp_options_write does", "[drill][options]") {
    // synack's SYN without timestamps: mss, sackOK, nop, nop, wscale 0 (and EOL padding).
    const std::uint8_t synack_layout[] = {2, 4, 5, 180, 4, 2, 1, 1, 3, 3, 0, 0};
    const std::vector<std::uint8_t> linux_layout{2, 4, 5, 180, 1, 1, 4, 2, 1, 3, 3, 0};
    CHECK(linux_option_layout(synack_layout) == linux_layout);
    CHECK(format_options(linux_layout) == "mss 1460,nop,nop,sackOK,nop,wscale 0");
    // With timestamps: sackOK and TS share a word.
    const std::uint8_t with_ts[] = {2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
    CHECK(format_options(linux_option_layout(with_ts)) == "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7");
}
