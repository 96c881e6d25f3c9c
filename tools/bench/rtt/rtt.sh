#!/usr/bin/env bash
# tools/bench/rtt/rtt.sh — round-trip time of spindle against Linux on the
# same veth link (ARCHITECTURE.md "Performance discipline": the figure next
# to a baseline measured in the same run, as a ratio).
#
#   sudo tools/bench/rtt/rtt.sh [--build DIR] [--time S] [--sizes "64 1400"]
#                               [--no-build] [--keep-logs DIR]
#
# 1. Builds the release build (meson setup DIR --buildtype=release; ninja),
#    DIR = build-release unless --build says otherwise.
# 2. Brings up a lab (tools/lab/lab.sh, prefix rtt<pid>) and runs spindle
#    (examples/server.conf: pcap driver on veth-app, 10.77.0.2/24, sockperf
#    extension on UDP port 11111) in the app namespace.
# 3. From the client namespace: `sockperf ping-pong -i 10.77.0.2 -p 11111
#    --time S -m SIZE` for each size, and 200 pings (56 bytes, 5 ms apart).
# 4. Stops spindle (SIGTERM), gives veth-app 10.77.0.2/24 with ARP on and
#    promiscuous mode off, runs a Linux `sockperf server` there, and measures
#    the same.
# 5. Prints a table: size, spindle p50/p99, Linux p50/p99 (microseconds,
#    sockperf's "percentile 50.000" and "99.000" lines; ping: percentiles of
#    the per-reply times), and the ratios spindle/Linux.
# The lab is removed on exit, also on failure or Ctrl-C. Every command is
# bounded in time. Needs root (network namespaces). Exit 0 when every
# measurement produced figures, 1 otherwise.
#
# Numbers on a shared or virtual machine are noisy; the ratio of two
# measurements taken one after the other on the same link is the figure.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
BUILD=build-release
TIME=5
SIZES="64 1400"
DO_BUILD=1
KEEP=

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--time) TIME=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--keep-logs) KEEP=$2; shift 2 ;;
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "rtt.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
if ! [[ "$TIME" =~ ^[0-9]+$ ]] || [ "$TIME" -lt 1 ] || [ "$TIME" -gt 60 ]; then
	echo "rtt.sh: --time must be 1..60 seconds" >&2
	exit 2
fi

if [ "$(id -u)" != 0 ]; then
	echo "rtt.sh: needs root (network namespaces): sudo $0" >&2
	exit 1
fi
for c in sockperf ping ip ethtool timeout awk; do
	command -v "$c" >/dev/null || { echo "rtt.sh: missing $c (run tools/setup.sh)" >&2; exit 1; }
done

# --- 1. release build -----------------------------------------------------
if [ "$DO_BUILD" = 1 ]; then
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$ROOT" --buildtype=release >/dev/null || exit 1
	fi
	ninja -C "$BUILD" -j2 apps/spindle >/dev/null || { echo "rtt.sh: build failed" >&2; exit 1; }
fi
SPINDLE=$BUILD/apps/spindle
[ -x "$SPINDLE" ] || { echo "rtt.sh: no $SPINDLE (build it, or drop --no-build)" >&2; exit 1; }

P=rtt$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-rtt.XXXXXX")
SPID=
LPID=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	for p in $SPID $LPID; do
		kill -KILL "$p" 2>/dev/null
	done
	"$LAB" down "$P" >/dev/null 2>&1
	if [ -n "$KEEP" ]; then
		mkdir -p "$KEEP" && cp "$TMP"/* "$KEEP"/ 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cli() { "$LAB" exec "$P" cli "$@"; }
app() { "$LAB" exec "$P" app "$@"; }

# sockperf_run SIDE SIZE: ping-pong, output in $TMP/SIDE-SIZE.txt
sockperf_run() {
	cli timeout $((TIME + 25)) sockperf ping-pong -i 10.77.0.2 -p 11111 --time "$TIME" \
		-m "$2" >"$TMP/$1-$2.txt" 2>&1
}

# ping_run SIDE: 200 echo requests of 56 bytes, one per 5 ms
ping_run() {
	cli timeout 30 ping -n -c 200 -i 0.005 -W 1 -s 56 10.77.0.2 >"$TMP/$1-ping.txt" 2>&1
}

measure() {
	local side=$1 s
	cli timeout 10 ping -n -c 1 -W 1 10.77.0.2 >/dev/null 2>&1 # resolve ARP first
	for s in $SIZES; do
		sockperf_run "$side" "$s"
		echo "   $side sockperf -m $s: $(grep -o 'Summary: Latency is .*' "$TMP/$side-$s.txt" ||
			echo 'no summary')"
	done
	ping_run "$side"
	echo "   $side ping: $(tail -1 "$TMP/$side-ping.txt")"
}

# percentile P of sockperf output file (usec) or "-"
sp_pct() {
	awk -v p="$2" '$0 ~ "percentile " p " =" { v = $NF } END { print (v == "" ? "-" : v) }' "$1"
}

# percentile P (50, 99) of ping's per-reply times, in usec, nearest rank
ping_pct() {
	grep -o 'time=[0-9.]*' "$1" | cut -d= -f2 | sort -g |
		awk -v p="$2" '{ v[NR] = $1 } END {
			if (NR == 0) { print "-"; exit }
			r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR
			printf "%.3f\n", v[r] * 1000 }'
}

"$LAB" up "$P" >/dev/null || { echo "rtt.sh: lab up failed" >&2; exit 1; }

# --- 2-3. spindle -----------------------------------------------------------
echo "== spindle ($SPINDLE, release) on $P-app/veth-app"
# Run through lab.sh directly (it execs), so $! is spindle itself.
"$LAB" exec "$P" app "$SPINDLE" --config "$ROOT/examples/server.conf" --log warn \
	>"$TMP/spindle.log" 2>&1 &
SPID=$!
sleep 1
kill -0 "$SPID" 2>/dev/null || { cat "$TMP/spindle.log"; echo "rtt.sh: spindle did not start" >&2; exit 1; }
measure spindle
kill -TERM "$SPID"
for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SPID" 2>/dev/null; then
	echo "rtt.sh: spindle still running 5 s after SIGTERM" >&2
	exit 1
fi
wait "$SPID"
src=$?
SPID=
[ "$src" = 0 ] || { cat "$TMP/spindle.log"; echo "rtt.sh: spindle exited $src" >&2; exit 1; }
if [ -n "$(ip netns pids "$P-app")" ]; then
	echo "rtt.sh: processes still running in $P-app after spindle stopped" >&2
	exit 1
fi

# --- 4. Linux ------------------------------------------------------------------
echo "== Linux: sockperf server on $P-app/veth-app"
app ip link set veth-app arp on promisc off
app ip addr add 10.77.0.2/24 dev veth-app
NSIZES=$(wc -w <<<"$SIZES")
"$LAB" exec "$P" app timeout $(( (TIME + 8) * NSIZES + 60 )) \
	sockperf server -i 10.77.0.2 -p 11111 >"$TMP/linux-server.log" 2>&1 &
LPID=$!
sleep 1
kill -0 "$LPID" 2>/dev/null || { cat "$TMP/linux-server.log"; echo "rtt.sh: sockperf server did not start" >&2; exit 1; }
measure linux
kill -TERM "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
LPID=

# --- 5. table ---------------------------------------------------------------------
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}
ok=0
echo
echo "RTT in microseconds, client $P-cli -> 10.77.0.2 over veth ($(nproc) CPUs); sockperf ping-pong ${TIME} s per size"
printf '%-12s %12s %12s %12s %12s %10s %10s\n' size "spindle p50" "spindle p99" "Linux p50" "Linux p99" "ratio p50" "ratio p99"
for s in $SIZES ping; do
	if [ "$s" = ping ]; then
		name="ping 56"
		a50=$(ping_pct "$TMP/spindle-ping.txt" 50); a99=$(ping_pct "$TMP/spindle-ping.txt" 99)
		b50=$(ping_pct "$TMP/linux-ping.txt" 50); b99=$(ping_pct "$TMP/linux-ping.txt" 99)
	else
		name="udp $s"
		a50=$(sp_pct "$TMP/spindle-$s.txt" 50.000); a99=$(sp_pct "$TMP/spindle-$s.txt" 99.000)
		b50=$(sp_pct "$TMP/linux-$s.txt" 50.000); b99=$(sp_pct "$TMP/linux-$s.txt" 99.000)
		for f in "$TMP/spindle-$s.txt" "$TMP/linux-$s.txt"; do
			if grep -q "No messages were received" "$f"; then
				echo "rtt.sh: ${f##*/}: sockperf received no answers" >&2
				ok=1
			fi
		done
	fi
	for v in "$a50" "$a99" "$b50" "$b99"; do [ "$v" != - ] || ok=1; done
	printf '%-12s %12s %12s %12s %12s %10s %10s\n' "$name" "$a50" "$a99" "$b50" "$b99" \
		"$(ratio "$a50" "$b50")" "$(ratio "$a99" "$b99")"
done
[ "$ok" = 0 ] || echo "rtt.sh: some measurements gave no figures (see above)" >&2
exit "$ok"
