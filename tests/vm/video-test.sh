#!/usr/bin/env bash
# tests/vm/video-test.sh — stock ffmpeg plays what spindle's video server
# streams from its disk, on the hosted target or a VM.
#
#   video-test.sh hosted SPINDLE          the hosted program on a pcap veth
#   video-test.sh vm e1000|virtio IMAGE   a VM (x86_64; Alpha with
#                                         SPINDLE_VM_LAUNCHER, as tests/vm-alpha)
#
# A lab (tools/lab/lab.sh: spindle at 10.77.0.2 on veth-app's side, the
# client namespace at 10.77.0.1) and a media archive made by
# tools/video/mkmedia (60 frames of testsrc2, 320x240, 30 fps). Three ffmpeg
# receivers in the client namespace (two unicast ports and the multicast group
# 239.77.0.1) wait on SDP files; the server starts from its configuration
#   extension video-server media=disk0 (hosted: the archive's path)
#   video play testsrc2@30.mjpeg to 10.77.0.1:5004,10.77.0.1:5006,239.77.0.1:5008
# i.e. one stream whose every packet the fan-out copies to the other two.
# Each receiver must end on the closing RTCP BYE with all 60 frames, decoding
# to the archive's pixels (framemd5). Then on the console: video list; a
# second stream to a port nobody listens on, joined by another: video sdp must
# give the lines the receivers opened; Linux answers both with ICMP port
# unreachable and the server drops both after the grace time, ending the
# stream. Shutdown: clean, every buffer back (hosted exit 0; VM status 0 and
# "buffer pools full"). Bounded: about 20 s on x86_64 TCG.
#
# Needs root (namespaces, TAP), ffmpeg, ffprobe, tar, socat, python3; skips
# (77) otherwise. SPINDLE_VM_KVM (default off), SPINDLE_VM_TARGET as in
# tests/vm/net-test.sh. Exit 0 pass, 1 fail.
set -uo pipefail

usage() { echo "usage: $0 hosted SPINDLE | vm e1000|virtio IMAGE" >&2; exit 2; }
[ $# -ge 2 ] || usage
MODE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
case "$MODE" in
hosted) [ $# -eq 2 ] || usage; SPINDLE=$(readlink -f "$2"); TAG=hosted ;;
vm) [ $# -eq 3 ] || usage; NIC=$2; IMAGE=$(readlink -f "$3")
    VM=${SPINDLE_VM_LAUNCHER:-$ROOT/tools/vm/spindle-vm}
    TAG=${SPINDLE_VM_TARGET:-x86_64}-$NIC
    case "$NIC" in e1000|virtio) ;; *) usage ;; esac ;;
*) usage ;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the video test needs root (namespaces, TAP devices)"
	exit 77
fi
for c in ffmpeg ffprobe tar socat python3 ss ip; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c (tools/setup.sh)"; exit 77; }
done
if [ "$MODE" = vm ]; then
	[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
	[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }
fi

P=vv$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-video-$TAG.XXXXXX")
SPID=
RPIDS=()
cleanup() {
	for p in "${RPIDS[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
		kill -TERM "$SPID" 2>/dev/null
		sleep 2
		kill -KILL "$SPID" 2>/dev/null
	fi
	"$LAB" down "$P" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
FAILED=()
fail() { echo "FAIL: $*"; FAILED+=("$*"); }
cli() { "$LAB" exec "$P" cli "$@"; }
LOG=$TMP/server.log
show_log() { echo "---- server"; sed 's/^/   | /' "$LOG" | tail -n 60; }

FRAMES=60 CLIP=testsrc2@30.mjpeg
"$ROOT/tools/video/mkmedia" -o "$TMP/media.tar" --testsrc --size 320x240 --fps 30 \
	--frames $FRAMES --keep "$TMP/orig" >"$TMP/mkmedia.log" 2>&1 ||
	{ cat "$TMP/mkmedia.log"; echo "FAIL: mkmedia"; exit 1; }
pixels() { ffmpeg -nostdin -v error -i "$1" -f framemd5 - | grep -v '^#' | awk '{print $NF}'; }
pixels "$TMP/orig/$CLIP" >"$TMP/orig.md5"

"$LAB" up "$P" >/dev/null || { echo "FAIL: lab up"; exit 1; }
cli ip route add 224.0.0.0/4 dev veth-cli

# sdp DEST PORT: the SDP spindle's 'video sdp' gives (apps/video-server/sdp.c)
sdp() {
	local c=$1
	case "$1" in 2[23][0-9].*) c="$1/1" ;; esac
	printf 'v=0\r\no=- 0 0 IN IP4 10.77.0.2\r\ns=%s\r\nc=IN IP4 %s\r\nt=0 0\r\na=tool:spindle\r\nm=video %s RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\na=framerate:30\r\n' \
		"$CLIP" "$c" "$2"
}

# receive NAME DEST PORT: an ffmpeg receiver in the client namespace.
receive() {
	local name=$1 port=$3 _
	sdp "$2" "$3" >"$TMP/$name.sdp"
	cli timeout 60 ffmpeg -nostdin -hide_banner -loglevel warning -y \
		-protocol_whitelist file,udp,rtp -i "$TMP/$name.sdp" -c copy -f mjpeg \
		"$TMP/$name.mjpeg" >"$TMP/$name.log" 2>&1 &
	RPIDS+=($!)
	for _ in $(seq 100); do
		cli ss -Hlun "sport = :$port" | grep -q ":$port" && return
		sleep 0.1
	done
	fail "$name: receiver not listening on $port"
}
receive uni1 10.77.0.1 5004
receive uni2 10.77.0.1 5006
receive mc 239.77.0.1 5008

MEDIA=disk0 IF="driver=${NIC:-}"
if [ "$MODE" = hosted ]; then
	MEDIA=$TMP/media.tar IF="driver=pcap device=veth-app mac=02:00:00:00:00:02"
fi
cat >"$TMP/server.conf" <<EOF
# tests/vm/video-test.sh
interface eth0 $IF
address eth0 10.77.0.2/24
route 224.0.0.0/4 dev eth0
extension video-server media=$MEDIA
video play $CLIP to 10.77.0.1:5004,10.77.0.1:5006,239.77.0.1:5008
EOF

echo "== $TAG: streaming $CLIP ($FRAMES frames) to two unicast ports and a group"
t0=$(date +%s%N)
if [ "$MODE" = hosted ]; then
	SOCK=$TMP/console.sock
	"$LAB" exec "$P" app "$SPINDLE" --config "$TMP/server.conf" --console "unix:$SOCK" \
		>"$LOG" 2>&1 &
	SPID=$!
else
	"$VM" --image "$IMAGE" --config "$TMP/server.conf" --nic "$NIC" --lab "$P" \
		--kvm "${SPINDLE_VM_KVM:-off}" --disk "$TMP/media.tar" --serial "$LOG" --timeout 150 \
		>"$TMP/vm.out" 2>&1 &
	SPID=$!
fi
for p in "${RPIDS[@]}"; do
	wait "$p" || fail "a receiver exited with status $? (no BYE within 60 s?)"
done
RPIDS=()
echo "   receivers done after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
for r in uni1 uni2 mc; do
	n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries \
		stream=nb_read_frames -of csv=p=0 "$TMP/$r.mjpeg" 2>/dev/null || echo 0)
	if [ "$n" != $FRAMES ]; then
		fail "$r: ${n:-0} of $FRAMES frames ($(tail -2 "$TMP/$r.log" | tr '\n' ' '))"
	elif ! pixels "$TMP/$r.mjpeg" | cmp -s - "$TMP/orig.md5"; then
		fail "$r: frames decode to other pixels"
	else
		echo "   $r: $n/$FRAMES frames, pixels equal to the archive's"
	fi
done

if [ "$MODE" = vm ]; then
	SOCK=$(sed -n 's/.*socket,id=con0,path=\([^,]*\),.*/\1/p' "$TMP/vm.out" | head -n1)
fi
[ -S "${SOCK:-}" ] || { fail "no console socket"; show_log; exit 1; }
con() { timeout 60 python3 "$HERE/video-console.py" "$SOCK" "$@"; }

echo "== console"
con "video list" "video play $CLIP to 10.77.0.1:5010 loop" "video join 1 10.77.0.1:5012" \
	"video sdp 1 10.77.0.1:5012" "video list" >"$TMP/con1.txt" || fail "console: no prompt"
sed 's/^/   /' "$TMP/con1.txt"
grep -q "  $CLIP  $FRAMES frames  320x240  30/1 fps  2.0 s" "$TMP/con1.txt" || fail "video list: the clip"
grep -q "^stream 1: $CLIP to 1 destination(s) from port 5000, looping" "$TMP/con1.txt" ||
	fail "video play"
grep -q "^stream 1: 10.77.0.1:5012 joined" "$TMP/con1.txt" || fail "video join"
sdp 10.77.0.1 5012 | grep -v '^o=' | tr -d '\r' >"$TMP/want.sdp"
sed -n '/^=== video sdp/,/^===/p' "$TMP/con1.txt" | grep -E '^[a-z]=' | grep -v '^o=' >"$TMP/got.sdp"
cmp -s "$TMP/want.sdp" "$TMP/got.sdp" || fail "video sdp differs from what the receivers opened"
grep -q "2 destination(s), first 10.77.0.1:5010" "$TMP/con1.txt" || fail "video list: the stream"
sleep 4 # nobody listens on 5010 or 5012: ICMP port unreachable for >= 2 s drops both
con "video list" "show counters video-server" >"$TMP/con2.txt" || fail "console: no prompt"
ctr() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/con2.txt"; }
echo "   counters: rtp_frames $(ctr rtp_frames), rtp_late $(ctr rtp_late), disk_in_place" \
	"$(ctr disk_in_place), disk_copied $(ctr disk_copied), fanout_copies $(ctr fanout_copies)" \
	"(shared payload $(ctr fanout_shared))," \
	"client_errors $(ctr client_errors), clients_dropped $(ctr clients_dropped)"
grep -q "^no streams" "$TMP/con2.txt" || fail "the unanswered stream did not end"
# the VMs' NICs gather chained buffers: every RTP copy shares its payload;
# the hosted pcap port does not: whole copies
if [ "$MODE" = vm ]; then
	[ "$(ctr fanout_shared)" -gt 0 ] || fail "no copy shared its payload (fanout_shared 0)"
else
	[ "$(ctr fanout_shared)" = 0 ] || fail "fanout_shared $(ctr fanout_shared) on a port that cannot gather"
fi
[ "$(ctr clients_dropped)" = 2 ] || fail "clients_dropped is $(ctr clients_dropped), not 2"
grep -q "dropped: ICMP port unreachable" "$LOG" || fail "no drop message in the log"

echo "== shutdown"
kill -TERM "$SPID"
rc=none
for _ in $(seq 1 200); do
	if ! kill -0 "$SPID" 2>/dev/null; then
		wait "$SPID"
		rc=$?
		break
	fi
	sleep 0.1
done
SPID=
[ "$rc" = 0 ] || fail "the server ended with status $rc (expected 0: clean, pools full)"
if [ "$MODE" = vm ]; then
	grep -q "^vm: shutdown complete, buffer pools full" "$LOG" || fail "no 'buffer pools full'"
	grep -q "EXCEPTION" "$LOG" && fail "an exception was reported"
fi

if [ ${#FAILED[@]} -ne 0 ]; then
	show_log
	echo "FAILED: ${#FAILED[@]} step(s)"
	exit 1
fi
echo "PASS: video $TAG (ffmpeg decodes $FRAMES/$FRAMES frames x 3 receivers; drops after ICMP)"
