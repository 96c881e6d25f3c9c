# shellcheck shell=bash
# tests/vm/lib.sh — what the one-VM lab tests share (sourced, not run):
# net-test.sh, am-test.sh, bounded-test.sh, rpc-test.sh and
# tests/vm-video/play-test.sh. The caller sets LAB (tools/lab/lab.sh), then
# calls vm_test_setup; it starts its VM into VPID with its launcher's output
# in $TMP/vm.out and the serial console in $TMP/serial.log.

# vm_test_setup PREFIX NAME: the lab's name P=PREFIX, a scratch folder TMP
# (spindle-NAME.*), VPID empty, FAILED empty, and the exit trap: the VM is
# stopped (TERM, then KILL after 1 s), vm_test_on_exit runs if the caller
# defined it (its own background jobs), the lab and TMP go.
vm_test_setup() {
	P=$1
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-$2.XXXXXX")
	VPID=
	FAILED=()
	trap vm_test_cleanup EXIT
	trap 'exit 1' INT TERM
}

vm_test_cleanup() {
	if declare -F vm_test_on_exit >/dev/null; then vm_test_on_exit || true; fi
	if [ -n "$VPID" ] && kill -0 "$VPID" 2>/dev/null; then
		kill -TERM "$VPID" 2>/dev/null
		sleep 1
		kill -KILL "$VPID" 2>/dev/null
	fi
	"$LAB" down "$P" >/dev/null 2>&1
	rm -rf "$TMP"
}

# fail MESSAGE: record a failed step and go on.
fail() { echo "FAIL: $*"; FAILED+=("$*"); }
# cli CMD...: CMD in the lab's client namespace.
cli() { "$LAB" exec "$P" cli "$@"; }
# show_logs: the launcher's output and the serial console, indented.
show_logs() {
	echo "---- launcher"
	sed 's/^/   | /' "$TMP/vm.out"
	echo "---- serial log"
	tr -d '\r' <"$TMP/serial.log" | sed 's/^/   | /'
}
