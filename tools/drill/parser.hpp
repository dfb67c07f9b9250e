#pragma once
/// \file
/// Reads the packetdrill language into a `drill::script`: a hand-written lexer and a
/// recursive-descent parser for the grammar of packetdrill's Syntax.md (options, events,
/// TCP segments, system calls, shell commands, code blocks). Any malformed input gives a
/// `parse_error` naming the line and column and what was expected there; nothing throws,
/// and no input makes it read out of bounds.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "script.hpp"

namespace synack::drill {

namespace detail {

/// What a token is (packetdrill's lexer.l token classes).
enum class token_kind : std::uint8_t {
    end,         ///< end of the script
    integer,     ///< `42`, `-1`
    floating,    ///< `0.100`, `.5`
    hex,         ///< `0x802`
    word,        ///< `[A-Za-z0-9_]+` that is not a number
    string,      ///< `"..."`, unquoted in `text`
    backquoted,  ///< `` `...` ``, unquoted in `text`
    code,        ///< `%{ ... }%`, the inside in `text`
    option,      ///< `--name=value`: `text` is the name, `value` the value
    ip_address,  ///< `192.0.2.1`
    ellipsis,    ///< `...`
    punct,       ///< one other character, in `text`
};

struct token {
    token_kind kind = token_kind::end;
    std::string text{};
    std::string value{}; // an option's value
    location where{};
    std::size_t begin = 0, end = 0; // offsets in the source
};

inline bool is_word_char(char c) noexcept {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}
inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Splits a script into tokens, skipping whitespace and C and C++ comments.
class lexer {
public:
    explicit lexer(std::string_view text) : text_{text} {}

    /// All tokens, ending with `token_kind::end`; or the first lexical error.
    expected<std::vector<token>, parse_error> tokens() {
        std::vector<token> out;
        while (true) {
            auto t = next();
            if (!t) return t.error();
            const bool done = t->kind == token_kind::end;
            out.push_back(std::move(t.value()));
            if (done) return out;
        }
    }

private:
    char peek(std::size_t ahead = 0) const noexcept { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
    bool at_end() const noexcept { return pos_ >= text_.size(); }
    void advance() noexcept {
        if (at_end()) return;
        if (text_[pos_] == '\n') {
            ++here_.line;
            here_.column = 1;
        } else {
            ++here_.column;
        }
        ++pos_;
    }
    parse_error error_at(location where, std::string message) const { return {where, std::move(message)}; }

    // Skips whitespace and comments; a comment left open is an error.
    std::optional<parse_error> skip_space() {
        while (!at_end()) {
            const char c = peek();
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
                advance();
            } else if (c == '/' && peek(1) == '/') {
                while (!at_end() && peek() != '\n') advance();
            } else if (c == '/' && peek(1) == '*') {
                const location start = here_;
                advance();
                advance();
                while (!(peek() == '*' && peek(1) == '/')) {
                    if (at_end()) return error_at(start, "expected */ closing this comment, got the end of the script");
                    advance();
                }
                advance();
                advance();
            } else {
                break;
            }
        }
        return std::nullopt;
    }

    expected<token, parse_error> next() {
        if (auto e = skip_space()) return *e;
        token t;
        t.where = here_;
        t.begin = pos_;
        if (at_end()) {
            t.kind = token_kind::end;
            t.end = pos_;
            return t;
        }
        const char c = peek();
        auto finish = [&](token_kind kind) {
            t.kind = kind;
            t.end = pos_;
            if (t.text.empty() && kind != token_kind::string && kind != token_kind::backquoted && kind != token_kind::code)
                t.text = std::string{text_.substr(t.begin, pos_ - t.begin)};
            return t;
        };
        if (c == '.' && peek(1) == '.' && peek(2) == '.') {
            advance();
            advance();
            advance();
            return finish(token_kind::ellipsis);
        }
        if (c == '-' && peek(1) == '-' && (is_word_char(peek(2)))) {
            advance();
            advance();
            std::string name;
            while (is_word_char(peek())) {
                name += peek();
                advance();
            }
            t.text = name;
            if (peek() == '=') {
                advance();
                while (!at_end() && !std::isspace(static_cast<unsigned char>(peek()))) {
                    t.value += peek();
                    advance();
                }
            }
            t.kind = token_kind::option;
            t.end = pos_;
            return t;
        }
        if (is_digit(c) || ((c == '-' || c == '.') && is_digit(peek(1))) || (c == '-' && peek(1) == '.' && is_digit(peek(2))))
            return number(t);
        if (is_word_char(c)) {
            while (is_word_char(peek())) advance();
            return finish(token_kind::word);
        }
        if (c == '"' || c == '`') {
            const location start = here_;
            advance();
            std::string inside;
            while (peek() != c) {
                if (at_end())
                    return error_at(start, std::string{"expected "} + c + " closing this " +
                                               (c == '"' ? "string" : "command") + ", got the end of the script");
                if (peek() == '\\' && pos_ + 1 < text_.size()) {
                    advance();
                    const char escaped = peek();
                    inside += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
                    advance();
                    continue;
                }
                inside += peek();
                advance();
            }
            advance();
            t.text = std::move(inside);
            return finish(c == '"' ? token_kind::string : token_kind::backquoted);
        }
        if (c == '%' && peek(1) == '{') {
            const location start = here_;
            advance();
            advance();
            const std::size_t from = pos_;
            while (!(peek() == '}' && peek(1) == '%')) {
                if (at_end()) return error_at(start, "expected }% closing this code block, got the end of the script");
                advance();
            }
            t.text = std::string{text_.substr(from, pos_ - from)};
            advance();
            advance();
            return finish(token_kind::code);
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f)
            return error_at(here_, "expected a token, got the byte 0x" + hex_byte(byte));
        advance();
        return finish(token_kind::punct);
    }

    // A number: integer, float, hex, or IPv4 address; digits running into letters make a word.
    expected<token, parse_error> number(token& t) {
        if (peek() == '-') advance();
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X') && std::isxdigit(static_cast<unsigned char>(peek(2)))) {
            advance();
            advance();
            while (std::isxdigit(static_cast<unsigned char>(peek()))) advance();
            t.kind = token_kind::hex;
            if (is_word_char(peek())) return word_rest(t);
            t.end = pos_;
            t.text = std::string{text_.substr(t.begin, pos_ - t.begin)};
            return t;
        }
        while (is_digit(peek())) advance();
        int dots = 0;
        while (peek() == '.' && is_digit(peek(1)) && dots < 3) {
            advance();
            while (is_digit(peek())) advance();
            ++dots;
        }
        if (is_word_char(peek()) && dots == 0) return word_rest(t);
        t.end = pos_;
        t.text = std::string{text_.substr(t.begin, pos_ - t.begin)};
        if (dots == 0) t.kind = token_kind::integer;
        else if (dots == 1) t.kind = token_kind::floating;
        else if (dots == 3 && t.text[0] != '-') t.kind = token_kind::ip_address;
        else return error_at(t.where, "expected a number or an IPv4 address, got " + t.text);
        return t;
    }
    expected<token, parse_error> word_rest(token& t) {
        while (is_word_char(peek())) advance();
        t.kind = token_kind::word;
        t.end = pos_;
        t.text = std::string{text_.substr(t.begin, pos_ - t.begin)};
        if (t.text[0] == '-') return error_at(t.where, "expected a number, got " + t.text);
        return t;
    }
    static std::string hex_byte(unsigned char b) {
        const char* digits = "0123456789abcdef";
        return {digits[b >> 4], digits[b & 15]};
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    location here_{};
};

/// How a token reads in a message: `end of the script`, `"abc"`, `win`.
inline std::string describe(const token& t) {
    switch (t.kind) {
    case token_kind::end: return "the end of the script";
    case token_kind::string: return "the string \"" + t.text + "\"";
    case token_kind::backquoted: return "a shell command";
    case token_kind::code: return "a code block";
    case token_kind::option: return "the option --" + t.text;
    default: return "'" + t.text + "'";
    }
}

/// Seconds as written (`1`, `0.100`, `.5`) in microseconds; nullopt when negative or too large.
inline std::optional<std::int64_t> seconds_to_usecs(const std::string& text) {
    if (text.empty() || text[0] == '-') return std::nullopt;
    std::int64_t whole = 0, frac = 0;
    std::size_t i = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
        whole = whole * 10 + (text[i] - '0');
        if (whole > 1'000'000'000) return std::nullopt;
    }
    int digits = 0;
    if (i < text.size() && text[i] == '.') {
        for (++i; i < text.size() && is_digit(text[i]); ++i) {
            if (digits < 6) {
                frac = frac * 10 + (text[i] - '0');
                ++digits;
            }
        }
    }
    while (digits < 6) {
        frac *= 10;
        ++digits;
    }
    return whole * 1'000'000 + frac;
}

/// The recursive-descent parser over the tokens.
class parser {
public:
    parser(std::string_view source, std::vector<token> tokens) : source_{source}, tokens_{std::move(tokens)} {}

    expected<script, parse_error> parse_script() {
        script s;
        while (current().kind == token_kind::option) {
            const token& t = current();
            s.options.push_back({t.where, t.text, t.value});
            ++pos_;
        }
        if (current().kind == token_kind::backquoted) {
            s.init_where = current().where;
            s.init_command = command_spec{current().text};
            ++pos_;
        }
        while (current().kind != token_kind::end) {
            if (current().kind == token_kind::option)
                return fail(current(), "expected an event (options go before the first event)");
            auto e = parse_event();
            if (!e) return e.error();
            s.events.push_back(std::move(e.value()));
        }
        return s;
    }

private:
    const token& current() const noexcept { return tokens_[pos_ < tokens_.size() ? pos_ : tokens_.size() - 1]; }
    const token& ahead(std::size_t n) const noexcept {
        return tokens_[pos_ + n < tokens_.size() ? pos_ + n : tokens_.size() - 1];
    }
    bool is_punct(char c) const noexcept { return current().kind == token_kind::punct && current().text[0] == c; }
    bool is_word(std::string_view w) const noexcept { return current().kind == token_kind::word && current().text == w; }
    static parse_error fail(const token& t, std::string expectation) {
        return {t.where, expectation + ", got " + describe(t)};
    }
    parse_error fail(std::string expectation) const { return fail(current(), std::move(expectation)); }
    bool accept_punct(char c) {
        if (!is_punct(c)) return false;
        ++pos_;
        return true;
    }
    std::optional<parse_error> expect_punct(char c, std::string_view what) {
        if (accept_punct(c)) return std::nullopt;
        return fail("expected '" + std::string(1, c) + "' " + std::string{what});
    }

    // An unsigned integer of at most `max`.
    expected<std::uint64_t, parse_error> unsigned_number(std::string_view what, std::uint64_t max) {
        const token& t = current();
        if (t.kind != token_kind::integer && t.kind != token_kind::hex) return fail("expected " + std::string{what});
        if (t.text[0] == '-') return fail("expected " + std::string{what} + " (not negative)");
        std::uint64_t v = 0;
        const bool hex = t.kind == token_kind::hex;
        for (std::size_t i = hex ? 2 : 0; i < t.text.size(); ++i) {
            const char c = t.text[i];
            const std::uint64_t digit = is_digit(c) ? static_cast<std::uint64_t>(c - '0')
                                                    : static_cast<std::uint64_t>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
            v = v * (hex ? 16 : 10) + digit;
            if (v > max) return fail("expected " + std::string{what} + " of at most " + std::to_string(max));
        }
        ++pos_;
        return v;
    }

    expected<std::int64_t, parse_error> seconds(std::string_view what) {
        const token& t = current();
        if (t.kind != token_kind::integer && t.kind != token_kind::floating) return fail("expected " + std::string{what});
        const auto us = seconds_to_usecs(t.text);
        if (!us) return fail("expected " + std::string{what} + " (seconds, not negative, below 10^9)");
        ++pos_;
        return *us;
    }

    expected<event_time, parse_error> parse_time() {
        event_time t;
        if (accept_punct('*')) {
            t.kind = time_kind::any;
            return t;
        }
        if (accept_punct('+')) {
            auto v = seconds("a time after '+'");
            if (!v) return v.error();
            t.kind = time_kind::relative;
            t.usecs = *v;
            if (accept_punct('~')) {
                if (auto e = expect_punct('+', "after '~' in a relative range (+a~+b)")) return *e;
                auto w = seconds("the end of the time range");
                if (!w) return w.error();
                if (*w < t.usecs) return fail(tokens_[pos_ - 1], "expected a range end not before its start");
                t.kind = time_kind::relative_range;
                t.end_usecs = *w;
            }
            return t;
        }
        auto v = seconds("an event time (seconds, +seconds or *)");
        if (!v) return v.error();
        t.usecs = *v;
        if (accept_punct('~')) {
            auto w = seconds("the end of the time range");
            if (!w) return w.error();
            if (*w < t.usecs) return fail(tokens_[pos_ - 1], "expected a range end not before its start");
            t.kind = time_kind::absolute_range;
            t.end_usecs = *w;
        }
        return t;
    }

    expected<event, parse_error> parse_event() {
        event e;
        e.where = current().where;
        auto time = parse_time();
        if (!time) return time.error();
        e.time = *time;
        std::size_t action_begin = current().begin;
        const token& t = current();
        if (t.kind == token_kind::punct && (t.text[0] == '<' || t.text[0] == '>')) {
            auto p = parse_packet();
            if (!p) return p.error();
            e.action = std::move(p.value());
        } else if (t.kind == token_kind::backquoted) {
            e.action = command_spec{t.text};
            ++pos_;
        } else if (t.kind == token_kind::code) {
            e.action = code_spec{t.text};
            ++pos_;
        } else if (t.kind == token_kind::word || t.kind == token_kind::ellipsis) {
            if (e.time.kind == time_kind::any && t.kind == token_kind::ellipsis)
                return fail("expected a start time before '...' of a blocking call, not '*'");
            if (t.kind == token_kind::ellipsis) action_begin = ahead(2).begin; // the text starts at the call's name
            auto c = parse_syscall();
            if (!c) return c.error();
            e.action = std::move(c.value());
        } else {
            return fail("expected a segment ('<' or '>'), a system call, a `command` or a %{ code }% block");
        }
        const std::size_t action_end = tokens_[pos_ - 1].end;
        e.text = std::string{source_.substr(action_begin, action_end - action_begin)};
        for (char& c : e.text)
            if (c == '\n' || c == '\t' || c == '\r') c = ' ';
        return e;
    }

    // ---- segments ----
    expected<packet_spec, parse_error> parse_packet() {
        packet_spec p;
        p.dir = current().text[0] == '<' ? direction::inbound : direction::outbound;
        ++pos_;
        if (is_word("udp") || is_word("icmp") || is_word("sctp"))
            return fail("expected a TCP segment (synack-drill runs TCP only)");
        if (accept_punct('[')) {
            if (current().kind != token_kind::word) return fail("expected an ECN codepoint (noecn, ect0, ect1, ect01, ce)");
            p.ecn = current().text;
            ++pos_;
            if (auto e = expect_punct(']', "after the ECN codepoint")) return *e;
        }
        // Flags: letters and '.' written together (`S.`, `.`, `F.`, `S.E`), or '-' for none.
        const token& f = current();
        std::string flags;
        if (f.kind == token_kind::word || is_punct('.')) {
            std::size_t end = f.begin;
            while ((current().kind == token_kind::word || is_punct('.')) && current().begin == end) {
                flags += current().text;
                end = current().end;
                ++pos_;
            }
        } else if (is_punct('-')) {
            flags = "-";
            ++pos_;
        } else {
            return fail("expected the segment's flags (S, ., F, R, P, U, E, W, or - for none)");
        }
        p.flags_text = flags;
        if (flags != "-") {
            for (char c : flags) {
                switch (c) {
                case 'F': p.flags |= flag_bit::fin; break;
                case 'S': p.flags |= flag_bit::syn; break;
                case 'R': p.flags |= flag_bit::rst; break;
                case 'P': p.flags |= flag_bit::psh; break;
                case '.': p.flags |= flag_bit::ack; break;
                case 'U': p.flags |= flag_bit::urg; break;
                case 'E': p.flags |= flag_bit::ece; break;
                case 'W': p.flags |= flag_bit::cwr; break;
                default:
                    return parse_error{f.where, "expected flags among S . F R P U E W, got '" + std::string(1, c) + "' in '" + flags + "'"};
                }
            }
        }
        // start:end(length)
        const token& seq_token = current();
        auto start = unsigned_number("a sequence range start:end(length)", 0xffffffffu);
        if (!start) return start.error();
        if (auto e = expect_punct(':', "in the sequence range start:end(length)")) return *e;
        auto end = unsigned_number("the end of the sequence range start:end(length)", 0xffffffffu);
        if (!end) return end.error();
        if (auto e = expect_punct('(', "before the payload length in start:end(length)")) return *e;
        auto length = unsigned_number("the payload length in start:end(length)", 65535);
        if (!length) return length.error();
        if (auto e = expect_punct(')', "after the payload length in start:end(length)")) return *e;
        p.start = static_cast<std::uint32_t>(*start);
        p.end = static_cast<std::uint32_t>(*end);
        p.length = static_cast<std::uint32_t>(*length);
        if (static_cast<std::uint32_t>(p.end - p.start) != p.length)
            return parse_error{seq_token.where, "expected end - start to equal the payload length, got " +
                                                    std::to_string(p.start) + ":" + std::to_string(p.end) + "(" +
                                                    std::to_string(p.length) + ")"};
        if (is_word("ack")) {
            ++pos_;
            auto a = unsigned_number("an acknowledgment number after 'ack'", 0xffffffffu);
            if (!a) return a.error();
            p.ack = static_cast<std::uint32_t>(*a);
        }
        if (is_word("win")) {
            ++pos_;
            auto w = unsigned_number("a window after 'win'", 65535);
            if (!w) return w.error();
            p.window = static_cast<std::uint32_t>(*w);
        } else if (p.dir == direction::inbound) {
            return fail("expected 'win N' (an inbound segment says its window)");
        }
        if (is_punct('<')) {
            const token open = current();
            ++pos_;
            if (current().kind == token_kind::ellipsis) {
                ++pos_;
                p.options.reset();
            } else {
                std::vector<tcp_option> list;
                while (true) {
                    auto o = parse_option();
                    if (!o) return o.error();
                    list.push_back(std::move(o.value()));
                    if (accept_punct(',')) continue;
                    break;
                }
                std::size_t bytes = 0;
                for (const auto& o : list) bytes += o.size();
                if (bytes > 40) return parse_error{open.where, "expected at most 40 bytes of options, got " + std::to_string(bytes)};
                if (bytes % 4 != 0)
                    return parse_error{open.where, "expected options padded to a multiple of 4 bytes (add nop or eol), got " +
                                                       std::to_string(bytes) + " bytes"};
                p.options = std::move(list);
            }
            if (auto e = expect_punct('>', "closing the option list")) return *e;
        }
        return p;
    }

    expected<tcp_option, parse_error> parse_option() {
        tcp_option o;
        o.where = current().where;
        if (current().kind != token_kind::word) return fail("expected a TCP option (nop, eol, mss, wscale, sackOK, sack, TS)");
        const std::string name = current().text;
        ++pos_;
        if (name == "nop") {
            o.kind = option_kind::nop;
        } else if (name == "eol") {
            o.kind = option_kind::eol;
        } else if (name == "mss") {
            o.kind = option_kind::mss;
            auto v = unsigned_number("an MSS value after 'mss'", 65535);
            if (!v) return v.error();
            o.value = static_cast<std::uint32_t>(*v);
        } else if (name == "wscale") {
            o.kind = option_kind::wscale;
            auto v = unsigned_number("a shift after 'wscale'", 255);
            if (!v) return v.error();
            o.value = static_cast<std::uint32_t>(*v);
        } else if (name == "sackOK") {
            o.kind = option_kind::sack_permitted;
        } else if (name == "sack") {
            o.kind = option_kind::sack;
            while (current().kind == token_kind::integer) {
                auto l = unsigned_number("a SACK block left:right", 0xffffffffu);
                if (!l) return l.error();
                if (auto e = expect_punct(':', "in the SACK block left:right")) return *e;
                auto r = unsigned_number("the right edge of the SACK block", 0xffffffffu);
                if (!r) return r.error();
                o.blocks.push_back({static_cast<std::uint32_t>(*l), static_cast<std::uint32_t>(*r)});
            }
            if (o.blocks.empty()) return fail("expected at least one SACK block left:right after 'sack'");
            if (o.blocks.size() > 4) return parse_error{o.where, "expected at most 4 SACK blocks, got " + std::to_string(o.blocks.size())};
        } else if (name == "TS") {
            o.kind = option_kind::timestamp;
            if (!is_word("val")) return fail("expected 'val' after 'TS'");
            ++pos_;
            auto v = unsigned_number("a TS val", 0xffffffffu);
            if (!v) return v.error();
            if (!is_word("ecr")) return fail("expected 'ecr' after the TS val");
            ++pos_;
            auto e = unsigned_number("a TS ecr", 0xffffffffu);
            if (!e) return e.error();
            o.ts_val = static_cast<std::uint32_t>(*v);
            o.ts_ecr = static_cast<std::uint32_t>(*e);
        } else if (name == "FO") {
            return parse_error{o.where, "expected a TCP option synack knows; TCP Fast Open (FO) is not one"};
        } else {
            return parse_error{o.where, "expected a TCP option (nop, eol, mss, wscale, sackOK, sack, TS), got '" + name + "'"};
        }
        return o;
    }

    // ---- system calls ----
    expected<syscall_spec, parse_error> parse_syscall() {
        syscall_spec c;
        if (current().kind == token_kind::ellipsis) {
            ++pos_;
            auto end = seconds("the time a blocking call returns, after '...'");
            if (!end) return end.error();
            c.end_usecs = *end;
        }
        if (current().kind != token_kind::word) return fail("expected a system call name");
        c.name = current().text;
        const std::size_t call_begin = current().begin;
        ++pos_;
        if (auto e = expect_punct('(', "after the system call's name")) return *e;
        if (!accept_punct(')')) {
            while (true) {
                auto a = parse_expression();
                if (!a) return a.error();
                c.args.push_back(std::move(a.value()));
                if (accept_punct(',')) continue;
                if (auto e = expect_punct(')', "or ',' in the argument list")) return *e;
                break;
            }
        }
        c.call_text = std::string{source_.substr(call_begin, tokens_[pos_ - 1].end - call_begin)};
        if (auto e = expect_punct('=', "and the expected return value after the call")) return *e;
        auto r = parse_expression();
        if (!r) return r.error();
        c.result = std::move(r.value());
        // An errno and a note follow on the result's line (an event's time starts the next one).
        const int result_line = tokens_[pos_ - 1].where.line;
        if (current().kind == token_kind::word && current().where.line == result_line) {
            c.errno_name = current().text;
            ++pos_;
        }
        if (is_punct('(') && current().where.line == result_line) {
            const token open = current();
            ++pos_;
            int depth = 1;
            std::string words;
            while (depth > 0) {
                if (current().kind == token_kind::end) return parse_error{open.where, "expected ')' closing this note, got the end of the script"};
                if (is_punct('(')) ++depth;
                if (is_punct(')') && --depth == 0) break;
                if (!words.empty()) words += ' ';
                words += current().text;
                ++pos_;
            }
            ++pos_;
            c.note = std::move(words);
        }
        return c;
    }

    expected<expression, parse_error> parse_expression() {
        auto first = parse_primary();
        if (!first) return first;
        if (!is_punct('|')) return first;
        expression e;
        e.what = expression::kind::bit_or;
        e.where = first->where;
        e.items.push_back(std::move(first.value()));
        while (accept_punct('|')) {
            auto next = parse_primary();
            if (!next) return next;
            e.items.push_back(std::move(next.value()));
        }
        return e;
    }

    expected<expression, parse_error> parse_primary() {
        expression e;
        e.where = current().where;
        const token& t = current();
        switch (t.kind) {
        case token_kind::ellipsis:
            ++pos_;
            e.what = expression::kind::ellipsis;
            return e;
        case token_kind::integer:
        case token_kind::hex: {
            const bool negative = t.text[0] == '-';
            const bool hex = t.kind == token_kind::hex;
            std::uint64_t v = 0;
            for (std::size_t i = (negative ? 1 : 0) + (hex ? 2 : 0); i < t.text.size(); ++i) {
                const char c = t.text[i];
                const std::uint64_t digit = is_digit(c) ? static_cast<std::uint64_t>(c - '0')
                                                        : static_cast<std::uint64_t>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
                v = v * (hex ? 16 : 10) + digit;
                if (v > 0x7fffffffffffffffull) return fail("expected an integer that fits 63 bits");
            }
            ++pos_;
            e.what = expression::kind::integer;
            e.integer = negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
            return e;
        }
        case token_kind::string:
            ++pos_;
            e.what = expression::kind::string;
            e.text = t.text;
            if (current().kind == token_kind::ellipsis) ++pos_; // "abc"...: a prefix
            return e;
        case token_kind::word:
            e.text = t.text;
            ++pos_;
            if (accept_punct('(')) {
                e.what = expression::kind::call;
                if (!accept_punct(')')) {
                    while (true) {
                        auto a = parse_expression();
                        if (!a) return a;
                        e.items.push_back(std::move(a.value()));
                        if (accept_punct(',')) continue;
                        if (auto err = expect_punct(')', "or ',' in the arguments of " + e.text + "()")) return *err;
                        break;
                    }
                }
            } else {
                e.what = expression::kind::word;
            }
            return e;
        case token_kind::punct:
            if (t.text[0] == '[') {
                ++pos_;
                e.what = expression::kind::array;
                if (accept_punct(']')) return e;
                while (true) {
                    auto a = parse_expression();
                    if (!a) return a;
                    e.items.push_back(std::move(a.value()));
                    if (accept_punct(',')) continue;
                    if (auto err = expect_punct(']', "or ',' in the array")) return *err;
                    return e;
                }
            }
            if (t.text[0] == '{') {
                ++pos_;
                e.what = expression::kind::record;
                if (accept_punct('}')) return e;
                while (true) {
                    std::string name;
                    if (current().kind == token_kind::word && ahead(1).kind == token_kind::punct && ahead(1).text == "=") {
                        name = current().text;
                        pos_ += 2;
                    }
                    auto a = parse_expression();
                    if (!a) return a;
                    e.names.push_back(std::move(name));
                    e.items.push_back(std::move(a.value()));
                    if (accept_punct(',')) continue;
                    if (auto err = expect_punct('}', "or ',' in the record")) return *err;
                    return e;
                }
            }
            break;
        case token_kind::ip_address:
            ++pos_;
            e.what = expression::kind::string;
            e.text = t.text;
            return e;
        default: break;
        }
        return fail("expected an expression (a number, a symbol, \"string\", [array], {record} or ...)");
    }

    std::string_view source_;
    std::vector<token> tokens_;
    std::size_t pos_ = 0;
};

} // namespace detail

/// Reads a packetdrill script. The error names the line and column of the first
/// problem and says what was expected there and what was found.
inline expected<script, parse_error> parse(std::string_view text) {
    detail::lexer lex{text};
    auto tokens = lex.tokens();
    if (!tokens) return tokens.error();
    detail::parser p{text, std::move(tokens.value())};
    return p.parse_script();
}

} // namespace synack::drill
