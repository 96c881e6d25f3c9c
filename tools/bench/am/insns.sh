#!/usr/bin/env bash
# tools/bench/am/insns.sh — instructions per active-message round trip at
# the responder, counted by valgrind --tool=callgrind on the hosted spindle
# (the stable per-message figure; where a VM's round trip goes besides the
# emulated NIC, the host's bridge and the vCPUs' wake-ups).
#
#   insns.sh [-b BUILDDIR] [-n COUNT] [-s STORES]
#
# A release build (BUILDDIR, default build-release, set up with
# --buildtype=release if missing) answers COUNT (default 5000) 0-argument
# requests to AM_H_ECHO (gen-requests.py: one requester, in order, 1 ms
# apart) on a pcap-file port, over UDP (extension am port=9000) and raw (am
# vc=0/40, one cell per request), with the built-in handlers synchronous,
# bounded (with a 1 s budget: valgrind runs the first requests far slower
# than the default 1 ms allows) and asynchronous. Per request: the inclusive instructions of
# netif_input_burst (receive, dispatch, a synchronous or bounded handler and its
# reply) plus ksched_run (an asynchronous handler and its reply), less the
# pcap-file driver's transmit (pcap_file_tx_burst: writing the out= file),
# as a marginal cost: each configuration runs with COUNT and 2 x COUNT
# requests and the difference is divided by COUNT. Then the same per 64 KiB
# store (STORES, default 50, of them; no handler; the endpoints' default
# chunks: 47 of 1408 bytes over UDP, 8 PDUs of 8 KiB over AAL5), and per
# byte stored.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=build-release
COUNT=5000
STORES=50
while getopts "b:n:s:h" opt; do
	case "$opt" in
	b) BUILD=$OPTARG ;;
	n) COUNT=$OPTARG ;;
	s) STORES=$OPTARG ;;
	*) sed -n '2,20p' "$0" >&2; exit 2 ;;
	esac
done
command -v valgrind >/dev/null || { echo "insns.sh: valgrind missing (apt-get install valgrind)" >&2; exit 1; }
cd "$ROOT"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=release -Dx86_64_image=false >/dev/null
ninja -C "$BUILD" apps/spindle >/dev/null
SPINDLE=$ROOT/$BUILD/apps/spindle
TMP=$(mktemp -d /tmp/spindle-am-insns.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
for k in udp aal5; do
	for n in "$COUNT" $((2 * COUNT)); do
		/usr/bin/python3 "$HERE/gen-requests.py" "$k" "$n" "$TMP/$k-echo-$n.pcap" echo
	done
	for n in "$STORES" $((2 * STORES)); do
		/usr/bin/python3 "$HERE/gen-requests.py" "$k" "$n" "$TMP/$k-store-$n.pcap" store
	done
done

incl() { # FILE FUNCTION: inclusive instructions (0 if never called)
	[ -f "$1.txt" ] || callgrind_annotate --inclusive=yes --threshold=100 "$1" >"$1.txt" 2>/dev/null
	awk -v fn="$2" 'BEGIN { v = 0 }
		{ for (i = 2; i <= NF; i++) if ($i ~ (":" fn "$")) { gsub(",", "", $1); v = $1; exit } }
		END { print v }' "$1.txt"
}

# run KIND MODE WHAT N: instructions of the graph for N requests or stores; checks the answers.
run() {
	local ext="port=9000"
	[ "$1" = aal5 ] && ext="vc=0/40"
	cat >"$TMP/c.conf" <<CONF
interface eth0 driver=pcap-file in=$TMP/$1-$3-$4.pcap out=$TMP/out.pcap mac=02:00:00:00:81:02
address eth0 10.81.0.2/24
extension am $ext mode=$2$([ "$2" = bounded ] && echo ":1000000")
CONF
	valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$1.$2.$3.$4" \
		"$SPINDLE" --config "$TMP/c.conf" --stats-json "$TMP/s.json" >"$TMP/log" 2>&1 ||
		{ cat "$TMP/log" >&2; echo "insns.sh: spindle failed" >&2; exit 1; }
	local node=am:udp-9000 key=replies want=$4 got
	[ "$1" = aal5 ] && node=am:aal5-0-40
	[ "$3" = store ] && { key=stored_bytes; want=$(($4 * 65536)); }
	got=$(/usr/bin/python3 -c 'import json,sys; import re; n = json.load(open(sys.argv[1]))["nodes"]; print(next(v for k, v in n.items() if re.sub(r"#\d+", "", k) == sys.argv[2])[sys.argv[3]])' "$TMP/s.json" "$node" "$key")
	[ "$got" = "$want" ] || { echo "insns.sh: $1 $2 $3: $key $got, expected $want" >&2; exit 1; }
	local f=$TMP/cg.$1.$2.$3.$4
	echo $(($(incl "$f" netif_input_burst) + $(incl "$f" ksched_run) - $(incl "$f" pcap_file_tx_burst)))
}

echo "instructions at the responder (callgrind, marginal, $BUILD)"
echo "  per 0-argument request and its reply ($COUNT):"
printf '    %-6s %10s %10s %10s\n' "" sync bounded async
for k in udp aal5; do
	row=()
	for m in sync bounded async; do
		a=$(run "$k" "$m" echo "$COUNT")
		b=$(run "$k" "$m" echo $((2 * COUNT)))
		row+=($(((b - a) / COUNT)))
	done
	printf '    %-6s %10s %10s %10s\n' "$k" "${row[@]}"
done
echo "  per 64 KiB store, its chunks and their acks ($STORES):"
for k in udp aal5; do
	a=$(run "$k" sync store "$STORES")
	b=$(run "$k" sync store $((2 * STORES)))
	per=$(((b - a) / STORES))
	printf '    %-6s %10s   %s per byte\n' "$k" "$per" "$(awk -v v="$per" 'BEGIN { printf "%.1f", v / 65536 }')"
done
