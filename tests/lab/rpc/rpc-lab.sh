#!/usr/bin/env bash
# tests/lab/rpc/rpc-lab.sh — stock rpcinfo and the rpcgen clients of
# tools/rpc (libtirpc) against spindle's RPC engine in a lab: rpc-engine-udp
# (tests/lab/rpc/rpc_engine_udp.c: the engine behind Linux UDP sockets) on
# 10.77.0.2 in the app namespace, the clients in the client namespace.
#
#   rpc-lab.sh ENGINE RPCBIN      (RPCBIN: build folder of tools/rpc)
#
# Bounded mode, portmapper v2-4:
#   rpcinfo -T udp HOST, rpcinfo -T udp -s HOST   list 100000 v2-4 and the three programs
#   rpcinfo -u HOST 100000 2                       ready and waiting
#   rpcinfo -u HOST 537198593 [1 | none | 2]       ready; ready (via PROG_MISMATCH 1..1);
#                                                  not available
#   rpcecho-client (clnt_create) 0, 1400, 8192 B   every answer right
#   latrpc-client, spstats-client                  123 back; counters of rpc-40001
#   make-malformed-rpc.py --replay                 the engine answers afterwards
# Async mode, portmapper version 2 only: rpcinfo -u and clnt_create fall back
# from v4 and v3 GETADDR to v2 GETPORT in one round trip each (PROG_MISMATCH,
# not silence: within 5 s), and the clients work. At the end the engine must
# hold no memory. Needs root: exit 77 (skip) otherwise.
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 ENGINE RPCBIN" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
RPCBIN=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PY=/usr/bin/python3
# shellcheck source=tests/lab/lib.sh
. "$HERE/../lib.sh"

lab_test_init rpl ip ethtool rpcinfo timeout
for b in rpcecho-client latrpc-client spstats-client; do
	[ -x "$RPCBIN/$b" ] || { echo "SKIP: $RPCBIN/$b missing (rpcgen and libtirpc-dev: tools/setup.sh)"; exit 77; }
done
lab_test_up
"$LAB" exec "$P" app ip link set veth-app arp on promisc off
"$LAB" exec "$P" app ip addr add 10.77.0.2/24 dev veth-app
H=10.77.0.2
ECHO=537198593

engine_start() {
	"$LAB" exec "$P" app timeout 120 "$SPINDLE" --addr $H --time 100 "$@" >"$TMP/engine.log" 2>&1 &
	SPID=$!
	for _ in $(seq 50); do grep -q ready "$TMP/engine.log" && return; sleep 0.1; done
	cat "$TMP/engine.log"
	echo "FAIL: rpc-engine-udp did not start"
	exit 1
}

engine_stop() {
	kill -TERM "$SPID" 2>/dev/null
	spindle_wait_exit "SIGTERM"
	sed 's/^/   /' "$TMP/engine.log" | tail -n 30
	[ "$rc" = 0 ] || fail "rpc-engine-udp exited $rc (memory held?)"
}

# step LABEL PATTERN CMD...: CMD in the client namespace within 20 s; its
# output must match PATTERN (grep -E)
step() {
	local label=$1 pat=$2 out t0 t1
	shift 2
	echo "== $label"
	t0=$(date +%s%N)
	out=$(cli timeout 20 "$@" 2>&1)
	t1=$(date +%s%N)
	echo "$out" | sed 's/^/   /'
	echo "$out" | grep -Eq "$pat" || fail "$label: no '$pat'"
	LAST_MS=$(((t1 - t0) / 1000000))
}

echo "== rpc-engine-udp --mode bounded"
engine_start --mode bounded
step "rpcinfo -T udp" "^ +$ECHO +1 +udp +0\.0\.0\.0\.156\.65 " rpcinfo -T udp $H
for v in 2 3 4; do
	cli rpcinfo -T udp $H | grep -Eq "^ +100000 +$v +udp +0\.0\.0\.0\.0\.111 +portmapper +superuser" ||
		fail "rpcinfo -T udp: no portmapper version $v"
done
step "rpcinfo -T udp -s" "^ +100000 +2,3,4 +udp +portmapper +superuser" rpcinfo -T udp -s $H
cli rpcinfo -T udp -s $H | grep -Eq "^ +404040 +1 +udp" || fail "rpcinfo -s: no lat_rpc"
step "rpcinfo -u $H 100000 2" "program 100000 version 2 ready and waiting" rpcinfo -u $H 100000 2
step "rpcinfo -u $H $ECHO 1" "program $ECHO version 1 ready and waiting" rpcinfo -u $H $ECHO 1
# without a version rpcinfo calls version 0, reads PROG_MISMATCH's range, calls each
step "rpcinfo -u $H $ECHO" "program $ECHO version 1 ready and waiting" rpcinfo -u $H $ECHO
step "rpcinfo -u $H $ECHO 2" "version 2 is not available" rpcinfo -u $H $ECHO 2
for s in 0 1400 8192; do
	step "rpcecho-client --size $s" "all answers right" "$RPCBIN/rpcecho-client" $H -n 20 --size $s
done
step "latrpc-client" "RPC_XACT: 20 calls" "$RPCBIN/latrpc-client" $H -n 20
step "spstats-client (nodes)" "^rpc-40001$" "$RPCBIN/spstats-client" $H
step "spstats-client rpc-40001" "^rpc-40001\.success [1-9]" "$RPCBIN/spstats-client" $H rpc-40001
echo "== malformed calls (tests/traces/rpc-malformed.pcap)"
cli timeout 30 "$PY" -c '
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 41000))
sys.exit(subprocess.call([sys.argv[1], sys.argv[2], "--replay", "veth-cli"]))
' "$PY" "$ROOT/tests/traces/make-malformed-rpc.py" || fail "replaying rpc-malformed.pcap"
step "rpcecho-client after them" "all answers right" "$RPCBIN/rpcecho-client" $H -n 5 --size 100
engine_stop
grep -q "rpc-111.auth_badcred [1-9]" "$TMP/engine.log" || fail "malformed credentials not counted"
grep -q "rpc-111.short [1-9]" "$TMP/engine.log" || fail "short messages not counted"

echo "== rpc-engine-udp --mode async --pmap-versions 2"
engine_start --mode async --pmap-versions 2
step "rpcinfo -u $H $ECHO 1 (portmapper v2 only)" "version 1 ready and waiting" rpcinfo -u $H $ECHO 1
[ "$LAST_MS" -lt 5000 ] || fail "rpcinfo -u took $LAST_MS ms: a silent portmapper version?"
step "rpcecho-client via GETPORT" "all answers right" "$RPCBIN/rpcecho-client" $H -n 20 --size 1400
[ "$LAST_MS" -lt 5000 ] || fail "rpcecho-client took $LAST_MS ms"
engine_stop
grep -q "rpc-111.prog_mismatch [1-9]" "$TMP/engine.log" || fail "no PROG_MISMATCH for rpcbind v3/v4"

lab_test_finish "rpc lab: rpcinfo and the rpcgen clients against spindle's RPC engine"
