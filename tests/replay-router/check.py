#!/usr/bin/python3
"""Compare what spindle's router sent on each link with what a Linux router sent.

Usage (Debian's /usr/bin/python3, which has scapy):

  check.py LINUX_L1 LINUX_L2 IN_L1 IN_L2 OUT_L1 OUT_L2 --router-mac1 MAC --router-mac2 MAC
           --router-ip IP [--router-ip IP ...]

LINUX_Ln: the capture of link n (tools/lab/capture-router-traces.sh);
IN_Ln: the clients' frames of it (the replay input); OUT_Ln: what spindle
sent on link n. For each link, tests/replay/compare.py's field-by-field
comparison of the router's frames (ARP, IPv4 header, ICMP and UDP contents,
fragmentation, frame order). Then what compare.py leaves out and a router
must get right:

  * a forwarded datagram (one whose IPv4 source is not the router) is the
    client's datagram with only the TTL and header checksum changed: its
    bytes, identification included, must equal Linux's (RFC 1812 5.3.1:
    TTL decremented; RFC 1624: checksum);
  * timing across the links: each frame a router sent follows the same
    client frames (of both links, merged by time) in both runs; the
    pcap-file driver stamps a sent frame with the replay time, i.e. the
    time of the input frame or timer being handled. Linux handles frames
    that arrive together as a batch (NAPI) and sends after the batch, so
    client frames up to BATCH_NS before Linux's frame may fall on either
    side of spindle's. And the time since the last client frame must agree
    within DELAY_TOLERANCE_NS: that is what times ARP retransmissions and
    the host unreachable sent when ARP gives up (Linux: 1 s apart, error
    about 3 s after the first request).

Exit 0 when everything agrees, 1 with a report otherwise.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "replay"))
import compare  # noqa: E402  (tests/replay/compare.py)


def ip_src(frame):
    return compare.ip_str(frame.ip_bytes()[12:16])


def check_forwarded(link, lin, spi, router_ips, problems):
    n = 0
    for k, (L, S) in enumerate(zip(lin, spi)):
        if L.kind() != "ip" or S.kind() != "ip" or ip_src(L) in router_ips:
            continue
        n += 1
        lb, sb = L.ip_bytes(), S.ip_bytes()
        if lb != sb:
            i = compare.first_diff(lb, sb)
            problems.append("link %d frame %d (%s): forwarded datagram differs from Linux's at "
                            "IP byte %d: Linux %s, spindle %s" %
                            (link, k, L.summary(), i, lb[i:i + 8].hex(" "), sb[i:i + 8].hex(" ")))
    return n


BATCH_NS = 1000000  # 1 ms: the traces' client frames are 200 ms apart outside bursts


DELAY_TOLERANCE_NS = 100000000  # 100 ms


def since_last(ts, inputs):
    before = [t for t in inputs if t <= ts]
    return ts - max(before) if before else None


def count_before(ts, inputs):
    return sum(1 for t in inputs if t <= ts)


def check_timing(link, lin, spi, lin_clients, spi_inputs, problems):
    for k, (L, S) in enumerate(zip(lin, spi)):
        want_hi = count_before(L.ts_ns, lin_clients)
        want_lo = count_before(L.ts_ns - BATCH_NS, lin_clients)
        got = count_before(S.ts_ns, spi_inputs)
        if not want_lo <= got <= want_hi:
            problems.append("link %d frame %d (%s): sent after %d client frames, Linux after %d" %
                            (link, k, S.summary(), got, want_hi))
            continue
        dl, ds = since_last(L.ts_ns, lin_clients), since_last(S.ts_ns, spi_inputs)
        if dl is not None and ds is not None and abs(dl - ds) > DELAY_TOLERANCE_NS:
            problems.append("link %d frame %d (%s): sent %.3f s after the last client frame, "
                            "Linux %.3f s" % (link, k, S.summary(), ds / 1e9, dl / 1e9))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("linux1")
    p.add_argument("linux2")
    p.add_argument("in1")
    p.add_argument("in2")
    p.add_argument("out1")
    p.add_argument("out2")
    p.add_argument("--router-mac1", required=True)
    p.add_argument("--router-mac2", required=True)
    p.add_argument("--router-ip", action="append", required=True)
    a = p.parse_args(argv[1:])

    problems = []
    ok = True
    lin_clients, spi_inputs = [], []
    links = []
    for n, (lpath, ipath, opath, mac) in enumerate(
            [(a.linux1, a.in1, a.out1, a.router_mac1), (a.linux2, a.in2, a.out2, a.router_mac2)], 1):
        lin_all = compare.read(lpath)
        lin = [f for f in lin_all if f.src == mac.lower()]
        spi = compare.read(opath)
        lin_clients += [f.ts_ns for f in lin_all if f.src != mac.lower()]
        spi_inputs += [f.ts_ns for f in compare.read(ipath)]
        print("link %d: Linux's router sent %d frames, spindle %d" % (n, len(lin), len(spi)))
        rep = compare.compare_sequences(lin, spi)
        for what, cnt in rep.accepted.items():
            print("  accepted (%d frames): %s" % (cnt, what))
        if not rep.ok():
            ok = False
            print("  DIFFERENCES (%d):" % len(rep.problems))
            rep.print()
            for k in range(max(len(lin), len(spi))):
                l = lin[k].summary() if k < len(lin) else ""
                s = spi[k].summary() if k < len(spi) else ""
                print("    %3d %-62s | %s" % (k, l, s))
        else:
            print("  ok: field by field")
        links.append((n, lin, spi))
    if sorted(lin_clients) != sorted(spi_inputs):
        problems.append("the replay input is not the capture's client frames (%d vs %d)" %
                        (len(spi_inputs), len(lin_clients)))
    if ok:
        fwd = 0
        for n, lin, spi in links:
            fwd += check_forwarded(n, lin, spi, set(a.router_ip), problems)
            check_timing(n, lin, spi, lin_clients, spi_inputs, problems)
        print("forwarded datagrams identical to Linux's, identification included: %d" % fwd)
    for pr in problems:
        print("  " + pr)
    if not ok or problems:
        print("FAIL")
        return 1
    print("ok: both links agree with Linux, timing included")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
