#!/usr/bin/env bash
# tests/fuzz/fuzz-video-smoke.sh FUZZER TRACES SECONDS — a short libFuzzer
# run of a video-server parser (fuzz-ustar or fuzz-mjpeg: the kind is the
# fuzzer's name after "fuzz-"), seeded with real input: for ustar,
# archives GNU tar makes here in its ustar, gnu and pax formats (a long name,
# a directory, a link, an MJPEG file); for mjpeg, the clip and the frames of
# TRACES (tests/traces). Fails on any crash, sanitizer report or abort.
set -euo pipefail
fuzzer=$(realpath "$1") traces=$(realpath "$2") secs=${3:-30}
kind=$(basename "$fuzzer")
kind=${kind#fuzz-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/src/sub"
case "$kind" in
ustar)
	printf 'hello, tar\n' >"$work/src/a.txt"
	head -c 700 "$traces/video/cjpeg-420.jpg" >"$work/src/sub/clip@29.97.mjpeg"
	long=$(printf 'd%.0s' $(seq 90))/$(printf 'e%.0s' $(seq 30))
	mkdir -p "$work/src/$long"
	printf 'x' >"$work/src/$long/f@30.mjpeg"
	ln -s a.txt "$work/src/link"
	for f in ustar gnu pax; do
		tar --format=$f -cf "$work/corpus/$f.tar" -C "$work/src" a.txt sub link "$long"
	done
	maxlen=16384
	;;
mjpeg)
	cp "$traces/rtp-jpeg-clip@30.mjpeg" "$traces"/video/* "$work/corpus/"
	maxlen=65536
	;;
*) echo "usage: $0 fuzz-ustar|fuzz-mjpeg TRACES [SECONDS]" >&2; exit 2 ;;
esac
cd "$work"
# a crashing input is kept beside the fuzzer (FUZZER-crash-*), not in $work
"$fuzzer" -max_total_time="$secs" -max_len=$maxlen -print_final_stats=1 \
	-artifact_prefix="$fuzzer-" corpus 2>&1 | tail -n 25
