#!/usr/bin/python3
"""Write OUT.pcap: an ARP request, then COUNT active-message requests (apps/am/am_wire.h)
from one requester (epoch 0x00000b0b, seq 1, 2, ...), over udp (10.81.0.1:40000 ->
10.81.0.2:9000) or aal5 (VC 0/40; a PDU in frames of up to 28 cells), 1 ms apart:
  echo   COUNT requests to AM_H_ECHO with no arguments
  store  COUNT stores of 64 KiB to segment 0, no handler, in the endpoint's default
         chunks (1408 bytes over UDP, 8192 over AAL5), 0.1 ms apart
The input of tools/bench/am/insns.sh.
Usage: gen-requests.py udp|aal5 COUNT OUT.pcap [echo|store]"""
import struct
import sys

from scapy.all import ARP, IP, UDP, Ether, Raw, RawPcapWriter

kind, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
what = sys.argv[4] if len(sys.argv) > 4 else "echo"
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


def cells(msg):
    """The cells of one CPCS-PDU holding msg on VC 0/40."""
    pad = (-(len(msg) + 8)) % 48
    pdu = msg + bytes(pad) + struct.pack("!BBH", 0, 0, len(msg))
    pdu += struct.pack("!I", crc32(pdu))
    out = []
    for i in range(0, len(pdu), 48):
        pti = 1 if i + 48 == len(pdu) else 0
        h = bytes([0, 0, 40 >> 4, ((40 & 0xF) << 4) | (pti << 1)])
        out.append(h + bytes([hec(h)]) + pdu[i:i + 48])
    return out


def messages():
    """The AM messages, in order."""
    seq = 0
    for _ in range(count):
        if what == "echo":
            seq += 1
            yield struct.pack("!BBBBBBHII", 1, 1, 0, 1, 0, 0, 0, 0xB0B, seq)
            continue
        chunk = 1408 if kind == "udp" else 8192
        total = 65536
        for pos in range(0, total, chunk):
            seq += 1
            n = min(chunk, total - pos)
            last = 1 if pos + n == total else 0
            m = struct.pack("!BBBBBBHII", 1, 5, last, 0, 0, 0, 0, 0xB0B, seq)
            m += struct.pack("!BBHIII", 0, 0, n, 0, pos, total)
            yield m + bytes((pos + i) & 0xFF for i in range(n))


w = RawPcapWriter(out, linktype=1, snaplen=65535)
w.write_header(None)
t = 1704067200 * 1000000
w.write_packet(bytes(Ether(src=CLI, dst="ff:ff:ff:ff:ff:ff") /
                     ARP(op=1, hwsrc=CLI, psrc="10.81.0.1", pdst="10.81.0.2")), sec=t // 10**6, usec=t % 10**6)
step = 1000 if what == "echo" else 100
for m in messages():
    if kind == "udp":
        frames = [Ether(src=CLI, dst=APP) / IP(src="10.81.0.1", dst="10.81.0.2") /
                  UDP(sport=40000, dport=9000) / Raw(m)]
    else:
        c = cells(m)
        frames = [Ether(src=CLI, dst=APP, type=0x88B5) / Raw(b"".join(c[i:i + 28]))
                  for i in range(0, len(c), 28)]
    for f in frames:
        t += step
        w.write_packet(bytes(f), sec=t // 10**6, usec=t % 10**6)
w.close()
