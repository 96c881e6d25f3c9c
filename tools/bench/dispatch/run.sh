#!/bin/sh
# tools/bench/dispatch/run.sh — the dispatch benchmark.
#
# Per-packet cost of replaying a pcap of UDP datagrams through the hosted
# receive path to 1, 10, 100, 1,000 and 10,000 handlers on distinct
# destination ports, for the compiled decision tree, the linear plan and one
# classic-BPF program per handler: instructions per packet from
# valgrind --tool=callgrind (the stable figure) and ns per packet (wall clock),
# each with its ratio to the 1-handler figure of the same plan in this run.
# Prints the table and writes results.csv, table.txt and dispatch.png.
#
# usage: tools/bench/dispatch/run.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR  a meson build directory, preferably --buildtype=release
#              (default: build-rel, set up release when missing)
#   OUT_DIR    where the pcaps and results go (default: BUILD_DIR/bench-dispatch)
# Environment: SIZES (default "1 10 100 1000 10000"), PLANS (default "tree linear bpf"),
#              NO_CALLGRIND=1 to skip the instruction counts.
# The ns figure is the fastest of 5 runs. Runtime: about 2-4 minutes on a loaded 2-core machine (fewer packets under callgrind,
# and fewer packets for the plans whose cost grows with the handlers).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=${1:-build-rel}
case $build in /*) ;; *) build="$root/$build" ;; esac
out=${2:-$build/bench-dispatch}
sizes=${SIZES:-"1 10 100 1000 10000 100000"}
plans=${PLANS:-"tree linear bpf"}
mkdir -p "$out"

bin="$build/tools/bench/dispatch/dispatch-bench"
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release -Dx86_64_image=false >/dev/null
ninja -C "$build" tools/bench/dispatch/dispatch-bench tools/bench/dispatch/startup-bench >/dev/null
if ! grep -q '"name": "buildtype", "value": "release"' \
        "$build/meson-info/intro-buildoptions.json" 2>/dev/null; then
    echo "note: $build is not a release build; ns figures include its checks" >&2
fi

# packets: enough for a stable mean, bounded where the cost grows with N
ns_packets() { # plan n
    if [ "$1" = tree ]; then echo 100000; else
        p=$((10000000 / $2)); [ $p -gt 100000 ] && p=100000; [ $p -lt 500 ] && p=500; echo $p; fi
}
cg_packets() { # plan n
    if [ "$1" = tree ]; then echo 2000; else
        p=$((2000000 / $2)); [ $p -gt 2000 ] && p=2000; [ $p -lt 100 ] && p=100; echo $p; fi
}
field() { # key line
    echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

csv="$out/results.csv"
echo "plan,handlers,ns_per_packet,instr_per_packet" >"$csv"
for plan in $plans; do
    for n in $sizes; do
        # the plans whose cost grows with N stop at 10,000 (100,000 would take hours)
        [ "$plan" != tree ] && [ "$n" -gt 10000 ] && continue
        pcap="$out/udp-to-$n-ports.pcap"
        line=$("$bin" --plan "$plan" --handlers "$n" --packets "$(ns_packets "$plan" "$n")" \
            --pcap "$pcap" --repeat 5)
        ns=$(field ns_per_packet "$line")
        ir=""
        if [ "${NO_CALLGRIND:-0}" != 1 ] && command -v valgrind >/dev/null; then
            cgp=$(cg_packets "$plan" "$n")
            cgo="$out/callgrind.$plan.$n.out"
            valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$cgo" \
                "$bin" --plan "$plan" --handlers "$n" --packets "$cgp" --pcap "$pcap" >/dev/null 2>&1
            tot=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$cgo")
            ir=$(awk -v t="$tot" -v p="$cgp" 'BEGIN { printf "%.0f", t / p }')
        fi
        echo "$plan,$n,$ns,$ir" >>"$csv"
        echo "  $plan $n handlers: $ns ns, ${ir:-?} instructions per packet" >&2
    done
done

py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$here/report.py" "$csv" "$out/dispatch.png" | tee "$out/table.txt"

# Start-up with N handlers: the configuration's extension lines applied in
# one batch (every decision tree built once), against installing them one by
# one as the console does (a tree rebuilt per install), in the same run.
"$build/tools/bench/dispatch/startup-bench" --json "$out/startup.json" | tee "$out/startup.txt"
