# tools/lab/lib.sh — what the lab scripts share (sourced, not run): network
# namespaces, veth pairs moved into them with offloads off, removal of a
# lab and of its leftovers, the unprivileged user-namespace re-exec, and the
# three-namespace router topology C1 — router — C2 that tools/lab/lab3.sh and
# tools/lab/router-lab.sh build with their own names and addresses.
#
# The sourcing script defines PROG and die MESSAGE (prints "$PROG: MESSAGE",
# exits 1) before calling anything here. Every namespace gets IPv6 off and
# arp_notify 0 (no gratuitous ARP); every veth end TX checksum offload off
# (pcap readers see full checksums) and GRO off (frames as on the wire).
# shellcheck shell=bash

LAB_LIB=${BASH_SOURCE[0]}

# lab_check_prefix MAXLEN PREFIX: dies unless PREFIX is 1..MAXLEN of
# [A-Za-z0-9_] starting with a letter.
lab_check_prefix() {
	local max=$1 p=${2:-}
	[[ "$p" =~ ^[A-Za-z][A-Za-z0-9_]{0,$((max - 1))}$ ]] ||
		die "bad PREFIX '$p' (1-$max of [A-Za-z0-9_], starting with a letter)"
}

ns_exists() { [ -e "/run/netns/$1" ]; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# lab_ns_add NS: a new namespace, quiet before any device arrives.
lab_ns_add() {
	local ns=$1
	ip netns add "$ns"
	nsx "$ns" ip link set lo up
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv4.conf.all.arp_notify=0 net.ipv4.conf.default.arp_notify=0
}

# lab_veth ALIAS TMP_A TMP_B: a veth pair in this namespace under temporary
# names, both ends marked with ALIAS so that lab_del_leftovers finds them.
lab_veth() {
	ip link add "$2" type veth peer name "$3"
	ip link set "$2" alias "$1"
	ip link set "$3" alias "$1"
}

# lab_dev_move NS TMP DEV MAC [MTU]: the end TMP into NS, renamed DEV, with
# MAC (and MTU), IPv6 off, offloads off. Left down.
lab_dev_move() {
	local ns=$1 tmp=$2 dev=$3 mac=$4 mtu=${5:-}
	ip link set "$tmp" netns "$ns"
	nsx "$ns" ip link set "$tmp" name "$dev"
	nsx "$ns" ip link set "$dev" address "$mac" ${mtu:+mtu "$mtu"}
	nsx "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
	nsx "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 || die "ethtool -K $dev tx off failed in $ns"
	nsx "$ns" ethtool -K "$dev" gro off >/dev/null 2>&1 || true
}

# lab_ns_del NS PAUSE: TERM what runs in NS, KILL what is left after PAUSE
# seconds, delete NS. Nothing if NS does not exist.
lab_ns_del() {
	local ns=$1 pause=$2 pids
	ns_exists "$ns" || return 0
	pids=$(ip netns pids "$ns" 2>/dev/null || true)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		kill $pids 2>/dev/null || true
		sleep "$pause"
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		# shellcheck disable=SC2086
		[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
	fi
	ip netns del "$ns"
}

# lab_del_leftovers GLOB ALIAS: deletes the veths of this namespace named
# like GLOB and marked ALIAS (the temporary ends of a failed up).
lab_del_leftovers() {
	local glob=$1 alias=$2 dev
	for dev in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		# shellcheck disable=SC2053
		[[ "$dev" == $glob ]] || continue
		if [ "$(cat "/sys/class/net/$dev/ifalias" 2>/dev/null)" = "$alias" ]; then
			ip link del "$dev" 2>/dev/null || true
		fi
	done
}

# lab_status [--no-route] NS...: links, addresses, routes and neighbours.
lab_status() {
	local route=1 ns
	[ "${1:-}" != --no-route ] || { route=; shift; }
	for ns in "$@"; do
		if ns_exists "$ns"; then
			echo "== $ns"
			nsx "$ns" ip -br link
			nsx "$ns" ip -br addr
			[ -z "$route" ] || nsx "$ns" ip route
			nsx "$ns" ip neigh
		else
			echo "== $ns (absent)"
		fi
	done
}

# lab_cmd_exec "ROLE..." PREFIX ROLE CMD [ARG...]: CMD in namespace
# PREFIX-ROLE, ROLE one of the listed; usage (caller's) on bad arguments.
lab_cmd_exec() {
	local roles=$1 ns
	shift
	[ $# -ge 3 ] || usage
	check_prefix "$1"
	case " $roles " in *" $2 "*) ;; *) usage ;; esac
	ns_exists "$1-$2" || die "no namespace $1-$2 (run: $PROG up $1)"
	ns="$1-$2"
	shift 2
	exec ip netns exec "$ns" "$@"
}

# lab_cmd_prefix CMD PREFIX: cmd_CMD PREFIX (down, status) after the checks.
lab_cmd_prefix() {
	[ $# -eq 2 ] || usage
	check_prefix "$2"
	"cmd_$1" "$2"
}

# --- privileges (tools/lab/README.md "Without root") ---------------------
# lab_userns_exec NAME SELF ARG...: unless root, re-runs SELF ARG... inside
# `unshare --user --map-root-user --net --mount` with a private tmpfs on
# /run/netns (named NAME-netns), so `ip netns` works without touching the
# host; such a lab lives as long as that process. Returns when root.
lab_userns_exec() {
	local name=$1 self=$2
	shift 2
	[ "$(id -u)" != 0 ] || return 0
	if [ "${SPINDLE_LAB_USERNS:-}" = inner ]; then
		die "not root even inside the user namespace (uid $(id -u))"
	fi
	command -v unshare >/dev/null || die "not root and unshare(1) is missing: run as root"
	if ! unshare --user --map-root-user --net --mount true 2>/dev/null; then
		die "not root and this kernel does not allow unprivileged user namespaces (check user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns): run as root"
	fi
	export SPINDLE_LAB_USERNS=inner
	# shellcheck disable=SC2016
	exec unshare --user --map-root-user --net --mount -- \
		bash -c 'source "$1"; lab_userns_setup "$2"; shift 2; exec "$@"' "$name-userns" \
		"$LAB_LIB" "$name" "$self" "$@"
}

# lab_userns_setup NAME: as root in a fresh user+mount namespace.
lab_userns_setup() {
	mount --make-rprivate / 2>/dev/null || true
	if [ -d /run/netns ] || mkdir -p /run/netns 2>/dev/null; then
		mount -t tmpfs -o mode=0755 "$1-netns" /run/netns
	else
		# /run is not ours to write: shadow it with a private tmpfs.
		mount -t tmpfs -o mode=0755 "$1-run" /run
		mkdir -p /run/netns
	fi
	ip link set lo up
}

# --- the router topology -------------------------------------------------
#   NS_C1  C1_DEV C1_MAC C1_ADDR/24, default via R1_ADDR       link 1
#   NS_R   R1_DEV R1_MAC (R1_ADDR/24)   R2_DEV R2_MAC (R2_ADDR/24)
#   NS_C2  C2_DEV C2_MAC C2_ADDR/24, default via R2_ADDR       link 2 (MTU2)
# The caller sets those (addresses without /24) and LR_TMP (two characters:
# the veths' temporary names are LR_TMP[abcd] and 7 hex digits), LR_ALIAS
# (their mark), LR_PAUSE (seconds between TERM and KILL on down) and
# LR_NEIGH_DELAY (if set, every end's delay_first_probe_time in seconds).

# lab_router_up P KIND MTU2: KIND linux (the router namespace forwards with
# the addresses) or bare (its ends up, promiscuous, ARP off, no address).
# Dies if a namespace exists; on failure removes what it made.
lab_router_up() {
	local p=$1 kind=$2 mtu2=$3 ns h t
	for ns in "$NS_C1" "$NS_R" "$NS_C2"; do
		! ns_exists "$ns" || die "lab $p already exists (run: $PROG down $p)"
	done
	UP_PREFIX=$p
	trap lab_router_up_failed EXIT
	for ns in "$NS_C1" "$NS_R" "$NS_C2"; do lab_ns_add "$ns"; done
	h=$(printf '%s-%s-%s' "$p" "$$" "$RANDOM" | md5sum | cut -c1-7)
	lab_veth "$LR_ALIAS" "${LR_TMP}a$h" "${LR_TMP}b$h"
	lab_veth "$LR_ALIAS" "${LR_TMP}c$h" "${LR_TMP}d$h"
	lab_dev_move "$NS_C1" "${LR_TMP}a$h" "$C1_DEV" "$C1_MAC" 1500
	lab_dev_move "$NS_R" "${LR_TMP}b$h" "$R1_DEV" "$R1_MAC" 1500
	lab_dev_move "$NS_R" "${LR_TMP}c$h" "$R2_DEV" "$R2_MAC" "$mtu2"
	lab_dev_move "$NS_C2" "${LR_TMP}d$h" "$C2_DEV" "$C2_MAC" "$mtu2"
	if [ -n "${LR_NEIGH_DELAY:-}" ]; then
		t=net.ipv4.neigh
		nsx "$NS_C1" sysctl -qw "$t.$C1_DEV.delay_first_probe_time=$LR_NEIGH_DELAY"
		nsx "$NS_R" sysctl -qw "$t.$R1_DEV.delay_first_probe_time=$LR_NEIGH_DELAY"
		nsx "$NS_R" sysctl -qw "$t.$R2_DEV.delay_first_probe_time=$LR_NEIGH_DELAY"
		nsx "$NS_C2" sysctl -qw "$t.$C2_DEV.delay_first_probe_time=$LR_NEIGH_DELAY"
	fi
	nsx "$NS_C1" ip addr add "$C1_ADDR/24" dev "$C1_DEV"
	nsx "$NS_C1" ip link set "$C1_DEV" up
	nsx "$NS_C1" ip route add default via "$R1_ADDR"
	nsx "$NS_C2" ip addr add "$C2_ADDR/24" dev "$C2_DEV"
	nsx "$NS_C2" ip link set "$C2_DEV" up
	nsx "$NS_C2" ip route add default via "$R2_ADDR"
	if [ "$kind" = linux ]; then
		nsx "$NS_R" ip addr add "$R1_ADDR/24" dev "$R1_DEV"
		nsx "$NS_R" ip addr add "$R2_ADDR/24" dev "$R2_DEV"
		nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1
		nsx "$NS_R" ip link set "$R1_DEV" up
		nsx "$NS_R" ip link set "$R2_DEV" up
	else
		nsx "$NS_R" ip link set "$R1_DEV" arp off promisc on up
		nsx "$NS_R" ip link set "$R2_DEV" arp off promisc on up
	fi
	trap - EXIT
}

lab_router_up_failed() {
	local rc=$?
	trap - EXIT
	echo "$PROG: up $UP_PREFIX failed, cleaning up" >&2
	lab_router_down >/dev/null 2>&1 || true
	exit $((rc ? rc : 1))
}

# lab_router_down: removes the three namespaces and leftover veths.
lab_router_down() {
	local ns
	for ns in "$NS_C1" "$NS_R" "$NS_C2"; do lab_ns_del "$ns" "$LR_PAUSE"; done
	lab_del_leftovers "${LR_TMP}[abcd]???????" "$LR_ALIAS"
}
