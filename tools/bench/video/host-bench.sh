#!/usr/bin/env bash
# tools/bench/video/host-bench.sh — the Linux baseline video server on this
# host (not in a VM): CPU it uses, frames late, for N clients. A lab
# (tools/lab/lab.sh) carries the streams from its client namespace, where the
# server runs, to the app namespace, which has no address for them: the
# packets cross the veth and are dropped there without an answer (no socket,
# no ICMP), so only the sender's work is measured.
#
#   sudo tools/bench/video/host-bench.sh [-s SECONDS] [-S WxH] [-b BUILD] [CLIENTS...]
#
# Defaults: 10 s per run, 320x240 at 30 fps (testsrc2 by tools/video/mkmedia),
# clients 1 10 50 100, the server of build-rel (a release build: meson setup
# build-rel --buildtype=release). Prints one line per run and writes
# BUILD/video-host-bench.json.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
SECS=10 SIZE=320x240 BUILD=$ROOT/build-rel
while getopts "s:S:b:h" o; do
	case $o in
	s) SECS=$OPTARG ;;
	S) SIZE=$OPTARG ;;
	b) BUILD=$(cd "$OPTARG" && pwd) ;;
	*) echo "usage: $0 [-s SECONDS] [-S WxH] [-b BUILD] [CLIENTS...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
CLIENTS=${*:-1 10 50 100}
VSL=$BUILD/tools/bench/video/video-server-linux
[ "$(id -u)" = 0 ] || { echo "$0: needs root (network namespaces)" >&2; exit 1; }
[ -x "$VSL" ] || { echo "$0: build $VSL first (ninja -C $BUILD)" >&2; exit 1; }
(( SECS >= 1 && SECS <= 120 )) || { echo "$0: -s 1..120" >&2; exit 2; }

P=vbench$$
TMP=$(mktemp -d)
trap '"$LAB" down "$P" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
"$ROOT/tools/video/mkmedia" -o "$TMP/media.tar" --testsrc --size "$SIZE" --fps 30 \
	--seconds "$SECS" >/dev/null
"$LAB" up "$P" >/dev/null
# the app end takes every frame (promiscuous, no address): nothing answers
"$LAB" exec "$P" cli ip neigh replace 10.77.0.2 lladdr 02:00:00:00:00:02 nud permanent dev veth-cli

echo "host $(nproc) cores, $(uname -r); $SIZE at 30 fps, $SECS s per run"
json="["
for n in $CLIENTS; do
	timeout $((SECS + 30)) "$LAB" exec "$P" cli "$VSL" --media "$TMP/media.tar" \
		--to 10.77.0.2:20000 --clients "$n" --bind 10.77.0.1 --json "$TMP/$n.json" \
		>"$TMP/$n.txt" 2>/dev/null
	echo "clients $n: $(cat "$TMP/$n.txt")"
	json+="$(cat "$TMP/$n.json"),"
done
echo "${json%,}]" >"$BUILD/video-host-bench.json"
echo "wrote $BUILD/video-host-bench.json"
