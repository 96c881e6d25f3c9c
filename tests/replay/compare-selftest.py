#!/usr/bin/python3
"""Self-test of compare.py: it must accept Linux's own answers and reject
each kind of difference it claims to catch (a comparer that cannot fail
proves nothing).

Usage: compare-selftest.py [TRACES_DIR]   (default: ../traces)
Exit 0 when every case behaves, 1 otherwise.
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402
from scapy.utils import checksum  # noqa: E402

TRACES = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "traces")
MAC = compare.SERVER_MAC


def load(name):
    allf = compare.read(os.path.join(TRACES, name + ".pcap"))
    srv = [f for f in allf if f.src == MAC]
    cli = [f for f in allf if f.src != MAC]
    return allf, srv, cli


def clone(f, raw=None, ts_ns=None):
    return compare.Frame(f.raw if raw is None else raw,
                         f.ts_ns if ts_ns is None else ts_ns, f.index)


def ip_fix(raw):
    """Recompute the IPv4 header checksum of a frame."""
    b = bytearray(raw)
    hl = (b[14] & 15) * 4
    b[24:26] = b"\0\0"
    b[24:26] = struct.pack("!H", checksum(bytes(b[14:14 + hl])))
    return bytes(b)


def icmp_fix(raw):
    b = bytearray(raw)
    hl = (b[14] & 15) * 4
    tl = struct.unpack("!H", b[16:18])[0]
    s = 14 + hl
    b[s + 2:s + 4] = b"\0\0"
    b[s + 2:s + 4] = struct.pack("!H", checksum(bytes(b[s:14 + tl])))
    return bytes(b)


def setb(raw, off, val):
    b = bytearray(raw)
    b[off:off + len(val)] = val
    return bytes(b)


def first(frames, pred):
    for k, f in enumerate(frames):
        if pred(f):
            return k
    raise LookupError("no such frame")


def is_ip(f, proto=None, frag=None):
    if f.kind() != "ip":
        return False
    h = f.ip_bytes()
    fragd = bool(struct.unpack("!H", h[6:8])[0] & 0x3FFF)
    return (proto is None or h[9] == proto) and (frag is None or frag == fragd)


FAILS = []


def case(name, lin, spi, expect, *, inp=None, allf=None, must_say=None):
    """expect True: no problem; False: problems, one of them naming must_say."""
    rep = compare.compare_sequences(lin, spi)
    if inp is not None and rep.ok():
        compare.compare_timing(rep, allf, lin, spi, inp)
    ok = rep.ok()
    said = " | ".join("%s: %s" % (p[0], p[1]) for p in rep.problems)
    good = ok == expect and (must_say is None or must_say in said)
    print("%s %-50s -> %s" % ("ok  " if good else "FAIL", name,
                              "match" if ok else said[:150]))
    if not good:
        FAILS.append(name)


def main():
    # Identity on every trace, with and without 60-byte padding.
    for t in ("arp", "ping", "udp-echo", "udp-closed", "sockperf", "malformed-linux"):
        allf, srv, cli = load(t)
        case(t + ": Linux against itself", srv, srv, True, inp=cli, allf=allf)
        padded = [clone(f, f.raw + b"\0" * max(0, 60 - len(f.raw))) for f in srv]
        case(t + ": padded to 60 bytes", srv, padded, True)

    allf, srv, cli = load("ping")
    # An unfragmented echo reply with data (ping -s 56, not -s 0).
    k = first(srv, lambda f: is_ip(f, 1, False) and len(f.raw) > 64)
    m = list(srv)
    m[k] = clone(srv[k], ip_fix(setb(srv[k].raw, 22, b"\x3f")))
    case("ping: TTL 63", srv, m, False, must_say="IPv4 TTL")
    m = list(srv)
    m[k] = clone(srv[k], setb(srv[k].raw, 24, b"\x00\x01"))
    case("ping: bad IP header checksum", srv, m, False, must_say="IPv4 header checksum")
    m = list(srv)
    m[k] = clone(srv[k], ip_fix(setb(srv[k].raw, 20, bytes([srv[k].raw[20] | 0x40]))))
    case("ping: DF set on an echo reply", srv, m, False, must_say="IPv4 flag DF")
    m = list(srv)
    m[k] = clone(srv[k], ip_fix(setb(srv[k].raw, 15, b"\x10")))
    case("ping: TOS 0x10", srv, m, False, must_say="IPv4 TOS")
    m = list(srv)
    m[k] = clone(srv[k], icmp_fix(setb(srv[k].raw, 14 + 20 + 8 + 3, b"\xee")))
    case("ping: echo data byte changed", srv, m, False, must_say="ICMP echo data")
    m = list(srv)
    m[k] = clone(srv[k], setb(srv[k].raw, 14 + 20 + 2, b"\x12\x34"))
    case("ping: bad ICMP checksum", srv, m, False, must_say="ICMP checksum")
    m = list(srv)
    m[k] = clone(srv[k], srv[k].raw + b"\0" * 10)
    case("ping: 10 bytes of trailer on a long frame", srv, m, False, must_say="frame length")
    m = srv[:k] + srv[k + 1:]
    case("ping: an answer missing", srv, m, False, must_say="frame")
    m = srv[:k] + [srv[k], srv[k]] + srv[k + 1:]
    case("ping: an answer sent twice", srv, m, False, must_say="frame")
    m = list(srv)
    m[k], m[k + 1] = m[k + 1], m[k]
    case("ping: two answers swapped", srv, m, False)
    # Fragments of one datagram with different identifications.
    k = first(srv, lambda f: is_ip(f, 1, True))
    m = list(srv)
    m[k + 1] = clone(srv[k + 1], ip_fix(setb(srv[k + 1].raw, 18, b"\xab\xcd")))
    case("ping: fragments with two identifications", srv, m, False,
         must_say="fragments")
    # The fragments in another order.
    m = list(srv)
    m[k], m[k + 1] = m[k + 1], m[k]
    case("ping: fragments out of order", srv, m, False)
    # Identification changed consistently on every fragment: accepted.
    m = list(srv)
    for j in range(k, k + 3):
        m[j] = clone(srv[j], ip_fix(setb(srv[j].raw, 18, b"\x12\x34")))
    case("ping: another identification on all fragments", srv, m, True)
    # Timing: an answer stamped after the next request.
    k = first(srv, lambda f: is_ip(f, 1, False))
    later = [f.ts_ns for f in cli if f.ts_ns > srv[k].ts_ns][0]
    m = list(srv)
    m[k] = clone(srv[k], ts_ns=later + 1)
    case("ping: an answer after the next request", srv, m, False, inp=cli, allf=allf,
         must_say="sent after input frame")

    allf, srv, cli = load("arp")
    m = list(srv)
    m[0] = clone(srv[0], setb(srv[0].raw, 14 + 18, b"\xff" * 6))
    case("arp: target hardware address wrong", srv, m, False, must_say="ARP tha")
    m = list(srv)
    m[0] = clone(srv[0], setb(srv[0].raw, 0, b"\xff" * 6))
    case("arp: reply broadcast", srv, m, False, must_say="Ethernet destination")
    m = list(srv)
    m[0] = clone(srv[0], srv[0].raw + b"\0" * 17 + b"\x01")
    case("arp: padding not zero", srv, m, False, must_say="padding")

    allf, srv, cli = load("udp-echo")
    k = first(srv, lambda f: is_ip(f, 17, False))
    m = list(srv)
    m[k] = clone(srv[k], setb(srv[k].raw, 14 + 20 + 6, b"\0\0"))
    case("udp-echo: UDP checksum 0", srv, m, False, must_say="UDP checksum")
    m = list(srv)
    m[k] = clone(srv[k], setb(srv[k].raw, 14 + 20 + 6, b"\x12\x34"))
    case("udp-echo: UDP checksum wrong", srv, m, False, must_say="UDP checksum")
    m = list(srv)
    m[k] = clone(srv[k], ip_fix(setb(srv[k].raw, 20, bytes([srv[k].raw[20] & ~0x40]))))
    case("udp-echo: DF clear on UDP (accepted)", srv, m, True)
    rep = compare.compare_sequences(srv, m, strict_df=True)
    good = not rep.ok()
    print("%s %-50s -> %s" % ("ok  " if good else "FAIL", "udp-echo: DF clear, --strict-df",
                              "match" if rep.ok() else rep.problems[0][1]))
    if not good:
        FAILS.append("strict-df")

    allf, srv, cli = load("udp-closed")
    k = first(srv, lambda f: is_ip(f, 1))
    m = list(srv)
    raw = srv[k].raw
    tl = struct.unpack("!H", raw[16:18])[0]
    short = setb(raw[:14 + tl - 4], 16, struct.pack("!H", tl - 4))
    m[k] = clone(srv[k], icmp_fix(ip_fix(short)))
    case("udp-closed: quote 4 bytes shorter", srv, m, False, must_say="ICMP quoted datagram")
    m = list(srv)
    m[k] = clone(srv[k], icmp_fix(setb(raw, 14 + 20 + 8 + 8, b"\x3f")))
    case("udp-closed: quoted TTL changed", srv, m, False, must_say="quoted IPv4 TTL")

    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
