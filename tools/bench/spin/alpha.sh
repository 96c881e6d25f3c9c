#!/usr/bin/env bash
# tools/bench/spin/alpha.sh — Tables 7 and 8 between two spindle Alpha VMs
# (qemu-system-alpha -M clipper, an EV67 under TCG: SPIN's own CPU), the
# part of tools/bench/spin/run.sh --alpha. There is no Linux Alpha VM here:
# spindle's column only.
#
#   sudo tools/bench/spin/alpha.sh --out DIR [--nic virtio|e1000] [--quick]
#        [--build DIR] [--no-build] [--keep]
#
# 1. Cross-builds (unless --no-build) the Alpha kernel in DIR (default
#    build-alpha; tools/cross/alpha.ini, target spindle-alpha.elf only).
# 2. Two Alpha VMs on a pair lab (tools/lab/pair.sh, slots A and B, 128 MiB,
#    the NIC model): A serves the endpoints tools/bench/am/run.sh gives its
#    server (am on UDP 9000 async and 9001 bounded, on VCs 0/40 async and
#    0/41 bounded) and rpc-echo as tools/bench/rpc/run.sh does (UDP 40001
#    async, 40002 bounded, VC 0/42 bounded). B, from its console, runs one
#    after the other: am-ping round trips to each AM endpoint, 64 KiB stores
#    over UDP and raw, and rpc-ping null calls to each RPC endpoint; over
#    each the host CPU of both QEMUs (tools/bench/lib/cpu.sh).
# 3. Writes DIR/alpha.json: a flat object with tools/bench/am's result keys
#    (<path>_rtt_p50_us, <path>_bulk_mbps, cpu_<phase>_<server|client>_pct,
#    <phase>_guest_ms) with <phase>_cpu_window_ms (the host time the CPU was
#    read over)
#    and rpc_<path>_p50_us / _p99_us, which tools/bench/spin/report.py reads.
# Bounded: every wait has a timeout, each VM a --timeout; lab and VMs are
# removed on exit. Needs root. Exit 0 when every figure was measured.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT='' NIC=virtio QUICK=0 BUILD=build-alpha DO_BUILD=1 KEEP=0
die() { echo "alpha.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case "$1" in
	--out) OUT=${2:?}; shift 2 ;;
	--nic) NIC=${2:?}; shift 2 ;;
	--quick) QUICK=1; shift ;;
	--build) BUILD=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ -n "$OUT" ] || die "--out DIR is required"
case "$NIC" in virtio|e1000) ;; *) die "--nic virtio|e1000" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (namespaces, TAP devices)"
command -v qemu-system-alpha >/dev/null || die "missing qemu-system-alpha (tools/setup.sh)"
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
mkdir -p "$OUT"
if [ "$QUICK" = 1 ]; then COUNT=200 STORES=200 CALLS=200; else COUNT=2000 STORES=1000 CALLS=2000; fi
ELF=$BUILD/kernel/arch/alpha/spindle-alpha.elf
if [ "$DO_BUILD" = 1 ]; then
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" "$ROOT" --cross-file "$ROOT/tools/cross/alpha.ini" \
		>/dev/null || die "meson setup $BUILD failed"
	ninja -C "$BUILD" -j2 kernel/arch/alpha/spindle-alpha.elf >/dev/null || die "the Alpha build failed"
fi
[ -s "$ELF" ] || die "no $ELF (drop --no-build)"

BENCH_ROOT=$ROOT
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
# shellcheck source=tools/bench/lib/cpu.sh
. "$ROOT/tools/bench/lib/cpu.sh"
# shellcheck source=tools/bench/lib/report.sh
. "$ROOT/tools/bench/lib/report.sh"
bench_pair_session alpha-bench "alb$$"

A=$("$ROOT/tools/lab/pair.sh" addr A)
B=$("$ROOT/tools/lab/pair.sh" addr B)
A_MAC=52:54:00:00:11:00
BUDGET_US=20000
"$ROOT/tools/lab/pair.sh" up "$P" >/dev/null || die "pair lab up failed"
cat >"$BENCH_TMP/a.conf" <<EOF
interface eth0 driver=$NIC
address eth0 $A/24
extension am port=9000 mode=async
extension am port=9001 mode=bounded:$BUDGET_US
extension am vc=0/40 mode=async
extension am vc=0/41 mode=bounded:$BUDGET_US
extension rpc-echo port=40001 mode=async
extension rpc-echo port=40002 mode=bounded:$BUDGET_US
extension rpc-echo vc=0/42 mode=bounded:$BUDGET_US
EOF
cat >"$BENCH_TMP/b.conf" <<EOF
interface eth0 driver=$NIC
address eth0 $B/24
extension am port=9000
extension am vc=0/40
extension am vc=0/41
EOF
common=(--lab "$P" --nic "$NIC" --image "$ELF" --timeout 1200)
T0=$EPOCHREALTIME
bench_vm_start sa spindle-alpha "${common[@]}" --slot A --config "$BENCH_TMP/a.conf"
bench_vm_start sb spindle-alpha "${common[@]}" --slot B --config "$BENCH_TMP/b.conf"
if ! bench_vm_wait_ready sa 120 || ! bench_vm_wait_ready sb 120; then die "the Alpha VMs did not come up"; fi
echo "== two spindle Alpha VMs (clipper, TCG, 128 MiB, $NIC) ready after $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"

RES=$BENCH_TMP/results.txt
: >"$RES"
ok=0
put() { echo "$1=${2:--}" >>"$RES"; [ -n "${2:-}" ] && [ "$2" != - ] || ok=1; }
con() { "$BENCH_PY" "$ROOT/tools/vm/vm-console.py" "$BENCH_TMP/sb.launcher" "$@"; }
log() { tr -d '\r' <"$BENCH_TMP/sb.log"; }
# run NAME DONE-PATTERN SECONDS EXTENSION-LINE: installs the extension on B,
# waits for one more line matching DONE-PATTERN, keeps it in NAME.line and
# both QEMUs' CPU (% of a core) over it, removes the extension again.
run() {
	local name=$1 pat=$2 limit=$3 pa pb n a b secs id ge
	pa=$(bench_vm_qemu_pid sa)
	pb=$(bench_vm_qemu_pid sb)
	n=$(log | grep -c -- "$pat")
	bench_cpu_mark sa "$pa"
	bench_cpu_mark sb "$pb"
	con "extension install $4" >/dev/null
	for _ in $(seq 1 $((limit * 10))); do
		[ "$(log | grep -c -- "$pat")" -gt "$n" ] && break
		sleep 0.1
	done
	read -r a _ < <(bench_cpu_since sa "$pa")
	read -r b _ secs < <(bench_cpu_since sb "$pb")
	log | grep -- "$pat" | sed -n "$((n + 1))p" >"$BENCH_TMP/$name.line"
	put "cpu_${name}_server_pct" "$a"
	put "cpu_${name}_client_pct" "$b"
	# the CPU window's host time, and the guest's own elapsed time of the phase
	put "${name}_cpu_window_ms" "$(awk -v s="$secs" 'BEGIN { if (s != "") printf "%.1f", s * 1000 }')"
	ge=$(sed -n 's/.*; elapsed \([0-9]*\) + \([0-9]*\) ns.*/\1 \2/p' "$BENCH_TMP/$name.line")
	[ -n "$ge" ] && put "${name}_guest_ms" "$(echo "$ge" | awk '{ printf "%.1f", ($1 + $2) / 1e6 }')"
	echo "   $name ($secs s; QEMU CPU server $a %, client $b %): $(sed 's/.*info: //' "$BENCH_TMP/$name.line")"
	id=$(con "extension list" | awk '/am-ping|rpc-ping/ { print $1 }' | tail -1)
	[ -n "$id" ] && con "extension remove $id" >/dev/null
}
us() { awk -v v="$1" 'BEGIN { if (v != "") printf "%.1f", v / 1000 }'; }
for spec in "udp_async peer=$A:9000" "udp_bounded peer=$A:9001" "raw_async mac=$A_MAC vc=0/40" \
	"raw_bounded mac=$A_MAC vc=0/41"; do
	k=${spec%% *}
	run "$k" "am-ping: info: " $((COUNT / 20 + 60)) "am-ping ${spec#* } count=$COUNT interval=0"
	l=$(cat "$BENCH_TMP/$k.line")
	put "${k}_rtt_p50_us" "$(us "$(echo "$l" | sed -n 's/.*rtt p50 \([0-9]*\) ns.*/\1/p')")"
	put "${k}_rtt_p99_us" "$(us "$(echo "$l" | sed -n 's/.*rtt p50 [0-9]* ns p99 \([0-9]*\) ns.*/\1/p')")"
done
for spec in "udp peer=$A:9000" "raw mac=$A_MAC vc=0/40"; do
	k=${spec%% *}_bulk
	run "$k" "am-ping: info: " $((STORES + 90)) "am-ping ${spec#* } count=$STORES interval=0 size=65536"
	put "${k}_mbps" "$(awk -v v="$(sed -n 's/.*, \([0-9]*\) kbit\/s.*/\1/p' "$BENCH_TMP/$k.line")" \
		'BEGIN { if (v != "") printf "%.1f", v / 1000 }')"
done
for spec in "udp_async peer=$A:40001" "udp_bounded peer=$A:40002" "raw_bounded mac=$A_MAC vc=0/42"; do
	k=${spec%% *}
	run "rpc_$k" "rpc-ping: info: done" $((CALLS / 20 + 60)) \
		"rpc-ping ${spec#* } count=$CALLS warmup=$((CALLS / 100)) retry=200 timeout=5000"
	read -r p50 p99 < <(sed -n 's/.*rtt min\/p50\/p99\/max\/mean [0-9.]*\/\([0-9.]*\)\/\([0-9.]*\)\/.*/\1 \2/p' \
		"$BENCH_TMP/rpc_$k.line")
	put "rpc_${k}_p50_us" "${p50:-}"
	put "rpc_${k}_p99_us" "${p99:-}"
done
bench_vm_stop sb 20
bench_vm_stop sa 20
[ "$BENCH_VM_RC" = 0 ] || { echo "   Alpha VM A halted with status $BENCH_VM_RC" >&2; ok=1; }
mapfile -t kv <"$RES"
bench_json "$OUT/alpha.json" benchmark=tools/bench/spin/alpha.sh accelerator=tcg nic="$NIC" \
	machine="clipper (DP264, EV67), 128 MiB, TCG" round_trips=$COUNT stores=$STORES rpc_calls=$CALLS "${kv[@]}"
echo "wrote $OUT/alpha.json"
exit "$ok"
