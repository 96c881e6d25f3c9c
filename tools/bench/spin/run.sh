#!/usr/bin/env bash
# tools/bench/spin/run.sh — SPIN's evaluation (Bershad et al., SOSP 1995,
# Tables 7, 8 and 9) reproduced on this machine in one command: spindle's
# and Linux's figures measured in one session, beside the paper's.
#
#   sudo tools/bench/spin/run.sh [--quick] [--nic virtio|e1000|both] [--alpha]
#        [--out DIR] [--build DIR] [--no-build] [--keep]
#
# 1. tools/setup.sh --quiet (the Debian packages, only those missing); one
#    release build (DIR, default build-spin: --buildtype=release, -O2) that
#    every benchmark below is pointed at, and the Linux images each of them
#    builds for itself (tools/vm/linux-host: build-linux-host, -rpc, -video;
#    a rebuild is a no-op when nothing changed).
# 2. For each NIC model (--nic, default virtio; both = virtio then e1000),
#    on x86_64, all under TCG (--kvm off: the video benchmark runs TCG only,
#    and a comparison needs one accelerator), q35, 128 MiB, 1 vCPU per VM,
#    the same QEMU, the existing benchmarks one after the other, each with
#    its own pair lab (tools/lab/pair.sh), their JSON under
#    OUT/x86_64-NIC/<bench>/:
#      rpc         tools/bench/rpc/run.sh: null ONC RPC round trips, spindle
#                  VM to spindle VM (UDP async, bounded, raw AAL5 bounded)
#                  and rpcgen/libtirpc between two Linux VMs  -> Table 7
#      am          tools/bench/am/run.sh: active-message round trips (UDP and
#                  raw, async and bounded), sockperf between two Linux VMs,
#                  and 64 KiB stores back to back over UDP and raw with the
#                  QEMU CPU of the sender (B) and receiver (A) over each
#                  -> Tables 7 and 8
#      linux-pair  tools/bench/linux-pair/run.sh: iperf3 -u -b 0 -l 1472
#                  between two Linux VMs, bandwidth received by A and the
#                  QEMU CPU of the sender B                   -> Table 8
#      video       tools/bench/video/run.sh: server VM CPU against 30-fps
#                  streams, spindle and Linux               -> Table 9
#                  (skipped, with a message, when the benchmark is absent)
# 3. --alpha: tools/bench/spin/alpha.sh, the same round trips and stores
#    between two spindle Alpha VMs (qemu-system-alpha -M clipper, TCG;
#    SPIN's own CPU; no Linux column) -> OUT/alpha-virtio/alpha.json.
# 4. report.py: OUT/spin-tables.md (printed), OUT/spin-tables.json,
#    OUT/table7.png, table8.png, table9.png.
# --quick: small counts (200 round trips, 200 stores, 2 s per figure,
#    streams 1 and 20, no hosted RPC), a few minutes per NIC model; the full
#    run (2000 round trips, 1000 stores, 5 s per figure, streams 1 to 200)
#    takes about 15 minutes per NIC model after the build. The benchmarks'
#    consoles go to OUT/logs/. Every benchmark bounds its own waits. Needs
#    root. Exit 0 when every benchmark measured every figure.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
QUICK=0 NIC=virtio ALPHA=0 OUT='' BUILD=build-spin DO_BUILD=1 KEEP=0
die() { echo "spin bench: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1; shift ;;
	--nic) NIC=${2:?}; shift 2 ;;
	--alpha) ALPHA=1; shift ;;
	--out) OUT=${2:?}; shift 2 ;;
	--build) BUILD=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
case "$NIC" in virtio|e1000) NICS=$NIC ;; both) NICS="virtio e1000" ;; *) die "--nic virtio|e1000|both" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (namespaces, TAP devices, apt-get): sudo $0"
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -n "$OUT" ] || OUT=$BUILD/spin-bench
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
mkdir -p "$OUT/logs" || die "cannot make $OUT"
PY=/usr/bin/python3

if [ "$QUICK" = 1 ]; then
	RPC_ARGS=(--count 200 --no-hosted)
	AM_ARGS=(--count 200 --stores 200 --time 2)
	LP_ARGS=(--time 2)
	VIDEO_ARGS=(--streams "1 20" --time 2)
	MODE="quick: 200 RPCs and 200 AM round trips per figure, 200 stores of 64 KiB, 2 s per Linux and video figure, streams 1 and 20"
else
	RPC_ARGS=(--count 2000)
	AM_ARGS=(--count 2000 --stores 1000 --time 5)
	LP_ARGS=(--time 5)
	VIDEO_ARGS=(--time 5)
	MODE="full: 2000 RPCs and 2000 AM round trips per figure, 1000 stores of 64 KiB, 5 s per Linux and video figure, streams 1 to 200"
fi
[ "$KEEP" = 1 ] && KEEP_ARG=(--keep) || KEEP_ARG=()
T0=$EPOCHREALTIME
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d:%02d", (b - a) / 60, (b - a) % 60 }'; }
status=0

if [ "$DO_BUILD" = 1 ]; then
	"$ROOT/tools/setup.sh" --quiet || die "tools/setup.sh failed"
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$ROOT" --buildtype=release -Doptimization=2 >"$OUT/logs/meson-setup.log" 2>&1 ||
			die "meson setup $BUILD failed ($OUT/logs/meson-setup.log)"
	fi
	echo "== [$(elapsed)] building $BUILD (ninja -j2)"
	ninja -C "$BUILD" -j2 >"$OUT/logs/build.log" 2>&1 || die "the build failed ($OUT/logs/build.log)"
fi
[ -s "$BUILD/kernel/arch/x86_64/spindle-x86_64.elf" ] || die "no spindle image in $BUILD (drop --no-build)"
[ "$DO_BUILD" = 1 ] && NB=() || NB=(--no-build)

# bench NAME LOG COMMAND...: runs one benchmark, its output in LOG and its
# figures' lines on the terminal; a failure is reported and the run goes on.
bench() {
	local name=$1 log=$2 rc
	shift 2
	echo "== [$(elapsed)] $name: $*" | sed "s|$ROOT/||g"
	"$@" >"$log" 2>&1
	rc=$?
	grep -E '^ +(spindle|linux|Linux|sockperf|udp|raw|idle|iperf3|spindle N=|linux N=)|^ (virtio|e1000):|MISSED|met$' "$log" |
		sed 's/^/   | /' | head -n 40
	if [ "$rc" != 0 ]; then
		echo "   $name exited $rc (not every figure measured; see $log)"
		status=1
	fi
}

for nic in $NICS; do
	C=$OUT/x86_64-$nic
	mkdir -p "$C"
	echo "== x86_64, $nic: TCG, q35, 128 MiB, 1 vCPU per VM"
	bench "Table 7: null RPC" "$OUT/logs/rpc-$nic.log" "$ROOT/tools/bench/rpc/run.sh" --build "$BUILD" \
		--nic "$nic" --kvm off --out "$C/rpc" "${RPC_ARGS[@]}" "${NB[@]}" "${KEEP_ARG[@]}"
	bench "Tables 7 and 8: active messages and 64 KiB stores" "$OUT/logs/am-$nic.log" \
		"$ROOT/tools/bench/am/run.sh" --build "$BUILD" --nic "$nic" --kvm off --out "$C/am" \
		"${AM_ARGS[@]}" "${NB[@]}" "${KEEP_ARG[@]}"
	# the windows am/run.sh read the stores' CPU over (its log: "   udp_bulk (0.78 s; QEMU CPU ...")
	sed -n 's/^   \([a-z]*_bulk\) (\([0-9.]*\) s; QEMU CPU.*/\1 \2/p' "$OUT/logs/am-$nic.log" |
		"$PY" -c 'import json, sys; json.dump({w[0] + "_cpu_window_ms": 1000 * float(w[1]) for w in
			(l.split() for l in sys.stdin)}, open(sys.argv[1], "w"))' "$C/am/cpu-window.json"
	bench "Table 8: iperf3 UDP between Linux VMs" "$OUT/logs/linux-pair-$nic.log" \
		"$ROOT/tools/bench/linux-pair/run.sh" --nics "$nic" --kvm off --out "$C/linux-pair" \
		"${LP_ARGS[@]}" "${NB[@]}" "${KEEP_ARG[@]}"
	if [ -x "$ROOT/tools/bench/video/run.sh" ]; then
		bench "Table 9: video server" "$OUT/logs/video-$nic.log" "$ROOT/tools/bench/video/run.sh" \
			--build "$BUILD" --nic "$nic" --out "$C/video" "${VIDEO_ARGS[@]}" "${NB[@]}" "${KEEP_ARG[@]}"
	else
		echo "== Table 9: skipped: no tools/bench/video/run.sh in this tree (the video benchmark)"
		status=1
	fi
done

if [ "$ALPHA" = 1 ]; then
	A_ARGS=()
	[ "$QUICK" = 1 ] && A_ARGS=(--quick)
	bench "Alpha (clipper, TCG): spindle to spindle" "$OUT/logs/alpha.log" "$HERE/alpha.sh" \
		--out "$OUT/alpha-virtio" --nic virtio "${A_ARGS[@]}" "${NB[@]}" "${KEEP_ARG[@]}"
fi

echo "== [$(elapsed)] report"
"$PY" "$HERE/report.py" --run "$OUT" --mode "$MODE; took $(elapsed) min:s" --accel tcg || status=1
exit "$status"
