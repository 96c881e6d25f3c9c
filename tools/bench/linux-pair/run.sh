#!/usr/bin/env bash
# tools/bench/linux-pair/run.sh — two Linux VMs on one bridge
# (tools/lab/pair.sh), the baseline of spindle's VM-to-VM benchmarks:
# user-level programs in Debian's kernel under the same QEMU, machine (q35,
# 128 MiB, 1 vCPU), NIC model and accelerator as spindle's VMs.
#
#   sudo tools/bench/linux-pair/run.sh [--time S] [--nics "virtio e1000"]
#        [--udp-rate BPS] [--udp-len BYTES] [--mps N] [--kvm auto|on|off] [--out DIR]
#        [--no-build] [--keep]
#
# 1. Builds (or finds up to date) the Linux host image with sockperf and
#    iperf3 (tools/vm/linux-host/build.sh, build-linux-host/).
# 2. For each NIC model: VM A (slot A, 10.77.0.2) runs a sockperf server
#    (UDP port 11111) and an iperf3 server; VM B (slot B, 10.77.0.3) waits
#    for A, then runs, each in a `section` of its console:
#      idle      3 s of nothing (the idle cost of two halted guests);
#      sockperf  sockperf ping-pong -m 64 -t S --mps N to A (UDP, 64-byte
#                messages): half round trip p50 and p99, microseconds.
#                sockperf keeps a sample per message it may send (rate x
#                time): without a cap (--mps, default 20000/s) it needs 65
#                MB for 5 s, more than the 128 MiB guest has free. Under TCG
#                a ping-pong takes far longer than 1/N s, so the cap does
#                not bind; the report flags a run where it did;
#      iperf3    iperf3 -u -b BPS -l BYTES -t S to A (default: unlimited
#                rate, 1472-byte datagrams): Mbit/s sent and received by A,
#                loss, datagrams/s received;
#    and powers off 2 s later. Over each section the host reads each QEMU's CPU time
#    (process and vCPU thread "CPU 0/TCG", /proc, tools/bench/lib/cpu.sh),
#    as percent of one core. Then A is shut down from its console.
# 3. Prints the table, writes OUT/linux-pair.json and OUT/linux-pair.png
#    (default OUT: build-linux-host/linux-pair-bench).
# The accelerator is chosen once for both VMs (tools/bench/lib/vm.sh
# bench_accel: --kvm auto is KVM only when the Linux image passes the KVM
# probe boot). Bounded: about 15 + 2 S s per NIC model, every wait has a
# timeout and each VM a --timeout; the lab and VMs are removed on exit.
# --keep leaves the consoles and tool outputs in the scratch directory.
# Needs root. Exit 0 when every figure was measured.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
TIME=5
NICS="virtio e1000"
UDP_RATE=0
UDP_LEN=1472
MPS=20000
KVM=auto
OUT=
DO_BUILD=1
KEEP=0
IMG=${SPINDLE_LINUX_HOST_DIR:-$ROOT/build-linux-host}

die() { echo "run.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case "$1" in
	--time) TIME=${2:?}; shift 2 ;;
	--nics) NICS=${2:?}; shift 2 ;;
	--udp-rate) UDP_RATE=${2:?}; shift 2 ;;
	--udp-len) UDP_LEN=${2:?}; shift 2 ;;
	--mps) MPS=${2:?}; shift 2 ;;
	--kvm) KVM=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
if ! [[ "$TIME" =~ ^[0-9]+$ ]] || [ "$TIME" -lt 1 ] || [ "$TIME" -gt 30 ]; then
	die "--time must be 1..30 seconds"
fi
if ! [[ "$UDP_LEN" =~ ^[0-9]+$ ]] || [ "$UDP_LEN" -lt 16 ] || [ "$UDP_LEN" -gt 1472 ]; then
	die "--udp-len must be 16..1472"
fi
if ! [[ "$MPS" =~ ^[0-9]+$ ]] || [ "$MPS" -lt 100 ]; then die "--mps must be 100 or more"; fi
[[ "$UDP_RATE" =~ ^[0-9]+[KMG]?$ ]] || die "--udp-rate: bits/s, e.g. 0 (unlimited), 200M"
for n in $NICS; do case "$n" in virtio|e1000) ;; *) die "--nics takes virtio and/or e1000" ;; esac; done
case "$KVM" in auto|on|off) ;; *) die "--kvm auto|on|off" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (namespaces, TAP devices): sudo $0"
for c in qemu-system-x86_64 ip ethtool socat timeout; do
	command -v "$c" >/dev/null || die "missing $c (run tools/setup.sh)"
done
[ -n "$OUT" ] || OUT=$IMG/linux-pair-bench
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac

if [ "$DO_BUILD" = 1 ]; then
	"$ROOT/tools/vm/linux-host/build.sh" --out "$IMG" || die "the Linux host image did not build"
fi
[ -s "$IMG/vmlinuz" ] || die "no Linux host image in $IMG (drop --no-build)"

BENCH_ROOT=$ROOT
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
# shellcheck source=tools/bench/lib/cpu.sh
. "$ROOT/tools/bench/lib/cpu.sh"
# shellcheck source=tools/bench/lib/report.sh
. "$ROOT/tools/bench/lib/report.sh"
bench_pair_session linux-pair "lp$$"

ACCEL_ON=$(bench_accel "$KVM" linux "$IMG")
ACCEL=$([ "$ACCEL_ON" = on ] && echo kvm || echo tcg)
A=$("$ROOT/tools/lab/pair.sh" addr A)
B=$("$ROOT/tools/lab/pair.sh" addr B)
"$ROOT/tools/lab/pair.sh" up "$P" >/dev/null || die "pair lab up failed"

cat >"$BENCH_TMP/server.sh" <<EOF
sockperf server -i $A -p 11111 >/tmp/sockperf.log 2>&1 &
iperf3 -s -B $A -p 5201 >/tmp/iperf3.log 2>&1 &
echo "servers started"
wait
EOF
cat >"$BENCH_TMP/client.sh" <<EOF
wait_host $A 60 || exit 1
section idle sleep 3
section sockperf sockperf ping-pong -i $A -p 11111 -t $TIME -m 64 --mps $MPS
section iperf3 iperf3 -c $A -p 5201 -u -b $UDP_RATE -l $UDP_LEN -t $TIME --json
sleep 2
EOF

RES=$BENCH_TMP/results.txt
: >"$RES"
ok=0
put() { echo "$1 $2 ${3:--}" >>"$RES"; }

# cpu_over NIC SECTION LIMIT: marks both QEMUs' CPU when B's console opens
# SECTION, reads it when SECTION ends (LIMIT seconds at most).
cpu_over() {
	local nic=$1 sec=$2 pa pb a av b bv secs
	bench_vm_wait b "^=== begin $sec\$" 90 || return 1
	pa=$(bench_vm_qemu_pid a)
	pb=$(bench_vm_qemu_pid b)
	bench_cpu_mark a "$pa"
	bench_cpu_mark b "$pb"
	bench_vm_wait b "^=== end $sec status" "$3" || return 1
	read -r a av _ < <(bench_cpu_since a "$pa")
	read -r b bv secs < <(bench_cpu_since b "$pb")
	put "$nic" "cpu_${sec}_server_pct" "$a"
	put "$nic" "cpu_${sec}_server_vcpu_pct" "$av"
	put "$nic" "cpu_${sec}_client_pct" "$b"
	put "$nic" "cpu_${sec}_client_vcpu_pct" "$bv"
	echo "   $sec: ${secs} s; QEMU CPU (% of a core, process/vCPU thread): server $a/$av, client $b/$bv"
}

echo "== two Linux VMs on one bridge under $ACCEL, q35, 128 MiB, 1 vCPU, $(qemu-system-x86_64 --version | head -1 | awk '{print "QEMU", $4}'); A $A (servers), B $B (clients); $TIME s per figure"
for nic in $NICS; do
	t0=$EPOCHREALTIME
	common=(--lab "$P" --nic "$nic" --kvm "$ACCEL_ON" --dir "$IMG" --timeout $((120 + 4 * TIME)))
	bench_vm_start a linux "${common[@]}" --slot A --script "$BENCH_TMP/server.sh"
	bench_vm_start b linux "${common[@]}" --slot B --script "$BENCH_TMP/client.sh" --poweroff
	if ! bench_vm_wait_ready a 120 || ! bench_vm_wait_ready b 120; then
		echo "   $nic: the VMs did not come up" >&2
		ok=1
		bench_vm_stop_all
		continue
	fi
	echo " $nic: both ready after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
	cpu_over "$nic" idle 20 || ok=1
	cpu_over "$nic" sockperf $((TIME + 30)) || ok=1
	cpu_over "$nic" iperf3 $((TIME + 30)) || ok=1
	bench_vm_wait_exit b 30 || ok=1
	[ "$BENCH_VM_RC" = 0 ] || { echo "   $nic: client VM status $BENCH_VM_RC" >&2; ok=1; }
	bench_vm_section b sockperf >"$BENCH_TMP/$nic-sockperf.txt" || ok=1
	bench_vm_section b iperf3 >"$BENCH_TMP/$nic-iperf3.json" || ok=1
	bench_vm_stop a
	[ "$BENCH_VM_RC" = 0 ] || { echo "   $nic: server VM status $BENCH_VM_RC" >&2; ok=1; }
	read -r p50 p99 obs < <(bench_sockperf "$BENCH_TMP/$nic-sockperf.txt" p50_us p99_us observations)
	read -r smb rmb rpps loss < <(bench_iperf3 "$BENCH_TMP/$nic-iperf3.json" sent_mbps received_mbps received_pps lost_percent)
	put "$nic" sockperf_p50_us "$p50"
	put "$nic" sockperf_p99_us "$p99"
	put "$nic" sockperf_observations "$obs"
	put "$nic" udp_sent_mbps "$smb"
	put "$nic" udp_received_mbps "$rmb"
	put "$nic" udp_received_pps "$rpps"
	put "$nic" udp_loss_pct "$loss"
	echo "   sockperf p50 $p50 us, p99 $p99 us ($obs observations); iperf3 UDP $smb Mbit/s sent, $rmb Mbit/s received ($rpps datagrams/s), loss $loss %"
done

mkdir -p "$OUT"
"$BENCH_PY" "$HERE/report.py" --results "$RES" --json "$OUT/linux-pair.json" --png "$OUT/linux-pair.png" \
	--accel "$ACCEL" --time "$TIME" --mps "$MPS" --udp-rate "$UDP_RATE" --udp-len "$UDP_LEN" \
	--kernel "$(tr -d '\r' <"$BENCH_TMP/a.log" 2>/dev/null | sed -n 's/^linux-host: kernel //p' | head -n1)" || ok=1
grep -q ' -$' "$RES" && ok=1
exit "$ok"
