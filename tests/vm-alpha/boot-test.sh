#!/usr/bin/env bash
# tests/vm-alpha/boot-test.sh — boot tests of the Alpha VM kernel that need no
# network: the SAME modes, configurations and statuses as the x86_64 VM
# (tests/vm/boot-test.sh), run with tools/vm/spindle-vm-alpha
# (qemu-system-alpha -M clipper, TCG) as the launcher; the Alpha console
# lines that script expects are its SPINDLE_VM_TARGET=alpha entries.
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
# Exit status: that of tests/vm/boot-test.sh (0 pass, 1 fail, 77 skip).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 boot|config-error|fault IMAGE" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v qemu-system-alpha >/dev/null || { echo "SKIP: qemu-system-alpha missing (qemu-system-misc)"; exit 77; }
# There is no KVM for Alpha guests: always TCG, whatever SPINDLE_VM_KVM says.
SPINDLE_VM_LAUNCHER=$ROOT/tools/vm/spindle-vm-alpha SPINDLE_VM_TARGET=alpha \
	SPINDLE_VM_QEMU=qemu-system-alpha SPINDLE_VM_KVM=off \
	exec "$ROOT/tests/vm/boot-test.sh" "$1" "$(readlink -f "$2")"
