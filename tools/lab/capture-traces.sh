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

# shellcheck source=tools/lab/capture-lib.sh
. "$HERE/capture-lib.sh"

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

cap_report
