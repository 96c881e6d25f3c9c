#!/usr/bin/env bash
# tests/vm-alpha/boot-test.sh — boot tests of the Alpha VM kernel that need no
# network, the counterpart of tests/vm/boot-test.sh (same modes, same
# statuses; the console lines are the Alpha target's).
#
#   boot-test.sh boot IMAGE          -append "selftest halt-when-ready", a comment-only
#                                    configuration: banner, HWRPB memory clusters, the
#                                    Pchip DMA window, PCI list, every self-test passes
#                                    (allocator, integer division, clock vs wall time and
#                                    rpcc, timer interrupt, idle, bpt and unaligned-access
#                                    reports), clean shutdown with full pools: status 0
#   boot-test.sh config-error IMAGE  a bad address (line 3, column 14) and an unknown
#                                    driver (line 1, column 16): the console names
#                                    initrd:LINE:COL and the VM halts with 1 (pvpanic)
#   boot-test.sh fault IMAGE         -append fault-test: a memory-management fault is
#                                    reported (address, MMCSR, registers, backtrace that
#                                    the launcher resolves to alpha_start) and the VM
#                                    halts with 2
#
# Runs tools/vm/spindle-vm-alpha (qemu-system-alpha -M clipper, TCG); each run
# is bounded (--timeout). A failing run prints its serial log.
# Exit 0 pass, 1 fail, 77 skip (no qemu-system-alpha).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 boot|config-error|fault IMAGE" >&2; exit 2; }
MODE=$1
IMAGE=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VM=$ROOT/tools/vm/spindle-vm-alpha

command -v qemu-system-alpha >/dev/null || { echo "SKIP: qemu-system-alpha missing (qemu-system-misc)"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-alphaboot.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

# run_vm NAME CONFIG-TEXT APPEND: boots, leaves $TMP/NAME.log and RC.
run_vm() {
	local name=$1 text=$2 append=$3 t0 t1
	printf '%s' "$text" >"$TMP/$name.conf"
	t0=$(date +%s%N)
	"$VM" --image "$IMAGE" --config "$TMP/$name.conf" --serial "$TMP/$name.log" \
		--append "$append" --timeout 50 >"$TMP/$name.out" 2>&1
	RC=$?
	t1=$(date +%s%N)
	echo "   $name: status $RC after $(( (t1 - t0) / 1000000 )) ms"
}

# expect NAME PATTERN: the serial log of NAME has a line matching PATTERN (grep -E).
expect() {
	if ! grep -qE -- "$2" "$TMP/$1.log"; then
		fail "$1: no console line matching /$2/"
		return 1
	fi
}

show_log() {
	echo "---- $1: launcher"
	sed 's/^/   | /' "$TMP/$1.out"
	echo "---- $1: serial log"
	sed 's/^/   | /' "$TMP/$1.log"
}

case "$MODE" in
boot)
	echo "== boot: empty configuration, selftest halt-when-ready"
	run_vm boot $'# no interfaces, no extensions: the bare kernel\n' "selftest halt-when-ready"
	[ "$RC" = 0 ] || fail "boot: status $RC, expected 0"
	expect boot '^alpha: spindle alpha kernel, entered from QEMU.s PALcode$'
	expect boot '^alpha: memory cluster 1: 0x[0-9a-f]+-0x0*7ffffff ram$'
	expect boot '^alpha: Pchip window 0: bus 0x80000000-0xffffffff -> physical 0x0 \(WSBA0 80000001 WSM0 7ff00000 TBA0 0\)$'
	expect boot '^pci 00:[0-9a-f]{2}\.0 1b36:0011 class 08\.80\.00'
	expect boot '^pci 00:07\.0 8086:0484 class 06\.01\.00'
	expect boot '^alpha: RAM 128 MiB; kernel 0x310000-'
	expect boot '^spindle VM kernel \(alpha\) booting$'
	for t in "allocator" "integer division" "clock monotonic" "clock rate vs wall time and rpcc" \
		"timer interrupt" "idle until deadline" "exception report \(bpt\)" \
		"exception report \(unaligned\)" "core kmalloc/kclock"; do
		expect boot "^selftest: $t ok" && grep -E "^selftest: $t ok" "$TMP/boot.log" | sed 's/^/   /'
	done
	expect boot '^alpha: expected trap: unaligned access \(entry 4\) a0=[0-9a-f]*[13579bdf] '
	expect boot '^selftest: all checks passed$'
	expect boot '^vm: configuration initrd: 0 interface'
	expect boot '^vm: ready \(idle mode\)$'
	expect boot '^vm: shutdown complete, buffer pools full$'
	expect boot '^alpha: halt, status 0$'
	[ "$FAILED" = 0 ] || show_log boot
	;;
config-error)
	echo "== config-error: a bad address on line 3"
	run_vm syntax $'# line 1\ninterface eth0 driver=virtio\naddress eth0 10.77.0.300/24\n' ""
	[ "$RC" = 1 ] || fail "syntax: status $RC, expected 1"
	expect syntax "^vm: configuration error: initrd:3:14: .*10\.77\.0\.300" &&
		grep "^vm: configuration error" "$TMP/syntax.log" | sed 's/^/   /'
	grep -q '^vm: ready' "$TMP/syntax.log" && fail "syntax: the VM came up anyway"
	[ "$FAILED" = 0 ] || show_log syntax

	echo "== config-error: an unknown driver on line 1"
	run_vm driver $'interface eth0 driver=nosuch\naddress eth0 10.77.0.2/24\n' ""
	[ "$RC" = 1 ] || fail "driver: status $RC, expected 1"
	expect driver "^vm: configuration error: initrd:1:16: .*unknown driver 'nosuch'" &&
		grep "^vm: configuration error" "$TMP/driver.log" | sed 's/^/   /'
	grep -q '^vm: ready' "$TMP/driver.log" && fail "driver: the VM came up anyway"
	[ "$FAILED" = 0 ] || show_log driver
	;;
fault)
	echo "== fault: a memory-management fault at 0x40000000000"
	run_vm fault $'# empty\n' "fault-test"
	[ "$RC" = 2 ] || fail "fault: status $RC, expected 2 (exception)"
	expect fault '^alpha: EXCEPTION: memory management fault \(entry 2\) a0=0000040000000000 a1=0000000000000000 a2=0000000000000000$'
	expect fault '^  v0  [0-9a-f]{16}  t0  [0-9a-f]{16}'
	expect fault '^    #1 0x[0-9a-f]{16}$'
	if grep -q "alpha_start at .*start.c" "$TMP/fault.out"; then
		grep -A3 "backtrace:" "$TMP/fault.out" | sed 's/^/   /'
	else
		fail "fault: the launcher did not resolve the backtrace to alpha_start"
	fi
	grep -q '^vm: ready' "$TMP/fault.log" && fail "fault: the VM came up anyway"
	[ "$FAILED" = 0 ] || show_log fault
	;;
*)
	echo "usage: $0 boot|config-error|fault IMAGE" >&2
	exit 2
	;;
esac

[ "$FAILED" = 0 ] || exit 1
echo "PASS: vm-alpha $MODE"
