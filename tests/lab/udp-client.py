#!/usr/bin/python3
"""Bounded UDP client for the lab test (run in the client namespace).

  udp-client.py echo HOST PORT SIZE...
      send one datagram of each SIZE (bytes; payload byte i = (0x30 + 7 i)
      mod 256) and wait up to 2 s for its echo, which must be equal; up to 3
      tries each. Prints the round trip of each.
  udp-client.py closed HOST PORT
      send one datagram to a port where nothing listens and wait up to 2 s
      for the ICMP destination unreachable / port unreachable (type 3 code
      3) that the kernel queues on the socket (IP_RECVERR, ip(7)); prints
      who sent it.
Exit 0 on success, 1 otherwise.
"""

import select
import socket
import struct
import sys
import time

IP_RECVERR = 11          # <linux/in.h>
SO_EE_ORIGIN_ICMP = 2    # <linux/errqueue.h>


def payload(n):
    return bytes((0x30 + 7 * i) & 0xFF for i in range(n))


def echo(host, port, sizes):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.settimeout(2.0)
    ok = True
    for n in sizes:
        data = payload(n)
        for attempt in range(3):
            t0 = time.monotonic()
            s.sendto(data, (host, port))
            try:
                got, peer = s.recvfrom(65535)
            except socket.timeout:
                print("udp echo %5d bytes: no answer within 2 s (try %d)" % (n, attempt + 1))
                continue
            rtt = (time.monotonic() - t0) * 1e6
            if got != data or peer != (host, port):
                print("udp echo %5d bytes: WRONG answer from %s: %d bytes%s" %
                      (n, peer, len(got), ", different bytes" if len(got) == n else ""))
                ok = False
            else:
                print("udp echo %5d bytes: equal, %.0f us" % (n, rtt))
            break
        else:
            ok = False
    return ok


def closed(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    s.connect((host, port))
    s.send(b"is anybody there?")
    deadline = time.monotonic() + 2.0
    poller = select.poll()
    poller.register(s, select.POLLERR)  # a queued error shows as POLLERR
    while time.monotonic() < deadline:
        if not poller.poll(max(1, int((deadline - time.monotonic()) * 1000))):
            continue
        try:
            data, anc, flags, addr = s.recvmsg(1024, 1024, socket.MSG_ERRQUEUE)
        except BlockingIOError:
            continue
        for level, typ, cdata in anc:
            if level == socket.IPPROTO_IP and typ == IP_RECVERR:
                errno_, origin, itype, icode = struct.unpack("=IBBB", cdata[:7])
                offender = socket.inet_ntoa(cdata[16 + 4:16 + 8])
                print("closed port %d: errno %d, origin %d, ICMP type %d code %d from %s" %
                      (port, errno_, origin, itype, icode, offender))
                return (origin == SO_EE_ORIGIN_ICMP and itype == 3 and icode == 3
                        and offender == host)
    print("closed port %d: no ICMP error within 2 s" % port)
    return False


def main(argv):
    if len(argv) >= 5 and argv[1] == "echo":
        return 0 if echo(argv[2], int(argv[3]), [int(x) for x in argv[4:]]) else 1
    if len(argv) == 4 and argv[1] == "closed":
        return 0 if closed(argv[2], int(argv[3])) else 1
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
