#!/usr/bin/env bash
# tests/fuzz/fuzz-dpdk-smoke.sh FUZZER TRACES SECONDS — a short libFuzzer run
# of fuzz-dpdk-args (TRACES is unused: its input is configuration text, not
# frames), seeded with the shapes of what the dpdk driver parses: EAL
# argument strings, net_af_packet device arguments and "dpdk" lines. Fails
# on any crash, sanitizer report or leak.
set -euo pipefail
fuzzer=$(realpath "$1") secs=${3:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
i=0
while IFS= read -r seed; do
  printf '%s' "$seed" >"$work/corpus/seed-$((i++))"
done <<'SEEDS'
--no-huge -m 256 --no-pci --no-shconf --lcores=0@(0-1)
--vdev='net_tap0,iface=a b' "x"y
net_af_packet0,iface=veth-app,framesz=4096,framecnt=2048
eal="--no-huge -m 512 --no-pci --file-prefix=spindle"
eal="-a 0000:01:00.0 -m 1024" # a NIC
eal="--no-huge" eal="-m 256"
SEEDS
cd "$work"
"$fuzzer" -max_total_time="$secs" -max_len=700 -print_final_stats=1 corpus 2>&1 | tail -n 25
