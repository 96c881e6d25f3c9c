#!/usr/bin/env bash
# tests/vm/am-pair-test.sh — two spindle VMs on one bridge exchange active
# messages, over UDP and over the AAL5 raw path.
#
#   am-pair-test.sh IMAGE
#
# A pair lab (tools/lab/pair.sh: bridge spbr-app) and two x86_64 VMs
# (virtio, tools/bench/lib/vm.sh): A in slot A (10.77.0.2, 52:54:00:00:11:00)
# and B in slot B (10.77.0.3), each with
#   extension am port=9000
#   extension am vc=0/40 mode=async
# On B's console (tools/vm/vm-console.py):
#   extension install am-ping peer=10.77.0.2:9000 count=20 interval=1000 size=65536
#   extension install am-ping mac=52:54:00:00:11:00 vc=0/40 count=20 interval=1000 size=65536
# each must log 20/20 round trips and 20/20 stores of 64 KiB; A's "am stats"
# must show the stored bytes on both endpoints. Both VMs are shut down from
# their consoles and must halt with 0 (every buffer back). Bounded (about
# 25 s under TCG).
#
# SPINDLE_VM_KVM=auto|on|off (default auto). Needs root: exit 77 otherwise.
# Exit 0 pass, 1 fail.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 IMAGE" >&2; exit 2; }
IMAGE=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
KVM=${SPINDLE_VM_KVM:-auto}
if [ "$(id -u)" != 0 ]; then echo "SKIP: the VM test needs root (namespaces, TAP devices)"; exit 77; fi
for c in qemu-system-x86_64 ip ethtool socat timeout; do
	command -v "$c" >/dev/null || { echo "SKIP: missing command $c"; exit 77; }
done
[ -e /dev/net/tun ] || { echo "SKIP: no /dev/net/tun"; exit 77; }
[ -f "$IMAGE" ] || { echo "FAIL: no image $IMAGE"; exit 1; }

BENCH_ROOT=$ROOT
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-ampair.XXXXXX")
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
P=amp$$
cleanup() {
	bench_vm_stop_all
	"$ROOT/tools/lab/pair.sh" down "$P" >/dev/null 2>&1
	rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
FAILED=()
fail() { echo "FAIL: $*"; FAILED+=("$*"); }
console() { "$PY" "$ROOT/tools/vm/vm-console.py" "$BENCH_TMP/$1.launcher" "$2"; }
logs() {
	for v in a b; do
		echo "---- console of $v"
		tr -d '\r' <"$BENCH_TMP/$v.log" | tail -25 | sed 's/^/   | /'
	done
}

"$ROOT/tools/lab/pair.sh" up "$P" >/dev/null || { echo "FAIL: pair lab up"; exit 1; }
A=$("$ROOT/tools/lab/pair.sh" addr A)
B=$("$ROOT/tools/lab/pair.sh" addr B)
A_MAC=52:54:00:00:11:00
for v in a b; do
	ip=$A
	[ "$v" = b ] && ip=$B
	cat >"$BENCH_TMP/$v.conf" <<EOF
# tests/vm/am-pair-test.sh: VM $v
interface eth0 driver=virtio
address eth0 $ip/24
extension am port=9000
extension am vc=0/40 mode=async
EOF
done
echo "== two spindle VMs on one bridge: A $A, B $B"
common=(--image "$IMAGE" --lab "$P" --nic virtio --kvm "$KVM" --timeout 120)
bench_vm_start a spindle "${common[@]}" --slot A --config "$BENCH_TMP/a.conf"
bench_vm_start b spindle "${common[@]}" --slot B --config "$BENCH_TMP/b.conf"
if ! bench_vm_wait_ready a 60 || ! bench_vm_wait_ready b 60; then
	logs
	echo "FAIL: the VMs did not get ready"
	exit 1
fi

# ping_from_b WHAT PATTERN PARAMS...: am-ping on B; its result line must show 20/20 twice.
ping_from_b() {
	local what=$1 pat=$2
	shift 2
	echo "== B's am-ping to A, $what"
	console b "extension install am-ping $*" | grep installed | sed 's/^/   /'
	if ! bench_vm_wait b "am-ping: info: $pat" 60; then
		fail "$what: am-ping did not finish"
		return
	fi
	local line
	line=$(tr -d '\r' <"$BENCH_TMP/b.log" | grep "am-ping: info: $pat" | tail -1)
	echo "   ${line#*am-ping: info: }"
	echo "$line" | grep -q " 20/20 round trips" || fail "$what: not 20/20 round trips"
	echo "$line" | grep -q " 20/20 stores of 65536 B" || fail "$what: not 20/20 stores"
}
ping_from_b "UDP" "$A:9000 via udp" peer=$A:9000 count=20 interval=1000 size=65536
ping_from_b "raw VC 0/40" "$A_MAC vc 0/40 via aal5:0/40" mac=$A_MAC vc=0/40 count=20 interval=1000 size=65536

echo "== A: am stats"
console a "am stats" >"$BENCH_TMP/stats.txt"
sed 's/^/   /' "$BENCH_TMP/stats.txt"
n=$(grep -c "stored_bytes 1310720" "$BENCH_TMP/stats.txt")
[ "$n" = 2 ] || fail "A did not store 20 x 65536 bytes on both endpoints"

echo "== shutdown"
for v in a b; do
	bench_vm_stop "$v" 20
	[ "$BENCH_VM_RC" = 0 ] || fail "VM $v exited $BENCH_VM_RC (0: clean shutdown, full pools)"
done
if [ ${#FAILED[@]} -ne 0 ]; then
	logs
	echo "FAILED: ${#FAILED[@]} step(s)"
	exit 1
fi
echo "PASS: two spindle VMs exchange active messages over UDP and raw"
