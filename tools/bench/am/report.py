#!/usr/bin/python3
"""tools/bench/am/report.py - table, ratios, JSON and PNG of run.sh's results.

Input (--results): lines "KEY VALUE" ("-" for a figure not measured): for
udp_async, udp_bounded, raw_async, raw_bounded: <k>_rtt_p50_us,
<k>_rtt_p99_us, <k>_replies; udp_bulk_mbps, raw_bulk_mbps; linux_rtt_p50_us,
linux_rtt_p99_us (twice sockperf's half round trip), linux_observations;
cpu_<phase>_<server|client>_pct. Output: the table and the ratios against
the issue's targets on stdout, --json FILE, --png FILE. Exit 1 when the
input holds no figure.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchlib  # noqa: E402

PATHS = [("udp_async", "UDP, async handler"), ("udp_bounded", "UDP, bounded handler"),
         ("raw_async", "raw (AAL5), async handler"), ("raw_bounded", "raw (AAL5), bounded handler")]


def parse(path):
    r = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 2:
                r[w[0]] = None if w[1] == "-" else float(w[1])
    return r


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def main():
    ap = benchlib.report_args()
    ap.add_argument("--nic", default="virtio")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--stores", type=int, default=0)
    a = ap.parse_args()
    r = parse(a.results)
    if not any(v is not None for v in r.values()):
        print("report.py: no figures", file=sys.stderr)
        return 1
    g = r.get
    print("\n%-34s %10s %10s" % ("round trip of a 0-argument request", "p50 (us)", "p99 (us)"))
    for k, label in PATHS:
        print("%-34s %10s %10s" % ("spindle " + label, benchlib.fmt(g(k + "_rtt_p50_us")),
                                   benchlib.fmt(g(k + "_rtt_p99_us"))))
    print("%-34s %10s %10s" % ("Linux sockperf UDP (2 x half RTT)", benchlib.fmt(g("linux_rtt_p50_us")),
                               benchlib.fmt(g("linux_rtt_p99_us"))))
    print("\n%-34s %10s %10s" % ("elapsed per phase", "guest ms", "host ms"))
    for k in [p for p, _ in PATHS] + ["udp_bulk", "raw_bulk"]:
        print("%-34s %10s %10s" % (k, benchlib.fmt(g(k + "_guest_ms")), benchlib.fmt(g(k + "_host_ms"))))
    print("(host: from the install on the console to the result line, polled every 20 ms)")
    print("\n%-34s %10s" % ("64 KiB stores, back to back", "Mbit/s"))
    print("%-34s %10s" % ("spindle UDP (1408-byte chunks)", benchlib.fmt(g("udp_bulk_mbps"))))
    print("%-34s %10s" % ("spindle raw (8 KiB chunks)", benchlib.fmt(g("raw_bulk_mbps"))))
    targets = [
        ("raw / UDP round trip, async", ratio(g("raw_async_rtt_p50_us"), g("udp_async_rtt_p50_us")), "<=", 0.6),
        ("raw / UDP round trip, bounded", ratio(g("raw_bounded_rtt_p50_us"), g("udp_bounded_rtt_p50_us")), "<=", 0.6),
        ("bounded / async round trip, UDP", ratio(g("udp_bounded_rtt_p50_us"), g("udp_async_rtt_p50_us")), "<=", 0.9),
        ("bounded / async round trip, raw", ratio(g("raw_bounded_rtt_p50_us"), g("raw_async_rtt_p50_us")), "<=", 0.9),
        ("spindle UDP async / Linux round trip", ratio(g("udp_async_rtt_p50_us"), g("linux_rtt_p50_us")), "<=", 0.5),
        ("spindle UDP bounded / Linux round trip", ratio(g("udp_bounded_rtt_p50_us"), g("linux_rtt_p50_us")), "<=", 0.5),
        ("raw / UDP bulk bandwidth", ratio(g("raw_bulk_mbps"), g("udp_bulk_mbps")), ">=", 1.2),
    ]
    print("\n%-40s %8s %8s  %s" % ("ratio (p50)", "measured", "target", ""))
    checks = []
    for name, v, op, t in targets:
        met = None if v is None else (v <= t if op == "<=" else v >= t)
        checks.append({"ratio": name, "value": None if v is None else round(v, 3),
                       "target": "%s %.1f" % (op, t), "met": met})
        print("%-40s %8s %8s  %s" % (name, benchlib.fmt(v, 2), "%s %.1f" % (op, t),
                                     {None: "-", True: "met", False: "MISSED"}[met]))
    doc = benchlib.metadata(
        "tools/bench/am/run.sh", a, nic=a.nic, requests_per_path=a.count, stores_per_path=a.stores,
        topology="VM A 10.77.0.2 serves, VM B 10.77.0.3 asks; TAPs on one bridge (tools/lab/pair.sh)",
        method="spindle: am-ping on B (0-argument requests back to back to AM_H_ECHO; 64 KiB "
               "stores with no handler), times read by B; Linux: sockperf ping-pong -m 16, "
               "round trip = 2 x its half round trip",
        results=r, ratios=checks)
    benchlib.write_json(a.json, doc)
    def rtt(k):
        return {"p50": g(k + "_rtt_p50_us"), "p99": g(k + "_rtt_p99_us")}
    series = [
        ("async handler", "#4477aa", {"UDP": rtt("udp_async"), "raw": rtt("raw_async")}),
        ("bounded handler", "#66ccee", {"UDP": rtt("udp_bounded"), "raw": rtt("raw_bounded")}),
        ("Linux sockperf", "#cc6677", {"Linux": rtt("linux")}),
        ("64 KiB stores", "#228833", {"UDP": {"bulk": g("udp_bulk_mbps")},
                                      "raw": {"bulk": g("raw_bulk_mbps")}}),
    ]
    benchlib.grouped_bars(a.png, "Active messages, two spindle VMs (%s, %s) beside Linux" % (a.accel, a.nic),
                          [("p50", "round trip p50 (us)"), ("p99", "round trip p99 (us)"),
                           ("bulk", "store bandwidth (Mbit/s)")], ["UDP", "raw", "Linux"], series)
    print("\nwrote %s and %s" % (a.json, a.png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
