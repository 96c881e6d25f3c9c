#!/usr/bin/python3
"""tools/bench/dpdk/report.py - table, JSON and PNG of dpdk-bench.sh's results.

Input (--results): tab-separated lines, "-" for a figure not measured:
  rtt  SIDE  SIZE  P50_US  P99_US        SIDE dpdk, pcap or linux
  fwd  NAME  OFFERED_PPS  FORWARDED_PPS  NAME spindle, testpmd or linux; one
                                         line per round, the medians are used
  mem  NAME  PPS                         NAME spindle or testpmd
Output: the tables with their ratios and the two targets (sockperf p50 on
DPDK <= 0.7 x Linux's; 64-byte forwarding >= 0.8 x testpmd io on the same
vdevs) on stdout, --json FILE, --png FILE (three panels: latency, lab
forwarding, forwarding from memory). Exit 1 when a figure is missing.
"""
import argparse
import datetime
import json
import statistics
import sys

P50_TARGET = 0.7
FWD_TARGET = 0.8
# testpmd io forwarding this share of the offer or more: the generator is the limit
GEN_BOUND = 0.95
SIDES = [("dpdk", "spindle on DPDK"), ("pcap", "spindle on pcap"), ("linux", "Linux")]
ROUTERS = [("spindle", "spindle on DPDK"), ("testpmd", "testpmd io"), ("linux", "Linux")]


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def ratio(a, b):
    return None if a is None or b is None or b == 0 else round(a / b, 3)


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def parse(path):
    r = {"latency": {}, "forwarding": {}, "memory": {}}
    with open(path) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if c[0] == "rtt" and len(c) >= 5:
                r["latency"].setdefault(c[1], {})[c[2]] = {"p50_us": num(c[3]), "p99_us": num(c[4])}
            elif c[0] == "fwd" and len(c) >= 4:
                f = r["forwarding"].setdefault(c[1], {"rounds": []})
                f["rounds"].append({"offered_pps": num(c[2]), "forwarded_pps": num(c[3])})
            elif c[0] == "mem" and len(c) >= 3:
                r["memory"][c[1]] = {"pps": num(c[2])}
    for f in r["forwarding"].values():
        for k in ("offered_pps", "forwarded_pps"):
            v = [x[k] for x in f["rounds"] if x[k] is not None]
            f[k] = statistics.median(v) if v else None
    return r


def latency_table(r, missing):
    lat = r["latency"]
    sizes = sorted({s for side in lat.values() for s in side}, key=int)
    print("sockperf ping-pong, half round trip in us, on one veth pair")
    print("%-6s %18s %18s %18s %14s %14s" % ("size", "DPDK p50/p99", "pcap p50/p99",
                                           "Linux p50/p99", "DPDK/Linux", "pcap/Linux"))
    ratios = {}
    for s in sizes:
        row = {k: lat.get(k, {}).get(s, {}) for k, _ in SIDES}
        for k, _ in SIDES:
            for q in ("p50_us", "p99_us"):
                if row[k].get(q) is None:
                    missing.append("latency %s %s B %s" % (k, s, q))
        rd = {q: ratio(row["dpdk"].get(q), row["linux"].get(q)) for q in ("p50_us", "p99_us")}
        rp = {q: ratio(row["pcap"].get(q), row["linux"].get(q)) for q in ("p50_us", "p99_us")}
        ratios[s] = {"dpdk_vs_linux": rd, "pcap_vs_linux": rp,
                     "dpdk_vs_pcap_p50": ratio(row["dpdk"].get("p50_us"), row["pcap"].get("p50_us"))}
        cell = lambda d: "%s / %s" % (fmt(d.get("p50_us")), fmt(d.get("p99_us")))
        print("%-6s %18s %18s %18s %14s %14s" % (
            s, cell(row["dpdk"]), cell(row["pcap"]), cell(row["linux"]),
            "%s / %s" % (fmt(rd["p50_us"], "%.2f"), fmt(rd["p99_us"], "%.2f")),
            "%s / %s" % (fmt(rp["p50_us"], "%.2f"), fmt(rp["p99_us"], "%.2f"))))
    return ratios


def forwarding_table(r, missing):
    fw = r["forwarding"]
    n = max([len(f["rounds"]) for f in fw.values()] or [0])
    print("\n64-byte UDP forwarded per second between the router lab's veths (C2's count),"
          " median of %d round(s)" % n)
    print("%-18s %12s %12s %10s %12s %10s" % ("router", "offered/s", "forwarded/s", "of offer",
                                             "vs testpmd", "vs Linux"))
    out = {}
    t = fw.get("testpmd", {}).get("forwarded_pps")
    lx = fw.get("linux", {}).get("forwarded_pps")
    for k, label in ROUTERS:
        f = fw.get(k, {})
        if f.get("forwarded_pps") is None:
            missing.append("forwarding %s" % k)
        share = ratio(f.get("forwarded_pps"), f.get("offered_pps"))
        out[k] = {"of_offered": share, "vs_testpmd": ratio(f.get("forwarded_pps"), t),
                  "vs_linux": ratio(f.get("forwarded_pps"), lx)}
        print("%-18s %12s %12s %10s %12s %10s" % (
            label, fmt(f.get("offered_pps"), "%.0f"), fmt(f.get("forwarded_pps"), "%.0f"),
            fmt(share, "%.2f"), fmt(out[k]["vs_testpmd"], "%.2f"), fmt(out[k]["vs_linux"], "%.2f")))
    return out


def memory_table(r, missing):
    m = r["memory"]
    print("\n64-byte UDP forwarded from memory (net_pcap loop -> router -> /dev/null), one CPU")
    s, t = m.get("spindle", {}).get("pps"), m.get("testpmd", {}).get("pps")
    for k, v in (("spindle", s), ("testpmd", t)):
        if v is None:
            missing.append("memory %s" % k)
        print("%-18s %12s/s %10s ns per frame" % ("spindle router" if k == "spindle" else "testpmd io",
                                                 fmt(v, "%.0f"), fmt(1e9 / v if v else None, "%.0f")))
    rr = ratio(s, t)
    extra = (1e9 / s - 1e9 / t) if s and t else None
    print("%-18s %12s    (the graph adds %s ns per frame)" % ("ratio", fmt(rr, "%.2f"), fmt(extra, "%.0f")))
    return {"spindle_vs_testpmd": rr, "graph_ns_per_frame": None if extra is None else round(extra, 1)}


def targets(r, lat_ratios, fwd):
    out = {}
    p = lat_ratios.get("64", {}).get("dpdk_vs_linux", {}).get("p50_us")
    out["sockperf_p50_dpdk_vs_linux_64B"] = {"target": "<= %.1f" % P50_TARGET, "ratio": p,
                                            "met": None if p is None else p <= P50_TARGET}
    f = fwd.get("spindle", {}).get("vs_testpmd")
    tp = r["forwarding"].get("testpmd", {})
    bound = ratio(tp.get("forwarded_pps"), tp.get("offered_pps"))
    out["forwarding_64B_spindle_vs_testpmd_io"] = {
        "target": ">= %.1f" % FWD_TARGET, "ratio": f, "met": None if f is None else f >= FWD_TARGET,
        "generator_bound": None if bound is None else bound >= GEN_BOUND}
    if out["forwarding_64B_spindle_vs_testpmd_io"]["generator_bound"]:
        out["forwarding_64B_spindle_vs_testpmd_io"]["met"] = None
    print("\ntargets")
    for k, v in out.items():
        state = "not measured" if v["met"] is None else ("met" if v["met"] else "MISSED")
        note = ""
        if v.get("generator_bound"):
            state = "INCONCLUSIVE"
            note = (" (testpmd forwarded %.0f%% of the offer: the generator, not the PMD, is the limit)"
                    % (100 * bound))
        print("  %-42s %s, ratio %s: %s%s" % (k, v["target"], fmt(v["ratio"], "%.2f"), state, note))
    return out


def plot(r, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: python3-matplotlib missing: no plot", file=sys.stderr)
        return
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.5))
    lat = r["latency"]
    sizes = sorted({s for side in lat.values() for s in side}, key=int)
    w = 0.13
    for i, (k, label) in enumerate(SIDES):
        for j, q in enumerate(("p50_us", "p99_us")):
            xs = [n + (2 * i + j - 2.5) * w for n in range(len(sizes))]
            ys = [lat.get(k, {}).get(s, {}).get(q) or 0 for s in sizes]
            ax[0].bar(xs, ys, w, label="%s %s" % (label, q[:3]), color="C%d" % i,
                      alpha=1.0 if j == 0 else 0.5)
    ax[0].set_xticks(range(len(sizes)))
    ax[0].set_xticklabels(["%s B" % s for s in sizes])
    ax[0].set_ylabel("half round trip, us")
    ax[0].set_title("sockperf ping-pong (lower is better)")
    ax[0].legend(fontsize=7)
    fw = r["forwarding"]
    names = [label for _, label in ROUTERS]
    ax[1].bar(names, [fw.get(k, {}).get("forwarded_pps") or 0 for k, _ in ROUTERS],
              color=["C0", "C3", "C2"])
    off = [fw.get(k, {}).get("offered_pps") for k, _ in ROUTERS]
    ax[1].plot(names, [o or 0 for o in off], "k_", markersize=40, label="offered")
    ax[1].set_ylabel("64-byte frames/s")
    ax[1].set_title("forwarding on the lab's veths (higher is better)")
    ax[1].legend(fontsize=7)
    m = r["memory"]
    ax[2].bar(["spindle router", "testpmd io"],
              [m.get("spindle", {}).get("pps") or 0, m.get("testpmd", {}).get("pps") or 0],
              color=["C0", "C3"])
    ax[2].set_ylabel("64-byte frames/s")
    ax[2].set_title("forwarding from memory, one CPU")
    fig.suptitle("spindle on DPDK (tools/bench/dpdk/dpdk-bench.sh), %s" %
                 datetime.date.today().isoformat())
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--json")
    ap.add_argument("--png")
    ap.add_argument("--time", type=int, default=0)
    ap.add_argument("--cpus", type=int, default=0)
    ap.add_argument("--load", nargs=2, metavar=("START", "END"),
                    help="the host's 1-minute load average at the start and end of the run")
    a = ap.parse_args()
    r = parse(a.results)
    missing = []
    lat_ratios = latency_table(r, missing)
    fwd = forwarding_table(r, missing)
    mem = memory_table(r, missing)
    tg = targets(r, lat_ratios, fwd)
    doc = dict(r, ratios={"latency": lat_ratios, "forwarding": fwd, "memory": mem}, targets=tg,
               seconds_per_figure=a.time, cpus=a.cpus,
               load_average=None if a.load is None else [float(x) for x in a.load],
               date=datetime.datetime.now().isoformat(timespec="seconds"))
    if a.load:
        print("\nhost load average (1 min) %s at the start, %s at the end, on %d CPUs%s"
              % (a.load[0], a.load[1], a.cpus,
                 ": other work shared the CPUs, the figures are not an idle host's"
                 if max(float(x) for x in a.load) > 0.5 * max(a.cpus, 1) else ""))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=1)
        print("\nwrote %s" % a.json)
    if a.png:
        plot(r, a.png)
        print("wrote %s" % a.png)
    if missing:
        print("report.py: not measured: %s" % ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
