#!/usr/bin/env bash
# tests/lab/console-lab.sh — the console installs and removes an extension
# while real traffic flows: ping and sockperf keep getting answers.
#
#   console-lab.sh SPINDLE
#
# The hosted spindle runs examples/server.conf on the lab's veth pair
# (tools/lab/lab.sh) with --console unix:PATH. For about 5 s, from the client
# namespace:
#   ping -i 0.05 -c 100                    every ping answered
#   sockperf ping-pong --time 5 -m 64      a latency summary, messages received
#   a lock-step UDP client to port 7007    every request answered exactly once:
#                                          its echo, or ICMP port unreachable
#                                          (ECONNREFUSED) when udp-echo is out
# while a console client alternates "extension install udp-echo port=7007"
# and "extension remove ID" every 0.2 s. Then 'shutdown' on the console:
# spindle exits 0 with every buffer back, and its counters show no drops.
#
# Needs root (network namespaces): exit 77 (skip) otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 SPINDLE" >&2; exit 2; }
SPINDLE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
# shellcheck source=tests/lab/lib.sh
. "$HERE/lib.sh"

lab_test_init spc ip ethtool ping sockperf timeout
SOCK=$TMP/console.sock
lab_test_up
console_up() { [ -S "$SOCK" ]; }
echo "== spindle --config examples/server.conf --console unix:PATH in $P-app"
spindle_start console_up " its console" --console "unix:$SOCK"

# The lock-step UDP client: one request at a time, each answered or refused.
cat >"$TMP/lockstep.py" <<'EOF'
import socket, sys, time
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((host, port))
s.settimeout(1.0)
echoed = refused = lost = wrong = 0
end = time.monotonic() + seconds
i = 0
while time.monotonic() < end:
    want = b"req %d" % i
    s.send(want)
    try:
        got = s.recv(2048)
        if got == want:
            echoed += 1
        else:
            wrong += 1
            print("request %d: got %r" % (i, got))
    except ConnectionRefusedError:
        refused += 1
    except socket.timeout:
        lost += 1
        print("request %d: no answer within 1 s" % i)
    i += 1
    time.sleep(0.08)  # below ICMP's error rate limit (10 per second, RFC 1812 4.3.2.8)
# a duplicate answer would arrive now
s.settimeout(0.5)
try:
    while True:
        got = s.recv(2048)
        wrong += 1
        print("late or duplicate answer %r" % got)
except (socket.timeout, ConnectionRefusedError):
    pass
print("requests %d echoed %d refused %d lost %d wrong %d" % (i, echoed, refused, lost, wrong))
sys.exit(0 if i > 0 and lost == 0 and wrong == 0 and echoed > 0 and refused > 0 else 1)
EOF

# The operator: udp-echo on 7007 in and out every 0.2 s.
cat >"$TMP/toggler.py" <<'EOF'
import re, socket, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.settimeout(5)
buf = b""
def answer(line=None):
    global buf
    if line is not None:
        s.sendall(line.encode() + b"\n")
    while b"spindle> " not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError(buf)
        buf += chunk
    out, _, buf = buf.partition(b"spindle> ")
    return out.decode()
answer()
installs = removes = errors = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    out = answer("extension install udp-echo port=7007")
    m = re.match(r"extension (\d+) installed: udp-echo port=7007\n$", out)
    if not m:
        errors += 1
        print("install:", out)
        break
    installs += 1
    time.sleep(0.2)
    out = answer("extension remove " + m.group(1))
    if out != "extension %s removed: udp-echo\n" % m.group(1):
        errors += 1
        print("remove:", out)
        break
    removes += 1
    time.sleep(0.2)
print("installs %d removes %d errors %d" % (installs, removes, errors))
print(answer("show counters icmp"), end="")
s.close()
sys.exit(0 if errors == 0 and installs >= 10 and removes >= 10 else 1)
EOF

echo "== 5 s of ping, sockperf and UDP to 7007 while the console installs and removes udp-echo"
cli timeout 30 ping -n -i 0.05 -c 100 -W 1 10.77.0.2 >"$TMP/ping.out" 2>&1 &
PING=$!
cli timeout 30 sockperf ping-pong -i 10.77.0.2 -p 11111 --time 5 -m 64 >"$TMP/sockperf.out" 2>&1 &
SOCKPERF=$!
cli timeout 30 "$PY" "$TMP/lockstep.py" 10.77.0.2 7007 5 >"$TMP/lockstep.out" 2>&1 &
LOCKSTEP=$!
timeout 30 "$PY" "$TMP/toggler.py" "$SOCK" 5 >"$TMP/toggler.out" 2>&1
TOGGLER_RC=$?
wait "$PING"; PING_RC=$?
wait "$SOCKPERF"
wait "$LOCKSTEP"; LOCKSTEP_RC=$?

echo "-- console"
sed 's/^/   /' "$TMP/toggler.out"
[ "$TOGGLER_RC" = 0 ] || fail "console: install/remove did not alternate cleanly"
echo "-- ping"
tail -2 "$TMP/ping.out" | sed 's/^/   /'
{ [ "$PING_RC" = 0 ] && grep -q " 100 received, 0% packet loss" "$TMP/ping.out"; } ||
	fail "ping: not every request answered"
echo "-- sockperf"
grep -E "Summary|percentile (50|99)\.000|No messages|ERROR" "$TMP/sockperf.out" | sed 's/^/   /'
if grep -q "No messages were received" "$TMP/sockperf.out" ||
	! grep -q "Summary: Latency is" "$TMP/sockperf.out"; then
	tail -20 "$TMP/sockperf.out" | sed 's/^/   | /'
	fail "sockperf: no answers"
fi
echo "-- UDP 7007"
sed 's/^/   /' "$TMP/lockstep.out"
[ "$LOCKSTEP_RC" = 0 ] || fail "UDP 7007: a request was lost, duplicated, or one state was never seen"

echo "== shutdown on the console"
printf 'shutdown\n' | timeout 10 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.settimeout(5)
s.sendall(b"shutdown\n")
out = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    out += chunk
sys.exit(0 if out.endswith(b"shutting down\n") else 1)' "$SOCK" || fail "console shutdown not acknowledged"
spindle_wait_exit "'shutdown'"
grep -E "ERROR|runtime error" "$TMP/spindle.log" && fail "sanitizer report"
grep -q "stopping on the console's shutdown command" "$TMP/spindle.log" || fail "no console shutdown in the log"
[ "$rc" = 0 ] || { sed -n '/--- node counters/,$p' "$TMP/spindle.log" | sed 's/^/   | /'; fail "spindle exited $rc (1: buffers leaked)"; }
if [ -f "$TMP/stats.json" ]; then
	"$PY" "$ROOT/tests/replay/stats.py" clean "$TMP/stats.json" || fail "drop counters or pools"
else
	fail "no stats JSON written"
fi

lab_test_finish "console lab"
