#!/usr/bin/env bash
# Regenerate the ONC RPC replay traces tests/traces/rpc-*.pcap from real
# Linux traffic (the style of tools/lab/capture-traces.sh, whose lab it uses).
#
# The app namespace (02:00:00:00:00:02, 10.77.0.2/24) runs, in a private
# mount namespace, Debian's rpcbind (-f, with an /etc/netconfig of "udp" and
# "local" only, so that it speaks what spindle speaks: UDP over IPv4) and
# tools/rpc's rpcecho-server on UDP port 40001 (the rpcecho and lat_rpc
# programs, registered with that rpcbind). The client namespace
# (02:00:00:00:00:01, 10.77.0.1/24) runs stock rpcinfo and the rpcgen
# clients. tcpdump records on veth-app. See tests/traces/README.md.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB="$HERE/lab.sh"
PY=/usr/bin/python3
ECHO_PROG=537198593   # 0x20050001, tools/rpc/rpcecho.x
ECHO_PORT=40001
ALL="rpc-rpcinfo-dump rpc-rpcinfo-s rpc-rpcinfo-pmap rpc-rpcinfo-echo rpc-echo-client rpc-latrpc rpc-pmap-probe rpc-malformed-linux"

usage() {
	cat >&2 <<EOF
usage: $PROG [-o OUTDIR] [-p PREFIX] [-b BUILDDIR] [-n] [TRACE...]
  TRACE: any of: $ALL (default: all)
  -o OUTDIR    where to write the traces (default: $ROOT/tests/traces)
  -p PREFIX    lab name prefix (default: rpc<pid>)
  -b BUILDDIR  where tools/rpc was built (default: $ROOT/build-test)
  -n           do not update the frame counts in OUTDIR/README.md

Traces (client commands; HOST is 10.77.0.2):
  rpc-rpcinfo-dump     rpcinfo -T udp HOST                      (rpcbind v3 DUMP)
  rpc-rpcinfo-s        rpcinfo -T udp -s HOST                   (v3 DUMP, short listing)
  rpc-rpcinfo-pmap     rpcinfo -u HOST 100000 2                 (v4 GETADDR, NULL)
  rpc-rpcinfo-echo     rpcinfo -u HOST $ECHO_PROG 1, then without a version,
                       then version 2                           (GETADDR, NULL, PROG_MISMATCH)
  rpc-echo-client      rpcecho-client HOST -n 2 --size S, S = 0, 1400, 8192
  rpc-latrpc           latrpc-client HOST -n 3
  rpc-pmap-probe       well-formed portmapper calls rpcinfo does not make over UDP, one
                       at a time from port 41001 (PMAP_PROBE below): v2 NULL, GETPORT
                       (found, other version, TCP, unknown), DUMP; v3 GETADDR (found,
                       unknown, netid "tcp"); v4 GETADDR, GETVERSADDR; SET and UNSET in
                       v2, v3, v4; CALLIT, BCAST, INDIRECT; version 5; an AUTH_SYS NULL
  rpc-malformed-linux  tests/traces/rpc-malformed.pcap sent from the client; Linux's
                       answers checked against the LINUX column of rpc-malformed.expect
Needs root: rpcbind runs in a mount namespace of its own (private /run).
EOF
	exit 2
}

OUT="$ROOT/tests/traces"
PREFIX="rpc$$"
BUILD="$ROOT/build-test"
UPDATE_README=1
while getopts "o:p:b:nh" opt; do
	case "$opt" in
	o) OUT=$OPTARG ;;
	p) PREFIX=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	n) UPDATE_README=0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
TRACES=${*:-$ALL}
for t in $TRACES; do
	case " $ALL " in *" $t "*) ;; *) echo "$PROG: unknown trace '$t'" >&2; usage ;; esac
done

[ "$(id -u)" = 0 ] || { echo "$PROG: needs root (rpcbind in its own mount namespace)" >&2; exit 1; }
for c in tcpdump rpcbind rpcinfo unshare ethtool; do
	command -v "$c" >/dev/null || { echo "$PROG: missing $c (tools/setup.sh)" >&2; exit 1; }
done
RPC_BIN="$BUILD/tools/rpc"
for b in rpcecho-server rpcecho-client latrpc-client; do
	[ -x "$RPC_BIN/$b" ] || { echo "$PROG: $RPC_BIN/$b missing (ninja -C $BUILD)" >&2; exit 1; }
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# shellcheck source=tools/lab/capture-lib.sh
. "$HERE/capture-lib.sh"

# The Linux RPC side, run inside the app namespace in a private mount
# namespace: rpcbind's socket and state under a private /run, its
# netconfig limited to UDP (and the local transport rpcbind requires), the
# rpcgen server registered with it. Runs until the stop file appears.
printf 'udp        tpi_clts      v     inet     udp     -       -\nlocal      tpi_cots_ord  -     loopback  -      -       -\n' \
	>"$TMP/netconfig"
cat >"$TMP/rpc-side.sh" <<EOF
#!/bin/sh
set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/rpcbind
mount --bind "$TMP/netconfig" /etc/netconfig
rpcbind -f &
rb=\$!
for i in \$(seq 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done
"$RPC_BIN/rpcecho-server" --port $ECHO_PORT &
sv=\$!
for i in \$(seq 250); do [ -e "$TMP/stop" ] && break; sleep 0.1; done
kill \$sv; wait \$sv 2>/dev/null || true
kill \$rb; wait \$rb 2>/dev/null || true
EOF
chmod 755 "$TMP/rpc-side.sh"

# lab_up: the lab, the server's address, a permanent neighbour entry for
# the client (the server sends no ARP of its own), rpcbind and the server.
lab_up() {
	"$LAB" down "$PREFIX" >/dev/null 2>&1 || true
	"$LAB" up "$PREFIX" >/dev/null
	app ip link set veth-app arp on promisc off
	app ip addr add "$APP_IP/24" dev veth-app
	app ip neigh replace "$CLI_IP" lladdr "$CLI_MAC" nud permanent dev veth-app
	rm -f "$TMP/stop"
	start_bg rpc-side "$LAB" exec "$PREFIX" app unshare -m --propagation private "$TMP/rpc-side.sh"
	RPC_SIDE=$LAST_PID
	wait_log "$TMP/rpc-side.log" 'registered with rpcbind' ||
		{ echo "$PROG: rpcbind or rpcecho-server did not start" >&2; exit 1; }
}

lab_down() {
	touch "$TMP/stop"
	stop_bg "$RPC_SIDE"
}

# --- the traffic (client namespace) -------------------------------------------

rpcinfo_echo() {
	cli rpcinfo -u "$APP_IP" "$ECHO_PROG" 1
	cli rpcinfo -u "$APP_IP" "$ECHO_PROG"
	# version 2 is not served: rpcinfo reports it and exits 1
	if cli rpcinfo -u "$APP_IP" "$ECHO_PROG" 2; then
		echo "$PROG: rpcinfo found a version 2 of $ECHO_PROG" >&2
		return 1
	fi
}

echo_client() {
	local s
	for s in 0 1400 8192; do
		cli "$RPC_BIN/rpcecho-client" "$APP_IP" -n 2 --size "$s" | sed 's/^/   /'
	done
}

# Well-formed portmapper calls, each sent once, 300 ms for the answer.
PMAP_PROBE='
import socket, struct, sys
ECHO, XACT = 0x20050001, 404040
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 41001))
s.settimeout(0.3)
def u32(*v): return b"".join(struct.pack(">I", x) for x in v)
def st(b): b = b.encode(); return u32(len(b)) + b + b"\0" * (-len(b) % 4)
def rpcb(p, v, netid="udp"): return u32(p, v) + st(netid) + st("") + st("")
def mapping(p, v, prot): return u32(p, v, prot, 0)
sys_cred = u32(1) + st("probe") + u32(0, 0, 1, 0)
calls = [
    (2, 0, b""), (2, 3, mapping(ECHO, 1, 17)), (2, 3, mapping(ECHO, 2, 17)), (2, 3, mapping(ECHO, 1, 6)),
    (2, 3, mapping(123456, 1, 17)), (2, 4, b""), (3, 0, b""), (3, 3, rpcb(ECHO, 1)), (3, 3, rpcb(123456, 1)),
    (3, 3, rpcb(XACT, 1, "tcp")), (4, 3, rpcb(ECHO, 1)), (4, 9, rpcb(ECHO, 1)), (4, 9, rpcb(ECHO, 2)),
    (2, 1, u32(0x20000123, 1, 17, 5555)), (2, 2, mapping(ECHO, 1, 17)), (3, 1, rpcb(0x20000123, 1)),
    (3, 2, rpcb(ECHO, 1)), (4, 1, rpcb(0x20000123, 1)), (4, 2, rpcb(ECHO, 1)),
    (2, 5, u32(ECHO, 1, 0, 0)), (3, 5, u32(ECHO, 1, 0, 0)), (4, 5, u32(ECHO, 1, 0, 0)),
    (4, 10, u32(ECHO, 1, 0, 0)), (5, 0, b""),
]
answered = 0
for i, (vers, proc, args) in enumerate(calls):
    s.sendto(u32(0x50000 + i, 0, 2, 100000, vers, proc, 0, 0, 0, 0) + args, ("10.77.0.2", 111))
    try:
        s.recvfrom(65535)
        answered += 1
    except socket.timeout:
        pass
xid = 0x50000 + len(calls)
s.sendto(u32(xid, 0, 2, 100000, 2, 0, 1, len(sys_cred)) + sys_cred + u32(0, 0), ("10.77.0.2", 111))
s.recvfrom(65535)
print("   %d of %d calls answered, and the AUTH_SYS NULL" % (answered, len(calls)))
'

replay_malformed() {
	# a socket on the client's port, so its kernel does not answer replies
	# with port unreachables
	cli "$PY" -c '
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 41000))
sys.exit(subprocess.call([sys.argv[1], sys.argv[2], "--replay", "veth-cli"]))
' "$PY" "$ROOT/tests/traces/make-malformed-rpc.py"
}

for t in $TRACES; do
	lab_up
	case "$t" in
	rpc-rpcinfo-dump) capture "$t" cli rpcinfo -T udp "$APP_IP" ;;
	rpc-rpcinfo-s) capture "$t" cli rpcinfo -T udp -s "$APP_IP" ;;
	rpc-rpcinfo-pmap) capture "$t" cli rpcinfo -u "$APP_IP" 100000 2 ;;
	rpc-rpcinfo-echo) capture "$t" rpcinfo_echo ;;
	rpc-echo-client) capture "$t" echo_client ;;
	rpc-latrpc) capture "$t" cli "$RPC_BIN/latrpc-client" "$APP_IP" -n 3 ;;
	rpc-pmap-probe) capture "$t" cli "$PY" -c "$PMAP_PROBE" ;;
	rpc-malformed-linux)
		[ -f "$ROOT/tests/traces/rpc-malformed.pcap" ] || "$PY" "$ROOT/tests/traces/make-malformed-rpc.py"
		capture "$t" replay_malformed
		"$PY" "$ROOT/tests/traces/make-malformed-rpc.py" --check-linux "$OUT/$t.pcap"
		;;
	esac
	lab_down
done

cap_report
