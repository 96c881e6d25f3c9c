#!/usr/bin/env bash
# tests/vm/boot-test.sh — boot tests of the x86_64 VM kernel that need no
# network (ARCHITECTURE.md "Tests, in layers": QEMU boot tests).
#
#   boot-test.sh boot IMAGE          empty configuration, -append "selftest halt-when-ready":
#                                    banner, PCI list, every self-test passes (allocator,
#                                    clock vs PIT, timer interrupt, idle, exception report),
#                                    bring-up, clean shutdown with full pools: status 0
#   boot-test.sh config-error IMAGE  a syntax error (line 3, column 14) and an unknown
#                                    driver (line 1, column 16): the console names
#                                    opt/spindle/config:LINE:COL and the VM halts with 1
#   boot-test.sh fault IMAGE         -append fault-test: a page fault is reported (vector,
#                                    CR2, registers, backtrace resolved by the launcher)
#                                    and the VM halts with 2
#
# Each VM run is bounded (--timeout). A failing run prints its serial log.
# SPINDLE_VM_KVM=auto|on|off overrides the accelerator choice.
# The Alpha wrapper (tests/vm-alpha/boot-test.sh) runs these same modes with
# SPINDLE_VM_LAUNCHER=tools/vm/spindle-vm-alpha, SPINDLE_VM_QEMU=qemu-system-alpha
# and SPINDLE_VM_TARGET=alpha, which picks that target's console lines below.
# Exit 0 pass, 1 fail, 77 skip (no qemu-system-x86_64).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 boot|config-error|fault IMAGE" >&2; exit 2; }
MODE=$1
IMAGE=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VM=${SPINDLE_VM_LAUNCHER:-$ROOT/tools/vm/spindle-vm}
TARGET=${SPINDLE_VM_TARGET:-x86_64}
QEMU=${SPINDLE_VM_QEMU:-qemu-system-x86_64}
# The boot test exercises the launcher's KVM probe; the others test the
# kernel only and skip the probe (TCG) unless SPINDLE_VM_KVM says otherwise.
if [ "$MODE" = boot ]; then KVM=${SPINDLE_VM_KVM:-auto}; else KVM=${SPINDLE_VM_KVM:-off}; fi

command -v "$QEMU" >/dev/null || { echo "SKIP: $QEMU missing"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-vmboot-$TARGET.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

# run_vm NAME CONFIG-TEXT APPEND: boots, leaves $TMP/NAME.log and RC.
run_vm() {
	local name=$1 text=$2 append=$3 t0 t1 accel
	printf '%s' "$text" >"$TMP/$name.conf"
	t0=$(date +%s%N)
	"$VM" --image "$IMAGE" --config "$TMP/$name.conf" --kvm "$KVM" --serial "$TMP/$name.log" \
		--append "$append" --timeout 50 >"$TMP/$name.out" 2>&1
	RC=$?
	t1=$(date +%s%N)
	accel=$(grep -o 'accelerator: [a-z]*' "$TMP/$name.out")
	echo "   $name: status $RC after $(( (t1 - t0) / 1000000 )) ms${accel:+ ($accel)}"
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

# What each target's console prints (the rest is the portable kernel's):
#   NAME           the test's name in the PASS line
#   TAG            prefix of the architecture's own lines ("TAG: halt, status N")
#   CONFIG_NAME    how the configuration file is named in messages
#   BOOT_LINES     banner, memory map and PCI lines before the self-tests (grep -E)
#   SELFTESTS      the self-tests that must report "ok" (grep -E)
#   SELFTEST_TRAP  the exception the self-test provokes and reports
#   FAULT_WHAT     what fault-test provokes; FAULT_LINES its report (grep -E);
#   FAULT_ENTRY    the function the launcher must resolve the backtrace to
case "$TARGET" in
x86_64)
	NAME=vm TAG=x86
	CONFIG_NAME=opt/spindle/config
	BOOT_LINES=(
		'^x86: spindle x86_64 kernel, PVH entry$'
		'^x86: memory 0x000000100000-0x[0-9a-f]+ ram$'
		'^x86: [0-9]+ KiB free for allocation, TSC [0-9]+\.[0-9]+ MHz'
		'^pci 00:00\.0 8086:29c0 class 06\.00\.00')
	SELFTESTS=("allocator" "clock monotonic" "clock rate vs PIT" "timer interrupt"
		"idle until deadline" "exception report" "core kmalloc/kclock")
	SELFTEST_TRAP='^x86: EXCEPTION vector 6 \(#UD invalid opcode\)'
	FAULT_WHAT="a page fault"
	FAULT_LINES=(
		'^x86: EXCEPTION vector 14 \(#PF page fault\) error code'
		'cr2 0x0000040000000000'
		'^  rax 0x[0-9a-f]{16}  rbx')
	FAULT_ENTRY=x86_start
	;;
alpha)
	NAME=vm-alpha TAG=alpha
	CONFIG_NAME=initrd
	BOOT_LINES=(
		'^alpha: spindle alpha kernel, entered from QEMU.s PALcode$'
		'^alpha: memory cluster 1: 0x[0-9a-f]+-0x0*7ffffff ram$'
		'^alpha: Pchip window 0: bus 0x80000000-0xffffffff -> physical 0x0 \(WSBA0 80000001 WSM0 7ff00000 TBA0 0\)$'
		'^pci 00:[0-9a-f]{2}\.0 1b36:0011 class 08\.80\.00'
		'^pci 00:07\.0 8086:0484 class 06\.01\.00'
		'^alpha: RAM 128 MiB; kernel 0x310000-')
	SELFTESTS=("allocator" "integer division" "clock monotonic" "clock rate vs wall time and rpcc"
		"timer interrupt" "idle until deadline" "exception report \(bpt\)"
		"exception report \(unaligned\)" "core kmalloc/kclock")
	SELFTEST_TRAP='^alpha: expected trap: unaligned access \(entry 4\) a0=[0-9a-f]*[13579bdf] '
	FAULT_WHAT="a memory-management fault"
	FAULT_LINES=(
		'^alpha: EXCEPTION: memory management fault \(entry 2\) a0=0000040000000000 a1=0000000000000000 a2=0000000000000000$'
		'^  v0  [0-9a-f]{16}  t0  [0-9a-f]{16}')
	FAULT_ENTRY=alpha_start
	;;
*)
	echo "FAIL: unknown SPINDLE_VM_TARGET '$TARGET' (x86_64 or alpha)"
	exit 1
	;;
esac

# config_error NAME WHAT CONFIG-TEXT WHERE: the VM names the error at WHERE
# (LINE:COL: pattern) in the configuration and halts with 1, never ready.
config_error() {
	echo "== config-error: $2"
	run_vm "$1" "$3" ""
	[ "$RC" = 1 ] || fail "$1: status $RC, expected 1"
	expect "$1" "^vm: configuration error: $CONFIG_NAME:$4" &&
		grep "^vm: configuration error" "$TMP/$1.log" | sed 's/^/   /'
	grep -q '^vm: ready' "$TMP/$1.log" && fail "$1: the VM came up anyway"
	[ "$FAILED" = 0 ] || show_log "$1"
}

case "$MODE" in
boot)
	echo "== boot: empty configuration, selftest halt-when-ready"
	run_vm boot $'# no interfaces, no extensions: the bare kernel\n' "selftest halt-when-ready"
	[ "$RC" = 0 ] || fail "boot: status $RC, expected 0"
	for re in "${BOOT_LINES[@]}"; do expect boot "$re"; done
	expect boot "^spindle VM kernel \\($TARGET\\) booting\$"
	for t in "${SELFTESTS[@]}"; do
		expect boot "^selftest: $t ok" && grep -E "^selftest: $t ok" "$TMP/boot.log" | sed 's/^/   /'
	done
	expect boot "$SELFTEST_TRAP"
	expect boot '^selftest: all checks passed$'
	expect boot "^vm: configuration $CONFIG_NAME: 0 interface"
	expect boot '^vm: ready \(idle mode\)$'
	expect boot '^vm: shutdown complete, buffer pools full$'
	expect boot "^$TAG: halt, status 0\$"
	[ "$FAILED" = 0 ] || show_log boot
	;;
config-error)
	config_error syntax "a bad address on line 3" \
		$'# line 1\ninterface eth0 driver=virtio\naddress eth0 10.77.0.300/24\n' "3:14: .*10\.77\.0\.300"
	config_error driver "an unknown driver on line 1" \
		$'interface eth0 driver=nosuch\naddress eth0 10.77.0.2/24\n' "1:16: .*unknown driver 'nosuch'"
	;;
fault)
	echo "== fault: $FAULT_WHAT at 0x40000000000"
	run_vm fault $'# empty\n' "fault-test"
	[ "$RC" = 2 ] || fail "fault: status $RC, expected 2 (exception)"
	for re in "${FAULT_LINES[@]}"; do expect fault "$re"; done
	expect fault '^    #1 0x[0-9a-f]{16}$'
	if grep -q "$FAULT_ENTRY at .*start.c" "$TMP/fault.out"; then
		grep -A3 "backtrace:" "$TMP/fault.out" | sed 's/^/   /'
	else
		fail "fault: the launcher did not resolve the backtrace to $FAULT_ENTRY"
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
echo "PASS: $NAME $MODE"
