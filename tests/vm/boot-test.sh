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
# Exit 0 pass, 1 fail, 77 skip (no qemu-system-x86_64).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 boot|config-error|fault IMAGE" >&2; exit 2; }
MODE=$1
IMAGE=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VM=$ROOT/tools/vm/spindle-vm
# The boot test exercises the launcher's KVM probe; the others test the
# kernel only and skip the probe (TCG) unless SPINDLE_VM_KVM says otherwise.
if [ "$MODE" = boot ]; then KVM=${SPINDLE_VM_KVM:-auto}; else KVM=${SPINDLE_VM_KVM:-off}; fi

command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 missing"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-vmboot.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

# run_vm NAME CONFIG-TEXT APPEND: boots, leaves $TMP/NAME.log and RC.
run_vm() {
	local name=$1 text=$2 append=$3 t0 t1
	printf '%s' "$text" >"$TMP/$name.conf"
	t0=$(date +%s%N)
	"$VM" --image "$IMAGE" --config "$TMP/$name.conf" --kvm "$KVM" --serial "$TMP/$name.log" \
		--append "$append" --timeout 50 >"$TMP/$name.out" 2>&1
	RC=$?
	t1=$(date +%s%N)
	echo "   $name: status $RC after $(( (t1 - t0) / 1000000 )) ms ($(grep -o 'accelerator: [a-z]*' "$TMP/$name.out"))"
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
	expect boot '^x86: spindle x86_64 kernel, PVH entry$'
	expect boot '^x86: memory 0x000000100000-0x[0-9a-f]+ ram$'
	expect boot '^x86: [0-9]+ KiB free for allocation, TSC [0-9]+\.[0-9]+ MHz'
	expect boot '^pci 00:00\.0 8086:29c0 class 06\.00\.00'
	expect boot '^spindle VM kernel \(x86_64\) booting$'
	for t in "allocator" "clock monotonic" "clock rate vs PIT" "timer interrupt" \
		"idle until deadline" "exception report" "core kmalloc/kclock"; do
		expect boot "^selftest: $t ok" && grep "^selftest: $t ok" "$TMP/boot.log" | sed 's/^/   /'
	done
	expect boot '^x86: EXCEPTION vector 6 \(#UD invalid opcode\)'
	expect boot '^selftest: all checks passed$'
	expect boot '^vm: configuration opt/spindle/config: 0 interface'
	expect boot '^vm: ready \(idle mode\)$'
	expect boot '^vm: shutdown complete, buffer pools full$'
	expect boot '^x86: halt, status 0$'
	[ "$FAILED" = 0 ] || show_log boot
	;;
config-error)
	echo "== config-error: a bad address on line 3"
	run_vm syntax $'# line 1\ninterface eth0 driver=virtio\naddress eth0 10.77.0.300/24\n' ""
	[ "$RC" = 1 ] || fail "syntax: status $RC, expected 1"
	expect syntax "^vm: configuration error: opt/spindle/config:3:14: .*10\.77\.0\.300" &&
		grep "^vm: configuration error" "$TMP/syntax.log" | sed 's/^/   /'
	grep -q '^vm: ready' "$TMP/syntax.log" && fail "syntax: the VM came up anyway"
	[ "$FAILED" = 0 ] || show_log syntax

	echo "== config-error: an unknown driver on line 1"
	run_vm driver $'interface eth0 driver=nosuch\naddress eth0 10.77.0.2/24\n' ""
	[ "$RC" = 1 ] || fail "driver: status $RC, expected 1"
	expect driver "^vm: configuration error: opt/spindle/config:1:16: .*unknown driver 'nosuch'" &&
		grep "^vm: configuration error" "$TMP/driver.log" | sed 's/^/   /'
	grep -q '^vm: ready' "$TMP/driver.log" && fail "driver: the VM came up anyway"
	[ "$FAILED" = 0 ] || show_log driver
	;;
fault)
	echo "== fault: a page fault at 0x40000000000"
	run_vm fault $'# empty\n' "fault-test"
	[ "$RC" = 2 ] || fail "fault: status $RC, expected 2 (exception)"
	expect fault '^x86: EXCEPTION vector 14 \(#PF page fault\) error code'
	expect fault 'cr2 0x0000040000000000'
	expect fault '^  rax 0x[0-9a-f]{16}  rbx'
	expect fault '^    #1 0x[0-9a-f]{16}$'
	if grep -q "x86_start at .*start.c" "$TMP/fault.out"; then
		grep -A3 "backtrace:" "$TMP/fault.out" | sed 's/^/   /'
	else
		fail "fault: the launcher did not resolve the backtrace to x86_start"
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
echo "PASS: vm $MODE"
