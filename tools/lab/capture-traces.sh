#!/usr/bin/env bash
# Regenerate the replay traces in tests/traces/ from real Linux traffic.
#
# A lab (tools/lab/lab.sh) whose app namespace runs a Linux server on
# veth-app (02:00:00:00:00:02, 10.77.0.2/24), standing in for spindle; the
# client namespace (02:00:00:00:00:01, 10.77.0.1/24) sends the traffic.
# tcpdump records on veth-app in the app namespace. See tests/traces/README.md.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB="$HERE/lab.sh"
PY=/usr/bin/python3          # Debian's, which has scapy
ALL="arp ping udp-echo udp-closed sockperf malformed-linux"

usage() {
	cat >&2 <<EOF
usage: $PROG [-o OUTDIR] [-p PREFIX] [-n] [TRACE...]
  TRACE: any of: $ALL (default: all)
  -o OUTDIR  where to write the traces (default: $ROOT/tests/traces)
  -p PREFIX  lab name prefix (default: trc<pid>)
  -n         do not update the frame counts in OUTDIR/README.md

Traces:
  arp              arping -c 3 10.77.0.2
  ping             ping -c 2 -i 0.2 -s S 10.77.0.2 for S in 0 56 1000 1472 3000 8000
  udp-echo         UDP 1, 100, 1400, 1472, 3000 bytes 10.77.0.1:40007 -> 10.77.0.2:7 (echo server)
  udp-closed       UDP 1, 100, 1400, 3000 bytes 10.77.0.1:40009 -> 10.77.0.2:9 (closed)
  sockperf         sockperf ping-pong -m 64, 100 msg/s for 1 s, client port 40011
  malformed-linux  tests/traces/malformed.pcap sent from the client; the Linux
                   server's answers are checked against malformed.expect
EOF
	exit 2
}

ORIG_ARGS=("$@")
OUT="$ROOT/tests/traces"
PREFIX="trc$$"
UPDATE_README=1
while getopts "o:p:nh" opt; do
	case "$opt" in
	o) OUT=$OPTARG ;;
	p) PREFIX=$OPTARG ;;
	n) UPDATE_README=0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
TRACES=${*:-$ALL}
for t in $TRACES; do
	case " $ALL " in *" $t "*) ;; *) echo "$PROG: unknown trace '$t'" >&2; usage ;; esac
done

# Not root: run the whole script inside one private user+net namespace.
if [ "$(id -u)" != 0 ]; then
	exec "$LAB" session "$0" "${ORIG_ARGS[@]}"
fi

for c in tcpdump arping ping sockperf ethtool; do
	command -v "$c" >/dev/null || { echo "$PROG: missing $c" >&2; exit 1; }
done
if ! "$PY" -c 'import scapy' 2>/dev/null; then
	echo "$PROG: $PY with scapy needed (apt-get install python3-scapy)" >&2
	exit 1
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

TMP=$(mktemp -d /tmp/spindle-traces.XXXXXX)
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
APP_IP=10.77.0.2
CLI_IP=10.77.0.1

# lab_up PERMANENT_NEIGH: the lab, plus a Linux server in the app namespace.
lab_up() {
	"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
	"$LAB" up "$PREFIX" >/dev/null
	app ip link set veth-app arp on promisc off
	app ip addr add "$APP_IP/24" dev veth-app
	if [ "$1" = yes ]; then
		# The server knows the client for good: it never sends ARP requests
		# (neither its own lookups nor unicast reachability probes).
		app ip neigh replace "$CLI_IP" lladdr "$CLI_MAC" nud permanent dev veth-app
	fi
	sleep 0.3      # let the link settle before recording
}

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

# capture NAME CMD...: record veth-app while CMD runs in the client namespace.
capture() {
	local name=$1; shift
	local pcap="$TMP/$name.pcap" _
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
	for _ in $(seq 50); do
		grep -q 'listening on' "$TMP/tcpdump-$name.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'listening on' "$TMP/tcpdump-$name.log" ||
		{ cat "$TMP/tcpdump-$name.log" >&2; echo "$PROG: tcpdump did not start" >&2; exit 1; }
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

# --- the traffic (runs in the client namespace) -------------------------------

UDP_CLIENT='
import socket, sys, time
dport, sport = int(sys.argv[1]), int(sys.argv[2])
sizes = [int(x) for x in sys.argv[3].split(",")]
want_reply = sys.argv[4] == "reply"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", sport))
s.settimeout(1.0)
bad = 0
for n in sizes:
    data = bytes((0x30 + 7 * i) & 0xFF for i in range(n))
    s.sendto(data, ("10.77.0.2", dport))
    if want_reply:
        try:
            r, a = s.recvfrom(65535)
            ok = r == data
        except socket.timeout:
            ok = False
        print("udp %d bytes -> port %d: %s" % (n, dport, "echoed" if ok else "NO ECHO"))
        bad += not ok
    time.sleep(0.2)
sys.exit(1 if bad else 0)
'

UDP_ECHO_SERVER='
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", 7))
s.settimeout(0.5)
deadline = time.monotonic() + 20
n = 0
while n < 100 and time.monotonic() < deadline:
    try:
        d, a = s.recvfrom(65535)
    except socket.timeout:
        continue
    s.sendto(d, a)
    n += 1
'

# ping_all: each size twice; -s 3000 and 8000 are fragmented both ways.
ping_all() {
	local s
	for s in 0 56 1000 1472 3000 8000; do
		cli ping -n -c 2 -i 0.2 -W 1 -w 5 -s "$s" "$APP_IP" | sed -n '/transmitted/p' | sed "s/^/   -s $s: /"
	done
}

replay_malformed() {
	# Our own socket on the client's UDP port, so the client's kernel does
	# not answer the server's echoes with port unreachables.
	cli "$PY" -c '
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 40007))
sys.exit(subprocess.call([sys.argv[1], sys.argv[2], "--replay", "veth-cli"]))
' "$PY" "$ROOT/tests/traces/make-malformed.py"
}

# --- main ----------------------------------------------------------------------

for t in $TRACES; do
	case "$t" in
	arp)
		lab_up yes
		capture arp cli arping -c 3 -w 5 -I veth-cli "$APP_IP"
		;;
	ping)
		lab_up yes
		capture ping ping_all
		;;
	udp-echo)
		lab_up yes
		start_bg udp-echo-server "$LAB" exec "$PREFIX" app timeout 25 "$PY" -c "$UDP_ECHO_SERVER"
		srv=$LAST_PID
		sleep 0.3
		capture udp-echo cli "$PY" -c "$UDP_CLIENT" 7 40007 1,100,1400,1472,3000 reply
		stop_bg "$srv"
		;;
	udp-closed)
		lab_up yes
		capture udp-closed cli "$PY" -c "$UDP_CLIENT" 9 40009 1,100,1400,3000 noreply
		;;
	sockperf)
		lab_up yes
		start_bg sockperf-server "$LAB" exec "$PREFIX" app timeout 25 sockperf server -i "$APP_IP" -p 11111
		srv=$LAST_PID
		sleep 0.5
		capture sockperf cli sockperf ping-pong -i "$APP_IP" -p 11111 --time 1 -m 64 --mps 100 --client_port 40011
		stop_bg "$srv"
		;;
	malformed-linux)
		# No permanent neighbour here: the server learns the client from the
		# trace's first frame, as the appliance must.
		[ -f "$ROOT/tests/traces/malformed.pcap" ] ||
			"$PY" "$ROOT/tests/traces/make-malformed.py"
		lab_up no
		# Reverse-path validation as distributions set it (systemd: loose, 2);
		# a new namespace has 0, with which Linux answers an echo request
		# from 10.77.0.255 with a broadcast reply (see tests/traces/README.md).
		app sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.veth-app.rp_filter=2
		start_bg udp-echo-server "$LAB" exec "$PREFIX" app timeout 25 "$PY" -c "$UDP_ECHO_SERVER"
		srv=$LAST_PID
		sleep 0.3
		capture malformed-linux replay_malformed
		stop_bg "$srv"
		"$PY" "$ROOT/tests/traces/make-malformed.py" --check "$OUT/malformed-linux.pcap" \
			"$ROOT/tests/traces/malformed.expect"
		;;
	esac
done

echo
echo "trace                 frames  client  server   bytes"
while read -r f n c a b; do
	printf '%-20s %7d %7d %7d %7d\n' "$f" "$n" "$c" "$a" "$b"
done <"$COUNTS"

# Frame counts into README.md, between the markers.
README="$OUT/README.md"
if [ "$UPDATE_README" = 1 ] && [ -f "$README" ] && grep -q '<!-- counts:begin -->' "$README"; then
	{
		echo "| trace | frames | from client | from server | bytes |"
		echo "|---|---:|---:|---:|---:|"
		while read -r f n c a b; do
			echo "| $f | $n | $c | $a | $b |"
		done <"$COUNTS"
	} >"$TMP/table"
	"$PY" - "$README" "$TMP/table" <<'EOF'
import re, sys
readme, table = sys.argv[1], open(sys.argv[2]).read().splitlines()
text = open(readme).read()
m = re.search(r"<!-- counts:begin -->\n(.*?)<!-- counts:end -->", text, re.S)
rows = {}
for l in m.group(1).splitlines():
    if l.startswith("| ") and not l.startswith("| trace") and not l.startswith("|---"):
        rows[l.split("|")[1].strip()] = l
for l in table[2:]:
    rows[l.split("|")[1].strip()] = l
body = "\n".join(table[:2] + [rows[k] for k in sorted(rows)]) + "\n"
text = text[:m.start(1)] + body + text[m.end(1):]
open(readme, "w").write(text)
EOF
	echo "updated frame counts in $README"
fi
