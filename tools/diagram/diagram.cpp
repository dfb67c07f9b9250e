// synack-diagram: prints the state diagram of a table built on synack's engine, as
// Graphviz DOT or Mermaid, and its verification report.
//   synack-diagram [--dot | --mermaid | --verify] TABLE
//   synack-diagram --list
// Render with `synack-diagram --dot tls-client | dot -Tsvg > tls.svg`, or paste the
// Mermaid text into a Markdown file (GitHub renders it).
#include "examples/alternating_bit/alternating_bit.hpp"
#include "examples/tls_handshake/tls_handshake.hpp"

#include <synack/core/diagram.hpp>
#include <synack/tcp/table.hpp>
#include <synack/core/verify.hpp>

#include <cstdio>
#include <string_view>

namespace {
using namespace synack::core;

enum class what { dot, mermaid, verify };

void write(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

template <class Table>
int print(const Table& table, what w, std::string_view title) {
    if (w != what::verify) {
        write_diagram(table, w == what::dot ? diagram_format::dot : diagram_format::mermaid, write, title);
        return 0;
    }
    const auto report = verify(table);
    std::printf("%.*s: %zu states, %zu events, %zu rows, %zu findings\n", static_cast<int>(title.size()), title.data(),
                Table::state_count, Table::event_count, Table::row_count, report.size);
    for (std::size_t i = 0; i < report.size; ++i) {
        const auto& f = report.items[i];
        const auto kind = to_string(f.kind), state = report.state_name(f), event = report.event_name(f);
        std::printf("  %.*s | state %.*s | event %.*s\n", static_cast<int>(kind.size()), kind.data(),
                    static_cast<int>(state.size()), state.data(), static_cast<int>(event.size()), event.data());
    }
    return report.ok() ? 0 : 1;
}

// The tables this program knows: one line each.
struct entry {
    std::string_view name;
    int (*run)(what);
};
constexpr entry tables[] = {
    {"tcp", [](what w) { return print(synack::tcp::connection_table, w, "TCP connection (RFC 9293)"); }},
    {"abp-sender", [](what w) { return print(abp::sender_table, w, "alternating bit sender"); }},
    {"abp-receiver", [](what w) { return print(abp::receiver_table, w, "alternating bit receiver"); }},
    {"tls-client", [](what w) { return print(tls::table, w, "TLS 1.3 client handshake"); }},
};

int usage() {
    std::fprintf(stderr, "usage: synack-diagram [--dot | --mermaid | --verify] TABLE\n       synack-diagram --list\n");
    return 2;
}
} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string_view{argv[1]} == "--list") {
        for (const auto& t : tables) std::printf("%.*s\n", static_cast<int>(t.name.size()), t.name.data());
        return 0;
    }
    what w = what::dot;
    int i = 1;
    if (argc == 3) {
        const std::string_view option{argv[1]};
        if (option == "--dot") w = what::dot;
        else if (option == "--mermaid") w = what::mermaid;
        else if (option == "--verify") w = what::verify;
        else return usage();
        i = 2;
    } else if (argc != 2) {
        return usage();
    }
    for (const auto& t : tables)
        if (t.name == argv[i]) return t.run(w);
    std::fprintf(stderr, "synack-diagram: no table named '%s' (see --list)\n", argv[i]);
    return 2;
}
