#!/usr/bin/env bash
# tools/am/capture-trace.sh — capture tests/traces/am-udp.pcap and
# tests/traces/am-aal5.pcap: the Linux tool (spindle-am) as requester in the
# client namespace against spindle-am serve in the app namespace (Linux's
# own UDP stack and a packet socket standing in for spindle, the way the
# other replay traces are Linux's answers; tests/traces/README.md),
# recorded by tcpdump on veth-app.
#
#   capture-trace.sh BUILD_DIR [OUT_DIR]      (as root)
#
# BUILD_DIR holds tools/am/spindle-am (e.g. build-test). The lab is
# tools/lab/lab.sh's: veth-cli 02:00:00:00:00:01 10.77.0.1/24 (requester,
# UDP port 40100), veth-app 02:00:00:00:00:02 10.77.0.2/24 (server, UDP
# port 9000, VC 0/40), IPv6 off, TX checksum offload off, the server's
# neighbour entry for the client permanent (so it sends no ARP of its own).
# The traffic, each a separate run of spindle-am (a new epoch each):
#   ping -c 3                       three 0-argument requests to AM_H_ECHO
#   store 5000 -o 100               4 chunks over UDP (1408 bytes each), 1 over AAL5
#   get 5000 -o 100 --check         the same back
#   get 100 -o 65500                refused: NACK bounds
#   store 65536                     47 chunks over UDP, 8 over AAL5 (window 16)
# Fails if a command fails, tcpdump drops a frame or the server reports
# a retransmission. Bounded: every command runs under timeout.
set -euo pipefail
PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $PROG BUILD_DIR [OUT_DIR]" >&2; exit 2; }
BUILD=$(readlink -f "$1")
OUT=$(readlink -f "${2:-$ROOT/tests/traces}")
AM=$BUILD/tools/am/spindle-am
LAB=$ROOT/tools/lab/lab.sh
APP_MAC=02:00:00:00:00:02 CLI_MAC=02:00:00:00:00:01
PREFIX=amcap$$
[ "$(id -u)" = 0 ] || { echo "$PROG: run as root (namespaces, tcpdump)" >&2; exit 77; }
[ -x "$AM" ] || { echo "$PROG: $AM missing: build first" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "$PROG: tcpdump missing (apt-get install tcpdump)" >&2; exit 2; }

TMP=$(mktemp -d)
SPID="" TPID=""
cleanup() {
	[ -n "$TPID" ] && kill -INT "$TPID" 2>/dev/null || true
	[ -n "$SPID" ] && kill -INT "$SPID" 2>/dev/null || true
	wait 2>/dev/null || true
	"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
	[ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
"$LAB" up "$PREFIX" >/dev/null
app() { ip netns exec "$PREFIX-app" "$@"; }
cli() { ip netns exec "$PREFIX-cli" "$@"; }
app ip link set veth-app arp on promisc off
app ip addr add 10.77.0.2/24 dev veth-app
app ip neigh replace 10.77.0.1 lladdr "$CLI_MAC" nud permanent dev veth-app
for ns in app cli; do
	$ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	$ns ethtool -K "veth-$ns" tx off >/dev/null 2>&1 || true
done

# capture NAME SERVE-ARGS -- CLIENT-ARGS: one trace.
capture() {
	local name=$1
	shift
	local sargs=()
	while [ "$1" != -- ]; do sargs+=("$1"); shift; done
	shift
	cli ip neigh flush dev veth-cli 2>/dev/null || true
	app timeout 120 tcpdump -i veth-app -p -nn -U --immediate-mode -B 16384 -s 65535 -Z root \
		-w "$TMP/$name.pcap" >"$TMP/tcpdump.log" 2>&1 &
	TPID=$!
	for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done
	grep -q 'listening on' "$TMP/tcpdump.log" || { cat "$TMP/tcpdump.log" >&2; exit 1; }
	app timeout 120 "$AM" "${sargs[@]}" serve -t 100 >"$TMP/serve.log" 2>&1 &
	SPID=$!
	sleep 0.5
	local c=(timeout 30 "$AM" --rto 200000 "$@") # no retransmission on a busy host
	cli "${c[@]}" ping -c 3 -i 50000
	cli "${c[@]}" store 5000 -o 100
	cli "${c[@]}" get 5000 -o 100 --check
	cli "${c[@]}" get 100 -o 65500 && { echo "$PROG: an out-of-bounds get succeeded" >&2; exit 1; }
	cli "${c[@]}" store 65536
	sleep 0.5
	kill -INT "$SPID"; wait "$SPID" || true; SPID=""
	kill -INT "$TPID"; wait "$TPID" || true; TPID=""
	grep -q '^0 packets dropped by kernel' "$TMP/tcpdump.log" ||
		{ cat "$TMP/tcpdump.log" >&2; echo "$PROG: tcpdump dropped frames" >&2; exit 1; }
	sed 's/^/   server: /' "$TMP/serve.log"
	grep -q '^retransmits' "$TMP/serve.log" && { echo "$PROG: $name: retransmissions" >&2; exit 1; }
	cp "$TMP/$name.pcap" "$OUT/$name.pcap"
	echo "$PROG: wrote $OUT/$name.pcap ($(stat -c %s "$OUT/$name.pcap") bytes)"
}
capture am-udp --udp 10.77.0.2:9000 -- --udp 10.77.0.2:9000 --lport 40100
capture am-aal5 --if veth-app --dst "$CLI_MAC" --vc 0/40 -- --if veth-cli --dst "$APP_MAC" --vc 0/40
