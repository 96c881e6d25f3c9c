#!/usr/bin/env bash
# tools/soak/soak.sh — the router VM under traffic while extensions are
# installed and removed every second; not in the default suite (bounded by
# --minutes).
#
#   tools/soak/soak.sh [--minutes N] [--nic virtio|e1000] [--image ELF] [--json FILE]
#
# For N minutes (default 2): ping C1 -> C2 every 0.2 s, iperf3 TCP C1 -> C2
# at 20 Mbit/s, sockperf ping-pong C1 -> C2, and UDP echo to the router
# itself, all through spindle's router VM (TCG), while the serial console
# installs an extension (udp-count, udp-echo, sockperf, in turn) in one
# second and removes it in the next. Then the VM is shut down.
# Passes when: no ping lost, every UDP echo answered, iperf3's
# retransmissions are all explained by the lab's own drops or D-SACK (as
# tests/vm/router-test.sh), every install and remove succeeded, the NICs
# dropped nothing, the router dropped nothing for lack of buffers, and the
# VM ends with its buffer pools full (zero leaked). Prints the figures.
# Needs root. Exit 0 pass, 1 fail, 77 skip.
set -uo pipefail
SK_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
minutes=2 SK_NIC=virtio SK_IMAGE=$SK_ROOT/build/kernel/arch/x86_64/spindle-x86_64.elf json=
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) minutes=$2; shift 2 ;;
	--nic) SK_NIC=$2; shift 2 ;;
	--image) SK_IMAGE=$2; shift 2 ;;
	--json) json=$2; shift 2 ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	*) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (namespaces, TAP devices)"; exit 77; }
for c in qemu-system-x86_64 iperf3 sockperf socat ping; do
	command -v "$c" >/dev/null || { echo "SKIP: missing $c"; exit 77; }
done
[ -f "$SK_IMAGE" ] || { echo "soak.sh: no image $SK_IMAGE (build it, or --image)" >&2; exit 1; }
SK_IMAGE=$(readlink -f "$SK_IMAGE")
SK_P=soak$$
SK_TMP=$(mktemp -d /tmp/spindle-soak.XXXXXX)
# shellcheck source=tools/soak/lib.sh
. "$SK_ROOT/tools/soak/lib.sh"
trap '${SOAK_KEEP:+:} sk_cleanup' EXIT
trap 'exit 1' INT TERM
secs=$((minutes * 60))
FAILED=()
fail() { echo "FAIL: $*"; FAILED+=("$*"); }

"$RL_LABSH" up "$SK_P" >/dev/null || { echo "FAIL: router lab up"; exit 1; }
rl_servers $((secs + 600)) || { echo "FAIL: no servers in C2"; exit 1; }
cat >"$SK_TMP/router.conf" <<CONF
interface eth0 driver=$SK_NIC
interface eth1 driver=$SK_NIC
address eth0 10.1.0.1/24
address eth1 10.2.0.1/24
extension router grant=ipv4-forward:0-1
extension udp-echo port=7
CONF
echo "== router VM ($SK_NIC, TCG), $minutes min of traffic with an install or a remove every second"
sk_start "$SK_TMP/router.conf" $((secs + 240)) || { echo "FAIL: the router VM did not come up"; exit 1; }

h0=$(rl_host_drops)
read -r d0a d0b <<<"$(rl_tcpext "$SK_P-c2" TCPDSACKOldSent TCPDSACKOfoSent)"
rl_c1 timeout $((secs + 30)) ping -n -i 0.2 -W 2 -w "$secs" 10.2.0.2 >"$SK_TMP/ping.txt" 2>&1 &
PING=$!
rl_c1 timeout $((secs + 30)) iperf3 -c 10.2.0.2 -p 5201 -t "$secs" -b 20M --json >"$SK_TMP/tcp.json" 2>&1 &
TCP=$!
rl_c1 timeout $((secs + 30)) sockperf ping-pong -i 10.2.0.2 -p 11111 --time "$secs" -m 64 --mps 200 \
	>"$SK_TMP/sockperf.txt" 2>&1 &
SP=$!
# UDP echo to the router itself (an extension of the graph) every 0.5 s
rl_c1 timeout $((secs + 30)) /usr/bin/python3 - "$secs" >"$SK_TMP/echo.txt" 2>&1 <<'PY' &
import socket, sys, time
end = time.monotonic() + int(sys.argv[1]) - 2
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
sent = got = 0
while time.monotonic() < end:
    sent += 1
    s.sendto(b"soak %d" % sent, ("10.1.0.1", 7))
    try:
        d, _ = s.recvfrom(2048)
        got += d == b"soak %d" % sent
    except socket.timeout:
        pass
    time.sleep(0.5)
print("echo", sent, got)
PY
ECHO=$!

# The installs: one per second, then its removal.
classes=("udp-count port=6000" "udp-echo port=7007" "sockperf port=12000" "udp-count")
installs=0 removes=0 bad=0 k=0 id=
end=$((SECONDS + secs - 3))
while [ $SECONDS -lt $end ]; do
	if [ -z "$id" ]; then
		line=${classes[$((k % ${#classes[@]}))]}
		k=$((k + 1))
		before=$(grep -c "^extension [0-9]* installed" "$SK_LOG")
		sk_con "extension install $line"
		sleep 0.4
		id=$(grep -o "^extension [0-9]* installed" "$SK_LOG" | tail -1 | awk '{print $2}')
		if [ "$(grep -c "^extension [0-9]* installed" "$SK_LOG")" -gt "$before" ]; then
			installs=$((installs + 1))
		else
			bad=$((bad + 1)); id=
		fi
	else
		sk_con "extension remove $id"
		sleep 0.4
		if grep -q "^extension $id removed" "$SK_LOG"; then removes=$((removes + 1)); else bad=$((bad + 1)); fi
		id=
	fi
	sleep 0.6
done
[ -n "$id" ] && { sk_con "extension remove $id"; removes=$((removes + 1)); }
wait $PING $TCP $SP $ECHO 2>/dev/null
h1=$(rl_host_drops)
read -r d1a d1b <<<"$(rl_tcpext "$SK_P-c2" TCPDSACKOldSent TCPDSACKOfoSent)"
nomem=$(sk_counter router nomem)
txerr=$(sk_counter router tx_errors)
sk_con "show pools"
sleep 0.5

ping_tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$SK_TMP/ping.txt")
ping_rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$SK_TMP/ping.txt")
read -r mbps retr <<<"$(bench_iperf3 "$SK_TMP/tcp.json" received_mbps retransmits)"
read -r p50 p99 <<<"$(bench_sockperf "$SK_TMP/sockperf.txt" p50_us p99_us)"
read -r _ echo_tx echo_rx <<<"$(cat "$SK_TMP/echo.txt")"
explained=$((h1 - h0 + d1a - d0a + d1b - d0b))
echo "   installs $installs, removes $removes, failed $bad"
echo "   ping: ${ping_rx:-?} of ${ping_tx:-?} answered"
echo "   UDP echo to the router: ${echo_rx:-?} of ${echo_tx:-?} answered"
echo "   iperf3 TCP: ${mbps:-?} Mbit/s, ${retr:-?} retransmissions ($explained explained by the lab's drops and D-SACK)"
echo "   sockperf ping-pong under load: half-RTT p50 ${p50:-?} us, p99 ${p99:-?} us"
echo "   router: nomem $nomem, tx_errors $txerr"
[ -n "$ping_tx" ] && [ "$ping_tx" -gt 0 ] && [ "$ping_rx" = "$ping_tx" ] || fail "ping lost $(( ${ping_tx:-0} - ${ping_rx:-0} )) of ${ping_tx:-0}"
[ -n "${echo_tx:-}" ] && [ "$echo_rx" = "$echo_tx" ] || fail "UDP echo: ${echo_rx:-?} of ${echo_tx:-?}"
[ "$bad" = 0 ] || fail "$bad installs or removes failed"
[ "$installs" -ge $((secs / 3)) ] || fail "only $installs installs in $secs s"
# iperf3 must have run to the end: a run it abandoned (an error in its JSON)
# reads as 0 Mbit/s, and its retransmissions then prove nothing.
awk -v m="${mbps:-0}" 'BEGIN { exit !(m > 0) }' ||
	fail "iperf3 measured no TCP throughput: it stopped before the end of the soak"
if [ "${retr:-}" != - ] && [ -n "${retr:-}" ] && [ "$retr" -gt "$explained" ]; then
	fail "iperf3: $retr retransmissions, $explained explained"
fi
[ "$nomem" = 0 ] || fail "the router dropped $nomem datagrams for lack of buffers"
kill -0 "$RL_VPID" 2>/dev/null || fail "the VM stopped during the soak"
sk_stop || fail "the VM's buffer pools were not full at shutdown (a leak), or it did not stop cleanly"
drops=$(rl_nic_drops)
[ "$drops" = 0 ] || fail "the NICs dropped $drops frames"
grep -E "^vm: (stats|shutdown)" "$SK_LOG" | sed 's/^/   /'
if [ -n "$json" ]; then
	printf '{"minutes": %s, "nic": "%s", "installs": %s, "removes": %s, "failed": %s, "ping_sent": %s, "ping_answered": %s, "echo_sent": %s, "echo_answered": %s, "tcp_mbps": "%s", "tcp_retransmits": "%s", "explained": %s, "sockperf_p50_us": "%s", "sockperf_p99_us": "%s", "nic_drops": %s, "pools_full": %s}\n' \
		"$minutes" "$SK_NIC" "$installs" "$removes" "$bad" "${ping_tx:-0}" "${ping_rx:-0}" "${echo_tx:-0}" \
		"${echo_rx:-0}" "${mbps:-}" "${retr:-}" "$explained" "${p50:-}" "${p99:-}" "${drops:-0}" \
		"$(grep -q '^vm: shutdown complete, buffer pools full' "$SK_LOG" && echo true || echo false)" >"$json"
fi
if [ ${#FAILED[@]} -ne 0 ]; then
	grep -h '"error"' "$SK_TMP/tcp.json" 2>/dev/null | sed 's/^/   iperf3: /'
	echo "---- serial log (last 40 lines)"
	tail -40 "$SK_LOG" | sed 's/^/   | /'
	echo "FAILED: ${#FAILED[@]}"
	exit 1
fi
echo "PASS: soak $minutes min"
