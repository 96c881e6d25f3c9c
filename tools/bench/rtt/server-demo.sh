#!/usr/bin/env bash
# tools/bench/rtt/server-demo.sh — spindle as a server (the hosted program
# on one end of a veth pair) answering real Linux tools in a lab of network
# namespaces, and its round-trip time beside Linux's. It was README's first
# command before the router demo; `tools/demo.sh --server` runs it.
#
#   sudo tools/bench/rtt/server-demo.sh [--build DIR] [--time S]
#
# 1. tools/setup.sh --quiet (the Debian packages, only those missing);
# 2. a release build in DIR (default build-release): meson setup
#    --buildtype=release, ninja;
# 3. a lab (tools/lab/lab.sh): spindle (examples/server.conf, pcap driver on
#    veth-app, 10.77.0.2/24) in one namespace; from the Linux client in the
#    other: arping, ping (56 and 3000 bytes: fragmented), UDP echo and
#    sockperf ping-pong; spindle's counters when it stops;
# 4. tools/bench/rtt/rtt.sh: sockperf and ping RTT against spindle, then
#    against Linux on the same veth, as a table with ratios.
# Everything it creates (namespaces, veths, processes) is removed on exit.
# Exit 0 when every step worked.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
BUILD=build-release
TIME=5
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--time) TIME=$2; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "server-demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "server-demo.sh: needs root (apt-get, network namespaces): sudo $0" >&2
	exit 1
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "setup: Debian packages"
"$ROOT/tools/setup.sh" --quiet || exit 1

step "release build in ${BUILD#"$ROOT"/}"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" --buildtype=release >/dev/null || exit 1
fi
ninja -C "$BUILD" -j2 apps/spindle | tail -1 || exit 1
SPINDLE=$BUILD/apps/spindle

P=demo$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-demo.XXXXXX")
SPID=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	[ -z "$SPID" ] || kill -KILL "$SPID" 2>/dev/null
	"$LAB" down "$P" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cli() { "$LAB" exec "$P" cli "$@"; }
FAILED=0
check() { # check DESCRIPTION: the previous command's status
	if [ "$1" = 0 ]; then echo "   -> ok"; else echo "   -> FAILED: $2"; FAILED=1; fi
}

step "lab: $P-cli (Linux, 10.77.0.1) <-> $P-app (spindle, 10.77.0.2)"
"$LAB" up "$P" || exit 1
echo "   spindle --config examples/server.conf"
sed 's/^/     | /' "$ROOT/examples/server.conf" | grep -v '^     | #' | grep -v '^     | $'
"$LAB" exec "$P" app "$SPINDLE" --config "$ROOT/examples/server.conf" >"$TMP/spindle.log" 2>&1 &
SPID=$!
for _ in $(seq 1 50); do
	grep -q running "$TMP/spindle.log" && break
	kill -0 "$SPID" 2>/dev/null || break
	sleep 0.1
done
grep -q running "$TMP/spindle.log" || { cat "$TMP/spindle.log"; echo "server-demo.sh: spindle did not start" >&2; exit 1; }

step "arping -c 3 10.77.0.2 (ARP, RFC 826)"
cli timeout 15 arping -c 3 -w 5 -I veth-cli 10.77.0.2
check $? "arping"

step "ping -c 3 10.77.0.2, 56 and 3000 bytes (ICMP echo; 3000 is fragmented both ways)"
cli timeout 15 ping -n -c 3 -i 0.2 -W 1 10.77.0.2 | sed -n '2,4p;$p'
check "${PIPESTATUS[0]}" "ping 56"
cli timeout 15 ping -n -c 3 -i 0.2 -W 1 -s 3000 10.77.0.2 | sed -n '2,4p;$p'
check "${PIPESTATUS[0]}" "ping 3000"

step "UDP echo (RFC 862) on port 7"
cli timeout 15 /usr/bin/python3 "$ROOT/tests/lab/udp-client.py" echo 10.77.0.2 7 1 1400 3000
check $? "udp echo"

step "sockperf ping-pong -m 64 --time 1 against spindle's sockperf extension"
out=$(cli timeout 20 sockperf ping-pong -i 10.77.0.2 -p 11111 --time 1 -m 64 2>&1)
echo "$out" | grep -E "Summary|percentile (50|99)\.000" | sed 's/^/   /'
echo "$out" | grep -q "Summary: Latency is" && ! echo "$out" | grep -q "No messages were received"
check $? "sockperf"

step "stop spindle (SIGTERM): its counters"
kill -TERM "$SPID"
rc=
for _ in $(seq 1 50); do
	kill -0 "$SPID" 2>/dev/null || { wait "$SPID"; rc=$?; break; }
	sleep 0.1
done
SPID=
grep -E "^(ether|arp|ipv4|icmp|udp|sockperf|udp-echo|pool default):? " "$TMP/spindle.log" |
	cut -c1-150 | sed 's/^/   /'
[ "$rc" = 0 ]
check $? "spindle exit status ${rc:-(still running)} (0: clean, every buffer returned)"
"$LAB" down "$P" >/dev/null

step "round-trip time: spindle against Linux on the same veth (tools/bench/rtt/rtt.sh)"
"$ROOT/tools/bench/rtt/rtt.sh" --build "$BUILD" --no-build --time "$TIME"
check $? "rtt benchmark"

echo
if [ "$FAILED" = 0 ]; then
	echo "demo: all steps ok"
else
	echo "demo: some steps FAILED (see above)"
fi
exit "$FAILED"
