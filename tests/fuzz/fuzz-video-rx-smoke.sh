#!/usr/bin/env bash
# tests/fuzz/fuzz-video-rx-smoke.sh FUZZER TRACES SECONDS — a short libFuzzer
# run of fuzz-video-rx: the media archive made with GNU tar from the traces'
# clip, a corpus seeded from every captured frame (ICMP port unreachable
# from Linux among them); fails on any crash, sanitizer report or leak.
set -euo pipefail
fuzzer=$(realpath "$1") traces=$(realpath "$2") secs=${3:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$traces/rtp-jpeg-clip@30.mjpeg" "$work/clip@30.mjpeg"
tar --format=ustar -cf "$work/media.tar" -C "$work" "clip@30.mjpeg"
/usr/bin/python3 "$(dirname "$0")/seed-corpus.py" "$traces" "$work/corpus"
cd "$work"
VIDEO_FUZZ_MEDIA=$work/media.tar "$fuzzer" -max_total_time="$secs" -max_len=4000 \
	-print_final_stats=1 -artifact_prefix="$fuzzer-" corpus 2>&1 | tail -n 25
