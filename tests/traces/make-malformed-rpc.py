#!/usr/bin/python3
"""Write tests/traces/rpc-malformed.pcap and rpc-malformed.expect (deterministic).

Client 02:00:00:00:00:01 / 10.77.0.1 port 41000  ->  server 02:00:00:00:00:02 /
10.77.0.2: the portmapper on UDP port 111, the rpcecho and lat_rpc programs on
UDP port 40001 (tools/rpc/rpcecho-server --port 40001 on Linux; the same
registry in spindle's replay test).

The trace starts with an ARP request from the client, then ONC RPC calls
(RFC 5531) that are malformed or hostile, mixed with valid ones showing the
server still answers. Each frame is built in build() under a comment saying
what is wrong with it. Frame k (counted from 0, the ARP request included)
carries xid 0xbad00000 + k, so an answer names its frame.

rpc-malformed.expect has one line per RPC frame:
    FRAME XID SPINDLE LINUX  # what the frame is
SPINDLE is what spindle's RPC engine must do: an answer, or drop:COUNTER (no
answer, and the named counter of apps/rpc/rpc_server.h goes up by one). LINUX
is what Debian 12's rpcbind 1.2.6 and the libtirpc rpcgen server answered in
tests/traces/rpc-malformed-linux.pcap ("none": no answer), kept so that every
difference from Linux is written down; tests/traces/README.md says why each
one exists. Answers are written
    SUCCESS  PROG_UNAVAIL  PROG_MISMATCH(LOW,HIGH)  PROC_UNAVAIL  GARBAGE_ARGS
    SYSTEM_ERR  RPC_MISMATCH(LOW,HIGH)  AUTH_ERROR(AUTH_...)

Usage (Debian's python3, which has scapy):
  make-malformed-rpc.py [OUTDIR]            write OUTDIR/rpc-malformed.pcap and .expect
  make-malformed-rpc.py --replay IFACE      send rpc-malformed.pcap's frames out of IFACE
                                            (tools/lab/capture-rpc-traces.sh)
  make-malformed-rpc.py --answers PCAP      print the answers found in PCAP, per frame
  make-malformed-rpc.py --check-linux PCAP  compare them with the LINUX column; exit 1 on
                                            a difference
  make-malformed-rpc.py --check-spindle PCAP [FRAME=ANSWER]...
                                            compare them with the SPINDLE column (drop:...
                                            is no answer), with these frames' answers
                                            replaced (a server configured otherwise, e.g.
                                            lat_rpc on a port of its own); exit 1 on a
                                            difference (tests/lab/rpc, tests/vm/rpc-test.sh)
"""

import os
import struct
import sys
import time

from scapy.all import ARP, IP, UDP, Ether, RawPcapWriter, Raw, rdpcap, sendp

CLI_MAC = "02:00:00:00:00:01"
APP_MAC = "02:00:00:00:00:02"
CLI_IP = "10.77.0.1"
APP_IP = "10.77.0.2"
SPORT = 41000
PMAP = 111
ECHO_PORT = 40001
ECHO_PROG, XACT_PROG = 0x20050001, 404040
T0 = 1704067200  # 2024-01-01T00:00:00Z; frame k at T0 + k * 10 ms
XID0 = 0xBAD00000
HERE = os.path.dirname(os.path.abspath(__file__))

ACCEPT = ["SUCCESS", "PROG_UNAVAIL", "PROG_MISMATCH", "PROC_UNAVAIL", "GARBAGE_ARGS", "SYSTEM_ERR"]
AUTH = ["AUTH_OK", "AUTH_BADCRED", "AUTH_REJECTEDCRED", "AUTH_BADVERF", "AUTH_REJECTEDVERF",
        "AUTH_TOOWEAK", "AUTH_INVALIDRESP", "AUTH_FAILED"]


def u32(*v):
    return b"".join(struct.pack(">I", x & 0xFFFFFFFF) for x in v)


def opaque(b):
    """XDR variable-length opaque data / string: length, bytes, zero padding."""
    b = b.encode() if isinstance(b, str) else b
    return u32(len(b)) + b + b"\0" * (-len(b) % 4)


NONE = u32(0, 0)  # opaque_auth AUTH_NONE, empty body


def authsys(name="client", uid=0, gid=0, gids=()):
    """An authsys_parms body (RFC 5531 Appendix A)."""
    return u32(1) + opaque(name) + u32(uid, gid, len(gids), *gids)


def call(xid, prog, vers, proc, args=b"", cred=NONE, verf=NONE, rpcvers=2, mtype=0):
    return u32(xid, mtype, rpcvers, prog, vers, proc) + cred + verf + args


def rpcb(prog, vers, netid="udp", addr="", owner=""):
    """struct rpcb (RFC 1833 section 2.1)."""
    return u32(prog, vers) + opaque(netid) + opaque(addr) + opaque(owner)


class Trace:
    def __init__(self):
        self.frames, self.expect = [], []

    @property
    def xid(self):
        """The xid of the frame being built."""
        return XID0 + len(self.frames)

    def add(self, payload, spindle, linux, what, dport=PMAP):
        k = len(self.frames)
        f = (Ether(dst=APP_MAC, src=CLI_MAC) / IP(src=CLI_IP, dst=APP_IP, id=0xC000 + k, flags="DF") /
             UDP(sport=SPORT, dport=dport) / Raw(payload))
        self.frames.append(bytes(f))
        self.expect.append(f"{k} 0x{XID0 + k:08x} {spindle} {linux}  # {what}")


def build():
    t = Trace()
    # ARP request from the client (valid), so a whole appliance learns it.
    t.frames.append(bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=CLI_MAC) /
                          ARP(op=1, hwsrc=CLI_MAC, psrc=CLI_IP, pdst=APP_IP)))
    t.expect.append("# frame 0: ARP request, not RPC")

    # VALID: portmap v2 NULL.
    t.add(call(t.xid, 100000, 2, 0), "SUCCESS", "SUCCESS", "valid NULL")
    # Truncated: 36 bytes, the verifier's length word is missing.
    t.add(call(t.xid, 100000, 2, 0)[:36], "drop:short", "SUCCESS", "36 bytes: no verifier length")
    # Truncated: 20 bytes, cut inside the call header (after vers).
    t.add(call(t.xid, 100000, 2, 0)[:20], "drop:short", "SUCCESS", "20 bytes: cut after vers")
    # Truncated: 7 bytes, not even xid and message type.
    t.add(call(t.xid, 100000, 2, 0)[:7], "drop:short", "none", "7 bytes")
    # Empty UDP payload.
    t.add(b"", "drop:short", "none", "0 bytes")
    # A REPLY sent to a server.
    t.add(call(t.xid, 100000, 2, 0, mtype=1), "drop:reply", "none", "mtype REPLY")
    # Message type 7: neither CALL nor REPLY.
    t.add(call(t.xid, 100000, 2, 0, mtype=7), "drop:bad_mtype", "none", "mtype 7")
    # RPC version 3 (RFC 5531 section 9: RPC_MISMATCH with the supported range).
    t.add(call(t.xid, 100000, 2, 0, rpcvers=3), "RPC_MISMATCH(2,2)", "none", "rpcvers 3")
    # RPC version 1.
    t.add(call(t.xid, 100000, 2, 0, rpcvers=1), "RPC_MISMATCH(2,2)", "none", "rpcvers 1")
    # A program nobody serves.
    t.add(call(t.xid, 123456, 1, 0), "PROG_UNAVAIL", "PROG_UNAVAIL", "unknown program 123456")
    # The portmapper in version 5 (it has 2, 3 and 4).
    t.add(call(t.xid, 100000, 5, 0), "PROG_MISMATCH(2,4)", "PROG_MISMATCH(2,4)", "portmapper version 5")
    # Procedure 99 of portmap v2.
    t.add(call(t.xid, 100000, 2, 99), "PROC_UNAVAIL", "PROC_UNAVAIL", "procedure 99")
    # Credential body of 500 bytes: over opaque_auth's limit of 400.
    t.add(call(t.xid, 100000, 2, 0, cred=u32(1, 500) + b"\0" * 500),
          "AUTH_ERROR(AUTH_BADCRED)", "none", "credential length 500 > 400")
    # Credential length 64, 8 bytes present: runs past the message.
    t.add(call(t.xid, 100000, 2, 0, cred=u32(1, 64) + b"\0" * 8),
          "AUTH_ERROR(AUTH_BADCRED)", "SUCCESS", "credential length lies (64, 8 present)")
    # Credential length 0xffffffff.
    t.add(call(t.xid, 100000, 2, 0, cred=u32(1, 0xFFFFFFFF)),
          "AUTH_ERROR(AUTH_BADCRED)", "none", "credential length 0xffffffff")
    # AUTH_SYS whose body (8 bytes) ends inside the machine name.
    t.add(call(t.xid, 100000, 2, 0, cred=u32(1, 8) + authsys()[:8]),
          "AUTH_ERROR(AUTH_BADCRED)", "AUTH_ERROR(AUTH_BADCRED)", "AUTH_SYS body cut short")
    # AUTH_SYS with 17 gids (gids<16>).
    b = authsys(gids=range(17))
    t.add(call(t.xid, 100000, 2, 0, cred=u32(1, len(b)) + b),
          "AUTH_ERROR(AUTH_BADCRED)", "AUTH_ERROR(AUTH_BADCRED)", "AUTH_SYS with 17 gids")
    # AUTH_SYS with a 256-byte machine name (machinename<255>).
    b = authsys(name="m" * 256)
    t.add(call(t.xid, 100000, 2, 0, cred=u32(1, len(b)) + b),
          "AUTH_ERROR(AUTH_BADCRED)", "AUTH_ERROR(AUTH_BADCRED)", "AUTH_SYS machine name of 256 bytes")
    # AUTH_SYS whose machine name length (200) runs past its 28-byte body.
    b = u32(1, 200) + b"abcd" + u32(0, 0, 0)
    t.add(call(t.xid, 100000, 2, 0, cred=u32(1, len(b)) + b),
          "AUTH_ERROR(AUTH_BADCRED)", "AUTH_ERROR(AUTH_BADCRED)", "AUTH_SYS machine name length lies")
    # Credential flavor 99: no such flavor.
    t.add(call(t.xid, 100000, 2, 0, cred=u32(99, 0)),
          "AUTH_ERROR(AUTH_REJECTEDCRED)", "AUTH_ERROR(AUTH_REJECTEDCRED)", "credential flavor 99")
    # AUTH_SHORT without the server having handed one out.
    t.add(call(t.xid, 100000, 2, 0, cred=u32(2, 0)),
          "AUTH_ERROR(AUTH_REJECTEDCRED)", "AUTH_ERROR(AUTH_REJECTEDCRED)", "AUTH_SHORT")
    # AUTH_DH with an empty body: a flavor spindle does not speak.
    t.add(call(t.xid, 100000, 2, 0, cred=u32(3, 0)),
          "AUTH_ERROR(AUTH_REJECTEDCRED)", "AUTH_ERROR(AUTH_FAILED)", "AUTH_DH, empty")
    # RPCSEC_GSS with an empty body: a flavor spindle does not speak.
    t.add(call(t.xid, 100000, 2, 0, cred=u32(6, 0)),
          "AUTH_ERROR(AUTH_REJECTEDCRED)", "AUTH_ERROR(AUTH_BADCRED)", "RPCSEC_GSS, empty")
    # Verifier body of 500 bytes.
    t.add(call(t.xid, 100000, 2, 0, verf=u32(0, 500) + b"\0" * 500),
          "AUTH_ERROR(AUTH_BADVERF)", "none", "verifier length 500 > 400")
    # Verifier length 64 with nothing after it.
    t.add(call(t.xid, 100000, 2, 0, verf=u32(0, 64)),
          "AUTH_ERROR(AUTH_BADVERF)", "SUCCESS", "verifier length lies (64, 0 present)")
    # GETPORT whose mapping is cut after prog and vers.
    t.add(call(t.xid, 100000, 2, 3, u32(ECHO_PROG, 1)), "GARBAGE_ARGS", "SUCCESS",
          "GETPORT arguments cut short")
    # GETADDR whose netid says 1000 bytes and has 4.
    t.add(call(t.xid, 100000, 3, 3, u32(ECHO_PROG, 1, 1000) + b"udp\0"), "GARBAGE_ARGS", "SUCCESS",
          "GETADDR netid length lies")
    # GETADDR with a 300-byte netid (spindle's limit: 255).
    t.add(call(t.xid, 100000, 3, 3, rpcb(ECHO_PROG, 1, netid="u" * 300)), "GARBAGE_ARGS", "SUCCESS",
          "GETADDR netid of 300 bytes")
    # ECHO whose opaque says 9000 bytes (over opaque<8192>) and carries 16.
    t.add(call(t.xid, ECHO_PROG, 1, 1, u32(9000) + b"x" * 16), "GARBAGE_ARGS", "GARBAGE_ARGS",
          "ECHO length 9000, 16 present", dport=ECHO_PORT)
    # ECHO whose opaque length is 0xffffffff.
    t.add(call(t.xid, ECHO_PROG, 1, 1, u32(0xFFFFFFFF)), "GARBAGE_ARGS", "GARBAGE_ARGS",
          "ECHO length 0xffffffff", dport=ECHO_PORT)
    # lat_rpc RPC_XACT with the int 4096 where a char goes.
    t.add(call(t.xid, XACT_PROG, 1, 1, u32(4096)), "GARBAGE_ARGS", "SUCCESS",
          "RPC_XACT char 4096", dport=ECHO_PORT)
    # CALLIT: remote calls through the portmapper are refused (no answer).
    t.add(call(t.xid, 100000, 2, 5, u32(ECHO_PROG, 1, 0) + opaque(b"")), "drop:proc_dropped", "none",
          "CALLIT refused")
    # SET from the network: refused.
    t.add(call(t.xid, 100000, 2, 1, u32(0x20000123, 1, 17, 5555)),
          "AUTH_ERROR(AUTH_TOOWEAK)", "AUTH_ERROR(AUTH_TOOWEAK)", "SET from the network")
    # VALID: GETPORT of the echo program: the server still works.
    t.add(call(t.xid, 100000, 2, 3, u32(ECHO_PROG, 1, 17, 0)), "SUCCESS", "SUCCESS", "valid GETPORT")
    # VALID: ECHO of 5 bytes.
    t.add(call(t.xid, ECHO_PROG, 1, 1, opaque(b"hello")), "SUCCESS", "SUCCESS", "valid ECHO",
          dport=ECHO_PORT)
    return t


def reply_word(r):
    """The .expect form of an RPC reply's status."""
    w = [struct.unpack(">I", r[i:i + 4])[0] for i in range(0, len(r) - len(r) % 4, 4)]
    if len(w) < 4 or w[1] != 1:
        return "malformed"
    if w[2] == 1:  # MSG_DENIED
        if w[3] == 0 and len(w) >= 6:
            return f"RPC_MISMATCH({w[4]},{w[5]})"
        if w[3] == 1 and len(w) >= 5:
            return f"AUTH_ERROR({AUTH[w[4]] if w[4] < len(AUTH) else w[4]})"
        return "malformed"
    if len(w) < 6:
        return "malformed"
    verf_words = (w[4] + 3) // 4
    i = 5 + verf_words
    if i >= len(w):
        return "malformed"
    s = w[i]
    if s == 2 and i + 2 < len(w):
        return f"PROG_MISMATCH({w[i + 1]},{w[i + 2]})"
    return ACCEPT[s] if s < len(ACCEPT) else str(s)


def answers(pcap):
    """xid -> answer, for every UDP datagram sent by the server in pcap."""
    got = {}
    for p in rdpcap(pcap):
        if Ether in p and p[Ether].src == APP_MAC and UDP in p:
            r = bytes(p[UDP].payload)
            if len(r) >= 4:
                got[struct.unpack(">I", r[:4])[0]] = reply_word(r)
    return got


def read_expect(path):
    rows = []
    for line in open(path):
        line = line.split("#", 1)[0].split()
        if line:
            rows.append((int(line[0]), int(line[1], 16), line[2], line[3]))
    return rows


def main(argv):
    if len(argv) == 3 and argv[1] == "--answers":
        for xid, a in sorted(answers(argv[2]).items()):
            print(f"0x{xid:08x} {a}")
        return 0
    if len(argv) == 3 and argv[1] == "--check-linux":
        got = answers(argv[2])
        bad = 0
        for k, xid, _, linux in read_expect(os.path.join(HERE, "rpc-malformed.expect")):
            a = got.get(xid, "none")
            if a != linux:
                print(f"frame {k} (xid 0x{xid:08x}): Linux answered {a}, the expectation says {linux}")
                bad += 1
        print(f"{'ok' if not bad else 'FAILED'}: Linux's answers to rpc-malformed.pcap, {bad} differences")
        return 1 if bad else 0
    if len(argv) >= 3 and argv[1] == "--check-spindle":
        got = answers(argv[2])
        instead = dict(a.split("=", 1) for a in argv[3:])
        bad = 0
        for k, xid, spindle, _ in read_expect(os.path.join(HERE, "rpc-malformed.expect")):
            want = instead.get(str(k), "none" if spindle.startswith("drop:") else spindle)
            a = got.get(xid, "none")
            if a != want:
                print(f"frame {k} (xid 0x{xid:08x}): spindle answered {a}, expected {want}")
                bad += 1
        print(f"{'ok' if not bad else 'FAILED'}: spindle's answers to rpc-malformed.pcap, {bad} differences")
        return 1 if bad else 0
    if len(argv) == 3 and argv[1] == "--replay":
        for f in rdpcap(os.path.join(HERE, "rpc-malformed.pcap")):
            sendp(f, iface=argv[2], verbose=False)
            time.sleep(0.01)
        return 0
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        sys.exit(__doc__)
    outdir = argv[1] if len(argv) == 2 else HERE
    t = build()
    w = RawPcapWriter(os.path.join(outdir, "rpc-malformed.pcap"), linktype=1, snaplen=65535)
    w.write_header(None)
    for i, fr in enumerate(t.frames):
        usec = i * 10000
        w.write_packet(fr, sec=T0 + usec // 1000000, usec=usec % 1000000)
    w.close()
    with open(os.path.join(outdir, "rpc-malformed.expect"), "w") as f:
        f.write("# written by make-malformed-rpc.py: FRAME XID SPINDLE LINUX  # what the frame is\n")
        for line in t.expect:
            f.write(line + "\n")
    print(f"wrote {len(t.frames)} frames to {outdir}/rpc-malformed.pcap and rpc-malformed.expect")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
