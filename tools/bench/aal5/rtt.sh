#!/usr/bin/env bash
# tools/bench/aal5/rtt.sh BUILD_DIR [COUNT] — round-trip time of the AAL5 raw
# path: aal5-peer ping (tools/aal5) from a lab namespace against
#   spindle:  the hosted spindle with aal5-echo vc=0/32 (pcap port)
#   baseline: aal5-peer echo, a Linux user-level echo on a packet socket
#             running the same segmentation and reassembly code
# on the same veth, one after the other, for payloads of 64, 1500 and 9000
# bytes (COUNT PDUs each, default 500, 2 ms apart). Prints p50 and p99 in
# microseconds and spindle/baseline ratios. As root; BUILD_DIR should be a
# build without sanitizers (meson setup build; ninja -C build).
set -euo pipefail
PROG=${0##*/}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $PROG BUILD_DIR [COUNT]" >&2; exit 2; }
BUILD=$(readlink -f "$1")
COUNT=${2:-500}
PEER=$BUILD/tools/aal5/aal5-peer
RESP=$BUILD/apps/spindle
LAB=$ROOT/tools/lab/lab.sh
APP_MAC=02:00:00:00:00:02 CLI_MAC=02:00:00:00:00:01
PREFIX=aal5rtt$$
[ "$(id -u)" = 0 ] || { echo "$PROG: run as root" >&2; exit 2; }
TMP=$(mktemp -d)
SPID=""
cleanup() {
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null || true
	"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT
"$LAB" up "$PREFIX" >/dev/null
printf 'interface eth0 driver=pcap device=veth-app mac=%s\nextension aal5-echo vc=0/32\n' \
	"$APP_MAC" >"$TMP/app.conf"

# run_pings NAME: ping each size, keep "size p50 p99" lines in $TMP/NAME
run_pings() {
	local s line
	: >"$TMP/$1"
	for s in 64 1500 9000; do
		line=$(ip netns exec "$PREFIX-cli" timeout 300 "$PEER" --if veth-cli --dst "$APP_MAC" \
			--vc 0/32 ping -c "$COUNT" -i 2 -s "$s" | grep '^rtt')
		# rtt min/p50/p99/max = a/b/c/d us
		echo "$s $(echo "$line" | awk -F'[=/ ]+' '{print $7, $8}')" >>"$TMP/$1"
	done
}

ip netns exec "$PREFIX-app" timeout 900 "$RESP" --config "$TMP/app.conf" \
	>"$TMP/resp.log" 2>&1 &
SPID=$!
sleep 1
run_pings spindle
kill -TERM "$SPID"; wait "$SPID" || { cat "$TMP/resp.log" >&2; exit 1; }; SPID=""

ip netns exec "$PREFIX-app" timeout 900 "$PEER" --if veth-app --dst "$CLI_MAC" --vc 0/32 echo -t 800 \
	>"$TMP/echo.log" 2>&1 &
SPID=$!
sleep 1
run_pings linux
kill -TERM "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""

printf '%-8s %22s %22s %14s\n' bytes "spindle p50/p99 us" "Linux echo p50/p99 us" "ratio p50/p99"
paste -d' ' "$TMP/spindle" "$TMP/linux" | awk '{ printf "%-8s %22s %22s %14s\n", $1, $2 "/" $3, $5 "/" $6, sprintf("%.2f/%.2f", $2/$5, $3/$6) }'
