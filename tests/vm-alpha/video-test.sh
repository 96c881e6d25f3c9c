#!/usr/bin/env bash
# tests/vm-alpha/video-test.sh — the video server on the Alpha VM: the SAME
# scenario as the x86_64 VM's (tests/vm/video-test.sh: ffmpeg receives and
# decodes every frame streamed from the virtio-blk media disk to two unicast
# ports and a multicast group; console requests; clients dropped after ICMP
# port unreachable; clean shutdown with full pools), run with
# tools/vm/spindle-vm-alpha as the launcher.
#
#   video-test.sh e1000|virtio IMAGE
#
# Exit status: that of tests/vm/video-test.sh (0 pass, 1 fail, 77 skip).
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 e1000|virtio IMAGE" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v qemu-system-alpha >/dev/null || { echo "SKIP: qemu-system-alpha missing (qemu-system-misc)"; exit 77; }
SPINDLE_VM_LAUNCHER=$ROOT/tools/vm/spindle-vm-alpha SPINDLE_VM_TARGET=alpha \
	exec "$ROOT/tests/vm/video-test.sh" vm "$1" "$(readlink -f "$2")"
