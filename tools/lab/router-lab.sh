#!/usr/bin/env bash
# tools/lab/router-lab.sh — the router lab: two client namespaces with a
# router between them.
#
#   PREFIX-c1   veth-c1   02:00:00:00:01:02  10.1.0.2/24, default via 10.1.0.1
#   PREFIX-app  veth-app  02:00:00:00:01:01  the router's side of link 1
#               veth-app1 02:00:00:00:02:01  the router's side of link 2
#   PREFIX-c2   veth-c2   02:00:00:00:02:02  10.2.0.2/24, default via 10.2.0.1
#
# The router namespace is named PREFIX-app with veth-app and veth-app1 so
# that tools/vm/spindle-vm --lab PREFIX --nics 2 bridges NIC 0 (eth0) to
# link 1 and NIC 1 (eth1) to link 2, each through a bridge and a TAP. By
# default the router ends are UP, promiscuous, without address and with ARP
# off (Linux there is silent): a VM bridged to them, or the hosted spindle
# on them with the pcap driver (tools/demo.sh --hosted writes its config),
# plays the router with 10.1.0.1/24 and 10.2.0.1/24. With --linux the
# router namespace's own kernel forwards instead (those addresses on the
# veths, ip_forward=1): a baseline and a check of the lab itself.
# Every veth: TX checksum offload off (pcap readers see full checksums),
# GRO off; IPv6 off and arp_notify 0 in every namespace. See README.md.
set -euo pipefail

PROG=${0##*/}

usage() {
	cat >&2 <<EOF
usage: $PROG up PREFIX [--linux]      create PREFIX-c1, PREFIX-app, PREFIX-c2
       $PROG down PREFIX              remove them (idempotent; kills what runs in them)
       $PROG exec PREFIX c1|c2|app CMD [ARG...]
       $PROG status PREFIX
PREFIX: 1-20 characters from [A-Za-z0-9_], starting with a letter. Needs root.
EOF
	exit 2
}

die() { echo "$PROG: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
command -v ip >/dev/null || die "missing ip (apt-get install iproute2)"
command -v ethtool >/dev/null || die "missing ethtool (apt-get install ethtool)"

check_prefix() {
	[[ "${1:-}" =~ ^[A-Za-z][A-Za-z0-9_]{0,19}$ ]] ||
		die "bad PREFIX '${1:-}' (1-20 of [A-Za-z0-9_], starting with a letter)"
}
ns_exists() { [ -e "/run/netns/$1" ]; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

ns_setup() {
	local ns=$1
	ip netns add "$ns"
	nsx "$ns" ip link set lo up
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv4.conf.all.arp_notify=0
	nsx "$ns" sysctl -qw net.ipv4.conf.default.arp_notify=0
}

# veth_pair P LINK NS_A DEV_A MAC_A NS_B DEV_B MAC_B: made in this namespace
# under unique temporary names tagged with the alias router-lab:P, then moved.
veth_pair() {
	local p=$1 link=$2 h ta tb
	h=$(printf '%s-%s-%s-%s' "$p" "$link" "$$" "$RANDOM" | md5sum | cut -c1-8)
	ta="rlA$h"
	tb="rlB$h"
	ip link add "$ta" type veth peer name "$tb"
	ip link set "$ta" alias "router-lab:$p"
	ip link set "$tb" alias "router-lab:$p"
	dev_move "$3" "$ta" "$4" "$5"
	dev_move "$6" "$tb" "$7" "$8"
}
dev_move() {
	local ns=$1 tmp=$2 dev=$3 mac=$4
	ip link set "$tmp" netns "$ns"
	nsx "$ns" ip link set "$tmp" name "$dev"
	nsx "$ns" ip link set "$dev" address "$mac"
	nsx "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 || die "ethtool -K $dev tx off failed in $ns"
	nsx "$ns" ethtool -K "$dev" gro off >/dev/null 2>&1 || true
}

cmd_up() {
	local p=$1 mode=${2:-}
	local c1=$p-c1 app=$p-app c2=$p-c2
	case "$mode" in ""|--linux) ;; *) usage ;; esac
	for ns in "$c1" "$app" "$c2"; do
		ns_exists "$ns" && die "lab $p already exists (run: $PROG down $p)"
	done
	UP_PREFIX=$p
	trap 'rc=$?; trap - EXIT; echo "$PROG: up $UP_PREFIX failed, cleaning up" >&2; cmd_down "$UP_PREFIX" >/dev/null 2>&1; exit $((rc ? rc : 1))' EXIT
	ns_setup "$c1"
	ns_setup "$app"
	ns_setup "$c2"
	veth_pair "$p" 1 "$c1" veth-c1 02:00:00:00:01:02 "$app" veth-app 02:00:00:00:01:01
	veth_pair "$p" 2 "$c2" veth-c2 02:00:00:00:02:02 "$app" veth-app1 02:00:00:00:02:01

	nsx "$c1" ip addr add 10.1.0.2/24 dev veth-c1
	nsx "$c1" ip link set veth-c1 up
	nsx "$c1" ip route add default via 10.1.0.1
	nsx "$c2" ip addr add 10.2.0.2/24 dev veth-c2
	nsx "$c2" ip link set veth-c2 up
	nsx "$c2" ip route add default via 10.2.0.1
	if [ "$mode" = --linux ]; then
		nsx "$app" ip addr add 10.1.0.1/24 dev veth-app
		nsx "$app" ip addr add 10.2.0.1/24 dev veth-app1
		nsx "$app" ip link set veth-app up
		nsx "$app" ip link set veth-app1 up
		nsx "$app" sysctl -qw net.ipv4.ip_forward=1
	else
		nsx "$app" ip link set veth-app arp off promisc on up
		nsx "$app" ip link set veth-app1 arp off promisc on up
	fi
	trap - EXIT
	echo "router lab $p up: $c1 (10.1.0.2) - $app/veth-app | veth-app1 ($([ "$mode" = --linux ] && echo "Linux forwarding" || echo "no address: for spindle")) - $c2 (10.2.0.2)"
}

cmd_down() {
	local p=$1 ns pids dev
	for ns in "$p-c1" "$p-app" "$p-c2"; do
		ns_exists "$ns" || continue
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill $pids 2>/dev/null || true
			sleep 0.3
			pids=$(ip netns pids "$ns" 2>/dev/null || true)
			# shellcheck disable=SC2086
			[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
		fi
		ip netns del "$ns" 2>/dev/null || true
	done
	# Leftover temporary veths of a failed up (marked with our alias).
	for dev in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		case "$dev" in rlA????????|rlB????????) ;; *) continue ;; esac
		if [ "$(cat "/sys/class/net/$dev/ifalias" 2>/dev/null)" = "router-lab:$p" ]; then
			ip link del "$dev" 2>/dev/null || true
		fi
	done
	echo "router lab $p down"
}

cmd_status() {
	local p=$1 ns
	for ns in "$p-c1" "$p-app" "$p-c2"; do
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
cmd=$1; shift
case "$cmd" in
up)
	{ [ $# -ge 1 ] && [ $# -le 2 ]; } || usage
	check_prefix "$1"
	cmd_up "$@"
	;;
down|status)
	[ $# -eq 1 ] || usage
	check_prefix "$1"
	"cmd_$cmd" "$1"
	;;
exec)
	[ $# -ge 3 ] || usage
	check_prefix "$1"
	case "$2" in c1|c2|app) ;; *) usage ;; esac
	ns_exists "$1-$2" || die "no namespace $1-$2 (run: $PROG up $1)"
	ns="$1-$2"; shift 2
	exec ip netns exec "$ns" "$@"
	;;
-h|--help|help) usage ;;
*) usage ;;
esac
