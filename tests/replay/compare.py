#!/usr/bin/python3
"""Compare the frames spindle sent with the frames Linux sent, field by field.

Layer 2 of the test layers (ARCHITECTURE.md "Tests, in layers"): a trace
captured from real Linux traffic (tests/traces/) is replayed through spindle
(pcap-file driver); spindle's answers must be Linux's answers.

Usage (Debian's /usr/bin/python3, which has scapy):

  compare.py split CAPTURE OUT --src-mac MAC
      write the frames of CAPTURE whose Ethernet source is MAC into OUT
      (classic pcap, bytes and timestamps unchanged): the replay input.
  compare.py compare LINUX SENT [--server-mac MAC] [--input PCAP] [--no-timing]
      compare SENT (every frame spindle sent) with the frames of LINUX sent
      by --server-mac (default 02:00:00:00:00:02). With --input (the
      frames replayed), also check that each answer follows the same input
      frame as Linux's did (timestamps: the pcap-file driver stamps a frame
      with the replay time, i.e. the time of the input frame being handled).
      Exit 0 when they agree, 1 with a per-field report otherwise.

What is compared (tests/traces/README.md says how Linux answers):
  Ethernet dst, src, type; the frame's length without padding (spindle pads
  short frames to 60 bytes, Linux on veth does not: IEEE 802.3 4.2.3.3
  padding is ignored, but only zero padding up to 60 bytes is accepted);
  ARP: every field;
  IPv4: version, IHL, options, TOS, reserved/DF/MF flags (one accepted
  difference: DF clear where Linux sets it on UDP for Path MTU Discovery,
  see compare_ip_header), fragment offset,
  total length, TTL, protocol, source, destination, and the header checksum
  must be valid. The identification is not compared (RFC 6864: its value
  is the sender's choice), but the fragments of one datagram must share one
  identification (RFC 791 3.2), and different fragmented datagrams must not
  reuse one while both are being sent;
  ICMP (on the reassembled datagram): type, code, checksum valid, and the
  rest of the message byte for byte: echo id, seq and data; for errors, the
  unused field and the quoted datagram;
  UDP (reassembled): ports, length, checksum valid and not 0 (RFC 1122
  4.1.3.4: checksums on by default), payload;
  the sequence of frames: the same count, in the same order, nothing extra.
"""

import argparse
import difflib
import struct
import sys

from scapy.all import ARP, Ether, RawPcapReader, RawPcapWriter
from scapy.utils import checksum

SERVER_MAC = "02:00:00:00:00:02"
ETH_MIN_FRAME = 60  # bytes without the FCS (IEEE 802.3 4.2.3.3)

ICMP_NAMES = {0: "echo-reply", 3: "unreach", 8: "echo", 11: "time-exceeded"}


# ---- reading ---------------------------------------------------------------

class Frame:
    """One frame of a capture: raw bytes, timestamp (ns), index in its file."""

    def __init__(self, raw, ts_ns, index):
        self.raw = bytes(raw)
        self.ts_ns = ts_ns
        self.index = index
        self.eth = Ether(self.raw) if len(self.raw) >= 14 else None

    @property
    def src(self):
        return self.eth.src.lower() if self.eth is not None else None

    def kind(self):
        if self.eth is None:
            return "runt"
        if self.eth.type == 0x0806:
            return "arp"
        if self.eth.type == 0x0800 and len(self.raw) >= 34:
            return "ip"
        return "other"

    def ip_bytes(self):
        """The IPv4 datagram without link padding (total length bytes)."""
        tl = struct.unpack("!H", self.raw[16:18])[0]
        return self.raw[14:14 + tl]

    def content_len(self):
        """The frame's length without padding, bytes."""
        k = self.kind()
        if k == "arp":
            return 14 + 28
        if k == "ip":
            return 14 + struct.unpack("!H", self.raw[16:18])[0]
        return len(self.raw)

    def summary(self):
        """A short description, also the key that aligns the two sequences."""
        k = self.kind()
        if k == "arp":
            a = self.eth[ARP]
            op = {1: "request", 2: "reply"}.get(a.op, "op%d" % a.op)
            return "ARP %s %s -> %s" % (op, a.psrc, a.pdst)
        if k != "ip":
            return "%s type=0x%04x len=%d" % (k, self.eth.type if self.eth else 0,
                                               len(self.raw))
        h = self.ip_bytes()
        off = (struct.unpack("!H", h[6:8])[0] & 0x1FFF) * 8
        mf = bool(h[6] & 0x20)
        s = "IPv4 %s -> %s proto %d" % (ip_str(h[12:16]), ip_str(h[16:20]), h[9])
        if off or mf:
            s += " frag off=%d%s" % (off, " MF" if mf else "")
        if off == 0:
            s += " " + transport_summary(h[9], h[(h[0] & 15) * 4:])
        return s


def transport_summary(proto, p):
    if proto == 1 and len(p) >= 8:
        t = ICMP_NAMES.get(p[0], "type%d" % p[0])
        if p[0] in (0, 8):
            i, q = struct.unpack("!HH", p[4:8])
            return "ICMP %s id=0x%04x seq=%d" % (t, i, q)
        return "ICMP %s code=%d" % (t, p[1])
    if proto == 17 and len(p) >= 8:
        sp, dp = struct.unpack("!HH", p[0:4])
        return "UDP %d -> %d" % (sp, dp)
    return ""


def ip_str(b):
    return ".".join(str(x) for x in b)


def read(path):
    frames = []
    rd = RawPcapReader(path)
    nano = getattr(rd, "nano", False)
    for i, (raw, meta) in enumerate(rd):
        if hasattr(meta, "sec"):
            sec, frac = meta.sec, meta.usec
        else:  # pcapng
            ts = (meta.tshigh << 32) | meta.tslow
            sec, frac = divmod(ts, 1000000)
        ns = sec * 1000000000 + (frac if nano else frac * 1000)
        frames.append(Frame(raw, ns, i))
    rd.close()
    return frames


# ---- comparison --------------------------------------------------------------

class Report:
    def __init__(self, strict_df=False):
        self.problems = []
        self.accepted = {}  # explained differences: text -> count
        self.strict_df = strict_df

    def accept(self, where, what):
        self.accepted[what] = self.accepted.get(what, 0) + 1

    def add(self, where, field, linux, spindle, note=""):
        self.problems.append((where, field, linux, spindle, note))

    def ok(self):
        return not self.problems

    def print(self, out=sys.stdout):
        for where, field, lin, spi, note in self.problems:
            line = "  %s: %s: Linux %s, spindle %s" % (where, field, fmt(lin), fmt(spi))
            if note:
                line += " (%s)" % note
            print(line, file=out)


def fmt(v):
    if isinstance(v, bytes):
        if len(v) <= 16:
            return v.hex(" ") if v else "(none)"
        return "%d bytes %s..." % (len(v), v[:16].hex(" "))
    return str(v)


def first_diff(a, b):
    for i in range(min(len(a), len(b))):
        if a[i] != b[i]:
            return i
    return min(len(a), len(b))


def cmp_bytes(rep, where, field, lin, spi):
    if lin != spi:
        i = first_diff(lin, spi)
        rep.add(where, field, lin, spi,
                "%d vs %d bytes, first difference at byte %d: %s vs %s" %
                (len(lin), len(spi), i, lin[i:i + 8].hex(" ") or "end",
                 spi[i:i + 8].hex(" ") or "end"))


def cmp_eq(rep, where, field, lin, spi):
    if lin != spi:
        rep.add(where, field, lin, spi)


def compare_ether(rep, where, L, S):
    cmp_eq(rep, where, "Ethernet destination", L.eth.dst, S.eth.dst)
    cmp_eq(rep, where, "Ethernet source", L.eth.src, S.eth.src)
    cmp_eq(rep, where, "EtherType", "0x%04x" % L.eth.type, "0x%04x" % S.eth.type)
    # Padding: spindle pads to the 60-byte minimum, Linux on veth does not.
    # Anything beyond the content other than zero padding up to 60 bytes is
    # an error (trailing garbage, or a length field that lies).
    clen = S.content_len()
    if len(S.raw) < clen:
        rep.add(where, "frame length", L.content_len(), len(S.raw),
                "frame shorter than its own length fields")
    elif len(S.raw) > clen:
        pad = S.raw[clen:]
        if len(S.raw) > ETH_MIN_FRAME:
            rep.add(where, "frame length", len(L.raw), len(S.raw),
                    "%d bytes after the content, beyond the 60-byte minimum" % len(pad))
        elif pad.strip(b"\0"):
            rep.add(where, "padding", b"", pad, "padding must be zeros")


def compare_arp(rep, where, L, S):
    a, b = L.raw[14:42], S.raw[14:42]
    if len(b) < 28:
        rep.add(where, "ARP body length", 28, len(b))
        return
    la, sa = struct.unpack("!HHBBH6s4s6s4s", a), struct.unpack("!HHBBH6s4s6s4s", b)
    names = ["htype", "ptype", "hlen", "plen", "op", "sha", "spa", "tha", "tpa"]
    for n, x, y in zip(names, la, sa):
        if isinstance(x, bytes):
            x = ":".join("%02x" % c for c in x) if len(x) == 6 else ip_str(x)
            y = ":".join("%02x" % c for c in y) if len(y) == 6 else ip_str(y)
        cmp_eq(rep, where, "ARP " + n, x, y)


def ip_fields(h):
    vi, tos, tl, ident, ff, ttl, proto, csum = struct.unpack("!BBHHHBBH", h[:12])
    return {
        "version": vi >> 4, "IHL": vi & 15, "TOS": "0x%02x" % tos,
        "total length": tl, "flag reserved": (ff >> 15) & 1,
        "flag DF": (ff >> 14) & 1, "flag MF": (ff >> 13) & 1,
        "fragment offset": (ff & 0x1FFF) * 8, "TTL": ttl, "protocol": proto,
        "source": ip_str(h[12:16]), "destination": ip_str(h[16:20]),
        "_id": ident,
    }


def compare_ip_header(rep, where, L, S):
    lh, sh = L.ip_bytes(), S.ip_bytes()
    lf, sf = ip_fields(lh), ip_fields(sh)
    if (not rep.strict_df and lf["protocol"] == 17 and lf["flag DF"] == 1 and
            sf["flag DF"] == 0 and lf["flag MF"] == 0 and lf["fragment offset"] == 0):
        # Accepted: Linux sets DF on a UDP socket's datagrams that fit the MTU
        # only because it runs Path MTU Discovery (RFC 1191 section 3;
        # net.ipv4.ip_no_pmtu_disc=0) and acts on "fragmentation needed"
        # errors. spindle does not implement RFC 1191, and a host that does
        # not must leave DF clear (RFC 791 3.1: "May Fragment"), or a hop
        # with a smaller MTU would drop its datagrams for good. --strict-df
        # turns this back into a difference.
        rep.accept(where, "IPv4 flag DF on UDP: Linux 1 (PMTUD), spindle 0 (RFC 1191 not implemented)")
        sf = dict(sf, **{"flag DF": 1})
    for k in lf:
        if not k.startswith("_"):
            cmp_eq(rep, where, "IPv4 " + k, lf[k], sf[k])
    lhl, shl = (lh[0] & 15) * 4, (sh[0] & 15) * 4
    if lhl > 20 or shl > 20:
        cmp_bytes(rep, where, "IPv4 options", lh[20:lhl], sh[20:shl])
    if len(sh) < shl or checksum(sh[:shl]) != 0:
        rep.add(where, "IPv4 header checksum", "valid",
                "0x%04x (invalid)" % struct.unpack("!H", sh[10:12])[0])


def pseudo_sum_ok(src, dst, proto, seg):
    ph = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    return checksum(ph + seg) == 0


def compare_icmp(rep, where, lp, sp):
    if len(sp) < 8:
        rep.add(where, "ICMP length", len(lp), len(sp))
        return
    cmp_eq(rep, where, "ICMP type", lp[0], sp[0])
    cmp_eq(rep, where, "ICMP code", lp[1], sp[1])
    if checksum(sp) != 0:
        rep.add(where, "ICMP checksum", "valid",
                "0x%04x (invalid)" % struct.unpack("!H", sp[2:4])[0])
    if lp[0] in (0, 8):
        cmp_eq(rep, where, "ICMP echo id", "0x%04x" % struct.unpack("!H", lp[4:6])[0],
               "0x%04x" % struct.unpack("!H", sp[4:6])[0])
        cmp_eq(rep, where, "ICMP echo seq", struct.unpack("!H", lp[6:8])[0],
               struct.unpack("!H", sp[6:8])[0])
        cmp_bytes(rep, where, "ICMP echo data", lp[8:], sp[8:])
    elif lp[0] in (3, 11, 12):
        cmp_bytes(rep, where, "ICMP error unused/pointer field", lp[4:8], sp[4:8])
        lq, sq = lp[8:], sp[8:]
        if lq != sq:
            # Name the quoted header's fields first, then the bytes.
            if len(lq) >= 20 and len(sq) >= 20:
                lf, sf = ip_fields(lq), ip_fields(sq)
                for k in lf:
                    if k == "_id":
                        k2 = "identification"
                        cmp_eq(rep, where, "quoted IPv4 " + k2, lf[k], sf[k])
                    else:
                        cmp_eq(rep, where, "quoted IPv4 " + k, lf[k], sf[k])
                cmp_eq(rep, where, "quoted IPv4 header checksum",
                       "0x%04x" % struct.unpack("!H", lq[10:12])[0],
                       "0x%04x" % struct.unpack("!H", sq[10:12])[0])
            cmp_bytes(rep, where, "ICMP quoted datagram", lq, sq)
    else:
        cmp_bytes(rep, where, "ICMP body", lp[4:], sp[4:])


def compare_udp(rep, where, lh, sh, lp, sp):
    if len(sp) < 8:
        rep.add(where, "UDP length", len(lp), len(sp))
        return
    ls, ld, ll, _ = struct.unpack("!HHHH", lp[:8])
    ss, sd, sl, sc = struct.unpack("!HHHH", sp[:8])
    cmp_eq(rep, where, "UDP source port", ls, ss)
    cmp_eq(rep, where, "UDP destination port", ld, sd)
    cmp_eq(rep, where, "UDP length", ll, sl)
    if sc == 0:
        rep.add(where, "UDP checksum", "computed", "0 (none)",
                "RFC 1122 4.1.3.4: checksums are on by default")
    elif sl != len(sp) or not pseudo_sum_ok(sh[12:16], sh[16:20], 17, sp[:sl]):
        rep.add(where, "UDP checksum", "valid", "0x%04x (invalid)" % sc)
    cmp_bytes(rep, where, "UDP payload", lp[8:ll], sp[8:sl])


# ---- datagrams: fragments and their reassembly ----------------------------------

class Datagram:
    """The frames (positions in a sequence) carrying one IPv4 datagram."""

    def __init__(self, key):
        self.key = key
        self.pos = []
        self.parts = {}
        self.header = None
        self.end = None

    def add(self, pos, h):
        self.pos.append(pos)
        hl = (h[0] & 15) * 4
        ff = struct.unpack("!H", h[6:8])[0]
        off = (ff & 0x1FFF) * 8
        self.parts[off] = h[hl:]
        if off == 0:
            self.header = h[:hl]
        if not ff & 0x2000:
            self.end = off + len(h) - hl

    def payload(self):
        """The reassembled payload, or None if incomplete or inconsistent."""
        if self.header is None or self.end is None:
            return None
        data = bytearray(self.end)
        have = 0
        for off in sorted(self.parts):
            if off != have:
                return None
            d = self.parts[off]
            data[off:off + len(d)] = d
            have = off + len(d)
        return bytes(data) if have == self.end else None


def datagrams(frames):
    """Group the IPv4 frames of a sequence into datagrams, in order of first frame.

    Fragments join the open datagram with the same (src, dst, proto, id); a
    datagram is closed when complete. Returns a list of Datagram and, for
    each position, its datagram's index (None for non-IPv4 frames).
    """
    out, where, open_ = [], [], {}
    for pos, f in enumerate(frames):
        if f.kind() != "ip":
            where.append(None)
            continue
        h = f.ip_bytes()
        ff = struct.unpack("!H", h[6:8])[0]
        key = (h[12:16], h[16:20], h[9], struct.unpack("!H", h[4:6])[0])
        if not ff & 0x3FFF:  # not a fragment
            d = Datagram(key)
            d.add(pos, h)
            out.append(d)
            where.append(len(out) - 1)
            continue
        idx = open_.get(key)
        if idx is None:
            out.append(Datagram(key))
            idx = open_[key] = len(out) - 1
        out[idx].add(pos, h)
        where.append(idx)
        if out[idx].payload() is not None:
            del open_[key]
    return out, where


def compare_sequences(lin, spi, strict_df=False):
    """Compare Linux's frames with spindle's; returns a Report."""
    rep = Report(strict_df)
    ls = [f.summary() for f in lin]
    ss = [f.summary() for f in spi]
    pairs = []
    sm = difflib.SequenceMatcher(None, ls, ss, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            pairs.extend(zip(range(i1, i2), range(j1, j2)))
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            # Same count, different summaries: compare them field by field.
            pairs.extend(zip(range(i1, i2), range(j1, j2)))
            continue
        for i in range(i1, i2):
            rep.add("Linux frame %d" % lin[i].index, "frame", ls[i], "nothing",
                    "spindle did not send it")
        for j in range(j1, j2):
            rep.add("spindle frame %d" % j, "frame", "nothing", ss[j],
                    "spindle sent a frame Linux did not")

    for i, j in pairs:
        L, S = lin[i], spi[j]
        where = "answer %d (Linux frame %d, spindle frame %d: %s)" % (j, L.index, j, ls[i])
        if S.eth is None:
            rep.add(where, "frame", ls[i], "runt of %d bytes" % len(S.raw))
            continue
        compare_ether(rep, where, L, S)
        if L.kind() != S.kind():
            rep.add(where, "frame kind", L.kind(), S.kind())
            continue
        if L.kind() == "arp":
            compare_arp(rep, where, L, S)
        elif L.kind() == "ip":
            compare_ip_header(rep, where, L, S)
        else:
            cmp_bytes(rep, where, "frame", L.raw, S.raw)

    # Datagram level: identifications, reassembled transport contents.
    ldg, lwhere = datagrams(lin)
    sdg, swhere = datagrams(spi)
    s_of_l = dict(pairs)
    done = set()
    for i, j in pairs:
        if lwhere[i] is None or swhere[j] is None or lwhere[i] in done:
            continue
        done.add(lwhere[i])
        ld = ldg[lwhere[i]]
        sd = sdg[swhere[j]]
        where = "datagram of %s" % ls[ld.pos[0]]
        # The same frames must make up the datagram on both sides.
        mapped = [s_of_l.get(p) for p in ld.pos]
        if mapped != sd.pos:
            rep.add(where, "fragments (frame positions)",
                    ld.pos, sd.pos, "fragmentation differs or identifications are "
                    "not shared by one datagram's fragments (RFC 791 3.2)")
            continue
        lp, sp = ld.payload(), sd.payload()
        if lp is None:
            rep.add(where, "Linux's fragments", "complete", "incomplete",
                    "cannot compare (capture problem)")
            continue
        if sp is None:
            rep.add(where, "reassembly", "complete", "incomplete or inconsistent")
            continue
        lh = lin[ld.pos[0]].ip_bytes()
        sh = spi[sd.pos[0]].ip_bytes()
        proto = lh[9]
        if proto != sh[9]:
            continue  # reported with the header
        if proto == 1:
            compare_icmp(rep, where, lp, sp)
        elif proto == 17:
            compare_udp(rep, where, lh, sh, lp, sp)
        else:
            cmp_bytes(rep, where, "IPv4 payload", lp, sp)

    # Fragmented datagrams sent one after another must not share an
    # identification (RFC 791 3.2: the receiver keys reassembly on it).
    last = {}
    for k, d in enumerate(sdg):
        if len(d.pos) > 1:
            prev = last.get(d.key)
            if prev is not None:
                rep.add("datagram of %s" % ss[d.pos[0]], "IPv4 identification",
                        "unique", "0x%04x, as the datagram at spindle frame %d" %
                        (d.key[3], sdg[prev].pos[0]))
            last[d.key] = k
    return rep


def compare_timing(rep, lin_all, lin_server, spi, inp):
    """Each answer must follow the same input frame on both sides.

    Linux: the number of client frames captured before the answer. spindle:
    the number of input frames whose timestamp is not after the answer's
    (the pcap-file driver stamps a sent frame with the time of the input
    frame being handled).
    """
    server_idx = {f.index for f in lin_server}
    client_ts = [f.ts_ns for f in lin_all if f.index not in server_idx]
    in_ts = [f.ts_ns for f in inp]
    if client_ts != in_ts:
        rep.add("input", "client frames", "%d frames" % len(client_ts),
                "%d frames" % len(in_ts), "the input is not the capture's client frames")
        return
    for j, (L, S) in enumerate(zip(lin_server, spi)):
        lc = sum(1 for t in client_ts if t <= L.ts_ns)
        sc = sum(1 for t in in_ts if t <= S.ts_ns)
        if lc != sc:
            rep.add("answer %d (%s)" % (j, S.summary()), "sent after input frame",
                    lc - 1, sc - 1, "answered at the wrong time")


# ---- commands ------------------------------------------------------------------

def cmd_split(a):
    mac = a.src_mac.lower()
    rd = RawPcapReader(a.capture)
    linktype = rd.linktype
    w = RawPcapWriter(a.out, linktype=linktype, snaplen=65535,
                      nano=getattr(rd, "nano", False), sync=False)
    w.write_header(None)
    n = 0
    for raw, meta in rd:
        if len(raw) >= 12 and ":".join("%02x" % b for b in raw[6:12]) == mac:
            w.write_packet(raw, sec=meta.sec, usec=meta.usec,
                           caplen=meta.caplen, wirelen=meta.wirelen)
            n += 1
    w.close()
    rd.close()
    print("split: %d frames from %s into %s" % (n, mac, a.out))
    return 0


def cmd_compare(a):
    mac = a.server_mac.lower()
    lin_all = read(a.linux)
    lin = [f for f in lin_all if f.src == mac]
    spi = read(a.sent)
    print("Linux sent %d frames, spindle %d" % (len(lin), len(spi)))
    rep = compare_sequences(lin, spi, a.strict_df)
    if a.input and not a.no_timing and rep.ok():
        compare_timing(rep, lin_all, lin, spi, read(a.input))
    for what, n in rep.accepted.items():
        print("accepted (%d frames): %s" % (n, what))
    if rep.ok():
        print("ok: spindle's %d frames match Linux's field by field" % len(spi))
        return 0
    print("DIFFERENCES (%d):" % len(rep.problems))
    rep.print()
    print("frames, Linux | spindle:")
    for k in range(max(len(lin), len(spi))):
        l = lin[k].summary() if k < len(lin) else ""
        s = spi[k].summary() if k < len(spi) else ""
        print("  %3d %-60s | %s" % (k, l, s))
    return 1


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("capture")
    s.add_argument("out")
    s.add_argument("--src-mac", required=True)
    c = sub.add_parser("compare")
    c.add_argument("linux")
    c.add_argument("sent")
    c.add_argument("--server-mac", default=SERVER_MAC)
    c.add_argument("--input")
    c.add_argument("--no-timing", action="store_true")
    c.add_argument("--strict-df", action="store_true",
                   help="require Linux's DF on UDP too (PMTUD, RFC 1191)")
    a = p.parse_args(argv[1:])
    return cmd_split(a) if a.cmd == "split" else cmd_compare(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
