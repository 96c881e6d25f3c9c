# shellcheck shell=bash
# tests/vm-video/lib.sh — the checks the VM video-client tests share (sourced,
# not run): play-test.sh (a stock ffmpeg sender) and pair-test.sh (spindle's
# video-server VM as the sender). The caller defines
#   fail MESSAGE   record a failed step (and go on)
# and sets PY (Debian's /usr/bin/python3). Every wait is bounded.

VV_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# vv_counter LOG NAME: N of the last "NAME N" line of the console log LOG
# (carriage returns ignored); empty when there is none.
vv_counter() { tr -d '\r' <"$1" | sed -n "s/^$2 \([0-9]*\)$/\1/p" | tail -n1; }

# vv_client_ask LOG CMD...: CMD types "video-client stats" on the client's
# console, whose output is logged in LOG; waits (at most 3 s) for the answer
# (its last line is decode_ns_mean) and prints its main lines, indented.
# When a counter vv_client_check reads is missing from the log, the answer
# came garbled (QEMU's serial log once doubled a byte: "drropped_incomplete
# 0"), and it asks once more.
vv_client_ask() {
	local log=$1 try before c _ missing
	shift
	for try in 1 2; do
		before=$(tr -d '\r' <"$log" | grep -c "^decode_ns_mean ")
		"$@" >/dev/null || fail "the client's console did not answer"
		for _ in $(seq 1 30); do
			[ "$(tr -d '\r' <"$log" | grep -c "^decode_ns_mean ")" -gt "$before" ] && break
			sleep 0.1
		done
		tr -d '\r' <"$log" | sed -n '/video-client [0-9]*: port/,/^decode_ns_mean/p' |
			grep -E "video-client [0-9]|^packets |^frames_|^dropped_|^decode_ns_mean" |
			tail -n 9 | sed 's/^/   /'
		missing=
		for c in frames_shown dropped_late dropped_incomplete dropped_corrupt packets_lost \
			display_errors decode_ns_mean; do
			[ -n "$(vv_counter "$log" "$c")" ] || missing="$missing $c"
		done
		[ -z "$missing" ] && return 0
		[ "$try" = 1 ] && echo "   (no$missing in the answer: asking again)"
	done
}

# vv_client_check LOG FRAMES fb|headless TARGET: the client's answer to
# "video-client stats" in LOG shows FRAMES frames shown and nothing dropped,
# lost or failed, and the log the display the mode gives (fb: the 640x480
# Bochs VBE mode of QEMU's standard VGA; headless: the counted sink). Prints
# the mean stb_image decode time as a figure tagged with TARGET.
vv_client_check() {
	local log=$1 frames=$2 mode=$3 target=$4 shown want c v mean
	shown=$(vv_counter "$log" frames_shown)
	[ "$shown" = "$frames" ] || fail "frames_shown ${shown:-?}, expected $frames"
	if [ "$mode" = fb ]; then
		want="display fb 640x480"
	else
		want="display none (headless: no standard VGA)"
	fi
	grep -qF "$want" "$log" || fail "the client did not report $want"
	for c in dropped_late dropped_incomplete dropped_corrupt packets_lost display_errors; do
		v=$(vv_counter "$log" "$c")
		[ "$v" = 0 ] || fail "$c ${v:-?}, expected 0"
	done
	mean=$(vv_counter "$log" decode_ns_mean)
	[ -n "$mean" ] &&
		echo "   FIGURE vm-$target video-client stb_image decode of a 320x240 frame: $((mean / 1000)) us (TCG)"
	return 0
}

# vv_screen_check MONITOR_SOCKET SHOT CLIP MIN_DB: a `screendump SHOT` on
# the QEMU monitor's UNIX socket; the picture centred on the screen must
# match djpeg's decoding of CLIP's last JPEG with PSNR >= MIN_DB
# (tests/vm-video/psnr.py).
vv_screen_check() {
	local mon=$1 shot=$2 clip=$3 min_db=$4 _
	printf 'screendump %s\n' "$shot" | timeout 10 socat -t2 - "UNIX-CONNECT:$mon" >/dev/null 2>&1
	for _ in $(seq 1 50); do [ -s "$shot" ] && break; sleep 0.1; done
	if [ ! -s "$shot" ]; then
		fail "no screendump"
		return
	fi
	"$PY" "$VV_LIB_DIR/psnr.py" "$shot" "$clip" -1 "$min_db" 2>&1 | sed 's/^/   /'
	[ "${PIPESTATUS[0]}" = 0 ] || fail "the screen does not show the last frame (PSNR < $min_db dB)"
}

# vv_vm_halted_clean RC LOG [WHO]: the launcher's status RC is 0 and the
# console log LOG says every packet buffer came back and no CPU exception
# happened; WHO (default "the VM") names the VM in the failures.
vv_vm_halted_clean() {
	local rc=$1 log=$2 who=${3:-the VM}
	grep -E "^vm: shutdown" "$log" | sed 's/^/   /'
	if [ "$rc" != 0 ]; then
		fail "$who halted with status ${rc:-none} (expected 0: clean, pools full)"
	elif ! grep -q "^vm: shutdown complete, buffer pools full" "$log"; then
		fail "$who: no 'buffer pools full' at shutdown"
	fi
	if grep -q "EXCEPTION" "$log"; then fail "$who: an exception was reported"; fi
	return 0
}
