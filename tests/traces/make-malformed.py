#!/usr/bin/python3
"""Write tests/traces/malformed.pcap and malformed.expect (deterministic).

Client 02:00:00:00:00:01 / 10.77.0.1  ->  appliance 02:00:00:00:00:02 / 10.77.0.2.

The trace starts with a valid ARP request from the client, then mixes
malformed frames (which must be dropped silently) with valid ICMP echo
requests (id 0x4242, seq 1..N) and valid UDP datagrams to port 7 (source port
40007), which must be answered. malformed.expect lists the answers, one line
per answered datagram, in order.

Frames that must NOT be answered carry markers, so a stray answer says which
frame caused it: ICMP echo id 0xbad0 with seq = the frame number, UDP source
port 41000 + frame number, IP id 0xb000 + frame number.

Usage (Debian's python3, which has scapy):
  make-malformed.py [OUTDIR]          write OUTDIR/malformed.pcap and .expect
                                      (default: this script's folder)
  make-malformed.py --answers PCAP    print, in the .expect format, the answers
                                      found in PCAP (frames sent by the appliance)
  make-malformed.py --check PCAP [EXPECT]
                                      compare those answers with EXPECT (default:
                                      malformed.expect next to this script);
                                      exit 1 on a difference
  make-malformed.py --replay IFACE    send malformed.pcap's frames out of IFACE
                                      (used by tools/lab/capture-traces.sh)
"""

import os
import struct
import sys
import time

from scapy.all import (ARP, ICMP, IP, UDP, Ether, RawPcapWriter, Raw,
                       rdpcap, sendp)
from scapy.utils import checksum

CLI_MAC = "02:00:00:00:00:01"
APP_MAC = "02:00:00:00:00:02"
OTHER_MAC = "02:00:00:00:00:99"
BCAST_MAC = "ff:ff:ff:ff:ff:ff"
CLI_IP = "10.77.0.1"
APP_IP = "10.77.0.2"

ECHO_ID = 0x4242
BAD_ID = 0xBAD0
UDP_SPORT = 40007
T0 = 1704067200  # 2024-01-01T00:00:00Z; frame k is at T0 + k * 10 ms

HERE = os.path.dirname(os.path.abspath(__file__))


def pattern(n, seed=0):
    """Deterministic payload bytes."""
    return bytes((seed + 7 * i + 0x20) & 0xFF for i in range(n))


class Trace:
    def __init__(self):
        self.frames = []   # raw bytes
        self.expect = []   # answer lines
        self.valid_seq = 0

    @property
    def n(self):
        """Number the next frame will get (0-based)."""
        return len(self.frames)

    def add(self, frame, *answers):
        self.frames.append(bytes(frame))
        self.expect.extend(answers)

    # ---- builders ---------------------------------------------------------
    def eth(self, dst=APP_MAC, src=CLI_MAC):
        return Ether(dst=dst, src=src)

    def ip(self, **kw):
        kw.setdefault("src", CLI_IP)
        kw.setdefault("dst", APP_IP)
        kw.setdefault("id", 0xB000 + self.n)
        kw.setdefault("ttl", 64)
        return IP(**kw)

    def bad_echo(self, dlen=16, **ipkw):
        """An echo request that is fine apart from what the caller changes."""
        return (self.eth() / self.ip(**ipkw) /
                ICMP(type=8, code=0, id=BAD_ID, seq=self.n) /
                Raw(pattern(dlen, self.n)))

    def bad_udp(self, dlen=16, **ipkw):
        return (self.eth() / self.ip(**ipkw) /
                UDP(sport=41000 + self.n, dport=7) /
                Raw(pattern(dlen, self.n)))

    def valid_echo(self, dlen=56, note=""):
        self.valid_seq += 1
        seq = self.valid_seq
        p = (self.eth() / self.ip(flags="DF", id=0x4200 + seq) /
             ICMP(type=8, code=0, id=ECHO_ID, seq=seq) /
             Raw(pattern(dlen, seq)))
        self.add(p, f"icmp-echo-reply id=0x{ECHO_ID:04x} seq={seq} len={dlen}")

    def valid_udp(self, dlen):
        p = (self.eth() / self.ip(flags="DF", id=0x7700 + self.n) /
             UDP(sport=UDP_SPORT, dport=7) / Raw(pattern(dlen, 0x55)))
        self.add(p, f"udp 7->{UDP_SPORT} len={dlen}")


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ipa(s):
    return bytes(int(x) for x in s.split("."))


def arp_raw(hln=6, ptype=0x0800, sha=None, tha=None):
    """An ARP request from the client for APP_IP, built byte by byte."""
    sha = mac(CLI_MAC) if sha is None else sha
    tha = b"\0" * 6 if tha is None else tha
    body = (struct.pack("!HHBBH", 1, ptype, hln, 4, 1) +
            sha + ipa(CLI_IP) + tha + ipa(APP_IP))
    return mac(BCAST_MAC) + mac(CLI_MAC) + b"\x08\x06" + body


def ip_csum_fix(b):
    """Recompute the IPv4 header checksum of Ethernet frame bytes b."""
    b = bytearray(b)
    ihl = (b[14] & 0x0F) * 4
    b[24:26] = b"\0\0"
    b[24:26] = struct.pack("!H", checksum(bytes(b[14:14 + ihl])))
    return bytes(b)


def build():
    t = Trace()

    # VALID: ARP request from the client, so the appliance learns it.
    t.add(Ether(dst=BCAST_MAC, src=CLI_MAC) /
          ARP(op=1, hwsrc=CLI_MAC, psrc=CLI_IP, hwdst="00:00:00:00:00:00",
              pdst=APP_IP),
          f"arp-reply {APP_IP} is-at {APP_MAC} to {CLI_IP} {CLI_MAC}")

    # VALID: echo request seq 1.
    t.valid_echo(56)

    # BAD: IPv4 header checksum wrong (off by one).
    b = bytearray(bytes(t.bad_echo()))
    b[24:26] = struct.pack("!H", (struct.unpack("!H", b[24:26])[0] + 1) & 0xFFFF)
    t.add(b)

    # BAD: ICMP checksum wrong (off by one); IP header is fine.
    b = bytearray(bytes(t.bad_echo()))
    b[36:38] = struct.pack("!H", (struct.unpack("!H", b[36:38])[0] + 1) & 0xFFFF)
    t.add(b)

    # VALID: UDP datagram to port 7, 32 bytes.
    t.valid_udp(32)

    # BAD: UDP checksum wrong (off by one, never 0); IP header is fine.
    b = bytearray(bytes(t.bad_udp()))
    c = struct.unpack("!H", b[40:42])[0]
    b[40:42] = struct.pack("!H", c + 1 if c not in (0, 0xFFFF) else 1)
    t.add(b)

    # VALID (edge): UDP checksum 0 means "no checksum" (RFC 768): must be answered.
    p = (t.eth() / t.ip(id=0x7700 + t.n) / UDP(sport=UDP_SPORT, dport=7, chksum=0) /
         Raw(pattern(20, 0x55)))
    t.add(p, f"udp 7->{UDP_SPORT} len=20")

    # BAD: IP total length (100) larger than the frame's IP bytes (44).
    b = bytearray(bytes(t.bad_echo()))
    b[16:18] = struct.pack("!H", 100)
    t.add(ip_csum_fix(b))

    # BAD: IP total length (19) smaller than the 20-byte header.
    b = bytearray(bytes(t.bad_echo()))
    b[16:18] = struct.pack("!H", 19)
    t.add(ip_csum_fix(b))

    # BAD: IHL 4 (< 5), checksum computed over the 20 bytes anyway.
    b = bytearray(bytes(t.bad_echo()))
    b[14] = 0x44
    b[24:26] = b"\0\0"
    b[24:26] = struct.pack("!H", checksum(bytes(b[14:34])))
    t.add(b)

    # BAD: IHL 15 (60-byte header) but the datagram is only 44 bytes long.
    b = bytearray(bytes(t.bad_echo()))
    b[14] = 0x4F
    t.add(ip_csum_fix(b))

    # BAD: IP version 6 in a frame with the IPv4 ethertype (0x0800).
    b = bytearray(bytes(t.bad_echo()))
    b[14] = 0x65
    t.add(ip_csum_fix(b))

    # VALID: echo request seq 2.
    t.valid_echo(100)

    # VALID (edge): echo request with 0 data bytes in a frame padded to 60
    # bytes, as real NICs do: IP total length 28 < 46 bytes after Ethernet.
    t.valid_seq += 1
    seq = t.valid_seq
    p = (t.eth() / t.ip(flags="DF", id=0x4200 + seq) /
         ICMP(type=8, id=ECHO_ID, seq=seq))
    t.add(bytes(p) + b"\0" * (60 - len(p)),
          f"icmp-echo-reply id=0x{ECHO_ID:04x} seq={seq} len=0")

    # BAD: truncated: 10 bytes, shorter than an Ethernet header.
    t.add(bytes(t.bad_echo())[:10])

    # BAD: truncated: Ethernet header + 12 bytes, shorter than an IP header.
    t.add(bytes(t.bad_echo())[:14 + 12])

    # BAD: truncated: IP datagram of 24 bytes (total length says 24, header
    # checksum right) holding only 4 bytes of the 8-byte UDP header.
    b = bytearray(bytes(t.bad_udp())[:14 + 24])
    b[16:18] = struct.pack("!H", 24)
    t.add(ip_csum_fix(b))

    # BAD: UDP length 100 bigger than the IP payload (8 + 16 = 24 bytes).
    t.add(t.eth() / t.ip() / UDP(sport=41000 + t.n, dport=7, len=100) /
          Raw(pattern(16, t.n)))

    # BAD: UDP length 4, smaller than the 8-byte UDP header.
    t.add(t.eth() / t.ip() / UDP(sport=41000 + t.n, dport=7, len=4) /
          Raw(pattern(16, t.n)))

    # VALID (edge): UDP length 18 (10 data bytes) smaller than the IP payload
    # (24 bytes): the 6 trailing bytes are not part of the datagram. Linux
    # trims to the UDP length, checks the checksum over 18 bytes and answers
    # with 10 bytes.
    u = UDP(sport=UDP_SPORT, dport=7) / Raw(pattern(10, 0x55))
    u = UDP(bytes(IP(src=CLI_IP, dst=APP_IP) / u)[20:])  # checksum over 18 bytes
    p = t.eth() / t.ip(id=0x7700 + t.n, proto=17) / Raw(bytes(u) + b"JUNK!!")
    t.add(p, f"udp 7->{UDP_SPORT} len=10")

    # VALID: echo request seq 4.
    t.valid_echo(56)

    # Overlapping fragments, variant A (a): first fragment of an echo request,
    # bytes 0..23 of the ICMP message, MF set.
    icmp = bytes(ICMP(type=8, id=BAD_ID, seq=t.n) / Raw(pattern(32, t.n)))
    fid = 0xB000 + t.n
    t.add(t.eth() / t.ip(id=fid, flags="MF", frag=0, proto=1) / Raw(icmp[:24]))
    # BAD: overlapping fragments, variant A (b): last fragment at offset 16
    # overlaps bytes 16..23 of the first one with different data: the whole
    # datagram must be discarded (Linux: RFC 5722-style, drops the queue).
    t.add(t.eth() / t.ip(id=fid, frag=2, proto=1) /
          Raw(bytes(b ^ 0xFF for b in icmp[16:24]) + icmp[24:]))

    # Overlapping fragments, variant B (a): first fragment, bytes 0..47, MF set.
    icmp = bytes(ICMP(type=8, id=BAD_ID, seq=t.n) / Raw(pattern(40, t.n)))
    fid = 0xB000 + t.n
    t.add(t.eth() / t.ip(id=fid, flags="MF", frag=0, proto=1) / Raw(icmp[:48]))
    # BAD: overlapping fragments, variant B (b): a "last" fragment at offset 8
    # lying wholly inside the first (teardrop): the datagram would end at 16
    # although 48 bytes already arrived: the whole datagram must be discarded.
    t.add(t.eth() / t.ip(id=fid, frag=1, proto=1) / Raw(icmp[8:16]))

    # VALID: echo request seq 5 with 2000 data bytes in two fragments sent
    # last first; must be reassembled and answered (the reply is fragmented).
    t.valid_seq += 1
    seq = t.valid_seq
    icmp = bytes(ICMP(type=8, id=ECHO_ID, seq=seq) / Raw(pattern(2000, seq)))
    fid = 0x4200 + seq
    t.add(t.eth() / t.ip(id=fid, frag=1480 // 8, proto=1) / Raw(icmp[1480:]))
    t.add(t.eth() / t.ip(id=fid, flags="MF", frag=0, proto=1) / Raw(icmp[:1480]),
          f"icmp-echo-reply id=0x{ECHO_ID:04x} seq={seq} len=2000")

    # BAD: a lone last fragment at offset 65528 with 16 bytes: offset + length
    # = 65544 > 65535 (ping of death). Linux keeps it in its reassembly queue
    # until the timeout and then drops it silently (no first fragment).
    t.add(t.eth() / t.ip(frag=65528 // 8, proto=1) / Raw(pattern(16, t.n)))

    # BAD: ARP request with hardware address length 7 (Ethernet is 6); the
    # addresses are laid out with 7-byte hardware addresses (30-byte body).
    t.add(arp_raw(hln=7, sha=mac(CLI_MAC) + b"\0", tha=b"\0" * 7))

    # BAD: ARP request with protocol type 0x86dd instead of IPv4 (0x0800);
    # protocol length 4 and IPv4 addresses otherwise.
    t.add(arp_raw(ptype=0x86DD))

    # BAD: truncated ARP request: 20 of its 28 bytes (target addresses missing).
    t.add(bytes(Ether(dst=BCAST_MAC, src=CLI_MAC) /
                ARP(op=1, hwsrc=CLI_MAC, psrc=CLI_IP,
                    hwdst="00:00:00:00:00:00", pdst=APP_IP))[:14 + 20])

    # VALID: UDP datagram to port 7, 1400 bytes.
    t.valid_udp(1400)

    # BAD: IPv4 source is the limited broadcast 255.255.255.255 (martian).
    t.add(t.bad_echo(src="255.255.255.255"))

    # BAD: IPv4 source is multicast 224.0.0.1 (martian).
    t.add(t.bad_echo(src="224.0.0.1"))

    # BAD: IPv4 source is 10.77.0.255, the subnet's directed broadcast (martian).
    t.add(t.bad_echo(src="10.77.0.255"))

    # VALID: echo request seq 6.
    t.valid_echo(56)

    # VALID (the answer is an error): IP protocol 253 (experimental), which the
    # appliance does not speak: answer ICMP protocol unreachable (type 3 code 2).
    t.add(t.eth() / t.ip(proto=253) / Raw(pattern(16, t.n)),
          "icmp-unreach code=2 for-proto=253")

    # BAD (not ours): a valid echo request, but for another MAC address.
    p = t.bad_echo()
    p[Ether].dst = OTHER_MAC
    t.add(p)

    # BAD (not ours): right MAC, but IP destination 10.77.0.3 is not ours and
    # the appliance is not configured to route: drop.
    t.add(t.bad_echo(dst="10.77.0.3"))

    # IGNORED: echo request to the subnet's directed broadcast 10.77.0.255 with
    # a broadcast MAC (smurf): RFC 1122 lets hosts ignore it; Linux does
    # (net.ipv4.icmp_echo_ignore_broadcasts=1).
    p = t.bad_echo(dst="10.77.0.255")
    p[Ether].dst = BCAST_MAC
    t.add(p)

    # VALID: UDP datagram to port 7, 1 byte.
    t.valid_udp(1)

    # VALID: echo request seq 7, 1472 data bytes (a full 1500-byte datagram).
    t.valid_echo(1472)

    return t


# ---- answers: parse a capture, print answer lines ----------------------------

def answers(pcap):
    """Answer lines for the frames sent by the appliance in pcap."""
    out = []
    frags = {}
    for pkt in rdpcap(pcap):
        if Ether not in pkt or pkt[Ether].src.lower() != APP_MAC:
            continue
        if ARP in pkt:
            a = pkt[ARP]
            if a.op == 2:
                out.append(f"arp-reply {a.psrc} is-at {a.hwsrc} to {a.pdst} {a.hwdst}")
            # ARP requests the appliance originates are not answers: ignored.
            continue
        if IP not in pkt:
            out.append(f"unknown ethertype=0x{pkt[Ether].type:04x}")
            continue
        ip = pkt[IP]
        raw = bytes(ip)[:ip.len]
        hl = ip.ihl * 4
        off = (ip.frag) * 8
        mf = bool(ip.flags & 1)
        if off or mf:
            key = (ip.src, ip.dst, ip.id, ip.proto)
            st = frags.setdefault(key, {"parts": {}, "end": None, "hdr": None})
            st["parts"][off] = raw[hl:]
            if off == 0:
                st["hdr"] = raw[:hl]
            if not mf:
                st["end"] = off + len(raw) - hl
            if st["hdr"] is None or st["end"] is None:
                continue
            data = bytearray(st["end"])
            have = 0
            for o in sorted(st["parts"]):
                if o > have:
                    break
                d = st["parts"][o]
                data[o:o + len(d)] = d
                have = max(have, o + len(d))
            if have < st["end"]:
                continue
            del frags[key]
            hdr = bytearray(st["hdr"])
            hdr[2:4] = struct.pack("!H", len(hdr) + len(data))
            hdr[6:8] = b"\0\0"
            ip = IP(bytes(hdr) + bytes(data))
        out.append(describe(ip))
    for key in frags:
        out.append(f"incomplete-fragments id=0x{key[2]:04x} proto={key[3]}")
    return out


def describe(ip):
    if ip.proto == 1:
        ic = ip[ICMP]
        if ic.type == 0:
            dlen = ip.len - ip.ihl * 4 - 8
            return f"icmp-echo-reply id=0x{ic.id:04x} seq={ic.seq} len={dlen}"
        if ic.type == 3:
            q = bytes(ic.payload)
            proto = q[9] if len(q) >= 10 else -1
            extra = ""
            if proto == 17 and len(q) >= (q[0] & 15) * 4 + 4:
                qh = (q[0] & 15) * 4
                extra = " for-port=%d" % struct.unpack("!H", q[qh + 2:qh + 4])[0]
            return f"icmp-unreach code={ic.code} for-proto={proto}{extra}"
        return f"icmp type={ic.type} code={ic.code}"
    if ip.proto == 17:
        u = ip[UDP]
        return f"udp {u.sport}->{u.dport} len={u.len - 8}"
    return f"ip proto={ip.proto} {ip.src}->{ip.dst}"


def read_expect(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


EXPECT_HEADER = """\
# Answers the appliance must send to malformed.pcap, in this order, and nothing
# else. Generated by make-malformed.py; checked against Linux 6.x with
# tools/lab/capture-traces.sh (trace malformed-linux.pcap).
# One line per answered IP datagram (a fragmented answer is one line, after
# reassembly); ARP requests the appliance itself sends are not listed and are
# ignored by the comparison.
#   arp-reply SPA is-at SHA to TPA THA
#   icmp-echo-reply id=ID seq=SEQ len=ICMP-DATA-BYTES
#   udp SPORT->DPORT len=UDP-DATA-BYTES
#   icmp-unreach code=CODE for-proto=PROTOCOL-OF-THE-QUOTED-DATAGRAM
"""


def main(argv):
    if len(argv) >= 2 and argv[1] == "--answers":
        if len(argv) != 3:
            sys.exit(__doc__)
        print("\n".join(answers(argv[2])))
        return 0
    if len(argv) >= 2 and argv[1] == "--check":
        if len(argv) not in (3, 4):
            sys.exit(__doc__)
        exp = read_expect(argv[3] if len(argv) == 4 else
                          os.path.join(HERE, "malformed.expect"))
        got = answers(argv[2])
        if got == exp:
            print(f"ok: {len(got)} answers as expected")
            return 0
        import difflib
        print("answers differ from the expectation (-expected +got):")
        for l in difflib.unified_diff(exp, got, "expected", "got", lineterm="", n=1):
            print(l)
        return 1
    if len(argv) >= 2 and argv[1] == "--replay":
        if len(argv) != 3:
            sys.exit(__doc__)
        frames = rdpcap(os.path.join(HERE, "malformed.pcap"))
        for i, f in enumerate(frames):
            if len(f) < 14:
                print(f"frame {i}: {len(f)} bytes, too short to send; skipped",
                      file=sys.stderr)
                continue
            sendp(f, iface=argv[2], verbose=False)
            time.sleep(0.01)
        return 0
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        sys.exit(__doc__)
    outdir = argv[1] if len(argv) == 2 else HERE
    t = build()
    w = RawPcapWriter(os.path.join(outdir, "malformed.pcap"), linktype=1,
                      snaplen=65535)
    w.write_header(None)
    for i, fr in enumerate(t.frames):
        usec = i * 10000
        w.write_packet(fr, sec=T0 + usec // 1000000, usec=usec % 1000000)
    w.close()
    with open(os.path.join(outdir, "malformed.expect"), "w") as f:
        f.write(EXPECT_HEADER)
        for l in t.expect:
            f.write(l + "\n")
    print(f"wrote {len(t.frames)} frames, {len(t.expect)} expected answers to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
