#!/usr/bin/env bash
# tools/demo.sh — README's first command: spindle as a router VM between two
# networks, routing real Linux traffic, measured beside a Linux router VM.
#
#   sudo tools/demo.sh [--nic virtio|e1000] [--time S] [--build DIR] [--no-bench]
#   sudo tools/demo.sh --hosted [--time S] [--build DIR]
#   sudo tools/demo.sh --server [ARGS]      the earlier demo: spindle as a UDP/ICMP
#                                           server (tools/bench/rtt/server-demo.sh)
#   sudo tools/demo.sh --video [ARGS]       the video-server VM streaming from its disk
#                                           to ffmpeg (tools/video/demo-video.sh)
#
# 1. tools/setup.sh --quiet (the Debian packages, only those missing);
# 2. a release build in DIR (default build-release): spindle-x86_64.elf (and
#    the hosted spindle program with --hosted);
# 3. a router lab (tools/lab/router-lab.sh): namespace C1 (10.1.0.2/24, gateway
#    10.1.0.1) - router - namespace C2 (10.2.0.2/24, gateway 10.2.0.1);
#    the router is spindle's router VM (tools/vm/spindle-vm, two NICs of the
#    model --nic, default virtio; eth0 10.1.0.1/24, eth1 10.2.0.1/24,
#    "extension router"), or with --hosted the hosted spindle with two pcap
#    interfaces on the router namespace's veths;
# 4. from C1 to C2 through spindle: ping, traceroute, iperf3 TCP, iperf3 UDP
#    with 64- and 1400-byte payloads, sockperf ping-pong; then spindle stops
#    and shows its counters (it must end with every packet buffer returned);
# 5. the comparison: tools/bench/router/vm-bench.sh runs spindle's router VM
#    and a Linux router VM (Debian's kernel, busybox initramfs) on the same
#    QEMU, accelerator, NIC model and vCPU count, for virtio-net and e1000,
#    and prints both with ratios (JSON and PNG in DIR/router-bench).
#    With --hosted the baseline is instead Linux forwarding in the router
#    namespace itself, measured the same way. --no-bench skips step 5.
# 6. a short report.
# Everything it creates (namespaces, veths, TAPs, VMs, processes) is
# removed on exit. Needs root. Exit 0 when every step worked.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --server ]; then
	shift
	exec "$ROOT/tools/bench/rtt/server-demo.sh" "$@"
fi
if [ "${1:-}" = --video ]; then
	shift
	exec "$ROOT/tools/video/demo-video.sh" "$@"
fi

BUILD=build-release
TIME=5
NIC=virtio
HOSTED=0
BENCH=1
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=${2:?}; shift 2 ;;
	--time) TIME=${2:?}; shift 2 ;;
	--nic) NIC=${2:?}; shift 2 ;;
	--hosted) HOSTED=1; shift ;;
	--no-bench) BENCH=0; shift ;;
	-h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case "$NIC" in virtio|e1000) ;; *) echo "demo.sh: --nic virtio or e1000" >&2; exit 2 ;; esac
if ! [[ "$TIME" =~ ^[0-9]+$ ]] || [ "$TIME" -lt 1 ] || [ "$TIME" -gt 30 ]; then
	echo "demo.sh: --time must be 1..30 seconds" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: needs root (apt-get, network namespaces, TAP devices): sudo $0" >&2
	exit 1
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
FAILED=()
check() { # check STATUS DESCRIPTION
	if [ "$1" = 0 ]; then echo "   -> ok"; else echo "   -> FAILED: $2"; FAILED+=("$2"); fi
}

step "setup: Debian packages"
"$ROOT/tools/setup.sh" --quiet || exit 1

step "release build in ${BUILD#"$ROOT"/}"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" --buildtype=release >/dev/null || exit 1
fi
# a folder set up by a hosted-only benchmark (-Dx86_64_image=false) gets the image back
grep -q '"name": "x86_64_image", "value": false' "$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null &&
	{ meson configure "$BUILD" -Dx86_64_image=true >/dev/null || exit 1; }
TARGETS=(kernel/arch/x86_64/spindle-x86_64.elf)
[ "$HOSTED" = 1 ] && TARGETS=(apps/spindle)
if [ -d "$BUILD/apps/spindle" ]; then rm -rf "$BUILD/apps/spindle"; fi # an earlier layout's folder
ninja -C "$BUILD" -j2 "${TARGETS[@]}" | tail -1
[ "${PIPESTATUS[0]}" = 0 ] || { echo "demo.sh: build failed" >&2; exit 1; }

RL_ROOT=$ROOT
RL_P=demo$$
RL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-demo.XXXXXX")
RL_IMAGE=$BUILD/kernel/arch/x86_64/spindle-x86_64.elf
RL_SPINDLE=$BUILD/apps/spindle
RL_KVM=off
# The router VM's main loop: halt polling (netgraph/haltpoll.h), as in
# vm-bench.sh; RL_SPINDLE_MODE=idle|poll picks another.
RL_SPINDLE_MODE=${RL_SPINDLE_MODE:-haltpoll}
# shellcheck source-path=SCRIPTDIR source=bench/router/router-lib.sh
. "$ROOT/tools/bench/router/router-lib.sh"
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	rl_cleanup
	rm -rf "$RL_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$HOSTED" = 1 ]; then
	KIND=hosted
	WHAT="the hosted spindle (pcap on veth-app and veth-app1)"
else
	KIND=spindle
	# The launcher's probe boot picks KVM only where it works (never here: TCG).
	RL_KVM=$(bench_accel auto spindle "$RL_IMAGE" 2>/dev/null)
	WHAT="spindle's router VM (QEMU $([ "$RL_KVM" = on ] && echo KVM || echo TCG), 2 x $NIC)"
fi

step "lab: $RL_P-c1 (10.1.0.2) -- $WHAT in $RL_P-app -- $RL_P-c2 (10.2.0.2)"
"$RL_LABSH" up "$RL_P" | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || exit 1
rl_servers || { echo "demo.sh: iperf3 server did not start in C2" >&2; exit 1; }
echo "   spindle's configuration:"
if [ "$HOSTED" = 1 ]; then rl_spindle_config hosted; else rl_spindle_config vm "$NIC"; fi |
	grep -v '^#' | sed 's/^/     | /'
if ! rl_start "$KIND" "$NIC"; then
	echo "demo.sh: the router did not come up; its console:" >&2
	tail -n 30 "$RL_VLOG" >&2
	exit 1
fi
[ "$HOSTED" = 1 ] || grep -E "^vm: (eth|ready)" "$RL_VLOG" | sed 's/^/   /'

step "ping C1 -> C2 through spindle (5 x 56 bytes, and 3 x 3000 bytes: fragments)"
rl_c1 timeout --foreground 20 ping -n -c 5 -i 0.2 -W 2 10.2.0.2 >"$RL_TMP/ping.txt" 2>&1
rc=$?
sed -n '2p;$p' "$RL_TMP/ping.txt" | sed 's/^/   /'
check $rc "ping"
rl_c1 timeout --foreground 20 ping -n -c 3 -i 0.2 -W 2 -s 3000 10.2.0.2 >"$RL_TMP/ping3000.txt" 2>&1
rc=$?
tail -1 "$RL_TMP/ping3000.txt" | sed 's/^/   /'
check $rc "ping 3000 bytes"

step "traceroute C1 -> C2 (spindle answers TTL 1 with ICMP time exceeded, RFC 1812 5.3.1)"
rl_c1 timeout --foreground 30 traceroute -n -q 1 -w 2 -m 5 10.2.0.2 >"$RL_TMP/traceroute.txt" 2>&1
sed 's/^/   /' "$RL_TMP/traceroute.txt"
hop1=$(awk '$1 == "1" { print $2 }' "$RL_TMP/traceroute.txt")
hop2=$(awk '$1 == "2" { print $2 }' "$RL_TMP/traceroute.txt")
[ "$hop1" = 10.1.0.1 ] && [ "$hop2" = 10.2.0.2 ]
check $? "traceroute: hop 1 $hop1 (want 10.1.0.1), hop 2 $hop2 (want 10.2.0.2)"

measure_all() { # PREFIX: figures into $RL_TMP/PREFIX.* and variables
	local p=$1
	read -r TCP_MBPS TCP_RETR <<<"$(rl_tcp "$p-tcp" "$TIME")"
	read -r U64_SENT U64_FWD U64_LOSS _ <<<"$(rl_udp "$p-udp64" "$TIME" 64 100M)"
	read -r U1400_SENT U1400_FWD U1400_LOSS _ <<<"$(rl_udp "$p-udp1400" "$TIME" 1400 400M)"
	read -r LAT50 LAT99 <<<"$(rl_sockperf "$p-sockperf" "$TIME" 64)"
}

step "iperf3 TCP, UDP (64 and 1400-byte payloads) and sockperf ping-pong, C1 -> C2, $TIME s each"
measure_all spindle
echo "   iperf3 TCP:        $TCP_MBPS Mbit/s, $TCP_RETR retransmissions"
echo "   iperf3 UDP 64 B:   offered 100 Mbit/s: $U64_SENT datagrams/s sent, $U64_FWD/s forwarded, loss $U64_LOSS %"
echo "   iperf3 UDP 1400 B: offered 400 Mbit/s: $U1400_SENT datagrams/s sent, $U1400_FWD/s forwarded, loss $U1400_LOSS %"
echo "   sockperf -m 64:    half round trip p50 $LAT50 us, p99 $LAT99 us"
[ "$TCP_MBPS" != - ] && [ "$U64_FWD" != - ] && [ "$U1400_FWD" != - ] && [ "$LAT50" != - ]
check $? "a measurement gave no figure"
S_TCP=$TCP_MBPS S_RETR=$TCP_RETR S_U64=$U64_FWD S_U64L=$U64_LOSS S_U1400=$U1400_FWD S_U1400L=$U1400_LOSS S_P50=$LAT50 S_P99=$LAT99

step "stop spindle: its counters"
rl_stop
if [ "$HOSTED" = 1 ]; then
	grep -E "^(router|router\.eth[01]|pool default):" "$RL_VLOG" | cut -c1-160 | sed 's/^/   /'
	[ "$RL_RC" = 0 ]
	check $? "spindle exit status $RL_RC (0: clean, every buffer returned)"
else
	grep -E "^vm: (stats|shutdown complete)" "$RL_VLOG" | sed 's/^/   /'
	[ "$RL_RC" = 0 ] && grep -q "buffer pools full" "$RL_VLOG"
	check $? "VM exit status $RL_RC (0: clean shutdown, every buffer back in its pool)"
fi

if [ "$HOSTED" = 1 ] && [ "$BENCH" = 1 ]; then
	step "baseline: Linux forwarding in the router namespace, the same measurements"
	"$RL_LABSH" down "$RL_P" >/dev/null
	"$RL_LABSH" up "$RL_P" --linux >/dev/null && rl_servers || exit 1
	rl_c1 timeout --foreground 10 ping -n -c 1 -W 2 10.2.0.2 >/dev/null 2>&1
	measure_all linux
	printf '   %-28s %12s %12s %8s\n' figure spindle Linux ratio
	for row in "TCP Mbit/s|$S_TCP|$TCP_MBPS" "UDP 64 B forwarded/s|$S_U64|$U64_FWD" \
		"UDP 1400 B forwarded/s|$S_U1400|$U1400_FWD" "sockperf p50 us|$S_P50|$LAT50" \
		"sockperf p99 us|$S_P99|$LAT99"; do
		IFS='|' read -r name a b <<<"$row"
		printf '   %-28s %12s %12s %8s\n' "$name" "$a" "$b" "$(rl_ratio "$a" "$b")"
	done
elif [ "$BENCH" = 1 ]; then
	"$RL_LABSH" down "$RL_P" >/dev/null
	step "spindle's router VM beside a Linux router VM, same QEMU/accelerator/NIC/vCPU (tools/bench/router/vm-bench.sh)"
	"$ROOT/tools/bench/router/vm-bench.sh" --build "$BUILD" --time "$TIME" --kvm "$RL_KVM" \
		>"$RL_TMP/bench.txt" 2>&1
	brc=$?
	sed 's/^/   /' "$RL_TMP/bench.txt"
	check "$brc" "router benchmark"
fi

step "report"
echo "   router:     $WHAT, between 10.1.0.0/24 and 10.2.0.0/24"
echo "   ping:       $(grep -o '[0-9]* received' "$RL_TMP/ping.txt" || echo none) of 5; 3000 bytes: $(grep -o '[0-9]* received' "$RL_TMP/ping3000.txt" || echo none) of 3"
echo "   traceroute: hop 1 ${hop1:-none}, hop 2 ${hop2:-none}"
echo "   TCP:        $S_TCP Mbit/s ($S_RETR retransmissions)"
echo "   UDP:        64 B: $S_U64 datagrams/s forwarded (loss $S_U64L %); 1400 B: $S_U1400/s (loss $S_U1400L %)"
echo "   latency:    sockperf half round trip p50 $S_P50 us, p99 $S_P99 us"
if [ "$HOSTED" = 0 ] && [ "$BENCH" = 1 ] && [ -f "$BUILD/router-bench/router-bench.json" ]; then
	echo "   vs Linux:   $BUILD/router-bench/router-bench.json, router-bench.png"
fi
if [ ${#FAILED[@]} -eq 0 ]; then
	echo "demo: all steps ok"
	exit 0
fi
echo "demo: ${#FAILED[@]} step(s) FAILED:"
printf '   %s\n' "${FAILED[@]}"
exit 1
