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

TMP=$(mktemp -d /tmp/spindle-vtrace.XXXXXX)
BG_PIDS=()
cleanup() {
	local rc=$?
	set +e
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	"$LAB" down "$PREFIX" >/dev/null 2>&1
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

app() { "$LAB" exec "$PREFIX" app "$@"; }
cli() { timeout 30 "$LAB" exec "$PREFIX" cli "$@"; }

APP_IP=10.77.0.2
CLI_IP=10.77.0.1
CLI_MAC=02:00:00:00:00:01

"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
"$LAB" up "$PREFIX" >/dev/null
app ip link set veth-app arp on promisc off
app ip addr add "$APP_IP/24" dev veth-app
app ip neigh replace "$CLI_IP" lladdr "$CLI_MAC" nud permanent dev veth-app
sleep 0.3

# Sinks for RTP and RTCP: the receiver a real client would be, minus decoding.
for port in 5004 5005; do
	"$LAB" exec "$PREFIX" app timeout 60 socat -u "UDP-RECV:$port,bind=$APP_IP" /dev/null \
		>"$TMP/sink-$port.log" 2>&1 &
	BG_PIDS+=($!)
done

# make_clip NAME PIX_FMT: 10 frames of ffmpeg's test pattern, 320x240 at 30/s.
make_clip() {
	ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=30 \
		-frames:v 10 -c:v mjpeg -huffman default -pix_fmt "$2" -q:v 4 "$TMP/$1.mjpeg"
}

# capture NAME SEQ_ARGS...: record veth-app while ffmpeg sends NAME.mjpeg.
capture() {
	local name=$1 _; shift
	local pcap="$TMP/$name.pcap"
	cli ip neigh flush dev veth-cli 2>/dev/null || true
	"$LAB" exec "$PREFIX" app timeout 60 tcpdump -i veth-app -p -nn -U --immediate-mode \
		-s 65535 -Z root -w "$pcap" >"$TMP/tcpdump-$name.log" 2>&1 &
	local tpid=$!
	BG_PIDS+=("$tpid")
	for _ in $(seq 50); do
		grep -q 'listening on' "$TMP/tcpdump-$name.log" && break
		sleep 0.1
	done
	grep -q 'listening on' "$TMP/tcpdump-$name.log" || { echo "$PROG: tcpdump did not start" >&2; exit 1; }
	echo "== $name"
	cli ffmpeg -hide_banner -loglevel warning -re -framerate 30 -i "$TMP/$name.mjpeg" \
		-c:v copy -f rtp "$@" -sdp_file "$TMP/$name.sdp" \
		"rtp://$APP_IP:5004?localrtpport=40020&localrtcpport=40021"
	sleep 1
	kill -INT "$tpid"
	wait "$tpid" 2>/dev/null || true
	grep -q '^0 packets dropped by kernel' "$TMP/tcpdump-$name.log" ||
		{ cat "$TMP/tcpdump-$name.log" >&2; echo "$PROG: tcpdump lost frames" >&2; exit 1; }
	cp "$pcap" "$OUT/$name.pcap"
	cp "$TMP/$name.mjpeg" "$OUT/$name.mjpeg"
	cp "$TMP/$name.sdp" "$OUT/$name.sdp"
	echo "   $OUT/$name.pcap: $(stat -c %s "$pcap") bytes; clip $(stat -c %s "$TMP/$name.mjpeg") bytes"
}

make_clip rtp-jpeg-client yuvj420p
capture rtp-jpeg-client -seq 65530
