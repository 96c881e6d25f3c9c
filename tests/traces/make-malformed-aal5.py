#!/usr/bin/python3
"""Write tests/traces/malformed-aal5.pcap and malformed-aal5.expect (deterministic).

Peer 02:00:00:00:00:01 -> spindle 02:00:00:00:00:02, EtherType 0x88B5, the
AAL5 raw path's encapsulation (protocols/aal5/aal5_wire.h): ATM cells (I.361
UNI header with an I.432 HEC) carrying AAL5 CPCS-PDUs (I.363.5). Every frame
is built below with a comment saying what, if anything, is wrong with it.
Valid PDUs on VC 0/32 (where the test installs aal5-echo) come between the
damaged ones and must still be delivered and answered.

malformed-aal5.expect has one line per frame: its number (from 0), then the
"aal5" counters the frame must raise, each as NAME or NAME*N, or "-" for
none; rx_frames, rx_cells and rx_bytes are not listed (every frame raises
those).

Usage (Debian's python3, which has scapy):
  make-malformed-aal5.py [OUTDIR]     write OUTDIR/malformed-aal5.pcap and .expect
                                      (default: this script's folder)
"""

import os
import struct
import sys

from scapy.all import Ether, Raw, RawPcapWriter

PEER_MAC = "02:00:00:00:00:01"
APP_MAC = "02:00:00:00:00:02"
ETHERTYPE = 0x88B5
T0 = 1704067200  # 2024-01-01T00:00:00Z; frame k is at T0 + k * 10 ms
HERE = os.path.dirname(os.path.abspath(__file__))

CELLS_PER_FRAME = 28
PTI_AUU = 1


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


def header(vpi, vci, pti, clp=0, gfc=0):
    h = bytes([(gfc << 4) | (vpi >> 4), ((vpi & 0xF) << 4) | (vci >> 12), (vci >> 4) & 0xFF,
               ((vci & 0xF) << 4) | (pti << 1) | clp])
    return h + bytes([hec(h)])


def pattern(n, seed):
    return bytes((seed + 7 * i + 0x20) & 0xFF for i in range(n))


def cpcs_pdu(payload, uu=0, cpi=0, length=None, ncells=None, crc_xor=0):
    """The CPCS-PDU bytes: payload, PAD, trailer (UU, CPI, Length, CRC)."""
    if ncells is None:
        ncells = (len(payload) + 8 + 47) // 48
    body = payload + bytes(ncells * 48 - 8 - len(payload))
    body += struct.pack(">BBH", uu, cpi, len(payload) if length is None else length)
    return body + struct.pack(">I", crc32(body) ^ crc_xor)


def cells(pdu, vpi=0, vci=32, last=True):
    """The cells carrying @pdu (a multiple of 48 bytes); AUU on the last one if @last."""
    n = len(pdu) // 48
    return [header(vpi, vci, PTI_AUU if (last and i == n - 1) else 0) + pdu[48 * i:48 * i + 48]
            for i in range(n)]


class Trace:
    def __init__(self):
        self.frames = []  # Ethernet payloads
        self.expect = []  # counters per frame

    def frame(self, payload, *counters):
        self.frames.append(payload)
        self.expect.append(" ".join(counters) if counters else "-")

    def frames_of(self, cs, *last_counters):
        """@cs in frames of 28 cells; @last_counters on the last frame, none on the others."""
        chunks = [cs[i:i + CELLS_PER_FRAME] for i in range(0, len(cs), CELLS_PER_FRAME)]
        for k, ch in enumerate(chunks):
            if k + 1 < len(chunks):
                self.frame(b"".join(ch))
            else:
                self.frame(b"".join(ch), *last_counters)

    def write(self, outdir):
        pcap = os.path.join(outdir, "malformed-aal5.pcap")
        w = RawPcapWriter(pcap, linktype=1, snaplen=65535)
        w.write_header(None)  # even before the first frame, which is not a scapy packet
        for k, p in enumerate(self.frames):
            raw = bytes(Ether(dst=APP_MAC, src=PEER_MAC, type=ETHERTYPE) / Raw(p))
            w.write_packet(raw, sec=T0 + k // 100, usec=(k % 100) * 10000)
        w.close()
        with open(os.path.join(outdir, "malformed-aal5.expect"), "w") as f:
            f.write("# written by make-malformed-aal5.py: FRAME COUNTER[*N]... ('-': none)\n")
            for k, e in enumerate(self.expect):
                f.write(f"{k} {e}\n")


def build():
    t = Trace()
    ok = "rx_pdus"

    # Valid: a 100-byte PDU, 3 cells in one frame.
    t.frame(b"".join(cells(cpcs_pdu(pattern(100, 1)))), ok)

    # BAD: the only cell of a 1-cell PDU has a wrong HEC (its low bit flipped).
    c = bytearray(cells(cpcs_pdu(pattern(20, 2)))[0])
    c[4] ^= 0x01
    t.frame(bytes(c), "bad_hec")

    # BAD: the middle cell of a 3-cell PDU has a VCI bit flipped, so its HEC is
    # wrong: that cell is dropped, and the PDU then fails its CRC.
    cs = cells(cpcs_pdu(pattern(100, 3)))
    m = bytearray(cs[1])
    m[2] ^= 0x10
    t.frame(cs[0] + bytes(m) + cs[2], "bad_hec", "bad_crc")

    # BAD: CRC-32 wrong (one payload byte changed after the CRC was computed).
    pdu = bytearray(cpcs_pdu(pattern(100, 4)))
    pdu[50] ^= 0x04
    t.frame(b"".join(cells(bytes(pdu))), "bad_crc")

    # BAD: CRC-32 field itself wrong (one bit of it flipped).
    t.frame(b"".join(cells(cpcs_pdu(pattern(60, 5), crc_xor=0x80000000))), "bad_crc")

    # BAD: Length 200 in a 3-cell PDU (200 bytes need 5 cells); CRC correct.
    t.frame(b"".join(cells(cpcs_pdu(pattern(100, 6), length=200))), "bad_length")

    # BAD: Length 10 in a 3-cell PDU (10 bytes fit 1 cell); CRC correct.
    t.frame(b"".join(cells(cpcs_pdu(pattern(100, 7), length=10))), "bad_length")

    # BAD: CPI 1 (only 0 is defined); CRC correct.
    t.frame(b"".join(cells(cpcs_pdu(pattern(100, 8), cpi=1))), "bad_cpi")

    # Valid: between the damaged ones, a PDU still arrives.
    t.frame(b"".join(cells(cpcs_pdu(pattern(40, 9)))), ok)

    # BAD: a 3-cell PDU whose last cell is lost: this frame has its first two
    # cells only (nothing is wrong yet)...
    t.frame(b"".join(cells(cpcs_pdu(pattern(120, 10)))[:2]))
    # ...and the next PDU's 3 cells join them: 5 cells, CRC wrong.
    t.frame(b"".join(cells(cpcs_pdu(pattern(100, 11)))), "bad_crc")

    # BAD: Length 0, the abort (no payload, CRC correct).
    t.frame(b"".join(cells(cpcs_pdu(b"", length=0, ncells=2))), "aborts")

    # BAD: a partial cell: 3 cells and 20 bytes of a fourth.
    whole = b"".join(cells(cpcs_pdu(pattern(200, 12))))
    t.frame(whole[:3 * 53 + 20], "bad_frame_len")

    # BAD: less than one cell: 52 bytes.
    t.frame(whole[:52], "bad_frame_len")

    # BAD: no cell at all: an empty payload, which Ethernet pads to 46 zero bytes.
    t.frame(bytes(46), "bad_frame_len")

    # BAD: 29 cells in one frame (at most 28 are allowed; it is over 1500 bytes).
    t.frame(b"".join(cells(cpcs_pdu(pattern(29 * 48 - 8, 13)))), "bad_frame_len")

    # BAD: an OAM F5 end-to-end cell (PTI 101) on the VC: not AAL5 data.
    t.frame(header(0, 32, 5) + bytes(48), "non_user_cells")

    # BAD: a cell with VCI 0 (VPI 0 / VCI 0: the unassigned cell).
    t.frame(header(0, 0, 0) + bytes(48), "unassigned_cells")

    # Valid: 2000 bytes in 42 cells, two frames.
    t.frames_of(cells(cpcs_pdu(pattern(2000, 14))), ok)

    # BAD: an overlong PDU: 1372 cells without a last cell (the longest PDU,
    # 65535 bytes, is 1366 cells), in 49 frames of 28. The 1367th cell makes
    # it oversize; the 5 after it are thrown away...
    t.frames_of(cells(bytes(1372 * 48), last=False), "oversize", "discarded_cells*5")
    # ...as is its last cell, here, which ends it.
    t.frame(header(0, 32, PTI_AUU) + bytes(48), "discarded_cells")

    # BAD: a PDU's middle cell duplicated: 4 cells, CRC wrong.
    cs = cells(cpcs_pdu(pattern(100, 15)))
    t.frame(cs[0] + cs[1] + cs[1] + cs[2], "bad_crc")

    # BAD: two middle cells swapped (reordered): CRC wrong.
    cs = cells(cpcs_pdu(pattern(150, 16)))
    t.frame(cs[0] + cs[2] + cs[1] + cs[3], "bad_crc")

    # Valid: the last PDU, on another VPI/VCI nobody listens on (delivered,
    # unhandled), then one on 0/32.
    t.frame(b"".join(cells(cpcs_pdu(pattern(64, 17)), vpi=1, vci=100)), ok, "unhandled")
    t.frame(b"".join(cells(cpcs_pdu(pattern(1000, 18)))), ok)
    return t


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else HERE
    t = build()
    t.write(outdir)
    print(f"{len(t.frames)} frames written to {outdir}")


if __name__ == "__main__":
    main()
