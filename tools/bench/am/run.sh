#!/usr/bin/env bash
# tools/bench/am/run.sh — active messages between two spindle VMs, beside a
# Linux user-level UDP ping-pong between two Linux VMs, in one run.
#
#   sudo tools/bench/am/run.sh [--build DIR] [--count N] [--stores N] [--time S]
#        [--nic virtio|e1000] [--kvm auto|on|off] [--out DIR] [--no-build] [--keep]
#
# 1. Builds (or finds up to date) the release tree (DIR, default build/:
#    the x86_64 image) and the Linux host image (tools/vm/linux-host).
# 2. Two spindle VMs on one bridge (tools/lab/pair.sh, slots A and B; q35,
#    128 MiB, 1 vCPU, the NIC model, the accelerator chosen once for all
#    four VMs). A serves:
#      extension am port=9000 mode=async      extension am port=9001 mode=bounded
#      extension am vc=0/40 mode=async        extension am vc=0/41 mode=bounded
#    (async: the echo handler runs as a strand; bounded: inline under a
#    20 ms budget — TCG translating the handler's code on its first runs
#    takes several ms). Each VM's TSC calibration must be within 5 % of
#    the host's clock rate, else both start again: the guest's times depend
#    on it. B has endpoints on 9000, 0/40 and 0/41 and, one
#    after the other from its console (tools/vm/vm-console.py), runs
#      am-ping ... count=N interval=0          to each of the four: the round
#                                              trip of a 0-argument request
#                                              and its reply, back to back
#      am-ping ... count=S size=65536          to 9000 and 0/40: 64 KiB stores
#                                              back to back (window 16; chunks
#                                              of 1408 B over UDP, 8 KiB raw)
#    reading p50/p99 of the round trip and the store bandwidth from
#    am-ping's result line. Over each phase the host CPU of both QEMUs and
#    the host's elapsed time beside the guest's (a check of the guest clock).
# 3. Two Linux VMs (tools/vm/linux-host, same machine, NIC, accelerator and
#    slots): sockperf ping-pong -m 16 (a 16-byte UDP payload, as the
#    request) for S seconds from B to A's sockperf server: Linux's
#    user-level UDP round trip (twice sockperf's half round trip).
# 4. Prints the figures and the ratios against the targets (raw round trip
#    <= 0.6 x UDP; bounded <= 0.9 x async; spindle-to-spindle UDP <= 0.5 x
#    Linux; raw bulk >= 1.2 x UDP bulk), writes OUT/am-bench.json and
#    OUT/am-bench.png (default OUT: DIR/am-bench).
# Bounded: every wait has a timeout and each VM a --timeout; the lab and the
# VMs are removed on exit. --keep leaves the consoles in the scratch
# directory. Needs root. Exit 0 when every figure was measured.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=$ROOT/build
COUNT=2000
STORES=40
TIME=5
NIC=virtio
KVM=auto
OUT=
DO_BUILD=1
KEEP=0
IMG=${SPINDLE_LINUX_HOST_DIR:-$ROOT/build-linux-host}

die() { echo "run.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$(readlink -f "${2:?}"); shift 2 ;;
	--count) COUNT=${2:?}; shift 2 ;;
	--stores) STORES=${2:?}; shift 2 ;;
	--time) TIME=${2:?}; shift 2 ;;
	--nic) NIC=${2:?}; shift 2 ;;
	--kvm) KVM=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[[ "$COUNT" =~ ^[0-9]+$ ]] && [ "$COUNT" -ge 10 ] && [ "$COUNT" -le 100000 ] || die "--count must be 10..100000"
[[ "$STORES" =~ ^[0-9]+$ ]] && [ "$STORES" -ge 1 ] && [ "$STORES" -le 10000 ] || die "--stores must be 1..10000"
[[ "$TIME" =~ ^[0-9]+$ ]] && [ "$TIME" -ge 1 ] && [ "$TIME" -le 30 ] || die "--time must be 1..30 seconds"
case "$NIC" in virtio|e1000) ;; *) die "--nic virtio|e1000" ;; esac
case "$KVM" in auto|on|off) ;; *) die "--kvm auto|on|off" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (namespaces, TAP devices): sudo $0"
for c in qemu-system-x86_64 ip ethtool socat timeout; do
	command -v "$c" >/dev/null || die "missing $c (run tools/setup.sh)"
done
[ -n "$OUT" ] || OUT=$BUILD/am-bench
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
IMAGE=$BUILD/kernel/arch/x86_64/spindle-x86_64.elf

if [ "$DO_BUILD" = 1 ]; then
	[ -d "$BUILD" ] || meson setup "$BUILD" "$ROOT" >/dev/null || die "meson setup $BUILD failed"
	ninja -C "$BUILD" -j2 >/dev/null || die "the release build failed"
	"$ROOT/tools/vm/linux-host/build.sh" --out "$IMG" >/dev/null || die "the Linux host image did not build"
fi
[ -f "$IMAGE" ] || die "no image $IMAGE (drop --no-build)"
[ -s "$IMG/vmlinuz" ] || die "no Linux host image in $IMG (drop --no-build)"

BENCH_ROOT=$ROOT
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
# shellcheck source=tools/bench/lib/cpu.sh
. "$ROOT/tools/bench/lib/cpu.sh"
# shellcheck source=tools/bench/lib/report.sh
. "$ROOT/tools/bench/lib/report.sh"
bench_pair_session am-bench "amb$$"

ACCEL_ON=$(bench_accel "$KVM" spindle "$IMAGE" linux "$IMG")
ACCEL=$([ "$ACCEL_ON" = on ] && echo kvm || echo tcg)
A=$("$ROOT/tools/lab/pair.sh" addr A)
B=$("$ROOT/tools/lab/pair.sh" addr B)
A_MAC=52:54:00:00:11:00
# A bounded handler's budget: its first runs include TCG translating the
# code (several ms), which the default 1 ms would count as an overrun.
BUDGET_US=20000
HOST_MHZ=$(awk -F': *' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)
"$ROOT/tools/lab/pair.sh" up "$P" >/dev/null || die "pair lab up failed"
RES=$BENCH_TMP/results.txt
: >"$RES"
ok=0
put() { echo "$1 ${2:--}" >>"$RES"; }

echo "== active messages: two spindle VMs on one bridge under $ACCEL, q35, 128 MiB, 1 vCPU, $NIC; A $A serves, B $B asks"
cat >"$BENCH_TMP/a.conf" <<EOF
interface eth0 driver=$NIC
address eth0 $A/24
extension am port=9000 mode=async
extension am port=9001 mode=bounded:$BUDGET_US
extension am vc=0/40 mode=async
extension am vc=0/41 mode=bounded:$BUDGET_US
EOF
cat >"$BENCH_TMP/b.conf" <<EOF
interface eth0 driver=$NIC
address eth0 $B/24
extension am port=9000
extension am vc=0/40
extension am vc=0/41
EOF
common=(--lab "$P" --nic "$NIC" --kvm "$ACCEL_ON" --image "$IMAGE" --timeout 900)
# tsc_ok NAME: the VM calibrated its TSC (against the PIT, at boot) within 5 %
# of the host's clock rate, which a TCG guest's TSC runs at. Under host load
# the calibration can go wrong, and every time the guest reads with it.
tsc_ok() {
	local mhz
	mhz=$(tr -d '\r' <"$BENCH_TMP/$1.log" | sed -n 's/.*TSC \([0-9.]*\) MHz.*/\1/p' | head -1)
	echo "   $1: TSC $mhz MHz (host $HOST_MHZ MHz)"
	awk -v g="$mhz" -v h="$HOST_MHZ" 'BEGIN { exit !(g != "" && h != "" && g / h > 0.95 && g / h < 1.05) }'
}
for try in 1 2 3; do
	bench_vm_start sa spindle "${common[@]}" --slot A --config "$BENCH_TMP/a.conf"
	bench_vm_start sb spindle "${common[@]}" --slot B --config "$BENCH_TMP/b.conf"
	bench_vm_wait_ready sa 120 && bench_vm_wait_ready sb 120 || die "the spindle VMs did not come up"
	tsc_ok sa && tsc_ok sb && break
	echo "   a guest clock is off: starting the spindle VMs again ($try of 3)"
	bench_vm_stop sa
	bench_vm_stop sb
	[ "$try" = 3 ] && die "the spindle VMs' clocks were off three times"
done

# ping NAME PATTERN SECONDS PARAMS...: am-ping on B; keeps its result line
# in $BENCH_TMP/NAME.line and both QEMUs' CPU over it.
ping() {
	local name=$1 pat=$2 limit=$3 pa pb a av b bv secs
	shift 3
	pa=$(bench_vm_qemu_pid sa)
	pb=$(bench_vm_qemu_pid sb)
	bench_cpu_mark sa "$pa"
	bench_cpu_mark sb "$pb"
	/usr/bin/python3 "$ROOT/tools/vm/vm-console.py" "$BENCH_TMP/sb.launcher" \
		"extension install am-ping $*" >/dev/null
	local n got=0 t0 t1
	n=$(tr -d '\r' <"$BENCH_TMP/sb.log" | grep -c "am-ping: info: $pat")
	t0=$EPOCHREALTIME
	for _ in $(seq 1 $((limit * 50))); do
		[ "$(tr -d '\r' <"$BENCH_TMP/sb.log" | grep -c "am-ping: info: $pat")" -gt "$n" ] && { got=1; break; }
		sleep 0.02
	done
	t1=$EPOCHREALTIME
	read -r a av _ < <(bench_cpu_since sa "$pa")
	read -r b bv secs < <(bench_cpu_since sb "$pb")
	tr -d '\r' <"$BENCH_TMP/sb.log" | grep "am-ping: info: $pat" | tail -1 >"$BENCH_TMP/$name.line"
	if [ "$got" = 0 ]; then
		echo "   $name: no result within $limit s" >&2
		ok=1
		return
	fi
	put "cpu_${name}_server_pct" "$a"
	put "cpu_${name}_client_pct" "$b"
	# the guest's own elapsed time against the host's, from the install to the result line
	local ge
	ge=$(sed -n 's/.*; elapsed \([0-9]*\) + \([0-9]*\) ns.*/\1 \2/p' "$BENCH_TMP/$name.line")
	put "${name}_guest_ms" "$(echo "$ge" | awk '{ if (NF == 2) printf "%.1f", ($1 + $2) / 1e6 }')"
	put "${name}_host_ms" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')"
	echo "   $name ($secs s; QEMU CPU server $a %, client $b %): $(sed 's/.*am-ping: info: //' "$BENCH_TMP/$name.line")"
	# drop it again, so that the next one is alone
	local id
	id=$(/usr/bin/python3 "$ROOT/tools/vm/vm-console.py" "$BENCH_TMP/sb.launcher" "extension list" |
		awk '/am-ping/ { print $1 }' | tail -1)
	[ -n "$id" ] && /usr/bin/python3 "$ROOT/tools/vm/vm-console.py" "$BENCH_TMP/sb.launcher" \
		"extension remove $id" >/dev/null
}
# figure NAME FIELD: a number out of NAME's result line.
figure() {
	local l
	l=$(cat "$BENCH_TMP/$1.line" 2>/dev/null)
	case "$2" in
	p50) echo "$l" | sed -n 's/.*rtt p50 \([0-9]*\) ns.*/\1/p' ;;
	p99) echo "$l" | sed -n 's/.*rtt p50 [0-9]* ns p99 \([0-9]*\) ns.*/\1/p' ;;
	ok) echo "$l" | sed -n 's/.*: \([0-9]*\)\/[0-9]* round trips.*/\1/p' ;;
	kbps) echo "$l" | sed -n 's/.*, \([0-9]*\) kbit\/s.*/\1/p' ;;
	sok) echo "$l" | sed -n 's/.*; \([0-9]*\)\/[0-9]* stores.*/\1/p' ;;
	esac
}
ptime=$((COUNT / 100 + 60))
ping udp_async "$A:9000 via udp" "$ptime" peer=$A:9000 count=$COUNT interval=0
ping udp_bounded "$A:9001 via udp" "$ptime" peer=$A:9001 count=$COUNT interval=0
ping raw_async "$A_MAC vc 0/40 via aal5:0/40" "$ptime" mac=$A_MAC vc=0/40 count=$COUNT interval=0
ping raw_bounded "$A_MAC vc 0/41 via aal5:0/41" "$ptime" mac=$A_MAC vc=0/41 count=$COUNT interval=0
ping udp_bulk "$A:9000 via udp" $((STORES + 60)) peer=$A:9000 count=$STORES interval=0 size=65536
ping raw_bulk "$A_MAC vc 0/40 via aal5:0/40" $((STORES + 60)) mac=$A_MAC vc=0/40 count=$STORES interval=0 size=65536
for k in udp_async udp_bounded raw_async raw_bounded; do
	p50=$(figure $k p50) p99=$(figure $k p99) n=$(figure $k ok)
	put "${k}_rtt_p50_us" "$(awk -v v="$p50" 'BEGIN { if (v != "") printf "%.1f", v / 1000 }')"
	put "${k}_rtt_p99_us" "$(awk -v v="$p99" 'BEGIN { if (v != "") printf "%.1f", v / 1000 }')"
	put "${k}_replies" "$n"
	[ "$n" = "$COUNT" ] || { echo "   $k: $n of $COUNT replies" >&2; ok=1; }
done
for k in udp_bulk raw_bulk; do
	put "${k}_mbps" "$(awk -v v="$(figure $k kbps)" 'BEGIN { if (v != "") printf "%.1f", v / 1000 }')"
	[ "$(figure $k sok)" = "$STORES" ] || { echo "   $k: not all $STORES stores" >&2; ok=1; }
done
/usr/bin/python3 "$ROOT/tools/vm/vm-console.py" "$BENCH_TMP/sa.launcher" "am stats" >"$BENCH_TMP/a-stats.txt"
for v in sa sb; do
	bench_vm_stop "$v" 20
	[ "$BENCH_VM_RC" = 0 ] || { echo "   spindle VM $v exited $BENCH_VM_RC" >&2; ok=1; }
done

echo "== Linux: two Linux VMs, sockperf ping-pong -m 16 for $TIME s, B to A"
cat >"$BENCH_TMP/la.sh" <<EOF
sockperf server -i $A -p 11111 >/tmp/sockperf.log 2>&1 &
echo "server started"
wait
EOF
cat >"$BENCH_TMP/lb.sh" <<EOF
wait_host $A 60 || exit 1
section idle sleep 1
section sockperf sockperf ping-pong -i $A -p 11111 -t $TIME -m 16 --mps 20000
sleep 2
EOF
lcommon=(--lab "$P" --nic "$NIC" --kvm "$ACCEL_ON" --dir "$IMG" --timeout $((120 + 4 * TIME)))
# Under host load a Linux guest may panic at boot ("IO-APIC + timer doesn't
# work", its timer check under TCG): start the pair again, at most 3 times.
up=0
for try in 1 2 3; do
	bench_vm_start la linux "${lcommon[@]}" --slot A --script "$BENCH_TMP/la.sh"
	bench_vm_start lb linux "${lcommon[@]}" --slot B --script "$BENCH_TMP/lb.sh" --poweroff
	if bench_vm_wait_ready la 120 && bench_vm_wait_ready lb 120; then up=1; break; fi
	echo "   the Linux VMs did not come up ($try of 3)"
	bench_vm_stop la
	bench_vm_stop lb
done
if [ "$up" = 1 ]; then
	bench_vm_wait lb '^=== begin sockperf$' 90
	pa=$(bench_vm_qemu_pid la)
	pb=$(bench_vm_qemu_pid lb)
	bench_cpu_mark la "$pa"
	bench_cpu_mark lb "$pb"
	bench_vm_wait lb '^=== end sockperf status' $((TIME + 30))
	read -r a _ < <(bench_cpu_since la "$pa")
	read -r b _ < <(bench_cpu_since lb "$pb")
	put cpu_linux_server_pct "$a"
	put cpu_linux_client_pct "$b"
	bench_vm_wait_exit lb 30
	bench_vm_section lb sockperf >"$BENCH_TMP/sockperf.txt" || ok=1
	read -r p50 p99 obs < <(bench_sockperf "$BENCH_TMP/sockperf.txt" p50_us p99_us observations)
	put linux_rtt_p50_us "$(awk -v v="$p50" 'BEGIN { if (v != "-") printf "%.1f", 2 * v }')"
	put linux_rtt_p99_us "$(awk -v v="$p99" 'BEGIN { if (v != "-") printf "%.1f", 2 * v }')"
	put linux_observations "$obs"
	echo "   sockperf half round trip p50 $p50 us, p99 $p99 us ($obs observations); QEMU CPU server $a %, client $b %"
else
	echo "   the Linux VMs did not come up" >&2
	ok=1
fi
bench_vm_stop la

mkdir -p "$OUT"
"$BENCH_PY" "$HERE/report.py" --results "$RES" --json "$OUT/am-bench.json" --png "$OUT/am-bench.png" \
	--accel "$ACCEL" --time "$TIME" --nic "$NIC" --count "$COUNT" --stores "$STORES" || ok=1
grep -q ' -$' "$RES" && ok=1
exit "$ok"
