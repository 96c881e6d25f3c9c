#!/usr/bin/env bash
# tests/vm/disk-test.sh — virtio-blk disks on the VM (drivers/virtio/virtio_blk.h).
#
#   disk-test.sh IMAGE
#
# Makes three ustar archives with real tar and boots the VM kernel
# (-append halt-when-ready, empty configuration) with them as virtio-blk
# disks, one per transport the driver has:
#   disk0  --disk (the launcher's read-only transitional 1af4:1001): modern transport
#   disk1  1af4:1001 with disable-modern=on, read-only: legacy I/O BAR0 transport
#   disk2  1af4:1042 with disable-legacy=on, writable: modern only
# For each disk the console must give its size in sectors (the file's size
# / 512), the transport, the read-only flag, sector 0 in hexadecimal equal
# to the file's first 512 bytes, an FNV-1a 64 hash of the whole disk (read
# with four requests in flight) equal to the file's, and at least one
# completion interrupt; then a clean shutdown with full pools. The launcher
# must refuse a missing --disk file.
#
# These console lines come from apps/vm/main.c's disk report
# (temp_probe_disks). SPINDLE_VM_LAUNCHER / _TARGET / _QEMU / _KVM as in
# tests/vm/boot-test.sh (tests/vm-alpha/disk-test.sh runs this on Alpha).
# Exit 0 pass, 1 fail, 77 skip (no QEMU, tar or python3).
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 IMAGE" >&2; exit 2; }
IMAGE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VM=${SPINDLE_VM_LAUNCHER:-$ROOT/tools/vm/spindle-vm}
TARGET=${SPINDLE_VM_TARGET:-x86_64}
QEMU=${SPINDLE_VM_QEMU:-qemu-system-x86_64}
KVM=${SPINDLE_VM_KVM:-off}

for c in "$QEMU" tar python3 od; do
	command -v "$c" >/dev/null || { echo "SKIP: $c missing"; exit 77; }
done
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-vmdisk-$TARGET.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

# ---- the disks: ustar archives of stand-in media files -----------------------
mkdir -p "$TMP/src0" "$TMP/src1" "$TMP/src2"
head -c 7000 /dev/urandom >"$TMP/src0/frame000.mjpeg"
head -c 12345 /dev/urandom >"$TMP/src0/frame001.mjpeg"
seq 1 500 >"$TMP/src0/index.txt"
head -c 40000 /dev/urandom >"$TMP/src1/clip.mjpeg"
head -c 3000 /dev/urandom >"$TMP/src2/still.mjpeg"
tar --format=ustar -cf "$TMP/disk0.tar" -C "$TMP/src0" frame000.mjpeg frame001.mjpeg index.txt
tar --format=ustar -cf "$TMP/disk1.tar" -C "$TMP/src1" clip.mjpeg
tar --format=ustar -cf "$TMP/disk2.img" -C "$TMP/src2" still.mjpeg
DISK_FILES=("$TMP/disk0.tar" "$TMP/disk1.tar" "$TMP/disk2.img")
DISK_TRANSPORT=(modern legacy modern)
DISK_RO=(1 1 0)

fnv1a64() {
	python3 -c '
import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$1"
}

# ---- the launcher refuses a disk it cannot read --------------------------------
: >"$TMP/empty.conf"
"$VM" --image "$IMAGE" --config "$TMP/empty.conf" --kvm off --disk "$TMP/nosuch.img" \
	--timeout 10 >"$TMP/nosuch.out" 2>&1
rc=$?
if [ "$rc" = 65 ] && grep -q "no readable disk image" "$TMP/nosuch.out"; then
	echo "   launcher: a missing --disk file is refused (status 65)"
else
	fail "launcher: missing --disk file gave status $rc"
	sed 's/^/   | /' "$TMP/nosuch.out"
fi

# ---- boot with three disks ------------------------------------------------------
# shellcheck disable=SC2054  # commas belong to QEMU option values
EXTRA=(-drive "file=$TMP/disk1.tar,if=none,format=raw,id=x1,readonly=on"
	-device virtio-blk-pci,drive=x1,disable-modern=on
	-drive "file=$TMP/disk2.img,if=none,format=raw,id=x2"
	-device virtio-blk-pci,drive=x2,disable-legacy=on)
t0=$(date +%s%N)
"$VM" --image "$IMAGE" --config "$TMP/empty.conf" --kvm "$KVM" --serial "$TMP/vm.log" \
	--append "halt-when-ready disk-check" --timeout 50 --disk "$TMP/disk0.tar" -- "${EXTRA[@]}" \
	>"$TMP/vm.out" 2>&1
RC=$?
t1=$(date +%s%N)
echo "   boot with 3 disks: status $RC after $(( (t1 - t0) / 1000000 )) ms"
[ "$RC" = 0 ] || fail "status $RC, expected 0"
grep -q '^vm: shutdown complete, buffer pools full' "$TMP/vm.log" ||
	fail "no clean shutdown with full pools"

for i in 0 1 2; do
	f=${DISK_FILES[$i]}
	size=$(stat -c %s "$f")
	sectors=$((size / 512))
	ro=
	[ "${DISK_RO[$i]}" = 1 ] && ro=', read-only'
	re="^vm: disk$i virtio-blk $sectors sectors \\(virtio-blk 00:[0-9a-f]{2}\\.0 ${DISK_TRANSPORT[$i]}, 512-byte sectors$ro\\)\$"
	if grep -qE "$re" "$TMP/vm.log"; then
		echo "   disk$i: $sectors sectors, ${DISK_TRANSPORT[$i]} transport${ro:+, read-only}"
	else
		fail "disk$i: no line matching /$re/"
	fi
	want=$(od -An -tx1 -v -N512 "$f" | tr -d ' \n')
	got=$(sed -n "s/^vm: disk$i sector 0 +[0-9a-f]\\{3\\}: \\([0-9a-f]*\\)\$/\\1/p" "$TMP/vm.log" | tr -d '\n')
	if [ "$got" = "$want" ]; then
		echo "   disk$i: sector 0 equals the archive's first 512 bytes (ustar header of $(tar -tf "$f" | head -n1))"
	else
		fail "disk$i: sector 0 differs from the file (got ${#got} hex digits)"
	fi
	want=$(fnv1a64 "$f")
	got=$(sed -n "s/^vm: disk$i fnv1a64 \\([0-9a-f]*\\) over $sectors sectors\$/\\1/p" "$TMP/vm.log")
	if [ "$got" = "$want" ]; then
		echo "   disk$i: FNV-1a 64 of all $sectors sectors equals the file's ($want)"
	else
		fail "disk$i: hash '$got', the file's is $want"
	fi
	irqs=$(sed -n "s/^vm: disk$i interrupts \\([0-9]*\\), .*/\\1/p" "$TMP/vm.log")
	if [ -n "$irqs" ] && [ "$irqs" -gt 0 ]; then
		echo "   disk$i: $irqs completion interrupt(s)"
	else
		fail "disk$i: no completion interrupt (${irqs:-no line})"
	fi
done

if [ "$FAILED" != 0 ]; then
	echo "---- launcher"
	sed 's/^/   | /' "$TMP/vm.out"
	echo "---- serial log"
	sed 's/^/   | /' "$TMP/vm.log"
	exit 1
fi
echo "PASS: vm disk ($TARGET)"
