#!/bin/sh
# Renders one table's DOT with Graphviz into SVG; fails on any Graphviz complaint.
# usage: render.sh SYNACK_DIAGRAM TABLE OUT_DIR    (exit 77: Graphviz missing, skipped)
set -eu
diagram=$1 table=$2 out=$3
if ! command -v dot >/dev/null 2>&1; then
    echo "Graphviz (Debian: graphviz) not found: skipped"
    exit 77
fi
"$diagram" --dot "$table" > "$out/$table.dot"
dot -Tsvg "$out/$table.dot" -o "$out/$table.svg" 2> "$out/$table.err"
if [ -s "$out/$table.err" ] || ! grep -q "<svg" "$out/$table.svg"; then
    cat "$out/$table.err"
    exit 1
fi
echo "$table renders: $out/$table.svg"
