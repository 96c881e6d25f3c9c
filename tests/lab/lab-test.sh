#!/usr/bin/env bash
# tests/lab/lab-test.sh — the live lab test (ARCHITECTURE.md "Tests, in
# layers", layer 3): the hosted spindle on one end of a veth pair
# (tools/lab/lab.sh) answers real Linux tools on the other end.
#
#   lab-test.sh SPINDLE
#
# spindle runs examples/server.conf (pcap driver on veth-app, MAC
# 02:00:00:00:00:02, 10.77.0.2/24, udp-echo on 7, udp-count, sockperf on
# 11111) in the lab's app namespace; from the client namespace:
#   arping -c 3                      3 replies
#   ping -c 5 -s 56, -s 3000         5 replies each (3000: fragmented both ways)
#   UDP to port 7                    the echo equals what was sent (1..3000 bytes)
#   sockperf ping-pong --time 2 -m 64  a latency summary, no "No messages were received"
#   UDP to port 9 (closed)           ICMP port unreachable reaches the socket
# then SIGTERM: spindle exits 0 (pools full) and its --stats-json shows the
# traffic in the counters and no drops. Every step is bounded in time; the
# lab is removed on exit, also on failure.
#
# Needs root (network namespaces): exit 77 (skip) otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 SPINDLE" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
# shellcheck source=tests/lab/lib.sh
. "$HERE/lib.sh"

lab_test_init spl ip ethtool arping ping sockperf timeout
lab_test_up
spindle_running() { grep -q "running" "$TMP/spindle.log" 2>/dev/null; }
echo "== spindle --config examples/server.conf in $P-app"
spindle_start spindle_running ""

echo "== arping -c 3"
out=$(cli timeout 15 arping -c 3 -w 5 -I veth-cli 10.77.0.2 2>&1)
echo "$out" | sed 's/^/   /'
echo "$out" | grep -q "Received 3 response" || fail "arping: not 3 replies"

for size in 56 3000; do
	echo "== ping -c 5 -s $size"
	out=$(cli timeout 20 ping -n -c 5 -i 0.2 -W 1 -w 10 -s "$size" 10.77.0.2 2>&1)
	echo "$out" | tail -3 | sed 's/^/   /'
	echo "$out" | grep -q " 5 received" || fail "ping -s $size: not 5 replies"
	echo "$out" | grep -q "bytes from 10.77.0.2: icmp_seq=.* ttl=64" || fail "ping -s $size: no well-formed reply"
done

echo "== UDP echo, port 7"
cli timeout 20 "$PY" "$HERE/udp-client.py" echo 10.77.0.2 7 1 100 1400 1472 3000 2>&1 |
	sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "udp echo"

echo "== sockperf ping-pong --time 2 -m 64"
out=$(cli timeout 30 sockperf ping-pong -i 10.77.0.2 -p 11111 --time 2 -m 64 2>&1)
echo "$out" | grep -E "Summary|percentile (50|99)\.000|Total|No messages|ERROR" | sed 's/^/   /'
if echo "$out" | grep -q "No messages were received"; then
	fail "sockperf: no messages were received from the server"
elif ! echo "$out" | grep -q "Summary: Latency is"; then
	echo "$out" | tail -20 | sed 's/^/   | /'
	fail "sockperf: no latency summary"
fi

echo "== UDP to closed port 9"
cli timeout 10 "$PY" "$HERE/udp-client.py" closed 10.77.0.2 9 2>&1 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "closed port: no ICMP port unreachable"

echo "== SIGTERM"
kill -TERM "$SPID"
spindle_wait_exit SIGTERM
sed -n '/--- node counters/,$p' "$TMP/spindle.log" | sed 's/^/   | /'
grep -E "ERROR|runtime error" "$TMP/spindle.log" && fail "sanitizer report"
[ "$rc" = 0 ] || fail "spindle exited $rc (1: buffers leaked)"

echo "== counters (--stats-json)"
if [ -f "$TMP/stats.json" ]; then
	"$PY" "$ROOT/tests/replay/stats.py" clean "$TMP/stats.json" || fail "drop counters or pools"
	"$PY" - "$TMP/stats.json" <<'EOF' || fail "traffic counters"
import json, sys
n = json.load(open(sys.argv[1]))["nodes"]
# At least what the steps above sent (each was answered):
need = {
    ("arp", "tx_reply"): 3,          # arping
    ("icmp", "tx_echo_reply"): 10,   # ping 56 and 3000, 5 each
    ("ipv4", "reasm_ok"): 6,         # ping 3000 x5, udp 3000
    ("ipv4", "frag_created"): 18,    # their replies, 3 fragments each
    ("udp-echo", "tx"): 5,           # 5 sizes
    ("sockperf", "pongs"): 100,      # 2 s of ping-pong
    ("udp", "unreach_sent"): 1,      # the closed port
}
bad = 0
# An extension instance's counters are node "NAME#ID" (netgraph/extension.h): sum them by class.
by_class = {}
for node, ctrs in n.items():
    key = node.split("#")[0]
    for k, v in ctrs.items():
        by_class.setdefault(key, {})[k] = by_class.get(key, {}).get(k, 0) + v
for (node, ctr), least in need.items():
    v = by_class.get(node, {}).get(ctr)
    print("   %-22s %8s  (at least %d)" % (node + "." + ctr, v, least))
    if v is None or v < least:
        bad = 1
sys.exit(bad)
EOF
else
	fail "no stats JSON written"
fi

lab_test_finish lab
