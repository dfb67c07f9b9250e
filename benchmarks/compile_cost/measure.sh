#!/bin/sh
# Compile cost and code size of the dispatch benchmark's machine, built three ways
# (synack.cpp, switch.cpp, msm.cpp: the same connection table, each with a function
# dispatching one run-time event and the benchmark's pass loop), beside the cost of
# including synack's headers alone. Each unit is compiled with `$CXX -O2` (g++ unless
# CXX says otherwise) three times; the table gives the best wall-clock time, the peak
# memory of that compiler run (GNU time, when /usr/bin/time is there), and the object's
# code (.text*) and data (.rodata*, .data*, .bss*) sizes from `size -A`.
#
#   benchmarks/compile_cost/measure.sh            # prints a markdown table
#
# Boost.MSM 1.74 does not compile as C++20 with g++ 12, so its unit is built as C++17.
# Figures are per unit and serial: run it on an otherwise idle machine.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cxx=${CXX:-g++}
runs=3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Units that only include headers, written here so they are not mistaken for sources.
printf '' >"$work/empty.cpp"
printf '#include <synack/synack.hpp>\n' >"$work/include_synack.cpp"
printf '#include <synack/core/machine.hpp>\n#include <synack/core/verify.hpp>\n' >"$work/include_engine.cpp"

have_time=no
if [ -x /usr/bin/time ] && /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then have_time=yes; fi

# measure <label> <std> <source>: one markdown row.
measure() {
    label=$1 std=$2 src=$3
    obj="$work/unit.o"
    best_s= best_kb=
    i=0
    while [ "$i" -lt "$runs" ]; do
        i=$((i + 1))
        if [ "$have_time" = yes ]; then
            /usr/bin/time -f '%e %M' -o "$work/time" \
                "$cxx" -O2 "-std=$std" -I"$root/include" -I"$here" -c "$src" -o "$obj"
            read -r s kb <"$work/time"
        else
            start=$(date +%s.%N)
            "$cxx" -O2 "-std=$std" -I"$root/include" -I"$here" -c "$src" -o "$obj"
            s=$(echo "$(date +%s.%N) - $start" | bc)
            kb=
        fi
        if [ -z "$best_s" ] || [ "$(echo "$s < $best_s" | bc)" = 1 ]; then best_s=$s best_kb=$kb; fi
    done
    sizes=$(size -A "$obj" | awk '
        $1 ~ /^\.text/ { text += $2 }
        $1 ~ /^\.(rodata|data|bss)/ { data += $2 }
        END { printf "%d %d", text, data }')
    text=${sizes% *} data=${sizes#* }
    mb=n/a
    [ -n "$best_kb" ] && mb=$(echo "scale=0; $best_kb / 1024" | bc)
    printf '| %s | %s | %.2f | %s | %s | %s |\n' "$label" "$std" "$best_s" "$mb" "$text" "$data"
}

echo "Compiler: $($cxx --version | head -n 1), -O2; best of $runs runs"
echo
echo '| unit | standard | compile time (s) | peak memory (MB) | .text (bytes) | data (bytes) |'
echo '|---|---|---:|---:|---:|---:|'
measure 'empty unit (baseline)' c++20 "$work/empty.cpp"
measure '#include <synack/synack.hpp>' c++20 "$work/include_synack.cpp"
measure '#include machine.hpp + verify.hpp' c++20 "$work/include_engine.cpp"
measure 'synack table, 11 states x 10 events' c++20 "$here/synack.cpp"
measure 'hand-written nested switch' c++20 "$here/switch.cpp"
measure 'Boost.MSM, functor front end' c++17 "$here/msm.cpp"
