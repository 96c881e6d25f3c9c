#!/usr/bin/env bash
# tests/fuzz/fuzz-rpc-node-smoke.sh FUZZER TRACES SECONDS — a short libFuzzer
# run of fuzz-rpc-node (fuzz_rpc_node.c) seeded from the RPC messages of the
# captured traces (seed-rpc-corpus.py), each sent to the server it was
# captured with, to the VC endpoint and, for replies, to the client; fails on
# any crash, sanitizer report or leaked buffer.
set -euo pipefail
fuzzer=$(realpath "$1") traces=$(realpath "$2") secs=${3:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/seed-rpc-corpus.py" "$traces" "$work/raw" >/dev/null
/usr/bin/python3 - "$work/raw" "$work/corpus" <<'PY'
import os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for name in sorted(os.listdir(src)):
    raw = open(os.path.join(src, name), "rb").read()
    msg = raw[1:]
    reply = len(msg) >= 8 and msg[4:8] == b"\0\0\0\1"
    targets = [1 if raw[0] & 1 else 0, 4] + ([5] if reply else [])
    for t in targets:
        with open(os.path.join(out, f"{name}-{t}"), "wb") as f:
            f.write(bytes([t | 0x20, 0]) + msg)
print(f"fuzz-rpc-node seeds: {len(os.listdir(out))}")
PY
cd "$work"
"$fuzzer" -max_total_time="$secs" -max_len=9000 -print_final_stats=1 corpus 2>&1 | tail -n 25
