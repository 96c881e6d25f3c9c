#!/usr/bin/env bash
# tools/aal5/capture-trace.sh — capture tests/traces/aal5-echo.pcap: the
# Linux peer (aal5-peer ping) against the hosted spindle answering with
# aal5-echo (the hosted spindle on a pcap port), recorded by tcpdump.
#
#   capture-trace.sh BUILD_DIR [OUT.pcap]      (as root)
#
# BUILD_DIR holds tools/aal5/aal5-peer and apps/spindle (e.g. build-test).
# The lab is tools/lab/lab.sh's: namespace <P>-cli with veth-cli
# 02:00:00:00:00:01 (the peer) and <P>-app with veth-app 02:00:00:00:00:02
# (spindle; tcpdump records there with a 16 MiB buffer, as a 65535-byte PDU
# is 50 frames back to back). The traffic, on VC 0/32 unless said:
#   ping -c 2 of 1, 40, 41, 100, 1500 and 9000 bytes, ping -c 1 of 65531
#   bytes (the largest spindle delivers), one 100-byte PDU on VC 0/33 and
#   one of 65535 bytes on 0/32 (neither answered: no echo on 0/33; 65535
#   is over spindle's limit).
# Fails if a ping loses an answer, tcpdump drops a frame or the responder
# leaks a buffer. Bounded: every command runs under timeout.
set -euo pipefail
PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $PROG BUILD_DIR [OUT.pcap]" >&2; exit 2; }
BUILD=$(readlink -f "$1")
OUT=$(readlink -f "${2:-$ROOT/tests/traces/aal5-echo.pcap}")
PEER=$BUILD/tools/aal5/aal5-peer
RESP=$BUILD/apps/spindle
LAB=$ROOT/tools/lab/lab.sh
APP_MAC=02:00:00:00:00:02
PREFIX=aal5cap$$
[ "$(id -u)" = 0 ] || { echo "$PROG: run as root (namespaces, tcpdump)" >&2; exit 77; }
for x in "$PEER" "$RESP"; do [ -x "$x" ] || { echo "$PROG: $x missing: build first" >&2; exit 2; }; done
command -v tcpdump >/dev/null || { echo "$PROG: tcpdump missing (apt-get install tcpdump)" >&2; exit 2; }

TMP=$(mktemp -d)
RPID="" TPID=""
cleanup() {
	[ -n "$TPID" ] && kill -INT "$TPID" 2>/dev/null || true
	[ -n "$RPID" ] && kill -TERM "$RPID" 2>/dev/null || true
	wait 2>/dev/null || true
	"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
	[ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
"$LAB" up "$PREFIX" >/dev/null
cli() { ip netns exec "$PREFIX-cli" "$@"; }

# Started without a shell function in between, so that $! is the process
# (ip netns exec, then timeout, which passes INT and TERM on to it).
printf 'interface eth0 driver=pcap device=veth-app mac=%s\nextension aal5-echo vc=0/32\n' \
	"$APP_MAC" >"$TMP/app.conf"
ip netns exec "$PREFIX-app" timeout 120 "$RESP" --config "$TMP/app.conf" --stats-json "$TMP/stats" \
	>"$TMP/resp.log" 2>&1 &
RPID=$!
ip netns exec "$PREFIX-app" timeout 120 tcpdump -i veth-app -p -nn -U --immediate-mode -B 16384 -s 65535 -Z root -w "$TMP/t.pcap" \
	>"$TMP/tcpdump.log" 2>&1 &
TPID=$!
for _ in $(seq 50); do grep -q 'listening on' "$TMP/tcpdump.log" && break; sleep 0.1; done
grep -q 'listening on' "$TMP/tcpdump.log" || { cat "$TMP/tcpdump.log" >&2; exit 1; }
sleep 0.5 # the responder's pcap port is open by now

ping() { cli timeout 30 "$PEER" --if veth-cli --dst "$APP_MAC" "$@"; }
for s in 1 40 41 100 1500 9000; do
	ping --vc 0/32 ping -c 2 -i 100 -s "$s"
done
ping --vc 0/32 ping -c 1 -s 65531
ping --vc 0/33 ping -c 1 -s 100 -W 300 && { echo "$PROG: 0/33 was answered" >&2; exit 1; }
ping --vc 0/32 ping -c 1 -s 65535 -W 300 && { echo "$PROG: 65535 bytes were answered" >&2; exit 1; }
sleep 1

kill -INT "$TPID"; wait "$TPID" || true; TPID=""
grep -q '^0 packets dropped by kernel' "$TMP/tcpdump.log" || { cat "$TMP/tcpdump.log" >&2; echo "$PROG: tcpdump dropped frames" >&2; exit 1; }
kill -TERM "$RPID"; rc=0; wait "$RPID" || rc=$?; RPID=""
[ "$rc" = 0 ] || { cat "$TMP/resp.log" >&2; echo "$PROG: responder exited $rc" >&2; exit 1; }
python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["nodes"]
for k in ("aal5", "aal5-echo"):
    print(k, {c: v for c, v in n[k].items() if v})' "$TMP/stats"
cp "$TMP/t.pcap" "$OUT"
echo "$PROG: wrote $OUT ($(stat -c %s "$OUT") bytes)"
