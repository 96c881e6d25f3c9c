#!/usr/bin/python3
"""Write every frame of the captured traces in tests/traces/*.pcap as one
libFuzzer corpus file each: the fuzzer starts from real traffic.
Usage: seed-corpus.py TRACES_DIR OUT_DIR"""
import os
import sys

from scapy.all import rdpcap

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for name in sorted(os.listdir(src)):
    if not name.endswith(".pcap"):
        continue
    for i, pkt in enumerate(rdpcap(os.path.join(src, name))):
        with open(os.path.join(out, f"{name[:-5]}-{i:04d}"), "wb") as f:
            f.write(bytes(pkt))
        n += 1
print(f"seed-corpus: {n} frames")
