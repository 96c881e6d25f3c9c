#!/usr/bin/env bash
# tools/bench/router/boot-bench.sh — how soon a router VM answers: the wall
# time from QEMU's start to the first answered ping, spindle's router VM
# beside the Linux router VM, in one run, on the same QEMU, accelerator,
# machine (q35, 128 MiB, 1 vCPU), NIC model and lab.
#
#   sudo tools/bench/router/boot-bench.sh [--build DIR] [--no-build] [--runs N]
#        [--variants "seabios qboot linux"] [--nic virtio|e1000] [--out DIR] [--keep]
#
# 1. Builds spindle-x86_64.elf in DIR (default build-release) and the Linux
#    router VM (tools/vm/linux-router/build.sh), as vm-bench.sh does.
# 2. A router lab (tools/lab/router-lab.sh); the router is a VM with two NICs
#    (10.1.0.1/24 on eth0, 10.2.0.1/24 on eth1, spindle's configuration
#    being router-lib.sh's). C1 (10.1.0.2) re-sends its ARP request every
#    10 ms while unanswered (retrans_time_ms; Linux's default is 1 s).
# 3. Each run, N per variant (default 5): C1 pings 10.1.0.1 every 10 ms
#    (ping -D -i 0.01) from before QEMU starts; the figure is the time of the
#    first echo reply minus the launcher's "starting qemu at" time. Variants:
#      seabios  spindle, QEMU's default firmware (SeaBIOS), idle mode
#      qboot    spindle, qboot (spindle-vm --firmware qboot), poll mode
#               (-append poll: qboot leaves the PCI interrupt routing unset)
#      linux    the Linux router VM (SeaBIOS, Debian's kernel, busybox)
#    (-M microvm is not a variant: its devices are virtio-mmio or ECAM-only
#    PCIe, which spindle's x86_64 kernel does not drive.)
#    For spindle the console's "x86: boot timeline" line (TSC since the
#    vCPU's reset) and the log's time stamps give the phases: firmware (to
#    the PVH entry), kernel (PVH entry to the netgraph's bring-up line, just
#    before "vm: ready") and the rest (QEMU's own start before the vCPU
#    runs, plus ready to the answered ping).
#    Then the VM is shut down from its console (spindle must halt with 0).
# 4. Prints a table (median, min, max per variant; spindle/Linux ratio of the
#    medians; spindle's phases); writes OUT/boot-bench.json and
#    OUT/boot-bench.png (default OUT: DIR/boot-bench); --keep copies every
#    VM's console, launcher output and ping output to OUT/logs. Always TCG: KVM here
#    cannot run the Linux guest (tools/vm/README.md).
# Bounded: a spindle VM gets 20 s, the Linux VM 120 s to answer. Needs root;
# the lab, TAPs and bridges are removed on exit. Exit 0 when every run was
# measured and every spindle VM shut down cleanly, 1 otherwise.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=build-release
DO_BUILD=1
RUNS=5
VARIANTS="seabios qboot linux"
NIC=virtio
OUT=
INTERVAL=0.01
KEEP=0

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--runs) RUNS=${2:?}; shift 2 ;;
	--variants) VARIANTS=${2:?}; shift 2 ;;
	--nic) NIC=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '2,40p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "boot-bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -n "$OUT" ] || OUT=$BUILD/boot-bench
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
if ! [[ "$RUNS" =~ ^[0-9]+$ ]] || [ "$RUNS" -lt 1 ] || [ "$RUNS" -gt 50 ]; then
	echo "boot-bench.sh: --runs must be 1..50" >&2
	exit 2
fi
for v in $VARIANTS; do
	case "$v" in seabios|qboot|linux) ;; *) echo "boot-bench.sh: --variants takes seabios, qboot, linux" >&2; exit 2 ;; esac
done
case "$NIC" in virtio|e1000) ;; *) echo "boot-bench.sh: --nic virtio|e1000" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "boot-bench.sh: needs root (namespaces, TAP devices): sudo $0" >&2
	exit 1
fi
for c in qemu-system-x86_64 ping ip ethtool timeout socat python3; do
	command -v "$c" >/dev/null || { echo "boot-bench.sh: missing $c (run tools/setup.sh)" >&2; exit 1; }
done

# --- 1. builds ----------------------------------------------------------------
if [ "$DO_BUILD" = 1 ]; then
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$ROOT" --buildtype=release >/dev/null || exit 1
	fi
	ninja -C "$BUILD" -j2 kernel/arch/x86_64/spindle-x86_64.elf >/dev/null ||
		{ echo "boot-bench.sh: build failed" >&2; exit 1; }
	case " $VARIANTS " in *" linux "*)
		"$ROOT/tools/vm/linux-router/build.sh" >/dev/null ||
			{ echo "boot-bench.sh: Linux router VM build failed" >&2; exit 1; } ;;
	esac
fi

RL_ROOT=$ROOT
RL_P=bb$$
RL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-bootbench.XXXXXX")
RL_IMAGE=$BUILD/kernel/arch/x86_64/spindle-x86_64.elf
RL_LINUX_DIR=${SPINDLE_LINUX_ROUTER_DIR:-$ROOT/build-linux-router}
RL_KVM=off
# shellcheck source-path=SCRIPTDIR source=router-lib.sh
. "$HERE/router-lib.sh"
[ -f "$RL_IMAGE" ] || { echo "boot-bench.sh: no $RL_IMAGE (drop --no-build)" >&2; exit 1; }
case " $VARIANTS " in *" linux "*)
	[ -s "$RL_LINUX_DIR/vmlinuz" ] ||
		{ echo "boot-bench.sh: no Linux router VM in $RL_LINUX_DIR (drop --no-build)" >&2; exit 1; } ;;
esac

PING_PID=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	[ -z "$PING_PID" ] || { kill "$PING_PID" 2>/dev/null; wait "$PING_PID" 2>/dev/null; }
	rl_cleanup
	if [ "$KEEP" = 1 ]; then
		mkdir -p "$OUT/logs" && cp "$RL_TMP"/*.log "$RL_TMP"/*.launcher "$RL_TMP"/*.ping "$OUT/logs/" 2>/dev/null
	fi
	rm -rf "$RL_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$RL_LABSH" up "$RL_P" >/dev/null || { echo "boot-bench.sh: lab up failed" >&2; exit 1; }
# C1 asks again every ping interval while 10.1.0.1 is unresolved, so ARP does
# not round the figure up to Linux's 1 s retransmission time.
rl_c1 sysctl -qw net.ipv4.neigh.veth-c1.retrans_time_ms=10 net.ipv4.neigh.veth-c1.mcast_solicit=100 ||
	{ echo "boot-bench.sh: cannot set C1's ARP timers" >&2; exit 1; }
rl_spindle_config vm "$NIC" >"$RL_TMP/spindle.conf"

# epoch_of FILE SED-EXPR: the first number the expression extracts.
epoch_of() { tr -d '\r' <"$1" 2>/dev/null | sed -n "$2" | head -n1; }

# spindle_phases LOG: "FIRMWARE_MS KERNEL_MS READY_MS" from the console: the
# PVH entry and clock-ready times (TSC since reset) and the time stamp of the
# netgraph's bring-up line, the last stamped line before "vm: ready".
spindle_phases() {
	tr -d '\r' <"$1" | awk '
		/^x86: boot timeline/ { for (i = 1; i < NF; i++) { if ($i == "entry") e = $(i + 1); if ($i == "ready") c = $(i + 1) } }
		/^\[ *[0-9.]+\]/ && !r { s = $0; sub(/^\[ */, "", s); sub(/\].*/, "", s); last = s }
		/^vm: ready/ { r = 1 }
		END {
			if (e == "" || c == "" || last == "" || !r) { print "- - -"; exit }
			ready = c / 1000 + last * 1000
			printf "%.1f %.1f %.1f\n", e / 1000, ready - e / 1000, ready }'
}

# measure VARIANT RUN: one boot; appends a line to $RES.
measure() {
	local v=$1 run=$2 name=$1-$2 limit=20 t_start t_reply total phases rc i
	local ping_log=$RL_TMP/$name.ping
	rl_c1 ip neigh flush all 2>/dev/null
	[ "$v" = linux ] && limit=120
	: >"$ping_log"
	rl_c1 timeout $((limit + 5)) ping -D -n -i "$INTERVAL" 10.1.0.1 >"$ping_log" 2>&1 &
	PING_PID=$!
	case "$v" in
	seabios) bench_vm_start "$name" spindle --image "$RL_IMAGE" --config "$RL_TMP/spindle.conf" \
		--nics 2 --nic "$NIC" --lab "$RL_P" --kvm off --timeout $((limit + 30)) ;;
	qboot) bench_vm_start "$name" spindle --image "$RL_IMAGE" --config "$RL_TMP/spindle.conf" \
		--nics 2 --nic "$NIC" --lab "$RL_P" --kvm off --timeout $((limit + 30)) \
		--firmware qboot --append poll ;;
	linux) bench_vm_start "$name" linux-router --dir "$RL_LINUX_DIR" --nic "$NIC" --lab "$RL_P" \
		--kvm off --timeout $((limit + 30)) ;;
	esac
	t_reply=
	for ((i = 0; i < limit * 100; i++)); do
		t_reply=$(epoch_of "$ping_log" 's/^\[\([0-9.]*\)\] [0-9]* bytes from.*/\1/p')
		[ -n "$t_reply" ] && break
		bench_vm_alive "$name" || break
		sleep 0.01
	done
	kill "$PING_PID" 2>/dev/null
	wait "$PING_PID" 2>/dev/null
	PING_PID=
	t_start=$(epoch_of "$RL_TMP/$name.launcher" 's/.*starting qemu at \([0-9.]*\):.*/\1/p')
	total=-
	if [ -n "$t_reply" ] && [ -n "$t_start" ]; then
		total=$(awk -v a="$t_start" -v b="$t_reply" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
	fi
	# The console up to "ready" (the Linux VM may answer before it says so).
	bench_vm_wait_ready "$name" 30 2>/dev/null
	phases="- - -"
	[ "$v" = linux ] || phases=$(spindle_phases "$BENCH_TMP/$name.log")
	bench_vm_stop "$name" 20
	rc=$BENCH_VM_RC
	printf '%s\t%s\t%s\t%s\t%s\n' "$v" "$run" "$total" "$phases" "$rc" >>"$RES"
	echo "   $name: first answered ping ${total} ms after QEMU's start; phases (firmware, kernel, VM time to ready, ms): $phases; exit status $rc"
	[ "$total" != - ] || return 1
	[ "$v" = linux ] || [ "$rc" = 0 ] || return 1
	return 0
}

# --- 3. measurements --------------------------------------------------------------
RES=$RL_TMP/results.tsv
: >"$RES"
ok=0
QEMU_VERSION=$(qemu-system-x86_64 --version | head -1)
echo "== QEMU start to first answered ping (C1 -> 10.1.0.1 every ${INTERVAL} s), tcg, q35, 128 MiB, 1 vCPU, $NIC, ${QEMU_VERSION}; $RUNS runs per variant"
for ((run = 1; run <= RUNS; run++)); do
	for v in $VARIANTS; do
		measure "$v" "$run" || ok=1
	done
done

# --- 4. table, JSON, plot ------------------------------------------------------------
mkdir -p "$OUT"
cp "$RES" "$OUT/boot-bench.tsv"
/usr/bin/python3 "$HERE/boot-report.py" --results "$RES" --json "$OUT/boot-bench.json" \
	--png "$OUT/boot-bench.png" --accel tcg --nic "$NIC" --interval "$INTERVAL" || ok=1
exit "$ok"
