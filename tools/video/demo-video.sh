#!/usr/bin/env bash
# tools/video/demo-video.sh — `tools/demo.sh --video`: spindle's video-server
# VM streams a video from its disk and a stock player plays it.
#
#   sudo tools/demo.sh --video [--seconds S] [--input FILE] [--nic virtio|e1000]
#        [--alpha] [--ffplay] [--build DIR]
#
# 1. tools/setup.sh --quiet; a release build at -O2 (x86_64 image in DIR,
#    default build-video; --alpha: the Alpha image in DIR-alpha). -O2: at -O3
#    this GCC finds maybe-uninitialized warnings in netgraph/config_lex.c.
# 2. tools/video/mkmedia makes the media disk: S seconds (default 10) of
#    ffmpeg's testsrc2, or of --input FILE, at 320x240 and 30 fps, as a tar
#    archive of one MJPEG file.
# 3. The VM (tools/vm/spindle-vm, or spindle-vm-alpha) boots with that disk as
#    virtio-blk and "extension video-server media=disk0", on a lab
#    (tools/lab/lab.sh): the VM at 10.77.0.2, the player's namespace at
#    10.77.0.1.
# 4. On the VM's console: video list; video play / video sdp / video stop (the
#    SDP a player opens, taken before any frame leaves); the player starts on
#    that SDP; video play again: the stream the player records, from frame 0
#    to the closing RTCP BYE. The player is ffmpeg decoding to a file
#    (headless); with --ffplay and a display, ffplay shows a second copy
#    (video join: the fan-out sends it to another port).
# 5. Report: frames sent, received, lost and late; the PSNR of the received
#    frames against the source video (before JPEG coding) and whether they
#    decode to the archive's pixels exactly; the server's counters; a clean
#    shutdown with every buffer back.
# Everything it creates (namespaces, TAPs, the VM, files) is removed on exit.
# Needs root. Exit 0 when every step worked.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build-video SECONDS_=10 INPUT= NIC=virtio ALPHA=0 FFPLAY=0
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECONDS_=${2:?}; shift 2 ;;
	--input) INPUT=${2:?}; shift 2 ;;
	--nic) NIC=${2:?}; shift 2 ;;
	--alpha) ALPHA=1; shift ;;
	--ffplay) FFPLAY=1; shift ;;
	--build) BUILD=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo --video: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case "$NIC" in virtio|e1000) ;; *) echo "demo --video: --nic virtio or e1000" >&2; exit 2 ;; esac
[[ "$SECONDS_" =~ ^[0-9]+$ ]] && [ "$SECONDS_" -ge 1 ] && [ "$SECONDS_" -le 120 ] ||
	{ echo "demo --video: --seconds must be 1..120" >&2; exit 2; }
[ -z "$INPUT" ] || [ -r "$INPUT" ] || { echo "demo --video: cannot read $INPUT" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "demo --video: needs root (apt-get, namespaces, TAP): sudo $0" >&2; exit 1; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
FAILED=()
check() { if [ "$1" = 0 ]; then echo "   -> ok"; else echo "   -> FAILED: $2"; FAILED+=("$2"); fi; }

step "setup: Debian packages"
"$ROOT/tools/setup.sh" --quiet || exit 1

if [ "$ALPHA" = 1 ]; then
	BUILD=$BUILD-alpha IMAGE_REL=kernel/arch/alpha/spindle-alpha.elf VM=$ROOT/tools/vm/spindle-vm-alpha
	SETUP=(--cross-file "$ROOT/tools/cross/alpha.ini")
else
	IMAGE_REL=kernel/arch/x86_64/spindle-x86_64.elf VM=$ROOT/tools/vm/spindle-vm SETUP=()
fi
step "release build in ${BUILD#"$ROOT"/}"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" "$ROOT" --buildtype=release -Doptimization=2 "${SETUP[@]}" >/dev/null || exit 1
ninja -C "$BUILD" -j2 "$IMAGE_REL" | tail -1
[ "${PIPESTATUS[0]}" = 0 ] || { echo "demo --video: build failed" >&2; exit 1; }

P=dv$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-demo-video.XXXXXX")
VPID= RPIDS=()
cleanup() {
	for p in "${RPIDS[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$VPID" ] && kill -0 "$VPID" 2>/dev/null; then kill -TERM "$VPID"; sleep 3; kill -KILL "$VPID" 2>/dev/null; fi
	"$ROOT/tools/lab/lab.sh" down "$P" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cli() { "$ROOT/tools/lab/lab.sh" exec "$P" cli "$@"; }

step "media disk: tools/video/mkmedia, $SECONDS_ s at 320x240, 30 fps"
SRC=(--testsrc) NAME=testsrc2
if [ -n "$INPUT" ]; then SRC=("$INPUT") NAME=$(basename "${INPUT%.*}" | tr -c 'A-Za-z0-9._\n-' _); fi
"$ROOT/tools/video/mkmedia" -o "$TMP/media.tar" --size 320x240 --fps 30 --seconds "$SECONDS_" \
	--keep "$TMP/orig" "${SRC[@]}" | sed 's/^/   /'
CLIP=$NAME@30.mjpeg
[ -s "$TMP/orig/$CLIP" ] || { echo "demo --video: mkmedia made no $CLIP" >&2; exit 1; }
# The PSNR reference: the same frames before JPEG coding (mkmedia's filters).
if [ -n "$INPUT" ]; then REF_IN=(-i "$INPUT"); else REF_IN=(-f lavfi -i "testsrc2=size=320x240:rate=30"); fi
ffmpeg -nostdin -v error -y "${REF_IN[@]}" -an -t "$SECONDS_" \
	-vf "fps=30,scale=320:240:flags=bicubic,format=yuvj420p" -c:v rawvideo -f nut "$TMP/ref.nut"
TOTAL=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
	-of csv=p=0 "$TMP/orig/$CLIP")
echo "   $CLIP: $TOTAL frames, $(stat -c %s "$TMP/media.tar") bytes of archive"

step "the video-server VM ($([ "$ALPHA" = 1 ] && echo Alpha || echo x86_64), $NIC, TCG) with the archive as its virtio-blk disk"
"$ROOT/tools/lab/lab.sh" up "$P" >/dev/null || exit 1
cli ip route add 224.0.0.0/4 dev veth-cli
cat >"$TMP/vm.conf" <<EOF
interface eth0 driver=$NIC
address eth0 10.77.0.2/24
extension video-server media=disk0
EOF
sed 's/^/     | /' "$TMP/vm.conf"
"$VM" --image "$BUILD/$IMAGE_REL" --config "$TMP/vm.conf" --nic "$NIC" --lab "$P" --kvm off \
	--disk "$TMP/media.tar" --serial "$TMP/vm.log" --timeout $((SECONDS_ + 180)) >"$TMP/vm.out" 2>&1 &
VPID=$!
for _ in $(seq 600); do
	grep -q "^vm: ready" "$TMP/vm.log" 2>/dev/null && break
	kill -0 "$VPID" 2>/dev/null || break
	sleep 0.1
done
grep -q "^vm: ready" "$TMP/vm.log" || { tail -20 "$TMP/vm.log"; echo "demo --video: the VM did not come up" >&2; exit 1; }
grep -E "^vm: (eth0|disk0|ready)" "$TMP/vm.log" | sed 's/^/   /'
SOCK=$(sed -n 's/.*socket,id=con0,path=\([^,]*\),.*/\1/p' "$TMP/vm.out" | head -n1)
con() { timeout 60 python3 "$ROOT/tests/vm/video-console.py" "$SOCK" "$@"; }

step "console: video list; the SDP a player opens (video play, video sdp, video stop)"
con "video list" "video play $CLIP to 10.77.0.1:5004" "video sdp 1" "video stop 1" >"$TMP/con1.txt"
check $? "console"
sed 's/^/   /' "$TMP/con1.txt"
sed -n '/^=== video sdp/,/^===/p' "$TMP/con1.txt" | grep -E '^[a-z]=' | sed 's/$/\r/' >"$TMP/rx.sdp"
grep -q '^m=video 5004 RTP/AVP 26' "$TMP/rx.sdp"
check $? "video sdp gave no SDP"

step "player: ffmpeg on that SDP (headless, decodes to a file)$([ "$FFPLAY" = 1 ] && echo '; ffplay on a second copy')"
cli timeout $((SECONDS_ + 60)) ffmpeg -nostdin -hide_banner -loglevel warning -y \
	-protocol_whitelist file,udp,rtp -i "$TMP/rx.sdp" -c copy -f mjpeg "$TMP/rx.mjpeg" \
	>"$TMP/rx.log" 2>&1 &
RPIDS+=($!)
PLAY="video play $CLIP to 10.77.0.1:5004"
if [ "$FFPLAY" = 1 ] && [ -n "${DISPLAY:-}" ] && command -v ffplay >/dev/null; then
	sed 's/^m=video 5004/m=video 5006/' "$TMP/rx.sdp" >"$TMP/play.sdp"
	cli ffplay -hide_banner -loglevel error -protocol_whitelist file,udp,rtp -autoexit \
		"$TMP/play.sdp" >/dev/null 2>&1 &
	RPIDS+=($!)
	PLAY="video play $CLIP to 10.77.0.1:5004,10.77.0.1:5006"
elif [ "$FFPLAY" = 1 ]; then
	echo "   (no display or no ffplay: headless only)"
fi
for _ in $(seq 100); do cli ss -Hlun "sport = :5004" | grep -q ':5004' && break; sleep 0.1; done
t0=$(date +%s.%N)
con "$PLAY" | sed 's/^/   /'
wait "${RPIDS[0]}"
check $? "the player did not end on the stream's BYE"
echo "   player done after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
RPIDS=()

step "report"
con "show counters video-server" >"$TMP/ctr.txt"
ctr() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/ctr.txt"; }
RX=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
	-of csv=p=0 "$TMP/rx.mjpeg" 2>/dev/null || echo 0)
SENT=$(( $(ctr rtp_frames) ))
# PSNR in RGB (both sides converted alike; nut keeps no colour range), frame by frame
PSNR=$(ffmpeg -nostdin -hide_banner -framerate 30 -i "$TMP/rx.mjpeg" -i "$TMP/ref.nut" \
	-lavfi "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr" -f null - 2>&1 |
	sed -n 's/.*PSNR .*average:\([0-9.inf]*\).*/\1/p' | tail -n1)
pixels() { ffmpeg -nostdin -v error -i "$1" -f framemd5 - | grep -v '^#' | awk '{print $NF}'; }
EXACT=no
pixels "$TMP/rx.mjpeg" | cmp -s - <(pixels "$TMP/orig/$CLIP") && EXACT=yes
echo "   frames in the file:     $TOTAL"
echo "   frames sent:            $SENT ($(ctr rtp_late) late, $(ctr rtp_skipped) skipped; $(ctr rtp_packets) RTP packets)"
echo "   frames received:        $RX (decoded by ffmpeg)"
echo "   frames lost:            $((SENT - RX))"
echo "   PSNR vs the source:     ${PSNR:-?} dB (the JPEG coding's; the transport adds no loss)"
echo "   pixels equal archive's: $EXACT"
echo "   disk: $(ctr disk_in_place) packets read in place into their buffers, $(ctr disk_copied) copied"
[ "$RX" = "$TOTAL" ] && [ "$EXACT" = yes ]
check $? "not every frame arrived intact"

step "shutdown"
kill -TERM "$VPID"
wait "$VPID"
rc=$?
VPID=
grep -E "^vm: shutdown complete" "$TMP/vm.log" | sed 's/^/   /'
[ "$rc" = 0 ] && grep -q "buffer pools full" "$TMP/vm.log"
check $? "VM exit status $rc (0: clean shutdown, every buffer back in its pool)"

if [ ${#FAILED[@]} -eq 0 ]; then
	echo "demo --video: all steps ok"
	exit 0
fi
echo "demo --video: ${#FAILED[@]} step(s) FAILED:"
printf '   %s\n' "${FAILED[@]}"
exit 1
