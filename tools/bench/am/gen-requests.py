#!/usr/bin/python3
"""Write OUT.pcap: an ARP request, then COUNT active-message requests (apps/am/am_wire.h)
to AM_H_ECHO with no arguments, from one requester (epoch 0x00000b0b, seq 1..COUNT), over
udp (10.81.0.1:40000 -> 10.81.0.2:9000) or aal5 (VC 0/40, one cell each), 1 ms apart.
The input of tools/bench/am/insns.sh.  Usage: gen-requests.py udp|aal5 COUNT OUT.pcap"""
import struct
import sys

from scapy.all import ARP, IP, UDP, Ether, Raw, RawPcapWriter

kind, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CLI, APP = "02:00:00:00:81:01", "02:00:00:00:81:02"


def hec(h4):
    c = 0
    for b in h4:
        c ^= b
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c ^ 0x55


def crc32(data):
    c = 0xFFFFFFFF
    for b in data:
        c ^= b << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if c & 0x80000000 else (c << 1) & 0xFFFFFFFF
    return c ^ 0xFFFFFFFF


def cell(msg):
    pdu = msg + bytes(48 - 8 - len(msg)) + struct.pack("!BBH", 0, 0, len(msg))
    pdu += struct.pack("!I", crc32(pdu))
    h = bytes([0, 0, 40 >> 4, ((40 & 0xF) << 4) | 2])  # VPI 0, VCI 40, PTI 1 (last cell)
    return h + bytes([hec(h)]) + pdu


w = RawPcapWriter(out, linktype=1, snaplen=65535)
w.write_header(None)
t = 1704067200 * 1000000
w.write_packet(bytes(Ether(src=CLI, dst="ff:ff:ff:ff:ff:ff") /
                     ARP(op=1, hwsrc=CLI, psrc="10.81.0.1", pdst="10.81.0.2")), sec=t // 10**6, usec=t % 10**6)
for seq in range(1, count + 1):
    m = struct.pack("!BBBBBBHII", 1, 1, 0, 1, 0, 0, 0, 0xB0B, seq)
    if kind == "udp":
        f = Ether(src=CLI, dst=APP) / IP(src="10.81.0.1", dst="10.81.0.2") / UDP(sport=40000, dport=9000) / Raw(m)
    else:
        f = Ether(src=CLI, dst=APP, type=0x88B5) / Raw(cell(m))
    t += 1000
    w.write_packet(bytes(f), sec=t // 10**6, usec=t % 10**6)
w.close()
