#!/usr/bin/env bash
# spindle network lab: two network namespaces joined by one veth pair.
#
#   PREFIX-app  veth-app  UP, promiscuous, no IP address (Linux stays silent;
#                         the appliance captures on it), MAC 02:00:00:00:00:02
#   PREFIX-cli  veth-cli  MAC 02:00:00:00:00:01, 10.77.0.1/24 (the client)
#
# Both ends: TX checksum offload off, IPv6 disabled in both namespaces.
# See tools/lab/README.md.
set -euo pipefail

PROG=${0##*/}
SELF=$(readlink -f "$0")

APP_MAC=02:00:00:00:00:02
CLI_MAC=02:00:00:00:00:01
CLI_ADDR=10.77.0.1/24

usage() {
	cat >&2 <<EOF
usage: $PROG up PREFIX            create PREFIX-app and PREFIX-cli joined by veth-app <-> veth-cli
       $PROG down PREFIX          remove them (idempotent; also after a failed up)
       $PROG exec PREFIX app|cli CMD [ARG...]
                                 run CMD inside PREFIX-app or PREFIX-cli
       $PROG status PREFIX        show the lab's links, addresses and neighbours
       $PROG session CMD [ARG...] run CMD where lab commands work: as root, just CMD;
                                 as a normal user, inside a new user+net+mount
                                 namespace (the lab lives as long as CMD runs)

PREFIX: 1-20 characters from [A-Za-z0-9_], starting with a letter.
Defaults: veth-app mac $APP_MAC, no address; veth-cli mac $CLI_MAC, $CLI_ADDR.
EOF
	exit 2
}

die() { echo "$PROG: $*" >&2; exit 1; }

# --- privileges ----------------------------------------------------------
# As root we work in the current network namespace. Otherwise we re-exec
# inside `unshare --user --map-root-user --net --mount` with a private tmpfs
# on /run/netns, so `ip netns` works without touching the host. Such a lab
# only exists while that process lives: use `session` to keep it around.
in_userns_setup() {
	# Called as root-in-userns with a private mount namespace.
	mount --make-rprivate / 2>/dev/null || true
	if [ -d /run/netns ] || mkdir -p /run/netns 2>/dev/null; then
		mount -t tmpfs -o mode=0755 lab-netns /run/netns
	else
		# /run is not ours to write: shadow it with a private tmpfs.
		mount -t tmpfs -o mode=0755 lab-run /run
		mkdir -p /run/netns
	fi
	ip link set lo up
}

if [ "$(id -u)" != 0 ]; then
	if [ "${SPINDLE_LAB_USERNS:-}" = inner ]; then
		die "not root even inside the user namespace (uid $(id -u))"
	fi
	if ! command -v unshare >/dev/null; then
		die "not root and unshare(1) is missing: run as root"
	fi
	if ! unshare --user --map-root-user --net --mount true 2>/dev/null; then
		die "not root and this kernel does not allow unprivileged user namespaces (check user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns): run as root"
	fi
	case "${1:-}" in
	up) echo "$PROG: note: not root; this lab lives only inside a private namespace that ends with this command. Use '$PROG session CMD' to run a whole test inside one." >&2 ;;
	esac
	export SPINDLE_LAB_USERNS=inner
	# shellcheck disable=SC2016
	exec unshare --user --map-root-user --net --mount -- \
		bash -c 'source "$1"; shift; in_userns_setup; exec "$@"' lab-userns \
		"$SELF" "$SELF" "$@"
fi

# When sourced for in_userns_setup above, define functions only.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
	return 0
fi

need() { command -v "$1" >/dev/null || die "missing command: $1 (apt-get install $2)"; }
need ip iproute2
need ethtool ethtool

check_prefix() {
	[[ "${1:-}" =~ ^[A-Za-z][A-Za-z0-9_]{0,19}$ ]] || die "bad PREFIX '${1:-}' (1-20 of [A-Za-z0-9_], starting with a letter)"
}

ns_exists() { [ -e "/run/netns/$1" ]; }

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Temporary veth names in the root namespace: unique per lab and per call.
tmp_names() {
	local h
	h=$(printf '%s-%s-%s' "$1" "$$" "$RANDOM" | md5sum | cut -c1-8)
	TMP_A="lbA$h"
	TMP_C="lbC$h"
}

ns_setup() {
	# $1 = namespace: quiet defaults before any device arrives.
	local ns=$1
	nsx "$ns" ip link set lo up
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	# No gratuitous ARP on link/address changes.
	nsx "$ns" sysctl -qw net.ipv4.conf.all.arp_notify=0
	nsx "$ns" sysctl -qw net.ipv4.conf.default.arp_notify=0
}

dev_setup() {
	# $1 ns, $2 temporary name, $3 final name, $4 mac
	local ns=$1 tmp=$2 dev=$3 mac=$4
	ip link set "$tmp" netns "$ns"
	nsx "$ns" ip link set "$tmp" name "$dev"
	nsx "$ns" ip link set "$dev" address "$mac"
	nsx "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
	# Full checksums on transmit, so pcap readers see correct checksums.
	nsx "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 ||
		die "ethtool -K $dev tx off failed in $ns"
	# Keep frames as they are on the wire: no receive coalescing.
	nsx "$ns" ethtool -K "$dev" gro off >/dev/null 2>&1 || true
}

up_failed() {
	local rc=$?
	trap - EXIT
	echo "$PROG: up $UP_PREFIX failed, cleaning up" >&2
	ip link del "$TMP_A" 2>/dev/null || true
	ip link del "$TMP_C" 2>/dev/null || true
	cmd_down "$UP_PREFIX" >/dev/null 2>&1 || true
	[ "$rc" != 0 ] || rc=1
	exit "$rc"
}

cmd_up() {
	local p=$1 app="$1-app" cli="$1-cli"
	if ns_exists "$app" || ns_exists "$cli"; then
		die "lab $p already exists (run: $PROG down $p)"
	fi
	tmp_names "$p"
	# On any failure (set -e or die), undo what we did.
	UP_PREFIX=$p
	trap 'up_failed' EXIT

	ip netns add "$app"
	ip netns add "$cli"
	ns_setup "$app"
	ns_setup "$cli"

	ip link add "$TMP_A" type veth peer name "$TMP_C"
	# Mark both ends, so a later `down` can find leftovers of this lab.
	ip link set "$TMP_A" alias "spindle-lab:$p"
	ip link set "$TMP_C" alias "spindle-lab:$p"
	dev_setup "$app" "$TMP_A" veth-app "$APP_MAC"
	dev_setup "$cli" "$TMP_C" veth-cli "$CLI_MAC"

	# App side: no address, no ARP, promiscuous; Linux says nothing.
	nsx "$app" ip link set veth-app arp off promisc on up
	nsx "$cli" ip addr add "$CLI_ADDR" dev veth-cli
	nsx "$cli" ip link set veth-cli up
	trap - EXIT
	echo "lab $p up: $app/veth-app ($APP_MAC, no address) <-> $cli/veth-cli ($CLI_MAC, $CLI_ADDR)"
}

cmd_down() {
	local p=$1 ns
	for ns in "$p-app" "$p-cli"; do
		if ns_exists "$ns"; then
			# Kill whatever still runs in the namespace (started for this lab).
			local pids
			pids=$(ip netns pids "$ns" 2>/dev/null || true)
			if [ -n "$pids" ]; then
				# shellcheck disable=SC2086
				kill $pids 2>/dev/null || true
				sleep 0.2
				pids=$(ip netns pids "$ns" 2>/dev/null || true)
				# shellcheck disable=SC2086
				[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
			fi
			ip netns del "$ns"
		fi
	done
	# Leftover temporary veths of a failed up (marked with our alias).
	local dev
	for dev in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		case "$dev" in
		lbA????????|lbC????????) : ;;
		*) continue ;;
		esac
		# Only ours if its alias marks this prefix.
		if [ "$(cat "/sys/class/net/$dev/ifalias" 2>/dev/null)" = "spindle-lab:$p" ]; then
			ip link del "$dev" 2>/dev/null || true
		fi
	done
	echo "lab $p down"
}

cmd_status() {
	local p=$1 ns
	for ns in "$p-app" "$p-cli"; do
		if ns_exists "$ns"; then
			echo "== $ns"
			nsx "$ns" ip -br link
			nsx "$ns" ip -br addr
			nsx "$ns" ip neigh
		else
			echo "== $ns (absent)"
		fi
	done
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
up|down|status)
	[ $# -eq 1 ] || usage
	check_prefix "$1"
	"cmd_$cmd" "$1"
	;;
exec)
	[ $# -ge 3 ] || usage
	check_prefix "$1"
	case "$2" in app|cli) ;; *) usage ;; esac
	ns_exists "$1-$2" || die "no namespace $1-$2 (run: $PROG up $1)"
	ns="$1-$2"; shift 2
	exec ip netns exec "$ns" "$@"
	;;
session)
	[ $# -ge 1 ] || usage
	exec "$@"
	;;
-h|--help|help) usage ;;
*) usage ;;
esac
