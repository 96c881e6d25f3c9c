#!/usr/bin/env bash
# tests/lab/dpdk-lab.sh — the hosted spindle on DPDK ports (drivers/dpdk)
# answering real Linux peers, as the pcap lab test (lab-test.sh) does.
#
#   dpdk-lab.sh SPINDLE
#
# 1. net_af_packet on the lab's veth-app (tools/lab/lab.sh; framesz=4096 so
#    that the kernel's reassembly for the PMD's fanout group fits a frame,
#    framecnt=2048 so that its ring outlasts a preemption, see
#    drivers/dpdk/dpdk.h), idle=poll, examples/server.conf's addresses and
#    extensions. From the client namespace:
#      arping -c 3                        3 replies
#      ping -c 5 -s 56, -s 3000           5 replies each
#      UDP to port 7, 1..3000 bytes       the echo equals what was sent
#      sockperf ping-pong --time 2 -m 64  a latency summary
#      UDP to port 9 (closed)             ICMP port unreachable
# 2. net_tap (the PMD makes the TAP dtapN in the app namespace; Linux there,
#    10.77.0.1/24 on it, is the client), idle=adaptive, EAL started from a
#    "dpdk eal=..." line whose --vdev creates the device (so the port opens
#    the device EAL made, proof that EAL ran with the line's arguments): the
#    same steps, and the port slept while idle and woke for traffic
#    (idle_sleeps, idle_wakeups).
#    Each run ends with SIGTERM: exit 0 (every pool full), no drop counter
#    set (tests/replay/stats.py clean, and the dpdk:eth0 node's own), the
#    traffic in the counters.
# 3. Devices that cannot start: a missing interface and a malformed device
#    argument exit 3 naming the interface, the device and the PMD's reason,
#    before anything runs; when the second of two ports fails the first
#    (a TAP) is gone again; a parameter out of range exits 2; EAL refusing
#    the dpdk line's arguments exits 3 naming the line, a second dpdk line
#    exits 2 naming it.
# Every step is bounded in time; the lab is removed on exit, also on failure.
#
# Needs root (namespaces) and a spindle built with DPDK: exit 77 (skip)
# otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 SPINDLE" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
# shellcheck source=tests/lab/lib.sh
. "$HERE/lib.sh"

lab_test_init dpk ip ethtool arping ping sockperf timeout
# (the output first: under pipefail a pipeline into grep -q has spindle's status)
probe=$("$SPINDLE" --config /dev/stdin <<<"interface eth0 driver=dpdk" 2>&1)
if grep -q "unknown driver 'dpdk'" <<<"$probe"; then
	echo "SKIP: $SPINDLE was built without DPDK (tools/setup.sh installs libdpdk-dev; meson setup again)"
	exit 77
fi
lab_test_up
app() { "$LAB" exec "$P" app "$@"; }

# dpdk_conf IFLINE: examples/server.conf with IFLINE as its interface line.
dpdk_conf() {
	sed "s|^interface eth0 .*|$1|" "$ROOT/examples/server.conf" >"$TMP/dpdk.conf"
}

# dpdk_start: spindle on $TMP/dpdk.conf in the app namespace until "running".
dpdk_start() {
	rm -f "$TMP/stats.json"
	"$LAB" exec "$P" app "$SPINDLE" --config "$TMP/dpdk.conf" --stats-json "$TMP/stats.json" \
		>"$TMP/spindle.log" 2>&1 &
	SPID=$!
	for _ in $(seq 1 100); do
		grep -q "running" "$TMP/spindle.log" && return 0
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/spindle.log"
	echo "FAIL: spindle did not start on $1"
	exit 1
}

# peer_steps RUN IFACE: the client's steps; RUN runs a command where the
# client is, IFACE is its interface.
peer_steps() {
	local run=$1 ifc=$2 out size
	echo "== arping -c 3"
	out=$($run timeout 15 arping -c 3 -w 5 -I "$ifc" 10.77.0.2 2>&1)
	echo "$out" | tail -1 | sed 's/^/   /'
	echo "$out" | grep -q "Received 3 response" || fail "$ifc: arping: not 3 replies"
	for size in 56 3000; do
		echo "== ping -c 5 -s $size"
		out=$($run timeout 20 ping -n -c 5 -i 0.2 -W 1 -w 10 -s "$size" 10.77.0.2 2>&1)
		echo "$out" | tail -2 | sed 's/^/   /'
		echo "$out" | grep -q " 5 received" || fail "$ifc: ping -s $size: not 5 replies"
		echo "$out" | grep -q "bytes from 10.77.0.2: icmp_seq=.* ttl=64" ||
			{ echo "$out" | sed 's/^/   | /'; fail "$ifc: ping -s $size: no well-formed reply"; }
	done
	echo "== UDP echo, port 7"
	$run timeout 20 "$PY" "$HERE/udp-client.py" echo 10.77.0.2 7 1 100 1400 1472 3000 2>&1 |
		sed 's/^/   /'
	[ "${PIPESTATUS[0]}" = 0 ] || fail "$ifc: udp echo"
	echo "== sockperf ping-pong --time 2 -m 64"
	out=$($run timeout 30 sockperf ping-pong -i 10.77.0.2 -p 11111 --time 2 -m 64 2>&1)
	echo "$out" | grep -E "Summary|percentile (50|99)\.000" | sed 's/^/   /'
	echo "$out" | grep -q "Summary: Latency is" || fail "$ifc: sockperf: no latency summary"
	echo "== UDP to closed port 9"
	$run timeout 10 "$PY" "$HERE/udp-client.py" closed 10.77.0.2 9 2>&1 | sed 's/^/   /'
	[ "${PIPESTATUS[0]}" = 0 ] || fail "$ifc: closed port: no ICMP port unreachable"
}

# stop_and_check WHAT [NEED...]: SIGTERM, exit 0, clean counters, and each
# NEED "node.counter>=N" holds in the stats JSON.
stop_and_check() {
	local what=$1
	shift
	echo "== SIGTERM"
	kill -TERM "$SPID"
	spindle_wait_exit SIGTERM
	grep -E "^dpdk:|^eth0:|^pool" "$TMP/spindle.log" | sed 's/^/   | /'
	grep -E "ERROR|runtime error" "$TMP/spindle.log" && fail "$what: sanitizer report"
	[ "$rc" = 0 ] || { sed 's/^/   | /' "$TMP/spindle.log"; fail "$what: spindle exited $rc (1: buffers leaked)"; }
	[ -f "$TMP/stats.json" ] || { fail "$what: no stats JSON"; return; }
	"$PY" "$ROOT/tests/replay/stats.py" clean "$TMP/stats.json" | sed 's/^/   /'
	[ "${PIPESTATUS[0]}" = 0 ] || fail "$what: a drop counter is set or a pool is not full"
	"$PY" - "$TMP/stats.json" "$@" <<'EOF' || fail "$what: counters"
import json, re, sys
n = json.load(open(sys.argv[1]))["nodes"]
# an extension instance's counters are node "NAME#ID" (netgraph/extension.h): sum them by class
for node, ctrs in list(n.items()):
    if "#" in node:
        key = re.sub(r"#\d+", "", node)
        for k, v in ctrs.items():
            n.setdefault(key, {})[k] = n.get(key, {}).get(k, 0) + v
bad = 0
d = n.get("dpdk:eth0", {})
for c in ("ierrors", "imissed", "rx_nombuf", "rx_multiseg", "rx_runt", "rx_no_buffer", "oerrors"):
    if d.get(c, 0):
        print("   dpdk:eth0.%s = %d (a drop)" % (c, d[c])); bad = 1
for need in sys.argv[2:]:
    node, ctr, least = re.match(r"(.+)\.([^.]+)>=(\d+)$", need).groups()
    v = n.get(node, {}).get(ctr)
    print("   %-26s %8s  (at least %s)" % (node + "." + ctr, v, least))
    if v is None or v < int(least):
        bad = 1
sys.exit(bad)
EOF
}

NEED=("arp.tx_reply>=3" "icmp.tx_echo_reply>=10" "udp-echo.tx>=5" "sockperf.pongs>=100"
	"udp.unreach_sent>=1" "dpdk:eth0.ipackets>=130" "dpdk:eth0.opackets>=130")

# --- 1. net_af_packet on the veth -------------------------------------------
echo "== spindle, eth0 on net_af_packet0,iface=veth-app (idle=poll)"
dpdk_conf "interface eth0 driver=dpdk dev=net_af_packet0,iface=veth-app,framesz=4096,framecnt=2048 mac=02:00:00:00:00:02"
dpdk_start net_af_packet
peer_steps cli veth-cli
stop_and_check net_af_packet "${NEED[@]}"

# --- 2. net_tap, adaptive idle ------------------------------------------------
TAP=dtap$$
TAP=${TAP:0:15}
echo "== spindle, eth0 on net_tap0,iface=$TAP (idle=adaptive)"
dpdk_conf "interface eth0 driver=dpdk dev=net_tap0,iface=$TAP idle=adaptive mac=02:00:00:00:00:02"
ncpu=$(nproc)
printf 'dpdk eal="--no-huge -m 256 --no-pci --no-shconf --no-telemetry --lcores=0@(0-%d) --vdev=net_tap0,iface=%s"\n' \
	"$((ncpu - 1))" "$TAP" >>"$TMP/dpdk.conf"
dpdk_start net_tap
grep -q "device net_tap0 (net_tap)" "$TMP/spindle.log" || fail "net_tap: the port is not on EAL's net_tap0"

app ip addr add 10.77.0.1/24 dev "$TAP" || fail "no TAP $TAP in $P-app"
app ip link set "$TAP" up
peer_steps app "$TAP"
stop_and_check net_tap "${NEED[@]}" "dpdk:eth0.idle_sleeps>=1" "dpdk:eth0.idle_wakeups>=1"
app ip link show "$TAP" >/dev/null 2>&1 && fail "net_tap: $TAP still there after spindle ended"

# --- 3. devices that cannot start ----------------------------------------------
# expect_fail STATUS WHAT PATTERN...: spindle on $TMP/bad.conf exits STATUS,
# never says "running", and its error contains every PATTERN.
expect_fail() {
	local want=$1 what=$2 out st p
	shift 2
	out=$(app timeout 30 "$SPINDLE" --config "$TMP/bad.conf" 2>&1)
	st=$?
	echo "== $what: exit $st"
	echo "$out" | tail -1 | sed 's/^/   /'
	[ "$st" = "$want" ] || fail "$what: exit $st, expected $want"
	echo "$out" | grep -q "running" && fail "$what: spindle ran"
	for p in "$@"; do
		echo "$out" | tail -1 | grep -qF -- "$p" || fail "$what: the error does not say '$p'"
	done
}
printf 'interface eth0 driver=dpdk dev=net_af_packet0,iface=no-such-veth\naddress eth0 10.77.0.2/24\n' >"$TMP/bad.conf"
expect_fail 3 "missing interface" "interface eth0" "iface=no-such-veth" "No such device"
printf 'interface eth0 driver=dpdk dev=net_no_such_pmd0\naddress eth0 10.77.0.2/24\n' >"$TMP/bad.conf"
expect_fail 3 "unknown device" "interface eth0" "net_no_such_pmd0"
printf 'interface eth0 driver=dpdk dev=net_tap0,iface=%s\ninterface eth1 driver=dpdk dev=net_af_packet0,iface=no-such-veth\n' "$TAP" >"$TMP/bad.conf"
expect_fail 3 "second port fails" "interface eth1" "No such device"
app ip link show "$TAP" >/dev/null 2>&1 && fail "second port fails: the first port's TAP $TAP is still there"
printf 'interface eth0 driver=dpdk dev=net_tap0,iface=%s queues=99\n' "$TAP" >"$TMP/bad.conf"
expect_fail 2 "queues out of range" "interface eth0" "queues=99"
printf 'interface eth0 driver=dpdk dev=net_tap0,iface=%s\ndpdk  eal="--no-huge --no-such-eal-option"\n' "$TAP" >"$TMP/bad.conf"
expect_fail 3 "EAL refuses the dpdk line" "bad.conf:2:7:" "EAL initialisation" "--no-such-eal-option"
app ip link show "$TAP" >/dev/null 2>&1 && fail "EAL refuses the dpdk line: TAP $TAP was made"
printf 'dpdk eal="--no-huge"\ninterface eth0 driver=dpdk dev=net_tap0,iface=%s\ndpdk eal="--no-huge"\n' "$TAP" >"$TMP/bad.conf"
expect_fail 2 "second dpdk line" "bad.conf:3:1:" "second dpdk line"

lab_test_finish dpdk-lab
