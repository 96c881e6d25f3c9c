#!/bin/sh
# apps/spindle/test-cli.sh — command-line tests of the hosted spindle program:
# usage, exit statuses (0 ok, 2 configuration error with FILE:LINE:COL, 3 a
# device failed), stopping on SIGTERM, a pcap-file replay that ends by itself,
# and the --stats-json / --dot outputs. Usage: test-cli.sh PATH/TO/spindle
set -u
SPINDLE=$1
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }

# expect NAME STATUS GREP-PATTERN -- ARGS: run spindle (bounded), check status and stderr.
expect() {
    name=$1 want=$2 pattern=$3
    shift 4
    timeout -s KILL 20 "$SPINDLE" "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name: exit $got, expected $want"; sed 's/^/    /' "$T/err"; return
    fi
    if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$T/err" "$T/out"; then
        bad "$name: output lacks '$pattern'"; sed 's/^/    /' "$T/err"; return
    fi
    ok "$name"
}

expect "help" 0 "usage: spindle" -- --help
expect "no arguments" 2 "--config FILE is required" --
expect "unknown option" 2 "usage" -- --bogus
expect "missing config file" 2 "$T/none.conf" -- --config "$T/none.conf"
expect "bad --pool" 2 "--pool" -- --config /dev/null --pool 0

printf 'interface eth0 driver=loop\n  frobnicate eth0\n' >"$T/kw.conf"
expect "unknown keyword names file:line:col" 2 "$T/kw.conf:2:3: unknown keyword 'frobnicate'" -- --config "$T/kw.conf"

printf '# two\n\ninterface eth0 driver=warp mac=02:00:00:00:00:01\n' >"$T/drv.conf"
expect "unknown driver points at driver=" 2 "$T/drv.conf:3:16: interface eth0: unknown driver 'warp'" -- --config "$T/drv.conf"

printf 'interface eth0 driver=loop\nextension no-such-thing\n' >"$T/ext.conf"
expect "unknown extension lists the known ones" 2 "$T/ext.conf:2:11: unknown extension 'no-such-thing' (known: .*udp-echo" -- --config "$T/ext.conf"

printf 'interface eth0 driver=pcap device=spindle-nodev0\n' >"$T/dev.conf"
expect "missing device exits 3" 3 "$T/dev.conf:1:11: .*spindle-nodev0" -- --config "$T/dev.conf"

# Three loop interfaces, the third naming a peer already joined: refused with
# file:line:col (a cable has two ends), exit 2, and nothing read after free.
printf 'interface a driver=loop\ninterface b driver=loop peer=a\ninterface c driver=loop peer=b\n' >"$T/chain.conf"
expect "loop chain is a configuration error" 2 "$T/chain.conf:3:.*peer b is already joined to a" -- --config "$T/chain.conf"
printf 'interface a driver=loop\ninterface b driver=loop peer=a\nextension udp-echo port=0\n' >"$T/pair.conf"
expect "loop pair then a configuration error exits 2" 2 "$T/pair.conf:3:" -- --config "$T/pair.conf"

# A loop appliance runs until SIGTERM, then reports and writes JSON and DOT.
cat >"$T/loop.conf" <<'CONF'
interface eth0 driver=loop mac=02:00:00:00:00:02   # a comment
address eth0 10.77.0.2/24
route 0.0.0.0/0 via 10.77.0.1
extension udp-echo port=7
extension udp-count port="5000"
CONF
# Signal spindle itself (not a timeout wrapper, which would signal the group twice).
"$SPINDLE" --config "$T/loop.conf" --stats-json "$T/stats.json" --dot "$T/graph.dot" \
    --log warn >"$T/out" 2>"$T/err" &
pid=$!
sleep 0.5
kill -TERM $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL $pid 2>/dev/null
wait $pid
st=$?
if [ $st -eq 0 ] && grep -q "pool default: count=4096 out=0" "$T/err" && grep -q "^eth0: rx_frames=0" "$T/err"; then
    ok "SIGTERM stops the loop, exit 0, summary on stderr"
else
    bad "SIGTERM run: exit $st"; sed 's/^/    /' "$T/err"
fi
if /usr/bin/python3 - "$T/stats.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"nodes", "pools", "events"}, d.keys()
assert d["nodes"]["eth0"]["rx_frames"] == 0
assert any(p["name"] == "default" and p["out"] == 0 and p["count"] == 4096 for p in d["pools"])
assert any(e["name"] == "dev.PacketArrived" and e["handlers"] >= 1 for e in d["events"])
PY
then ok "--stats-json is valid JSON of the documented shape"; else bad "--stats-json"; fi
if grep -q '^digraph spindle {' "$T/graph.dot" && grep -q 'dev.PacketArrived' "$T/graph.dot" \
    && grep -q 'shape=house, label="eth0' "$T/graph.dot" && tail -n1 "$T/graph.dot" | grep -q '^}$'; then
    ok "--dot writes the graph"
else
    bad "--dot"; sed 's/^/    /' "$T/graph.dot"
fi

# A pcap-file replay ends by itself when the trace is consumed.
if [ -f "$SRCDIR/tests/traces/malformed.pcap" ]; then
    printf 'interface eth0 driver=pcap-file in="%s" out="%s" mac=02:00:00:00:00:02\naddress eth0 10.77.0.2/24\n' \
        "$SRCDIR/tests/traces/malformed.pcap" "$T/sent.pcap" >"$T/replay.conf"
    expect "pcap-file replay ends by itself with exit 0" 0 "pool default: count=64 out=0" -- \
        --config "$T/replay.conf" --pool 64 --log warn
else
    echo "ok - pcap-file replay # SKIP no tests/traces/malformed.pcap"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
