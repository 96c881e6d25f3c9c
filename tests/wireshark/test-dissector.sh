#!/usr/bin/env bash
# tests/wireshark/test-dissector.sh LUA TRACES — tools/wireshark/spindle-aal5.lua
# under tshark on the AAL5 traces:
#  - aal5-echo.pcap (captured): every frame is cells with good HECs; the 28
#    PDUs (tools/aal5/capture-trace.sh: 2 x 1, 40, 41, 100, 1500, 9000 and
#    1 x 65531 bytes each way on VC 0/32, 100 bytes on 0/33, 65535 on 0/32)
#    are reassembled across frames with good CRC-32s and the right lengths;
#    payloads on VCI 32 reach a dissector registered on "spindle.aal5.vci";
#  - malformed-aal5.pcap (crafted): frame by frame, what the dissector says
#    (HEC, PDU status, malformed frame, not data) matches the counters
#    malformed-aal5.expect says spindle raises.
# Exit 0 pass, 1 fail, 77 skip (no tshark).
set -euo pipefail
LUA=$(readlink -f "$1")
TRACES=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
command -v tshark >/dev/null || { echo "SKIP: tshark missing (apt-get install tshark)"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# tshark refuses nothing as root but warns; keep its stderr for failures only.
ts() { tshark -X lua_script:"$LUA" "$@" 2>"$TMP/tshark.err" || { cat "$TMP/tshark.err"; exit 1; }; }

# --- the captured trace
ECHO=$TRACES/aal5-echo.pcap
ts -r "$ECHO" -T fields -E occurrence=a -E aggregator=' ' -e frame.number -e spindle_aal5.cells \
	-e spindle_aal5.hec_good -e spindle_aal5.status -e spindle_aal5.crc_good -e spindle_aal5.length \
	-e spindle_aal5.vci -E separator='|' >"$TMP/echo.txt"
frames=$(wc -l <"$TMP/echo.txt")
[ "$frames" = 200 ] || bad "aal5-echo: $frames frames, expected 200"
awk -F'|' '$2 == "" { print "frame " $1 " not decoded as cells" }' "$TMP/echo.txt" >"$TMP/e1"
grep -q ' 0\|^0\||0' <(cut -d'|' -f3 "$TMP/echo.txt") && bad "aal5-echo: a HEC decoded as bad"
[ -s "$TMP/e1" ] && bad "aal5-echo: $(head -1 "$TMP/e1")"
statuses=$(cut -d'|' -f4 "$TMP/echo.txt" | tr ' ' '\n' | grep -c '^ok$' || true)
[ "$statuses" = 28 ] || bad "aal5-echo: $statuses PDUs reassembled ok, expected 28"
cut -d'|' -f5 "$TMP/echo.txt" | tr ' ' '\n' | grep -qx 0 && bad "aal5-echo: a CRC-32 decoded as bad"
got=$(awk -F'|' '$4 ~ /ok/ { print $6 }' "$TMP/echo.txt" | tr ' ' '\n' | sort -n | tr '\n' ' ')
want=$( (for s in 1 40 41 100 1500 9000; do for _ in 1 2 3 4; do echo "$s"; done; done
	echo 65531; echo 65531; echo 100; echo 65535) | sort -n | tr '\n' ' ')
[ "$got" = "$want" ] || bad "aal5-echo: PDU lengths '$got', expected '$want'"
ts -X lua_script:"$HERE/vci-probe.lua" -r "$ECHO" -T fields -E occurrence=a -e aal5probe.len \
	>"$TMP/probe.txt"
probes=$(grep -c . "$TMP/probe.txt" || true)
[ "$probes" = 27 ] || bad "aal5-echo: $probes payloads reached the VCI 32 dissector, expected 27"
ts -r "$ECHO" -V -Y 'frame.number == 2' >"$TMP/v.txt"
for line in 'Spindle AAL5 raw path' 'ATM cell 0: VPI 0, VCI 32, PTI 1' 'HEC good: True' \
	'AAL5 CPCS-PDU on VC 0/32: ok' 'CRC-32 good: True' 'Length: 1' 'Data (1 byte)'; do
	grep -qF "$line" "$TMP/v.txt" || bad "aal5-echo -V, frame 2: no '$line'"
done

# --- the crafted trace, against malformed-aal5.expect
ts -r "$TRACES/malformed-aal5.pcap" -T fields -E occurrence=a -E aggregator=, -E separator='|' \
	-e frame.number -e spindle_aal5.hec_good -e spindle_aal5.status -e _ws.expert.message \
	>"$TMP/mal.txt"
grep -v '^#' "$TRACES/malformed-aal5.expect" >"$TMP/expect"
[ "$(wc -l <"$TMP/mal.txt")" = "$(wc -l <"$TMP/expect")" ] || bad "malformed-aal5: frame count differs from the expect file"
# Per frame: the dissector's findings, in the expect file's words, must be exactly those listed
# (counters the dissector cannot see - discarded_cells, unhandled - left out).
paste -d'|' "$TMP/expect" "$TMP/mal.txt" | awk -F'|' '
function add(w) { said = said " " w }
{
	split($1, e, " "); want = ""
	for (i = 2; i in e; i++) {
		c = e[i]; sub(/\*.*/, "", c)
		if (c == "rx_pdus") c = "ok"
		if (c == "-" || c == "discarded_cells" || c == "unhandled") continue
		want = want " " c
	}
	said = ""
	n = split($4, st, ",")
	for (i = 1; i <= n; i++) {
		s = st[i]
		if (s == "ok") add("ok"); else if (s == "bad CRC-32") add("bad_crc")
		else if (s == "bad Length") add("bad_length"); else if (s == "bad CPI") add("bad_cpi")
		else if (s ~ /^abort/) add("aborts"); else if (s ~ /^oversize/) add("oversize")
		else add("unknown-status:" s)
	}
	if ($3 ~ /(^|,)0(,|$)/) add("bad_hec")
	if ($5 ~ /whole 53-byte cells/) add("bad_frame_len")
	if ($5 ~ /Not AAL5 data/) add(e[2] == "unassigned_cells" ? "unassigned_cells" : "non_user_cells")
	if (norm(want) != norm(said)) { printf "frame %d: expected [%s], dissector says [%s]\n", $2, want, said; bad = 1 }
}
function norm(s,   a, n, i, j, t, r) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	r = ""; for (i = 1; i <= n; i++) r = r " " a[i]; return r
}
END { exit bad }' || bad "malformed-aal5: the dissector disagrees with malformed-aal5.expect"

[ "$fail" = 0 ] && echo "PASS: spindle-aal5.lua on aal5-echo.pcap and malformed-aal5.pcap"
exit "$fail"
