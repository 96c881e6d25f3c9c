#!/usr/bin/python3
"""Write the replay input of tools/bench/rpc/insns.sh: null ONC RPC calls.

Usage: gen-calls.py OUT.pcap COUNT udp|vc

COUNT null calls (RFC 5531 CALL, rpcvers 2, program 537198593 = rpcecho,
version 1, procedure 0, AUTH_NONE credential and verifier: 40 bytes), xid
0x10000000 + i, from the client 02:00:00:00:00:01 to spindle's
02:00:00:00:00:02, 10 us apart:
  udp  after one ARP request from the client (10.77.0.1) for 10.77.0.2, so
       the replies leave at once: IPv4 10.77.0.1 -> 10.77.0.2, UDP 41000 ->
       40001, valid checksums;
  vc   one AAL5 CPCS-PDU per call (40 bytes, trailer, one cell) on VPI 0 /
       VCI 40, in an Ethernet II frame of EtherType 0x88B5
       (protocols/aal5/aal5_wire.h: HEC CRC-8 x^8+x^2+x+1 XOR 0x55 over
       the header, I.432; CRC-32/BZIP2 over the PDU, I.363.5 9.2.1).
Deterministic: the same bytes on every run. Classic pcap, link type Ethernet.
"""

import struct
import sys

CLI_MAC = bytes.fromhex("020000000001")
APP_MAC = bytes.fromhex("020000000002")
CLI_IP = bytes([10, 77, 0, 1])
APP_IP = bytes([10, 77, 0, 2])
T0 = 1700000000


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def call(xid):
    # xid, CALL, rpcvers 2, prog, vers, proc, cred AUTH_NONE len 0, verf AUTH_NONE len 0
    return struct.pack("!10I", xid, 0, 2, 537198593, 1, 0, 0, 0, 0, 0)


def udp_frame(i, payload):
    udp = struct.pack("!HHHH", 41000, 40001, 8 + len(payload), 0) + payload
    pseudo = CLI_IP + APP_IP + struct.pack("!BBH", 0, 17, len(udp))
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0, CLI_IP, APP_IP)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return APP_MAC + CLI_MAC + b"\x08\x00" + ip + udp


def arp_request():
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, CLI_MAC, CLI_IP, b"\0" * 6, APP_IP)
    return b"\xff" * 6 + CLI_MAC + b"\x08\x06" + body + b"\0" * 18


def crc8_hec(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c ^ 0x55


def crc32_bzip2(b):
    c = 0xFFFFFFFF
    for x in b:
        c ^= x << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if c & 0x80000000 else (c << 1) & 0xFFFFFFFF
    return c ^ 0xFFFFFFFF


def vc_frame(payload, vpi=0, vci=40):
    assert len(payload) + 8 <= 48, "one cell per call"
    pdu = payload + b"\0" * (40 - len(payload)) + struct.pack("!BBH", 0, 0, len(payload))
    pdu += struct.pack("!I", crc32_bzip2(pdu))
    pti = 0x1  # AUU: the last (only) cell of the PDU
    hdr = bytes([(vpi >> 4) & 0x0F, ((vpi & 0x0F) << 4) | (vci >> 12), (vci >> 4) & 0xFF,
                 ((vci & 0x0F) << 4) | (pti << 1)])
    return APP_MAC + CLI_MAC + b"\x88\xb5" + hdr + bytes([crc8_hec(hdr)]) + pdu


def main(argv):
    if len(argv) != 4 or argv[3] not in ("udp", "vc"):
        print(__doc__, file=sys.stderr)
        return 2
    count = int(argv[2])
    with open(argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        frames = [arp_request()] if argv[3] == "udp" else []
        for i in range(count):
            m = call(0x10000000 + i)
            frames.append(udp_frame(i, m) if argv[3] == "udp" else vc_frame(m))
        for k, fr in enumerate(frames):
            us = 1000 + 10 * k
            f.write(struct.pack("<IIII", T0 + us // 1000000, us % 1000000, len(fr), len(fr)) + fr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
