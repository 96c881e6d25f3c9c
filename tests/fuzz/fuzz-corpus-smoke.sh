#!/usr/bin/env bash
# tests/fuzz/fuzz-corpus-smoke.sh FUZZER CORPUS SECONDS — a short libFuzzer
# run of FUZZER from a copy of the corpus kept in the tree (CORPUS is left
# as it is); fails on any crash, sanitizer report or leaked buffer (the
# targets abort on a leak).
set -euo pipefail
fuzzer=$(realpath "$1") corpus=$(realpath "$2") secs=${3:-15}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$corpus"/* "$work/corpus/"
cd "$work"
"$fuzzer" -max_total_time="$secs" -max_len=8192 -print_final_stats=1 corpus 2>&1 | tail -n 25
