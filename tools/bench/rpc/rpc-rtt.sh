#!/usr/bin/env bash
# tools/bench/rpc/rpc-rtt.sh — ONC RPC round trips on a veth: the rpcgen
# clients of tools/rpc (libtirpc) against a server in the other namespace.
#
#   sudo tools/bench/rpc/rpc-rtt.sh [--build DIR] [-n CALLS] [--sizes "0 1400 8192"]
#
# DIR (default build-release) is set up as a release build without
# sanitizers if missing, and the four programs below are built in it.
# Two servers, one after the other, on 10.77.0.2 UDP port 40001, the
# clients calling that port directly (--port: every timed call is one
# datagram each way):
#   linux    tools/rpc's rpcecho-server: the dispatch code rpcgen generates
#            and libtirpc's svc_run in a user-level process (the baseline)
#   engine   tests/lab/rpc's rpc-engine-udp: spindle's RPC engine (apps/rpc)
#            behind the same kind of Linux UDP socket, bounded mode — the
#            RPC layer alone, compared on an equal transport
# Measured from the client namespace:
#   null      rpcecho-client -n CALLS --size 0   (RPCECHO_NULL round trips)
#   echo S    rpcecho-client -n CALLS --size S   (RPCECHO_ECHO of S bytes)
#   lat_rpc   latrpc-client -n CALLS             (lmbench's RPC_XACT shape)
# The hosted spindle (its own UDP stack on the veth) joins as a third column
# once it serves these programs: the same clients, address and port.
# The lab is removed on exit; every command is bounded in time. Needs root.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
BUILD=$ROOT/build-release
N=2000
SIZES="0 1400 8192"
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	-n) N=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "rpc-rtt.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ] || [ "$N" -gt 100000 ]; then
	echo "rpc-rtt.sh: -n must be 1..100000" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "rpc-rtt.sh: needs root (network namespaces)" >&2; exit 1; }
BIN=$BUILD/tools/rpc
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" --buildtype=release -Dx86_64_image=false >/dev/null || exit 1
fi
ninja -C "$BUILD" -j2 tools/rpc/rpcecho-server tools/rpc/rpcecho-client tools/rpc/latrpc-client \
	tests/lab/rpc/rpc-engine-udp >/dev/null || { echo "rpc-rtt.sh: build failed in $BUILD" >&2; exit 1; }

P=rpcb$$
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	"$LAB" down "$P" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$LAB" up "$P" >/dev/null || exit 1
"$LAB" exec "$P" app ip link set veth-app arp on promisc off
"$LAB" exec "$P" app ip addr add 10.77.0.2/24 dev veth-app
ENGINE=$BUILD/tests/lab/rpc/rpc-engine-udp
[ -x "$ENGINE" ] || { echo "rpc-rtt.sh: $ENGINE missing (ninja -C $BUILD)" >&2; exit 1; }
# calls bounded: -n and a 2 s timeout per call; the whole run by timeout
cli() { timeout 300 "$LAB" exec "$P" cli "$@"; }
# p50 and p99 of the line of OUTPUT matching PATTERN: "p50 p99"
pct() {
	awk -v pat="$1" '$0 ~ pat { for (i = 1; i <= NF; i++) { if ($i == "p50") a = $(i+1); if ($i == "p99") b = $(i+1) } }
		END { printf "%s %s", a ? a : "-", b ? b : "-" }' <<<"$2"
}
declare -A RES
rc=0
measure() { # SERVER-NAME
	local out s
	cli "$BIN/rpcecho-client" 10.77.0.2 --port 40001 -n 50 >/dev/null || { echo "rpc-rtt.sh: $1: no answer" >&2; rc=1; return; }
	out=$(cli "$BIN/rpcecho-client" 10.77.0.2 --port 40001 -n "$N" --size 0 --timeout-ms 2000) || rc=1
	RES[$1,null]=$(pct '^null:' "$out")
	for s in $SIZES; do
		out=$(cli "$BIN/rpcecho-client" 10.77.0.2 --port 40001 -n "$N" --size "$s" --timeout-ms 2000) || rc=1
		RES[$1,echo $s]=$(pct '^echo' "$out")
	done
	out=$(cli "$BIN/latrpc-client" 10.77.0.2 --port 40001 -n "$N" --timeout-ms 2000) || rc=1
	RES[$1,lat_rpc]=$(pct '^RPC_XACT' "$out")
}
timeout 600 "$LAB" exec "$P" app "$BIN/rpcecho-server" --port 40001 --no-register >/dev/null 2>&1 &
SRV=$!
sleep 0.5
measure linux
kill "$SRV"; wait "$SRV" 2>/dev/null
timeout 600 "$LAB" exec "$P" app "$ENGINE" --addr 10.77.0.2 --port 40001 --pmap-port 40111 --time 590 >/dev/null 2>&1 &
SRV=$!
sleep 0.5
measure engine
kill "$SRV"; wait "$SRV" 2>/dev/null
SRV=

printf '%-12s %7s | %9s %9s | %9s %9s | %s\n' call calls "linux p50" "p99 us" "engine p50" "p99 us" "p50 ratio"
for c in null $(for s in $SIZES; do echo "echo_$s"; done) lat_rpc; do
	k=${c/echo_/echo }
	read -r lp50 lp99 <<<"${RES[linux,$k]}"
	read -r ep50 ep99 <<<"${RES[engine,$k]}"
	ratio=$(awk -v a="$ep50" -v b="$lp50" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "-" }')
	printf '%-12s %7s | %9s %9s | %10s %9s | %s\n' "$k" "$N" "$lp50" "$lp99" "$ep50" "$ep99" "$ratio"
done
echo "clients: rpcgen stubs + libtirpc; round trips in microseconds"
exit $rc
