#!/usr/bin/python3
"""Write libFuzzer seeds for fuzz-am from the active-message traces
(tests/traces/am-*.pcap and malformed-am.pcap, decoded by
tests/replay-am/amdecode.py): runs of 8 consecutive messages of a trace as
one input each, in fuzz_am.c's record format — a requester's message as
control 0 (to S from peer 1), a server's as control 2 (to R) — and inputs
in which R starts a request, a store and a get, with link actions between.
Usage: seed-am.py TRACES_DIR OUT_DIR"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "replay-am"))
from amdecode import Reasm  # noqa: E402
from scapy.all import RawPcapReader  # noqa: E402

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
CLIENT = bytes.fromhex("020000000001")


def payloads(path):
    """(from the client?, message bytes) in capture order; undecodable PDUs skipped."""
    r = Reasm()
    for raw, _ in RawPcapReader(path):
        raw = bytes(raw)
        if len(raw) < 14:
            continue
        et = struct.unpack("!H", raw[12:14])[0]
        client = raw[6:12] == CLIENT
        if et == 0x0800 and len(raw) > 34 and raw[23] == 17:
            ihl = (raw[14] & 15) * 4
            u = raw[14 + ihl:]
            yield client, u[8:struct.unpack("!H", u[4:6])[0]]
        elif et == 0x88B5:
            try:
                for _, pdu in r.frame(raw[6:12], raw[14:]):
                    yield client, pdu
            except ValueError:
                r = Reasm()


n = 0
for name in sorted(os.listdir(src)):
    if not (name.endswith(".pcap") and name.startswith(("am-", "malformed-am"))):
        continue
    msgs = list(payloads(os.path.join(src, name)))
    for i in range(0, len(msgs), 8):
        with open(os.path.join(out, "%s-%04d" % (name[:-5], i)), "wb") as f:
            for client, m in msgs[i:i + 8]:
                f.write(struct.pack(">BH", 0 if client else 2, len(m)) + m)
        n += 1
# R's own transfers: request to AM_H_ECHO, a 5000-byte store to AM_H_SUM, a get;
# then deliver (4), lose (6), duplicate (7), with time between.
for k, start in enumerate([bytes([0, 1, 3, 0, 0, 0, 0, 0]), bytes([1, 2, 0, 0, 0, 0x13, 0x88, 0]),
                           bytes([2, 0, 0, 0, 10, 0x03, 0xe8, 0])]):
    with open(os.path.join(out, "transfer-%d" % k), "wb") as f:
        f.write(struct.pack(">BH", 3, len(start)) + start)
        for ctl in (4, 4, 6 | 8, 7, 4 | 16, 4, 5, 4 | 40):
            f.write(struct.pack(">BH", ctl, 2) + b"\x00\x01")
    n += 1
print("seed-am: %d inputs" % n)
