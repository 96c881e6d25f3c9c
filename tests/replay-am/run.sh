#!/usr/bin/env bash
# tests/replay-am/run.sh — replay a captured active-message trace through
# spindle and compare its answers with the Linux server's, field by field.
#
#   run.sh SPINDLE udp|aal5 [TRACES_DIR]
#
# TRACES_DIR/am-udp.pcap or am-aal5.pcap (tools/am/capture-trace.sh: the
# Linux tool spindle-am as requester against spindle-am serve, Linux's UDP
# stack or a packet socket, in lab namespaces):
# 1. the requester's frames (Ethernet source 02:00:00:00:00:01) become the
#    replay input;
# 2. spindle (pcap-file port, 02:00:00:00:00:02, 10.77.0.2/24, extension am
#    port=9000 and am vc=0/40) answers them; it must exit 0 (no buffer
#    leaked) within 60 s;
# 3. tests/replay/compare.py compares every frame (Ethernet, ARP, IPv4 and
#    UDP fields; AAL5 frames byte for byte) and that each answer follows the
#    request (not in time: Linux's user-level server reads a burst before it
#    answers); check-am.py decodes both sides to active messages (AAL5
#    reassembled, HEC and CRC-32 checked), compares every field, and checks
#    that spindle answered each request at once;
# 4. the endpoint counted nothing malformed, no duplicate, no epoch it did
#    not expect (every run of the tool is one new epoch).
# Exit 0 pass, 1 fail, 77 skip (no python3 with scapy).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 SPINDLE udp|aal5 [TRACES_DIR]" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
KIND=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TRACES=${3:-$HERE/../traces}
PY=/usr/bin/python3
case "$KIND" in udp|aal5) ;; *) echo "usage: $0 SPINDLE udp|aal5 [TRACES_DIR]" >&2; exit 2 ;; esac
"$PY" -c 'import scapy.all' 2>/dev/null || { echo "SKIP: $PY with scapy is missing"; exit 77; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-replay-am.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
LINUX=$TRACES/am-$KIND.pcap
"$PY" "$HERE/../replay/compare.py" split "$LINUX" "$TMP/in.pcap" --src-mac 02:00:00:00:00:01
cat >"$TMP/spindle.conf" <<CONF
interface eth0 driver=pcap-file in=$TMP/in.pcap out=$TMP/sent.pcap mac=02:00:00:00:00:02
address eth0 10.77.0.2/24
extension am port=9000
extension am vc=0/40
CONF
echo "== spindle on the requester's frames of ${LINUX##*/}"
rc=0
timeout 60 "$SPINDLE" --config "$TMP/spindle.conf" --stats-json "$TMP/stats.json" \
	>"$TMP/spindle.out" 2>&1 || rc=$?
fail=0
if [ "$rc" != 0 ]; then
	sed 's/^/   | /' "$TMP/spindle.out"
	echo "FAIL: spindle exited $rc"
	[ -f "$TMP/sent.pcap" ] || exit 1
	fail=1
fi
echo "== frames against Linux's"
"$PY" "$HERE/../replay/compare.py" compare "$LINUX" "$TMP/sent.pcap" --no-timing || fail=1
echo "== active messages against Linux's"
"$PY" "$HERE/check-am.py" "$LINUX" "$TMP/sent.pcap" --input "$TMP/in.pcap" || fail=1
echo "== counters"
"$PY" - "$TMP/stats.json" "$KIND" <<'PYEOF' || fail=1
import json, sys
import re
# an instance's counters are node "am#ID:udp-9000" (netgraph/extension.h): match without the id
n = {re.sub(r"#\d+", "", k): v for k, v in json.load(open(sys.argv[1]))["nodes"].items()}
node = "am:udp-9000" if sys.argv[2] == "udp" else "am:aal5-0-40"
c = n[node]
print("   %s: %s" % (node, {k: v for k, v in c.items() if v}))
bad = [k for k in ("malformed", "dup_answered", "dup_pending", "stale", "no_peer", "tx_errors",
                   "tx_nomem") if c.get(k)]
bad += [] if c.get("accepted") else ["accepted (0)"]
if bad:
    print("   unexpected: " + ", ".join(bad))
sys.exit(1 if bad else 0)
PYEOF
if [ "$fail" != 0 ]; then echo "FAIL: am-$KIND"; exit 1; fi
echo "PASS: am-$KIND"
