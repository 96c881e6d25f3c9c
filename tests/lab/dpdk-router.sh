#!/usr/bin/env bash
# tests/lab/dpdk-router.sh — the hosted spindle routing between two DPDK
# ports (drivers/dpdk), each a net_af_packet device on one of the router
# lab's veths (tools/lab/router-lab.sh: C1 10.1.0.2/24 gw 10.1.0.1 —
# veth-app | veth-app1 — C2 10.2.0.2/24 gw 10.2.0.1).
#
#   dpdk-router.sh SPINDLE
#
# spindle: eth0 on net_af_packet0,iface=veth-app (10.1.0.1/24), eth1 on
# net_af_packet1,iface=veth-app1 (10.2.0.1/24), "extension router". Then:
#   ping C1 -> C2, 5 requests        5 replies with TTL 63 (one hop)
#   ping C2 -> C1, 3 requests        3 replies
#   ping C1 -> 10.1.0.1, 10.2.0.1    answered by the router itself
#   traceroute -n C1 -> C2 (UDP)     hop 1 10.1.0.1, hop 2 10.2.0.2
#   iperf3 TCP C1 -> C2, 3 s         data arrives
#   iperf3 UDP C1 -> C2, 2 s, 1400 B  datagrams arrive
#   SIGTERM                          exit 0 (every pool full); the router
#                                    forwarded in place (router.in_place,
#                                    no copy), the ports dropped nothing on
#                                    receive for want of a buffer.
# Every command is bounded by timeout(1); the lab is removed on exit.
# Needs root and a spindle built with DPDK: exit 77 (skip) otherwise.
# Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 SPINDLE" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the DPDK router test needs root (network namespaces); run: sudo meson test --suite lab"
	exit 77
fi
for c in ip ethtool ping traceroute iperf3 timeout; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c (tools/setup.sh installs it)"; exit 77; }
done
[ -x "$SPINDLE" ] || { echo "FAIL: $SPINDLE is not an executable"; exit 1; }
# (the output first: under pipefail a pipeline into grep -q has spindle's status)
probe=$("$SPINDLE" --config /dev/stdin <<<"interface eth0 driver=dpdk" 2>&1)
if grep -q "unknown driver 'dpdk'" <<<"$probe"; then
	echo "SKIP: $SPINDLE was built without DPDK (tools/setup.sh installs libdpdk-dev; meson setup again)"
	exit 77
fi

RL_ROOT=$ROOT
RL_P=dpr$$
RL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-dpdkrouter.XXXXXX")
# shellcheck source-path=SCRIPTDIR source=../../tools/bench/router/router-lib.sh
. "$ROOT/tools/bench/router/router-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../../tools/bench/dpdk/dpdk-lib.sh
. "$ROOT/tools/bench/dpdk/dpdk-lib.sh"

cleanup() {
	rl_cleanup
	rm -rf "$RL_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILED=()
fail() { echo "FAIL: $*"; FAILED+=("$*"); }

"$RL_LABSH" up "$RL_P" >/dev/null || { echo "FAIL: router lab up"; exit 1; }
rl_servers || { echo "FAIL: no iperf3 server in C2"; exit 1; }

echo "== spindle router on two DPDK ports, lab $RL_P"
dl_router_config idle=poll | tee "$RL_TMP/router.conf" | sed 's/^/   | /'
if ! dl_start_router "$SPINDLE" "$RL_TMP/router.conf" --stats-json "$RL_TMP/stats.json"; then
	sed 's/^/   | /' "$RL_VLOG"
	echo "FAIL: spindle did not come up, or C1 could not reach C2 through it"
	exit 1
fi

echo "== ping C1 -> C2 (10.2.0.2), 5 requests"
out=$(rl_c1 timeout --foreground 20 ping -n -c 5 -i 0.2 -W 2 -w 15 10.2.0.2 2>&1)
echo "$out" | sed -n '2p;$p' | sed 's/^/   /'
echo "$out" | grep -q " 5 received" || fail "ping C1 -> C2: not 5 replies"
ttls=$(echo "$out" | sed -n 's/.* ttl=\([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' ')
[ "$ttls" = "63 " ] || fail "ping C1 -> C2: reply TTL '$ttls', expected 63 (one hop)"

echo "== ping C2 -> C1 (10.1.0.2), 3 requests"
out=$(rl_c2 timeout --foreground 20 ping -n -c 3 -i 0.2 -W 2 -w 15 10.1.0.2 2>&1)
echo "$out" | tail -2 | head -1 | sed 's/^/   /'
echo "$out" | grep -q " 3 received" || fail "ping C2 -> C1: not 3 replies"

echo "== ping C1 -> the router's own addresses"
for a in 10.1.0.1 10.2.0.1; do
	out=$(rl_c1 timeout --foreground 10 ping -n -c 2 -i 0.2 -W 2 -w 8 "$a" 2>&1)
	echo "   $a: $(echo "$out" | grep -o '[0-9]* received')"
	echo "$out" | grep -q " 2 received" || fail "ping C1 -> $a: not 2 replies"
done

echo "== traceroute -n C1 -> C2"
out=$(rl_c1 timeout --foreground 30 traceroute -n -q 1 -w 2 -m 5 10.2.0.2 2>&1)
echo "$out" | sed 's/^/   /'
echo "$out" | grep -qE "^ *1  10\.1\.0\.1 " || fail "traceroute: hop 1 is not the router (10.1.0.1)"
echo "$out" | grep -qE "^ *2  10\.2\.0\.2 " || fail "traceroute: hop 2 is not C2 (10.2.0.2)"

echo "== iperf3 TCP C1 -> C2, 3 s"
read -r mbps retr <<<"$(rl_tcp tcp 3)"
echo "   $mbps Mbit/s, $retr retransmissions (iperf3 sender)"
if [ "$mbps" = - ] || awk -v m="$mbps" 'BEGIN { exit !(m <= 0) }'; then
	fail "iperf3 TCP: nothing arrived ($(head -c 200 "$RL_TMP/tcp.json"))"
fi

echo "== iperf3 UDP C1 -> C2, 2 s, 1400-byte datagrams at 50 Mbit/s"
read -r spps fpps loss iloss <<<"$(rl_udp udp 2 1400 50M)"
echo "   offered $spps/s, forwarded $fpps/s (C2's count), loss $loss% (iperf3: $iloss%)"
if [ "$fpps" = - ] || [ "${fpps%.*}" -le 0 ]; then
	fail "iperf3 UDP: nothing arrived"
fi

kill -0 "$RL_VPID" 2>/dev/null || fail "spindle stopped during the traffic"
echo "== SIGTERM"
rl_stop
grep -E "^dpdk:|^router:|^pool|leaked" "$RL_VLOG" | cut -c1-200 | sed 's/^/   | /'
[ "$RL_RC" = 0 ] || { sed 's/^/   | /' "$RL_VLOG"; fail "spindle exited $RL_RC (1: buffers leaked)"; }
grep -E "ERROR|runtime error" "$RL_VLOG" && fail "sanitizer report"
if [ -f "$RL_TMP/stats.json" ]; then
	"$PY" - "$RL_TMP/stats.json" <<'EOF' || fail "counters"
import json, sys
doc = json.load(open(sys.argv[1]))
n = doc["nodes"]
bad = 0
r = n.get("router", {})
print("   router: forwarded %s, in place %s, copied %s" % (r.get("forwarded"), r.get("in_place"), r.get("copied")))
if not r.get("forwarded") or r.get("in_place") != r.get("forwarded"):
    print("   the router did not forward every frame in place"); bad = 1
for port in ("dpdk:eth0", "dpdk:eth1"):
    d = n.get(port, {})
    for c in ("ierrors", "rx_nombuf", "rx_no_buffer", "rx_multiseg", "rx_runt"):
        if d.get(c, 0):
            print("   %s.%s = %d" % (port, c, d[c])); bad = 1
    if d.get("tx_copied", 0):
        print("   %s: %d frames copied to send (forwarding must not copy)" % (port, d["tx_copied"])); bad = 1
for p in doc.get("pools", []):
    if p.get("out"):
        print("   pool %s: %d out" % (p["name"], p["out"])); bad = 1
sys.exit(bad)
EOF
else
	fail "no stats JSON"
fi

if [ ${#FAILED[@]} -ne 0 ]; then
	echo "FAILED: ${#FAILED[@]} step(s):"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS: dpdk-router"
