#!/usr/bin/env bash
# Regenerate the video test material in tests/traces/ (see tests/traces/README.md,
# section "Video"):
#
#  - rtp-jpeg-clip@30.mjpeg  10 frames of ffmpeg's testsrc2, 160x120, 30 fps,
#                            made by tools/video/mkmedia;
#  - rtp-jpeg-ffmpeg.pcap    that clip sent by `ffmpeg -re -c:v copy -f rtp`
#                            from the client namespace to 10.77.0.2:5004,
#                            recorded by tcpdump on veth-app while an ffmpeg
#                            receiver in the app namespace depacketises it (so
#                            nothing answers "port unreachable"); ffmpeg ends
#                            with an RTCP BYE (-rtpflags send_bye), which ends
#                            the receiver;
#  - rtp-jpeg-ffmpeg.sdp     the SDP ffmpeg wrote for it (-sdp_file);
#  - video/*                 JPEG frames that RFC 2435 can and cannot carry,
#                            made by ffmpeg, cjpeg and jpegtran (below).
#
# The capture runs in a lab (tools/lab/lab.sh: namespaces PREFIX-app with
# veth-app 10.77.0.2/24 and PREFIX-cli with veth-cli 10.77.0.1/24) that this
# script creates and removes. Needs root, ffmpeg, cjpeg/jpegtran
# (libjpeg-turbo-progs) and tcpdump.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB="$HERE/lab.sh"
MKMEDIA="$ROOT/tools/video/mkmedia"
OUT="$ROOT/tests/traces"
PREFIX="vtr$$"

usage() {
	echo "usage: $PROG [-o OUTDIR] [-p PREFIX]   (default OUTDIR: $OUT)" >&2
	exit 2
}
while getopts "o:p:h" opt; do
	case "$opt" in
	o) OUT=$OPTARG ;;
	p) PREFIX=$OPTARG ;;
	*) usage ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "$PROG: needs root (network namespaces, tcpdump)" >&2; exit 1; }
for c in ffmpeg ffprobe cjpeg jpegtran tcpdump tar; do
	command -v "$c" >/dev/null || { echo "$PROG: missing $c (tools/setup.sh)" >&2; exit 1; }
done
mkdir -p "$OUT/video"
OUT=$(cd "$OUT" && pwd)

TMP=$(mktemp -d /tmp/spindle-video-traces.XXXXXX)
chmod 755 "$TMP"
BG_PIDS=()
cleanup() {
	local rc=$? p
	set +e
	for p in "${BG_PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	"$LAB" down "$PREFIX" >/dev/null 2>&1
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)

# ---- the clip --------------------------------------------------------------
"$MKMEDIA" -o "$TMP/media.tar" --testsrc --size 160x120 --fps 30 --frames 10 \
	--quality 5 --keep "$TMP/clip" >/dev/null
CLIP="$OUT/rtp-jpeg-clip@30.mjpeg"
cp "$TMP/clip/testsrc2@30.mjpeg" "$CLIP"
echo "$PROG: $(basename "$CLIP"): $(stat -c %s "$CLIP") bytes"

# ---- JPEG frames for the checks (64x48, small) -----------------------------
V=$OUT/video
SRC=(-f lavfi -i testsrc2=size=64x48:rate=30)
"${FF[@]}" "${SRC[@]}" -frames:v 1 -f image2 -c:v ppm "$TMP/frame.ppm"
# ffmpeg's default optimal Huffman tables (forbidden by RFC 2435), 2 frames
"${FF[@]}" "${SRC[@]}" -frames:v 2 -c:v mjpeg -pix_fmt yuvj420p -q:v 5 \
	-f mjpeg "$V/ffmpeg-optimal-huffman@30.mjpeg"
# standard tables but 4:4:4 (Y, Cb, Cr all 1x1 ... as ffmpeg writes them)
"${FF[@]}" "${SRC[@]}" -frames:v 2 -c:v mjpeg -huffman default -pix_fmt yuvj444p -q:v 5 \
	-f mjpeg "$V/ffmpeg-yuvj444p@30.mjpeg"
# ffmpeg's 4:2:2: Y 2x2, Cb and Cr 1x2, which RFC 2435 type 0 cannot describe
"${FF[@]}" "${SRC[@]}" -frames:v 2 -c:v mjpeg -huffman default -pix_fmt yuvj422p -q:v 5 \
	-f mjpeg "$V/ffmpeg-yuvj422p@30.mjpeg"
# libjpeg-turbo: baseline 4:2:2 with Y 2x1 (type 0), restart markers (type 65),
# grayscale, optimised tables, progressive and arithmetic coding
cjpeg -quality 75 -sample 2x1 "$TMP/frame.ppm" >"$V/cjpeg-422-h2v1.jpg"
cjpeg -quality 75 -restart 1 "$TMP/frame.ppm" >"$V/cjpeg-restart.jpg"
cjpeg -quality 75 -grayscale "$TMP/frame.ppm" >"$V/cjpeg-grayscale.jpg"
cjpeg -quality 75 -optimize "$TMP/frame.ppm" >"$V/cjpeg-optimize.jpg"
cjpeg -quality 75 "$TMP/frame.ppm" >"$TMP/base.jpg"
jpegtran -progressive "$TMP/base.jpg" >"$V/jpegtran-progressive.jpg"
jpegtran -arithmetic "$TMP/base.jpg" >"$V/jpegtran-arithmetic.jpg"
cp "$TMP/base.jpg" "$V/cjpeg-420.jpg"
ls -l "$V"

# ---- the capture -----------------------------------------------------------
APP_IP=10.77.0.2 CLI_IP=10.77.0.1
APP_MAC=02:00:00:00:00:02 CLI_MAC=02:00:00:00:00:01
app() { "$LAB" exec "$PREFIX" app "$@"; }
cli() { timeout 30 "$LAB" exec "$PREFIX" cli "$@"; }
"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
"$LAB" up "$PREFIX" >/dev/null
app ip link set veth-app arp on promisc off
app ip addr add "$APP_IP/24" dev veth-app
# Permanent neighbours both ways: no ARP in the capture.
app ip neigh replace "$CLI_IP" lladdr "$CLI_MAC" nud permanent dev veth-app
cli ip neigh replace "$APP_IP" lladdr "$APP_MAC" nud permanent dev veth-cli
sleep 0.3

cat >"$TMP/recv.sdp" <<EOF
v=0
o=- 0 0 IN IP4 $CLI_IP
s=capture
c=IN IP4 $APP_IP
t=0 0
m=video 5004 RTP/AVP 26
EOF
# Background commands are executables, not shell functions, so that $! is the
# command itself and a signal to it never reaches this script's traps.
"$LAB" exec "$PREFIX" app timeout 40 ffmpeg -nostdin -hide_banner -loglevel warning -y \
	-protocol_whitelist file,udp,rtp -i "$TMP/recv.sdp" -c copy -f mjpeg \
	"$TMP/received.mjpeg" >"$TMP/recv.log" 2>&1 &
BG_PIDS+=($!)
RECV=$!
for _ in $(seq 100); do
	app ss -Hlun 'sport = :5004' | grep -q 5004 && break
	sleep 0.1
done
app ss -Hlun 'sport = :5004' | grep -q 5004 || { cat "$TMP/recv.log" >&2; echo "$PROG: receiver did not start" >&2; exit 1; }

"$LAB" exec "$PREFIX" app tcpdump -i veth-app -p -nn -U --immediate-mode -s 65535 -Z root -w "$TMP/cap.pcap" udp \
	>"$TMP/tcpdump.log" 2>&1 &
BG_PIDS+=($!)
TCPDUMP=$!
for _ in $(seq 50); do
	grep -q 'listening on' "$TMP/tcpdump.log" && break
	sleep 0.1
done
grep -q 'listening on' "$TMP/tcpdump.log" || { cat "$TMP/tcpdump.log" >&2; exit 1; }

cli ffmpeg -nostdin -hide_banner -loglevel warning -re -framerate 30 -i "$CLIP" \
	-c:v copy -f rtp -rtpflags send_bye -sdp_file "$TMP/ffmpeg.sdp" \
	"rtp://$APP_IP:5004?localrtpport=40000&localrtcpport=40001"
# The sender's closing RTCP BYE (RFC 3550 6.6) ends the receiver.
wait "$RECV" || { cat "$TMP/recv.log" >&2; echo "$PROG: the receiver failed" >&2; exit 1; }
sleep 0.5
kill -INT "$TCPDUMP"; wait "$TCPDUMP" || true
grep -q '^0 packets dropped by kernel' "$TMP/tcpdump.log" ||
	{ cat "$TMP/tcpdump.log" >&2; echo "$PROG: tcpdump lost frames" >&2; exit 1; }

# ffmpeg's receiver must have every frame, decoding to the clip's pixels.
frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries \
	stream=nb_read_frames -of csv=p=0 "$1"; }
pixels() { ffmpeg -nostdin -v error -i "$1" -f framemd5 - | grep -v '^#'; }
[ "$(frames "$TMP/received.mjpeg")" = 10 ] ||
	{ cat "$TMP/recv.log" >&2; echo "$PROG: the receiver did not get 10 frames" >&2; exit 1; }
diff <(pixels "$CLIP" | awk '{print $NF}') <(pixels "$TMP/received.mjpeg" | awk '{print $NF}') ||
	{ echo "$PROG: received frames decode differently" >&2; exit 1; }

cp "$TMP/cap.pcap" "$OUT/rtp-jpeg-ffmpeg.pcap"
cp "$TMP/ffmpeg.sdp" "$OUT/rtp-jpeg-ffmpeg.sdp"
echo "$PROG: rtp-jpeg-ffmpeg.pcap: $(tcpdump -r "$OUT/rtp-jpeg-ffmpeg.pcap" 2>/dev/null | wc -l) frames, $(stat -c %s "$OUT/rtp-jpeg-ffmpeg.pcap") bytes"
