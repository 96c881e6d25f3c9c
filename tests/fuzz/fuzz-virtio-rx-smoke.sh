#!/usr/bin/env bash
# tests/fuzz/fuzz-virtio-rx-smoke.sh FUZZER TRACES SECONDS — a short
# libFuzzer run of fuzz-virtio-rx from the device-side seeds of
# seed-virtio-rx.py (the traces are Ethernet captures, not device writes:
# unused); fails on any crash, sanitizer report or leaked buffer.
set -euo pipefail
fuzzer=$(realpath "$1") secs=${3:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/seed-virtio-rx.py" "$work/corpus"
cd "$work"
"$fuzzer" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 corpus 2>&1 | tail -n 25
