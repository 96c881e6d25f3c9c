# shellcheck shell=bash
# tools/vm/vm-net.sh — the lab plumbing that tools/vm/spindle-vm and
# tools/vm/spindle-vm-alpha share (sourced, not run): a TAP per NIC inside
# the lab's app namespace, bridged to the lab's veth there, and the QEMU
# arguments that open them.
#
# The caller defines die MESSAGE (exits) and say MESSAGE, and sets
#   LAB       the lab PREFIX (tools/lab/lab.sh or tools/lab/pair.sh)
#   SLOT      "" or one letter A..H: several VMs on one lab, each in its slot
#   NICS      the number of NICs (1..8)
#   NIC_DEV   the QEMU device (e1000, virtio-net-pci)
#   MAC_BASE  NIC 0's MAC; NIC i adds i to the last byte
# then calls vmnet_setup, puts VMNET_ARGS on QEMU's command line and runs
# QEMU inside VMNET_NS (a TAP must exist in the namespace where QEMU opens
# it), and calls vmnet_cleanup on exit, also after a failure.
#
# Names, in PREFIX-app: TAP sptap<SLOT><i> (sptap0 without a slot); bridge
# spbr-app joining the TAPs of NIC 0 of every slot to veth-app (NIC i > 0:
# spbr-app<i> to veth-app<i> when the lab has that veth, else spbr-app). A
# bridge that exists already (tools/lab/pair.sh makes spbr-app) is used and
# left alone; one made here is deleted on exit once no other VM's TAP is
# attached to it.

VMNET_NS=
VMNET_ARGS=()
VMNET_TAPS=()
VMNET_BRIDGES=()

# vmnet_slot_index SLOT: 0 for no slot, 1..8 for A..H, on stdout; returns 1
# for anything else.
vmnet_slot_index() {
	case "$1" in
	"") echo 0 ;;
	[A-H]) echo $(($(printf '%d' "'$1") - 64)) ;;
	*) return 1 ;;
	esac
}

# vmnet_mac I: MAC_BASE with I added to its last byte (modulo 256).
vmnet_mac() {
	local last=$((16#${MAC_BASE##*:} + $1))
	printf '%s:%02x' "${MAC_BASE%:*}" $((last & 255))
}

vmnet_nsx() { ip netns exec "$VMNET_NS" "$@"; }

# vmnet_setup: TAPs and bridges for NICS NICs; fills VMNET_ARGS. Dies when
# the lab is missing or a TAP cannot be made (the slot is taken).
vmnet_setup() {
	local i tap veth br mac
	VMNET_NS=$LAB-app
	[ -e "/run/netns/$VMNET_NS" ] || die "no lab namespace $VMNET_NS (run: tools/lab/lab.sh up $LAB)"
	vmnet_nsx ip link show veth-app >/dev/null 2>&1 || die "$VMNET_NS has no veth-app"
	for ((i = 0; i < NICS; i++)); do
		tap=sptap$SLOT$i
		veth="veth-app"
		[ "$i" -gt 0 ] && vmnet_nsx ip link show "veth-app$i" >/dev/null 2>&1 && veth=veth-app$i
		br=spbr-${veth#veth-}
		if ! vmnet_nsx ip link show "$br" >/dev/null 2>&1; then
			vmnet_nsx ip link add "$br" type bridge stp_state 0 forward_delay 0 ||
				die "cannot create bridge $br in $VMNET_NS"
			VMNET_BRIDGES+=("$br")
			vmnet_nsx ip link set "$br" arp off
			vmnet_nsx ip link set "$veth" master "$br"
			vmnet_nsx ip link set "$br" up
		fi
		vmnet_nsx ip tuntap add dev "$tap" mode tap ||
			die "cannot create TAP $tap in $VMNET_NS${SLOT:+ (is slot $SLOT taken by another VM?)}"
		VMNET_TAPS+=("$tap")
		vmnet_nsx ip link set "$tap" arp off master "$br" up
		mac=$(vmnet_mac "$i")
		VMNET_ARGS+=(-netdev "tap,id=net$i,ifname=$tap,script=no,downscript=no"
			-device "$NIC_DEV,netdev=net$i,mac=$mac,romfile=")
		say "nic $i: $NIC_DEV mac $mac on $VMNET_NS/$tap, bridged by $br to $veth"
	done
}

# vmnet_cleanup: deletes this VM's TAPs, then each bridge made here that
# holds no other TAP (veth-app goes back to being a plain port). Never fails.
vmnet_cleanup() {
	local d others
	[ -n "$VMNET_NS" ] && [ -e "/run/netns/$VMNET_NS" ] || return 0
	for d in "${VMNET_TAPS[@]}"; do vmnet_nsx ip link del "$d" 2>/dev/null || true; done
	for d in "${VMNET_BRIDGES[@]}"; do
		others=$(vmnet_nsx ip -o link show master "$d" 2>/dev/null |
			awk -F': ' '{ sub(/@.*/, "", $2); if ($2 !~ /^veth/) print $2 }')
		[ -n "$others" ] || vmnet_nsx ip link del "$d" 2>/dev/null || true
	done
}
