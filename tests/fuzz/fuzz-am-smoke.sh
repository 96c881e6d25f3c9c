#!/usr/bin/env bash
# tests/fuzz/fuzz-am-smoke.sh FUZZER TRACES SECONDS — a short libFuzzer run
# of fuzz-am seeded from the active-message traces; fails on any crash,
# sanitizer report or leak.
set -euo pipefail
fuzzer=$(realpath "$1") traces=$(realpath "$2") secs=${3:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/seed-am.py" "$traces" "$work/corpus"
cd "$work"
"$fuzzer" -max_total_time="$secs" -max_len=16384 -print_final_stats=1 corpus 2>&1 | tail -n 25
