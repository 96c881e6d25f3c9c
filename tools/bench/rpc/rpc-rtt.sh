#!/usr/bin/env bash
# tools/bench/rpc/rpc-rtt.sh — ONC RPC round trips on a veth: the rpcgen
# clients of tools/rpc (libtirpc) against a server in the other namespace.
#
#   sudo tools/bench/rpc/rpc-rtt.sh [--build DIR] [-n CALLS] [--sizes "0 1400 8192"]
#
# The server today is the Linux baseline: tools/rpc's rpcecho-server (the
# dispatch code rpcgen generates, libtirpc's svc_run, a user-level process)
# on 10.77.0.2 UDP port 40001, not registered with any portmapper; the
# clients call that port directly (--port), so every timed call is one
# datagram each way. Measured from the client namespace:
#   null      rpcecho-client -n CALLS --size 0   (RPCECHO_NULL round trips)
#   echo S    rpcecho-client -n CALLS --size S   (RPCECHO_ECHO of S bytes)
#   lat_rpc   latrpc-client -n CALLS             (lmbench's RPC_XACT shape)
# The spindle column joins when the hosted spindle serves these programs
# over UDP: the same clients against the same address and port.
# The lab is removed on exit; every command is bounded in time. Needs root.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
BUILD=$ROOT/build-test
N=2000
SIZES="0 1400 8192"
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	-n) N=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
for b in rpcecho-server rpcecho-client latrpc-client; do
	[ -x "$BIN/$b" ] || { echo "rpc-rtt.sh: $BIN/$b missing (ninja -C $BUILD)" >&2; exit 1; }
done

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
timeout 600 "$LAB" exec "$P" app "$BIN/rpcecho-server" --port 40001 --no-register >/dev/null 2>&1 &
SRV=$!
sleep 0.5
# calls bounded: -n and a 2 s timeout per call; the whole run by timeout
cli() { timeout 300 "$LAB" exec "$P" cli "$@"; }
cli "$BIN/rpcecho-client" 10.77.0.2 --port 40001 -n 50 >/dev/null || { echo "rpc-rtt.sh: no answer" >&2; exit 1; }

printf '%-12s %8s %10s %10s\n' "call" "calls" "p50 us" "p99 us"
row() { # LABEL OUTPUT-LINE-PATTERN OUTPUT
	awk -v l="$1" -v pat="$2" '$0 ~ pat {
		for (i = 1; i <= NF; i++) { if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1); if ($i == "calls,") c = $(i-1) }
		printf "%-12s %8s %10s %10s\n", l, c, p50, p99 }' <<<"$3"
}
rc=0
out=$(cli "$BIN/rpcecho-client" 10.77.0.2 --port 40001 -n "$N" --size 0 --timeout-ms 2000) || rc=1
row null '^null:' "$out"
for s in $SIZES; do
	out=$(cli "$BIN/rpcecho-client" 10.77.0.2 --port 40001 -n "$N" --size "$s" --timeout-ms 2000) || rc=1
	row "echo $s" '^echo' "$out"
done
out=$(cli "$BIN/latrpc-client" 10.77.0.2 --port 40001 -n "$N" --timeout-ms 2000) || rc=1
row lat_rpc '^RPC_XACT' "$out"
echo "server: Linux rpcecho-server (rpcgen + libtirpc), user level; client: rpcgen + libtirpc"
exit $rc
