#!/usr/bin/env bash
# tests/vm/net-test.sh — the x86_64 VM kernel on a lab network, per NIC model.
#
#   net-test.sh e1000|virtio IMAGE
#
# A lab (tools/lab/lab.sh: PREFIX-app, PREFIX-cli, veth-app <-> veth-cli
# 10.77.0.1/24) and the VM (tools/vm/spindle-vm --lab: one NIC of the model
# on a TAP bridged to veth-app, MAC 52:54:00:00:10:00, 10.77.0.2/24,
# udp-echo on 7, sockperf on 11111). From the client namespace, while
# tcpdump records veth-cli:
#   ARP every 50 ms from QEMU start    answered (arp-probe.py); prints QEMU start -> first ARP answer
#   arping -c 3                        3 replies
#   ping -c 5                          5 replies
#   UDP echo to port 7                 1, 100, 1472-byte datagrams come back equal
#   sockperf ping-pong --time 2        prints p50/p99 (a figure, not a check)
# then the capture must show the VM's ARP reply (its MAC), 5 echo replies and
# the UDP echoes, all with correct checksums; SIGTERM to the launcher sends
# "shutdown" on the console: the VM prints its counters and halts with 0
# (every packet buffer back in its pool). A VM that panics or hangs fails
# the test and its serial log is printed. Bounded throughout (~25 s on TCG).
#
# SPINDLE_VM_KVM=auto|on|off picks the accelerator (default auto);
# SPINDLE_VM_APPEND adds kernel command-line words (e.g. "poll");
# SPINDLE_VM_MACHINE=q35|pc picks the QEMU machine (default q35).
# Needs root (namespaces, TAP): exit 77 otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 e1000|virtio IMAGE" >&2; exit 2; }
NIC=$1
IMAGE=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
# The launcher and the target tag of FIGURE lines: the Alpha wrapper
# (tests/vm-alpha/net-test.sh) runs this same scenario with its own launcher.
VM=${SPINDLE_VM_LAUNCHER:-$ROOT/tools/vm/spindle-vm}
TARGET=${SPINDLE_VM_TARGET:-x86_64}
PY=/usr/bin/python3
KVM=${SPINDLE_VM_KVM:-auto}
APPEND=${SPINDLE_VM_APPEND:-}
MACHINE=${SPINDLE_VM_MACHINE:-q35}
VM_MAC=52:54:00:00:10:00
VM_IP=10.77.0.2

case "$NIC" in e1000|virtio) ;; *) echo "usage: $0 e1000|virtio IMAGE" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the VM network test needs root (namespaces, TAP devices)"
	exit 77
fi
for c in qemu-system-x86_64 ip ethtool arping ping tcpdump socat timeout; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

# shellcheck source=tests/vm/lib.sh
. "$ROOT/tests/vm/lib.sh"
vm_test_setup "vm${NIC}$$" vmnet
DPID=
vm_test_on_exit() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; }
die_vm() {
	fail "$*"
	show_logs
	exit 1
}

"$LAB" up "$P" >/dev/null || { echo "FAIL: lab up"; exit 1; }

cat >"$TMP/vm.conf" <<EOF
# tests/vm/net-test.sh: the VM as the lab's server
interface eth0 driver=$NIC
address eth0 $VM_IP/24
extension udp-echo port=7
extension sockperf port=11111
EOF

# tcpdump on the client's end, ready before the VM starts.
cli tcpdump -i veth-cli -n -U -s 0 -w "$TMP/cap.pcap" >"$TMP/tcpdump.out" 2>&1 &
DPID=$!
for _ in $(seq 1 50); do
	grep -q "listening on" "$TMP/tcpdump.out" 2>/dev/null && break
	sleep 0.1
done

echo "== spindle-vm --nic $NIC --lab $P"
"$VM" --image "$IMAGE" --config "$TMP/vm.conf" --nic "$NIC" --lab "$P" --kvm "$KVM" \
	--mac-base "$VM_MAC" --machine "$MACHINE" --append "$APPEND" --serial "$TMP/serial.log" --timeout 120 >"$TMP/vm.out" 2>&1 &
VPID=$!

# QEMU's start time, as the launcher printed it (after its KVM probe).
QSTART=
for _ in $(seq 1 100); do
	QSTART=$(sed -n 's/.*starting qemu at \([0-9.]*\):.*/\1/p' "$TMP/vm.out")
	[ -n "$QSTART" ] && break
	kill -0 "$VPID" 2>/dev/null || break
	sleep 0.1
done
[ -n "$QSTART" ] || die_vm "the launcher did not start QEMU"
grep -E "accelerator|nic 0" "$TMP/vm.out" | sed 's/^/   /'

echo "== ARP requests every 50 ms until answered (from QEMU start)"
cli timeout 70 "$PY" "$HERE/arp-probe.py" veth-cli 10.77.0.1 "$VM_IP" 60 2>&1 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || die_vm "no ARP answer within 60 s"
kill -0 "$VPID" 2>/dev/null || die_vm "the VM stopped"
echo "== arping -c 3"
out=$(cli timeout 15 arping -c 3 -w 5 -I veth-cli "$VM_IP" 2>&1)
echo "$out" | grep -E "Received" | sed 's/^/   /'
echo "$out" | grep -q "Received 3 response" || fail "arping: not 3 replies"
grep -E "^vm: (eth0|ready)" "$TMP/serial.log" | sed 's/^/   /'

echo "== ping -c 5"
out=$(cli timeout 20 ping -n -c 5 -i 0.2 -W 2 -w 15 "$VM_IP" 2>&1)
echo "$out" | tail -2 | sed 's/^/   /'
echo "$out" | grep -q " 5 received" || fail "ping: not 5 replies"

echo "== UDP echo, port 7"
cli timeout 30 "$PY" "$ROOT/tests/lab/udp-client.py" echo "$VM_IP" 7 1 100 1472 2>&1 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "udp echo"

if command -v sockperf >/dev/null; then
	echo "== sockperf ping-pong --time 2 -m 64 (a figure, not a check)"
	out=$(cli timeout 30 sockperf ping-pong -i "$VM_IP" -p 11111 --time 2 -m 64 2>&1)
	p50=$(echo "$out" | sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p')
	p99=$(echo "$out" | sed -n 's/.*percentile 99.000 = *\([0-9.]*\).*/\1/p')
	echo "   FIGURE vm-$TARGET-$NIC sockperf half-RTT p50 ${p50:-?} us p99 ${p99:-?} us (TCG unless KVM above)"
fi

kill -0 "$VPID" 2>/dev/null || die_vm "the VM stopped during the exchange"

echo "== capture"
sleep 0.3
kill -TERM "$DPID" 2>/dev/null  # (SIGINT is ignored in background jobs)
wait "$DPID" 2>/dev/null
DPID=
rd() { tcpdump -r "$TMP/cap.pcap" -n "$@" 2>/dev/null; }
first_arp=$(rd -tt -e "arp[6:2] = 2 and ether src $VM_MAC and arp[14:4] = 0x0a4d0002" | head -n1 | awk '{print $1}')
if [ -n "$first_arp" ]; then
	echo "   FIGURE vm-$TARGET-$NIC QEMU start to first answered ARP request: $(awk -v a="$QSTART" -v b="$first_arp" 'BEGIN { printf "%.3f", b - a }') s"
else
	fail "capture: no ARP reply from $VM_MAC for $VM_IP"
fi
n_echo=$(rd "icmp[icmptype] = icmp-echoreply and src host $VM_IP" | wc -l)
n_udp=$(rd "udp and src host $VM_IP and src port 7" | wc -l)
echo "   ICMP echo replies: $n_echo; UDP echo datagrams: $n_udp"
[ "$n_echo" -ge 5 ] || fail "capture: $n_echo ICMP echo replies from the VM, expected 5"
[ "$n_udp" -ge 3 ] || fail "capture: $n_udp UDP echoes from the VM, expected 3"
bad=$(rd -vv "src host $VM_IP and (icmp or (udp and src port 7))" | grep -ciE "bad|wrong|incorrect")
[ "$bad" = 0 ] || fail "capture: $bad lines with a bad checksum"
rd -vv "udp and src host $VM_IP and src port 7" | grep -q "udp sum ok" ||
	fail "capture: no UDP echo with a verified checksum"

echo "== shutdown (SIGTERM to the launcher: 'shutdown' on the console)"
kill -TERM "$VPID"
rc=
for _ in $(seq 1 200); do
	if ! kill -0 "$VPID" 2>/dev/null; then
		wait "$VPID"
		rc=$?
		break
	fi
	sleep 0.1
done
VPID=
grep -E "^vm: (stats|shutdown)|^x86: (interrupts|boot stack)" "$TMP/serial.log" | sed 's/^/   /'
if [ "$rc" != 0 ]; then
	fail "the VM halted with status ${rc:-none} (expected 0: clean, pools full)"
elif ! grep -q "^vm: shutdown complete, buffer pools full" "$TMP/serial.log"; then
	fail "no 'buffer pools full' at shutdown"
fi
grep -q "EXCEPTION" "$TMP/serial.log" && fail "an exception was reported"

if [ ${#FAILED[@]} -ne 0 ]; then
	show_logs
	echo "FAILED: ${#FAILED[@]} step(s):"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS: vm-net $NIC"
