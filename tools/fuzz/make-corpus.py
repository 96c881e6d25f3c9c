#!/usr/bin/python3
"""tools/fuzz/make-corpus.py — writes the seed corpora kept in the tree,
tests/fuzz/corpus/NAME/, for the fuzz targets that do not seed from the
captured traces. Each seed is a valid or nearly valid input in the target's
record format (see each tests/fuzz/fuzz_NAME.c), small, named by what it
holds. The BPF programs are compiled by tcpdump (libpcap) from filter
expressions. Run it again after changing a target's input format.

Usage: tools/fuzz/make-corpus.py [OUTDIR]   (default tests/fuzz/corpus)
"""
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests/fuzz/corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip(a):
    return bytes(int(x) for x in a.split("."))


def ipv4(src, dst, proto, payload, ident=1, frag=0, ttl=64, opts=b""):
    hl = 20 + len(opts)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, hl + len(payload), ident, frag, ttl,
                    proto, 0, ip(src), ip(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ph = ip(src) + ip(dst) + struct.pack("!BBH", 0, 17, len(u))
    c = csum(ph + u) or 0xffff
    return u[:6] + struct.pack("!H", c) + u[8:]


def eth(dst, src, etype, payload):
    return bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + \
        struct.pack("!H", etype) + payload


def arp(op, sha, spa, tpa):
    return eth("ff:ff:ff:ff:ff:ff", sha, 0x0806,
               struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + bytes.fromhex(sha.replace(":", "")) +
               ip(spa) + b"\0" * 6 + ip(tpa))


# ---- config: configuration text --------------------------------------------------
put("config", "server", "interface eth0 driver=loop mac=02:00:00:00:00:02\n"
    "address eth0 10.77.0.2/24\nroute 0.0.0.0/0 via 10.77.0.1 dev eth0\n"
    "extension udp-echo port=7\nextension udp-count\nextension sockperf port=11111\nmode idle\n")
put("config", "router", "interface eth0 driver=loop\ninterface eth1 driver=loop peer=eth0\n"
    "address eth0 10.0.0.1/24\naddress eth1 10.1.0.1/24\nroute 10.9.0.0/16 via 10.1.0.9\n"
    "extension router grant=ipv4-forward:0-1 zerocopy=no\n")
put("config", "guards", "interface eth0 driver=loop\naddress eth0 10.0.0.1/24\n"
    "extension udp-count guard=\"udp dst port 5000 and src host 10.0.0.2\"\n"
    "extension udp-echo port=7 shared=yes bcast=yes mode=bounded:500\n"
    "extension udp-echo port=7 shared=yes mode=async\n")
put("config", "errors", "interface eth0 driver=loop mtu=70000\naddress eth0 10.0.0.1/33\n"
    "extension udp-echo port=99999 grant=udp:1-2,bogus\n")
put("config", "late-error", "interface a driver=loop\ninterface b driver=loop peer=a\n"
    "interface c driver=loop peer=b\naddress a 192.168.1.1/24\n")
put("config", "aal5", "interface eth0 driver=loop\nextension aal5-echo vc=0/32\n")

# ---- console: records [tag][len][bytes] -------------------------------------------
def rec(tag, b):
    b = b if isinstance(b, bytes) else b.encode()
    return bytes([tag, len(b)]) + b


frame = eth("02:00:00:00:00:01", "02:00:00:00:00:99", 0x0800,
            ipv4("10.0.0.2", "10.0.0.1", 17, udp("10.0.0.2", "10.0.0.1", 4000, 7, b"hello")))
put("console", "show", rec(1, "show graph\n") + rec(1, "show counters\n") +
    rec(0, frame) + rec(1, "show arp\nshow routes\n"))
put("console", "change", rec(1, "route add 10.9.0.0/16 via 10.0.0.2\n") +
    rec(1, "extension install udp-count port=5000\n") + rec(0, frame) +
    rec(1, "extension list\nextension remove 5\n") + rec(0x11, "route del 10.9.0.0/16\n"))
put("console", "readonly", rec(5, "arp flush\n") + rec(5, "show interfaces\n") +
    rec(1, "log level\n\x1b[Ashow pools\x1b\r"))
put("console", "guard", rec(1, "extension install udp-count guard=\"udp dst port 1 or udp dst "
                               "port 2\"\n") + rec(2, frame))

# ---- bpf: [n][n x 8 bytes][packet] ------------------------------------------------
pkt = eth("02:00:00:00:00:02", "02:00:00:00:00:99", 0x0800,
          ipv4("10.77.0.1", "10.77.0.2", 17, udp("10.77.0.1", "10.77.0.2", 53, 7, b"x" * 20)))
for i, expr in enumerate(["udp dst port 7", "ip and not tcp", "arp or icmp",
                          "udp[8:2] = 0x7878", "ip[6:2] & 0x1fff = 0 and len > 40",
                          "ether host 02:00:00:00:00:02 and (udp port 53 or udp port 5353)"]):
    out = subprocess.run(["tcpdump", "-ddd", expr], capture_output=True, text=True, check=True)
    lines = out.stdout.split("\n")
    n = int(lines[0])
    prog = b"".join(struct.pack("!HBBI", *map(int, line.split())) for line in lines[1:1 + n])
    put("bpf", "expr%d" % i, bytes([n]) + prog + pkt)

# ---- guard: handlers, tests, packets ----------------------------------------------
def test(layer, off, width, op, mask, value):
    return struct.pack("!BBBBII", layer, off, {1: 0, 2: 1, 4: 2}[width], op, mask, value)


def packet(data, layers):
    return bytes([len(data)]) + bytes(layers) + data


l3 = ipv4("10.77.0.1", "10.77.0.2", 17, udp("10.77.0.1", "10.77.0.2", 53, 7, b"x" * 8))
g = bytes([6])
for port in (7, 53, 5000):
    g += bytes([1]) + test(2, 2, 2, 0, 0xffff, port)
g += bytes([2 | 8]) + test(1, 9, 1, 0, 0xff, 17) + test(2, 0, 2, 5, 0xffff, 1024)
g += bytes([0x10]) + bytes([0x18])
g += packet(l3, [0xff, 0, 20, 28]) + packet(l3[:24], [0xff, 0, 20, 0xff])
put("guard", "ports", g)
put("guard", "ranges", bytes([3, 2]) + test(1, 12, 4, 4, 0xffffff00, 0x0a4d0000) +
    test(1, 16, 4, 0, 0xffffffff, 0x0a4d0002) + bytes([1]) + test(0, 12, 2, 1, 0xffff, 0x0800) +
    bytes([8]) + packet(eth("02:00:00:00:00:02", "02:00:00:00:00:99", 0x0800, l3)[:80],
                        [0, 14, 34, 42]))

# ---- reasm: [ctl][id][frag][n][n*8 bytes] -----------------------------------------
body = udp("10.77.0.1", "10.77.0.2", 4000, 7, bytes(range(256)) * 2)
chunks = [body[i:i + 200] for i in range(0, len(body), 200)]
seed = b""
off = 0
for k, c in enumerate(chunks):
    mf = 0x2000 if k < len(chunks) - 1 else 0
    c = c + b"\0" * (-len(c) % 8) if mf else c
    seed += bytes([0, 9]) + struct.pack("!H", mf | off // 8) + bytes([(len(c) + 7) // 8]) + c
    off += len(c)
put("reasm", "in-order", seed)
recs = seed.split(b"\x00\x09")
put("reasm", "reversed-with-gap",
    bytes([0x10, 9]) + struct.pack("!H", 0x2000 | 25) + bytes([25]) + b"\x11" * 200 +
    bytes([0x31, 10]) + struct.pack("!H", 0x2000) + bytes([25]) + b"\x22" * 200 +
    bytes([0xf0, 9]) + struct.pack("!H", 0) + bytes([1]) + b"\x33" * 8)

# ---- arp: 4-byte records ------------------------------------------------------------
put("arp", "learn-send", bytes([0, 0, 1, 7, 2, 0, 1, 0, 2, 3, 4, 0, 1, 3, 4, 9, 3, 0, 0, 3]))
put("arp", "flood", b"".join(bytes([0, a, b, a ^ b]) for a in range(16) for b in range(0, 256, 16)) +
    bytes([2, 0, 1, 0, 3, 0, 0, 2]))

# ---- router: [ctl][n][8-byte header chooser + payload] or a whole frame -------------
put("router", "forward", bytes([0, 28]) + bytes([0, 1, 64, 17, 0, 1, 0, 0]) + b"p" * 20 +
    bytes([0, 28]) + bytes([0, 5, 64, 17, 0, 2, 0, 0]) + b"q" * 20 +
    bytes([0x10, 28]) + bytes([0, 4, 64, 17, 0, 3, 0, 0]) + b"r" * 20)
put("router", "errors", bytes([0, 12]) + bytes([0, 1, 1, 17, 0, 4, 0, 0]) + b"ttl1" +
    bytes([0, 12]) + bytes([0, 6, 0xc0, 17, 0, 5, 0x40, 0]) + b"big!" +
    bytes([2, 12]) + bytes([2, 0, 64, 17, 0, 6, 0, 0]) + b"eth2" +
    bytes([4, len(frame)]) + frame)
print("corpora written under", OUT)
