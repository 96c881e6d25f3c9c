#!/usr/bin/env bash
# tools/soak/faults.sh — NIC faults on the router VM, each counted and
# recovered from without a restart; bounded (about a minute under TCG).
#
#   tools/soak/faults.sh [--nic virtio|e1000] [--image ELF] [--json FILE]
#
# The router lab (C1 10.1.0.2 -- spindle's router VM -- C2 10.2.0.2) with
# eth0 on a tiny receive pool (rx_ring=16 pool=24 buffers) and eth1 on a
# transmit ring of 8 descriptors. In turn:
#  1. the TAP of eth0 set down on the host for 2 s, then up;
#  2. QEMU's "set_link net1 off" for 3 s (the guest's eth1 loses carrier,
#     as "show interfaces" says), then on;
#  3. a UDP burst C1 -> C2 (iperf3, 200 Mbit/s for 2 s) that the tiny pool
#     and the short ring cannot hold.
# After each, ping C1 -> C2 must work again within 10 s. Passes when every
# fault recovered, the VM never restarted, the pool's exhaustion was counted
# (rx_no_buf or the ring's tx_ring_full grew), the carrier loss was seen and
# the VM ends with its buffer pools full. Needs root. Exit 0 pass, 1 fail,
# 77 skip.
set -uo pipefail
SK_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SK_NIC=virtio SK_IMAGE=$SK_ROOT/build/kernel/arch/x86_64/spindle-x86_64.elf json=
while [ $# -gt 0 ]; do
	case $1 in
	--nic) SK_NIC=$2; shift 2 ;;
	--image) SK_IMAGE=$2; shift 2 ;;
	--json) json=$2; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "faults.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (namespaces, TAP devices)"; exit 77; }
for c in qemu-system-x86_64 iperf3 socat ping; do
	command -v "$c" >/dev/null || { echo "SKIP: missing $c"; exit 77; }
done
[ -f "$SK_IMAGE" ] || { echo "faults.sh: no image $SK_IMAGE (build it, or --image)" >&2; exit 1; }
SK_IMAGE=$(readlink -f "$SK_IMAGE")
SK_P=flt$$
SK_TMP=$(mktemp -d /tmp/spindle-faults.XXXXXX)
# shellcheck source=tools/soak/lib.sh
. "$SK_ROOT/tools/soak/lib.sh"
trap '${SOAK_KEEP:+:} sk_cleanup' EXIT
trap 'exit 1' INT TERM
FAILED=()
fail() { echo "FAIL: $*"; FAILED+=("$*"); }

# recovers LABEL: ping C1 -> C2 answered within 10 s; prints the seconds it took.
recovers() {
	local t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 10 ]; do
		if rl_c1 ping -n -c 1 -W 1 10.2.0.2 >/dev/null 2>&1; then
			echo "   $1: ping answered again after $((SECONDS - t0)) s"
			return 0
		fi
	done
	fail "$1: no ping answered within 10 s"
	return 1
}

# nic_sum NAME: counter NAME summed over both NICs' driver nodes (bm/nic.h names).
nic_sum() {
	local mark=$RANDOM$RANDOM
	sk_con "# mark $mark"
	sk_con "show counters"
	sleep 0.8
	# lines "virtio-eth0: rx_no_buf=N ..." (non-zero counters only)
	awk -v m="# mark $mark" -v n="$1" 'index($0, m) { on = 1; next }
		on && $1 ~ /-eth[01]:$/ { for (i = 2; i <= NF; i++) if (index($i, n "=") == 1) v += substr($i, length(n) + 2) }
		END { print v + 0 }' "$SK_LOG"
}

"$RL_LABSH" up "$SK_P" >/dev/null || { echo "FAIL: router lab up"; exit 1; }
rl_servers || { echo "FAIL: no servers in C2"; exit 1; }
cat >"$SK_TMP/router.conf" <<CONF
interface eth0 driver=$SK_NIC rx_ring=16 pool=24
interface eth1 driver=$SK_NIC tx_ring=8
address eth0 10.1.0.1/24
address eth1 10.2.0.1/24
extension router grant=ipv4-forward:0-1
CONF
echo "== router VM ($SK_NIC, TCG): eth0 rx_ring=16 pool=24, eth1 tx_ring=8"
sk_start "$SK_TMP/router.conf" 240 || { echo "FAIL: the router VM did not come up"; exit 1; }
qpid=$(cat "$SK_TMP/router.pid" 2>/dev/null)
boots=$(grep -c '^vm: ready' "$SK_LOG")

echo "== 1. TAP sptap0 down on the host for 2 s"
ip netns exec "$SK_P-app" ip link set sptap0 down
rl_c1 ping -n -c 1 -W 1 10.2.0.2 >/dev/null 2>&1 && fail "TAP down: a ping still went through"
sleep 1
ip netns exec "$SK_P-app" ip link set sptap0 up
recovers "TAP up"
tap_ok=$?

echo "== 2. QEMU set_link net1 off for 3 s"
sk_mon "set_link net1 off" >/dev/null
sleep 2.5
sk_con "show interfaces"
sleep 0.5
rl_c1 ping -n -c 1 -W 1 10.2.0.2 >/dev/null 2>&1 && fail "set_link off: a ping still went through"
sk_mon "set_link net1 on" >/dev/null
recovers "set_link on"
link_ok=$?
link_seen=0
grep -Eq "eth1.*link down|^ *eth1 .* down" "$SK_LOG" && link_seen=1
echo "   the guest saw eth1's carrier go: $([ $link_seen = 1 ] && echo yes || echo no)"

echo "== 3. a UDP burst C1 -> C2, 200 Mbit/s for 2 s, into the tiny pool"
nobuf0=$(nic_sum rx_no_buf)
full0=$(nic_sum tx_ring_full)
rl_c1 timeout 20 iperf3 -c 10.2.0.2 -p 5201 -u -b 200M -l 1400 -t 2 >"$SK_TMP/burst.txt" 2>&1
nobuf=$(( $(nic_sum rx_no_buf) - nobuf0 ))
full=$(( $(nic_sum tx_ring_full) - full0 ))
echo "   counted: rx_no_buf +$nobuf, tx_ring_full +$full"
recovers "after the burst"
burst_ok=$?
[ $((nobuf + full)) -gt 0 ] || fail "the burst exhausted nothing that was counted (rx_no_buf, tx_ring_full)"

[ "$(cat "$SK_TMP/router.pid" 2>/dev/null)" = "$qpid" ] && kill -0 "$qpid" 2>/dev/null ||
	fail "the VM is not the one started (restarted or gone)"
[ "$(grep -c '^vm: ready' "$SK_LOG")" = "$boots" ] || fail "the VM booted again"
[ "$link_seen" = 1 ] || fail "the carrier loss of eth1 was not seen by the guest"
sk_stop || fail "the VM's buffer pools were not full at shutdown (a leak), or it did not stop cleanly"
# A NIC pool destroyed while another NIC's transmit ring still holds one of
# its buffers (forwarded in place) is kept, not freed; the buffers come back
# ("buffer pools full" above). Reported, not failed: the order of the NICs'
# release is drivers/bm's.
if grep -q "still has buffers out" "$SK_LOG"; then
	echo "   NOTE: $(grep -o '[a-z0-9]*: pool [a-z0-9-]* still has buffers out; kept' "$SK_LOG" | head -1)"
fi
grep -E "^vm: (stats|shutdown)" "$SK_LOG" | sed 's/^/   /'
if [ -n "$json" ]; then
	printf '{"nic": "%s", "tap_recovered": %s, "link_recovered": %s, "link_seen": %s, "burst_recovered": %s, "rx_no_buf": %s, "tx_ring_full": %s, "pools_full": %s}\n' \
		"$SK_NIC" "$([ $tap_ok = 0 ] && echo true || echo false)" \
		"$([ $link_ok = 0 ] && echo true || echo false)" "$([ $link_seen = 1 ] && echo true || echo false)" \
		"$([ $burst_ok = 0 ] && echo true || echo false)" "$nobuf" "$full" \
		"$(grep -q '^vm: shutdown complete, buffer pools full' "$SK_LOG" && echo true || echo false)" >"$json"
fi
if [ ${#FAILED[@]} -ne 0 ]; then
	echo "---- serial log (last 40 lines)"
	tail -40 "$SK_LOG" | sed 's/^/   | /'
	echo "FAILED: ${#FAILED[@]}"
	exit 1
fi
echo "PASS: NIC faults counted and recovered without a restart"
