#!/usr/bin/python3
"""Write tests/traces/malformed-am.pcap and malformed-am.expect (deterministic).

Active messages (apps/am/am_wire.h) from the peer 02:00:00:00:00:01 to
spindle 02:00:00:00:00:02: in UDP datagrams 10.77.0.1:40100 -> 10.77.0.2:9000
and in AAL5 PDUs on VC 0/40 (protocols/aal5/aal5_wire.h, correct HECs and
CRC-32s). Every frame is built below with a comment saying what, if
anything, is wrong with it; well-formed requests come between the damaged
ones and must still be answered.

malformed-am.expect has one line per frame: its number (from 0), then what
spindle (extension am port=9000 and am vc=0/40) must do with it:
  answer TYPE      send exactly one response of TYPE (reply, ack, nack)
  mal REASON       count it malformed under mal_REASON and send nothing
  count COUNTER    a well-formed message that gets no answer, counted COUNTER
  -                not an active message (ARP)
tests/unit/apps/test_am_traces.c replays it frame by frame.

Usage (Debian's python3, which has scapy):
  make-malformed-am.py [OUTDIR]     (default: this script's folder)
"""

import os
import struct
import sys

from scapy.all import ARP, IP, UDP, Ether, Raw, RawPcapWriter

PEER_MAC = "02:00:00:00:00:01"
APP_MAC = "02:00:00:00:00:02"
PEER_IP, APP_IP = "10.77.0.1", "10.77.0.2"
SPORT, DPORT = 40100, 9000
VPI, VCI = 0, 40
T0 = 1704067200  # 2024-01-01T00:00:00Z; frame k is at T0 + k * 10 ms
HERE = os.path.dirname(os.path.abspath(__file__))

REQUEST, REPLY, ACK, NACK, STORE, GET, GET_REPLY = 1, 2, 3, 4, 5, 6, 7
LAST = 1
ECHO = 1
EPOCH = 0x5EED0001


def am(mtype, seq, handler=0, args=(), flags=0, status=0, epoch=EPOCH, nargs=None,
       version=1, reserved=0, bulk=None, data=b""):
    """An active message as am_wire_build writes it, every field settable."""
    n = len(args) if nargs is None else nargs
    m = struct.pack("!BBBBBBHII", version, mtype, flags, handler, n, status, reserved, epoch, seq)
    m += b"".join(struct.pack("!I", a) for a in args)
    if bulk is not None:
        seg, length, base, pos, total = bulk
        m += struct.pack("!BBHIII", seg, 0, length, base, pos, total)
    return m + data


def store(seq, length, base, pos, total, flags, data=None, handler=0):
    """A STORE chunk; data defaults to @length bytes of a pattern."""
    if data is None:
        data = bytes((i * 7 + 0x30) & 0xFF for i in range(length))
    return am(STORE, seq, handler, flags=flags, bulk=(0, length, base, pos, total), data=data)


def udp(payload):
    return (Ether(src=PEER_MAC, dst=APP_MAC) / IP(src=PEER_IP, dst=APP_IP, id=7, flags="DF") /
            UDP(sport=SPORT, dport=DPORT) / Raw(payload))


def hec(h4):
    """I.432 HEC: CRC-8 (x^8 + x^2 + x + 1) of the 4 header bytes, XOR 0x55."""
    c = 0
    for b in h4:
        c ^= b
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c ^ 0x55


def crc32(data):
    """I.363.5 CRC-32: generator 0x04C11DB7, preset all ones, MSB first, complemented."""
    c = 0xFFFFFFFF
    for b in data:
        c ^= b << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if c & 0x80000000 else (c << 1) & 0xFFFFFFFF
    return c ^ 0xFFFFFFFF


def aal5(payload, vci=VCI):
    """One Ethernet frame holding the whole CPCS-PDU of @payload (at most 28 cells)."""
    pad = (-(len(payload) + 8)) % 48
    pdu = payload + bytes(pad) + struct.pack("!BBH", 0, 0, len(payload))
    pdu += struct.pack("!I", crc32(pdu))
    cells = b""
    for i in range(0, len(pdu), 48):
        pti = 1 if i + 48 == len(pdu) else 0
        h = bytes([VPI >> 4, ((VPI & 0xF) << 4) | (vci >> 12), (vci >> 4) & 0xFF,
                   ((vci & 0xF) << 4) | (pti << 1)])
        cells += h + bytes([hec(h)]) + pdu[i:i + 48]
    assert len(cells) <= 28 * 53
    return Ether(src=PEER_MAC, dst=APP_MAC, type=0x88B5) / Raw(cells)


def frames():
    """(frame, expectation) in order."""
    out = []
    add = lambda f, e: out.append((f, e))
    # The peer's ARP request for spindle: spindle learns the peer and answers. Not AM.
    add(Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst=APP_IP), "-")
    # --- UDP, port 9000
    # Well-formed: request 1 to AM_H_ECHO with two arguments.
    add(udp(am(REQUEST, 1, ECHO, (1, 2))), "answer reply")
    # Ten bytes: shorter than the 16-byte header.
    add(udp(am(REQUEST, 2, ECHO)[:10]), "mal short")
    # Version 2: only version 1 exists.
    add(udp(am(REQUEST, 2, ECHO, version=2)), "mal version")
    # Type 0: no such type.
    add(udp(am(0, 2, ECHO)), "mal type")
    # Type 8: above GET_REPLY, the last type.
    add(udp(am(8, 2, ECHO)), "mal type")
    # Flags 0x80: an unknown flag bit.
    add(udp(am(REQUEST, 2, ECHO, flags=0x80)), "mal flags")
    # LAST on a REQUEST: the flag belongs to bulk chunks only.
    add(udp(am(REQUEST, 2, ECHO, flags=LAST)), "mal flags")
    # nargs 5: at most 4 arguments (and 5 are present).
    add(udp(am(REQUEST, 2, ECHO, (1, 2, 3, 4, 5))), "mal nargs")
    # A status on a REQUEST: only a NACK carries one.
    add(udp(am(REQUEST, 2, ECHO, status=1)), "mal status")
    # A NACK with status 0: a refusal must say why.
    add(udp(am(NACK, 2)), "mal status")
    # The reserved 16 bits not zero.
    add(udp(am(REQUEST, 2, ECHO, reserved=1)), "mal reserved")
    # Epoch 0: never used.
    add(udp(am(REQUEST, 2, ECHO, epoch=0)), "mal epoch")
    # One byte after a request's last argument.
    add(udp(am(REQUEST, 2, ECHO, (9,)) + b"\x00"), "mal length")
    # nargs 3 but only two arguments present.
    add(udp(am(REQUEST, 2, ECHO, (1, 2), nargs=3)), "mal short")
    # STORE whose data is 10 bytes shorter than its length field.
    add(udp(store(2, 100, 0, 0, 100, LAST, data=bytes(90))), "mal length")
    # STORE chunk of length 0.
    add(udp(store(2, 0, 0, 0, 100, 0, data=b"")), "mal bulk")
    # STORE chunk reaching past its transfer: pos 90 + length 20 > total 100.
    add(udp(store(2, 20, 0, 90, 100, LAST)), "mal bulk")
    # STORE transfer of 65537 bytes: over the 64 KiB limit.
    add(udp(store(2, 100, 0, 0, 65537, 0)), "mal bulk")
    # STORE whose base + total passes 2^32.
    add(udp(store(2, 100, 0xFFFFFFF0, 0, 100, LAST)), "mal bulk")
    # The last chunk of a STORE without LAST.
    add(udp(store(2, 100, 0, 0, 100, 0)), "mal bulk")
    # A GET carrying data bytes.
    add(udp(am(GET, 2, flags=LAST, bulk=(0, 4, 0, 0, 4)) + b"abcd"), "mal length")
    # Well-formed: request 2 to AM_H_ECHO (spindle still answers).
    add(udp(am(REQUEST, 2, ECHO)), "answer reply")
    # Well-formed STORE beyond segment 0's 65536 bytes: refused with NACK bounds.
    add(udp(store(3, 100, 65500, 0, 100, LAST)), "answer nack")
    # Well-formed REPLY to a request spindle never sent: counted, not answered.
    add(udp(am(REPLY, 1)), "count resp_unmatched")
    # Well-formed duplicate of request 1: answered again from the response cache.
    add(udp(am(REQUEST, 1, ECHO, (1, 2))), "answer reply")
    # Well-formed STORE of 100 bytes, no handler: ACK.
    add(udp(store(4, 100, 0, 0, 100, LAST)), "answer ack")
    # --- AAL5, VC 0/40
    # Well-formed: request 1 to AM_H_ECHO.
    add(aal5(am(REQUEST, 1, ECHO, (7,))), "answer reply")
    # Version 0 in an intact PDU.
    add(aal5(am(REQUEST, 2, ECHO, version=0)), "mal version")
    # nargs 200.
    add(aal5(am(REQUEST, 2, ECHO, nargs=200)), "mal nargs")
    # Epoch 0.
    add(aal5(am(REQUEST, 2, ECHO, epoch=0)), "mal epoch")
    # STORE of 1000 bytes whose LAST chunk says total 999: pos + length > total.
    add(aal5(store(2, 1000, 0, 0, 999, LAST)), "mal bulk")
    # Three bytes: a PDU too short for the header.
    add(aal5(b"\x01\x01\x00"), "mal short")
    # Well-formed request on VC 0/41, where no endpoint listens: not AM's.
    add(aal5(am(REQUEST, 2, ECHO), vci=41), "-")
    # Well-formed: request 2, answered.
    add(aal5(am(REQUEST, 2, ECHO)), "answer reply")
    # Well-formed STORE of 1200 bytes (26 cells, one frame) to AM_H_SUM: replied with the sum.
    add(aal5(store(3, 1200, 0, 0, 1200, LAST, handler=2)), "answer reply")
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else HERE
    fs = frames()
    w = RawPcapWriter(os.path.join(outdir, "malformed-am.pcap"), linktype=1, snaplen=65535)
    w.write_header(None)
    for k, (f, _) in enumerate(fs):
        t = T0 * 1000 + k * 10  # ms
        w.write_packet(bytes(f), sec=t // 1000, usec=(t % 1000) * 1000)
    w.close()
    with open(os.path.join(outdir, "malformed-am.expect"), "w") as e:
        e.write("# written by make-malformed-am.py: FRAME WHAT (answer TYPE | mal REASON | "
                "count COUNTER | -)\n")
        for k, (_, exp) in enumerate(fs):
            e.write("%d %s\n" % (k, exp))
    print("wrote %d frames" % len(fs))


if __name__ == "__main__":
    main()
