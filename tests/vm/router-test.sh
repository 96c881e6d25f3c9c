#!/usr/bin/env bash
# tests/vm/router-test.sh — spindle's router VM forwarding real traffic
# between two namespaces, per NIC model.
#
#   router-test.sh e1000|virtio IMAGE
#
# A router lab (tools/lab/router-lab.sh: C1 10.1.0.2/24 gw 10.1.0.1, C2
# 10.2.0.2/24 gw 10.2.0.1) and the VM (tools/vm/spindle-vm --nics 2: eth0
# 10.1.0.1/24 and eth1 10.2.0.1/24 on TAPs bridged to the lab, "extension
# router"). Then:
#   ping C1 -> C2, 5 requests           5 replies with TTL 63 (64, less one hop)
#   ping C2 -> C1, 3 requests           3 replies
#   ping C1 -> 10.1.0.1 and 10.2.0.1    answered by the router itself
#   iperf3 TCP C1 -> C2, 4 s, --json    data arrives; retransmissions caused
#                                       by the router: none. iperf3 reports
#                                       the sender's retransmissions; those
#                                       C2 reported as duplicates (D-SACK:
#                                       TcpExt TCPDSACKOldSent/OfoSent, a tail
#                                       loss probe or spurious timeout on a
#                                       slow TCG host) and those explained by
#                                       drops the lab's own devices counted
#                                       (veths, bridges, TAPs, qdiscs) are
#                                       not the router's; any other is. The
#                                       router's NIC counters must show no drop.
#   shutdown ("shutdown" on the console through the launcher's SIGTERM):
#     status 0, "buffer pools full", no exception.
# A failure prints the serial log. Bounded (about 25 s under TCG; the VM
# has --timeout 90).
#
# SPINDLE_VM_KVM=off|on picks the accelerator (default off: TCG).
# RL_SPINDLE_MODE=haltpoll runs the VM with "mode haltpoll" and checks that
# its idle periods ended both while polling and after a halt.
# Needs root (namespaces, TAP): exit 77 otherwise, or without the tools.
# Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 e1000|virtio IMAGE" >&2; exit 2; }
NIC=$1
IMAGE=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

case "$NIC" in e1000|virtio) ;; *) echo "usage: $0 e1000|virtio IMAGE" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the router VM test needs root (namespaces, TAP devices)"
	exit 77
fi
for c in qemu-system-x86_64 ip ethtool ping iperf3 socat timeout tc; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

RL_ROOT=$ROOT
RL_P=rt${NIC}$$
RL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-routertest.XXXXXX")
RL_IMAGE=$IMAGE
RL_KVM=${SPINDLE_VM_KVM:-off}
RL_VM_TIMEOUT=90
# shellcheck source-path=SCRIPTDIR source=../../tools/bench/router/router-lib.sh
. "$ROOT/tools/bench/router/router-lib.sh"

cleanup() {
	rl_cleanup
	rm -rf "$RL_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILED=()
fail() { echo "FAIL: $*"; FAILED+=("$*"); }
show_logs() {
	echo "---- launcher"
	sed 's/^/   | /' "$RL_TMP/spindle-$NIC.launcher" 2>/dev/null
	echo "---- serial log"
	sed 's/^/   | /' "$RL_VLOG" 2>/dev/null
}

"$RL_LABSH" up "$RL_P" >/dev/null || { echo "FAIL: router lab up"; exit 1; }
rl_servers || { echo "FAIL: no iperf3 server in C2"; exit 1; }

echo "== spindle router VM, 2 x $NIC, lab $RL_P"
rl_spindle_config vm "$NIC" | sed 's/^/   | /'
if ! rl_start spindle "$NIC"; then
	fail "the router VM did not come up, or C1 could not reach C2 through it"
	show_logs
	exit 1
fi
grep -E "^vm: (eth|ready)" "$RL_VLOG" | sed 's/^/   /'

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

echo "== iperf3 TCP C1 -> C2, 4 s"
h0=$(rl_host_drops)
read -r d0a d0b <<<"$(rl_tcpext "$RL_P-c2" TCPDSACKOldSent TCPDSACKOfoSent)"
read -r tlp0 rto0 <<<"$(rl_tcpext "$RL_P-c1" TCPLossProbes TCPSpuriousRTOs)"
read -r mbps retr <<<"$(rl_tcp tcp 4)"
h1=$(rl_host_drops)
read -r d1a d1b <<<"$(rl_tcpext "$RL_P-c2" TCPDSACKOldSent TCPDSACKOfoSent)"
read -r tlp1 rto1 <<<"$(rl_tcpext "$RL_P-c1" TCPLossProbes TCPSpuriousRTOs)"
hdrops=$((h1 - h0))
dsack=$((d1a - d0a + d1b - d0b))
echo "   FIGURE router-vm-$NIC iperf3 TCP $mbps Mbit/s, $retr retransmissions"
echo "   not the router's: $dsack reported by C2 as duplicates (D-SACK), $hdrops drops counted by the lab's devices; C1: $((tlp1 - tlp0)) tail loss probes, $((rto1 - rto0)) spurious timeouts"
if [ "$mbps" = - ]; then
	fail "iperf3 gave no result: $(head -c 300 "$RL_TMP/tcp.json")"
elif awk -v m="$mbps" 'BEGIN { exit !(m <= 0) }'; then
	fail "iperf3: nothing arrived"
fi
if [ "$retr" != - ] && [ "$retr" -gt $((dsack + hdrops)) ]; then
	fail "iperf3: $retr TCP retransmissions, only $((dsack + hdrops)) of them not caused by the router"
fi

kill -0 "$RL_VPID" 2>/dev/null || { fail "the VM stopped during the traffic"; show_logs; exit 1; }

echo "== shutdown (SIGTERM to the launcher: 'shutdown' on the console)"
rl_stop
grep -E "^vm: (stats|shutdown)" "$RL_VLOG" | sed 's/^/   /'
drops=$(rl_nic_drops)
[ "$drops" = 0 ] || fail "the router's NICs dropped $drops frames (vm: stats ... dropped)"
if [ "$RL_RC" != 0 ]; then
	fail "the VM halted with status $RL_RC (expected 0: clean, pools full)"
elif ! grep -q "^vm: shutdown complete, buffer pools full" "$RL_VLOG"; then
	fail "no 'buffer pools full' at shutdown"
fi
grep -q "EXCEPTION" "$RL_VLOG" && fail "an exception was reported"
if [ "${RL_SPINDLE_MODE:-}" = haltpoll ]; then
	# mode haltpoll: idle periods ended both ways, while polling and by a halt
	hp=$(sed -n 's/^vm: stats haltpoll \([0-9]*\) idle periods, \([0-9]*\) ended while polling, \([0-9]*\) halts.*/\1 \2 \3/p' "$RL_VLOG" | tr -d '\r')
	read -r hp_idle hp_hits hp_halts <<<"${hp:-0 0 0}"
	[ "${hp_hits:-0}" -gt 0 ] && [ "${hp_halts:-0}" -gt 0 ] && [ "$hp_idle" -ge "$hp_hits" ] ||
		fail "mode haltpoll: expected idle periods ended while polling and halts, got '$hp'"
fi

if [ ${#FAILED[@]} -ne 0 ]; then
	show_logs
	echo "FAILED: ${#FAILED[@]} step(s):"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS: router VM $NIC"
