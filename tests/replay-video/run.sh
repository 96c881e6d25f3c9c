#!/usr/bin/env bash
# tests/replay-video/run.sh — an RTP/JPEG trace replayed into the hosted
# spindle's video client through the whole graph (pcap-file port, Ethernet,
# IPv4, UDP, the extension's guarded handler).
#
#   run.sh SPINDLE JPEG_I420 TRACES capture|malformed
#
# capture:   tests/traces/rtp-jpeg-client.pcap (ffmpeg sending
#            rtp-jpeg-client.mjpeg, captured) into `extension video-client
#            port=5004 display=OUT.y4m`; the file must hold the clip's ten
#            frames equal byte for byte to libjpeg-turbo's decoding of the
#            clip's JPEGs (jpeg-i420), at 30 frames/s, with nothing dropped.
# malformed: tests/traces/rtpjpeg-malformed.pcap (scapy-crafted) into
#            display=none: every bad case dropped and counted as
#            rtpjpeg-malformed.expect says, every intact frame shown.
# Both: spindle exits 0 within 60 s (input consumed, every packet buffer
# back in its pool) and check.py reads --stats-json.
# Exit 0 pass, 1 fail, 77 skip (no /usr/bin/python3).
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 SPINDLE JPEG_I420 TRACES capture|malformed" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
JPEG_I420=$(readlink -f "$2")
TRACES=$(readlink -f "$3")
CASE=$4
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: $PY is missing"; exit 77; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-replay-video.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

case "$CASE" in
capture) IN=$TRACES/rtp-jpeg-client.pcap DISPLAY_SPEC=$TMP/out.y4m ;;
malformed) IN=$TRACES/rtpjpeg-malformed.pcap DISPLAY_SPEC=none ;;
*) echo "FAIL: unknown case '$CASE'" >&2; exit 2 ;;
esac

# The address and MAC the traces were sent to (the lab's app namespace).
cat >"$TMP/spindle.conf" <<CONF
# video client replay: $CASE
interface eth0 driver=pcap-file in=$IN out=$TMP/sent.pcap mac=02:00:00:00:00:02
address eth0 10.77.0.2/24
extension video-client port=5004 display=$DISPLAY_SPEC
CONF

echo "== spindle --config $TMP/spindle.conf"
rc=0
timeout 60 "$SPINDLE" --config "$TMP/spindle.conf" --stats-json "$TMP/stats.json" \
	>"$TMP/spindle.out" 2>&1 || rc=$?
grep -E '^video-client:|^pool|spindle: (error|warn)|video-client: ' "$TMP/spindle.out" | sed 's/^/   | /' || true
fail=0
if [ "$rc" != 0 ]; then
	sed 's/^/   | /' "$TMP/spindle.out"
	echo "FAIL: spindle exited $rc (1: buffers leaked, 2: configuration, 124: timeout)"
	exit 1
fi

if [ "$CASE" = capture ]; then
	echo "== the client's frames against libjpeg-turbo's decoding of the clip"
	read -r W H N < <("$JPEG_I420" "$TRACES/rtp-jpeg-client.mjpeg" "$TMP/ref.i420")
	"$PY" "$HERE/check.py" frames "$TMP/out.y4m" "$TMP/ref.i420" "$W" "$H" "$N" 30:1 || fail=1
	echo "== counters"
	"$PY" "$HERE/check.py" clean "$TMP/stats.json" "$N" 60 || fail=1
else
	echo "== counters against rtpjpeg-malformed.expect"
	"$PY" "$HERE/check.py" malformed "$TMP/stats.json" "$TRACES/rtpjpeg-malformed.expect" || fail=1
fi
[ "$fail" = 0 ] || { echo "FAIL: $CASE"; exit 1; }
echo "PASS: $CASE"
