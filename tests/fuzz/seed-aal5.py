#!/usr/bin/python3
"""Write libFuzzer seeds for fuzz-aal5 from the AAL5 traces (tests/traces/
aal5-*.pcap, malformed-aal5.pcap): runs of 6 consecutive frames from one
sender as one input each, in fuzz_aal5.c's record format (control 0, big-
endian length, the Ethernet payload); and each sender's first 12 frames
with control 0x10 (keep what is delivered), which runs the small pool dry.
Usage: seed-aal5.py TRACES_DIR OUT_DIR"""
import os
import struct
import sys

from scapy.all import rdpcap

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for name in sorted(os.listdir(src)):
    if not (name.endswith(".pcap") and "aal5" in name):
        continue
    by_src = {}
    for pkt in rdpcap(os.path.join(src, name)):
        raw = bytes(pkt)
        by_src.setdefault(raw[6:12], []).append(raw[14:])
    for k, frames in enumerate(by_src.values()):
        for i in range(0, len(frames), 6):
            with open(os.path.join(out, f"{name[:-5]}-{k}-{i:04d}"), "wb") as f:
                for fr in frames[i:i + 6]:
                    f.write(struct.pack(">BH", 0, len(fr)) + fr)
            n += 1
        with open(os.path.join(out, f"{name[:-5]}-{k}-keep"), "wb") as f:
            for fr in frames[:12]:
                f.write(struct.pack(">BH", 0x10, len(fr)) + fr)
        n += 1
print(f"seed-aal5: {n} inputs")
