# shellcheck shell=bash
# tools/lab/capture-lib.sh — shared by the scripts that regenerate replay
# traces from real Linux traffic (capture-traces.sh, capture-rpc-traces.sh,
# capture-video-client-trace.sh),
# sourced after they set PROG, LAB (tools/lab/lab.sh), PREFIX (the lab's
# name), OUT (where traces go), UPDATE_README and PY (a python3 with scapy).
# It makes TMP (removed at exit with the lab and every background job),
# runs commands in the lab's namespaces (app, cli), records veth-app while
# a command runs (capture) and reports the frame counts (cap_report).

TMP=$(mktemp -d "/tmp/spindle-${PROG%.sh}.XXXXXX")
chmod 755 "$TMP"
BG_PIDS=()

cleanup() {
	local rc=$?
	set +e
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	"$LAB" down "$PREFIX" >/dev/null 2>&1
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

app() { "$LAB" exec "$PREFIX" app "$@"; }
# Everything the client runs is bounded in time.
cli() { timeout 30 "$LAB" exec "$PREFIX" cli "$@"; }

APP_MAC=02:00:00:00:00:02
CLI_MAC=02:00:00:00:00:01
# shellcheck disable=SC2034 # the sourcing scripts use them
APP_IP=10.77.0.2 CLI_IP=10.77.0.1

COUNTS="$TMP/counts"
: >"$COUNTS"

# start_bg NAME CMD...: run CMD (an executable, not a function, so that $!
# is CMD itself) in the background and remember its pid.
start_bg() {
	local name=$1; shift
	"$@" >"$TMP/$name.log" 2>&1 &
	BG_PIDS+=($!)
	LAST_PID=$!
}

stop_bg() {
	# $1 pid, $2 signal
	kill "-${2:-TERM}" "$1" 2>/dev/null || true
	local _
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# wait_log FILE PATTERN: wait up to 5 s until FILE has a line matching
# PATTERN; 1 (and FILE shown) if it never does.
wait_log() {
	local _
	for _ in $(seq 50); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$1" >&2 2>/dev/null
	return 1
}

# capture NAME CMD...: record veth-app while CMD runs in the client namespace.
capture() {
	local name=$1; shift
	local pcap="$TMP/$name.pcap"
	cli ip neigh flush dev veth-cli 2>/dev/null || true
	if [ "${SPINDLE_LAB_USERNS:-}" = inner ]; then
		# tcpdump cannot drop privileges in a user namespace (setgroups is
		# denied): a small AF_PACKET recorder writes the same pcap instead.
		start_bg "tcpdump-$name" "$LAB" exec "$PREFIX" app \
			timeout 60 "$PY" -c "$PY_RECORDER" veth-app "$pcap"
	else
		start_bg "tcpdump-$name" "$LAB" exec "$PREFIX" app \
			tcpdump -i veth-app -p -nn -U --immediate-mode -s 65535 -Z root -w "$pcap"
	fi
	local tpid=$LAST_PID
	wait_log "$TMP/tcpdump-$name.log" 'listening on' || { echo "$PROG: tcpdump did not start" >&2; exit 1; }
	echo "== $name: $*"
	if ! "$@"; then
		echo "$PROG: $name: traffic command failed" >&2
		exit 1
	fi
	sleep 1        # late answers
	stop_bg "$tpid" INT
	# tcpdump's own report: nothing may have been dropped.
	if ! grep -q '^0 packets dropped by kernel' "$TMP/tcpdump-$name.log"; then
		cat "$TMP/tcpdump-$name.log" >&2
		echo "$PROG: $name: tcpdump lost frames" >&2
		exit 1
	fi
	cp "$pcap" "$OUT/$name.pcap"
	count "$OUT/$name.pcap"
}

COUNTS="$TMP/counts"
: >"$COUNTS"
count() {
	# frames, from the client, from the server (by source MAC), bytes
	local f=$1 n from_cli from_app
	read -r n from_cli from_app < <("$PY" -c "$PY_COUNT" "$f" "$CLI_MAC" "$APP_MAC")
	printf '%s %s %s %s %s\n' "$(basename "$f")" "$n" "$from_cli" "$from_app" "$(stat -c %s "$f")" >>"$COUNTS"
	printf '   %s: %d frames (%d from the client, %d from the server), %d bytes\n' \
		"$(basename "$f")" "$n" "$from_cli" "$from_app" "$(stat -c %s "$f")"
}

# Counts frames in a pcap file (no tcpdump: it cannot run in a user namespace).
PY_COUNT='
import struct, sys
b = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", b[:4])[0] == 0xa1b2c3d4, "not a little-endian usec pcap"
o, n, c, a = 24, 0, 0, 0
while o + 16 <= len(b):
    caplen = struct.unpack("<I", b[o + 8:o + 12])[0]
    src = b[o + 16 + 6:o + 16 + 12]
    n += 1
    c += src == bytes.fromhex(sys.argv[2].replace(":", ""))
    a += src == bytes.fromhex(sys.argv[3].replace(":", ""))
    o += 16 + caplen
print(n, c, a)
'

# Used only inside a user namespace (see capture()): records every frame
# seen on an interface, both directions, into a pcap file, until SIGINT.
PY_RECORDER='
import signal, socket, struct, sys, time
dev, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((dev, 0))
s.settimeout(0.2)
f = open(path, "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
stop = []
signal.signal(signal.SIGINT, lambda *a: stop.append(1))
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
print("listening on %s, link-type EN10MB (Ethernet), snapshot length 65535 bytes" % dev,
      file=sys.stderr, flush=True)
n = 0
while not stop:
    try:
        d = s.recv(65535)
    except socket.timeout:
        continue
    except InterruptedError:
        continue
    sec, ns = divmod(time.time_ns(), 1000000000)
    f.write(struct.pack("<IIII", sec, ns // 1000, len(d), len(d)) + d)
    f.flush()
    n += 1
got, drops = struct.unpack("II", s.getsockopt(263, 6, 8))
print("%d packets captured\n%d packets dropped by kernel" % (n, drops),
      file=sys.stderr, flush=True)
'

# cap_report: the frame counts of this run, printed, and written into
# OUT/README.md between its counts markers (rows of other traces kept)
# unless UPDATE_README is 0.
cap_report() {
	echo
	echo "trace                     frames  client  server   bytes"
	while read -r f n c a b; do
		printf '%-24s %7d %7d %7d %7d\n' "$f" "$n" "$c" "$a" "$b"
	done <"$COUNTS"
	local readme="$OUT/README.md"
	[ "$UPDATE_README" = 1 ] && [ -f "$readme" ] && grep -q '<!-- counts:begin -->' "$readme" || return 0
	"$PY" - "$readme" "$COUNTS" <<'EOF'
import re, sys
readme, counts = sys.argv[1], sys.argv[2]
text = open(readme).read()
m = re.search(r"<!-- counts:begin -->\n(.*?)<!-- counts:end -->", text, re.S)
rows = {}
for l in m.group(1).splitlines():
    if l.startswith("| ") and not l.startswith("| trace") and not l.startswith("|---"):
        rows[l.split("|")[1].strip()] = l
for l in open(counts):
    f, n, c, a, b = l.split()
    rows[f] = f"| {f} | {n} | {c} | {a} | {b} |"
head = "| trace | frames | from client | from server | bytes |\n|---|---:|---:|---:|---:|\n"
body = head + "\n".join(rows[k] for k in sorted(rows)) + "\n"
open(readme, "w").write(text[:m.start(1)] + body + text[m.end(1):])
EOF
	echo "updated frame counts in $readme"
}
