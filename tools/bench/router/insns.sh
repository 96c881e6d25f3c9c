#!/usr/bin/env bash
# tools/bench/router/insns.sh — instructions per forwarded packet of the
# hosted router, counted by valgrind --tool=callgrind (the stable per-packet
# figure on a noisy machine; ARCHITECTURE.md "Performance discipline").
#
#   insns.sh [-b BUILDDIR] [-n COUNT] [-j JSON]
#
# A release build of spindle (BUILDDIR, default build-release, set up with
# --buildtype=release if missing) replays COUNT (default 10000) 64-byte UDP
# frames (gen-udp64.py: client1 -> client2 of tools/lab/lab3.sh) arriving
# on eth0 of a two-interface router, pcap-file ports, in these
# configurations, all in this run:
#   absent     no router: the graph receives, validates and drops each
#              datagram as not for us (the baseline: the cost of getting a
#              packet to the point where a router decides);
#   router     extension router (zero copy: the received buffer is sent);
#   copy       extension router zerocopy=no (a private copy per packet);
#   routes1k   extension router with 1000 more static routes (the lookup
#              does not depend on the table's size);
# and router and copy again with 1514-byte frames, where copying costs more.
# Two inputs for the 64-byte absent and router cases:
#   1 per poll  frames 1 us apart: the replay clock delivers ONE frame per
#               rx_burst, so every per-burst cost (dev.BurstEnd, the
#               router's transmit pass, one tx_burst per interface) is paid
#               per packet -- a lightly loaded router, latency-bound;
#   burst 32    gen-udp64.py --burst 32: groups of 32 frames with one
#               timestamp, delivered 32 per rx_burst (NETGRAPH_BURST) -- a
#               loaded router whose NIC ring is full when the poll loop
#               comes round, the condition DPDK's and VPP's per-packet
#               figures are taken in; per-burst costs are shared by 32.
# The frames per rx_burst each run saw (eth0 rx_frames / pcap-file:eth0
# rx_bursts) are printed, and a burst input that did not give full bursts
# is an error.
# Per packet: the inclusive instructions of netif_input_burst (receive,
# dispatch, the router's decision, its transmit pass on dev.BurstEnd and the
# interfaces' transmit bursts), less the pcap-file driver's transmit (pcap_file_tx_burst: writing the out= file is the
# driver's cost, not the graph's), as a marginal cost: each configuration
# runs with COUNT and 2*COUNT packets and the difference is divided by COUNT,
# so one-time work (start-up, ARP, the first lookup building the route
# table) cancels out. Printed beside the baseline as ratios; -j also writes
# them as JSON.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=build-release
COUNT=10000
JSON=
while getopts "b:n:j:h" opt; do
	case "$opt" in
	b) BUILD=$OPTARG ;;
	n) COUNT=$OPTARG ;;
	j) JSON=$OPTARG ;;
	*) sed -n '2,42p' "$0" >&2; exit 2 ;;
	esac
done
command -v valgrind >/dev/null || { echo "insns.sh: valgrind missing (apt-get install valgrind)" >&2; exit 1; }
command -v callgrind_annotate >/dev/null || { echo "insns.sh: callgrind_annotate missing" >&2; exit 1; }
cd "$ROOT"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" --buildtype=release -Dx86_64_image=false >/dev/null
fi
ninja -C "$BUILD" apps/spindle >/dev/null
SPINDLE=$ROOT/$BUILD/apps/spindle
grep -q '"name": "buildtype", "value": "release"' "$BUILD/meson-info/intro-buildoptions.json" ||
	echo "insns.sh: warning: $BUILD is not a release build" >&2

TMP=$(mktemp -d /tmp/spindle-insns.XXXXXX)
trap '[ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" >&2 || rm -rf "$TMP"' EXIT

conf() { # NAME PCAPDIR EXTENSION-LINE [ROUTES]
	{
		echo "interface eth0 driver=pcap-file in=$2/in1.pcap out=$TMP/out1-$1.pcap mac=02:00:00:00:01:02"
		echo "interface eth1 driver=pcap-file in=$2/in2.pcap out=$TMP/out2-$1.pcap mac=02:00:00:00:02:02"
		echo "address eth0 10.81.1.1/24"
		echo "address eth1 10.81.2.1/24"
		if [ "${4:-0}" -gt 0 ]; then
			# /24s in 172.16.0.0/12, none covering 10.81.2.2
			for i in $(seq 0 $(($4 - 1))); do
				echo "route 172.$((16 + i / 256)).$((i % 256)).0/24 via 10.81.2.2"
			done
		fi
		[ -z "$3" ] || echo "$3"
	} >"$TMP/$1.conf"
}

# incl FILE FUNCTION: the inclusive instruction count of FUNCTION (0 if never called).
incl() {
	[ -f "$1.txt" ] || callgrind_annotate --inclusive=yes --threshold=100 "$1" >"$1.txt" 2>/dev/null
	awk -v fn="$2" 'BEGIN { v = 0 }
		{ for (i = 2; i <= NF; i++) if ($i ~ (":" fn "$")) { gsub(",", "", $1); v = $1; exit } }
		END { print v }' "$1.txt"
}

jstat() { # JSON NODE COUNTER
	/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["nodes"].get(sys.argv[2],{}).get(sys.argv[3],0))' "$@"
}

# run NAME: prints "graph-instructions packets driver-tx-instructions".
run() {
	valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$1" \
		"$SPINDLE" --config "$TMP/$1.conf" --stats-json "$TMP/$1.json" >"$TMP/$1.log" 2>&1 ||
		{ cat "$TMP/$1.log" >&2; echo "insns.sh: spindle failed ($1)" >&2; exit 1; }
	local rx txd n
	rx=$(incl "$TMP/cg.$1" netif_input_burst)
	txd=$(incl "$TMP/cg.$1" pcap_file_tx_burst)
	n=$(jstat "$TMP/$1.json" router forwarded)
	[ "$n" != 0 ] || n=$(jstat "$TMP/$1.json" ipv4 rx)
	echo "$((rx - txd)) $n $txd $(jstat "$TMP/$1.json" eth0 rx_frames) $(jstat "$TMP/$1.json" pcap-file:eth0 rx_bursts)"
}

declare -A PER
# measure NAME FRAME_BYTES EXTENSION-LINE [ROUTES [BURST]]: PER[NAME], PER[NAME.tx]
# per packet, PER[NAME.fpb] frames per rx_burst (of the 2*COUNT run).
measure() {
	local burst=${5:-1}
	local d1="$TMP/pcap-$2-b$burst-1" d2="$TMP/pcap-$2-b$burst-2"
	if [ ! -d "$d1" ]; then
		mkdir -p "$d1" "$d2"
		/usr/bin/python3 "$HERE/gen-udp64.py" --burst "$burst" "$d1" "$COUNT" "$2"
		/usr/bin/python3 "$HERE/gen-udp64.py" --burst "$burst" "$d2" $((2 * COUNT)) "$2"
	fi
	conf "$1-1" "$d1" "$3" "${4:-0}"
	conf "$1-2" "$d2" "$3" "${4:-0}"
	local a b
	read -r -a a < <(run "$1-1")
	read -r -a b < <(run "$1-2")
	if [ "${a[1]}" != "$COUNT" ] || [ "${b[1]}" != $((2 * COUNT)) ]; then
		echo "insns.sh: $1 counted ${a[1]} of $COUNT and ${b[1]} of $((2 * COUNT)) packets" >&2
		exit 1
	fi
	PER[$1]=$(((b[0] - a[0]) / COUNT))
	PER[$1.tx]=$(((b[2] - a[2]) / COUNT))
	PER[$1.fpb]=$(awk -v f="${b[3]}" -v n="${b[4]}" 'BEGIN { printf "%.2f", n ? f / n : 0 }')
	# full bursts but the last: at least COUNT*2/burst - 1 of burst frames each
	if [ "$burst" -gt 1 ] && [ "${b[4]}" -gt $(((2 * COUNT + burst - 1) / burst + 1)) ]; then
		echo "insns.sh: $1: ${b[4]} rx bursts for ${b[3]} frames, not bursts of $burst" >&2
		exit 1
	fi
}

measure absent 60 ""
measure router 60 "extension router"
measure absent32 60 "" 0 32
measure router32 60 "extension router" 0 32
measure copy 60 "extension router zerocopy=no"
measure routes1k 60 "extension router" 1000
measure router1514 1514 "extension router"
measure copy1514 1514 "extension router zerocopy=no"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "router: instructions per packet (callgrind, marginal cost over $COUNT packets, $BUILD)"
echo " input: one frame per rx_burst (frames 1 us apart; latency-bound, per-burst costs per packet)"
printf '  %-50s %6s\n' "64 B: graph without router (baseline: rx + drop)" "${PER[absent]}"
printf '  %-50s %6s   %sx baseline\n' "64 B: router, zero copy" "${PER[router]}" \
	"$(ratio "${PER[router]}" "${PER[absent]}")"
printf '  %-50s %6s   %sx baseline, %sx zero copy\n' "64 B: router, zerocopy=no (a copy per packet)" \
	"${PER[copy]}" "$(ratio "${PER[copy]}" "${PER[absent]}")" "$(ratio "${PER[copy]}" "${PER[router]}")"
printf '  %-50s %6s   %sx with 2 routes\n' "64 B: router, zero copy, 1000 more static routes" \
	"${PER[routes1k]}" "$(ratio "${PER[routes1k]}" "${PER[router]}")"
printf '  %-50s %6s\n' "1514 B: router, zero copy" "${PER[router1514]}"
printf '  %-50s %6s   %sx zero copy\n' "1514 B: router, zerocopy=no" "${PER[copy1514]}" \
	"$(ratio "${PER[copy1514]}" "${PER[router1514]}")"
printf '  %-50s %6s   (not counted above)\n' "64 B: pcap-file driver transmit" "${PER[router.tx]}"
echo " input: bursts of 32 frames per rx_burst (loaded: a full NIC ring per poll; measured ${PER[router32.fpb]} frames/burst)"
printf '  %-50s %6s\n' "64 B: graph without router (baseline: rx + drop)" "${PER[absent32]}"
printf '  %-50s %6s   %sx baseline, %sx one frame per poll\n' "64 B: router, zero copy" "${PER[router32]}" \
	"$(ratio "${PER[router32]}" "${PER[absent32]}")" "$(ratio "${PER[router32]}" "${PER[router]}")"
if [ -n "$JSON" ]; then
	{
		echo "{\"packets\": $COUNT, \"build\": \"$BUILD\", \"method\": \"callgrind Ir, (I(2N) - I(N)) / N\","
		echo " \"insns_per_packet\": {\"absent_64\": ${PER[absent]}, \"router_64\": ${PER[router]},"
		echo "   \"copy_64\": ${PER[copy]}, \"routes1k_64\": ${PER[routes1k]},"
		echo "   \"router_1514\": ${PER[router1514]}, \"copy_1514\": ${PER[copy1514]},"
		echo "   \"absent_64_burst32\": ${PER[absent32]}, \"router_64_burst32\": ${PER[router32]}},"
		echo " \"frames_per_rx_burst\": {\"router_64\": ${PER[router.fpb]}, \"router_64_burst32\": ${PER[router32.fpb]}},"
		echo " \"driver_tx_per_packet_64\": ${PER[router.tx]},"
		echo " \"ratio_router_to_absent\": $(ratio "${PER[router]}" "${PER[absent]}"),"
		echo " \"ratio_router_to_absent_burst32\": $(ratio "${PER[router32]}" "${PER[absent32]}"),"
		echo " \"ratio_copy_to_zerocopy_64\": $(ratio "${PER[copy]}" "${PER[router]}"),"
		echo " \"ratio_copy_to_zerocopy_1514\": $(ratio "${PER[copy1514]}" "${PER[router1514]}")}"
	} >"$JSON"
	echo "wrote $JSON"
fi
