#!/usr/bin/env bash
# tests/vm/am-test.sh — active messages with a spindle VM, the Linux tool
# (tools/am/spindle-am) as the peer, over UDP and over the AAL5 raw path.
#
#   am-test.sh e1000|virtio IMAGE SPINDLE_AM
#
# A lab (tools/lab/lab.sh: veth-cli 10.77.0.1/24 02:00:00:00:00:01) and the
# VM (one NIC of the model, 52:54:00:00:10:00, 10.77.0.2/24) with
#   extension am port=9000                (built-in handlers synchronous)
#   extension am vc=0/40 mode=async       (... as strands)
# From the client namespace, over UDP and raw in turn:
#   spindle-am ping -c 10, store 65536, get 65536 --check
# then the VM is the requester: spindle-am serve in the client namespace and
# on the VM's console
#   extension install am-ping peer=10.77.0.1:9100 count=10 interval=1000 size=20000
#   extension install am-ping mac=02:00:00:00:00:01 vc=0/40 count=10 interval=1000 size=20000
# each must log 10/10 round trips and 10/10 stores. Then "shutdown" on the
# console: the VM halts with 0 (every buffer back in its pool). The console
# is the launcher's serial socket (its path is in the launcher's "starting
# qemu" line; tools/vm/vm-console.py). Bounded (about 15 s under TCG).
#
# SPINDLE_VM_LAUNCHER (default tools/vm/spindle-vm; the Alpha wrapper sets
# spindle-vm-alpha), SPINDLE_VM_KVM=auto|on|off (default auto).
# Needs root (namespaces, TAP): exit 77 otherwise. Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 3 ] || { echo "usage: $0 e1000|virtio IMAGE SPINDLE_AM" >&2; exit 2; }
NIC=$1
IMAGE=$(readlink -f "$2")
AMTOOL=$(readlink -f "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
VM=${SPINDLE_VM_LAUNCHER:-$ROOT/tools/vm/spindle-vm}
KVM=${SPINDLE_VM_KVM:-auto}
VM_MAC=52:54:00:00:10:00
CLI_MAC=02:00:00:00:00:01
PY=/usr/bin/python3

case "$NIC" in e1000|virtio) ;; *) echo "usage: $0 e1000|virtio IMAGE SPINDLE_AM" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then echo "SKIP: the VM test needs root (namespaces, TAP devices)"; exit 77; fi
for c in ip ethtool socat timeout; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -x "$AMTOOL" ] || { echo "SKIP: no $AMTOOL (build the host tree first)"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

# shellcheck source=tests/vm/lib.sh
. "$ROOT/tests/vm/lib.sh"
vm_test_setup amvm$$ amvm
SERVE=
vm_test_on_exit() { [ -n "$SERVE" ] && kill "$SERVE" 2>/dev/null; }

"$LAB" up "$P" >/dev/null || { echo "FAIL: lab up"; exit 1; }
cat >"$TMP/vm.conf" <<EOF
# tests/vm/am-test.sh: active-message endpoints
interface eth0 driver=$NIC
address eth0 10.77.0.2/24
extension am port=9000
extension am vc=0/40 mode=async
EOF
echo "== ${VM##*/} --nic $NIC --lab $P"
"$VM" --image "$IMAGE" --config "$TMP/vm.conf" --nic "$NIC" --lab "$P" --kvm "$KVM" \
	--mac-base "$VM_MAC" --serial "$TMP/serial.log" --timeout 120 >"$TMP/vm.out" 2>&1 &
VPID=$!
for _ in $(seq 1 600); do
	[ -f "$TMP/serial.log" ] && tr -d '\r' <"$TMP/serial.log" | grep -q '^vm: ready' && break
	kill -0 "$VPID" 2>/dev/null || break
	sleep 0.1
done
tr -d '\r' <"$TMP/serial.log" | grep -q '^vm: ready' || { show_logs; echo "FAIL: the VM did not get ready"; exit 1; }
SOCK=$(sed -n 's/.*path=\([^,]*serial\.sock\).*/\1/p' "$TMP/vm.out" | head -1)
[ -S "$SOCK" ] || { show_logs; echo "FAIL: no console socket"; exit 1; }

# console LINE: type LINE on the VM's console, print what it answers.
console() { "$PY" "$ROOT/tools/vm/vm-console.py" "$SOCK" "$1"; }

# am ARGS...: spindle-am in the client namespace, output indented.
am() {
	cli timeout 60 "$AMTOOL" "$@" >"$TMP/am.out" 2>&1
	local rc=$?
	sed 's/^/   /' "$TMP/am.out"
	return $rc
}

# The first message through a code path costs TCG its translation (tens of
# ms): a 100 ms retransmission timeout keeps these exchanges free of repeats.
for path in udp raw; do
	if [ "$path" = udp ]; then to=(--udp 10.77.0.2:9000); else to=(--if veth-cli --dst "$VM_MAC" --vc 0/40); fi
	echo "== $path: ping -c 10, store 65536, get 65536 --check"
	am "${to[@]}" --rto 100000 ping -c 10 -i 1000 && grep -q "^10 requests, 10 replies, 0 failed" "$TMP/am.out" ||
		fail "$path: ping"
	am "${to[@]}" --rto 100000 store 65536 && grep -q ": ok$" "$TMP/am.out" || fail "$path: store"
	am "${to[@]}" --rto 100000 get 65536 --check && grep -q ": the pattern$" "$TMP/am.out" || fail "$path: get"
done

# vm_ping WHAT SERVE-ARGS -- AM-PING-PARAMS: spindle-am serves, the VM's am-ping runs against it.
vm_ping() {
	local what=$1
	shift
	local sargs=()
	while [ "$1" != -- ]; do sargs+=("$1"); shift; done
	shift
	echo "== the VM's am-ping against spindle-am serve, $what"
	"$LAB" exec "$P" cli timeout 60 "$AMTOOL" "${sargs[@]}" serve -t 40 -I 3000 >"$TMP/serve.out" 2>&1 & # not through cli(): $! must be the tool
	SERVE=$!
	sleep 0.5
	console "extension install am-ping $*" | sed 's/^/   /'
	local line=
	for _ in $(seq 1 300); do
		line=$(tr -d '\r' <"$TMP/serial.log" | grep "am-ping: info: .*$what_re" | tail -1)
		[ -n "$line" ] && break
		sleep 0.1
	done
	echo "   ${line:-no am-ping result}"
	echo "$line" | grep -q " 10/10 round trips" || fail "$what: not 10/10 round trips"
	echo "$line" | grep -q " 10/10 stores of 20000 B" || fail "$what: not 10/10 stores"
	# it stops by itself once idle (-I): no signal, so nothing races its exit
	wait "$SERVE"
	SERVE=
	grep -q "^stored_bytes 200000$" "$TMP/serve.out" || fail "$what: the Linux side did not store 200000 bytes"
}
what_re="10.77.0.1:9100 via udp"
vm_ping "UDP 10.77.0.1:9100" --udp 10.77.0.1:9100 -- peer=10.77.0.1:9100 count=10 interval=1000 size=20000
what_re="$CLI_MAC vc 0/40 via aal5:0/40"
vm_ping "raw VC 0/40" --if veth-cli --dst "$VM_MAC" --vc 0/40 -- mac=$CLI_MAC vc=0/40 count=10 interval=1000 size=20000

echo "== am stats"
console "am stats" | sed 's/^/   /'

echo "== shutdown"
kill -TERM "$VPID"
rc=
for _ in $(seq 1 200); do
	if ! kill -0 "$VPID" 2>/dev/null; then wait "$VPID"; rc=$?; break; fi
	sleep 0.1
done
VPID=
[ "$rc" = 0 ] || { show_logs; fail "the VM exited ${rc:-(still running)} (0: clean shutdown, full pools)"; }
if [ ${#FAILED[@]} -ne 0 ]; then
	show_logs
	echo "FAILED: ${#FAILED[@]} step(s)"
	exit 1
fi
echo "PASS: active messages with the ${VM##*/} VM ($NIC), the Linux tool as peer"
