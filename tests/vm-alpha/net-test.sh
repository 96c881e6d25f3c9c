#!/usr/bin/env bash
# tests/vm-alpha/net-test.sh — the Alpha VM kernel on a lab network: the
# SAME scenario as the x86_64 VM (tests/vm/net-test.sh: ARP from QEMU start,
# arping, ping, UDP echo, sockperf figure, capture checks, clean shutdown
# with full pools), run with tools/vm/spindle-vm-alpha as the launcher, so a
# difference between the targets shows as a failing test.
#
#   net-test.sh e1000|virtio IMAGE
#
# Exit status: that of tests/vm/net-test.sh (0 pass, 1 fail, 77 skip).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 e1000|virtio IMAGE" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v qemu-system-alpha >/dev/null || { echo "SKIP: qemu-system-alpha missing (qemu-system-misc)"; exit 77; }
SPINDLE_VM_LAUNCHER=$ROOT/tools/vm/spindle-vm-alpha SPINDLE_VM_TARGET=alpha \
	exec "$ROOT/tests/vm/net-test.sh" "$1" "$(readlink -f "$2")"
