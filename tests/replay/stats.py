#!/usr/bin/python3
"""Check spindle's --stats-json counters after a trace replay.

Usage (Debian's /usr/bin/python3):
  stats.py clean STATS.json
      a trace of valid traffic: every drop counter is 0, every pool is full.
  stats.py malformed STATS.json MALFORMED.pcap
      tests/traces/malformed.pcap: each bad frame is counted by the drop
      counter that names its defect (one of the alternatives listed in BAD
      below, each counter unit used by one frame), the drop counters add up
      to exactly the number of bad frames (no valid frame counted as a drop,
      no bad frame counted twice), and every pool is full.

The JSON shape is netgraph/introspect.h's:
  {"nodes": {"ipv4": {"rx": 1, ...}, ...}, "pools": [{"name", "out", ...}], ...}
"""

import struct
import sys
import json

# Counters that count frames dropped on receive, per node (the enums of
# protocols/*/ *.c, drivers/pcap, apps/*). "pcap-file:*" and "pcap:*" stand
# for every port of those drivers. Not drops: rx/tx counts, ipv4.no_proto and udp.no_port
# (answered with ICMP unreachable), udp.trimmed and udp.csum_none
# (accepted), ipv4.reasm_dup (a duplicate fragment whose data is kept once).
DROP = {
    "pcap-file:*": ["rx_truncated", "rx_oversize", "rx_runt", "rx_no_buffer", "read_errors"],
    "pcap:*": ["rx_truncated", "rx_oversize", "rx_runt", "rx_no_buffer", "read_errors"],
    "ether": ["runt", "not_for_us", "bad_src", "not_ethernet_ii", "no_if", "unknown_type"],
    "arp": ["truncated", "bad_htype", "bad_ptype", "bad_hlen", "bad_plen", "bad_op",
            "bad_sender_mac", "bad_sender_ip", "no_if", "not_for_us"],
    "ipv4": ["too_short", "bad_version", "bad_ihl", "bad_hdr_len", "bad_total_len",
             "truncated", "bad_csum", "martian_src_bcast", "martian_src_mcast",
             "martian_src_class_e", "martian_src_zero", "martian_src_loopback",
             "martian_dst", "martian_src_ours", "bad_options", "not_for_us", "reasm_bad_frag", "reasm_oversize",
             "reasm_overlap", "reasm_timeout", "reasm_evicted", "reasm_nomem"],
    "icmp": ["too_short", "bad_csum", "echo_bcast_ignored"],
    "udp": ["hdr_short", "len_short", "len_over", "csum_bad", "no_port_bcast"],
    "udp-echo": ["bad_sport", "loop_refused"],
    "sockperf": ["malformed_short", "malformed_length"],
}

# The bad frames of malformed.pcap (numbered from 0, as make-malformed.py
# builds them) and the counters that may record each one's drop. Where a
# defect has two honest names (a datagram longer than its frame is both
# "bad total length" and "truncated"), both are accepted. The first
# fragments of the two overlapping pairs (frames 21 and 23) are valid on
# their own and are dropped with their datagram when the overlapping
# fragment arrives, which ipv4.reasm_overlap counts once per datagram.
BAD = {
    2: ["ipv4.bad_csum"],                                  # IP header checksum
    3: ["icmp.bad_csum"],                                  # ICMP checksum
    5: ["udp.csum_bad"],                                   # UDP checksum
    7: ["ipv4.bad_total_len", "ipv4.truncated"],           # total length > frame
    8: ["ipv4.bad_total_len"],                             # total length < 20
    9: ["ipv4.bad_ihl"],                                   # IHL 4
    10: ["ipv4.bad_ihl", "ipv4.bad_hdr_len", "ipv4.bad_total_len",
         "ipv4.truncated"],                                # IHL 15 beyond the datagram
    11: ["ipv4.bad_version"],                              # version 6
    14: ["pcap-file:*.rx_runt", "ether.runt"],             # 10-byte frame
    15: ["ipv4.too_short", "ipv4.truncated"],              # 12 bytes of IP header
    16: ["udp.hdr_short"],                                 # 4 bytes of UDP header
    17: ["udp.len_over"],                                  # UDP length > IP payload
    18: ["udp.len_short"],                                 # UDP length 4
    22: ["ipv4.reasm_overlap"],                            # partial overlap
    24: ["ipv4.reasm_overlap"],                            # "last" fragment inside the first
    27: ["ipv4.reasm_oversize"],                           # offset + length > 65535
    28: ["arp.bad_hlen"],                                  # hardware length 7
    29: ["arp.bad_ptype"],                                 # protocol type 0x86dd
    30: ["arp.truncated"],                                 # 20 of 28 bytes
    32: ["ipv4.martian_src_bcast"],                        # source 255.255.255.255
    33: ["ipv4.martian_src_mcast"],                        # source 224.0.0.1
    34: ["ipv4.martian_src_bcast"],                        # source 10.77.0.255
    37: ["ether.not_for_us"],                              # another MAC
    38: ["ipv4.not_for_us", "ipv4.martian_dst"],           # destination 10.77.0.3
    39: ["icmp.echo_bcast_ignored"],                       # echo to 10.77.0.255
}


def load(path):
    with open(path) as f:
        return json.load(f)


def drop_counters(doc):
    """{"node.name": value} for every drop counter present in the document."""
    out = {}
    for node, ctrs in doc.get("nodes", {}).items():
        key = node.split("#")[0]  # an extension instance "NAME#ID" counts as its class
        for port in ("pcap-file:", "pcap:"):
            if node.startswith(port):
                key = port + "*"
        for name in DROP.get(key, []):
            if name in ctrs:
                out["%s.%s" % (key, name)] = out.get("%s.%s" % (key, name), 0) + ctrs[name]
    return out


def check_pools(doc, errors):
    pools = doc.get("pools")
    if not pools:
        errors.append("no pools in the stats JSON")
    for p in pools or []:
        if p.get("out", 0) != 0:
            errors.append("pool %s: %d buffers out after shutdown (leak)" %
                          (p.get("name"), p["out"]))


def check_nodes_present(doc, errors):
    for n in ("ether", "arp", "ipv4", "icmp", "udp"):
        if n not in doc.get("nodes", {}):
            errors.append("node %s missing from the stats JSON" % n)


def cmd_clean(path):
    doc = load(path)
    errors = []
    check_nodes_present(doc, errors)
    for k, v in sorted(drop_counters(doc).items()):
        if v:
            errors.append("drop counter %s = %d in a trace of valid traffic" % (k, v))
    check_pools(doc, errors)
    return report(errors, "no drops, pools full")


def check_markers(pcap):
    """The bad frames are where BAD says (make-malformed.py's numbering)."""
    from scapy.all import RawPcapReader
    frames = [raw for raw, _ in RawPcapReader(pcap)]
    errs = []
    if len(frames) != 42:
        errs.append("%s has %d frames, BAD expects 42 (regenerated? update BAD)" %
                    (pcap, len(frames)))
    for k in BAD:
        if k >= len(frames):
            continue
        f = frames[k]
        # Frames whose IP header is readable carry IP id 0xb000 + k.
        # The second fragment of an overlapping pair has its first's id.
        if len(f) >= 34 and f[12:14] == b"\x08\x00" and f[14] >> 4 == 4:
            ident = struct.unpack("!H", f[18:20])[0]
            if ident != 0xB000 + k and not (k in (22, 24) and ident == 0xB000 + k - 1):
                errs.append("frame %d: IP id 0x%04x, not the marker 0x%04x "
                            "(update BAD)" % (k, ident, 0xB000 + k))
    return errs


def assign(bad, avail):
    """Give each bad frame one unit of one of its counters (bipartite matching).

    Returns {frame: counter} for the frames that got one.
    """
    units = [(c, u) for c, v in avail.items() for u in range(v)]
    owner = {}  # unit -> frame

    def try_frame(k, seen):
        for unit in units:
            if unit[0] in bad[k] and unit not in seen:
                seen.add(unit)
                if unit not in owner or try_frame(owner[unit], seen):
                    owner[unit] = k
                    return True
        return False

    for k in bad:
        try_frame(k, set())
    return {k: unit[0] for unit, k in owner.items()}


def cmd_malformed(path, pcap):
    doc = load(path)
    errors = check_markers(pcap)
    check_nodes_present(doc, errors)
    drops = drop_counters(doc)
    nonzero = {k: v for k, v in drops.items() if v}
    print("drop counters: " + (", ".join("%s=%d" % kv for kv in sorted(nonzero.items()))
                                or "none"))
    got = assign(BAD, drops)
    for k in sorted(BAD):
        if k not in got:
            errors.append("bad frame %d is in none of its counters %s" %
                          (k, " ".join(BAD[k])))
    total = sum(drops.values())
    if total != len(BAD):
        allowed = {c for cs in BAD.values() for c in cs}
        extra = {k: v for k, v in nonzero.items() if k not in allowed}
        errors.append("drop counters add up to %d, expected exactly %d (one per bad "
                      "frame)%s" % (total, len(BAD),
                                    "; unexpected: " + ", ".join(
                                        "%s=%d" % kv for kv in sorted(extra.items()))
                                    if extra else ""))
    check_pools(doc, errors)
    return report(errors, "each of the %d bad frames counted once, pools full" % len(BAD))


def report(errors, okmsg):
    if errors:
        print("STATS PROBLEMS:")
        for e in errors:
            print("  " + e)
        return 1
    print("ok: " + okmsg)
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "clean":
        return cmd_clean(argv[2])
    if len(argv) == 4 and argv[1] == "malformed":
        return cmd_malformed(argv[2], argv[3])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
