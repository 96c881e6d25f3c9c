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

# shellcheck source=tools/lab/lib.sh
. "${SELF%/*}/lib.sh"
lab_userns_exec lab3 "$SELF" "$@"

command -v ip >/dev/null || die "missing command: ip (apt-get install iproute2)"
command -v ethtool >/dev/null || die "missing command: ethtool (apt-get install ethtool)"

C1_DEV=veth-c1 R1_DEV=veth-r1 R2_DEV=veth-r2 C2_DEV=veth-c2
LR_TMP=l3 LR_PAUSE=0.2 LR_NEIGH_DELAY=60
check_prefix() { lab_check_prefix 16 "$@"; }
# lab_names P: the namespaces and the veth mark of lab P.
lab_names() { NS_C1=$1-c1 NS_R=$1-r NS_C2=$1-c2 LR_ALIAS=spindle-lab3:$1; }

cmd_up() {
	local p=$1 kind=$2 mtu2=$3
	lab_names "$p"
	lab_router_up "$p" "$kind" "$mtu2"
	echo "lab3 $p up ($kind router, link 2 MTU $mtu2): $p-c1 $C1_ADDR — $p-r — $p-c2 $C2_ADDR"
}

cmd_down() {
	lab_names "$1"
	lab_router_down
	echo "lab3 $1 down"
}

cmd_status() { lab_status "$1-c1" "$1-r" "$1-c2"; }

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
	lab_cmd_prefix "$cmd" "$@"
	;;
exec)
	lab_cmd_exec "c1 r c2" "$@"
	;;
session)
	[ $# -ge 1 ] || usage
	exec "$@"
	;;
*) usage ;;
esac
