# tests/lab/lib.sh — the parts every live lab test shares (sourced, not run):
# a lab (tools/lab/lab.sh: PREFIX-app with veth-app, PREFIX-cli with veth-cli
# 10.77.0.1/24), the hosted spindle on veth-app running examples/server.conf
# (MAC 02:00:00:00:00:02, 10.77.0.2/24), and its exit status at the end.
#
# The sourcing script sets SPINDLE (the executable), ROOT (the source tree)
# and PY, then calls, in order:
#   lab_test_init TAG CMD...       skip (exit 77) unless root and every CMD and
#                                  $PY are there; fail unless $SPINDLE runs.
#                                  Sets P (lab prefix TAG<pid>), TMP (removed
#                                  on exit with the lab), LAB, FAILED, fail, cli
#   lab_test_up                    the lab up (or FAIL, exit 1)
#   spindle_start READY WHAT ARG...  spindle --config server.conf --stats-json
#                                  $TMP/stats.json ARG... in PREFIX-app, its
#                                  output in $TMP/spindle.log; waits up to 10 s
#                                  for the command READY to succeed, else prints
#                                  the log, "FAIL: spindle did not start WHAT",
#                                  exit 1. Sets SPID
#   spindle_wait_exit WHY          waits up to 10 s for spindle to end; sets rc
#                                  (its exit status, or "killed" after a fail)
#   lab_test_finish NAME           the failed steps and exit 1, or "PASS: NAME"
# shellcheck shell=bash

LAB=$ROOT/tools/lab/lab.sh

lab_test_init() {
	local tag=$1 c
	shift
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: the lab test needs root (network namespaces and veth pairs); run: sudo meson test --suite lab"
		exit 77
	fi
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "SKIP: missing command $c (tools/setup.sh installs it)"; exit 77; }
	done
	"$PY" -c 'import socket' 2>/dev/null || { echo "SKIP: $PY missing"; exit 77; }
	[ -x "$SPINDLE" ] || { echo "FAIL: $SPINDLE is not an executable"; exit 1; }

	P=$tag$$
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-$tag.XXXXXX")
	SPID=
	trap lab_test_cleanup EXIT
	trap 'exit 1' INT TERM
	FAILED=()
}

lab_test_cleanup() {
	if [ -n "$SPID" ] && kill -0 "$SPID" 2>/dev/null; then
		kill -KILL "$SPID" 2>/dev/null
	fi
	"$LAB" down "$P" >/dev/null 2>&1
	rm -rf "$TMP"
}

fail() { echo "FAIL: $*"; FAILED+=("$*"); }
cli() { "$LAB" exec "$P" cli "$@"; }

lab_test_up() {
	"$LAB" up "$P" || { echo "FAIL: lab up"; exit 1; }
}

spindle_start() {
	local ready=$1 what=$2
	shift 2
	sed "s|^interface eth0 .*|interface eth0 driver=pcap device=veth-app mac=02:00:00:00:00:02|" \
		"$ROOT/examples/server.conf" >"$TMP/server.conf"
	"$LAB" exec "$P" app "$SPINDLE" --config "$TMP/server.conf" --stats-json "$TMP/stats.json" \
		"$@" >"$TMP/spindle.log" 2>&1 &
	SPID=$!
	for _ in $(seq 1 100); do
		$ready && break
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 "$SPID" 2>/dev/null || ! $ready; then
		cat "$TMP/spindle.log"
		echo "FAIL: spindle did not start$what"
		exit 1
	fi
}

spindle_wait_exit() {
	rc=
	for _ in $(seq 1 100); do
		if ! kill -0 "$SPID" 2>/dev/null; then
			wait "$SPID"
			rc=$?
			break
		fi
		sleep 0.1
	done
	if [ -z "$rc" ]; then
		fail "spindle still running 10 s after $1"
		kill -KILL "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
		rc=killed
	fi
	SPID=
}

lab_test_finish() {
	if [ ${#FAILED[@]} -ne 0 ]; then
		echo "FAILED: ${#FAILED[@]} step(s):"
		printf '  %s\n' "${FAILED[@]}"
		exit 1
	fi
	echo "PASS: $1"
}
