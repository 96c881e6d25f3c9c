#!/usr/bin/env bash
# tests/wireshark/test-am-dissector.sh AAL5_LUA AM_LUA TRACES —
# tools/wireshark/spindle-am.lua (on top of spindle-aal5.lua) under tshark:
#  - am-udp.pcap and am-aal5.pcap (captured, tools/am/capture-trace.sh):
#    every request and response decodes as an active message, none
#    malformed, in the numbers the capture holds (UDP: 59 requests — 3
#    requests, 51 store and 5 get chunks — and 59 responses; AAL5: 14 and 14,
#    the PDUs reassembled by spindle-aal5.lua), and every response names the
#    frame of its request;
#  - malformed-am.pcap (crafted): frame by frame, the reason the dissector
#    gives equals the one malformed-am.expect says spindle counts, and no
#    other frame is called malformed.
# Exit 0 pass, 1 fail, 77 skip (no tshark).
set -euo pipefail
AAL5=$(readlink -f "$1")
AM=$(readlink -f "$2")
TRACES=$(readlink -f "$3")
command -v tshark >/dev/null || { echo "SKIP: tshark missing (apt-get install tshark)"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ts() { tshark -X lua_script:"$AAL5" -X lua_script:"$AM" "$@" 2>"$TMP/tshark.err" || { cat "$TMP/tshark.err"; exit 1; }; }

# counts TRACE: "REQUESTS RESPONSES MALFORMED UNMATCHED" over every message of the trace.
counts() {
	ts -r "$TRACES/$1" -T fields -E occurrence=a -E aggregator=' ' -E separator='|' \
		-e spindle_am.type -e spindle_am.response_to -e spindle_am.malformed >"$TMP/f.txt"
	awk -F'|' '
		{ n = split($1, t, " "); split($2, r, " "); m += ($3 != "")
		  for (i = 1; i <= n; i++) {
			if (t[i] == 1 || t[i] == 5 || t[i] == 6) q++; else { a++; if (!($2 ~ /[0-9]/)) u++ }
		  } }
		END { printf "%d %d %d %d\n", q, a, m, u }' "$TMP/f.txt"
}
for t in "am-udp.pcap 59 59" "am-aal5.pcap 14 14"; do
	set -- $t
	read -r q a m u < <(counts "$1")
	echo "   $1: $q requests, $a responses, $m malformed, $u responses without their request"
	[ "$q" = "$2" ] || bad "$1: $q requests, expected $2"
	[ "$a" = "$3" ] || bad "$1: $a responses, expected $3"
	[ "$m" = 0 ] || bad "$1: $m messages called malformed"
	[ "$u" = 0 ] || bad "$1: $u responses not matched to a request"
done
ts -r "$TRACES/am-udp.pcap" -V -Y 'frame.number == 4' >"$TMP/v.txt"
for line in 'Spindle active message: reply, seq 1' 'Type: reply (2)' 'Response to frame: 3' \
	'Epoch: 0x'; do
	grep -qF "$line" "$TMP/v.txt" || bad "am-udp -V, frame 4: no '$line'"
done

# --- the crafted trace, against malformed-am.expect
ts -r "$TRACES/malformed-am.pcap" -T fields -E separator='|' -e frame.number -e spindle_am.malformed \
	>"$TMP/mal.txt"
grep -v '^#' "$TRACES/malformed-am.expect" >"$TMP/expect"
[ "$(wc -l <"$TMP/mal.txt")" = "$(wc -l <"$TMP/expect")" ] || bad "malformed-am: frame count differs"
paste -d'|' "$TMP/expect" "$TMP/mal.txt" | awk -F'|' '
	{ split($1, e, " "); want = e[2] == "mal" ? e[3] : ""
	  if ($3 != want) { printf "frame %d: spindle counts [%s], the dissector says [%s]\n", e[1], want, $3; bad = 1 } }
	END { exit bad }' || bad "malformed-am: the dissector disagrees with malformed-am.expect"
[ "$fail" = 0 ] && echo "PASS: spindle-am.lua on am-udp.pcap, am-aal5.pcap and malformed-am.pcap"
exit "$fail"
