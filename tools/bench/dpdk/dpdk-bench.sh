#!/usr/bin/env bash
# tools/bench/dpdk/dpdk-bench.sh — spindle on DPDK ports against its
# baselines, in one run (ARCHITECTURE.md "Performance discipline").
#
#   sudo tools/bench/dpdk/dpdk-bench.sh [--build DIR] [--time S] [--reps N]
#                [--sizes "64 1400"] [--no-build] [--out PREFIX] [--keep-logs DIR]
#
# 1. Latency, on one veth pair (tools/lab/lab.sh): sockperf ping-pong
#    (--time S per size) from the client namespace against
#      spindle on DPDK    net_af_packet0 on veth-app, idle=poll
#      spindle on pcap    examples/server.conf (libpcap)
#      Linux              a sockperf server on veth-app (10.77.0.2/24)
#    p50 and p99 of the half round trip, and the ratios to Linux.
#    Target: p50 on DPDK <= 0.7 x Linux's.
# 2. Forwarding, on the router lab's veths (tools/lab/router-lab.sh):
#    dpdk-testpmd --forward-mode=txonly in C1 offers 64-byte UDP frames
#    (60 bytes + FCS, 10.1.0.2 -> 10.2.0.2 port 9) on its own CPU (0), on
#    net_af_packet over veth-c1; a UDP socket on port 9 in C2 that is never
#    read takes them (so C2's kernel does the same small work for every
#    router, in the router's transmit context). Counted: frames C1 sent and
#    frames C2's veth received, over S seconds, through
#      spindle on DPDK    two net_af_packet ports, "extension router", on CPU 1
#      testpmd io         dpdk-testpmd --forward-mode=io on the same two vdevs,
#                         on CPU 1 (the PMD's own limit; the generator then
#                         addresses C2's MAC, as the routers' output does)
#      Linux              the router namespace's kernel forwarding
#    in turn, N rounds (--reps, default 3); the medians are the figures.
#    The router's receive work in the kernel (veth-app's backlog and the
#    PMD's AF_PACKET ring, or Linux's forwarding) is steered to the router's
#    CPU with RPS (rps_cpus on veth-app): every router then pays for all its
#    own frames on CPU 1, and the generator's CPU only builds and sends, so
#    that it offers more than the routers can take.
#    Target: spindle >= 0.8 x testpmd io. When testpmd forwards 95% or more
#    of what is offered, the generator is the limit and the target is
#    reported inconclusive, not met.
# 3. Forwarding from memory, no kernel in the way: net_pcap replaying a
#    64-byte UDP trace in a loop (infinite_rx) into the router, its output
#    written to /dev/null: spindle's router against testpmd io on the same
#    vdevs, both on CPU 1: what the protocol graph costs per frame.
#
# Prints a table with the ratios; writes PREFIX.json and PREFIX.png
# (default PREFIX: DIR/dpdk-bench). The labs are removed on exit, also on
# failure or Ctrl-C; every command is bounded by timeout(1). Needs root,
# DPDK (tools/setup.sh) and a spindle built with it. Exit 0 when every
# figure was measured, 1 otherwise.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
LAB=$ROOT/tools/lab/lab.sh
PY=/usr/bin/python3
BUILD=build-release
TIME=5
SIZES="64 1400"
DO_BUILD=1
REPS=3
KEEP=
OUT=

while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--time) TIME=$2; shift 2 ;;
	--reps) REPS=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--out) OUT=$2; shift 2 ;;
	--keep-logs) KEEP=$2; shift 2 ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "dpdk-bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OUT=${OUT:-$BUILD/dpdk-bench}
if ! [[ "$TIME" =~ ^[0-9]+$ ]] || [ "$TIME" -lt 1 ] || [ "$TIME" -gt 60 ]; then
	echo "dpdk-bench.sh: --time must be 1..60 seconds" >&2
	exit 2
fi
if ! [[ "$REPS" =~ ^[0-9]+$ ]] || [ "$REPS" -lt 1 ] || [ "$REPS" -gt 10 ]; then
	echo "dpdk-bench.sh: --reps must be 1..10" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "dpdk-bench.sh: needs root (network namespaces): sudo $0" >&2; exit 1; }
for c in sockperf dpdk-testpmd ip ethtool ping taskset socat timeout awk; do
	command -v "$c" >/dev/null || { echo "dpdk-bench.sh: missing $c (run tools/setup.sh)" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "dpdk-bench.sh: needs 2 CPUs (generator and router)" >&2; exit 1; }

if [ "$DO_BUILD" = 1 ]; then
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$ROOT" --buildtype=release -Dx86_64_image=false >/dev/null || exit 1
	fi
	ninja -C "$BUILD" -j2 apps/spindle >/dev/null || { echo "dpdk-bench.sh: build failed" >&2; exit 1; }
fi
SPINDLE=$BUILD/apps/spindle
[ -x "$SPINDLE" ] || { echo "dpdk-bench.sh: no $SPINDLE" >&2; exit 1; }
# (the output first: under pipefail a pipeline into grep -q has spindle's status)
probe=$("$SPINDLE" --config /dev/stdin <<<"interface eth0 driver=dpdk" 2>&1)
if grep -q "unknown driver 'dpdk'" <<<"$probe"; then
	echo "dpdk-bench.sh: $SPINDLE was built without DPDK (tools/setup.sh, then meson setup --reconfigure)" >&2
	exit 1
fi

P=dbl$$
RL_P=dbf$$
RL_ROOT=$ROOT
RL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-dpdkbench.XXXXXX")
TMP=$RL_TMP
RES=$TMP/results.tsv
: >"$RES"
# shellcheck source-path=SCRIPTDIR source=../router/router-lib.sh
. "$ROOT/tools/bench/router/router-lib.sh"
# shellcheck source-path=SCRIPTDIR source=dpdk-lib.sh
. "$HERE/dpdk-lib.sh"
# shellcheck source-path=SCRIPTDIR source=bench-lib.sh
. "$HERE/bench-lib.sh"

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local p
	for p in $SPID $GPID $XPID; do kill -KILL "$p" 2>/dev/null; done
	rl_cleanup
	"$LAB" down "$P" >/dev/null 2>&1
	if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && cp -r "$TMP"/* "$KEEP"/ 2>/dev/null; fi
	rm -rf "$TMP"
}
SPID= GPID= XPID=
trap cleanup EXIT
trap 'exit 1' INT TERM

LOAD0=$(cut -d' ' -f1 /proc/loadavg)
# ================================================================ 1. latency
"$LAB" up "$P" >/dev/null || { echo "dpdk-bench.sh: lab up failed" >&2; exit 1; }
cli() { "$LAB" exec "$P" cli "$@"; }

for side in dpdk pcap; do
	if [ "$side" = dpdk ]; then
		sed "s|^interface eth0 .*|interface eth0 driver=dpdk dev=net_af_packet0,iface=veth-app,framesz=4096,framecnt=2048 mac=02:00:00:00:00:02|" \
			"$ROOT/examples/server.conf" >"$TMP/server-dpdk.conf"
	else
		cp "$ROOT/examples/server.conf" "$TMP/server-pcap.conf"
	fi
	echo "== spindle on $side, veth-app of lab $P"
	"$LAB" exec "$P" app "$SPINDLE" --config "$TMP/server-$side.conf" --console none \
		>"$TMP/spindle-$side.log" 2>&1 </dev/null &
	SPID=$!
	bench_wait_running "$TMP/spindle-$side.log" "$SPID" || { cat "$TMP/spindle-$side.log"; exit 1; }
	bench_sockperf "$side"
	bench_stop "$SPID" || echo "dpdk-bench.sh: spindle on $side did not stop cleanly" >&2
	SPID=
done
echo "== Linux sockperf server on veth-app"
"$LAB" exec "$P" app ip link set veth-app arp on promisc off
"$LAB" exec "$P" app ip addr add 10.77.0.2/24 dev veth-app
"$LAB" exec "$P" app timeout 300 sockperf server -i 10.77.0.2 -p 11111 >"$TMP/linux-server.log" 2>&1 &
XPID=$!
sleep 1
bench_sockperf linux
kill -TERM "$XPID" 2>/dev/null; wait "$XPID" 2>/dev/null; XPID=
"$LAB" down "$P" >/dev/null 2>&1

# ============================================================= 2. forwarding
"$RL_LABSH" up "$RL_P" >/dev/null || { echo "dpdk-bench.sh: router lab up failed" >&2; exit 1; }
bench_sink_start
# Receive processing of the frames from C1 on the router's CPU (1), not on
# the generator's (0), where netif_rx would otherwise run it (veth without
# GRO has no NAPI of its own; RPS, Documentation/networking/scaling.rst).
rl_app sh -c 'echo 2 >/sys/class/net/veth-app/queues/rx-0/rps_cpus' ||
	echo "dpdk-bench.sh: no RPS on veth-app: the generator's CPU also receives for the router" >&2
dl_router_config idle=poll >"$TMP/router.conf"

# The three routers in turn, REPS rounds: the offered load drifts with the
# host, so each router is measured in every round and report.py takes medians.
fwd_spindle() {
	echo "== forwarding, round $1: spindle router on two DPDK ports (CPU 1)"
	DL_WRAP="taskset -c 1" dl_start_router "$SPINDLE" "$TMP/router.conf" ||
		{ cat "$RL_VLOG"; echo "dpdk-bench.sh: spindle router did not come up" >&2; exit 1; }
	bench_forward spindle "$DL_MAC1"
	rl_stop
	[ "$RL_RC" = 0 ] || echo "dpdk-bench.sh: the spindle router exited $RL_RC" >&2
}
fwd_testpmd() {
	echo "== forwarding, round $1: dpdk-testpmd --forward-mode=io on the same vdevs (CPU 1)"
	# shellcheck disable=SC2046  # bench_eal is words
	ip netns exec "$RL_P-app" timeout $((TIME + 30)) dpdk-testpmd $(bench_eal 1) \
		--vdev=net_af_packet0,iface=veth-app,framesz=4096,framecnt=2048 \
		--vdev=net_af_packet1,iface=veth-app1,framesz=4096,framecnt=2048 -- \
		--forward-mode=io --mbuf-size=4224 --total-num-mbufs=16384 --nb-cores=1 \
		--stats-period 60 >"$TMP/testpmd-io-$1.log" 2>&1 </dev/null &
	XPID=$!
	sleep 2
	bench_forward testpmd 02:00:00:00:02:02
	bench_stop "$XPID" >/dev/null
	XPID=
}
# The router namespace's own kernel forwards (router-lab.sh --linux's set-up), then silent again.
fwd_linux() {
	echo "== forwarding, round $1: Linux kernel in the router namespace"
	rl_app ip link set veth-app arp on promisc off
	rl_app ip link set veth-app1 arp on promisc off
	rl_app ip addr add 10.1.0.1/24 dev veth-app
	rl_app ip addr add 10.2.0.1/24 dev veth-app1
	rl_app sysctl -qw net.ipv4.ip_forward=1
	rl_c1 ip neigh flush all
	rl_c2 ip neigh flush all
	rl_c1 timeout 10 ping -n -c 2 -W 1 10.2.0.2 >/dev/null 2>&1
	bench_forward linux 02:00:00:00:01:01
	rl_app sysctl -qw net.ipv4.ip_forward=0
	rl_app ip addr flush dev veth-app
	rl_app ip addr flush dev veth-app1
	rl_app ip link set veth-app arp off promisc on
	rl_app ip link set veth-app1 arp off promisc on
}
for ((round = 1; round <= REPS; round++)); do
	fwd_spindle "$round"
	fwd_testpmd "$round"
	fwd_linux "$round"
done
rl_cleanup

# ====================================================== 3. from memory
echo "== forwarding from memory: net_pcap loop -> router -> /dev/null (CPU 1)"
mkdir -p "$TMP/u64"
"$PY" "$ROOT/tools/bench/router/gen-udp64.py" "$TMP/u64" 1000 >/dev/null || exit 1
bench_memory

# ================================================================= report
"$PY" "$HERE/report.py" --results "$RES" --json "$OUT.json" --png "$OUT.png" \
	--time "$TIME" --cpus "$(nproc)" --load "$LOAD0" "$(cut -d' ' -f1 /proc/loadavg)"
