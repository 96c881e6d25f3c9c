# shellcheck shell=bash
# tools/bench/lib/cpu.sh — the host CPU a QEMU process spends over a run
# (sourced, not run): utime + stime, fields 14 and 15 of proc(5)'s
# /proc/PID/stat in clock ticks (getconf CLK_TCK), for the whole process
# and for its vCPU thread (/proc/PID/task/TID/stat, the thread QEMU names
# "CPU 0/TCG" or "CPU 0/KVM" under -name X,debug-threads=on, which
# tools/bench/lib/vm.sh passes). Read both while QEMU runs: a process that
# has exited has no /proc entry. Fair between guests only when both halt
# when idle and run under the same QEMU command line
# (/work/shared/notes: an idle halted TCG guest costs about 0.7 % of a core).
# The caller sets BENCH_TMP (where the marks are kept).

BENCH_CLK_TCK=$(getconf CLK_TCK)

# bench_cpu_ticks PID [THREAD]: utime + stime of process PID, or of its
# thread whose name (comm) matches the glob THREAD, in clock ticks, on
# stdout. Returns 1 when there is no such process or thread.
bench_cpu_ticks() {
	local pid=$1 thread=${2:-} f='' t c
	if [ -z "$thread" ]; then
		f=/proc/$pid/stat
	else
		for t in /proc/"$pid"/task/*; do
			c=$(cat "$t/comm" 2>/dev/null) || continue
			# shellcheck disable=SC2053  # THREAD is a glob
			[[ "$c" == $thread ]] && { f=$t/stat; break; }
		done
	fi
	[ -n "$f" ] && [ -r "$f" ] || return 1
	# After "pid (comm) " (comm may hold spaces and parentheses), the state is
	# field 3: utime and stime are the 12th and 13th words.
	sed 's/^.*) //' "$f" | awk '{ print $12 + $13 }'
}

# bench_cpu_mark KEY PID: remembers the time and the ticks of PID and of its
# vCPU thread ("CPU 0/*") under KEY.
bench_cpu_mark() {
	echo "$EPOCHREALTIME $(bench_cpu_ticks "$2" || echo -) $(bench_cpu_ticks "$2" 'CPU 0/*' || echo -)" \
		>"$BENCH_TMP/cpu-$1.mark"
}

# bench_cpu_since KEY PID: "PROCESS VCPU SECONDS" on stdout: the CPU PID and
# its vCPU thread used since bench_cpu_mark KEY PID, in percent of one core
# (one decimal), over SECONDS of wall time; "-" for what could not be read.
bench_cpu_since() {
	local t0 p0 v0 p1 v1
	read -r t0 p0 v0 <"$BENCH_TMP/cpu-$1.mark" || { echo "- - -"; return 1; }
	p1=$(bench_cpu_ticks "$2" || echo -)
	v1=$(bench_cpu_ticks "$2" 'CPU 0/*' || echo -)
	awk -v t0="$t0" -v t1="$EPOCHREALTIME" -v p0="$p0" -v p1="$p1" -v v0="$v0" -v v1="$v1" \
		-v hz="$BENCH_CLK_TCK" 'BEGIN {
			s = t1 - t0
			printf "%s %s %.2f\n",
				(p0 == "-" || p1 == "-" || s <= 0) ? "-" : sprintf("%.1f", 100 * (p1 - p0) / hz / s),
				(v0 == "-" || v1 == "-" || s <= 0) ? "-" : sprintf("%.1f", 100 * (v1 - v0) / hz / s), s }'
}
