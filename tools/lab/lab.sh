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

# --- privileges: see lab_userns_exec in tools/lab/lib.sh ------------------
# shellcheck source=tools/lab/lib.sh
. "${SELF%/*}/lib.sh"
if [ "$(id -u)" != 0 ] && [ "${SPINDLE_LAB_USERNS:-}" != inner ] && [ "${1:-}" = up ]; then
	echo "$PROG: note: not root; this lab lives only inside a private namespace that ends with this command. Use '$PROG session CMD' to run a whole test inside one." >&2
fi
lab_userns_exec lab "$SELF" "$@"

need() { command -v "$1" >/dev/null || die "missing command: $1 (apt-get install $2)"; }
need ip iproute2
need ethtool ethtool

check_prefix() { lab_check_prefix 20 "$@"; }

# Temporary veth names in the root namespace: unique per lab and per call.
tmp_names() {
	local h
	h=$(printf '%s-%s-%s' "$1" "$$" "$RANDOM" | md5sum | cut -c1-8)
	TMP_A="lbA$h"
	TMP_C="lbC$h"
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

	lab_ns_add "$app"
	lab_ns_add "$cli"
	lab_veth "spindle-lab:$p" "$TMP_A" "$TMP_C"
	lab_dev_move "$app" "$TMP_A" veth-app "$APP_MAC"
	lab_dev_move "$cli" "$TMP_C" veth-cli "$CLI_MAC"

	# App side: no address, no ARP, promiscuous; Linux says nothing.
	nsx "$app" ip link set veth-app arp off promisc on up
	nsx "$cli" ip addr add "$CLI_ADDR" dev veth-cli
	nsx "$cli" ip link set veth-cli up
	trap - EXIT
	echo "lab $p up: $app/veth-app ($APP_MAC, no address) <-> $cli/veth-cli ($CLI_MAC, $CLI_ADDR)"
}

cmd_down() {
	lab_ns_del "$1-app" 0.2
	lab_ns_del "$1-cli" 0.2
	# Leftover temporary veths of a failed up (marked with our alias).
	lab_del_leftovers 'lb[AC]????????' "spindle-lab:$1"
	echo "lab $1 down"
}

cmd_status() { lab_status --no-route "$1-app" "$1-cli"; }

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
up|down|status)
	lab_cmd_prefix "$cmd" "$@"
	;;
exec)
	lab_cmd_exec "app cli" "$@"
	;;
session)
	[ $# -ge 1 ] || usage
	exec "$@"
	;;
-h|--help|help) usage ;;
*) usage ;;
esac
