# shellcheck shell=bash
# shellcheck disable=SC2034  # BENCH_VM_RC is for the caller
# tools/bench/lib/vm.sh — VMs in the background for benchmarks and tests
# (sourced, not run): start one of either kind with its console in a file,
# wait for its ready line, read its sections back, stop it cleanly. Every
# wait is bounded. The caller sets
#   BENCH_ROOT  the repository
#   BENCH_TMP   a scratch directory (logs, pid files)
# and calls bench_vm_stop_all in its EXIT trap.
#
# A VM has a NAME ([A-Za-z0-9_-]); its files are
#   $BENCH_TMP/NAME.log       the serial console (the launcher's --serial)
#   $BENCH_TMP/NAME.launcher  the launcher's own output
#   $BENCH_TMP/NAME.pid       QEMU's pid (QEMU's -pidfile)
# and its QEMU runs with -name NAME,debug-threads=on, so its vCPU thread is
# called "CPU 0/TCG" (or "CPU 0/KVM"): tools/bench/lib/cpu.sh reads them.

declare -A BENCH_VM_PID=() BENCH_VM_READY=()
BENCH_VM_RC=

# bench_vm_start NAME KIND LAUNCHER-OPTION...: starts the launcher of KIND
#   spindle        tools/vm/spindle-vm        ready: "vm: ready"
#   spindle-alpha  tools/vm/spindle-vm-alpha  ready: "vm: ready"
#   linux          tools/vm/linux-host/linux-host-vm
#                                             ready: "<image name>: ready"
#   linux-router   tools/vm/linux-router/linux-router-vm
#                                             ready: "linux-router: ready"
# with the options given (e.g. --lab P --slot A --nic virtio --kvm off
# --timeout 300; for spindle --image and --config; for linux --dir and
# --script), adding --serial and the QEMU arguments above (after the
# caller's own "-- ARGS", if any). Returns at once; 1 on a bad KIND.
bench_vm_start() {
	local name=$1 kind=$2 launcher a
	shift 2
	case "$kind" in
	spindle) launcher=$BENCH_ROOT/tools/vm/spindle-vm; BENCH_VM_READY[$name]='^vm: ready' ;;
	spindle-alpha) launcher=$BENCH_ROOT/tools/vm/spindle-vm-alpha; BENCH_VM_READY[$name]='^vm: ready' ;;
	linux) launcher=$BENCH_ROOT/tools/vm/linux-host/linux-host-vm
		BENCH_VM_READY[$name]='^[a-z][a-z0-9-]*: ready \(' ;;
	linux-router) launcher=$BENCH_ROOT/tools/vm/linux-router/linux-router-vm
		BENCH_VM_READY[$name]='^linux-router: ready \(' ;;
	*) echo "bench_vm_start: unknown kind $kind" >&2; return 1 ;;
	esac
	# The launcher's options, then --serial, then "--" and the caller's QEMU
	# arguments (if any), then ours.
	local opts=() qemu=() in_qemu=0
	for a in "$@"; do
		if [ "$in_qemu" = 1 ]; then qemu+=("$a"); elif [ "$a" = -- ]; then in_qemu=1; else opts+=("$a"); fi
	done
	: >"$BENCH_TMP/$name.log"
	rm -f "$BENCH_TMP/$name.pid"
	"$launcher" "${opts[@]}" --serial "$BENCH_TMP/$name.log" -- "${qemu[@]}" \
		-name "$name,debug-threads=on" -pidfile "$BENCH_TMP/$name.pid" \
		</dev/null >"$BENCH_TMP/$name.launcher" 2>&1 &
	BENCH_VM_PID[$name]=$!
}

# bench_accel MODE [KIND IMAGE]...: "on" or "off", the accelerator for
# every VM of a run (a comparison needs the same one for both kinds). MODE
# on or off: itself. auto: on only when each image passes its launcher's
# KVM probe (a boot under KVM to ready and a clean halt within the probe
# timeout: spindle-vm --kvm probe), KIND spindle (IMAGE the ELF) or linux
# (IMAGE the image directory). The probes' verdicts go to stderr.
bench_accel() {
	local mode=$1 kind img verdict=on
	shift
	[ "$mode" = auto ] || { echo "$mode"; return 0; }
	[ $# -ge 2 ] || verdict=off
	: >"$BENCH_TMP/probe.conf"
	while [ $# -ge 2 ]; do
		kind=$1 img=$2
		shift 2
		case "$kind" in
		spindle) "$BENCH_ROOT/tools/vm/spindle-vm" --image "$img" --config "$BENCH_TMP/probe.conf" \
			--kvm probe >/dev/null 2>"$BENCH_TMP/probe.err" || verdict=off ;;
		linux) "$BENCH_ROOT/tools/vm/linux-host/linux-host-vm" --dir "$img" --kvm probe \
			>/dev/null 2>"$BENCH_TMP/probe.err" || verdict=off ;;
		*) echo "bench_accel: unknown kind $kind" >&2; verdict=off ;;
		esac
		sed -n "s/^spindle-vm: \(accelerator: .*\)/   $kind: \1/p" "$BENCH_TMP/probe.err" >&2
	done
	echo "$verdict"
}

# bench_vm_alive NAME: its launcher still runs.
bench_vm_alive() {
	local pid=${BENCH_VM_PID[$1]:-}
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# bench_vm_wait NAME PATTERN SECONDS: until a console line matches the
# extended regular expression PATTERN (carriage returns ignored). Returns 1
# after SECONDS, or as soon as the VM stops.
bench_vm_wait() {
	local name=$1 pat=$2 i
	for ((i = 0; i < $3 * 10; i++)); do
		tr -d '\r' <"$BENCH_TMP/$name.log" 2>/dev/null | grep -Eq -- "$pat" && return 0
		bench_vm_alive "$name" || return 1
		sleep 0.1
	done
	return 1
}

# bench_vm_wait_ready NAME SECONDS: until its kind's ready line (and QEMU's
# pid file) appear. On failure the console's last lines go to stderr.
bench_vm_wait_ready() {
	local name=$1
	if bench_vm_wait "$name" "${BENCH_VM_READY[$name]}" "$2" && [ -s "$BENCH_TMP/$name.pid" ]; then
		return 0
	fi
	echo "   $name: not ready within $2 s; launcher and console:" >&2
	tail -n 4 "$BENCH_TMP/$name.launcher" 2>/dev/null | sed 's/^/     | /' >&2
	tr -d '\r' <"$BENCH_TMP/$name.log" 2>/dev/null | tail -n 15 | sed 's/^/     | /' >&2
	return 1
}

# bench_vm_qemu_pid NAME: QEMU's pid on stdout (empty when unknown).
bench_vm_qemu_pid() { cat "$BENCH_TMP/$1.pid" 2>/dev/null; }

# bench_vm_section NAME SECTION: the lines a Linux VM's script printed with
# `section SECTION CMD` (tools/vm/linux-host/script-lib.sh), without the
# markers and carriage returns. Returns 1 unless the section ended with
# status 0.
bench_vm_section() {
	tr -d '\r' <"$BENCH_TMP/$1.log" | awk -v s="$2" '
		$0 == "=== begin " s { on = 1; next }
		on && index($0, "=== end " s " status ") == 1 { st = $NF; on = 0; next }
		on { print }
		END { exit (st == "0" ? 0 : 1) }'
}

# bench_vm_wait_exit NAME SECONDS: until the VM stops by itself (a Linux VM
# with --poweroff); sets BENCH_VM_RC to the launcher's status. Returns 1
# (the VM still running) after SECONDS.
bench_vm_wait_exit() {
	local name=$1 pid=${BENCH_VM_PID[$1]:-} i
	BENCH_VM_RC=none
	[ -n "$pid" ] || return 0
	for ((i = 0; i < $2 * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			BENCH_VM_RC=$?
			unset "BENCH_VM_PID[$name]"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# bench_vm_stop NAME [SECONDS]: SIGTERM to the launcher, which types
# "shutdown" on the console (spindle: counters, pool check, halt; Linux:
# counters, exit 0), waits SECONDS (default 15) for it to stop, then KILLs
# it. Sets BENCH_VM_RC to its status ("none" when it had to be killed). Not
# in a subshell: it waits for its child.
bench_vm_stop() {
	local name=$1 pid=${BENCH_VM_PID[$1]:-}
	BENCH_VM_RC=none
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	if ! bench_vm_wait_exit "$name" "${2:-15}"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "BENCH_VM_PID[$name]"
	fi
}

# bench_vm_stop_all: every VM still running, all at once (for EXIT traps).
bench_vm_stop_all() {
	local name
	for name in "${!BENCH_VM_PID[@]}"; do kill -TERM "${BENCH_VM_PID[$name]}" 2>/dev/null; done
	for name in "${!BENCH_VM_PID[@]}"; do bench_vm_stop "$name" 12; done
}

# bench_pair_session NAME PREFIX: the set-up every two-VM benchmark shares:
# BENCH_TMP (spindle-NAME.*), the pair lab's name P=PREFIX
# (tools/lab/pair.sh), and the exit trap: bench_on_exit runs if the caller
# defined it (its own processes and labs), every VM stops, the pair lab goes,
# and BENCH_TMP is removed unless KEEP=1 (then its path is printed). Call it
# after sourcing this file, before the lab is brought up.
bench_pair_session() {
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-$1.XXXXXX")
	P=$2
	trap bench_pair_cleanup EXIT
	trap 'exit 1' INT TERM
}

# shellcheck disable=SC2317  # called by the EXIT trap
bench_pair_cleanup() {
	if declare -F bench_on_exit >/dev/null; then bench_on_exit || true; fi
	bench_vm_stop_all
	"$BENCH_ROOT/tools/lab/pair.sh" down "$P" >/dev/null 2>&1
	if [ "${KEEP:-0}" = 1 ]; then
		echo "${0##*/}: consoles and outputs kept in $BENCH_TMP"
	else
		rm -rf "$BENCH_TMP"
	fi
}
