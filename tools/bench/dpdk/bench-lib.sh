# shellcheck shell=bash
# tools/bench/dpdk/bench-lib.sh — the measuring steps of dpdk-bench.sh
# (sourced, not run). The caller sets ROOT, TMP, RES (results, one
# tab-separated line per figure), TIME, SIZES, SPINDLE, P (latency lab,
# cli), RL_P and router-lib.sh's helpers, and GPID/SPID/XPID (killed by its
# EXIT trap). Result lines:
#   rtt  SIDE  SIZE  P50_US  P99_US        (sockperf half round trip)
#   fwd  NAME  OFFERED_PPS  FORWARDED_PPS  (router lab, veth counters)
#   mem  NAME  PPS                         (net_pcap loop -> /dev/null)
# "-" stands for a figure that was not measured.

# bench_eal CPU: dpdk-testpmd's EAL arguments, both lcores on CPU.
bench_eal() {
	echo "--no-huge -m 256 --no-pci --no-shconf --no-telemetry --log-level=notice --lcores=0@$1,1@$1"
}

# bench_wait_running LOG PID: until LOG says "running" (10 s at most).
bench_wait_running() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q "running" "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# bench_stop PID: SIGTERM, 10 s to end; its exit status (1 when killed).
bench_stop() {
	local i
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 1
}

# bench_sockperf SIDE: sockperf ping-pong against 10.77.0.2:11111 per size.
bench_sockperf() {
	local side=$1 s f p50 p99
	cli timeout 10 ping -n -c 1 -W 1 10.77.0.2 >/dev/null 2>&1 # ARP first
	for s in $SIZES; do
		f=$TMP/sockperf-$side-$s.txt
		cli timeout $((TIME + 25)) sockperf ping-pong -i 10.77.0.2 -p 11111 --time "$TIME" -m "$s" \
			>"$f" 2>&1
		p50=$(awk '/percentile 50.000 =/ { v = $NF } END { print (v == "" ? "-" : v) }' "$f")
		p99=$(awk '/percentile 99.000 =/ { v = $NF } END { print (v == "" ? "-" : v) }' "$f")
		grep -q "No messages were received" "$f" && p50=- p99=-
		printf 'rtt\t%s\t%s\t%s\t%s\n' "$side" "$s" "$p50" "$p99" >>"$RES"
		echo "   $side -m $s: p50 $p50 us, p99 $p99 us"
	done
}

# bench_sink_start: a UDP socket on 10.2.0.2:9 in C2 that is never read:
# the frames end at its full receive buffer, cheaply, for every router.
bench_sink_start() {
	ip netns exec "$RL_P-c2" timeout 900 "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("10.2.0.2", 9))
time.sleep(900)' >/dev/null 2>&1 &
	sleep 0.3
}

# bench_counter NS DEV STAT: /sys/class/net/DEV/statistics/STAT in NS.
bench_counter() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

# bench_forward NAME PEER_MAC: the generator in C1 (CPU 0) sends 64-byte UDP
# frames to PEER_MAC for 3 + TIME seconds; over the last TIME seconds,
# frames C1 sent and C2 received per second.
bench_forward() {
	local name=$1 peer=$2 a0 b0 a1 b1 off fwd
	# Not through rl_c1 (a subshell): $! must be timeout(1) itself, which
	# passes SIGTERM on to testpmd.
	# shellcheck disable=SC2046  # bench_eal is words
	ip netns exec "$RL_P-c1" timeout $((TIME + 30)) dpdk-testpmd $(bench_eal 0) \
		--vdev=net_af_packet0,iface=veth-c1,qdisc_bypass=1 -- \
		--forward-mode=txonly --txpkts=60 --eth-peer=0,"$peer" --tx-ip=10.1.0.2,10.2.0.2 \
		--tx-udp=9,9 --burst=64 --total-num-mbufs=8192 --nb-cores=1 --stats-period 60 \
		>"$TMP/generator-$name.log" 2>&1 </dev/null &
	GPID=$!
	sleep 3
	a0=$(bench_counter "$RL_P-c1" veth-c1 tx_packets)
	b0=$(bench_counter "$RL_P-c2" veth-c2 rx_packets)
	sleep "$TIME"
	a1=$(bench_counter "$RL_P-c1" veth-c1 tx_packets)
	b1=$(bench_counter "$RL_P-c2" veth-c2 rx_packets)
	bench_stop "$GPID"
	GPID=
	if kill -0 "$RL_VPID" 2>/dev/null || [ "$name" != spindle ]; then
		off=$(((a1 - a0) / TIME))
		fwd=$(((b1 - b0) / TIME))
	else
		off=- fwd=-
	fi
	[ "$off" = 0 ] && off=- fwd=-
	printf 'fwd\t%s\t%s\t%s\n' "$name" "$off" "$fwd" >>"$RES"
	echo "   $name: offered $off/s, forwarded $fwd/s"
}

# bench_console SOCK NODE COUNTER: a counter of spindle's console.
bench_console() {
	echo "show counters $2" | timeout 5 socat -t1 - "UNIX-CONNECT:$1" 2>/dev/null |
		awk -v c="$3" '$1 == c { print $2 }'
}

# bench_memory: spindle's router and testpmd io on net_pcap vdevs that
# replay $TMP/u64/in1.pcap (64-byte UDP, lab3's addresses) in a loop into
# eth0 and write eth1's output to /dev/null, both on CPU 1.
bench_memory() {
	local in=$TMP/u64 sock=$TMP/mem.sock t0 t1 n0 n1 pps
	cat >"$TMP/memory.conf" <<EOF
interface eth0 driver=dpdk dev=net_pcap0,rx_pcap=$in/in1.pcap,tx_pcap=/dev/null,infinite_rx=1 mac=02:00:00:00:01:02
interface eth1 driver=dpdk dev=net_pcap1,rx_pcap=$in/in2.pcap,tx_pcap=/dev/null mac=02:00:00:00:02:02
address eth0 10.81.1.1/24
address eth1 10.81.2.1/24
extension router
EOF
	taskset -c 1 "$SPINDLE" --config "$TMP/memory.conf" --console "unix:$sock" \
		>"$TMP/spindle-memory.log" 2>&1 </dev/null &
	SPID=$!
	pps=-
	if bench_wait_running "$TMP/spindle-memory.log" "$SPID"; then
		sleep 1
		t0=$(date +%s.%N); n0=$(bench_console "$sock" dpdk:eth1 opackets)
		sleep "$TIME"
		t1=$(date +%s.%N); n1=$(bench_console "$sock" dpdk:eth1 opackets)
		if [ -n "$n0" ] && [ -n "$n1" ]; then
			pps=$(awk -v a="$n0" -v b="$n1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')
		fi
	fi
	bench_stop "$SPID" || echo "dpdk-bench.sh: spindle (memory) did not stop cleanly" >&2
	SPID=
	printf 'mem\tspindle\t%s\n' "$pps" >>"$RES"
	echo "   spindle: $pps/s"

	# shellcheck disable=SC2046  # bench_eal is words
	timeout $((2 * TIME + 15)) dpdk-testpmd $(bench_eal 1) \
		--vdev=net_pcap0,rx_pcap="$in/in1.pcap",tx_pcap=/dev/null,infinite_rx=1 \
		--vdev=net_pcap1,rx_pcap="$in/in2.pcap",tx_pcap=/dev/null -- \
		--forward-mode=io --no-flush-rx --total-num-mbufs=16384 --nb-cores=1 \
		--stats-period "$TIME" >"$TMP/testpmd-memory.log" 2>&1 </dev/null &
	XPID=$!
	sleep $((2 * TIME + 3))
	bench_stop "$XPID"
	XPID=
	# The last full period's transmit rate of port 1.
	pps=$(awk '/NIC statistics for port/ { port = $(NF - 1) } port == 1 && /Tx-pps:/ { v = $2 }
		END { print (v == "" || v == 0 ? "-" : v) }' "$TMP/testpmd-memory.log")
	printf 'mem\ttestpmd\t%s\n' "$pps" >>"$RES"
	echo "   testpmd io: $pps/s"
}
