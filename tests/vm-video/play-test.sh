#!/usr/bin/env bash
# tests/vm-video/play-test.sh — the VM's video client plays a stream sent by
# a stock ffmpeg on its screen.
#
#   play-test.sh IMAGE [fb|headless]
#
# A lab (tools/lab/lab.sh: PREFIX-app, PREFIX-cli 10.77.0.1/24) and the VM
# (tools/vm/spindle-vm --lab, virtio-net, 10.77.0.2/24) with QEMU's standard
# VGA (`-device VGA`) and a monitor socket, configured with
#   extension video-client port=5004 display=fb
#   extension udp-count port=5005      (ffmpeg's RTCP reports: no port unreachable)
# From the client namespace, once the VM answers ARP:
#   ffmpeg -re -framerate 30 -i rtp-jpeg-client.mjpeg -c:v copy -f rtp rtp://10.77.0.2:5004
# (the traces' 10-frame 320x240 clip, RFC 2435 type 1, Q 255). Then:
#   - "video-client stats" on the VM's console: 10 frames shown, none dropped;
#   - the monitor's `screendump` of the 640x480 mode: the last frame, centred,
#     matches djpeg's decoding of the clip's last JPEG with PSNR >= 35 dB
#     (tests/vm-video/psnr.py; the checks are tests/vm-video/lib.sh's);
#   - "shutdown": the VM halts with 0 (every packet buffer back in its pool).
# headless: the same VM without a VGA: display=fb falls back to the counted
# headless sink; the 10 frames are decoded and counted shown, no screendump.
# SPINDLE_VM_LAUNCHER picks the launcher (tools/vm/spindle-vm-alpha for the
# Alpha VM, tests/vm-alpha/meson.build), SPINDLE_VM_TARGET tags the figures.
# Needs root (namespaces, TAP), qemu, ffmpeg, djpeg, socat: exit 77 without.
# Exit 0 pass, 1 fail. About 10 s on TCG (x86_64), 15 s (Alpha).
set -uo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 IMAGE [fb|headless]" >&2; exit 2; }
IMAGE=$(readlink -f "$1")
MODE=${2:-fb}
case "$MODE" in
fb) VGA=(-device VGA) ;;
headless) VGA=() ;;
*) echo "usage: $0 IMAGE [fb|headless]" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
VM=${SPINDLE_VM_LAUNCHER:-$ROOT/tools/vm/spindle-vm}
TARGET=${SPINDLE_VM_TARGET:-x86_64}
QEMU_BIN=${SPINDLE_VM_QEMU:-qemu-system-x86_64}
PY=/usr/bin/python3
CLIP=$ROOT/tests/traces/rtp-jpeg-client.mjpeg
FRAMES=10
VM_IP=10.77.0.2
MIN_DB=35

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the VM video test needs root (namespaces, TAP devices)"
	exit 77
fi
for c in "$QEMU_BIN" ip ethtool ffmpeg djpeg socat timeout "$PY"; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

# shellcheck source=tests/vm/lib.sh
. "$ROOT/tests/vm/lib.sh"
vm_test_setup vvid$$ vmvideo
# shellcheck source=tests/vm-video/lib.sh
. "$HERE/lib.sh"
die_vm() {
	fail "$*"
	show_logs
	exit 1
}
# console CMD: one line on the VM's serial console (the launcher's socket;
# the answer lands in the serial log).
console() {
	printf '%s\n' "$1" | timeout 5 socat -t1 - "UNIX-CONNECT:$SERIAL_SOCK" >/dev/null 2>&1
}

"$LAB" up "$P" >/dev/null || { echo "FAIL: lab up"; exit 1; }

cat >"$TMP/vm.conf" <<EOF
# tests/vm-video/play-test.sh: the VM plays RTP/JPEG on its screen
interface eth0 driver=virtio
address eth0 $VM_IP/24
extension video-client port=5004 display=fb
extension udp-count port=5005
EOF

echo "== ${VM##*/} --lab $P -- ${VGA[*]} -monitor unix:..."
"$VM" --image "$IMAGE" --config "$TMP/vm.conf" --nic virtio --lab "$P" \
	--kvm "${SPINDLE_VM_KVM:-auto}" --serial "$TMP/serial.log" --timeout 120 \
	-- "${VGA[@]}" -monitor "unix:$TMP/mon.sock,server=on,wait=off" >"$TMP/vm.out" 2>&1 &
VPID=$!

SERIAL_SOCK=
for _ in $(seq 1 100); do
	SERIAL_SOCK=$(sed -n 's/.*socket,id=con0,path=\([^,]*\),.*/\1/p' "$TMP/vm.out" | head -n1)
	[ -n "$SERIAL_SOCK" ] && [ -S "$TMP/mon.sock" ] && break
	kill -0 "$VPID" 2>/dev/null || break
	sleep 0.1
done
[ -n "$SERIAL_SOCK" ] && [ -S "$TMP/mon.sock" ] || die_vm "the launcher did not start QEMU"
grep -E "accelerator" "$TMP/vm.out" | sed 's/^/   /'

echo "== waiting for the VM (ARP answered)"
cli timeout 70 "$PY" "$ROOT/tests/vm/arp-probe.py" veth-cli 10.77.0.1 "$VM_IP" 60 2>&1 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || die_vm "no ARP answer within 60 s"
grep -E "video-client|display=" "$TMP/serial.log" | sed 's/^/   | /'

echo "== ffmpeg -re -framerate 30 -i ${CLIP##*/} -c:v copy -f rtp rtp://$VM_IP:5004"
t0=$(date +%s.%N)
cli timeout 30 ffmpeg -hide_banner -loglevel error -nostdin -re -framerate 30 -i "$CLIP" \
	-c:v copy -f rtp "rtp://$VM_IP:5004" >"$TMP/ffmpeg.out" 2>&1 ||
	fail "ffmpeg failed: $(tail -n3 "$TMP/ffmpeg.out")"
echo "   sent $FRAMES frames in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
sleep 1 # the last frame's decoding, under TCG

echo "== video-client stats"
vv_client_ask "$TMP/serial.log" console "video-client stats"
vv_client_check "$TMP/serial.log" "$FRAMES" "$MODE" "$TARGET"

if [ "$MODE" = fb ]; then
	echo "== screendump (QEMU monitor) against djpeg's decoding of the last frame"
	vv_screen_check "$TMP/mon.sock" "$TMP/shot.ppm" "$CLIP" "$MIN_DB"
fi

echo "== shutdown"
kill -TERM "$VPID"
rc=
for _ in $(seq 1 200); do
	if ! kill -0 "$VPID" 2>/dev/null; then
		wait "$VPID"
		rc=$?
		break
	fi
	sleep 0.1
done
VPID=
vv_vm_halted_clean "$rc" "$TMP/serial.log"

if [ ${#FAILED[@]} -ne 0 ]; then
	show_logs
	echo "FAILED: ${#FAILED[@]} step(s):"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS: vm-$TARGET video client plays ffmpeg's stream ($MODE)"
