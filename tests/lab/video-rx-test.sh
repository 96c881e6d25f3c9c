#!/usr/bin/env bash
# tests/lab/video-rx-test.sh VIDEO_SERVER_LINUX — ffmpeg receives and decodes
# what the video server's packetiser sends: proof that it interoperates.
#
# tools/video/mkmedia makes a media archive (60 frames of testsrc2, 320x240,
# 30 fps); video-server-linux (tools/bench/video/, built on the very
# libraries of apps/video-server/) streams it from the client namespace of a
# lab (tools/lab/lab.sh) to receivers in the app namespace (10.77.0.2):
#   1. two unicast clients at once (ports 5004 and 5006: one packetisation,
#      one copy per client, as the fan-out extension sends);
#   2. a multicast group (239.77.0.1:5008), one receiver joined.
# Each receiver is `ffmpeg -protocol_whitelist file,udp,rtp -i X.sdp -c copy
# -f mjpeg` on the SDP the server wrote (--sdp-only); the server's closing
# RTCP BYE ends it. Every receiver must get all 60 frames and they must
# decode to the same pixels as the file in the archive (framemd5).
# Needs root, ffmpeg, ffprobe and tar: skips (77) otherwise.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 VIDEO_SERVER_LINUX" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")    # lib.sh's name for the program under test
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
# shellcheck source=tests/lab/lib.sh
. "$ROOT/tests/lab/lib.sh"
lab_test_init vrx ffmpeg ffprobe tar ss
VSL=$SPINDLE
app() { "$LAB" exec "$P" app "$@"; }

FRAMES=60
"$ROOT/tools/video/mkmedia" -o "$TMP/media.tar" --testsrc --size 320x240 --fps 30 \
	--frames $FRAMES --keep "$TMP/orig" >"$TMP/mkmedia.log" 2>&1 ||
	{ cat "$TMP/mkmedia.log"; echo "FAIL: mkmedia"; exit 1; }
CLIP=testsrc2@30.mjpeg
"$VSL" --media "$TMP/media.tar" --list >"$TMP/list.txt" ||
	{ cat "$TMP/list.txt"; echo "FAIL: the server refuses mkmedia's archive"; exit 1; }
grep -q "^$CLIP: $FRAMES frames at 30/1 fps, 320x240, RFC 2435 type 1" "$TMP/list.txt" ||
	fail "--list: $(cat "$TMP/list.txt")"

lab_test_up
app ip link set veth-app arp on promisc off
app ip addr add 10.77.0.2/24 dev veth-app
# multicast leaves and arrives through the lab's link
cli ip route add 224.0.0.0/4 dev veth-cli
app ip route add 224.0.0.0/4 dev veth-app

pixels() { ffmpeg -nostdin -v error -i "$1" -f framemd5 - | grep -v '^#' | awk '{print $NF}'; }
pixels "$TMP/orig/$CLIP" >"$TMP/orig.md5"

# receive NAME DEST:PORT: an ffmpeg receiver in the app namespace on the SDP
# the server writes for DEST:PORT; sets RPIDS.
RPIDS=()
receive() {
	local name=$1 dest=$2 port=${2##*:} _
	"$VSL" --media "$TMP/media.tar" --to "$dest" --bind 10.77.0.1 --sdp "$TMP/$name.sdp" \
		--sdp-only || { fail "$name: --sdp-only"; return; }
	"$LAB" exec "$P" app timeout 60 ffmpeg -nostdin -hide_banner -loglevel warning -y \
		-protocol_whitelist file,udp,rtp -i "$TMP/$name.sdp" -c copy -f mjpeg \
		"$TMP/$name.mjpeg" >"$TMP/$name.log" 2>&1 &
	RPIDS+=($!)
	for _ in $(seq 100); do
		app ss -Hlun "sport = :$port" | grep -q ":$port" && return
		sleep 0.1
	done
	fail "$name: receiver not listening on $port"
}

# check NAME: the receiver ended by itself and decoded every frame alike.
check() {
	local name=$1 n
	n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries \
		stream=nb_read_frames -of csv=p=0 "$TMP/$name.mjpeg" 2>/dev/null || echo 0)
	[ "$n" = $FRAMES ] || { fail "$name: $n of $FRAMES frames ($(tail -3 "$TMP/$name.log"))"; return; }
	pixels "$TMP/$name.mjpeg" | cmp -s - "$TMP/orig.md5" || fail "$name: frames decode differently"
}

wait_receivers() {
	local p
	for p in "${RPIDS[@]}"; do
		wait "$p" || fail "receiver $p exited $?"
	done
	RPIDS=()
}

echo "== unicast, two clients"
receive uni1 10.77.0.2:5004
receive uni2 10.77.0.2:5006
cli timeout 30 "$VSL" --media "$TMP/media.tar" --file "$CLIP" --to 10.77.0.2:5004 --clients 2 \
	--bind 10.77.0.1:40000 --cname "vsl@10.77.0.1" --json "$TMP/uni.json" | tee "$TMP/uni.txt" ||
	fail "unicast: server exit status"
wait_receivers
check uni1
check uni2
grep -q "^frames $FRAMES .* clients 2$" "$TMP/uni.txt" || fail "unicast report: $(cat "$TMP/uni.txt")"

echo "== multicast 239.77.0.1:5008"
receive mc 239.77.0.1:5008
cli timeout 30 "$VSL" --media "$TMP/media.tar" --to 239.77.0.1:5008 --bind 10.77.0.1 \
	--ttl 1 | tee "$TMP/mc.txt" || fail "multicast: server exit status"
wait_receivers
check mc
grep -q "c=IN IP4 239.77.0.1/1" "$TMP/mc.sdp" || fail "multicast SDP: $(cat "$TMP/mc.sdp")"

lab_test_finish "video-rx (ffmpeg decodes $FRAMES/$FRAMES frames, unicast x2 and multicast)"
