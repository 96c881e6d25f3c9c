#!/usr/bin/python3
"""Write the router benchmark's replay input: 64-byte UDP frames through a router.

Usage: gen-udp64.py [--burst N] OUTDIR [COUNT [FRAME_BYTES]]

OUTDIR/in1.pcap  COUNT frames from client1 (02:00:00:00:01:01, 10.81.1.2) to
                 client2 (10.81.2.2) through the router's link-1 MAC
                 (02:00:00:00:01:02): Ethernet + IPv4 + UDP 40000 -> 9 with
                 18 payload bytes = 60 bytes, a 64-byte frame on the wire
                 with its FCS (the classic minimum-size packet of RFC 2544);
                 FRAME_BYTES (60..1514, default 60) sets another size,
                 1 us apart, IP identification = sequence number, valid
                 IPv4 and UDP checksums, TTL 64.
                 --burst N: groups of N consecutive frames share one
                 timestamp, the groups N us apart (the same 1 Mframe/s on
                 average): what a NIC's receive ring holds when a loaded
                 poll loop comes round, so the pcap-file replay clock
                 delivers N frames per rx_burst (at most NETGRAPH_BURST, 32)
                 instead of one. Default 1.
OUTDIR/in2.pcap  one ARP request from client2 (02:00:00:00:02:01) for the
                 router's 10.81.2.1, before the first UDP frame, so the
                 router knows client2's MAC (RFC 826 merge) and forwards at
                 once instead of queueing behind ARP.
The addresses are tools/lab/lab3.sh's. Deterministic: the same bytes on
every run. Classic pcap, microsecond timestamps, link type Ethernet.
"""

import struct
import sys

C1_MAC = bytes.fromhex("020000000101")
R1_MAC = bytes.fromhex("020000000102")
C2_MAC = bytes.fromhex("020000000201")
C1_IP = bytes([10, 81, 1, 2])
C2_IP = bytes([10, 81, 2, 2])
R2_IP = bytes([10, 81, 2, 1])
T0 = 1700000000  # seconds: any fixed epoch time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pcap_header():
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def record(usec_total, frame):
    return struct.pack("<IIII", T0 + usec_total // 1000000, usec_total % 1000000,
                       len(frame), len(frame)) + frame


def udp_frame(seq, frame_bytes):
    payload = struct.pack("!I", seq) + bytes((seq + i) & 0xFF for i in range(frame_bytes - 46))
    udp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    pseudo = C1_IP + C2_IP + struct.pack("!BBH", 0, 17, len(udp))
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                     C1_IP, C2_IP)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return R1_MAC + C1_MAC + b"\x08\x00" + ip + udp


def arp_request():
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, C2_MAC, C2_IP, b"\0" * 6, R2_IP)
    return b"\xff" * 6 + C2_MAC + b"\x08\x06" + body


def main(argv):
    burst = 1
    if len(argv) > 2 and argv[1] == "--burst":
        burst = int(argv[2])
        argv = argv[:1] + argv[3:]
    if len(argv) < 2 or burst < 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[1]
    count = int(argv[2]) if len(argv) > 2 else 10000
    size = int(argv[3]) if len(argv) > 3 else 60
    if not 60 <= size <= 1514:
        print("gen-udp64.py: FRAME_BYTES must be 60..1514", file=sys.stderr)
        return 2
    with open(out + "/in2.pcap", "wb") as f:
        f.write(pcap_header() + record(0, arp_request()))
    with open(out + "/in1.pcap", "wb") as f:
        f.write(pcap_header())
        for i in range(count):
            frame = udp_frame(i, size)
            assert len(frame) == size
            f.write(record(1000 + (i // burst) * burst, frame))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
