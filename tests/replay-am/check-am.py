#!/usr/bin/python3
"""Compare the active messages spindle sent with those Linux sent, field by field.

  check-am.py LINUX_CAPTURE SPINDLE_SENT --input REPLAYED [--server-mac MAC]

Both files are decoded to messages (amdecode.py: UDP payloads, AAL5 PDUs
with HEC and CRC-32 checked); the server's messages in the capture and
every message spindle sent must agree in number and order, and each in
transport (ports or VC) and in every header field, argument, bulk field and
data byte. Each of spindle's responses must also carry the time of the
request it answers (the pcap-file driver stamps what spindle sends with
the time of the input frame being handled): answered at once, not before.
(Linux's own answers are not compared in time: the user-level server
reads a burst of requests before it answers them.) Exit 0 when they agree,
1 with a report otherwise.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from amdecode import messages  # noqa: E402
from scapy.all import RawPcapReader  # noqa: E402


def frames(path):
    """(raw bytes, time in microseconds) of every frame."""
    return [(bytes(raw), m.sec * 1000000 + m.usec) for raw, m in RawPcapReader(path)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("linux")
    ap.add_argument("spindle")
    ap.add_argument("--input", required=True)
    ap.add_argument("--server-mac", default="02:00:00:00:00:02")
    ap.add_argument("--client-mac", default="02:00:00:00:00:01")
    a = ap.parse_args()
    try:
        lin = messages(frames(a.linux), a.server_mac)
        spi = messages(frames(a.spindle), a.server_mac)
        req = messages(frames(a.input), a.client_mac)
    except ValueError as e:
        print("FAIL: undecodable frame: %s" % e)
        return 1
    bad = []
    if len(lin) != len(spi):
        bad.append("message count: Linux %d, spindle %d" % (len(lin), len(spi)))
    for n, ((_, lt, lf), (_, st, sf)) in enumerate(zip(lin, spi)):
        where = "message %d (%s %s seq %s)" % (n, lt, lf.get("type"), lf.get("seq"))
        if lt != st:
            bad.append("%s: transport: Linux %s, spindle %s" % (where, lt, st))
        for key in sorted(set(lf) | set(sf)):
            if lf.get(key) != sf.get(key):
                lv, sv = lf.get(key), sf.get(key)
                if key == "data":
                    lv, sv = "%d bytes" % len(lv or b""), "%d bytes, differing" % len(sv or b"")
                bad.append("%s: %s: Linux %s, spindle %s" % (where, key, lv, sv))
    asked = {}
    for t, _, f in req:
        asked.setdefault((f.get("epoch"), f.get("seq")), t)
    for n, (t, _, f) in enumerate(spi):
        when = asked.get((f.get("epoch"), f.get("seq")))
        if when is None:
            bad.append("spindle message %d (%s): answers no request" % (n, f.get("type")))
        elif t != when:
            bad.append("spindle message %d (%s seq %s): sent at %d us, its request arrived at %d us"
                       % (n, f.get("type"), f.get("seq"), t, when))
    kinds = {}
    for _, t, f in spi:
        kinds[f.get("type")] = kinds.get(f.get("type"), 0) + 1
    print("   %d messages compared: %s" % (len(spi), ", ".join(
        "%d %s" % (v, k) for k, v in sorted(kinds.items(), key=lambda x: str(x[0])))))
    for b in bad[:30]:
        print("   DIFF " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
