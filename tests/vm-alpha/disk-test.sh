#!/usr/bin/env bash
# tests/vm-alpha/disk-test.sh — virtio-blk disks on the Alpha VM: the SAME
# scenario as the x86_64 VM (tests/vm/disk-test.sh: three ustar archives on
# the modern, legacy and modern-only transports, sector 0 and a whole-disk
# hash checked against the files) run with tools/vm/spindle-vm-alpha
# (qemu-system-alpha -M clipper, TCG). On Alpha the driver must enable bus
# mastering itself (the PALcode does not) and hand the device physical
# addresses (virtio without iommu_platform ignores the Pchip windows).
#
# Exit status: that of tests/vm/disk-test.sh (0 pass, 1 fail, 77 skip).
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 IMAGE" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v qemu-system-alpha >/dev/null || { echo "SKIP: qemu-system-alpha missing (qemu-system-misc)"; exit 77; }
SPINDLE_VM_LAUNCHER=$ROOT/tools/vm/spindle-vm-alpha SPINDLE_VM_TARGET=alpha \
	SPINDLE_VM_QEMU=qemu-system-alpha SPINDLE_VM_KVM=off \
	exec "$ROOT/tests/vm/disk-test.sh" "$(readlink -f "$1")"
