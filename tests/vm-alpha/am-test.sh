#!/usr/bin/env bash
# tests/vm-alpha/am-test.sh — active messages with the Alpha VM kernel: the
# SAME scenario as the x86_64 VM (tests/vm/am-test.sh: spindle-am over UDP
# and raw against the VM, the VM's am-ping against spindle-am serve, clean
# shutdown with full pools), run with tools/vm/spindle-vm-alpha.
#
#   am-test.sh e1000|virtio IMAGE [SPINDLE_AM]
#
# The cross build has no host tools: SPINDLE_AM defaults to the host test
# build's ($SPINDLE_TEST_BUILD, default build-test, tools/am/spindle-am);
# without it the test skips. Exit status: that of tests/vm/am-test.sh.
set -uo pipefail

[ $# -ge 2 ] || { echo "usage: $0 e1000|virtio IMAGE [SPINDLE_AM]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TOOL=${3:-$ROOT/${SPINDLE_TEST_BUILD:-build-test}/tools/am/spindle-am}
command -v qemu-system-alpha >/dev/null || { echo "SKIP: qemu-system-alpha missing (qemu-system-misc)"; exit 77; }
[ -x "$TOOL" ] || { echo "SKIP: no $TOOL (build the host tree first: tools/test.sh does)"; exit 77; }
SPINDLE_VM_LAUNCHER=$ROOT/tools/vm/spindle-vm-alpha \
	exec "$ROOT/tests/vm/am-test.sh" "$1" "$(readlink -f "$2")" "$TOOL"
