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
# shellcheck source=tools/lab/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

C1_DEV=veth-c1 C1_MAC=02:00:00:00:01:02 C1_ADDR=10.1.0.2
R1_DEV=veth-app R1_MAC=02:00:00:00:01:01 R1_ADDR=10.1.0.1
R2_DEV=veth-app1 R2_MAC=02:00:00:00:02:01 R2_ADDR=10.2.0.1
C2_DEV=veth-c2 C2_MAC=02:00:00:00:02:02 C2_ADDR=10.2.0.2
LR_TMP=rl LR_PAUSE=0.3 LR_NEIGH_DELAY=
check_prefix() { lab_check_prefix 20 "$@"; }
# lab_names P: the namespaces and the veth mark of lab P.
lab_names() { NS_C1=$1-c1 NS_R=$1-app NS_C2=$1-c2 LR_ALIAS=router-lab:$1; }

cmd_up() {
	local p=$1 mode=${2:-} kind=bare how="no address: for spindle"
	case "$mode" in "") ;; --linux) kind=linux how="Linux forwarding" ;; *) usage ;; esac
	lab_names "$p"
	lab_router_up "$p" "$kind" 1500
	echo "router lab $p up: $NS_C1 ($C1_ADDR) - $NS_R/$R1_DEV | $R2_DEV ($how) - $NS_C2 ($C2_ADDR)"
}

cmd_down() {
	lab_names "$1"
	lab_router_down
	echo "router lab $1 down"
}

cmd_status() { lab_status "$1-c1" "$1-app" "$1-c2"; }

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
up)
	{ [ $# -ge 1 ] && [ $# -le 2 ]; } || usage
	check_prefix "$1"
	cmd_up "$@"
	;;
down|status)
	lab_cmd_prefix "$cmd" "$@"
	;;
exec)
	lab_cmd_exec "c1 c2 app" "$@"
	;;
-h|--help|help) usage ;;
*) usage ;;
esac
