#!/usr/bin/env bash
# tests/fuzz/fuzz-rpc-smoke.sh FUZZER TRACES SECONDS — a short libFuzzer run of
# fuzz-rpc seeded from the RPC messages of the captured traces; fails on any
# crash, sanitizer report, leak or a cache over its bounds.
set -euo pipefail
fuzzer=$(realpath "$1") traces=$(realpath "$2") secs=${3:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/seed-rpc-corpus.py" "$traces" "$work/corpus"
cd "$work"
"$fuzzer" -max_total_time="$secs" -max_len=9001 -print_final_stats=1 corpus 2>&1 | tail -n 25
