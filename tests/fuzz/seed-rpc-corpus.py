#!/usr/bin/python3
"""Write the ONC RPC messages of tests/traces/rpc-*.pcap (UDP payloads to or
from ports 111 and 40001, unfragmented) as libFuzzer corpus files for
fuzz_rpc.c: a selector byte (bit 0: 1 for port 40001), then the message.
Calls and replies alike: the target also decodes every input as a reply.
Usage: seed-rpc-corpus.py TRACES_DIR OUT_DIR"""
import os
import sys

from scapy.all import IP, UDP, rdpcap

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for name in sorted(os.listdir(src)):
    if not (name.startswith("rpc-") and name.endswith(".pcap")):
        continue
    for i, p in enumerate(rdpcap(os.path.join(src, name))):
        if UDP not in p or p[IP].flags.MF or p[IP].frag:
            continue
        port = p[UDP].dport if p[UDP].dport in (111, 40001) else p[UDP].sport
        if port not in (111, 40001):
            continue
        sel = bytes([1 if port == 40001 else 0])
        with open(os.path.join(out, f"{name[:-5]}-{i:04d}"), "wb") as f:
            f.write(sel + bytes(p[UDP].payload))
        n += 1
print(f"seed-rpc-corpus: {n} messages")
