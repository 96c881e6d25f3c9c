# shellcheck shell=sh
# /etc/script-lib.sh of a Linux VM (tools/vm/linux-host/build.sh): sourced
# by /init before the fw_cfg script runs, so the script may use these.

# section NAME CMD [ARG...]: CMD's output between "=== begin NAME" and
# "=== end NAME status S" lines on the console (tools/bench/lib/vm.sh
# bench_vm_section reads it back out of the serial log). Returns CMD's status.
section() {
	_name=$1
	shift
	echo "=== begin $_name"
	"$@"
	_st=$?
	echo "=== end $_name status $_st"
	return "$_st"
}

# wait_host ADDR SECONDS: until ADDR answers an ICMP echo request (one a
# second, RFC 792), for SECONDS at most. Returns 1 when it did not answer.
wait_host() {
	_n=0
	while [ "$_n" -lt "$2" ]; do
		ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
		_n=$((_n + 1))
	done
	echo "wait_host: $1 did not answer within $2 s"
	return 1
}
