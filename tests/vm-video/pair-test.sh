#!/usr/bin/env bash
# tests/vm-video/pair-test.sh — spindle's video client plays what spindle's
# video server streams: two x86_64 VMs on one bridge.
#
#   pair-test.sh IMAGE
#
# A pair lab (tools/lab/pair.sh: bridge spbr-app) and two VMs (virtio,
# tools/bench/lib/vm.sh; spindle-vm --slot):
#   A (slot A, 10.77.0.2): the video server, its disk a tar archive made with
#     `tar cf` of the traces' 10-frame 320x240 clip (rtp-jpeg-client.mjpeg,
#     RFC 2435 type 1) named NAME@30.mjpeg (30 fps, apps/video-server/README.md)
#       extension video-server media=disk0
#   B (slot B, 10.77.0.3): the video client on QEMU's standard VGA, with a
#     monitor socket
#       extension video-client port=5004 display=fb
#       extension udp-count port=5005      (the server's RTCP: no port unreachable)
# Once both are ready, A's console starts the stream (the server waits for
# B's ARP answer before its first frame):
#   video play NAME@30.mjpeg to 10.77.0.3:5004
# and it must end after 10 frames. Then:
#   - "video-client stats" on B: 10 frames shown, none dropped or lost
#     (tests/vm-video/lib.sh, as play-test.sh checks ffmpeg's stream);
#   - B's monitor `screendump`: the last frame, centred, matches djpeg's
#     decoding of the clip's last JPEG with PSNR >= 35 dB (psnr.py);
#   - A's "show counters video-server": 10 frames sent, none skipped,
#     no send error, and as many RTP packets as B received;
#   - "shutdown" on both: status 0, every packet buffer back in its pool.
# Bounded: about 25 s on TCG. SPINDLE_VM_KVM=auto|on|off (default auto).
# Needs root (namespaces, TAP), qemu, tar, djpeg, socat: exit 77 without.
# Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 IMAGE" >&2; exit 2; }
IMAGE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PAIR=$ROOT/tools/lab/pair.sh
PY=/usr/bin/python3
KVM=${SPINDLE_VM_KVM:-auto}
CLIP=$ROOT/tests/traces/rtp-jpeg-client.mjpeg
NAME=rtp-jpeg-client@30.mjpeg
FRAMES=10
MIN_DB=35

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the VM pair video test needs root (namespaces, TAP devices)"
	exit 77
fi
for c in qemu-system-x86_64 ip ethtool tar djpeg socat timeout "$PY"; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

BENCH_ROOT=$ROOT
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-vvpair.XXXXXX")
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
P=vvp$$
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	bench_vm_stop_all
	"$PAIR" down "$P" >/dev/null 2>&1
	rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILED=()
fail() { echo "FAIL: $*"; FAILED+=("$*"); }
# shellcheck source=tests/vm-video/lib.sh
. "$HERE/lib.sh"
# console VM LINE: type LINE on the VM's console; its answer on stdout (and in the log).
console() { timeout 20 "$PY" "$ROOT/tools/vm/vm-console.py" "$BENCH_TMP/$1.launcher" "$2"; }
logs() {
	local v
	for v in a b; do
		echo "---- launcher of $v"
		sed 's/^/   | /' "$BENCH_TMP/$v.launcher"
		echo "---- console of $v"
		tr -d '\r' <"$BENCH_TMP/$v.log" | tail -n 40 | sed 's/^/   | /'
	done
}
die() {
	fail "$*"
	logs
	exit 1
}

# The media disk: the clip under a name that gives its rate, as `tar cf` makes it.
mkdir "$BENCH_TMP/media"
cp "$CLIP" "$BENCH_TMP/media/$NAME"
tar -C "$BENCH_TMP/media" -cf "$BENCH_TMP/media.tar" "$NAME" || { echo "FAIL: tar"; exit 1; }

"$PAIR" up "$P" >/dev/null || { echo "FAIL: pair lab up"; exit 1; }
A=$("$PAIR" addr A)
B=$("$PAIR" addr B)
cat >"$BENCH_TMP/a.conf" <<EOF
# tests/vm-video/pair-test.sh: VM A, the video server
interface eth0 driver=virtio
address eth0 $A/24
extension video-server media=disk0
EOF
cat >"$BENCH_TMP/b.conf" <<EOF
# tests/vm-video/pair-test.sh: VM B, the video client on its screen
interface eth0 driver=virtio
address eth0 $B/24
extension video-client port=5004 display=fb
extension udp-count port=5005
EOF
MON=$BENCH_TMP/mon.sock
echo "== two spindle VMs on one bridge: server A $A, client B $B (-device VGA)"
common=(--image "$IMAGE" --lab "$P" --nic virtio --kvm "$KVM" --timeout 120)
bench_vm_start a spindle "${common[@]}" --slot A --config "$BENCH_TMP/a.conf" \
	--disk "$BENCH_TMP/media.tar"
bench_vm_start b spindle "${common[@]}" --slot B --config "$BENCH_TMP/b.conf" \
	-- -device VGA -monitor "unix:$MON,server=on,wait=off"
if ! bench_vm_wait_ready a 60 || ! bench_vm_wait_ready b 60; then
	die "the VMs did not get ready"
fi
[ -S "$MON" ] || die "no monitor socket for B"
grep -hE "accelerator" "$BENCH_TMP/a.launcher" | sed 's/^/   A: /'

echo "== A: video play $NAME to $B:5004"
t0=$(date +%s%N)
console a "video play $NAME to $B:5004" >"$BENCH_TMP/play.txt" || fail "A's console: no prompt"
sed 's/^/   /' "$BENCH_TMP/play.txt"
grep -q "^stream 1: " "$BENCH_TMP/play.txt" || die "A did not start the stream"
if bench_vm_wait a "stream 1: $NAME ended after" 30; then
	tr -d '\r' <"$BENCH_TMP/a.log" | grep "stream 1: $NAME ended after" | sed 's/^.*video: info: /   /'
	echo "   stream ended $(( ($(date +%s%N) - t0) / 1000000 )) ms after the request"
else
	fail "the stream did not end within 30 s"
fi
sleep 1 # the last frame's decoding, under TCG

echo "== B: video-client stats"
vv_client_ask "$BENCH_TMP/b.log" console b "video-client stats"
vv_client_check "$BENCH_TMP/b.log" "$FRAMES" fb x86_64

echo "== B: screendump (QEMU monitor) against djpeg's decoding of the last frame"
vv_screen_check "$MON" "$BENCH_TMP/shot.ppm" "$CLIP" "$MIN_DB"

echo "== A: show counters video-server"
console a "show counters video-server" >"$BENCH_TMP/ctr.txt" || fail "A's console: no prompt"
ctr() { tr -d '\r' <"$BENCH_TMP/ctr.txt" | awk -v k="$1" '$1 == k { print $2 }' | tail -n1; }
echo "   rtp_frames $(ctr rtp_frames), rtp_packets $(ctr rtp_packets), rtp_late $(ctr rtp_late)," \
	"rtp_skipped $(ctr rtp_skipped), rtcp_sent $(ctr rtcp_sent), disk_in_place $(ctr disk_in_place)," \
	"streams_ended $(ctr streams_ended)"
[ "$(ctr rtp_frames)" = "$FRAMES" ] || fail "A sent $(ctr rtp_frames) frames, expected $FRAMES"
for c in rtp_skipped rtp_send_errors disk_errors; do
	[ "$(ctr "$c")" = 0 ] || fail "A: $c $(ctr "$c"), expected 0"
done
[ "$(ctr streams_ended)" = 1 ] || fail "A: streams_ended $(ctr streams_ended), expected 1"
sent=$(ctr rtp_packets) got=$(vv_counter "$BENCH_TMP/b.log" packets)
if [ -z "$sent" ] || [ "$sent" != "$got" ]; then
	fail "A sent ${sent:-?} RTP packets, B received ${got:-?}"
fi

echo "== shutdown"
for v in a b; do
	bench_vm_stop "$v" 20
	vv_vm_halted_clean "$BENCH_VM_RC" "$BENCH_TMP/$v.log" "VM ${v^^}"
done

if [ ${#FAILED[@]} -ne 0 ]; then
	logs
	echo "FAILED: ${#FAILED[@]} step(s):"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS: the spindle video client (VM B) shows the spindle video server's (VM A) stream"
