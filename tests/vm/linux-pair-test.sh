#!/usr/bin/env bash
# tests/vm/linux-pair-test.sh — two Linux host VMs on one bridge: the
# infrastructure of the VM-to-VM benchmarks (tools/lab/pair.sh,
# tools/vm/linux-host, tools/bench/lib/vm.sh) doing what they promise.
#
#   linux-pair-test.sh [virtio|e1000]        (default virtio)
#
# A pair lab; VM A in slot A (10.77.0.2, no script) and VM B in slot B
# (10.77.0.3, --poweroff, a script that waits for A and pings it 3 times in
# a `section`). Checks:
#   both VMs print their ready line, B with its slot's MAC and address;
#   B's ping section ends with status 0 and 3 replies; B powers itself off
#   with status 0 (the script's, through isa-debug-exit);
#   the outside peer (PREFIX-cli, 10.77.0.1) reaches A across the bridge;
#   QEMU's CPU time of A reads from /proc (process and vCPU thread);
#   A stops on "shutdown" with status 0, its counters show the frames it
#   received; both launchers removed their TAPs and left the lab's bridge;
#   `pair.sh down` leaves no namespace.
# The image is tools/vm/linux-host/build.sh's default (build-linux-host, or
# SPINDLE_LINUX_HOST_DIR), built first when missing or stale (a first build
# downloads Debian's kernel package). The VMs' part is bounded by 60 s.
# Needs root, qemu-system-x86_64 and /dev/net/tun: exit 77 otherwise.
# Exit 0 pass, 1 fail.
set -uo pipefail

NIC=${1:-virtio}
case "$NIC" in virtio|e1000) ;; *) echo "usage: $0 [virtio|e1000]" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
IMG=${SPINDLE_LINUX_HOST_DIR:-$ROOT/build-linux-host}
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (namespaces, TAP devices)"
	exit 77
fi
for c in qemu-system-x86_64 ip ethtool socat timeout ping; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }

echo "== image: tools/vm/linux-host/build.sh --out $IMG"
timeout 600 "$ROOT/tools/vm/linux-host/build.sh" --out "$IMG" 2>&1 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || { echo "FAIL: the Linux host image did not build"; exit 1; }

BENCH_ROOT=$ROOT
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-linuxpair-test.XXXXXX")
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
# shellcheck source=tools/bench/lib/cpu.sh
. "$ROOT/tools/bench/lib/cpu.sh"
P=lpt$$
PAIR=$ROOT/tools/lab/pair.sh
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	bench_vm_stop_all
	"$PAIR" down "$P" >/dev/null 2>&1
	rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
show() { # NAME: the VM's launcher output and console
	echo "---- $1 launcher"
	sed 's/^/   | /' "$BENCH_TMP/$1.launcher" 2>/dev/null
	echo "---- $1 console"
	tr -d '\r' <"$BENCH_TMP/$1.log" 2>/dev/null | sed 's/^/   | /'
}
T0=$SECONDS
left() { echo $((60 - (SECONDS - T0))); } # seconds left of the VMs' 60

"$PAIR" up "$P" | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || { echo "FAIL: pair lab up"; exit 1; }
A=$("$PAIR" addr A)
B=$("$PAIR" addr B)
printf 'wait_host %s 40 || exit 1\nsection ping ping -c 3 -W 2 %s\n' "$A" "$A" >"$BENCH_TMP/b.sh"

echo "== VM A ($A) and VM B ($B, pings A), $NIC, TCG"
common=(--lab "$P" --nic "$NIC" --kvm off --dir "$IMG" --timeout 70)
bench_vm_start a linux "${common[@]}" --slot A
bench_vm_start b linux "${common[@]}" --slot B --script "$BENCH_TMP/b.sh" --poweroff
bench_vm_wait_ready a "$(left)" || { fail "VM A not ready"; show a; exit 1; }
bench_vm_wait_ready b "$(left)" || { fail "VM B not ready"; show b; exit 1; }
echo "   both ready after $((SECONDS - T0)) s"
tr -d '\r' <"$BENCH_TMP/b.log" | grep -q "^linux-host: eth0 52:54:00:00:22:00 $B/24 driver" ||
	fail "VM B's NIC: not slot B's MAC 52:54:00:00:22:00 with $B/24"

echo "== the peer namespace pings A across the bridge"
out=$("$PAIR" exec "$P" cli timeout 20 ping -n -c 3 -i 0.3 -W 2 "$A" 2>&1)
echo "$out" | tail -2 | sed 's/^/   /'
echo "$out" | grep -q " 3 received" || fail "peer -> A: not 3 replies"

echo "== QEMU CPU of A from /proc"
apid=$(bench_vm_qemu_pid a)
proc=$(bench_cpu_ticks "$apid")
vcpu=$(bench_cpu_ticks "$apid" 'CPU 0/*')
echo "   pid $apid: process $proc ticks, vCPU thread $vcpu ticks"
if ! [[ "$proc" =~ ^[0-9]+$ && "$vcpu" =~ ^[0-9]+$ ]] || [ "$vcpu" -gt "$proc" ] || [ "$proc" = 0 ]; then
	fail "CPU ticks unreadable or inconsistent (process $proc, vCPU $vcpu)"
fi

echo "== B pings A and powers off"
if bench_vm_wait_exit b "$(left)"; then
	[ "$BENCH_VM_RC" = 0 ] || fail "VM B's status $BENCH_VM_RC (expected 0: its script succeeded)"
else
	fail "VM B did not power off within 60 s"
fi
sec=$(bench_vm_section b ping)
src=$?
echo "$sec" | tail -2 | sed 's/^/   /'
[ "$src" = 0 ] || fail "B's ping section did not end with status 0"
echo "$sec" | grep -q "3 packets received" || fail "B -> A: not 3 replies"

echo "== A shuts down"
bench_vm_stop a 20
[ "$BENCH_VM_RC" = 0 ] || fail "VM A's status $BENCH_VM_RC after shutdown (expected 0)"
stats=$(tr -d '\r' <"$BENCH_TMP/a.log" | grep "^linux-host: stats eth0")
echo "   $stats"
rx=$(echo "$stats" | awk '{ print $5 }')
[ "${rx:-0}" -ge 6 ] || fail "A's eth0 received ${rx:-no} frames (expected the 6 echo requests at least)"
tr -d '\r' <"$BENCH_TMP/a.log" | grep -q "^linux-host: shutdown" || fail "A did not report its shutdown"
echo "   the VMs took $((SECONDS - T0)) s"
[ $((SECONDS - T0)) -le 60 ] || fail "the VMs took more than 60 s"

echo "== clean-up"
taps=$(ip netns exec "$P-app" ip -o link show type tun 2>/dev/null | awk -F': ' '{ print $2 }')
[ -z "$taps" ] || fail "TAPs left in $P-app: $taps"
ip netns exec "$P-app" ip link show spbr-app >/dev/null 2>&1 || fail "the lab's bridge spbr-app is gone"
"$PAIR" down "$P" >/dev/null
for ns in "$P-app" "$P-cli"; do [ ! -e "/run/netns/$ns" ] || fail "namespace $ns left"; done

if [ "$FAILED" != 0 ]; then
	show a
	show b
	exit 1
fi
echo "PASS"
exit 0
