#!/usr/bin/env bash
# tests/lab/rpc/rpc-lab.sh — ONC RPC on the hosted spindle, called by stock
# Linux tools: the hosted spindle (pcap on veth-app, 10.77.0.2) runs the
# portmapper and the three programs as extensions; from the client
# namespace (10.77.0.1):
#
#   rpc-lab.sh SPINDLE RPCBIN      (RPCBIN: build folder of tools/rpc)
#
#   rpcinfo -T udp HOST, -T udp -s HOST   the portmapper v2-4 and the three
#                                         programs on their ports, owner superuser
#   rpcinfo -u HOST PROG [VERS]           ready and waiting (no version: via
#                                         PROG_MISMATCH 1..1); version 2: not available
#   rpcecho-client 0, 1400, 8192 B        every answer right (8192: fragmented)
#   latrpc-client, spstats-client         123 back; spindle's counters by RPC
#   rpc-malformed.pcap replayed           every answer as the expectation's
#                                         SPINDLE column (lat_rpc is on a port
#                                         of its own here: frame 31 PROG_UNAVAIL),
#                                         and the programs still answer
#   console: rpc stats; extension remove  rpcinfo no longer finds lat_rpc;
#   and install on another port           then finds it there
#   rpc-ping from spindle                 to tools/rpc's libtirpc server in the
#                                         client namespace: 50 calls answered
# then SIGTERM: spindle exits 0 (every buffer back) with the counters the
# traffic implies. rpcbind is not used: nothing here listens on the host's
# port 111 or depends on a portmapper the host may run (everything is in
# the lab's namespaces). About 15 s. Needs root: exit 77 (skip) otherwise.
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 SPINDLE RPCBIN" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
RPCBIN=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PY=/usr/bin/python3
# shellcheck source=tests/lab/lib.sh
. "$HERE/../lib.sh"

lab_test_init rpl ip ethtool rpcinfo timeout socat tcpdump
for b in rpcecho-client latrpc-client spstats-client rpcecho-server; do
	[ -x "$RPCBIN/$b" ] || { echo "SKIP: $RPCBIN/$b missing (rpcgen and libtirpc-dev: tools/setup.sh)"; exit 77; }
done
"$PY" -c 'import scapy' 2>/dev/null || { echo "SKIP: python3-scapy missing"; exit 77; }
lab_test_up
H=10.77.0.2
ECHO=537198593 STATS=537198594 XACT=404040
SOCK=$TMP/console.sock
LPID=

cat >"$TMP/rpc.conf" <<EOF
interface eth0 driver=pcap device=veth-app mac=02:00:00:00:00:02
address eth0 $H/24
extension portmap
extension rpc-echo mode=async
extension rpc-latrpc
extension rpc-stats mode=sync
EOF

# step LABEL PATTERN CMD...: CMD in the client namespace within 20 s; its
# output must match PATTERN (grep -E)
step() {
	local label=$1 pat=$2 out
	shift 2
	echo "== $label"
	out=$(cli timeout 20 "$@" 2>&1)
	echo "$out" | sed 's/^/   /'
	echo "$out" | grep -Eq -- "$pat" || fail "$label: no '$pat'"
}

# console LINE: run LINE on spindle's console, its output on stdout
console() {
	printf '%s\n' "$1" | timeout 5 socat -t1 - "UNIX-CONNECT:$SOCK" 2>/dev/null
}

echo "== spindle: portmap, rpc-echo (async), rpc-latrpc (bounded), rpc-stats (sync)"
"$LAB" exec "$P" app timeout 120 "$SPINDLE" --config "$TMP/rpc.conf" --console "unix:$SOCK" \
	>"$TMP/spindle.log" 2>&1 &
SPID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$TMP/spindle.log"; echo "FAIL: spindle did not start"; exit 1; }

step "rpcinfo -T udp" "^ +$ECHO +1 +udp +0\.0\.0\.0\.156\.65 +- +superuser" rpcinfo -T udp $H
out=$(cli timeout 20 rpcinfo -T udp $H 2>&1)
for v in 4 3 2; do
	echo "$out" | grep -Eq "^ +100000 +$v +udp +0\.0\.0\.0\.0\.111 +portmapper +superuser" ||
		fail "rpcinfo -T udp: no portmapper version $v"
done
echo "$out" | grep -Eq "^ +$XACT +1 +udp +0\.0\.0\.0\.156\.66 " || fail "rpcinfo -T udp: no lat_rpc on 40002"
echo "$out" | grep -Eq "^ +$STATS +1 +udp +0\.0\.0\.0\.156\.67 " || fail "rpcinfo -T udp: no spstats on 40003"
step "rpcinfo -T udp -s" "^ +100000 +2,3,4 +udp +portmapper +superuser" rpcinfo -T udp -s $H
cli rpcinfo -T udp -s $H | grep -Eq "^ +$XACT +1 +udp" || fail "rpcinfo -T udp -s: no lat_rpc"
step "rpcinfo -u $H 100000 2" "program 100000 version 2 ready and waiting" rpcinfo -u $H 100000 2
step "rpcinfo -u $H $ECHO 1" "program $ECHO version 1 ready and waiting" rpcinfo -u $H $ECHO 1
step "rpcinfo -u $H $ECHO (no version)" "program $ECHO version 1 ready and waiting" rpcinfo -u $H $ECHO
step "rpcinfo -u $H $ECHO 2" "version 2 is not available" rpcinfo -u $H $ECHO 2
step "rpcinfo -u $H $XACT 1" "program $XACT version 1 ready and waiting" rpcinfo -u $H $XACT 1
step "rpcinfo -u $H $STATS 1" "program $STATS version 1 ready and waiting" rpcinfo -u $H $STATS 1
for s in 0 1400 8192; do
	step "rpcecho-client --size $s" "all answers right" "$RPCBIN/rpcecho-client" $H -n 20 --size $s
done
step "latrpc-client" "RPC_XACT: 20 calls" "$RPCBIN/latrpc-client" $H -n 20
# an instance's counters are node "CLASS#ID:PORT" (netgraph/extension.h); rpc-echo is instance 2
step "spstats-client (nodes)" "^rpc-echo#2:40001$" "$RPCBIN/spstats-client" $H
step "spstats-client rpc-echo#2:40001" "^rpc-echo#2:40001\.success [1-9]" "$RPCBIN/spstats-client" $H \
	rpc-echo#2:40001

echo "== malformed calls (tests/traces/rpc-malformed.pcap), answers captured on veth-cli"
cli timeout 30 tcpdump -i veth-cli -n -U -s 0 -w "$TMP/malformed.pcap" "ether src 02:00:00:00:00:02" \
	>"$TMP/tcpdump.out" 2>&1 &
DPID=$!
for _ in $(seq 50); do grep -q "listening on" "$TMP/tcpdump.out" && break; sleep 0.1; done
# the client's port 41000 is bound, so Linux does not answer spindle's replies with ICMP
cli timeout 30 "$PY" -c '
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 41000))
sys.exit(subprocess.call([sys.argv[1], sys.argv[2], "--replay", "veth-cli"]))
' "$PY" "$ROOT/tests/traces/make-malformed-rpc.py" || fail "replaying rpc-malformed.pcap"
sleep 0.5
kill -TERM "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
"$PY" "$ROOT/tests/traces/make-malformed-rpc.py" --check-spindle "$TMP/malformed.pcap" 31=PROG_UNAVAIL |
	tail -n 12 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "answers to the malformed calls"
step "rpcecho-client after them" "all answers right" "$RPCBIN/rpcecho-client" $H -n 5 --size 100

echo "== console: rpc stats"
out=$(console "rpc stats")
echo "$out" | sed 's/^/   /' | head -n 30
echo "$out" | grep -q "^rpc-echo#2:40001: udp port 40001, async" || fail "rpc stats: no async rpc-echo"
echo "$out" | grep -q "program 404040 version 1 (lat_rpc), registered" || fail "rpc stats: lat_rpc not registered"
echo "== console: extension remove 3 (rpc-latrpc), then install it on port 40012"
console "extension remove 3" | sed 's/^/   /'
step "rpcinfo -u $H $XACT 1 (removed)" "is not available|not registered" rpcinfo -u $H $XACT 1
console "extension install rpc-latrpc port=40012 mode=async" | sed 's/^/   /'
step "rpcinfo -T udp (reinstalled)" "^ +$XACT +1 +udp +0\.0\.0\.0\.156\.76 " rpcinfo -T udp $H
step "latrpc-client (reinstalled)" "RPC_XACT: 20 calls" "$RPCBIN/latrpc-client" $H -n 20

echo "== rpc-ping from spindle to tools/rpc's libtirpc server at 10.77.0.1:40101"
cli timeout 60 "$RPCBIN/rpcecho-server" --port 40101 --no-register >"$TMP/linux-server.log" 2>&1 &
LPID=$!
sleep 0.5
console "extension install rpc-ping peer=10.77.0.1:40101 proc=1 size=100 count=50" | sed 's/^/   /'
for _ in $(seq 50); do grep -q "rpc-ping: info: done" "$TMP/spindle.log" && break; sleep 0.1; done
grep "rpc-ping: info: done" "$TMP/spindle.log" | sed 's/^/   /'
out=$(console "rpc stats")
echo "$out" | grep -A3 "rpc-ping" | sed 's/^/   /'
echo "$out" | grep -A3 ": rpc-ping" | grep -q "replies 50 " || fail "rpc-ping: not 50 replies"
kill -TERM "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
LPID=

echo "== SIGTERM"
kill -TERM "$SPID" 2>/dev/null
spindle_wait_exit "SIGTERM"
[ "$rc" = 0 ] || { tail -n 40 "$TMP/spindle.log"; fail "spindle exited $rc (a buffer leaked?)"; }
grep -E "^rpc-" "$TMP/spindle.log" | sed 's/^/   /' | cut -c1-200
grep -Eq "^portmap#1:111: rx=[1-9].* success=[1-9]" "$TMP/spindle.log" || fail "portmapper counters"
grep -Eq "^portmap#1:111: .* auth_badcred=[1-9]" "$TMP/spindle.log" || fail "malformed credentials not counted"
grep -Eq "^portmap#1:111: .* short=[1-9]" "$TMP/spindle.log" || fail "short messages not counted"
grep -Eq "^rpc-echo#2:40001: .* garbage_args=[1-9]" "$TMP/spindle.log" || fail "lying ECHO lengths not counted"
grep -Eq "^rpc-echo#2:40001: .* queued=[1-9]" "$TMP/spindle.log" || fail "async calls not queued"

lab_test_finish "rpc lab: rpcinfo, the rpcgen clients and rpc-ping against the hosted spindle"
