#!/usr/bin/env bash
# tools/bench/rpc/insns.sh — where a null RPC's time goes inside spindle:
# instructions per call of the hosted spindle answering null ONC RPC calls,
# counted by valgrind --tool=callgrind (the stable per-call figure on a
# noisy machine; tools/bench/router/insns.sh does the same for the router).
#
#   insns.sh [-b BUILDDIR] [-n COUNT] [-j JSON]
#
# A release build (BUILDDIR, default build-release) replays COUNT (default
# 5000) null calls (gen-calls.py: rpcecho procedure 0, a fresh xid each)
# arriving on a pcap-file port, answered by rpc-echo in each configuration:
#   udp-bounded   UDP port 40001, mode=bounded (the budget: on the hosted
#                 target a CPU-time timer armed and disarmed per call, two
#                 system calls callgrind does not count; the VMs only read
#                 their clock)
#   udp-sync      the same inline without a budget
#   udp-async     decided inline, run and answered from a strand
#   vc-bounded    VC 0/40 of the AAL5 raw path, mode=bounded
#   vc-sync       the same without a budget
#   none          no RPC extension: the graph receives each datagram, finds
#                 no port and answers ICMP port unreachable (rate limited):
#                 the cost of getting a call to the point where RPC begins
# Per call: the inclusive instructions of netgraph_poll (receive, dispatch,
# RPC, strands, transmit) less the pcap-file driver's own receive and
# transmit (pcap_file_rx_burst, pcap_file_tx_burst), as a marginal cost
# over COUNT and 2*COUNT calls, so start-up and ARP cancel out. The engine's
# share (rpc_server_dispatch, or decide + execute) and the duplicate-request
# cache's (rpc_drc_lookup, rpc_drc_complete) are printed beside it.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=build-release
COUNT=5000
JSON=
while getopts "b:n:j:h" opt; do
	case "$opt" in
	b) BUILD=$OPTARG ;;
	n) COUNT=$OPTARG ;;
	j) JSON=$OPTARG ;;
	*) sed -n '2,29p' "$0" >&2; exit 2 ;;
	esac
done
command -v valgrind >/dev/null || { echo "insns.sh: valgrind missing (apt-get install valgrind)" >&2; exit 1; }
command -v callgrind_annotate >/dev/null || { echo "insns.sh: callgrind_annotate missing" >&2; exit 1; }
cd "$ROOT"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=release >/dev/null
ninja -C "$BUILD" apps/spindle >/dev/null
SPINDLE=$ROOT/$BUILD/apps/spindle
TMP=$(mktemp -d /tmp/spindle-rpc-insns.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" >&2 || rm -rf "$TMP"' EXIT

for kind in udp vc; do
	/usr/bin/python3 "$HERE/gen-calls.py" "$TMP/$kind-1.pcap" "$COUNT" "$kind"
	/usr/bin/python3 "$HERE/gen-calls.py" "$TMP/$kind-2.pcap" $((2 * COUNT)) "$kind"
done

# incl FILE FUNCTION: the inclusive instruction count of FUNCTION (0 if never called).
incl() {
	[ -f "$1.txt" ] || callgrind_annotate --inclusive=yes --threshold=100 "$1" >"$1.txt" 2>/dev/null
	awk -v fn="$2" 'BEGIN { v = 0 }
		{ for (i = 2; i <= NF; i++) if ($i ~ (":" fn "$")) { gsub(",", "", $1); v = $1; exit } }
		END { print v }' "$1.txt"
}

jstat() { # JSON NODE COUNTER
	# an instance's node is "CLASS#ID:PORT" (netgraph/extension.h): matched without the id
	/usr/bin/python3 -c 'import json,re,sys; d=json.load(open(sys.argv[1]))["nodes"]; d={re.sub(r"#\d+","",k):v for k,v in d.items()}; print(d.get(sys.argv[2],{}).get(sys.argv[3],0))' "$@"
}

# run NAME KIND N EXTENSION-LINE: prints "graph engine drc answered"
run() {
	local name=$1 kind=$2 n=$3 ext=$4 node
	{
		echo "interface eth0 driver=pcap-file in=$TMP/$kind-$n.pcap out=$TMP/out-$name.pcap mac=02:00:00:00:00:02"
		echo "address eth0 10.77.0.2/24"
		[ -z "$ext" ] || echo "$ext"
	} >"$TMP/$name.conf"
	valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$name" \
		"$SPINDLE" --config "$TMP/$name.conf" --stats-json "$TMP/$name.json" >"$TMP/$name.log" 2>&1 ||
		{ cat "$TMP/$name.log" >&2; echo "insns.sh: spindle failed ($name)" >&2; exit 1; }
	local cg=$TMP/cg.$name poll rx tx eng drc
	poll=$(incl "$cg" netgraph_poll)
	rx=$(incl "$cg" pcap_file_rx_burst)
	tx=$(incl "$cg" pcap_file_tx_burst)
	# rpc_server_dispatch holds decide and execute; async calls them apart
	eng=$(incl "$cg" rpc_server_dispatch)
	[ "$eng" != 0 ] || eng=$(($(incl "$cg" rpc_server_decide) + $(incl "$cg" rpc_server_execute)))
	drc=$(($(incl "$cg" rpc_drc_lookup) + $(incl "$cg" rpc_drc_complete)))
	node=$([ "$kind" = udp ] && echo rpc-echo:40001 || echo rpc-echo:0/40)
	echo "$((poll - rx - tx)) $eng $drc $(jstat "$TMP/$name.json" "$node" success)"
}

declare -A PER ENG DRC
# measure NAME KIND EXTENSION-LINE
measure() {
	local a b
	read -r -a a < <(run "$1-1" "$2" 1 "$3")
	read -r -a b < <(run "$1-2" "$2" 2 "$3")
	if [ -n "$3" ] && { [ "${a[3]}" != "$COUNT" ] || [ "${b[3]}" != $((2 * COUNT)) ]; }; then
		echo "insns.sh: $1 answered ${a[3]} of $COUNT and ${b[3]} of $((2 * COUNT)) calls" >&2
		exit 1
	fi
	PER[$1]=$(((b[0] - a[0]) / COUNT))
	ENG[$1]=$(((b[1] - a[1]) / COUNT))
	DRC[$1]=$(((b[2] - a[2]) / COUNT))
}

measure none udp ""
measure udp-bounded udp "extension rpc-echo port=40001 mode=bounded:20000"
measure udp-sync udp "extension rpc-echo port=40001 mode=sync"
measure udp-async udp "extension rpc-echo port=40001 mode=async"
measure vc-bounded vc "extension rpc-echo vc=0/40 mode=bounded:20000"
measure vc-sync vc "extension rpc-echo vc=0/40 mode=sync"

echo "null RPC: instructions per call (callgrind, marginal over $COUNT calls, $BUILD, hosted)"
printf '  %-52s %7s %7s %7s\n' "configuration" "graph" "engine" "cache"
for k in none udp-sync udp-bounded udp-async vc-sync vc-bounded; do
	printf '  %-52s %7s %7s %7s\n' "$k" "${PER[$k]}" "${ENG[$k]}" "${DRC[$k]}"
done
echo "  (graph: everything of the poll but the pcap-file driver; engine: decide/execute or"
echo "   dispatch, included in graph; cache: the duplicate-request cache, included in engine)"
if [ -n "$JSON" ]; then
	{
		printf '{\n  "benchmark": "tools/bench/rpc/insns.sh",\n  "calls": %s,\n  "instructions_per_call": {\n' "$COUNT"
		first=1
		for k in none udp-sync udp-bounded udp-async vc-sync vc-bounded; do
			[ "$first" = 1 ] || printf ',\n'
			first=0
			printf '    "%s": {"graph": %s, "engine": %s, "cache": %s}' "$k" "${PER[$k]}" "${ENG[$k]}" "${DRC[$k]}"
		done
		printf '\n  }\n}\n'
	} >"$JSON"
	echo "wrote $JSON"
fi
