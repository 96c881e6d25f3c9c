#!/usr/bin/env bash
# tools/bench/rpc/run.sh — null ONC RPC round trips, SPIN's Table 7
# analogue (Bershad et al. SOSP 1995: DEC OSF/1 840 us; SPIN extension 579;
# bounded extension 510; UDP/IP 332; raw AAL 162), in one run:
#
#   sudo tools/bench/rpc/run.sh [--count N] [--nic virtio|e1000] [--kvm auto|on|off]
#        [--build DIR] [--out DIR] [--no-build] [--no-hosted] [--keep]
#
# 1. Builds (unless --no-build) DIR (default build-release: no sanitizers)
#    with the VM kernel, the hosted spindle and tools/rpc (rpcgen, libtirpc),
#    and the Linux image build-linux-rpc (tools/vm/linux-host/build.sh
#    --name linux-rpc: rpcbind, rpcinfo, rpcecho-server, rpcecho-client).
# 2. spindle to spindle: two spindle VMs on one bridge (tools/lab/pair.sh;
#    q35, 128 MiB, 1 vCPU, the NIC model, the accelerator). A (10.77.0.2)
#    serves rpcecho (apps/rpc-echo) on UDP 40001 mode=async, UDP 40002
#    mode=bounded, UDP 40003 mode=sync (inline without a budget: what the
#    budget costs) and VC 0/40 mode=bounded; B (10.77.0.3) gets, typed on
#    its console one after the other, rpc-ping with N null calls (RPCECHO
#    procedure 0, back to back, after N/100 warm-up calls) to each: UDP
#    async, UDP bounded, UDP sync, raw AAL5. Round trip = first
#    transmission to the reply in B's receive handler (B's clock). Over
#    each, the host CPU of both QEMU processes (tools/bench/lib/cpu.sh)
#    per call.
# 3. Linux at user level: two Linux VMs (build-linux-rpc) on the same
#    bridge, QEMU options, NIC and vCPUs. A runs rpcbind and tools/rpc's
#    rpcecho-server (rpcgen's dispatch, libtirpc's svc_run), registered; B
#    runs rpcecho-client --null-only -n N (clnt_create through A's rpcbind,
#    then N clnt_calls of procedure 0, timed with CLOCK_MONOTONIC), with
#    the host CPU of both QEMUs per call over its section.
# 4. Hosted (--no-hosted skips): a veth lab (tools/lab/lab.sh), the libtirpc
#    client rpcecho-client --null-only -n N --port P in the client
#    namespace against, in the app namespace, the hosted spindle (rpc-echo
#    async on 40001, bounded on 40002, sync on 40003, pcap on veth-app),
#    then against
#    rpcecho-server --port 40001 --no-register (veth-app given 10.77.0.2).
# Prints p50 and p99 of each with its ratio to the Linux figure of its
# column and the targets: spindle UDP <= 0.5x Linux user level; bounded <=
# 0.9x async; raw AAL5 <= 0.7x UDP (bounded, the same mode); writes
# OUT/rpc.json (figures keyed for tools/bench/spin) and OUT/rpc.png
# (default OUT: build-linux-rpc/rpc-bench). Every wait is bounded; labs and
# VMs are removed on exit (--keep leaves the consoles in the scratch
# directory). Nothing uses the host's own port 111: rpcbind runs only
# inside the Linux VM. Needs root. Exit 0 when every figure was measured.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
COUNT=5000
NIC=virtio
KVM=auto
BUILD=build-release
OUT=
DO_BUILD=1
HOSTED=1
KEEP=0
IMG=${SPINDLE_LINUX_RPC_DIR:-$ROOT/build-linux-rpc}

die() { echo "run.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case "$1" in
	--count) COUNT=${2:?}; shift 2 ;;
	--nic) NIC=${2:?}; shift 2 ;;
	--kvm) KVM=${2:?}; shift 2 ;;
	--build) BUILD=${2:?}; shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--no-build) DO_BUILD=0; shift ;;
	--no-hosted) HOSTED=0; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
if ! [[ "$COUNT" =~ ^[0-9]+$ ]] || [ "$COUNT" -lt 100 ] || [ "$COUNT" -gt 200000 ]; then
	die "--count must be 100..200000"
fi
case "$NIC" in virtio|e1000) ;; *) die "--nic virtio|e1000" ;; esac
case "$KVM" in auto|on|off) ;; *) die "--kvm auto|on|off" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (namespaces, TAP devices): sudo $0"
for c in qemu-system-x86_64 ip ethtool socat timeout; do
	command -v "$c" >/dev/null || die "missing $c (run tools/setup.sh)"
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ -n "$OUT" ] || OUT=$IMG/rpc-bench
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
WARM=$((COUNT / 100))
ELF=$BUILD/kernel/arch/x86_64/spindle-x86_64.elf
RPCBIN=$BUILD/tools/rpc

if [ "$DO_BUILD" = 1 ]; then
	[ -d "$BUILD" ] || meson setup "$BUILD" --buildtype=release >/dev/null || die "meson setup $BUILD failed"
	ninja -C "$BUILD" -j2 >/dev/null || die "the build failed in $BUILD"
	"$ROOT/tools/vm/linux-host/build.sh" --out "$IMG" --name linux-rpc --no-default-programs \
		--program rpcbind --program rpcinfo --program "$RPCBIN/rpcecho-server" \
		--program "$RPCBIN/rpcecho-client" || die "the Linux RPC image did not build"
fi
[ -f "$ELF" ] || die "no $ELF (drop --no-build)"
[ -x "$RPCBIN/rpcecho-client" ] || die "no $RPCBIN/rpcecho-client (rpcgen and libtirpc-dev: tools/setup.sh)"
[ -s "$IMG/vmlinuz" ] || die "no Linux RPC image in $IMG (drop --no-build)"

BENCH_ROOT=$ROOT
# shellcheck source=tools/bench/lib/vm.sh
. "$ROOT/tools/bench/lib/vm.sh"
# shellcheck source=tools/bench/lib/report.sh
. "$ROOT/tools/bench/lib/report.sh"
# shellcheck source=tools/bench/lib/cpu.sh
. "$ROOT/tools/bench/lib/cpu.sh"
bench_pair_session rpc-bench "rpb$$"
H=rph$$
SPID=
# shellcheck disable=SC2317  # called by the EXIT trap
bench_on_exit() {
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null
	"$ROOT/tools/lab/lab.sh" down "$H" >/dev/null 2>&1
}

RES=$BENCH_TMP/results.txt
: >"$RES"
ok=0
# put FIGURE P50 P99 [SERVER_CPU CLIENT_CPU]: one measured figure (microseconds of
# round trip; microseconds of host CPU per call of each QEMU; "-" when not measured)
put() { echo "$1 ${2:--} ${3:--} ${4:--} ${5:--}" >>"$RES"; [ -n "${2:-}" ] && [ "$2" != - ] || ok=1; }
# cpu_per_call KEY PID CALLS: host CPU (process) of PID since bench_cpu_mark KEY, in
# microseconds per call, on stdout ("-" when unreadable)
cpu_per_call() {
	local pct _v secs
	read -r pct _v secs < <(bench_cpu_since "$1" "$2")
	awk -v p="$pct" -v s="$secs" -v n="$3" 'BEGIN {
		if (p == "-" || n <= 0) print "-"; else printf "%.1f\n", p / 100 * s / n * 1e6 }'
}
log() { tr -d '\r' <"$BENCH_TMP/$1.log"; }
# console NAME LINE: type LINE on VM NAME's serial console
console() {
	local sock
	sock=$(sed -n 's/.*socket,id=con0,path=\([^,]*\),.*/\1/p' "$BENCH_TMP/$1.launcher" | head -n1)
	[ -n "$sock" ] && printf '%s\n' "$2" | timeout 3 socat -t1 - "UNIX-CONNECT:$sock" >/dev/null 2>&1
}
# rpcecho_p50_p99 FILE: "P50 P99" of the "null:" line of rpcecho-client's output
rpcecho_p50_p99() {
	sed -n 's/^null: [0-9]* calls, p50 \([0-9.]*\) us, p99 \([0-9.]*\) us.*/\1 \2/p' "$1" | head -n1
}

ACCEL_ON=$(bench_accel "$KVM" spindle "$ELF" linux "$IMG")
ACCEL=$([ "$ACCEL_ON" = on ] && echo kvm || echo tcg)
A=$("$ROOT/tools/lab/pair.sh" addr A)
B=$("$ROOT/tools/lab/pair.sh" addr B)
MAC_A=52:54:00:00:11:00
"$ROOT/tools/lab/pair.sh" up "$P" >/dev/null || die "pair lab up failed"
echo "== null RPC round trips under $ACCEL, q35, 128 MiB, 1 vCPU, $NIC, $(qemu-system-x86_64 --version | head -1 | awk '{print "QEMU", $4}'); $COUNT calls per figure after $WARM warm-up calls; host load $(cut -d' ' -f1 /proc/loadavg)"

# ---- spindle to spindle ---------------------------------------------------
cat >"$BENCH_TMP/sa.conf" <<EOF
interface eth0 driver=$NIC
address eth0 $A/24
extension portmap
extension rpc-echo port=40001 mode=async
extension rpc-echo port=40002 mode=bounded:20000
extension rpc-echo port=40003 mode=sync
extension rpc-echo vc=0/40 mode=bounded:20000
EOF
printf 'interface eth0 driver=%s\naddress eth0 %s/24\n' "$NIC" "$B" >"$BENCH_TMP/sb.conf"
common=(--lab "$P" --nic "$NIC" --kvm "$ACCEL_ON" --image "$ELF" --timeout 900)
bench_vm_start sa spindle "${common[@]}" --slot A --config "$BENCH_TMP/sa.conf"
bench_vm_start sb spindle "${common[@]}" --slot B --config "$BENCH_TMP/sb.conf"
if bench_vm_wait_ready sa 120 && bench_vm_wait_ready sb 120; then
	id=0
	for spec in "udp_async peer=$A:40001" "udp_bounded peer=$A:40002" "udp_sync peer=$A:40003" \
		"aal5 mac=$MAC_A vc=0/40"; do
		fig=${spec%% *}
		id=$((id + 1))
		pa=$(bench_vm_qemu_pid sa)
		pb=$(bench_vm_qemu_pid sb)
		bench_cpu_mark srv "$pa"
		bench_cpu_mark cli "$pb"
		console sb "extension install rpc-ping ${spec#* } count=$COUNT warmup=$WARM retry=200 timeout=5000"
		for _ in $(seq $((COUNT / 10 + 240))); do
			[ "$(log sb | grep -c "rpc-ping: info: done")" -ge "$id" ] && break
			bench_vm_alive sb || break
			sleep 0.25
		done
		scpu=$(cpu_per_call srv "$pa" $((COUNT + WARM)))
		ccpu=$(cpu_per_call cli "$pb" $((COUNT + WARM)))
		line=$(log sb | grep "rpc-ping: info: done" | sed -n "${id}p")
		echo "   spindle $fig: ${line#*done: }"
		read -r p50 p99 < <(echo "$line" | sed -n 's/.*rtt min\/p50\/p99\/max\/mean [0-9.]*\/\([0-9.]*\)\/\([0-9.]*\)\/.*/\1 \2/p')
		echo "$line" | grep -q " 0 errors, 0 timeouts" || { echo "   spindle $fig: errors or timeouts" >&2; p50=; }
		echo "   spindle $fig: host CPU per call, server QEMU ${scpu} us, client QEMU ${ccpu} us"
		put "spindle_vm_$fig" "$p50" "$p99" "$scpu" "$ccpu"
		console sb "extension remove $id"
	done
else
	echo "   the spindle VMs did not come up" >&2
	put spindle_vm_udp_async; put spindle_vm_udp_bounded; put spindle_vm_udp_sync; put spindle_vm_aal5
fi
bench_vm_stop sb
bench_vm_stop sa
[ "$BENCH_VM_RC" = 0 ] || echo "   spindle VM A halted with status $BENCH_VM_RC" >&2

# ---- Linux user level ------------------------------------------------------
cat >"$BENCH_TMP/la.sh" <<EOF
# libtirpc registers through /var/run/rpcbind.sock (the initramfs has /run only)
mkdir -p /run/rpcbind /var
[ -e /var/run ] || ln -s /run /var/run
rpcbind
sleep 0.5
rpcecho-server &
sleep 0.5
section rpcinfo rpcinfo -T udp -s 127.0.0.1
wait
EOF
cat >"$BENCH_TMP/lb.sh" <<EOF
wait_host $A 60 || exit 1
# until A's server has registered with its rpcbind (30 s at most)
n=0
until rpcinfo -T udp -s $A 2>/dev/null | grep -q 537198593; do
	n=\$((n + 1)); [ "\$n" -le 60 ] || break; sleep 0.5
done
section rpcinfo rpcinfo -T udp -s $A
section null rpcecho-client $A --null-only -n $COUNT --warmup $WARM
sleep 1
EOF
lcommon=(--lab "$P" --nic "$NIC" --kvm "$ACCEL_ON" --dir "$IMG" --timeout 900)
bench_vm_start la linux "${lcommon[@]}" --slot A --script "$BENCH_TMP/la.sh"
bench_vm_start lb linux "${lcommon[@]}" --slot B --script "$BENCH_TMP/lb.sh" --poweroff
if bench_vm_wait_ready la 180 && bench_vm_wait_ready lb 180; then
	scpu=- ccpu=-
	if bench_vm_wait lb "^=== begin null" 120; then
		pa=$(bench_vm_qemu_pid la)
		pb=$(bench_vm_qemu_pid lb)
		bench_cpu_mark srv "$pa"
		bench_cpu_mark cli "$pb"
		if bench_vm_wait lb "^=== end null status" $((COUNT / 50 + 120)); then
			scpu=$(cpu_per_call srv "$pa" $((COUNT + WARM)))
			ccpu=$(cpu_per_call cli "$pb" $((COUNT + WARM)))
			echo "   linux: host CPU per call, server QEMU ${scpu} us, client QEMU ${ccpu} us"
		fi
	fi
	bench_vm_wait_exit lb 60 || echo "   the Linux client VM did not finish" >&2
	bench_vm_section lb rpcinfo | sed 's/^/   linux: /'
	bench_vm_section lb null >"$BENCH_TMP/linux-null.txt" || echo "   the Linux client failed" >&2
	sed 's/^/   linux: /' "$BENCH_TMP/linux-null.txt"
	read -r p50 p99 < <(rpcecho_p50_p99 "$BENCH_TMP/linux-null.txt")
	put linux_vm "${p50:-}" "${p99:-}" "$scpu" "$ccpu"
else
	echo "   the Linux VMs did not come up" >&2
	put linux_vm
fi
bench_vm_stop lb
bench_vm_stop la
KERNEL=$(log la 2>/dev/null | sed -n 's/^linux-rpc: kernel //p' | head -n1)
"$ROOT/tools/lab/pair.sh" down "$P" >/dev/null 2>&1

# ---- hosted, on a veth ---------------------------------------------------
if [ "$HOSTED" = 1 ]; then
	LAB=$ROOT/tools/lab/lab.sh
	"$LAB" up "$H" >/dev/null || die "lab up failed"
	cat >"$BENCH_TMP/hosted.conf" <<EOF
interface eth0 driver=pcap device=veth-app mac=02:00:00:00:00:02
address eth0 10.77.0.2/24
extension rpc-echo port=40001 mode=async
extension rpc-echo port=40002 mode=bounded:20000
extension rpc-echo port=40003 mode=sync
EOF
	"$LAB" exec "$H" app timeout 600 "$BUILD/apps/spindle" --config "$BENCH_TMP/hosted.conf" \
		>"$BENCH_TMP/hosted.log" 2>&1 &
	SPID=$!
	sleep 1
	for m in async:40001 bounded:40002 sync:40003; do
		timeout 300 "$LAB" exec "$H" cli "$RPCBIN/rpcecho-client" 10.77.0.2 --port "${m#*:}" --null-only \
			-n "$COUNT" --warmup "$WARM" >"$BENCH_TMP/hosted-$m.txt" 2>&1
		sed 's/^/   hosted spindle '"${m%:*}"': /' "$BENCH_TMP/hosted-$m.txt"
		read -r p50 p99 < <(rpcecho_p50_p99 "$BENCH_TMP/hosted-$m.txt")
		put "hosted_spindle_${m%:*}" "${p50:-}" "${p99:-}"
	done
	kill -TERM "$SPID"
	wait "$SPID" || echo "   the hosted spindle exited $? (a buffer leaked?)" >&2
	SPID=
	"$LAB" exec "$H" app ip addr add 10.77.0.2/24 dev veth-app
	"$LAB" exec "$H" app ip link set veth-app arp on
	"$LAB" exec "$H" app timeout 600 "$RPCBIN/rpcecho-server" --port 40001 --no-register \
		>"$BENCH_TMP/linux-server.log" 2>&1 &
	SPID=$!
	sleep 0.5
	timeout 300 "$LAB" exec "$H" cli "$RPCBIN/rpcecho-client" 10.77.0.2 --port 40001 --null-only \
		-n "$COUNT" --warmup "$WARM" >"$BENCH_TMP/hosted-linux.txt" 2>&1
	sed 's/^/   hosted Linux: /' "$BENCH_TMP/hosted-linux.txt"
	read -r p50 p99 < <(rpcecho_p50_p99 "$BENCH_TMP/hosted-linux.txt")
	put hosted_linux "${p50:-}" "${p99:-}"
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
	SPID=
fi

mkdir -p "$OUT"
"$BENCH_PY" "$HERE/report.py" --results "$RES" --json "$OUT/rpc.json" --png "$OUT/rpc.png" \
	--accel "$ACCEL" --nic "$NIC" --count "$COUNT" --warmup "$WARM" --kernel "$KERNEL" || ok=1
exit "$ok"
