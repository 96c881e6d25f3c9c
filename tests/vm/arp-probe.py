#!/usr/bin/python3
"""Ask for an IPv4 address with ARP until it is answered (RFC 826).

  arp-probe.py IFACE SENDER_IP TARGET_IP TIMEOUT_S

Broadcasts an ARP request (who-has TARGET_IP tell SENDER_IP, from IFACE's
MAC) every 50 ms on an AF_PACKET socket, until a reply from TARGET_IP comes
back or TIMEOUT_S seconds pass. arping(8) waits whole seconds; this gives the
VM test a 50 ms resolution for "QEMU start to first answered ARP request".
Prints the replier's MAC. Exit 0 answered, 1 not answered, 2 usage.
"""

import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    iface, sender, target, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    with open("/sys/class/net/%s/address" % iface) as f:
        mac = bytes(int(x, 16) for x in f.read().strip().split(":"))
    spa, tpa = socket.inet_aton(sender), socket.inet_aton(target)
    frame = (b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) +
             struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + spa + b"\x00" * 6 + tpa)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((iface, ETH_P_ARP))
    s.settimeout(0.05)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s.send(frame)
        end = time.monotonic() + 0.05
        while time.monotonic() < end:
            try:
                pkt = s.recv(2048)
            except socket.timeout:
                break
            if len(pkt) < 42:
                continue
            op = struct.unpack("!H", pkt[20:22])[0]
            if op == 2 and pkt[28:32] == tpa:
                print("ARP reply from %s is-at %s" % (target, ":".join("%02x" % b for b in pkt[22:28])))
                return 0
    print("no ARP reply from %s within %.0f s" % (target, timeout))
    return 1


if __name__ == "__main__":
    sys.exit(main())
