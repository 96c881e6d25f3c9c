#!/usr/bin/env bash
# tests/replay-router/run.sh — replay a Linux router trace through spindle's
# router and compare, link by link, what spindle forwarded and answered with
# what the Linux router did.
#
#   run.sh SPINDLE SCENARIO [TRACES_DIR]
#
# SCENARIO: ping, traceroute, unreach-net, unreach-host, frag-needed, frag
# (tests/traces/router-SCENARIO-l1.pcap and -l2.pcap, made by
# tools/lab/capture-router-traces.sh in tools/lab/lab3.sh's lab).
# 1. Client1's frames of link 1 and client2's frames of link 2 become the
#    inputs of two pcap-file interfaces (the driver merges them by time).
# 2. spindle runs the Linux router's configuration: the same MACs and
#    addresses, link 2's MTU 1400, "extension router"; it must exit 0 (input
#    consumed, no buffer leaked).
# 3. check.py: per link, compare.py's field-by-field comparison; forwarded
#    datagrams byte-identical to Linux's; each frame sent after the same
#    client frames as Linux's. stats.py: no drop counter moved.
# Exit 0 pass, 1 fail, 77 skip (no python3 with scapy).
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 SPINDLE SCENARIO [TRACES_DIR]" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
SCEN=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TRACES=${3:-$HERE/../traces}
PY=/usr/bin/python3
C1_MAC=02:00:00:00:01:01 R1_MAC=02:00:00:00:01:02
C2_MAC=02:00:00:00:02:01 R2_MAC=02:00:00:00:02:02

if ! "$PY" -c 'import scapy.all' 2>/dev/null; then
	echo "SKIP: $PY with scapy is missing (apt-get install python3-scapy)"
	exit 77
fi
[ -x "$SPINDLE" ] || { echo "FAIL: $SPINDLE is not an executable" >&2; exit 1; }
L1=$TRACES/router-$SCEN-l1.pcap
L2=$TRACES/router-$SCEN-l2.pcap
[ -f "$L1" ] && [ -f "$L2" ] || { echo "FAIL: no trace $L1 / $L2" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-replay-router-$SCEN.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$PY" "$HERE/../replay/compare.py" split "$L1" "$TMP/in1.pcap" --src-mac "$C1_MAC"
"$PY" "$HERE/../replay/compare.py" split "$L2" "$TMP/in2.pcap" --src-mac "$C2_MAC"

cat >"$TMP/router.conf" <<CONF
# $SCEN replay: the Linux router of tools/lab/lab3.sh on two pcap-file ports
interface eth0 driver=pcap-file in=$TMP/in1.pcap out=$TMP/out1.pcap mac=$R1_MAC
interface eth1 driver=pcap-file in=$TMP/in2.pcap out=$TMP/out2.pcap mac=$R2_MAC mtu=1400
address eth0 10.81.1.1/24
address eth1 10.81.2.1/24
extension router ${ROUTER_PARAMS:-}
CONF

echo "== spindle --config $TMP/router.conf"
rc=0
timeout 120 "$SPINDLE" --config "$TMP/router.conf" --stats-json "$TMP/stats.json" \
	>"$TMP/spindle.out" 2>&1 || rc=$?
sed 's/^/   | /' "$TMP/spindle.out"
fail=0
if [ "$rc" != 0 ]; then
	echo "FAIL: spindle exited $rc"
	[ -f "$TMP/out1.pcap" ] || exit 1
	fail=1
fi
echo "== frames: spindle against the Linux router, per link"
"$PY" "$HERE/check.py" "$L1" "$L2" "$TMP/in1.pcap" "$TMP/in2.pcap" "$TMP/out1.pcap" \
	"$TMP/out2.pcap" --router-mac1 "$R1_MAC" --router-mac2 "$R2_MAC" \
	--router-ip 10.81.1.1 --router-ip 10.81.2.1 || fail=1
echo "== counters"
"$PY" "$HERE/../replay/stats.py" clean "$TMP/stats.json" || fail=1
if [ "$fail" != 0 ]; then
	echo "FAIL: router-$SCEN"
	exit 1
fi
echo "PASS: router-$SCEN"
