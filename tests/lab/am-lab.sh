#!/usr/bin/env bash
# tests/lab/am-lab.sh — active messages between the hosted spindle and the
# Linux tool (tools/am/spindle-am) on a veth pair (tools/lab/lab.sh), over
# UDP and over the AAL5 raw path, in both directions.
#
#   am-lab.sh SPINDLE SPINDLE_AM
#
# spindle (pcap on veth-app, 02:00:00:00:00:02, 10.77.0.2/24) runs
#   extension am port=9000                 (built-in handlers synchronous)
#   extension am port=9001 mode=async      (... as strands)
#   extension am vc=0/40 mode=bounded:5000 (... inline under a 5 ms budget)
# with its console on a UNIX socket. From the client namespace, spindle-am:
#   over UDP to 9000 and 9001, and raw on VC 0/40 to 02:00:00:00:00:02:
#     ping -c 20             20 replies
#     store 65536            the sum spindle replies equals the bytes sent
#     get 65536 --check      the same bytes come back
#     get 100 -o 65500       refused (bounds): exit 1
# then the other way: spindle-am serve in the client namespace (UDP
# 10.77.0.1:9100, then raw on VC 0/40), and spindle's console installs
#   am-ping peer=10.77.0.1:9100 count=10 interval=1000 size=20000
#   am-ping mac=02:00:00:00:00:01 vc=0/40 count=10 interval=1000 size=20000
# "am-ping stats" must show 10/10 round trips and 10/10 stores each; "am
# stats" lists the three endpoints. SIGTERM: spindle exits 0 (pools full);
# its counters show no malformed message and no unreachable peer. Bounded
# (about 20 s); the lab is removed on exit.
#
# Needs root (namespaces): exit 77 otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 2 ] || { echo "usage: $0 SPINDLE SPINDLE_AM" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
AMTOOL=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
# shellcheck source=tests/lab/lib.sh
. "$HERE/lib.sh"

lab_test_init aml ip ethtool timeout
[ -x "$AMTOOL" ] || { echo "FAIL: $AMTOOL is not an executable"; exit 1; }
lab_test_up
SOCK=$TMP/console.sock
APP_MAC=02:00:00:00:00:02
CLI_MAC=02:00:00:00:00:01

cat >"$TMP/am.conf" <<EOF
# tests/lab/am-lab.sh: active-message endpoints on UDP and AAL5
interface eth0 driver=pcap device=veth-app mac=$APP_MAC
address eth0 10.77.0.2/24
extension am port=9000
extension am port=9001 mode=async
extension am vc=0/40 mode=bounded:5000
EOF
echo "== spindle --config am.conf --console unix:PATH in $P-app"
"$LAB" exec "$P" app "$SPINDLE" --config "$TMP/am.conf" --stats-json "$TMP/stats.json" \
	--console "unix:$SOCK" >"$TMP/spindle.log" 2>&1 &
SPID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$TMP/spindle.log"; echo "FAIL: spindle did not start"; exit 1; }

# console LINE...: run each line on spindle's console, print the output.
console() {
	"$PY" - "$SOCK" "$@" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
buf = b""
def upto_prompt():
    global buf
    while b"spindle> " not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError(buf)
        buf += chunk
    out, _, buf = buf.partition(b"spindle> ")
    return out.decode()
upto_prompt()
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\n")
    sys.stdout.write(upto_prompt())
EOF
}

# am ARGS...: spindle-am in the client namespace, bounded, output indented.
am() {
	cli timeout 60 "$AMTOOL" "$@" >"$TMP/am.out" 2>&1
	local rc=$?
	sed 's/^/   /' "$TMP/am.out"
	return $rc
}

for path in "udp 9000" "udp 9001" "raw"; do
	set -- $path
	if [ "$1" = udp ]; then
		to=(--udp "10.77.0.2:$2")
		what="UDP port $2"
	else
		to=(--if veth-cli --dst "$APP_MAC" --vc 0/40)
		what="raw VC 0/40"
	fi
	echo "== $what: ping -c 20"
	am "${to[@]}" ping -c 20 -i 2000 && grep -q "^20 requests, 20 replies, 0 failed" "$TMP/am.out" ||
		fail "$what: ping"
	echo "== $what: store 65536, get 65536 --check"
	am "${to[@]}" store 65536 && grep -q ": ok$" "$TMP/am.out" || fail "$what: store"
	am "${to[@]}" get 65536 --check && grep -q ": the pattern$" "$TMP/am.out" || fail "$what: get"
	echo "== $what: get 100 -o 65500 (beyond the segment: refused)"
	am "${to[@]}" get 100 -o 65500 && fail "$what: an out-of-bounds get succeeded"
	grep -q "out of range (bounds)" "$TMP/am.out" || fail "$what: no bounds refusal"
done

# serve_and_ping WHAT SERVE-ARGS -- AM-PING-PARAMS: the Linux tool serves,
# spindle's am-ping runs against it.
serve_and_ping() {
	local what=$1
	shift
	local sargs=()
	while [ "$1" != -- ]; do sargs+=("$1"); shift; done
	shift
	echo "== spindle's am-ping against spindle-am serve, $what"
	"$LAB" exec "$P" cli timeout 30 "$AMTOOL" "${sargs[@]}" serve -t 20 -I 1500 >"$TMP/serve.out" 2>&1 &
	local serve=$!
	sleep 0.5
	console "extension install am-ping $*" | sed 's/^/   /'
	local done=
	for _ in $(seq 1 100); do
		console "am-ping stats" >"$TMP/ping.out"
		grep -q ": done" "$TMP/ping.out" && { done=1; break; }
		sleep 0.1
	done
	sed 's/^/   /' "$TMP/ping.out"
	[ -n "$done" ] || fail "$what: am-ping did not finish"
	grep -q "round trips 10/10," "$TMP/ping.out" || fail "$what: not 10/10 round trips"
	grep -q "stores 10/10 of 20000 B" "$TMP/ping.out" || fail "$what: not 10/10 stores"
	local id
	id=$(console "extension list" | awk '/am-ping/ { print $1 }' | tail -1)
	console "extension remove $id" >/dev/null
	wait "$serve" # it stops by itself once idle (-I)
	grep -q "^stored_bytes 200000$" "$TMP/serve.out" || fail "$what: the Linux side did not store 200000 bytes"
}
serve_and_ping "UDP 10.77.0.1:9100" --udp 10.77.0.1:9100 -- \
	peer=10.77.0.1:9100 via=udp:9000 count=10 interval=1000 size=20000
serve_and_ping "raw VC 0/40" --if veth-cli --dst "$APP_MAC" --vc 0/40 -- \
	mac=$CLI_MAC vc=0/40 count=10 interval=1000 size=20000

echo "== am stats"
console "am stats" >"$TMP/stats.out"
sed 's/^/   /' "$TMP/stats.out"
for ep in udp:9000 udp:9001 aal5:0/40; do
	grep -q "^$ep: " "$TMP/stats.out" || fail "am stats: no $ep"
done

echo "== SIGTERM"
kill -TERM "$SPID"
spindle_wait_exit SIGTERM
grep -E "ERROR|runtime error" "$TMP/spindle.log" && fail "sanitizer report"
[ "$rc" = 0 ] || { tail -30 "$TMP/spindle.log"; fail "spindle exited $rc (1: buffers leaked)"; }
if [ -f "$TMP/stats.json" ]; then
	"$PY" - "$TMP/stats.json" <<'EOF' || fail "endpoint counters"
import json, re, sys
doc = json.load(open(sys.argv[1]))
nodes = doc.get("nodes", doc)
def node(name):
    # an instance's counters are node "am#ID:udp-9000" (netgraph/extension.h): match without the id
    strip = lambda k: re.sub(r"#\d+", "", k or "")
    for n in nodes if isinstance(nodes, list) else []:
        if strip(n.get("name")) == name:
            return n.get("counters", {})
    if isinstance(nodes, dict):
        return next((v for k, v in nodes.items() if strip(k) == name), {})
    return {}
bad = 0
for ep in ("am:udp-9000", "am:udp-9001", "am:aal5-0-40"):
    c = node(ep)
    print("   %s: rx %s, replies %s, malformed %s, unreachable %s" % (
        ep, c.get("rx"), c.get("replies"), c.get("malformed"), c.get("unreachable")))
    if not c.get("rx") or c.get("malformed") or c.get("unreachable"):
        bad = 1
sys.exit(bad)
EOF
fi
lab_test_finish "active messages, hosted, with the Linux tool as peer"
