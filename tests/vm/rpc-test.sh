#!/usr/bin/env bash
# tests/vm/rpc-test.sh — ONC RPC on a spindle VM, called by stock Linux
# tools from a lab namespace (the hosted spindle's scenario,
# tests/lab/rpc/rpc-lab.sh, against the VM kernel).
#
#   rpc-test.sh e1000|virtio IMAGE RPCBIN     (RPCBIN: build folder of tools/rpc)
#
# A lab (tools/lab/lab.sh) and the VM on it (one NIC of the model, MAC
# 02:00:00:00:00:02 -- the address tests/traces/rpc-malformed.pcap is sent
# to -- 10.77.0.2/24) running the portmapper, rpc-echo (async), rpc-latrpc
# (bounded) and rpc-stats (sync). From the client namespace (10.77.0.1):
#   rpcinfo -T udp, rpcinfo -T udp -s     the portmapper v2-4 and the programs
#   rpcinfo -u HOST PROG VERS             ready and waiting
#   rpcecho-client 0, 1400, 8192 B        every answer right (8192: fragmented)
#   latrpc-client, spstats-client         123 back; the VM's counters by RPC
#   rpc-malformed.pcap replayed           the answers of the expectation's
#                                         SPINDLE column (frame 31: lat_rpc is
#                                         on its own port: PROG_UNAVAIL)
#   "rpc stats" typed on the console      the endpoints and their counters
# then SIGTERM to the launcher ("shutdown" on the console): the VM halts
# with status 0 and every buffer back in its pool. No rpcbind runs and
# nothing uses the host's port 111 (all of it is inside the lab's
# namespaces). About 20-30 s under TCG.
#
# SPINDLE_VM_LAUNCHER and SPINDLE_VM_TARGET as in tests/vm/net-test.sh (the
# Alpha wrapper tests/vm-alpha/rpc-test.sh sets them); SPINDLE_VM_KVM
# (default auto). Needs root: exit 77 otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 3 ] || { echo "usage: $0 e1000|virtio IMAGE RPCBIN" >&2; exit 2; }
NIC=$1
IMAGE=$(readlink -f "$2")
RPCBIN=$(readlink -f "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
VM=${SPINDLE_VM_LAUNCHER:-$ROOT/tools/vm/spindle-vm}
TARGET=${SPINDLE_VM_TARGET:-x86_64}
KVM=${SPINDLE_VM_KVM:-auto}
PY=/usr/bin/python3
H=10.77.0.2
ECHO=537198593 STATS=537198594 XACT=404040

case "$NIC" in e1000|virtio) ;; *) echo "usage: $0 e1000|virtio IMAGE RPCBIN" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the VM RPC test needs root (namespaces, TAP devices)"
	exit 77
fi
for c in ip ethtool rpcinfo tcpdump socat timeout ping; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
for b in rpcecho-client latrpc-client spstats-client; do
	[ -x "$RPCBIN/$b" ] || { echo "SKIP: $RPCBIN/$b missing (rpcgen and libtirpc-dev: tools/setup.sh)"; exit 77; }
done
"$PY" -c 'import scapy' 2>/dev/null || { echo "SKIP: python3-scapy missing"; exit 77; }
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

# shellcheck source=tests/vm/lib.sh
. "$ROOT/tests/vm/lib.sh"
vm_test_setup "vr${NIC:0:1}$$" vmrpc
die_vm() {
	fail "$*"
	show_logs
	exit 1
}
step() {
	local label=$1 pat=$2 out
	shift 2
	echo "== $label"
	out=$(cli timeout 30 "$@" 2>&1)
	echo "$out" | sed 's/^/   /'
	echo "$out" | grep -Eq -- "$pat" || fail "$label: no '$pat'"
}

"$LAB" up "$P" >/dev/null || { echo "FAIL: lab up"; exit 1; }
# the VM takes veth-app's address (the trace's server); veth-app, a port of
# the bridge to the VM's TAP, takes another so the bridge forwards to the VM
"$LAB" exec "$P" app ip link set veth-app address 02:00:00:00:00:fe ||
	{ echo "FAIL: cannot readdress veth-app"; exit 1; }
cat >"$TMP/vm.conf" <<EOF
# tests/vm/rpc-test.sh: ONC RPC served by the VM
interface eth0 driver=$NIC
address eth0 $H/24
extension portmap
extension rpc-echo mode=async
extension rpc-latrpc
extension rpc-stats mode=sync
EOF

echo "== $(basename "$VM") --nic $NIC --lab $P (portmap, rpc-echo, rpc-latrpc, rpc-stats)"
"$VM" --image "$IMAGE" --config "$TMP/vm.conf" --nic "$NIC" --lab "$P" --kvm "$KVM" \
	--mac-base 02:00:00:00:00:02 --serial "$TMP/serial.log" --timeout 150 >"$TMP/vm.out" 2>&1 &
VPID=$!
up=0
for _ in $(seq 60); do
	cli ping -n -c 1 -W 1 $H >/dev/null 2>&1 && { up=1; break; }
	kill -0 "$VPID" 2>/dev/null || break
done
[ "$up" = 1 ] || die_vm "the VM does not answer ping within 60 s"
grep -E "accelerator" "$TMP/vm.out" | sed 's/^/   /'

step "rpcinfo -T udp" "^ +$ECHO +1 +udp +0\.0\.0\.0\.156\.65 +- +superuser" rpcinfo -T udp $H
out=$(cli timeout 20 rpcinfo -T udp $H 2>&1)
for v in 4 3 2; do
	echo "$out" | grep -Eq "^ +100000 +$v +udp +0\.0\.0\.0\.0\.111 +portmapper +superuser" ||
		fail "rpcinfo -T udp: no portmapper version $v"
done
echo "$out" | grep -Eq "^ +$XACT +1 +udp +0\.0\.0\.0\.156\.66 " || fail "rpcinfo -T udp: no lat_rpc"
step "rpcinfo -T udp -s" "^ +100000 +2,3,4 +udp +portmapper +superuser" rpcinfo -T udp -s $H
step "rpcinfo -u $H $ECHO 1" "program $ECHO version 1 ready and waiting" rpcinfo -u $H $ECHO 1
step "rpcinfo -u $H $XACT 1" "program $XACT version 1 ready and waiting" rpcinfo -u $H $XACT 1
step "rpcinfo -u $H $STATS 1" "program $STATS version 1 ready and waiting" rpcinfo -u $H $STATS 1
step "rpcinfo -u $H $ECHO 2" "version 2 is not available" rpcinfo -u $H $ECHO 2
for s in 0 1400 8192; do
	step "rpcecho-client --size $s" "all answers right" "$RPCBIN/rpcecho-client" $H -n 10 --size $s
done
step "latrpc-client" "RPC_XACT: 20 calls" "$RPCBIN/latrpc-client" $H -n 20
# an instance's counters are node "CLASS#ID:PORT" (netgraph/extension.h); rpc-echo is instance 2
step "spstats-client rpc-echo#2:40001" "^rpc-echo#2:40001\.success [1-9]" "$RPCBIN/spstats-client" $H \
	rpc-echo#2:40001

echo "== malformed calls (tests/traces/rpc-malformed.pcap), answers captured on veth-cli"
cli timeout 40 tcpdump -i veth-cli -n -U -s 0 -w "$TMP/malformed.pcap" "ether src 02:00:00:00:00:02" \
	>"$TMP/tcpdump.out" 2>&1 &
DPID=$!
for _ in $(seq 50); do grep -q "listening on" "$TMP/tcpdump.out" && break; sleep 0.1; done
cli timeout 30 "$PY" -c '
import socket, subprocess, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 41000))
sys.exit(subprocess.call([sys.argv[1], sys.argv[2], "--replay", "veth-cli"]))
' "$PY" "$ROOT/tests/traces/make-malformed-rpc.py" || fail "replaying rpc-malformed.pcap"
sleep 1
kill -TERM "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
"$PY" "$ROOT/tests/traces/make-malformed-rpc.py" --check-spindle "$TMP/malformed.pcap" 31=PROG_UNAVAIL |
	tail -n 12 | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "answers to the malformed calls"
step "rpcecho-client after them" "all answers right" "$RPCBIN/rpcecho-client" $H -n 5 --size 100

echo "== 'rpc stats' on the console"
SOCK=$(sed -n 's/.*socket,id=con0,path=\([^,]*\),.*/\1/p' "$TMP/vm.out" | head -n1)
if [ -n "$SOCK" ] && [ -S "$SOCK" ]; then
	printf 'rpc stats\nshow counters\n' | timeout 3 socat -t1 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1
	sleep 1
	tr -d '\r' <"$TMP/serial.log" | sed -n '/rpc stats/,$p' | head -n 24 | sed 's/^/   /'
	tr -d '\r' <"$TMP/serial.log" | grep -q "^rpc-echo#2:40001: udp port 40001, async" ||
		fail "rpc stats: no async rpc-echo"
else
	fail "no serial console socket in the launcher's output"
fi

kill -0 "$VPID" 2>/dev/null || die_vm "the VM stopped during the exchange"
echo "== shutdown (SIGTERM to the launcher: 'shutdown' on the console)"
kill -TERM "$VPID"
rc=
for _ in $(seq 1 200); do
	if ! kill -0 "$VPID" 2>/dev/null; then
		wait "$VPID"
		rc=$?
		break
	fi
	sleep 0.1
done
VPID=
tr -d '\r' <"$TMP/serial.log" | grep -E "^(portmap|rpc-[a-z]+):[0-9]+: [a-z]" | cut -c1-160 | sed 's/^/   /'
if [ "$rc" != 0 ]; then
	fail "the VM halted with status ${rc:-none} (expected 0: clean, pools full)"
elif ! grep -q "^vm: shutdown complete, buffer pools full" "$TMP/serial.log"; then
	fail "no 'buffer pools full' at shutdown"
fi
tr -d '\r' <"$TMP/serial.log" | grep -Eq "^portmap#1:111: .* auth_badcred=[1-9]" || fail "malformed credentials not counted"
tr -d '\r' <"$TMP/serial.log" | grep -Eq "^rpc-echo#2:40001: .* queued=[1-9]" || fail "async calls not queued"
grep -q "EXCEPTION" "$TMP/serial.log" && fail "an exception was reported"

if [ ${#FAILED[@]} -ne 0 ]; then
	show_logs
	echo "FAILED: ${#FAILED[@]} step(s):"
	printf '  %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS: vm-rpc $TARGET $NIC"
