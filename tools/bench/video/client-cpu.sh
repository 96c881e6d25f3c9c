#!/usr/bin/env bash
# tools/bench/video/client-cpu.sh — host CPU of the hosted video client per
# 30-frame/s RTP/JPEG stream, against ffplay playing the same stream on the
# same machine, in one run.
#
#   client-cpu.sh BUILD_DIR [--seconds N] [--size WxH] [--out DIR]
#
# A lab (tools/lab/lab.sh): ffmpeg in PREFIX-cli sends a clip made for the
# run (lavfi testsrc2, WxH, default 640x480, N seconds at 30 frames/s,
# default 20; baseline JPEG with the standard Huffman tables and 4:2:0 as
# RFC 2435 asks) with
#   ffmpeg -re -framerate 30 -i clip.mjpeg -c:v copy -f rtp rtp://10.77.0.2:5004
# to each receiver in turn, in PREFIX-app on veth-app (10.77.0.2):
#   spindle none     the hosted spindle (pcap port), `extension video-client
#                    port=5004 display=none`: receive, reassemble, decode
#                    (libjpeg-turbo), count
#   spindle y4m      display=FILE.y4m: the same, frames written to a file
#   spindle window   display=window under SDL_VIDEODRIVER=dummy
#   ffplay           SDL_VIDEODRIVER=dummy ffplay on an SDP file for the
#                    stream (Linux's UDP socket, ffmpeg's MJPEG decoder,
#                    SDL display), the address put on veth-app for its turn
# Each receiver starts first; its utime + stime (/proc/PID/stat, every
# thread) is read when the sender starts and 0.5 s after it ends, divided
# by that wall time: percent of one core per stream. spindle's frames shown
# and dropped come from its --stats-json, ffplay's late-frame drops from its
# status line. Prints a table and each client's ratio to ffplay; writes
# DIR/video-client-cpu.json and .png (default DIR: BUILD_DIR/video-bench).
# As root; BUILD_DIR a build without sanitizers (meson setup build).
set -euo pipefail
PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
PY=/usr/bin/python3

usage() { sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
[ $# -ge 1 ] || usage
BUILD=$(readlink -f "$1")
shift
SECONDS_RUN=20
SIZE=640x480
OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECONDS_RUN=${2:?}; shift 2 ;;
	--size) SIZE=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
[[ "$SECONDS_RUN" =~ ^[0-9]+$ ]] && [ "$SECONDS_RUN" -ge 2 ] && [ "$SECONDS_RUN" -le 120 ] ||
	{ echo "$PROG: --seconds must be 2..120" >&2; exit 2; }
[[ "$SIZE" =~ ^[0-9]+x[0-9]+$ ]] || { echo "$PROG: --size must be WxH" >&2; exit 2; }
[ -n "$OUT" ] || OUT=$BUILD/video-bench
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
SPINDLE=$BUILD/apps/spindle
[ "$(id -u)" = 0 ] || { echo "$PROG: run as root (namespaces)" >&2; exit 2; }
[ -x "$SPINDLE" ] || { echo "$PROG: no $SPINDLE (meson setup build && ninja -C build)" >&2; exit 2; }
for c in ffmpeg ffplay ip; do
	command -v "$c" >/dev/null || { echo "$PROG: missing $c (tools/setup.sh)" >&2; exit 2; }
done
if nm -D "$SPINDLE" 2>/dev/null | grep -q __asan_init || ldd "$SPINDLE" | grep -q libasan; then
	echo "$PROG: $SPINDLE is a sanitizer build; its CPU figures mean nothing" >&2
	exit 2
fi

P=vbench$$
FRAMES=$((SECONDS_RUN * 30))
CLK_TCK=$(getconf CLK_TCK)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-video-bench.XXXXXX")
RPID=
cleanup() {
	if [ -n "$RPID" ]; then kill -TERM "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; fi
	"$LAB" down "$P" >/dev/null 2>&1 || true
	if [ -n "${SPINDLE_BENCH_KEEP:-}" ]; then echo "$PROG: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$LAB" up "$P" >/dev/null
echo "== clip: testsrc2 $SIZE, $FRAMES frames at 30/s, MJPEG (standard Huffman tables, 4:2:0)"
ffmpeg -hide_banner -loglevel error -nostdin -f lavfi -i "testsrc2=size=$SIZE:rate=30" \
	-frames:v "$FRAMES" -c:v mjpeg -huffman default -pix_fmt yuvj420p -q:v 4 "$TMP/clip.mjpeg"
echo "   $(stat -c %s "$TMP/clip.mjpeg") bytes"

# The session ffplay reads: RTP/AVP payload type 26, JPEG (RFC 3551 table 5),
# on port 5004 of the receiver (RFC 4566 c= and m= lines).
cat >"$TMP/stream.sdp" <<EOF
v=0
o=- 0 0 IN IP4 10.77.0.1
s=spindle video bench
c=IN IP4 10.77.0.2
t=0 0
m=video 5004 RTP/AVP 26
EOF

ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# measure NAME: the receiver $RPID runs; send the clip, print "NAME cpu% wall".
measure() {
	local t0 c0 t1 c1
	sleep 1.5
	kill -0 "$RPID" 2>/dev/null || { echo "$PROG: $1 did not start" >&2; cat "$TMP/$1.log" >&2; exit 1; }
	t0=$EPOCHREALTIME c0=$(ticks "$RPID")
	ip netns exec "$P-cli" timeout $((SECONDS_RUN * 3 + 10)) ffmpeg -hide_banner -loglevel error \
		-nostdin -re -framerate 30 -i "$TMP/clip.mjpeg" -c:v copy -f rtp "rtp://10.77.0.2:5004" \
		>"$TMP/$1.sdp" 2>"$TMP/$1.sender" || { echo "$PROG: the sender failed" >&2; cat "$TMP/$1.sender" >&2; exit 1; }
	sleep 0.5
	t1=$EPOCHREALTIME c1=$(ticks "$RPID")
	awk -v n="$1" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" \
		'BEGIN { printf "%s %.2f %.2f\n", n, 100 * (c1 - c0) / hz / (t1 - t0), t1 - t0 }' \
		>>"$TMP/results"
}

: >"$TMP/results"
for display in none y4m window; do
	name=spindle-$display
	spec=$display
	[ "$display" = y4m ] && spec=$TMP/out.y4m
	cat >"$TMP/$name.conf" <<EOF
interface eth0 driver=pcap device=veth-app mac=02:00:00:00:00:02
address eth0 10.77.0.2/24
extension video-client port=5004 display=$spec
extension udp-count port=5005
EOF
	echo "== $name"
	ip netns exec "$P-app" env SDL_VIDEODRIVER=dummy "$SPINDLE" --config "$TMP/$name.conf" \
		--stats-json "$TMP/$name.json" >"$TMP/$name.log" 2>&1 &
	RPID=$!
	measure "$name"
	kill -TERM "$RPID"
	wait "$RPID" || { echo "$PROG: spindle exited with an error" >&2; cat "$TMP/$name.log" >&2; exit 1; }
	RPID=
	rm -f "$TMP/out.y4m"
	tail -n1 "$TMP/results" | awk '{ printf "   %s %% of a core over %s s\n", $2, $3 }'
done

echo "== ffplay"
ip netns exec "$P-app" ip addr add 10.77.0.2/24 dev veth-app
ip netns exec "$P-app" env SDL_VIDEODRIVER=dummy ffplay -hide_banner -loglevel info -stats -an -sn \
	-protocol_whitelist file,udp,rtp -i "$TMP/stream.sdp" >"$TMP/ffplay.log" 2>&1 &
RPID=$!
measure ffplay
kill -TERM "$RPID"
wait "$RPID" 2>/dev/null || true
RPID=
tail -n1 "$TMP/results" | awk '{ printf "   %s %% of a core over %s s\n", $2, $3 }'
# ffplay's status line ends in "fd=N": frames dropped as late.
tr '\r' '\n' <"$TMP/ffplay.log" | sed -n 's/.*fd= *\([0-9]*\).*/\1/p' | tail -n1 >"$TMP/ffplay.fd"

mkdir -p "$OUT"
"$PY" "$HERE/report.py" --results "$TMP/results" --dir "$TMP" --frames "$FRAMES" --size "$SIZE" \
	--json "$OUT/video-client-cpu.json" --png "$OUT/video-client-cpu.png"
