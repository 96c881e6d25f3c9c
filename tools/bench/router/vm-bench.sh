#!/usr/bin/env bash
# tools/bench/router/vm-bench.sh — spindle's router VM against a Linux router
# VM, in one run, on the same QEMU, accelerator, machine (q35, 128 MiB,
# 1 vCPU), NIC model and lab (ARCHITECTURE.md "Performance discipline": a
# figure beside a baseline measured in the same run, as a ratio).
#
#   sudo tools/bench/router/vm-bench.sh [--build DIR] [--no-build] [--time S]
#        [--nics "virtio e1000"] [--udp-rate BPS] [--out DIR] [--kvm auto|on|off]
#
# 1. Builds spindle-x86_64.elf in DIR (default build-release, meson setup
#    --buildtype=release) and the Linux router VM (tools/vm/linux-router/
#    build.sh: Debian's kernel package and a busybox initramfs).
# 2. A router lab (tools/lab/router-lab.sh): C1 10.1.0.2/24 - router - C2
#    10.2.0.2/24; the router is a VM with two NICs (eth0 10.1.0.1/24, eth1
#    10.2.0.1/24) bridged to the lab. Servers in C2: iperf3, sockperf.
# 3. For each NIC model, spindle's router VM (extension router) and then the
#    Linux router VM (ip_forward=1), each booted fresh, C1 -> C2:
#      iperf3 TCP, S seconds: receiver throughput, sender retransmissions;
#      iperf3 UDP, 64-byte payloads offered at BPS (default 100M, about
#        195,000 datagrams/s), S seconds: datagrams/s sent, datagrams/s
#        forwarded (counted by C2's kernel on veth-c2) and the loss;
#      sockperf ping-pong -m 64, S seconds: half round trip p50 and p99.
#    Then the VM is shut down from its console (spindle must halt with 0:
#    every packet buffer back in its pool).
# 4. Prints a table with the spindle/Linux ratios; writes DIR-out/
#    router-bench.json and router-bench.png (default --out: DIR/router-bench).
# RL_ROUTER_PARAMS (environment): more parameters of spindle's "extension
# router" line, e.g. RL_ROUTER_PARAMS=gro=no for the figures without
# receive coalescing. RL_SPINDLE_MODE: spindle's main-loop mode, default
# haltpoll (polls an adaptive while, at most 1 ms, before it sleeps until an
# interrupt: netgraph/haltpoll.h; its counters are printed); idle (sleeps at
# once); poll (never idles, one busy vCPU; also RL_SPINDLE_POLL=1).
# The accelerator is chosen once (--kvm auto: KVM only when both images
# pass the launcher's probe boot, tools/bench/lib/vm.sh bench_accel) and
# used for both VMs. Bounded: about 40 s per VM at S = 5 (the Linux VM
# boots in 5-15 s under TCG); everything is removed on
# exit. Needs root. Exit 0 when every figure was measured and spindle shut
# down cleanly, 1 otherwise.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BUILD=build-release
DO_BUILD=1
TIME=5
NICS="virtio e1000"
UDP_RATE=100M
OUT=
KVM=auto

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--time) TIME=${2:?}; shift 2 ;;
	--nics) NICS=${2:?}; shift 2 ;;
	--udp-rate) UDP_RATE=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--kvm) KVM=${2:?}; shift 2 ;;
	-h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "vm-bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -n "$OUT" ] || OUT=$BUILD/router-bench
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
if ! [[ "$TIME" =~ ^[0-9]+$ ]] || [ "$TIME" -lt 1 ] || [ "$TIME" -gt 30 ]; then
	echo "vm-bench.sh: --time must be 1..30 seconds" >&2
	exit 2
fi
for n in $NICS; do
	case "$n" in virtio|e1000) ;; *) echo "vm-bench.sh: --nics takes virtio and/or e1000" >&2; exit 2 ;; esac
done
case "$KVM" in auto|on|off) ;; *) echo "vm-bench.sh: --kvm auto|on|off" >&2; exit 2 ;; esac
if [ "$(id -u)" != 0 ]; then
	echo "vm-bench.sh: needs root (namespaces, TAP devices): sudo $0" >&2
	exit 1
fi
for c in qemu-system-x86_64 iperf3 sockperf ip ethtool timeout socat; do
	command -v "$c" >/dev/null || { echo "vm-bench.sh: missing $c (run tools/setup.sh)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
	echo "vm-bench.sh: python3-matplotlib missing: no plot (apt-get install python3-matplotlib)" >&2

# --- 1. builds ----------------------------------------------------------------
if [ "$DO_BUILD" = 1 ]; then
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$ROOT" --buildtype=release >/dev/null || exit 1
	fi
	# a folder set up by a hosted-only benchmark (-Dx86_64_image=false) gets the image back
	grep -q '"name": "x86_64_image", "value": false' "$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null &&
		{ meson configure "$BUILD" -Dx86_64_image=true >/dev/null || exit 1; }
	ninja -C "$BUILD" -j2 kernel/arch/x86_64/spindle-x86_64.elf >/dev/null ||
		{ echo "vm-bench.sh: build failed" >&2; exit 1; }
	"$ROOT/tools/vm/linux-router/build.sh" || { echo "vm-bench.sh: Linux router VM build failed" >&2; exit 1; }
fi

RL_SPINDLE_MODE=${RL_SPINDLE_MODE:-haltpoll}
[ "${RL_SPINDLE_POLL:-0}" != 1 ] || RL_SPINDLE_MODE=poll
case "$RL_SPINDLE_MODE" in idle|poll|haltpoll) ;; *) echo "vm-bench.sh: RL_SPINDLE_MODE is idle, poll or haltpoll" >&2; exit 2 ;; esac
RL_ROOT=$ROOT
RL_P=vb$$
RL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-vmbench.XXXXXX")
RL_IMAGE=$BUILD/kernel/arch/x86_64/spindle-x86_64.elf
RL_LINUX_DIR=${SPINDLE_LINUX_ROUTER_DIR:-$ROOT/build-linux-router}
# shellcheck source-path=SCRIPTDIR source=router-lib.sh
. "$HERE/router-lib.sh"
[ -f "$RL_IMAGE" ] || { echo "vm-bench.sh: no $RL_IMAGE (drop --no-build)" >&2; exit 1; }
[ -s "$RL_LINUX_DIR/vmlinuz" ] || { echo "vm-bench.sh: no Linux router VM in $RL_LINUX_DIR (drop --no-build)" >&2; exit 1; }

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	rl_cleanup
	rm -rf "$RL_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- accelerator, once for both: KVM only when both images pass the probe ---------
RL_KVM=$(bench_accel "$KVM" spindle "$RL_IMAGE" linux "$RL_LINUX_DIR")
ACCEL=$([ "$RL_KVM" = on ] && echo kvm || echo tcg)

"$RL_LABSH" up "$RL_P" >/dev/null || { echo "vm-bench.sh: lab up failed" >&2; exit 1; }
rl_servers || { echo "vm-bench.sh: iperf3 server did not start in C2" >&2; exit 1; }

# --- 3. measurements --------------------------------------------------------------
RES=$RL_TMP/results.tsv
: >"$RES"
ok=0
echo "== router VMs under $ACCEL (spindle: mode $RL_SPINDLE_MODE), q35, 128 MiB, 1 vCPU, $(qemu-system-x86_64 --version | head -1 | awk '{print "QEMU", $4}'); C1 10.1.0.2 -> C2 10.2.0.2, $TIME s per figure"
for nic in $NICS; do
	for kind in spindle linux; do
		t0=$(date +%s)
		if ! rl_start "$kind" "$nic"; then
			echo "   $kind/$nic: the router did not come up; its console:" >&2
			tail -n 20 "$RL_VLOG" | sed 's/^/     | /' >&2
			rl_stop
			ok=1
			printf '%s\t%s\t- -\t- - - -\t- -\t-\t-\n' "$nic" "$kind" >>"$RES"
			continue
		fi
		boot=$(($(date +%s) - t0))
		tcp=$(rl_tcp "$kind-$nic-tcp" "$TIME")
		udp=$(rl_udp "$kind-$nic-udp64" "$TIME" 64 "$UDP_RATE")
		lat=$(rl_sockperf "$kind-$nic-sockperf" "$TIME" 64)
		rl_stop
		drops=$(rl_nic_drops)
		[ "$kind" = spindle ] && [ "$RL_RC" != 0 ] && { echo "   spindle/$nic: the VM halted with status $RL_RC (0: clean, pools full)" >&2; ok=1; }
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$nic" "$kind" "$tcp" "$udp" "$lat" "$RL_RC" "$drops" >>"$RES"
		read -r s_pps f_pps loss _ <<<"$udp"
		sed -n 's/^vm: stats \(haltpoll .*\)/   spindle\/'"$nic"': \1/p' "$RL_VLOG" | tr -d '\r'
		echo "   $kind/$nic: up in ${boot} s; TCP ${tcp% *} Mbit/s, ${tcp#* } retransmits; UDP 64 B: $s_pps sent/s, $f_pps forwarded/s, loss $loss %; sockperf p50 ${lat% *} us, p99 ${lat#* } us; the router's NICs dropped $drops frames; exit status $RL_RC"
	done
done

# --- 4. table, JSON, plot ------------------------------------------------------------
mkdir -p "$OUT"
/usr/bin/python3 "$HERE/plot.py" --results "$RES" --json "$OUT/router-bench.json" \
	--png "$OUT/router-bench.png" --accel "$ACCEL" --time "$TIME" --udp-rate "$UDP_RATE" \
	--spindle-mode "$RL_SPINDLE_MODE" \
	--qemu "$(qemu-system-x86_64 --version | head -1)" \
	--linux "$(sed -n 's/^linux-router: kernel //p' "$RL_TMP"/linux-*.log 2>/dev/null | tr -d '\r' | head -n1)" || ok=1
cut -f3-5 "$RES" | tr '\t' ' ' | sed 's/^/ /;s/$/ /' | grep -q -- ' - ' && ok=1
exit "$ok"
