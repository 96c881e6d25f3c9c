#!/usr/bin/env bash
# tests/replay/run-trace.sh — replay one Linux trace through spindle and
# compare spindle's answers with Linux's, field by field.
#
#   run-trace.sh SPINDLE TRACE [TRACES_DIR]
#
# SPINDLE: the hosted program (build/apps/spindle). TRACE: arp, ping,
# udp-echo, udp-closed, sockperf or malformed (tests/traces/TRACE.pcap).
#
# 1. The client's frames (Ethernet source 02:00:00:00:00:01) of the capture
#    become the replay input (malformed: the whole of malformed.pcap, which
#    holds only client frames, one of them too short to have a source MAC).
# 2. spindle runs the lab server's configuration (examples/server.conf) on a
#    pcap-file port: in= that input, out= sent.pcap; it must exit 0 (input
#    consumed, no buffer leaked) within 120 s.
# 3. compare.py compares sent.pcap with the server's frames of the capture
#    (malformed: of malformed-linux.pcap, and make-malformed.py --check
#    against malformed.expect).
# 4. stats.py checks --stats-json: no drops on valid traffic; for malformed,
#    each bad frame in its drop counter.
# SPINDLE_ECHO_EXTENSION names the echo extension (default udp-echo; tools/dev/
# new-extension-check.sh replays through a renamed copy of it).
# Exit 0 pass, 1 fail, 77 skip (no python3 with scapy).
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 SPINDLE TRACE [TRACES_DIR]" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
TRACE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TRACES=${3:-$HERE/../traces}
PY=/usr/bin/python3
CLI_MAC=02:00:00:00:00:01
APP_MAC=02:00:00:00:00:02

if ! "$PY" -c 'import scapy.all' 2>/dev/null; then
	echo "SKIP: $PY with scapy is missing (apt-get install python3-scapy)"
	exit 77
fi
[ -x "$SPINDLE" ] || { echo "FAIL: $SPINDLE is not an executable" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-replay-$TRACE.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

case "$TRACE" in
malformed)
	LINUX=$TRACES/malformed-linux.pcap
	cp "$TRACES/malformed.pcap" "$TMP/in.pcap"
	;;
arp|ping|udp-echo|udp-closed|sockperf)
	LINUX=$TRACES/$TRACE.pcap
	"$PY" "$HERE/compare.py" split "$LINUX" "$TMP/in.pcap" --src-mac "$CLI_MAC"
	;;
*) echo "FAIL: unknown trace '$TRACE'" >&2; exit 2 ;;
esac

# The lab server (examples/server.conf) with a pcap-file port.
cat >"$TMP/spindle.conf" <<EOF
# $TRACE replay: the lab server's configuration on a pcap-file port
interface eth0 driver=pcap-file in=$TMP/in.pcap out=$TMP/sent.pcap mac=$APP_MAC
address eth0 10.77.0.2/24
extension ${SPINDLE_ECHO_EXTENSION:-udp-echo} port=7
extension udp-count
extension sockperf port=11111
EOF

echo "== spindle --config $TMP/spindle.conf"
rc=0
timeout 120 "$SPINDLE" --config "$TMP/spindle.conf" --stats-json "$TMP/stats.json" \
	>"$TMP/spindle.out" 2>&1 || rc=$?
sed 's/^/   | /' "$TMP/spindle.out"
fail=0
if [ "$rc" != 0 ]; then
	case "$rc" in
	1) why="packet buffers leaked" ;;
	2) why="usage or configuration error" ;;
	3) why="a device failed to open" ;;
	124) why="did not finish within 120 s" ;;
	*) why="crashed or sanitizer report" ;;
	esac
	echo "FAIL: spindle exited $rc ($why)"
	[ -f "$TMP/sent.pcap" ] || exit 1
	fail=1
fi

echo "== frames: spindle's sent.pcap against Linux's answers in ${LINUX##*/}"
if [ "$TRACE" = malformed ]; then
	# Timing is not compared: malformed-linux.pcap was sent at other times
	# and lacks frame 14 (too short for a packet socket).
	"$PY" "$HERE/compare.py" compare "$LINUX" "$TMP/sent.pcap" --no-timing || fail=1
	echo "== answers against malformed.expect"
	"$PY" "$TRACES/make-malformed.py" --check "$TMP/sent.pcap" "$TRACES/malformed.expect" || fail=1
	echo "== drop counters"
	[ -f "$TMP/stats.json" ] && "$PY" "$HERE/stats.py" malformed "$TMP/stats.json" \
		"$TRACES/malformed.pcap" || fail=1
else
	"$PY" "$HERE/compare.py" compare "$LINUX" "$TMP/sent.pcap" --input "$TMP/in.pcap" || fail=1
	echo "== counters"
	[ -f "$TMP/stats.json" ] && "$PY" "$HERE/stats.py" clean "$TMP/stats.json" || fail=1
fi

if [ "$fail" != 0 ]; then
	echo "FAIL: $TRACE"
	exit 1
fi
echo "PASS: $TRACE"
