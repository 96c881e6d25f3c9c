#!/usr/bin/python3
"""Check what the hosted spindle's video client did with a replayed trace.

Usage (Debian's /usr/bin/python3):
  check.py frames OUT.y4m REF.i420 W H N RATE
      OUT.y4m (display=FILE.y4m) is a YUV4MPEG2 stream of W x H 4:2:0
      frames at RATE ("30:1") holding exactly the N frames of REF.i420
      (jpeg-i420's libjpeg-turbo decoding of the clip), byte for byte.
  check.py clean STATS.json N PACKETS
      --stats-json after a trace of valid RTP/JPEG: PACKETS datagrams, N
      frames complete and shown, no packet or frame dropped, UDP and IPv4
      dropped nothing, every packet buffer back in its pool.
  check.py malformed STATS.json EXPECT
      tests/traces/rtpjpeg-malformed.expect: the counters each "case" line
      names add up to the video client's final counters, watched counters
      that no line names stay 0, every "valid" line's frame is shown and no
      other, every packet buffer back in its pool.
Exit 0 pass, 1 fail (each failure on its own line).
"""

import json
import sys

# Counters of apps/video-client (vclient.h) that count drops.
DROPS = ["not_rtp", "wrong_payload_type", "other_ssrc", "seq_jumps", "packets_lost",
         "packets_reordered", "packets_duplicate", "packets_late", "packets_oversize",
         "bad_payloads", "dropped_late", "dropped_incomplete", "dropped_corrupt",
         "decode_errors", "display_errors"]
NET_DROPS = {
    "ipv4": ["too_short", "bad_version", "bad_ihl", "bad_hdr_len", "bad_total_len",
             "truncated", "bad_csum"],
    "udp": ["hdr_short", "len_short", "len_over", "csum_bad"],
}

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def load(path):
    with open(path) as f:
        return json.load(f)


def pools_full(stats):
    for p in stats["pools"]:
        if p["out"] != 0:
            fail("pool %s: %d buffers out at the end" % (p["name"], p["out"]))


def client(stats):
    # an instance's counters are node "video-client#ID" (netgraph/extension.h)
    vc = next((c for n, c in stats["nodes"].items() if n.split("#")[0] == "video-client"), None)
    if vc is None:
        fail("no video-client counters in the JSON")
        sys.exit(1)
    return vc


def frames(y4m, ref, w, h, n, rate):
    w, h, n = int(w), int(h), int(n)
    size = w * h + 2 * ((w + 1) // 2) * ((h + 1) // 2)
    with open(y4m, "rb") as f:
        data = f.read()
    with open(ref, "rb") as f:
        want = f.read()
    if len(want) != n * size:
        fail("%s holds %d bytes, not %d frames of %d" % (ref, len(want), n, size))
        return
    end = data.find(b"\n")
    header = data[:end].split(b" ")
    if header[0] != b"YUV4MPEG2":
        fail("%s: no YUV4MPEG2 signature" % y4m)
        return
    tags = {t[:1]: t[1:].decode() for t in header[1:]}
    for tag, value in ((b"W", str(w)), (b"H", str(h)), (b"F", rate), (b"C", "420jpeg")):
        if tags.get(tag) != value:
            fail("y4m header %s%s, expected %s%s" % (tag.decode(), tags.get(tag), tag.decode(), value))
    pos, got = end + 1, 0
    while pos < len(data):
        if data[pos:pos + 6] != b"FRAME\n":
            fail("frame %d: no FRAME header at byte %d" % (got, pos))
            return
        pos += 6
        frame = data[pos:pos + size]
        pos += size
        if got < n:
            expect = want[got * size:(got + 1) * size]
            if frame != expect:
                diff = [abs(a - b) for a, b in zip(frame, expect) if a != b]
                fail("frame %d differs from libjpeg-turbo's decoding in %d samples (max %d)%s"
                     % (got, len(diff) + abs(len(frame) - len(expect)), max(diff, default=0),
                        ", truncated" if len(frame) != len(expect) else ""))
        got += 1
    if got != n:
        fail("%d frames in %s, the clip has %d" % (got, y4m, n))
    if not failures:
        print("%d frames of %dx%d equal libjpeg-turbo's decoding byte for byte" % (got, w, h))


def clean(path, n, packets):
    stats = load(path)
    vc = client(stats)
    for name, want in (("packets", int(packets)), ("frames_complete", int(n)),
                       ("frames_shown", int(n))):
        if vc[name] != want:
            fail("video-client %s = %d, expected %d" % (name, vc[name], want))
    for name in DROPS:
        if vc[name] != 0:
            fail("video-client %s = %d on valid traffic" % (name, vc[name]))
    for node, names in NET_DROPS.items():
        for name in names:
            if stats["nodes"][node][name] != 0:
                fail("%s %s = %d on valid traffic" % (node, name, stats["nodes"][node][name]))
    pools_full(stats)
    if not failures:
        print("video-client: %d datagrams, %d frames shown, nothing dropped; pools full"
              % (vc["packets"], vc["frames_shown"]))


def malformed(path, expect):
    stats = load(path)
    vc = client(stats)
    want = {name: 0 for name in DROPS}
    valid = cases = 0
    with open(expect) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if line[0] == "valid":
                valid += 1
                continue
            cases += 1
            for item in (line[3].split(",") if len(line) > 3 else []):
                name, value = item.split("=")
                want[name] = want.get(name, 0) + int(value)
    for name, value in sorted(want.items()):
        if vc.get(name) != value:
            fail("video-client %s = %s, the %d cases add up to %d" % (name, vc.get(name), cases, value))
    if vc["frames_shown"] != valid:
        fail("video-client frames_shown = %d, expected the %d intact frames"
             % (vc["frames_shown"], valid))
    pools_full(stats)
    if not failures:
        print("%d malformed cases dropped and counted as expected, %d intact frames shown; "
              "pools full" % (cases, valid))


def main(argv):
    if len(argv) == 8 and argv[1] == "frames":
        frames(*argv[2:])
    elif len(argv) == 5 and argv[1] == "clean":
        clean(*argv[2:])
    elif len(argv) == 4 and argv[1] == "malformed":
        malformed(*argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
