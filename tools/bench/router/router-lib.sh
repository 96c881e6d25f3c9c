# shellcheck shell=bash
# tools/bench/router/router-lib.sh — shared by tools/demo.sh,
# tools/bench/router/vm-bench.sh and tests/vm/router-test.sh: start a router
# in a router lab (tools/lab/router-lab.sh) and measure through it from C1
# (10.1.0.2) to C2 (10.2.0.2). Sourced, not run. The caller sets
#   RL_ROOT  the repository        RL_P    the lab prefix
#   RL_TMP   a scratch directory   RL_KVM  off|on (the accelerator for both VMs)
# and, for the routers it starts, RL_IMAGE (spindle-x86_64.elf), RL_LINUX_DIR
# (tools/vm/linux-router/build.sh --out), RL_SPINDLE (the hosted program),
# RL_VM_TIMEOUT (seconds before a VM is stopped, default 600),
# and removes the lab (rl_cleanup) in its EXIT trap. Every command is bounded
# by timeout(1). Routers run through tools/bench/lib/vm.sh (BENCH_TMP is
# RL_TMP): the router's console is $RL_TMP/KIND-NIC.log, its launcher's
# output $RL_TMP/KIND-NIC.launcher.

RL_LABSH=$RL_ROOT/tools/lab/router-lab.sh
: "${RL_P:?router-lib.sh: set RL_P}" "${RL_ROOT:?}" "${RL_TMP:?}"
BENCH_ROOT=$RL_ROOT
BENCH_TMP=$RL_TMP
# shellcheck source=tools/bench/lib/vm.sh
. "$RL_ROOT/tools/bench/lib/vm.sh"
# shellcheck source=tools/bench/lib/report.sh
. "$RL_ROOT/tools/bench/lib/report.sh"
RL_VPID=
RL_VLOG=
RL_VNAME=

rl_c1() { ip netns exec "$RL_P-c1" "$@"; }
rl_c2() { ip netns exec "$RL_P-c2" "$@"; }
rl_app() { ip netns exec "$RL_P-app" "$@"; }

# rl_spindle_config KIND [NIC]: spindle's router configuration on stdout.
# KIND vm (NIC virtio|e1000) or hosted (pcap on the lab's router veths).
rl_spindle_config() {
	echo "# router between 10.1.0.0/24 (eth0) and 10.2.0.0/24 (eth1): RFC 1812 forwarding"
	if [ "$1" = hosted ]; then
		echo "interface eth0 driver=pcap device=veth-app mac=02:00:00:00:01:01"
		echo "interface eth1 driver=pcap device=veth-app1 mac=02:00:00:00:02:01"
	else
		echo "interface eth0 driver=$2"
		echo "interface eth1 driver=$2"
	fi
	echo "address eth0 10.1.0.1/24"
	echo "address eth1 10.2.0.1/24"
	echo "extension router${RL_ROUTER_PARAMS:+ $RL_ROUTER_PARAMS}" # e.g. gro=no
	# RL_SPINDLE_MODE=poll|haltpoll|idle: the VM's "mode" line (poll: never
	# idles, one busy vCPU; haltpoll: polls an adaptive while before halting;
	# idle, the default: halts at once). RL_SPINDLE_POLL=1 means poll.
	local mode=${RL_SPINDLE_MODE:-}
	[ "${RL_SPINDLE_POLL:-0}" != 1 ] || mode=poll
	if [ -n "$mode" ] && [ "$1" = vm ]; then echo "mode $mode"; fi
}

# rl_start KIND NIC: start a router and wait until it says it is ready.
# KIND spindle (spindle's router VM, image $RL_IMAGE), linux (the Linux router
# VM in $RL_LINUX_DIR) or hosted (build's spindle program, $RL_SPINDLE).
# Its console/log: $RL_TMP/KIND-NIC.log. Returns 1 when it did not get ready.
rl_start() {
	local kind=$1 nic=$2 vm=(--nic "$2" --lab "$RL_P" --kvm "$RL_KVM" --timeout "${RL_VM_TIMEOUT:-600}")
	RL_VNAME=$kind-$nic
	RL_VLOG=$RL_TMP/$RL_VNAME.log
	: >"$RL_VLOG"
	rl_c1 ip neigh flush all 2>/dev/null
	rl_c2 ip neigh flush all 2>/dev/null
	case "$kind" in
	spindle)
		rl_spindle_config vm "$nic" >"$RL_TMP/spindle-$nic.conf"
		bench_vm_start "$RL_VNAME" spindle --image "$RL_IMAGE" --config "$RL_TMP/spindle-$nic.conf" \
			--nics 2 "${vm[@]}"
		RL_VPID=${BENCH_VM_PID[$RL_VNAME]}
		bench_vm_wait_ready "$RL_VNAME" 60 2>/dev/null || return 1
		;;
	linux)
		bench_vm_start "$RL_VNAME" linux-router --dir "$RL_LINUX_DIR" "${vm[@]}"
		RL_VPID=${BENCH_VM_PID[$RL_VNAME]}
		bench_vm_wait_ready "$RL_VNAME" 120 2>/dev/null || return 1
		;;
	hosted)
		rl_spindle_config hosted >"$RL_TMP/hosted.conf"
		# Not through rl_app: $! must be spindle itself (ip netns exec execs it).
		ip netns exec "$RL_P-app" "$RL_SPINDLE" --config "$RL_TMP/hosted.conf" --log warn --console none \
			>"$RL_VLOG" 2>&1 </dev/null &
		RL_VPID=$!
		# bench_vm_stop stops it as it stops a VM's launcher: SIGTERM, wait, KILL.
		BENCH_VM_PID[$RL_VNAME]=$RL_VPID
		sleep 1
		kill -0 "$RL_VPID" 2>/dev/null || return 1
		;;
	*) return 1 ;;
	esac
	# The path is up when C1 reaches C2 (ARP on both sides; QEMU's e1000
	# holds receive off for ~1 s after bring-up).
	local i
	for ((i = 0; i < 20; i++)); do
		rl_c1 ping -n -c 1 -W 1 10.2.0.2 >/dev/null 2>&1 && return 0
		kill -0 "$RL_VPID" 2>/dev/null || return 1
	done
	return 1
}

# rl_stop: stop the router (a VM: "shutdown" on its console through the
# launcher's SIGTERM; hosted: SIGTERM) and set RL_RC to its exit status
# ("none" when it had to be killed). Not in a subshell: it waits for its child.
# shellcheck disable=SC2034  # RL_RC is for the caller
rl_stop() {
	RL_RC=none
	if [ -n "$RL_VNAME" ]; then
		bench_vm_stop "$RL_VNAME" 20
		RL_RC=$BENCH_VM_RC
	fi
	RL_VPID=
	RL_VNAME=
}

# rl_nic_drops: frames the router's NICs dropped, from its shutdown counters
# (spindle: "vm: stats ethN ... N dropped"; Linux VM: "linux-router: stats ethN").
rl_nic_drops() {
	awk '/^(vm|linux-router): stats eth/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^dropped/) d += $i }
		END { print d + 0 }' "$RL_VLOG"
}

# rl_cleanup: stop a router still running (up to 12 s for a clean stop, so
# the launcher removes its TAPs and scratch files), then remove the lab,
# which also ends whatever still runs in its namespaces.
rl_cleanup() {
	bench_vm_stop_all
	RL_VPID=
	RL_VNAME=
	"$RL_LABSH" down "$RL_P" >/dev/null 2>&1
}

# rl_servers [SECONDS]: iperf3 and sockperf servers in C2 for SECONDS
# (default 900), killed earlier when the lab goes. A caller whose traffic
# runs longer must pass its own lifetime: a server that times out mid-run
# ends iperf3's test with an error and 0 Mbit/s in its summary.
rl_servers() {
	local life=${1:-900} i
	rl_c2 timeout "$life" sockperf server -i 10.2.0.2 -p 11111 >"$RL_TMP/sockperf-server.log" 2>&1 &
	rl_c2 timeout "$life" iperf3 -s -B 10.2.0.2 -p 5201 >"$RL_TMP/iperf3-server.log" 2>&1 &
	for ((i = 0; i < 50; i++)); do
		rl_c2 ss -ltn 2>/dev/null | grep -q ':5201 ' && return 0
		sleep 0.1
	done
	return 1
}

# rl_host_drops: packets the lab's own devices dropped (every device's
# rx_dropped + tx_dropped and every qdisc's drops, in the three namespaces):
# losses outside the router. Read it before the router VM stops (its TAPs go).
rl_host_drops() {
	local ns n=0 f v
	for ns in c1 app c2; do
		for f in $(ip netns exec "$RL_P-$ns" sh -c 'ls -d /sys/class/net/*/statistics/rx_dropped /sys/class/net/*/statistics/tx_dropped' 2>/dev/null); do
			v=$(ip netns exec "$RL_P-$ns" cat "$f" 2>/dev/null || echo 0)
			n=$((n + v))
		done
		v=$(ip netns exec "$RL_P-$ns" tc -s qdisc 2>/dev/null | awk '/dropped/ { sub(",", "", $7); d += $7 } END { print d + 0 }')
		n=$((n + v))
	done
	echo "$n"
}

# rl_tcpext NS NAME...: Linux's TcpExt counters (/proc/net/netstat) of
# namespace NS, one value per NAME, on one line.
rl_tcpext() {
	local ns=$1
	shift
	ip netns exec "$ns" cat /proc/net/netstat | awk -v want="$*" '
		/^TcpExt:/ { if (!h) { for (i = 2; i <= NF; i++) k[$i] = i; h = 1 } else {
			n = split(want, w, " "); s = ""
			for (j = 1; j <= n; j++) s = s (j > 1 ? " " : "") (w[j] in k ? $(k[w[j]]) : 0)
			print s } }'
}

# rl_rx_packets NS DEV: the kernel's receive counter of DEV in namespace NS.
rl_rx_packets() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

# rl_tcp NAME SECONDS [IPERF3-ARGS...]: iperf3 TCP C1 -> C2; prints
# "mbps RETRANSMITS" (receiver's throughput) and keeps $RL_TMP/NAME.json.
rl_tcp() {
	local name=$1 t=$2
	shift 2
	rl_c1 timeout --foreground $((t + 20)) iperf3 -c 10.2.0.2 -p 5201 -t "$t" --json "$@" >"$RL_TMP/$name.json" 2>&1
	bench_iperf3 "$RL_TMP/$name.json" received_mbps retransmits
}

# rl_udp NAME SECONDS LEN RATE: iperf3 UDP C1 -> C2, LEN-byte payloads offered
# at RATE bit/s. The router's output is counted by C2's kernel (veth-c2
# receive counter), so a slow receiving application does not count as loss.
# Prints "sent_pps forwarded_pps loss_percent iperf3_loss_percent".
rl_udp() {
	local name=$1 t=$2 len=$3 rate=$4 r0 r1
	r0=$(rl_rx_packets "$RL_P-c2" veth-c2)
	rl_c1 timeout --foreground $((t + 20)) iperf3 -c 10.2.0.2 -p 5201 -u -l "$len" -b "$rate" -t "$t" --json \
		>"$RL_TMP/$name.json" 2>&1
	r1=$(rl_rx_packets "$RL_P-c2" veth-c2)
	bench_iperf3 "$RL_TMP/$name.json" packets seconds lost_percent |
		awk -v rx=$((r1 - r0)) '{
			if ($1 == "-" || $2 == "-" || $2 + 0 == 0) { print "- - - -"; exit }
			# The frames C2 received in the run: the datagrams plus a few control segments.
			fwd = rx < $1 ? rx : $1
			printf "%.0f %.0f %.2f %.2f\n", $1 / $2, fwd / $2, 100 * ($1 - fwd) / ($1 > 0 ? $1 : 1), $3 }'
}

# rl_sockperf NAME SECONDS SIZE: sockperf ping-pong C1 -> C2; prints "p50 p99"
# (half round trip, microseconds, as sockperf reports it).
rl_sockperf() {
	local t=$2 size=$3 f=$RL_TMP/$1.txt
	rl_c1 timeout --foreground $((t + 20)) sockperf ping-pong -i 10.2.0.2 -p 11111 --time "$t" -m "$size" >"$f" 2>&1
	bench_sockperf "$f" p50_us p99_us
}

# rl_ratio A B: A/B with two decimals, or "-".
rl_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}
