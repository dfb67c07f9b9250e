#pragma once
/// \file
/// Diagrams of a `transition_table`: Graphviz DOT and Mermaid `stateDiagram-v2`, from
/// one generator that writes to any sink, so the same text exists at compile time (a
/// constexpr character array: `dot_c<table>`) and at run time (`write_dot(table, sink)`).
/// Rows to `ignore` and `reject` are not transitions and are left out.

#include <array>
#include <cstddef>
#include <string_view>

#include "synack/core/transition_table.hpp"

namespace synack::core {

/// The text formats diagrams come in.
enum class diagram_format { dot, mermaid };

namespace detail {

struct length_sink {
    std::size_t size = 0;
    constexpr void operator()(std::string_view s) noexcept { size += s.size(); }
};

template <std::size_t N>
struct array_sink {
    std::array<char, N + 1> text{};
    std::size_t size = 0;
    constexpr void operator()(std::string_view s) noexcept {
        for (char c : s) text[size++] = c;
    }
};

/// An identifier Mermaid accepts: letters, digits and '_'.
template <class Sink>
constexpr void put_identifier(Sink& out, std::string_view name) {
    for (char c : name) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        const char s[1] = {plain ? c : '_'};
        out(std::string_view{s, 1});
    }
}

/// A row is drawn when it leads to a state, and is not a self-loop that does nothing.
constexpr bool drawn(const row_info& r) noexcept { return r.to != target_ignore && r.to != target_reject && !(r.to == r.from && !r.has_action); }

/// True when row `i` is drawn and is the first row of its (from, to) edge: parallel rows
/// share one edge with one label per row.
template <class Table>
constexpr bool first_of_edge(std::size_t i) noexcept {
    const row_info& r = Table::rows_info[i];
    if (!drawn(r)) return false;
    for (std::size_t j = 0; j < i; ++j) {
        const row_info& p = Table::rows_info[j];
        if (p.from == r.from && p.to == r.to && drawn(p)) return false;
    }
    return true;
}

} // namespace detail

/// Writes the diagram of `table` to `out`, a callable taking `std::string_view` pieces.
template <class Table, class Sink>
constexpr void write_diagram(const Table&, diagram_format format, Sink&& out, std::string_view title = "transitions") {
    constexpr std::size_t S = Table::state_count;
    // Every row drawn from `first`'s state to its target, one label each.
    auto edge_labels = [&](std::size_t first, std::string_view separator) {
        const row_info& f = Table::rows_info[first];
        for (std::size_t i = first; i < Table::row_count; ++i) {
            const row_info& r = Table::rows_info[i];
            if (r.from != f.from || r.to != f.to || !detail::drawn(r)) continue;
            if (i != first) out(separator);
            out(r.any_event ? std::string_view{"any other event"} : Table::event_names[r.event]);
            if (r.guarded) out(" [guard]");
        }
    };
    if (format == diagram_format::dot) {
        out("digraph \"");
        out(title);
        out("\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n  __initial__ [shape=point, label=\"\"];\n");
        for (std::size_t s = 0; s < S; ++s)
            if (Table::terminal_states[s]) {
                out("  \"");
                out(Table::state_names[s]);
                out("\" [peripheries=2];\n");
            }
        out("  __initial__ -> \"");
        out(Table::state_names[0]);
        out("\";\n");
        for (std::size_t i = 0; i < Table::row_count; ++i) {
            const row_info& r = Table::rows_info[i];
            if (!detail::first_of_edge<Table>(i)) continue;
            out("  \"");
            out(Table::state_names[r.from]);
            out("\" -> \"");
            out(Table::state_names[r.to]);
            out("\" [label=\"");
            edge_labels(i, "\\n");
            out("\"];\n");
        }
        out("}\n");
    } else {
        out("---\ntitle: ");
        out(title);
        out("\n---\nstateDiagram-v2\n");
        for (std::size_t s = 0; s < S; ++s) {
            out("  state \"");
            out(Table::state_names[s]);
            out("\" as ");
            detail::put_identifier(out, Table::state_names[s]);
            out("\n");
        }
        out("  [*] --> ");
        detail::put_identifier(out, Table::state_names[0]);
        out("\n");
        for (std::size_t i = 0; i < Table::row_count; ++i) {
            const row_info& r = Table::rows_info[i];
            if (!detail::first_of_edge<Table>(i)) continue;
            out("  ");
            detail::put_identifier(out, Table::state_names[r.from]);
            out(" --> ");
            detail::put_identifier(out, Table::state_names[r.to]);
            out(" : ");
            edge_labels(i, "<br/>");
            out("\n");
        }
        for (std::size_t s = 0; s < S; ++s)
            if (Table::terminal_states[s] && s != 0) {
                out("  ");
                detail::put_identifier(out, Table::state_names[s]);
                out(" --> [*]\n");
            }
    }
}

/// The diagram as a compile-time character array (NUL-terminated), e.g.
/// `constexpr auto dot = diagram_c<table, diagram_format::dot>; std::puts(dot.data());`
template <const auto& Table, diagram_format Format>
inline constexpr auto diagram_c = [] {
    constexpr std::size_t n = [] {
        detail::length_sink length{};
        write_diagram(Table, Format, length);
        return length.size;
    }();
    detail::array_sink<n> sink{};
    write_diagram(Table, Format, sink);
    return sink.text;
}();

/// The DOT text of `Table`, at compile time.
template <const auto& Table>
inline constexpr auto dot_c = diagram_c<Table, diagram_format::dot>;
/// The Mermaid text of `Table`, at compile time.
template <const auto& Table>
inline constexpr auto mermaid_c = diagram_c<Table, diagram_format::mermaid>;

} // namespace synack::core
