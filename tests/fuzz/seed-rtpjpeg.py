#!/usr/bin/python3
"""Seed corpus for fuzz-rtpjpeg from the RTP/JPEG traces in TRACES_DIR: one
file per frame (its RTP datagrams, UDP payloads joined by ff 00 ff 00, the
input format of tests/fuzz/fuzz_rtpjpeg.c), once with the decoding flag off
and once on, plus each case of the crafted malformed trace.
Usage: seed-rtpjpeg.py TRACES_DIR OUT_DIR"""
import os
import sys

from scapy.all import UDP, rdpcap

SEP = b"\xff\x00\xff\x00"
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for name in ("rtp-jpeg-client.pcap", "rtpjpeg-malformed.pcap"):
    frame, ts = [], None
    groups = []
    for p in rdpcap(os.path.join(src, name)):
        if UDP not in p or p[UDP].dport != 5004:
            continue
        d = bytes(p[UDP].payload)
        t = d[4:8] if len(d) >= 8 else b""
        if frame and t != ts:
            groups.append(frame)
            frame = []
        frame.append(d)
        ts = t
    groups.append(frame)
    for i, g in enumerate(groups):
        for flag in (0, 1):
            with open(os.path.join(out, f"{name[:-5]}-{i:03d}-{flag}"), "wb") as f:
                f.write(bytes([flag]) + SEP.join(g))
            n += 1
print(f"seed-rtpjpeg: {n} inputs")
