#!/usr/bin/env bash
# spindle router lab: three network namespaces, client1 — router — client2,
# joined by two veth pairs.
#
#   PREFIX-c1  veth-c1 02:00:00:00:01:01 10.81.1.2/24, default via 10.81.1.1
#   PREFIX-r   veth-r1 02:00:00:00:01:02 (10.81.1.1/24)   link 1
#              veth-r2 02:00:00:00:02:02 (10.81.2.1/24)   link 2
#   PREFIX-c2  veth-c2 02:00:00:00:02:01 10.81.2.2/24, default via 10.81.2.1
#
# The router namespace comes in two kinds:
#   linux  Linux forwards (net.ipv4.ip_forward=1) with the addresses above:
#          the reference router the traces are captured from.
#   bare   veth-r1/veth-r2 are up, promiscuous, ARP off and have no address:
#          Linux there is silent and an appliance uses the two ends (hosted
#          spindle on pcap ports). A router VM attaches the same way: a
#          bridge per link in PREFIX-r joining veth-rN and the VM's TAP.
# Every end: TX checksum offload and GRO off, IPv6 off, no gratuitous ARP,
# and neighbour entries are not re-probed for 60 s (delay_first_probe_time),
# so a short trace holds only the ARP the traffic itself needs.
# Link 2's MTU (both ends) is --mtu2 (default 1500).
set -euo pipefail

PROG=${0##*/}
SELF=$(readlink -f "$0")

C1_MAC=02:00:00:00:01:01 R1_MAC=02:00:00:00:01:02
C2_MAC=02:00:00:00:02:01 R2_MAC=02:00:00:00:02:02
C1_ADDR=10.81.1.2 R1_ADDR=10.81.1.1 C2_ADDR=10.81.2.2 R2_ADDR=10.81.2.1

usage() {
	cat >&2 <<EOF
usage: $PROG up PREFIX [linux|bare] [--mtu2 N]
                                 create PREFIX-c1, PREFIX-r, PREFIX-c2 (default: linux)
       $PROG down PREFIX          remove them (idempotent; also after a failed up)
       $PROG exec PREFIX c1|r|c2 CMD [ARG...]
                                 run CMD in one namespace
       $PROG status PREFIX        links, addresses, routes and neighbours
       $PROG session CMD [ARG...] as root, CMD; otherwise CMD inside a private
                                 user+net+mount namespace (the lab lives as long as CMD)

Addresses: client1 $C1_ADDR ($C1_MAC) — router $R1_ADDR ($R1_MAC) | $R2_ADDR ($R2_MAC)
           — client2 $C2_ADDR ($C2_MAC); /24 each; clients route by default via the router.
PREFIX: 1-16 characters from [A-Za-z0-9_], starting with a letter.
EOF
	exit 2
}

die() { echo "$PROG: $*" >&2; exit 1; }

# --- privileges: as tools/lab/lab.sh (see tools/lab/README.md "Without root") ---
userns_setup() {
	mount --make-rprivate / 2>/dev/null || true
	if [ -d /run/netns ] || mkdir -p /run/netns 2>/dev/null; then
		mount -t tmpfs -o mode=0755 lab3-netns /run/netns
	else
		mount -t tmpfs -o mode=0755 lab3-run /run
		mkdir -p /run/netns
	fi
	ip link set lo up
}

if [ "$(id -u)" != 0 ]; then
	[ "${SPINDLE_LAB_USERNS:-}" != inner ] || die "not root even inside the user namespace"
	command -v unshare >/dev/null || die "not root and unshare(1) is missing: run as root"
	unshare --user --map-root-user --net --mount true 2>/dev/null ||
		die "not root and unprivileged user namespaces are not allowed here: run as root"
	export SPINDLE_LAB_USERNS=inner
	# shellcheck disable=SC2016
	exec unshare --user --map-root-user --net --mount -- \
		bash -c 'source "$1"; shift; userns_setup; exec "$@"' lab3-userns "$SELF" "$SELF" "$@"
fi
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
	return 0 # sourced for userns_setup only
fi

command -v ip >/dev/null || die "missing command: ip (apt-get install iproute2)"
command -v ethtool >/dev/null || die "missing command: ethtool (apt-get install ethtool)"

check_prefix() {
	[[ "${1:-}" =~ ^[A-Za-z][A-Za-z0-9_]{0,15}$ ]] ||
		die "bad PREFIX '${1:-}' (1-16 of [A-Za-z0-9_], starting with a letter)"
}
ns_exists() { [ -e "/run/netns/$1" ]; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

ns_setup() {
	local ns=$1
	ip netns add "$ns"
	nsx "$ns" ip link set lo up
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv4.conf.all.arp_notify=0 net.ipv4.conf.default.arp_notify=0
}

# dev_move NS TMPNAME NAME MAC MTU: into the namespace, renamed, quiet, up.
dev_move() {
	local ns=$1 tmp=$2 dev=$3 mac=$4 mtu=$5
	ip link set "$tmp" netns "$ns"
	nsx "$ns" ip link set "$tmp" name "$dev"
	nsx "$ns" ip link set "$dev" address "$mac" mtu "$mtu"
	nsx "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
	nsx "$ns" sysctl -qw "net.ipv4.neigh.$dev.delay_first_probe_time=60"
	nsx "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 || die "ethtool -K $dev tx off failed"
	nsx "$ns" ethtool -K "$dev" gro off >/dev/null 2>&1 || true
}

up_failed() {
	local rc=$?
	trap - EXIT
	echo "$PROG: up $UP_PREFIX failed, cleaning up" >&2
	cmd_down "$UP_PREFIX" >/dev/null 2>&1 || true
	exit $((rc ? rc : 1))
}

cmd_up() {
	local p=$1 kind=$2 mtu2=$3 ns
	for ns in "$p-c1" "$p-r" "$p-c2"; do
		! ns_exists "$ns" || die "lab $p already exists (run: $PROG down $p)"
	done
	UP_PREFIX=$p
	trap up_failed EXIT
	local h
	h=$(printf '%s-%s-%s' "$p" "$$" "$RANDOM" | md5sum | cut -c1-7)
	for ns in "$p-c1" "$p-r" "$p-c2"; do ns_setup "$ns"; done
	# Temporary names in this namespace, tagged so that `down` finds leftovers.
	ip link add "l3a$h" type veth peer name "l3b$h"
	ip link add "l3c$h" type veth peer name "l3d$h"
	local t
	for t in "l3a$h" "l3b$h" "l3c$h" "l3d$h"; do ip link set "$t" alias "spindle-lab3:$p"; done
	dev_move "$p-c1" "l3a$h" veth-c1 "$C1_MAC" 1500
	dev_move "$p-r" "l3b$h" veth-r1 "$R1_MAC" 1500
	dev_move "$p-r" "l3c$h" veth-r2 "$R2_MAC" "$mtu2"
	dev_move "$p-c2" "l3d$h" veth-c2 "$C2_MAC" "$mtu2"

	nsx "$p-c1" ip addr add "$C1_ADDR/24" dev veth-c1
	nsx "$p-c1" ip link set veth-c1 up
	nsx "$p-c1" ip route add default via "$R1_ADDR"
	nsx "$p-c2" ip addr add "$C2_ADDR/24" dev veth-c2
	nsx "$p-c2" ip link set veth-c2 up
	nsx "$p-c2" ip route add default via "$R2_ADDR"
	if [ "$kind" = linux ]; then
		nsx "$p-r" ip addr add "$R1_ADDR/24" dev veth-r1
		nsx "$p-r" ip addr add "$R2_ADDR/24" dev veth-r2
		nsx "$p-r" sysctl -qw net.ipv4.ip_forward=1
		nsx "$p-r" ip link set veth-r1 up
		nsx "$p-r" ip link set veth-r2 up
	else
		nsx "$p-r" ip link set veth-r1 arp off promisc on up
		nsx "$p-r" ip link set veth-r2 arp off promisc on up
	fi
	trap - EXIT
	echo "lab3 $p up ($kind router, link 2 MTU $mtu2): $p-c1 $C1_ADDR — $p-r — $p-c2 $C2_ADDR"
}

cmd_down() {
	local p=$1 ns pids dev
	for ns in "$p-c1" "$p-r" "$p-c2"; do
		ns_exists "$ns" || continue
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
	done
	for dev in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		case "$dev" in l3[abcd]???????) ;; *) continue ;; esac
		if [ "$(cat "/sys/class/net/$dev/ifalias" 2>/dev/null)" = "spindle-lab3:$p" ]; then
			ip link del "$dev" 2>/dev/null || true
		fi
	done
	echo "lab3 $p down"
}

cmd_status() {
	local p=$1 ns
	for ns in "$p-c1" "$p-r" "$p-c2"; do
		if ns_exists "$ns"; then
			echo "== $ns"
			nsx "$ns" ip -br link
			nsx "$ns" ip -br addr
			nsx "$ns" ip route
			nsx "$ns" ip neigh
		else
			echo "== $ns (absent)"
		fi
	done
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
up)
	[ $# -ge 1 ] || usage
	check_prefix "$1"
	prefix=$1 kind=linux mtu2=1500
	shift
	while [ $# -gt 0 ]; do
		case "$1" in
		linux|bare) kind=$1 ;;
		--mtu2) [ $# -ge 2 ] || usage; mtu2=$2; shift ;;
		*) usage ;;
		esac
		shift
	done
	[[ "$mtu2" =~ ^[0-9]+$ ]] && [ "$mtu2" -ge 576 ] && [ "$mtu2" -le 9000 ] ||
		die "--mtu2 $mtu2: expected 576..9000"
	cmd_up "$prefix" "$kind" "$mtu2"
	;;
down|status)
	[ $# -eq 1 ] || usage
	check_prefix "$1"
	"cmd_$cmd" "$1"
	;;
exec)
	[ $# -ge 3 ] || usage
	check_prefix "$1"
	case "$2" in c1|r|c2) ;; *) usage ;; esac
	ns_exists "$1-$2" || die "no namespace $1-$2 (run: $PROG up $1)"
	ns="$1-$2"
	shift 2
	exec ip netns exec "$ns" "$@"
	;;
session)
	[ $# -ge 1 ] || usage
	exec "$@"
	;;
*) usage ;;
esac
