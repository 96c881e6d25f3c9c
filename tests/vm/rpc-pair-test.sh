#!/usr/bin/env bash
# tests/vm/rpc-pair-test.sh — one spindle VM calls another: ONC RPC between
# two x86_64 VMs on one bridge (tools/lab/pair.sh; spindle-vm --slot).
#
#   rpc-pair-test.sh IMAGE
#
# VM A (slot A, 10.77.0.2, MAC 52:54:00:00:11:00) serves rpcecho three
# times: portmap and rpc-echo on UDP 40001 (async), rpc-echo on UDP 40002
# (bounded), rpc-echo on VC 0/40 of the AAL5 raw path. VM B (slot B,
# 10.77.0.3) runs three rpc-ping instances from its configuration, each 1
# warm-up call (retransmitted until A is up) and 50 measured ones:
#   peer=10.77.0.2 (no port: A's portmapper says 40001) ECHO of 100 bytes, checked
#   peer=10.77.0.2:40002 NULL
#   mac=52:54:00:00:11:00 vc=0/40 NULL
# Checks: B logs "rpc-ping: info: done" for each with 51 replies and no
# errors, the port learnt is 40001, A's counters ("show counters" typed on
# its console) show the calls it served in each mode, and both VMs halt with
# status 0 and full buffer pools on "shutdown". Prints the round trips (a
# figure, not a check: tools/bench/rpc measures). Bounded: about 30-40 s
# under TCG. Needs root: exit 77 otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 IMAGE" >&2; exit 2; }
IMAGE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (namespaces, TAP devices)"
	exit 77
fi
for c in qemu-system-x86_64 ip ethtool socat timeout; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

BENCH_ROOT=$ROOT
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-rpcpair.XXXXXX")
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
P=rpp$$
PAIR=$ROOT/tools/lab/pair.sh
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	bench_vm_stop_all
	"$PAIR" down "$P" >/dev/null 2>&1
	rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILED=()
fail() { echo "FAIL: $*"; FAILED+=("$*"); }
log() { tr -d '\r' <"$BENCH_TMP/$1.log"; }
# console NAME LINE: type LINE on VM NAME's serial console
console() {
	local sock
	sock=$(sed -n 's/.*socket,id=con0,path=\([^,]*\),.*/\1/p' "$BENCH_TMP/$1.launcher" | head -n1)
	[ -n "$sock" ] && printf '%s\n' "$2" | timeout 3 socat -t1 - "UNIX-CONNECT:$sock" >/dev/null 2>&1
}

"$PAIR" up "$P" >/dev/null || { echo "FAIL: pair lab up"; exit 1; }
A=$("$PAIR" addr A)
B=$("$PAIR" addr B)
MAC_A=52:54:00:00:11:00
cat >"$BENCH_TMP/a.conf" <<EOF
interface eth0 driver=virtio
address eth0 $A/24
extension portmap
extension rpc-echo port=40001 mode=async
extension rpc-echo port=40002 mode=bounded:20000
extension rpc-echo vc=0/40 mode=bounded:20000
EOF
cat >"$BENCH_TMP/b.conf" <<EOF
interface eth0 driver=virtio
address eth0 $B/24
extension rpc-ping peer=$A proc=1 size=100 count=50 warmup=1 retry=200 timeout=60000
extension rpc-ping peer=$A:40002 count=50 warmup=1 retry=200 timeout=60000
extension rpc-ping mac=$MAC_A vc=0/40 count=50 warmup=1 retry=200 timeout=60000
EOF

echo "== two spindle VMs on $P's bridge: A $A serves, B $B calls"
common=(--lab "$P" --nic virtio --kvm "${SPINDLE_VM_KVM:-auto}" --image "$IMAGE" --timeout 120)
bench_vm_start a spindle "${common[@]}" --slot A --config "$BENCH_TMP/a.conf"
bench_vm_start b spindle "${common[@]}" --slot B --config "$BENCH_TMP/b.conf"
bench_vm_wait_ready a 60 || fail "A not ready"
bench_vm_wait_ready b 60 || fail "B not ready"
for _ in $(seq 90); do
	[ "$(log b | grep -c "rpc-ping: info: done")" -ge 3 ] && break
	bench_vm_alive b || break
	sleep 1
done
log b | grep "rpc-ping: info: done" | sed 's/^.*rpc-ping: info: /   /'
dones=$(log b | grep "rpc-ping: info: done")
echo "$dones" | grep -q "done: $A:40001 program 537198593 version 1 procedure 1: 51 calls, 51 replies, 0 errors" ||
	fail "UDP async (port from the portmapper, ECHO 100 B): not 51 right replies"
echo "$dones" | grep -q "done: $A:40002 program 537198593 version 1 procedure 0: 51 calls, 51 replies, 0 errors" ||
	fail "UDP bounded: not 51 replies"
echo "$dones" | grep -q "done: $MAC_A vc 0/40 program 537198593 version 1 procedure 0: 51 calls, 51 replies, 0 errors" ||
	fail "AAL5 VC: not 51 replies"
echo "$dones" | sed -n 's/^.*done: \([^ ]*\( vc [0-9/]*\)\?\) .*rtt min\/p50\/p99\/max\/mean \([^ ]*\) us.*/   FIGURE vm-rpc-pair \1 rtt min\/p50\/p99\/max\/mean \3 us (TCG)/p'

console b "show counters"
console a "show counters"
sleep 1
log b | grep -E "^rpc-ping#[0-9]+:[0-9]+: .*port=40001" >/dev/null || fail "B: no port 40001 learnt from A's portmapper"
log a | grep -E "^rpc-echo#[0-9]+:40001: .*queued=5[1-9]" >/dev/null || fail "A: async calls not queued"
log a | grep -E "^rpc-echo#[0-9]+:40002: .*success=5[1-9]" >/dev/null || fail "A: bounded calls not served"
log a | grep -E "^rpc-echo#[0-9]+:0/40: .*success=5[1-9]" >/dev/null || fail "A: VC calls not served"
log a | grep -E "^rpc-echo#[0-9]+:" | cut -c1-150 | sed 's/^/   A /'

echo "== shutdown"
for vm in b a; do
	bench_vm_stop "$vm" 20
	[ "$BENCH_VM_RC" = 0 ] || fail "VM $vm halted with status $BENCH_VM_RC"
	log "$vm" | grep -q "^vm: shutdown complete, buffer pools full" || fail "VM $vm: pools not full at shutdown"
	log "$vm" | grep -q "EXCEPTION" && fail "VM $vm: an exception"
done

if [ ${#FAILED[@]} -ne 0 ]; then
	for vm in a b; do
		echo "---- $vm console"
		log "$vm" | tail -n 40 | sed 's/^/   | /'
	done
	echo "FAILED: ${#FAILED[@]} step(s):"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS: vm-rpc-pair"
