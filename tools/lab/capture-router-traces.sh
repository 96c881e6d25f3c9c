#!/usr/bin/env bash
# Capture the router replay traces (tests/traces/router-*.pcap) from a Linux
# router forwarding real traffic in the three-namespace lab
# (tools/lab/lab3.sh): client1 — Linux router — client2, link 2's MTU 1400.
#
# For each scenario a fresh lab; tcpdump records both router ends (veth-r1
# and veth-r2, in the router's namespace, one clock) into
#   router-SCENARIO-l1.pcap   link 1: client1's frames and the router's
#   router-SCENARIO-l2.pcap   link 2: client2's frames and the router's
# tests/replay-router/run.sh replays the clients' frames through spindle and
# compares what it sends on each link with what Linux sent.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB="$HERE/lab3.sh"
PY=/usr/bin/python3
ALL="ping traceroute unreach-net unreach-host frag-needed frag"
MTU2=1400

usage() {
	cat >&2 <<EOF
usage: $PROG [-o OUTDIR] [-p PREFIX] [SCENARIO...]
  SCENARIO: any of: $ALL (default: all)
  -o OUTDIR  where to write router-*.pcap (default: $ROOT/tests/traces)
  -p PREFIX  lab prefix (default: rtr<pid>)

Traffic (from client1 10.81.1.2 unless said; client2 is 10.81.2.2):
  ping          ping -c 2 -i 0.2 -s 56 and -s 1000 to client2
  traceroute    traceroute -n -q 1 -N 1 -w 1 -m 3 client2 (UDP; TTL 1 expires at
                the router), then ping -c 1 -t 1 client2 (ICMP, TTL 1)
  unreach-net   UDP 40100 -> 198.51.100.7:9 (no route), 1, 100 and 1400 bytes, 1.2 s apart
  unreach-host  UDP 40101 -> 10.81.2.99:9 (nobody: ARP fails), then after 4.5 s
                ping -c 1 client2
  frag-needed   ping -c 1 -M do -s 1450 (DF, 1478 > MTU 1400), UDP 40102 -> client2:9
                1450 bytes with DF, ping -c 1 -M do -s 1372 (exactly 1400)
  frag          ping -c 2 -i 0.2 -s 3000 (client1 fragments at 1500, the router again
                at 1400), UDP 40103 -> client2:9 2000 bytes (closed port)
EOF
	exit 2
}

OUT="$ROOT/tests/traces"
PREFIX="rtr$$"
while getopts "o:p:h" opt; do
	case "$opt" in
	o) OUT=$OPTARG ;;
	p) PREFIX=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
SCENARIOS=${*:-$ALL}
for s in $SCENARIOS; do
	case " $ALL " in *" $s "*) ;; *) echo "$PROG: unknown scenario '$s'" >&2; usage ;; esac
done

if [ "$(id -u)" != 0 ]; then
	echo "$PROG: needs root (tcpdump records in the router's namespace)" >&2
	exit 1
fi
for c in tcpdump ping traceroute ethtool; do
	command -v "$c" >/dev/null || { echo "$PROG: missing $c" >&2; exit 1; }
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d /tmp/spindle-router-traces.XXXXXX)
chmod 755 "$TMP"
BG=()

cleanup() {
	local rc=$? p
	set +e
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${BG[@]}"; do wait "$p" 2>/dev/null; done
	"$LAB" down "$PREFIX" >/dev/null 2>&1
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

c1() { timeout 30 "$LAB" exec "$PREFIX" c1 "$@"; }

# UDP_SEND DST DPORT SPORT SIZES [df|nodf] [GAP]: datagrams of the given sizes, GAP s
# apart (default 0.2); payload byte i = (0x41 + 3i) mod 256.
UDP_SEND='
import socket, sys, time
dst, dport, sport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sizes = [int(x) for x in sys.argv[4].split(",")]
df = len(sys.argv) > 5 and sys.argv[5] == "df"
gap = float(sys.argv[6]) if len(sys.argv) > 6 else 0.2
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.81.1.2", sport))
# IP_MTU_DISCOVER (10) = IP_PMTUDISC_PROBE (3): DF set, no local MTU check;
# else IP_PMTUDISC_DONT (0): DF clear, as the replay expects of a plain sender.
s.setsockopt(socket.IPPROTO_IP, 10, 3 if df else 0)
for n in sizes:
    s.sendto(bytes((0x41 + 3 * i) & 0xFF for i in range(n)), (dst, dport))
    time.sleep(gap)
'

start_tcpdump() { # DEV FILE
	"$LAB" exec "$PREFIX" r tcpdump -i "$1" -p -nn -U --immediate-mode -s 65535 -Z root \
		-w "$2" >"$2.log" 2>&1 &
	BG+=($!)
	local _
	for _ in $(seq 50); do
		grep -q 'listening on' "$2.log" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$2.log" >&2
	echo "$PROG: tcpdump on $1 did not start" >&2
	exit 1
}

stop_tcpdump() { # PID FILE
	kill -INT "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	grep -q '^0 packets dropped by kernel' "$2.log" ||
		{ cat "$2.log" >&2; echo "$PROG: tcpdump lost frames" >&2; exit 1; }
}

count() { # FILE: frames and bytes
	"$PY" - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
o, n = 24, 0
while o + 16 <= len(b):
    o += 16 + struct.unpack("<I", b[o + 8:o + 12])[0]
    n += 1
print("   %s: %d frames, %d bytes" % (sys.argv[1].rsplit("/", 1)[-1], n, len(b)))
EOF
}

traffic() {
	case "$1" in
	ping)
		c1 ping -n -c 2 -i 0.2 -W 1 -s 56 10.81.2.2 >/dev/null
		c1 ping -n -c 2 -i 0.2 -W 1 -s 1000 10.81.2.2 >/dev/null
		;;
	traceroute)
		c1 traceroute -n -q 1 -N 1 -w 1 -m 3 10.81.2.2 >/dev/null
		sleep 0.2
		c1 ping -n -c 1 -t 1 -W 1 10.81.2.2 >/dev/null || true # time exceeded: ping exits 1
		;;
	unreach-net)
		# 1.2 s apart: Linux answers a peer's unroutable datagrams at most
		# about once a second (ip_error's token bucket); spindle's limit is
		# looser (icmp.h) and the trace must stay within both.
		c1 "$PY" -c "$UDP_SEND" 198.51.100.7 9 40100 1,100,1400 nodf 1.2
		;;
	unreach-host)
		c1 "$PY" -c "$UDP_SEND" 10.81.2.99 9 40101 64
		sleep 4.5
		c1 ping -n -c 1 -W 1 10.81.2.2 >/dev/null
		;;
	frag-needed)
		c1 ping -n -c 1 -M do -s 1450 -W 1 10.81.2.2 >/dev/null || true # frag needed: exits 1
		sleep 0.2
		c1 "$PY" -c "$UDP_SEND" 10.81.2.2 9 40102 1450 df
		c1 ping -n -c 1 -M do -s 1372 -W 1 10.81.2.2 >/dev/null
		;;
	frag)
		c1 ping -n -c 2 -i 0.2 -W 1 -s 3000 10.81.2.2 >/dev/null
		c1 "$PY" -c "$UDP_SEND" 10.81.2.2 9 40103 2000
		;;
	esac
}

for s in $SCENARIOS; do
	"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
	"$LAB" up "$PREFIX" linux --mtu2 "$MTU2" >/dev/null
	sleep 0.3
	l1="$TMP/router-$s-l1.pcap" l2="$TMP/router-$s-l2.pcap"
	start_tcpdump veth-r1 "$l1"
	p1=${BG[-1]}
	start_tcpdump veth-r2 "$l2"
	p2=${BG[-1]}
	echo "== $s"
	traffic "$s"
	sleep 1 # late answers
	stop_tcpdump "$p1" "$l1"
	stop_tcpdump "$p2" "$l2"
	cp "$l1" "$l2" "$OUT/"
	count "$OUT/router-$s-l1.pcap"
	count "$OUT/router-$s-l2.pcap"
done
