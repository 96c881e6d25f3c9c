#!/usr/bin/env bash
# tools/bench/video/run.sh — SPIN's Table 9 in one run: the CPU a video
# server VM spends against the number of 30-fps 320x240 streams, spindle's
# video-server VM beside a Linux VM running video-server-linux (the same
# archive reader, frames and packetisation, tools/bench/video/README.md),
# with the frames delivered on time and lost at the receivers.
#
#   sudo tools/bench/video/run.sh [--time S] [--streams "1 5 10 15 20 50 100 200"]
#        [--nic virtio|e1000] [--servers "spindle linux"] [--out DIR] [--build DIR]
#        [--no-build] [--keep]
#
# 1. A release build at -O2 in DIR (default build-video): spindle-x86_64.elf,
#    the static video-server-linux and the receiver video-rx; the media disk
#    (tools/video/mkmedia: 10 s of testsrc2, 320x240, 30 fps, ~8 packets per
#    frame, ~2.6 Mbit/s); the Linux image with video-server-linux and the
#    archive in its initramfs (tools/vm/linux-host/build.sh, build-linux-video).
# 2. A pair lab (tools/lab/pair.sh): the server VM on the bridge, the
#    receivers in the client namespace (10.77.0.1). One VM at a time, both
#    under the same QEMU command line but for kernel, initrd and fw_cfg file
#    (q35, 128 MiB, 1 vCPU, TCG, the NIC model, the archive attached as a
#    read-only virtio-blk disk to both: spindle reads it, Linux reads its
#    copy in the initramfs, i.e. from RAM).
# 3. Per VM: 3 s idle (after 3 s to settle), then for each N of --streams:
#    video-rx counts N streams (ports 6000, 6002, ...) until their RTCP BYEs;
#    the server sends one stream
#    to N clients (spindle: "video play ... loop" and "video join" on its
#    console, the fan-out sends the copies; Linux: video-server-linux
#    --clients N, one sendto per packet per client); after 1 s the host reads
#    QEMU's CPU time over S s (/proc, tools/bench/lib/cpu.sh: the process and
#    its vCPU thread, percent of one core); then the stream stops.
# 4. table9-report.py prints the table with the paper's figures beside it (SPIN 5 %
#    for 1 stream and 72 % for 20; DEC OSF/1 28 % for 1, failed at 20) and
#    writes OUT/video-bench.json and OUT/video-bench.png (default OUT:
#    DIR/video-bench).
# Bounded: every wait has a timeout, each VM a --timeout. Needs root.
# Exit 0 when every figure was measured.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
TIME=5 STREAMS="1 5 10 15 20 50 100 200" NIC=virtio SERVERS="spindle linux"
OUT= BUILD=build-video DO_BUILD=1 KEEP=0
LIMG=${SPINDLE_LINUX_VIDEO_DIR:-$ROOT/build-linux-video}
die() { echo "video bench: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case "$1" in
	--time) TIME=${2:?}; shift 2 ;;
	--streams) STREAMS=${2:?}; shift 2 ;;
	--nic) NIC=${2:?}; shift 2 ;;
	--servers) SERVERS=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--build) BUILD=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[[ "$TIME" =~ ^[0-9]+$ ]] && [ "$TIME" -ge 2 ] && [ "$TIME" -le 60 ] || die "--time must be 2..60"
for n in $STREAMS; do [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 500 ] ||
	die "--streams: numbers 1..500"; done
for s in $SERVERS; do case "$s" in spindle|linux) ;; *) die "--servers: spindle and/or linux" ;; esac; done
case "$NIC" in virtio|e1000) ;; *) die "--nic virtio or e1000" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (namespaces, TAP devices): sudo $0"
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -n "$OUT" ] || OUT=$BUILD/video-bench
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
mkdir -p "$OUT"
MEDIA=$OUT/media.tar CLIP=testsrc2@30.mjpeg

if [ "$DO_BUILD" = 1 ]; then
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" "$ROOT" --buildtype=release \
		-Doptimization=2 >/dev/null || die "meson setup failed"
	ninja -C "$BUILD" -j2 kernel/arch/x86_64/spindle-x86_64.elf \
		tools/bench/video/video-server-linux tools/bench/video/video-rx | tail -1
	[ "${PIPESTATUS[0]}" = 0 ] || die "build failed"
	[ -s "$MEDIA" ] || "$ROOT/tools/video/mkmedia" -o "$MEDIA" --testsrc --size 320x240 --fps 30 \
		--seconds 10 >/dev/null || die "mkmedia failed"
	"$ROOT/tools/vm/linux-host/build.sh" --out "$LIMG" --name linux-video --no-default-programs \
		--program "$BUILD/tools/bench/video/video-server-linux" --file "$MEDIA:/media.tar" |
		tail -1 || die "the Linux image did not build"
fi
IMAGE=$BUILD/kernel/arch/x86_64/spindle-x86_64.elf RX=$BUILD/tools/bench/video/video-rx
for f in "$IMAGE" "$RX" "$MEDIA" "$LIMG/vmlinuz"; do [ -s "$f" ] || die "missing $f (drop --no-build)"; done

BENCH_ROOT=$ROOT
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
# shellcheck source=tools/bench/lib/cpu.sh
. "$ROOT/tools/bench/lib/cpu.sh"
# shellcheck source=tools/bench/lib/report.sh
. "$ROOT/tools/bench/lib/report.sh"
bench_pair_session video-bench "vb$$"
RXPID=
# shellcheck disable=SC2317  # called by the EXIT trap
bench_on_exit() {
	[ -n "$RXPID" ] && kill "$RXPID" 2>/dev/null
}
"$ROOT/tools/lab/pair.sh" up "$P" >/dev/null || die "pair lab up failed"
RES=$OUT/results.txt
: >"$RES"
put() { echo "$1 $2 $3 ${4:--}" >>"$RES"; }
ok=0
# the same virtio-blk disk on both VMs (spindle-vm --disk adds exactly this device)
DISK_ARGS=(-drive "file=$MEDIA,if=none,format=raw,id=disk0,readonly=on" -device virtio-blk-pci,drive=disk0)

# receiver N: video-rx for N streams in the client namespace, until every
# stream's RTCP BYE (at most S + 40 s).
receiver() {
	"$ROOT/tools/lab/pair.sh" exec "$P" cli "$RX" --bind 10.77.0.1 --port 6000 --streams "$1" \
		--seconds $((TIME + 40)) --until-bye --json "$BENCH_TMP/rx-$2-$1.json" --verbose \
		>"$BENCH_TMP/rx-$2-$1.txt" 2>&1 &
	RXPID=$!
	sleep 0.5
}
# measure KIND N NAME: CPU of NAME's QEMU over S s (the stream already runs), and the receiver.
measure() {
	local kind=$1 n=$2 pid p v _
	pid=$(bench_vm_qemu_pid "$3")
	sleep 1
	bench_cpu_mark "$kind-$n" "$pid"
	sleep "$TIME"
	read -r p v _ < <(bench_cpu_since "$kind-$n" "$pid")
	put "$kind" "$n" cpu_pct "$p"
	put "$kind" "$n" vcpu_pct "$v"
}
collect() { # KIND N: the receiver's figures
	local kind=$1 n=$2 f=$BENCH_TMP/rx-$1-$2.json k
	wait "$RXPID" 2>/dev/null
	RXPID=
	for k in frames lost late worst_late_ms; do
		put "$kind" "$n" "rx_$k" "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['$k'])" "$f" 2>/dev/null || echo -)"
	done
	echo "   $kind N=$n: CPU $(awk -v k="$kind" -v n="$n" '$1 == k && $2 == n && $3 == "cpu_pct" { print $4 }' "$RES") % (vCPU $(awk -v k="$kind" -v n="$n" '$1 == k && $2 == n && $3 == "vcpu_pct" { print $4 }' "$RES") %); receivers: $(tail -n1 "$BENCH_TMP/rx-$kind-$n.txt")"
}
idle() { # KIND NAME: 3 s of nothing, after 3 s to settle
	local pid p v _
	pid=$(bench_vm_qemu_pid "$2")
	sleep 3
	bench_cpu_mark "$1-idle" "$pid"
	sleep 3
	read -r p v _ < <(bench_cpu_since "$1-idle" "$pid")
	put "$1" 0 cpu_pct "$p"
	put "$1" 0 vcpu_pct "$v"
	echo "   $1 idle: CPU $p % (vCPU $v %)"
}

echo "== Table 9: $CLIP (320x240, 30 fps) to N clients; q35, 128 MiB, 1 vCPU, TCG, $NIC; $TIME s per point"
for server in $SERVERS; do
	if [ "$server" = spindle ]; then
		cat >"$BENCH_TMP/spindle.conf" <<EOF
interface eth0 driver=$NIC
address eth0 10.77.0.2/24
extension video-server media=disk0 pool=4096
EOF
		bench_vm_start sv spindle --image "$IMAGE" --config "$BENCH_TMP/spindle.conf" --lab "$P" \
			--slot A --nic "$NIC" --kvm off --timeout 1500 -- "${DISK_ARGS[@]}"
		bench_vm_wait_ready sv 60 || { ok=1; continue; }
		SOCK=$(sed -n 's/.*socket,id=con0,path=\([^,]*\),.*/\1/p' "$BENCH_TMP/sv.launcher" | head -n1)
		idle spindle sv
		for n in $STREAMS; do
			receiver "$n" spindle
			cmds=() first=10.77.0.1:6000
			for ((i = 1; i < n && i < 16; i++)); do first+=",10.77.0.1:$((6000 + 2 * i))"; done
			cmds+=("video play $CLIP to $first loop")
			for ((i = 16; i < n; i++)); do cmds+=("video join 1 10.77.0.1:$((6000 + 2 * i))"); done
			timeout 120 python3 "$ROOT/tests/vm/video-console.py" "$SOCK" "${cmds[@]}" \
				>"$BENCH_TMP/con-$n.txt" 2>&1 || { echo "   console failed at N=$n" >&2; ok=1; }
			measure spindle "$n" sv
			# stop first: the counters' lines take the serial port a while
			timeout 60 python3 "$ROOT/tests/vm/video-console.py" "$SOCK" "video stop 1" \
				"show counters video-server" >"$BENCH_TMP/stop-$n.txt" 2>&1
			put spindle "$n" server_late "$(awk '$1 == "rtp_late" { print $2 }' "$BENCH_TMP/stop-$n.txt")"
			collect spindle "$n"
		done
		bench_vm_stop sv 30
		[ "$BENCH_VM_RC" = 0 ] || { echo "   spindle VM status $BENCH_VM_RC" >&2; ok=1; }
	else
		{
			echo "sleep 8" # the host measures idle meanwhile
			for n in $STREAMS; do
				echo "echo bench: ready $n"
				echo "sleep 2"
				echo "section s$n video-server-linux --media /media.tar --to 10.77.0.1:6000 --clients $n --loops 0 --seconds $((TIME + 2)) --bind 10.77.0.3:5000"
			done
			echo "echo bench: done"
			echo "sleep 2"
		} >"$BENCH_TMP/linux.sh"
		bench_vm_start lv linux --dir "$LIMG" --lab "$P" --slot B --nic "$NIC" --kvm off \
			--script "$BENCH_TMP/linux.sh" --poweroff --timeout 1500 -- "${DISK_ARGS[@]}"
		bench_vm_wait_ready lv 120 || { ok=1; continue; }
		idle linux lv
		for n in $STREAMS; do
			bench_vm_wait lv "^bench: ready $n\$" 120 || { ok=1; break; }
			receiver "$n" linux
			bench_vm_wait lv "^=== begin s$n\$" 30 || { ok=1; break; }
			measure linux "$n" lv
			bench_vm_wait lv "^=== end s$n status" 60 || ok=1
			put linux "$n" server_late "$(bench_vm_section lv "s$n" | sed -n 's/.* late \([0-9]*\) .*/\1/p' | head -n1)"
			collect linux "$n"
		done
		bench_vm_wait_exit lv 60 || ok=1
	fi
done

"$BENCH_PY" "$HERE/table9-report.py" --results "$RES" --json "$OUT/video-bench.json" \
	--png "$OUT/video-bench.png" --accel tcg --time "$TIME" --nic "$NIC" || ok=1
grep -q ' -$' "$RES" && ok=1
exit "$ok"
