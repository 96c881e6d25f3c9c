# shellcheck shell=bash
# tools/soak/lib.sh — shared by tools/soak/soak.sh and tools/soak/faults.sh
# (sourced): a router lab (tools/lab/router-lab.sh, C1 10.1.0.2 -- spindle's
# router VM -- C2 10.2.0.2) with the VM's serial console and QEMU monitor
# reachable from the script. The caller sets SK_ROOT, SK_P (lab prefix),
# SK_TMP, SK_IMAGE, SK_NIC and calls sk_cleanup in its EXIT trap.

RL_ROOT=$SK_ROOT
RL_P=$SK_P
RL_TMP=$SK_TMP
RL_IMAGE=$SK_IMAGE
RL_KVM=${SPINDLE_VM_KVM:-off}
# shellcheck source=tools/bench/router/router-lib.sh
. "$SK_ROOT/tools/bench/router/router-lib.sh"

SK_LOG=$SK_TMP/router.log   # the serial console, as the VM writes it
SK_MON=$SK_TMP/monitor.sock # QEMU's human monitor (set_link)
SK_CON=                     # the serial console's socket (from the launcher)

# sk_start CONFIG-FILE SECONDS: start the router VM with CONFIG (and the
# monitor), wait until C1 reaches C2 through it. 1 when it does not.
sk_start() {
	local conf=$1 t=$2 i
	RL_VNAME=router
	RL_VLOG=$SK_LOG
	# The launcher itself (not bench_vm_start, which puts --serial after "--"):
	# the monitor is one more QEMU argument.
	: >"$SK_LOG"
	rm -f "$SK_TMP/router.pid"
	"$SK_ROOT/tools/vm/spindle-vm" --image "$SK_IMAGE" --config "$conf" --nics 2 \
		--nic "$SK_NIC" --lab "$SK_P" --kvm "$RL_KVM" --timeout "$t" --serial "$SK_LOG" \
		-- -monitor "unix:$SK_MON,server=on,wait=off" -name router,debug-threads=on \
		-pidfile "$SK_TMP/router.pid" \
		</dev/null >"$SK_TMP/router.launcher" 2>&1 &
	BENCH_VM_PID[router]=$!
	BENCH_VM_READY[router]='^vm: ready'
	RL_VPID=${BENCH_VM_PID[router]}
	bench_vm_wait_ready router 90 2>/dev/null || return 1
	SK_CON=$(grep -o 'path=[^,]*serial.sock' "$SK_TMP/router.launcher" | head -1 | cut -d= -f2)
	[ -S "$SK_CON" ] || return 1
	for ((i = 0; i < 30; i++)); do
		rl_c1 ping -n -c 1 -W 1 10.2.0.2 >/dev/null 2>&1 && return 0
		kill -0 "$RL_VPID" 2>/dev/null || return 1
	done
	return 1
}

# sk_con LINE: type LINE on the VM's serial console (its answer goes to $SK_LOG).
sk_con() {
	printf '%s\n' "$1" | timeout 3 socat -t 0.3 - "UNIX-CONNECT:$SK_CON" >/dev/null 2>&1
}

# sk_mon LINE: a QEMU monitor command; its output on stdout.
sk_mon() {
	printf '%s\n' "$1" | timeout 3 socat -t 0.5 - "UNIX-CONNECT:$SK_MON" 2>/dev/null | tr -d '\r'
}

# sk_counter NODE NAME: the counter NAME of NODE as "show counters NODE" prints it now.
sk_counter() {
	local mark=$RANDOM$RANDOM
	sk_con "# mark $mark"
	sk_con "show counters $1"
	sleep 0.5
	awk -v m="# mark $mark" -v n="$2" 'index($0, m) { on = 1; next }
		on && $1 == n { v = $2 } END { print v + 0 }' "$SK_LOG"
}

# sk_stop: "shutdown" on the console; sets RL_RC and checks the pools line.
sk_stop() {
	rl_stop
	grep -q "^vm: shutdown complete, buffer pools full" "$SK_LOG"
}

sk_cleanup() {
	rl_cleanup
	rm -rf "$SK_TMP"
}
