#!/usr/bin/env bash
# tests/vm/bounded-test.sh — a bounded handler that never returns, on a VM:
# stopped by the timer interrupt at its budget and removed, while the other
# handlers keep answering (kernel/arch_budget_irq.c).
#
#   bounded-test.sh IMAGE        (x86_64; SPINDLE_VM_LAUNCHER and
#                                 SPINDLE_VM_TARGET select the Alpha VM)
#
# The VM serves a lab namespace (tools/lab/lab.sh) with udp-echo on port 7
# and udp-spin on port 9 (apps/udp-spin: its handler loops for ever) as
# mode=bounded:20000 (20 ms). Then:
#   UDP echo on 7, ping                  answered (before)
#   one datagram to port 9               the console reports the handler
#                                        "was stopped at its budget" and
#                                        uninstalled, within 5 s
#   UDP echo on 7, ping                  still answered (after)
#   a datagram to port 9 again           ICMP port unreachable: it is gone
#   shutdown                             status 0, buffer pools full
# Needs root (namespaces, TAP): exit 77 otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 IMAGE" >&2; exit 2; }
IMAGE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
VM=${SPINDLE_VM_LAUNCHER:-$ROOT/tools/vm/spindle-vm}
TARGET=${SPINDLE_VM_TARGET:-x86_64}
QEMU=${SPINDLE_VM_QEMU:-qemu-system-x86_64}
PY=/usr/bin/python3
NIC=${SPINDLE_VM_NIC:-virtio}
VM_IP=10.77.0.2

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the VM bounded-handler test needs root (namespaces, TAP devices)"
	exit 77
fi
for c in "$QEMU" ip ping socat timeout; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

# shellcheck source=tests/vm/lib.sh
. "$ROOT/tests/vm/lib.sh"
vm_test_setup vmb$$ vmbounded
echo_ok() { # LABEL: UDP echo on port 7 and one ping answered
	cli timeout 20 "$PY" "$ROOT/tests/lab/udp-client.py" echo "$VM_IP" 7 64 >/dev/null 2>&1 ||
		fail "$1: no UDP echo"
	cli timeout 10 ping -n -c 1 -W 3 "$VM_IP" >/dev/null 2>&1 || fail "$1: no ping reply"
}

"$LAB" up "$P" >/dev/null || { echo "FAIL: lab up"; exit 1; }
cat >"$TMP/vm.conf" <<EOF
# tests/vm/bounded-test.sh
interface eth0 driver=$NIC
address eth0 $VM_IP/24
extension udp-echo port=7
extension udp-spin port=9 mode=bounded:20000
EOF
echo "== $TARGET VM, udp-echo port 7 and udp-spin port 9 mode=bounded:20000"
"$VM" --image "$IMAGE" --config "$TMP/vm.conf" --nic "$NIC" --lab "$P" --kvm off \
	--serial "$TMP/serial.log" --timeout 150 >"$TMP/vm.out" 2>&1 &
VPID=$!
up=
for _ in $(seq 1 120); do
	if cli ping -n -c 1 -W 1 "$VM_IP" >/dev/null 2>&1; then up=1; break; fi
	kill -0 "$VPID" 2>/dev/null || break
done
[ -n "$up" ] || { fail "the VM never answered ping"; show_logs; exit 1; }

echo_ok "before"
echo "== one datagram to port 9: the handler never returns"
t0=$(date +%s.%N)
printf 'spin' | cli timeout 5 socat -u - "UDP:$VM_IP:9" 2>/dev/null
stopped=
for _ in $(seq 1 50); do
	if grep -q "handler udp-spin on udp.PacketArrived was stopped at its budget" "$TMP/serial.log"; then
		stopped=1
		break
	fi
	sleep 0.1
done
if [ -n "$stopped" ]; then
	grep -m1 "handler udp-spin" "$TMP/serial.log" | sed 's/^/   /'
	echo "   seen $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s after the datagram was sent"
else
	fail "the console never reported the handler stopped at its budget"
fi
kill -0 "$VPID" 2>/dev/null || { fail "the VM stopped"; show_logs; exit 1; }
echo "== the other handlers still answer"
echo_ok "after"
echo "== port 9 again: nothing listens any more"
cli timeout 10 "$PY" "$ROOT/tests/lab/udp-client.py" closed "$VM_IP" 9 2>&1 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "no port unreachable for port 9: the handler is still there"

echo "== shutdown"
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
grep -E "^vm: shutdown" "$TMP/serial.log" | sed 's/^/   /'
[ "$rc" = 0 ] || fail "the VM halted with status ${rc:-none} (expected 0)"
grep -q "^vm: shutdown complete, buffer pools full" "$TMP/serial.log" || fail "no 'buffer pools full'"
grep -qE "EXCEPTION|alpha: trap" "$TMP/serial.log" && fail "an exception was reported"

if [ ${#FAILED[@]} -ne 0 ]; then
	show_logs
	echo "FAILED: ${#FAILED[@]} step(s):"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS: vm-bounded $TARGET"
