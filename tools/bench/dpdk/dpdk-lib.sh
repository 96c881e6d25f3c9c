# shellcheck shell=bash
# tools/bench/dpdk/dpdk-lib.sh — the hosted spindle as a router on two DPDK
# ports in a router lab (tools/lab/router-lab.sh), shared by
# tools/bench/dpdk/dpdk-bench.sh and tests/lab/dpdk-router.sh. Sourced after
# tools/bench/router/router-lib.sh (RL_P, RL_TMP, rl_c1 ...), not run.

# dl_router_config [KEY=VALUE...]: spindle's router configuration on stdout:
# eth0 on net_af_packet0 over veth-app (10.1.0.1/24), eth1 on net_af_packet1
# over veth-app1 (10.2.0.1/24), "extension router"; the arguments are added
# to both interface lines. framesz=4096: the PMD's fanout group has the
# kernel reassemble IP fragments (drivers/dpdk/dpdk.h), which must fit a
# frame; framecnt=2048: a ring that outlasts a preemption of the router.
# The router's MACs (DL_MAC1, DL_MAC2) are not the veths' own: a frame
# for the router is then not for the router namespace's kernel, which
# drops it at once instead of running it through its IP stack.
DL_MAC1=02:00:00:00:01:11
DL_MAC2=02:00:00:00:02:11
dl_router_config() {
	echo "# router between 10.1.0.0/24 (eth0) and 10.2.0.0/24 (eth1) on two DPDK ports"
	echo "interface eth0 driver=dpdk dev=net_af_packet0,iface=veth-app,framesz=4096,framecnt=2048 mac=$DL_MAC1 $*"
	echo "interface eth1 driver=dpdk dev=net_af_packet1,iface=veth-app1,framesz=4096,framecnt=2048 mac=$DL_MAC2 $*"
	echo "address eth0 10.1.0.1/24"
	echo "address eth1 10.2.0.1/24"
	echo "extension router"
}

# dl_start_router SPINDLE CONF [ARG...]: spindle --config CONF ARG... in the
# router namespace (behind $DL_WRAP, e.g. "taskset -c 1", when set), its
# output in $RL_TMP/dpdk-router.log (RL_VLOG), its pid RL_VPID, its name
# RL_VNAME in tools/bench/lib/vm.sh's table (rl_stop and rl_cleanup stop it
# as they stop a VM's launcher: SIGTERM, wait, KILL); ready when C1 reaches
# C2 through it.
# Returns 1 when it ended or C1 could not reach C2 within 20 tries.
dl_start_router() {
	local spindle=$1 conf=$2 i
	shift 2
	RL_VNAME=dpdk-router
	RL_VLOG=$RL_TMP/$RL_VNAME.log
	rl_c1 ip neigh flush all 2>/dev/null
	rl_c2 ip neigh flush all 2>/dev/null
	# Not through rl_app: $! must be spindle itself (ip netns exec execs it).
	# shellcheck disable=SC2086  # DL_WRAP is words
	ip netns exec "$RL_P-app" ${DL_WRAP:-} "$spindle" --config "$conf" --console none "$@" \
		>"$RL_VLOG" 2>&1 </dev/null &
	RL_VPID=$!
	BENCH_VM_PID[$RL_VNAME]=$RL_VPID
	for ((i = 0; i < 100; i++)); do
		grep -q "running" "$RL_VLOG" && break
		kill -0 "$RL_VPID" 2>/dev/null || return 1
		sleep 0.1
	done
	for ((i = 0; i < 20; i++)); do
		rl_c1 ping -n -c 1 -W 1 10.2.0.2 >/dev/null 2>&1 && return 0
		kill -0 "$RL_VPID" 2>/dev/null || return 1
	done
	return 1
}
