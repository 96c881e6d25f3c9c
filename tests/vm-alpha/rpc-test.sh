#!/usr/bin/env bash
# tests/vm-alpha/rpc-test.sh — ONC RPC on the Alpha VM kernel: the SAME
# scenario as the x86_64 VM (tests/vm/rpc-test.sh: rpcinfo -T udp and -u,
# the rpcgen clients, the malformed-call trace, rpc stats, a clean shutdown
# with full pools), run with tools/vm/spindle-vm-alpha as the launcher.
#
#   rpc-test.sh e1000|virtio IMAGE
#
# The Linux clients (tools/rpc, built with libtirpc for the host) come from
# the host build: SPINDLE_RPCBIN, else $SPINDLE_TEST_BUILD/tools/rpc
# (tools/test.sh's host build, default build-test). Exit status: that of
# tests/vm/rpc-test.sh (0 pass, 1 fail, 77 skip).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 e1000|virtio IMAGE" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v qemu-system-alpha >/dev/null || { echo "SKIP: qemu-system-alpha missing (qemu-system-misc)"; exit 77; }
RPCBIN=${SPINDLE_RPCBIN:-$ROOT/${SPINDLE_TEST_BUILD:-build-test}/tools/rpc}
[ -d "$RPCBIN" ] || { echo "SKIP: no host build of tools/rpc at $RPCBIN (SPINDLE_RPCBIN)"; exit 77; }
SPINDLE_VM_LAUNCHER=$ROOT/tools/vm/spindle-vm-alpha SPINDLE_VM_TARGET=alpha \
	exec "$ROOT/tests/vm/rpc-test.sh" "$1" "$(readlink -f "$2")" "$RPCBIN"
