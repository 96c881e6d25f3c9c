#!/usr/bin/python3
"""Write tests/traces/rtpjpeg-malformed.pcap and rtpjpeg-malformed.expect.

Malformed RTP/JPEG (RFC 3550, RFC 2435) datagrams for the video client,
crafted with scapy from the first frame of the real capture
rtp-jpeg-client.pcap (ffmpeg, Q=255, type 1, 320x240, six fragments): each
case is one frame (or one datagram) that is wrong in one way, followed by an
intact copy of that frame, which the client must show. Sequence numbers run
on without gaps through every datagram that reaches the RTP receiver (the
ones rejected before it, not RTP or of another payload type, take none);
timestamps grow by 3000 per frame (30 frames/s).

rtpjpeg-malformed.expect, one line per case, then one per intact frame:
  case FIRST COUNT COUNTER=DELTA[,COUNTER=DELTA...]   # what is wrong
  valid FIRST COUNT
FIRST is the index of the case's first datagram among those to port 5004,
COUNT how many it has, COUNTER a name of apps/video-client's counters
(vclient_counter_names) and DELTA by how much it must grow over the case and
the intact frame after it. tests/unit/video-client/test_malformed.c replays
the file and checks every line.

Usage (Debian's python3, which has scapy):  make-malformed-rtpjpeg.py [OUTDIR]
"""

import os
import struct
import sys

from scapy.all import IP, UDP, Ether, RawPcapWriter, rdpcap

HERE = os.path.dirname(os.path.abspath(__file__))
CLI_MAC, APP_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
CLI_IP, APP_IP = "10.77.0.1", "10.77.0.2"
SPORT, DPORT = 40020, 5004
SSRC = 0x5EED0001
T0 = 1704067200  # datagram k is at T0 + k * 10 ms


def base_frame():
    """The RTP payloads (RFC 2435 headers and data) of the capture's first frame."""
    frags = []
    for p in rdpcap(os.path.join(HERE, "rtp-jpeg-client.pcap")):
        if UDP in p and p[UDP].dport == DPORT:
            rtp = bytes(p[UDP].payload)
            frags.append((rtp[12:], bool(rtp[1] & 0x80)))
            if rtp[1] & 0x80:
                return frags
    raise SystemExit("no complete frame in rtp-jpeg-client.pcap")


def jpeg_hdr(off, typ=1, q=255, w=40, h=30, ts_spec=0):
    """RFC 2435 3.1 main header."""
    return struct.pack(">B3sBBBB", ts_spec, off.to_bytes(3, "big"), typ, q, w, h)


class Trace:
    def __init__(self):
        self.dgrams = []   # UDP payloads
        self.lines = []
        self.seq = 1000
        self.ts = 90000

    def rtp(self, payload, marker, pt=26, version=2, seq=None, pad=None):
        """RTP fixed header (RFC 3550 5.1) + payload; takes a sequence number."""
        if seq is None:
            seq, self.seq = self.seq, (self.seq + 1) & 0xFFFF
        b0 = version << 6 | (0x20 if pad is not None else 0)
        h = struct.pack(">BBHII", b0, (0x80 if marker else 0) | pt, seq, self.ts, SSRC)
        return h + payload + (pad if pad is not None else b"")

    def case(self, counters, comment, dgrams):
        first = len(self.dgrams)
        self.dgrams.extend(dgrams)
        self.lines.append(f"case {first} {len(dgrams)} {counters}  # {comment}")
        self.ts += 3000
        self.valid()

    def valid(self):
        first = len(self.dgrams)
        for data, marker in BASE:
            self.dgrams.append(self.rtp(data, marker))
        self.lines.append(f"valid {first} {len(BASE)}")
        self.ts += 3000

    def frame(self, edit):
        """The base frame with fragment i's payload replaced by edit(i, payload)."""
        out = []
        for i, (data, marker) in enumerate(BASE):
            d = edit(i, data)
            if d is not None:
                out.append(self.rtp(d, marker))
        return out


def build():
    t = Trace()
    t.valid()
    main1 = BASE[1][0][:8]          # main header of a later fragment
    data0 = BASE[0][0]              # first fragment: main + table header + tables + data

    # --- RTP level: rejected before sequence tracking, no frame involved
    t.case("not_rtp=1", "RTP version 1",
           [t.rtp(data0, True, version=1, seq=0)])
    t.case("wrong_payload_type=1", "payload type 96, not 26 (JPEG)",
           [t.rtp(data0, True, pt=96, seq=0)])
    t.case("not_rtp=1", "RTP padding count 200 larger than the payload",
           [t.rtp(b"\0" * 10, True, seq=0, pad=b"\0" * 3 + bytes([200]))])

    # --- RTP/JPEG headers the parser rejects: the frame is corrupt
    t.case("bad_payloads=1,dropped_corrupt=1", "5-byte payload: main header cut short",
           [t.rtp(data0[:5], True)])
    t.case("bad_payloads=1,dropped_corrupt=1", "empty RTP payload",
           [t.rtp(b"", True)])
    t.case("bad_payloads=6,dropped_corrupt=1", "type 2 (reserved) in every fragment",
           t.frame(lambda i, d: d[:4] + b"\x02" + d[5:]))
    t.case("bad_payloads=6,dropped_corrupt=1", "type 200 (dynamic, no session defines it)",
           t.frame(lambda i, d: d[:4] + bytes([200]) + d[5:]))
    t.case("bad_payloads=1,dropped_corrupt=1", "Q = 0 (reserved)",
           [t.rtp(jpeg_hdr(0, q=0) + b"\0" * 100, True)])
    t.case("bad_payloads=1,dropped_corrupt=1", "Q = 100 (reserved)",
           [t.rtp(jpeg_hdr(0, q=100) + b"\0" * 100, True)])
    t.case("bad_payloads=1,dropped_corrupt=1", "width 0: absurd size",
           [t.rtp(jpeg_hdr(0, q=50, w=0) + b"\0" * 100, True)])
    t.case("bad_payloads=1,dropped_corrupt=1", "Q = 255 with table length 0 (RFC 2435 3.1.8: MUST NOT)",
           [t.rtp(jpeg_hdr(0) + b"\0\0\0\0" + data0[8 + 4 + 64:], True)])
    t.case("bad_payloads=1,dropped_corrupt=1", "table length 4096 beyond the packet",
           [t.rtp(jpeg_hdr(0) + b"\0\0\x10\0" + data0[12:200], True)])
    t.case("bad_payloads=1,dropped_corrupt=1", "type 65 with the restart marker header cut to 2 bytes",
           [t.rtp(jpeg_hdr(0, typ=65, q=50) + b"\0\x04", True)])
    t.case("bad_payloads=1,dropped_corrupt=1", "fragment offset 0xffff00 + 1384 bytes passes 2^24",
           [t.rtp(jpeg_hdr(0xFFFF00) + BASE[1][0][8:], True)])

    # --- headers parse, the frame cannot be built: corrupt
    t.case("dropped_corrupt=1", "width and height 2040: beyond the client's 1920x1080",
           t.frame(lambda i, d: d[:6] + b"\xff\xff" + d[8:]))
    t.case("dropped_corrupt=1", "Q = 255, table length 100: not whole 64-byte tables",
           t.frame(lambda i, d: d[:8] + b"\0\0\0\x64" + d[12:] if i == 0 else d))
    t.case("dropped_corrupt=1", "Q = 255, a table entry of 0 (T.81 B.2.4.1: 1..255)",
           t.frame(lambda i, d: d[:12] + b"\0" + d[13:] if i == 0 else d))
    t.case("dropped_corrupt=1", "Q = 140 with no tables, none cached for 140",
           t.frame(lambda i, d: d[:5] + bytes([140]) + d[6:8] + b"\0\0\0\0" + d[12 + 64:]
                   if i == 0 else d[:5] + bytes([140]) + d[6:]))
    t.case("dropped_corrupt=1", "Q changes from 255 to 254 in the third fragment",
           t.frame(lambda i, d: d[:5] + b"\xfe" + d[6:] if i == 2 else d))
    t.case("dropped_corrupt=1", "height changes in the last fragment",
           t.frame(lambda i, d: d[:7] + b"\x1f" + d[8:] if i == 5 else d))

    # --- fragments missing or misplaced: incomplete
    t.case("dropped_incomplete=1", "fragment offset of the fourth fragment beyond the frame's end (0x800000)",
           t.frame(lambda i, d: d[:1] + (0x800000).to_bytes(3, "big") + d[4:] if i == 3 else d))
    t.case("dropped_incomplete=1", "second fragment's offset 16, not 1384: it overlaps the first",
           t.frame(lambda i, d: d[:1] + b"\0\0\x10" + d[4:] if i == 1 else d))
    t.case("dropped_incomplete=1", "first fragment's offset says 8: the start is missing",
           t.frame(lambda i, d: d[:3] + b"\x08" + d[4:] if i == 0 else d))
    t.case("dropped_incomplete=1", "marker bit missing on the last fragment; the next frame begins",
           [t.rtp(d, False) for d, _ in BASE])

    # --- complete by RTP, bad inside: the decoder refuses it
    t.case("decode_errors=1,dropped_corrupt=1", "last fragment cut to 100 bytes: scan data truncated",
           t.frame(lambda i, d: d[:108] if i == 5 else d))

    # --- markers smuggled into the scan data after the client's own SOS: corrupt
    t.case("dropped_corrupt=1", "scan data of the third fragment replaced by RST0 markers, no restart interval",
           t.frame(lambda i, d: d[:8] + b"\xff\xd0" * ((len(d) - 8) // 2) if i == 2 else d))
    dht = b"\xff\xc4\x10\x13\x00" + b"\xff" * 16 + b"\x00" * 4080
    t.case("dropped_corrupt=1", "a DHT segment whose 16 code counts sum to 4080 (stb_image 2.27 would write past its tables) in the third fragment",
           t.frame(lambda i, d: d[:8] + dht[:len(d) - 8] if i == 2 else d))
    t.case("dropped_corrupt=1", "EOI, then more scan data, in the fourth fragment",
           t.frame(lambda i, d: d[:8] + b"\xff\xd9" + d[10:] if i == 3 else d))
    t.case("dropped_corrupt=1", "the last fragment ends with a lone 0xFF",
           t.frame(lambda i, d: d + b"\xff" if i == 5 else d))
    return t


def write(outdir, t):
    path = os.path.join(outdir, "rtpjpeg-malformed.pcap")
    w = RawPcapWriter(path, linktype=1, nano=False, sync=True)
    w.write_header(None)
    for k, d in enumerate(t.dgrams):
        f = (Ether(dst=APP_MAC, src=CLI_MAC) / IP(src=CLI_IP, dst=APP_IP, id=k & 0xFFFF) /
             UDP(sport=SPORT, dport=DPORT) / d)
        w.write_packet(bytes(f), sec=T0 + k // 100, usec=(k % 100) * 10000)
    w.close()
    with open(os.path.join(outdir, "rtpjpeg-malformed.expect"), "w") as f:
        f.write("# written by make-malformed-rtpjpeg.py; see its docstring\n")
        f.write("\n".join(t.lines) + "\n")
    print(f"{path}: {len(t.dgrams)} datagrams, "
          f"{sum(l.startswith('case') for l in t.lines)} cases")


BASE = base_frame()

if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else HERE, build())
