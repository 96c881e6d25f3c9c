#!/usr/bin/python3
"""tests/fuzz/seed-virtio-rx.py OUTDIR — seed inputs for fuzz-virtio-rx
(tests/fuzz/fuzz_virtio_rx.c documents the format): well-formed receives
the driver must hand up (a small frame, a 1514-byte frame with a
DATA_VALID header, a partial checksum, a 9000-byte TCP/IPv4 super-frame in
merged buffers) and the malformed cases its checks are for, one comment
each. Crafted, not captured: these are what a device writes, not traffic."""
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def hdr(flags=0, gso=0, hdr_len=0, gso_size=0, start=0, off=0, nbuf=1):
    return struct.pack('<BBHHHHH', flags, gso, hdr_len, gso_size, start, off, nbuf)


def rec(ctl, h, length):
    return bytes([ctl]) + h + struct.pack('<H', length)


BURST = 0x10
seeds = {
    # A 60-byte frame, then a burst: handed up as it is.
    'small': bytes([0]) + rec(BURST, hdr(), 60),
    # DATA_VALID with GUEST_CSUM negotiated: PKT_F_CSUM_VALID.
    'valid': bytes([1]) + rec(BURST, hdr(flags=2), 1514),
    # NEEDS_CSUM at 34+16 with GUEST_CSUM: PKT_F_CSUM_PARTIAL.
    'partial': bytes([1]) + rec(BURST, hdr(flags=1, start=34, off=16), 1514),
    # A 9000-byte super-frame over five buffers with GUEST_TSO4: merged.
    'merged': bytes([3]) + rec(BURST, hdr(flags=1, gso=1, hdr_len=66, gso_size=1448,
                                          start=34, off=16), 9000),
    # Bad: used length one byte beyond the buffer.
    'overlong': bytes([0]) + rec(BURST | 1, hdr(), 1514),
    # Bad: a used id the driver never gave out.
    'bad-id': bytes([0]) + rec(BURST | 4, hdr(), 100),
    # Bad: the merged frame's later buffers published only after a burst.
    'late': bytes([3]) + rec(BURST | 8, hdr(flags=1, gso=1, gso_size=1448, start=34, off=16),
                             5000) + rec(BURST, hdr(), 60),
    # Bad: num_buffers says 7 for a frame in one buffer (kept as given).
    'nbuf-lies': bytes([3]) + rec(BURST | 0x20, hdr(nbuf=7), 200) + rec(BURST, hdr(), 60),
    # Bad: a super-frame without GUEST_TSO4 negotiated.
    'gso-unasked': bytes([1]) + rec(BURST, hdr(flags=1, gso=1, gso_size=1448, start=34, off=16),
                                    3000),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
