// synack-drill [OPTIONS] SCRIPT...: runs packetdrill scripts against synack's TCP in
// virtual time and prints `PASS name` or `FAIL name: line L: expected ..., got ...` for
// each, then `N passed, M failed`. Exit status 0 only when every script passed.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"
#include "parser.hpp"
#include "runner.hpp"

namespace {

using namespace synack::drill;

constexpr const char* usage =
    "usage: synack-drill [OPTIONS] SCRIPT...\n"
    "Runs packetdrill scripts against synack's TCP connection in virtual time.\n"
    "\n"
    "packetdrill's options (also accepted at the top of a script; the command line wins):\n"
    "  --ip_version=ipv4|ipv4-mapped-ipv6|ipv6   --tolerance_usecs=N (4000)   --tolerance_percent=P (12.5)\n"
    "  --local_ip=ADDR   --remote_ip=ADDR   --bind_port=N (8080)   --connect_port=N (8080)\n"
    "synack-drill's own:\n"
    "  --strict          also match windows, PSH and the exact option bytes\n"
    "  --os=linux        present synack's options in Linux's layout before matching\n"
    "  --local_mss=N     the MSS synack announces (1460)\n"
    "  --local_isn=N     synack's first ISN (1234567)    --remote_isn=N  the script's (0)\n"
    "  --remote_port=N   the script's port towards a listener (50000)\n"
    "  --ephemeral_port=N  synack's first port of an active open (40000)\n"
    "  -v, --verbose     print every event and segment to stderr\n";

std::string script_name(std::string_view path) {
    const auto slash = path.find_last_of('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    if (path.ends_with(".pkt")) path.remove_suffix(4);
    return std::string{path};
}

struct command_line {
    run_options options{};
    std::set<std::string> given{}; // option names set here, which a script's header does not override
    std::vector<std::string> scripts{};
    bool verbose = false;
};

bool read_command_line(int argc, char** argv, command_line& out) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(usage, stdout);
            std::exit(0);
        }
        if (a == "-v" || a == "--verbose") {
            out.verbose = true;
            continue;
        }
        if (a.starts_with("--")) {
            const auto eq = a.find('=');
            const std::string name{a.substr(2, eq == std::string_view::npos ? std::string_view::npos : eq - 2)};
            const std::string_view value = eq == std::string_view::npos ? std::string_view{} : a.substr(eq + 1);
            const auto r = apply_option(out.options, name, value);
            if (r.what == setting_outcome::kind::error) {
                std::fprintf(stderr, "synack-drill: %s\n", r.message.c_str());
                return false;
            }
            if (r.what == setting_outcome::kind::ignored) std::fprintf(stderr, "synack-drill: note: ignored: %s\n", r.message.c_str());
            out.given.insert(name);
            continue;
        }
        out.scripts.emplace_back(a);
    }
    if (out.scripts.empty()) {
        std::fputs(usage, stderr);
        return false;
    }
    return true;
}

/// Runs one script; prints its line and its notes. True when it passed.
bool run_one(const command_line& cl, const std::string& path) {
    const std::string name = script_name(path);
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        std::printf("FAIL %s: expected a readable script, got none at %s\n", name.c_str(), path.c_str());
        return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    const std::string source = text.str();
    const auto parsed = parse(source);
    if (!parsed) {
        const auto& e = parsed.error();
        std::printf("FAIL %s: line %d, column %d: %s\n", name.c_str(), e.where.line, e.where.column, e.message.c_str());
        return false;
    }
    run_options options = cl.options;
    for (const auto& o : parsed->options) {
        if (cl.given.contains(o.name)) continue;
        const auto r = apply_option(options, o.name, o.value);
        if (r.what == setting_outcome::kind::error) {
            std::printf("FAIL %s: line %d: %s\n", name.c_str(), o.where.line, r.message.c_str());
            return false;
        }
        if (r.what == setting_outcome::kind::ignored)
            std::fprintf(stderr, "note: %s: line %d: ignored: %s\n", name.c_str(), o.where.line, r.message.c_str());
    }
    runner r{*parsed, options};
    const auto result = r.run();
    if (cl.verbose)
        for (const auto& t : result.trace) std::fprintf(stderr, "%s: %s\n", name.c_str(), t.c_str());
    for (const auto& n : result.notes) std::fprintf(stderr, "note: %s: line %d: %s\n", name.c_str(), n.line, n.text.c_str());
    if (result.passed) {
        std::printf("PASS %s\n", name.c_str());
        return true;
    }
    if (result.line > 0) std::printf("FAIL %s: line %d: %s\n", name.c_str(), result.line, result.message.c_str());
    else std::printf("FAIL %s: %s\n", name.c_str(), result.message.c_str());
    return false;
}

} // namespace

int main(int argc, char** argv) {
    command_line cl;
    if (!read_command_line(argc, argv, cl)) return 2;
    int passed = 0, failed = 0;
    for (const auto& path : cl.scripts) {
        if (run_one(cl, path)) ++passed;
        else ++failed;
        std::fflush(stdout);
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
