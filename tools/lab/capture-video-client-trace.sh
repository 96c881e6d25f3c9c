#!/usr/bin/env bash
# Regenerate the RTP/JPEG (RFC 2435) client traces in tests/traces/ from real
# ffmpeg traffic.
#
# A short clip is made with ffmpeg's MJPEG encoder (standard Huffman tables,
# as RFC 2435 section 3.1.9 requires; full-range 4:2:0), then ffmpeg's RTP
# muxer sends it in real time (-re) from the client
# namespace of a lab (tools/lab/lab.sh) to 10.77.0.2:5004 in the app
# namespace, where a UDP sink listens on 5004 (RTP) and 5005 (RTCP) so that
# Linux sends no ICMP port unreachables, and tcpdump records veth-app.
# Written next to the capture: the clip it carries (the JPEGs the replay
# tests compare against) and the SDP ffmpeg wrote. See tests/traces/README.md.
#
#   rtp-jpeg-client.pcap   yuvj420p (RTP/JPEG type 1), Q=255 (tables in band),
#                          sequence numbers from 65530 (the 16-bit wrap is in it)
#
# ffmpeg 5.1's packetizer refuses its own 4:2:2 MJPEG (it requires 1x1 chroma
# sampling factors in SOF0 and the encoder writes 4:2:2 otherwise), so type 0
# is covered by unit tests on libjpeg-made frames, not by a capture.
# Needs root (network namespaces, tcpdump), ffmpeg, tcpdump, socat.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB="$HERE/lab.sh"

usage() {
	echo "usage: $PROG [-o OUTDIR] [-p PREFIX]   (default OUTDIR: $ROOT/tests/traces)" >&2
	exit 2
}
OUT="$ROOT/tests/traces"
PREFIX="vct$$"
while getopts "o:p:h" opt; do
	case "$opt" in
	o) OUT=$OPTARG ;;
	p) PREFIX=$OPTARG ;;
	*) usage ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "$PROG: run as root (namespaces and tcpdump)" >&2; exit 1; }
for c in ffmpeg tcpdump socat; do
	command -v "$c" >/dev/null || { echo "$PROG: missing $c (tools/setup.sh)" >&2; exit 1; }
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

PY=/usr/bin/python3 # capture-lib.sh counts the frames with it
UPDATE_README=0     # tests/traces/README.md lists these by hand
# shellcheck source=tools/lab/capture-lib.sh
. "$HERE/capture-lib.sh"

"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
"$LAB" up "$PREFIX" >/dev/null
app ip link set veth-app arp on promisc off
app ip addr add "$APP_IP/24" dev veth-app
app ip neigh replace "$CLI_IP" lladdr "$CLI_MAC" nud permanent dev veth-app
sleep 0.3

# Sinks for RTP and RTCP: the receiver a real client would be, minus decoding.
for port in 5004 5005; do
	start_bg "sink-$port" "$LAB" exec "$PREFIX" app timeout 60 socat -u "UDP-RECV:$port,bind=$APP_IP" /dev/null
done

# make_clip NAME PIX_FMT: 10 frames of ffmpeg's test pattern, 320x240 at 30/s.
make_clip() {
	ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=30 \
		-frames:v 10 -c:v mjpeg -huffman default -pix_fmt "$2" -q:v 4 "$TMP/$1.mjpeg"
}

# send NAME SEQ_ARGS...: ffmpeg's RTP muxer sends NAME.mjpeg in real time,
# writing NAME.sdp.
send() {
	local name=$1
	shift
	cli ffmpeg -hide_banner -loglevel warning -re -framerate 30 -i "$TMP/$name.mjpeg" \
		-c:v copy -f rtp "$@" -sdp_file "$TMP/$name.sdp" \
		"rtp://$APP_IP:5004?localrtpport=40020&localrtcpport=40021"
}

make_clip rtp-jpeg-client yuvj420p
capture rtp-jpeg-client send rtp-jpeg-client -seq 65530
cp "$TMP/rtp-jpeg-client.mjpeg" "$TMP/rtp-jpeg-client.sdp" "$OUT/"
echo "   clip $(stat -c %s "$OUT/rtp-jpeg-client.mjpeg") bytes"
