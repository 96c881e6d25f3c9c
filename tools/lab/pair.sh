#!/usr/bin/env bash
# tools/lab/pair.sh — the lab for VMs side by side on one Ethernet segment:
# tools/lab/lab.sh's two namespaces, plus a bridge in the app namespace
# that the VMs' TAPs join (tools/vm/spindle-vm --lab PREFIX --slot A|B...,
# tools/vm/linux-host/linux-host-vm --lab PREFIX --slot A|B...).
#
#   PREFIX-app  spbr-app  bridge: STP off, forward delay 0, no address, ARP
#                         off; ports veth-app and each VM's TAP sptap<SLOT>0
#   PREFIX-cli  veth-cli  10.77.0.1/24, MAC 02:00:00:00:00:01: the outside
#                         peer (a client, a receiver, tcpdump), silent until
#                         it sends
#
# Address plan (the launchers' defaults): slot A 10.77.0.2, slot B
# 10.77.0.3, ... slot H 10.77.0.9, all /24; VM MACs 52:54:00:00:1<n>:00
# (spindle) and 52:54:00:00:2<n>:00 (Linux), n = 1 for A. The bridge
# belongs to the lab: a VM's launcher adds and removes only its TAP.
# `down` removes everything, whatever still runs in the namespaces (a VM's
# QEMU included). Needs root. See tools/lab/README.md.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)

usage() {
	cat >&2 <<EOF
usage: $PROG up PREFIX        PREFIX-app (bridge spbr-app, veth-app) <-> PREFIX-cli (veth-cli 10.77.0.1/24)
       $PROG down PREFIX      remove them (idempotent; kills what runs in them)
       $PROG exec PREFIX app|cli CMD [ARG...]
       $PROG status PREFIX    links, bridge ports, addresses, neighbours
       $PROG addr SLOT        the address plan: 10.77.0.<1 + n> for slot A..H
PREFIX: 1-20 characters from [A-Za-z0-9_], starting with a letter.
EOF
	exit 2
}

die() { echo "$PROG: $*" >&2; exit 1; }

# pair_addr SLOT: a slot's default address (without /24).
pair_addr() {
	case "$1" in
	[A-H]) echo "10.77.0.$(($(printf '%d' "'$1") - 63))" ;;
	*) die "SLOT must be one letter A..H" ;;
	esac
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
addr)
	[ $# -eq 1 ] || usage
	pair_addr "$1"
	exit 0
	;;
-h|--help|help) usage ;;
esac
[ "$(id -u)" = 0 ] || die "needs root (namespaces, bridges, TAP devices)"

case "$cmd" in
up)
	[ $# -eq 1 ] || usage
	"$HERE/lab.sh" up "$1" >/dev/null
	ns=$1-app
	if ! { ip netns exec "$ns" ip link add spbr-app type bridge stp_state 0 forward_delay 0 &&
		ip netns exec "$ns" ip link set spbr-app arp off &&
		ip netns exec "$ns" ip link set veth-app master spbr-app &&
		ip netns exec "$ns" ip link set spbr-app up; }; then
		"$HERE/lab.sh" down "$1" >/dev/null 2>&1 || true
		die "up $1: the bridge could not be made; lab removed"
	fi
	echo "pair lab $1 up: $ns/spbr-app (veth-app; VM TAPs join it) <-> $1-cli/veth-cli 10.77.0.1/24; slots A 10.77.0.2, B 10.77.0.3"
	;;
down)
	[ $# -eq 1 ] || usage
	"$HERE/lab.sh" down "$1" >/dev/null
	echo "pair lab $1 down"
	;;
status)
	[ $# -eq 1 ] || usage
	"$HERE/lab.sh" status "$1"
	ip netns exec "$1-app" bridge link 2>/dev/null || true
	;;
exec)
	exec "$HERE/lab.sh" exec "$@"
	;;
*) usage ;;
esac
