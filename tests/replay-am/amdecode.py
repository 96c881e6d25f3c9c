"""Active messages out of a capture (apps/am/am_wire.h), for the replay tests.

Frames become messages: a UDP datagram (not fragmented: spindle's chunks fit
one frame) is one message; AAL5 cells (protocols/aal5/aal5_wire.h) are
reassembled per (Ethernet source, VPI, VCI) with the HEC and the CRC-32
checked, and each PDU is one message. Independent of the code under test:
the formats are decoded here from their specifications.
"""

import struct

AM_TYPES = {1: "request", 2: "reply", 3: "ack", 4: "nack", 5: "store", 6: "get",
            7: "get-reply"}


def hec(h4):
    """I.432: CRC-8 (x^8 + x^2 + x + 1) of the first 4 header bytes, XOR 0x55."""
    c = 0
    for b in h4:
        c ^= b
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c ^ 0x55


def crc32(data):
    """I.363.5: generator 0x04C11DB7, preset all ones, not reflected, complemented."""
    c = 0xFFFFFFFF
    for b in data:
        c ^= b << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if c & 0x80000000 else (c << 1) & 0xFFFFFFFF
    return c ^ 0xFFFFFFFF


def parse_am(m):
    """The fields of message @m (bytes) as a dict, or {'error': why}."""
    if len(m) < 16:
        return {"error": "short"}
    ver, typ, flags, handler, nargs, status, res, epoch, seq = struct.unpack("!BBBBBBHII", m[:16])
    d = {"version": ver, "type": AM_TYPES.get(typ, typ), "flags": flags, "handler": handler,
         "nargs": nargs, "status": status, "reserved": res, "epoch": "0x%08x" % epoch,
         "seq": seq}
    if len(m) < 16 + 4 * nargs:
        return {"error": "short arguments"}
    d["args"] = list(struct.unpack("!%dI" % nargs, m[16:16 + 4 * nargs]))
    rest = m[16 + 4 * nargs:]
    if typ in (5, 6, 7):
        if len(rest) < 16:
            return {"error": "short bulk header"}
        seg, r2, length, base, pos, total = struct.unpack("!BBHIII", rest[:16])
        d.update(segment=seg, bulk_reserved=r2, length=length, base=base, pos=pos, total=total)
        rest = rest[16:]
    d["data"] = rest
    return d


class Reasm:
    """Cells to PDUs per (source, VPI, VCI)."""

    def __init__(self):
        self.part = {}

    def frame(self, src, payload):
        """The PDUs (vc, bytes) completed by one frame's cells; errors raise ValueError."""
        if len(payload) % 53 or not payload:
            raise ValueError("frame of %d bytes is not whole cells" % len(payload))
        out = []
        for i in range(0, len(payload), 53):
            c = payload[i:i + 53]
            if hec(c[:4]) != c[4]:
                raise ValueError("bad HEC")
            vpi = ((c[0] & 0xF) << 4) | (c[1] >> 4)
            vci = ((c[1] & 0xF) << 12) | (c[2] << 4) | (c[3] >> 4)
            pti = (c[3] >> 1) & 7
            key = (src, vpi, vci)
            self.part[key] = self.part.get(key, b"") + c[5:]
            if pti & 1:
                pdu = self.part.pop(key)
                length = struct.unpack("!H", pdu[-6:-4])[0]
                if crc32(pdu[:-4]) != struct.unpack("!I", pdu[-4:])[0]:
                    raise ValueError("bad CRC-32 on VC %d/%d" % (vpi, vci))
                out.append(("%d/%d" % (vpi, vci), pdu[:length]))
        return out


def messages(frames, src_mac):
    """(time of the frame that completed it, transport, fields) for each message from @src_mac.

    @frames: (raw bytes, time) in capture order. transport: 'udp SPORT->DPORT' or 'aal5 VC'.
    """
    r = Reasm()
    out = []
    for raw, k in frames:
        if len(raw) < 14 or raw[6:12] != bytes.fromhex(src_mac.replace(":", "")):
            continue
        et = struct.unpack("!H", raw[12:14])[0]
        if et == 0x0800 and raw[23] == 17:
            ihl = (raw[14] & 15) * 4
            u = raw[14 + ihl:]
            sp, dp, ulen = struct.unpack("!HHH", u[:6])
            out.append((k, "udp %d->%d" % (sp, dp), parse_am(u[8:ulen])))
        elif et == 0x88B5:
            for vc, pdu in r.frame(raw[6:12], raw[14:]):
                out.append((k, "aal5 " + vc, parse_am(pdu)))
    return out
