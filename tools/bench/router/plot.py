#!/usr/bin/python3
"""tools/bench/router/plot.py - table, JSON and PNG of vm-bench.sh's results.

Input (--results): one tab-separated line per router VM run:
  NIC  KIND  "TCP_MBPS RETRANSMITS"  "SENT_PPS FWD_PPS LOSS_PCT IPERF3_LOSS_PCT"
  "P50_US P99_US"  EXIT_STATUS  ROUTER_NIC_DROPS
with "-" for a figure that was not measured; KIND is spindle or linux.
Output: the table on stdout (spindle, Linux, spindle/Linux ratio per figure
and NIC model), --json FILE, and --png FILE (four panels: TCP throughput,
UDP 64-byte datagrams forwarded per second, sockperf p50 and p99; bars for
spindle and Linux per NIC model). Exit 1 when the input has no line.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchlib  # noqa: E402

FIGURES = [
    # key, label, unit, higher is better
    ("tcp_mbps", "iperf3 TCP", "Mbit/s", True),
    ("tcp_retransmits", "TCP retransmits", "", False),
    ("udp64_sent_pps", "UDP 64 B sent", "pkt/s", True),
    ("udp64_fwd_pps", "UDP 64 B forwarded", "pkt/s", True),
    ("udp64_loss_pct", "UDP 64 B loss", "%", False),
    ("sockperf_p50_us", "sockperf p50", "us", False),
    ("sockperf_p99_us", "sockperf p99", "us", False),
    ("router_nic_drops", "router NIC drops", "", False),
]
NO_RATIO = ("tcp_retransmits", "router_nic_drops")


def parse(path):
    runs = {}
    with open(path) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 6:
                continue
            nic, kind = cols[0], cols[1]
            tcp, udp, lat = cols[2].split(), cols[3].split(), cols[4].split()
            vals = [benchlib.num(v) for v in tcp[:2] + udp[:3] + lat[:2]]
            keys = ["tcp_mbps", "tcp_retransmits", "udp64_sent_pps", "udp64_fwd_pps",
                    "udp64_loss_pct", "sockperf_p50_us", "sockperf_p99_us"]
            r = dict(zip(keys, vals))
            r["udp64_iperf3_loss_pct"] = benchlib.num(udp[3]) if len(udp) > 3 else None
            for k in ("tcp_retransmits",):
                r[k] = None if r.get(k) is None else int(r[k])
            r["exit_status"] = int(cols[5]) if cols[5].lstrip("-").isdigit() else cols[5]
            drops = benchlib.num(cols[6]) if len(cols) > 6 else None
            r["router_nic_drops"] = None if drops is None else int(drops)
            runs.setdefault(nic, {})[kind] = r
    return runs


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def fmt(v, key):
    if v is not None and key in NO_RATIO:
        return "%d" % v
    return benchlib.fmt(v, 0 if key.endswith("_pps") else 1)


def main():
    ap = benchlib.report_args()
    ap.add_argument("--udp-rate", default="100M")
    ap.add_argument("--qemu", default="")
    ap.add_argument("--linux", default="", help="the Linux router VM's kernel")
    ap.add_argument("--spindle-mode", default="idle", help="the spindle VM's main-loop mode line")
    a = ap.parse_args()

    runs = parse(a.results)
    if not runs:
        print("plot.py: no results", file=sys.stderr)
        return 1
    for nic, kinds in runs.items():
        s, l = kinds.get("spindle", {}), kinds.get("linux", {})
        kinds["ratio_spindle_over_linux"] = {
            k: ratio(s.get(k), l.get(k)) for k, *_ in FIGURES if k not in NO_RATIO}

    doc = benchlib.metadata(
        "tools/bench/router/vm-bench.sh", a,
        linux_router=a.linux,
        spindle_mode=a.spindle_mode,
        topology="C1 10.1.0.2/24 - router VM (eth0 10.1.0.1, eth1 10.2.0.1) - C2 10.2.0.2/24",
        tcp="iperf3 -c 10.2.0.2 -t S from C1: receiver throughput, sender retransmissions",
        udp="iperf3 -u -l 64 -b %s -t S from C1; forwarded = frames received by C2's veth-c2 "
            "(kernel counter); loss = 1 - forwarded/sent" % a.udp_rate,
        latency="sockperf ping-pong -m 64 --time S from C1 to a sockperf server in C2: "
                "half round trip, microseconds",
        results=runs,
    )
    if a.qemu:
        doc["qemu"] = a.qemu
    benchlib.write_json(a.json, doc)

    print()
    print("spindle router VM (mode %s) vs Linux router VM (%s, %s; %d s per figure)" %
          (a.spindle_mode, a.accel, doc["machine"], a.time))
    print("%-8s %-28s %10s %10s %7s" % ("NIC", "figure", "spindle", "Linux", "ratio"))
    for nic, kinds in runs.items():
        s, l, r = kinds.get("spindle", {}), kinds.get("linux", {}), kinds["ratio_spindle_over_linux"]
        for key, label, unit, _ in FIGURES:
            rv = r.get(key)
            print("%-8s %-28s %10s %10s %7s" % (
                nic, label + (" (%s)" % unit if unit else ""), fmt(s.get(key), key),
                fmt(l.get(key), key), "-" if rv is None else "%.2f" % rv))
    print("JSON: %s" % a.json)

    panels = [("tcp_mbps", "iperf3 TCP (Mbit/s)"),
              ("udp64_fwd_pps", "UDP 64 B forwarded (packets/s)"),
              ("sockperf_p50_us", "sockperf half-RTT p50 (us)"),
              ("sockperf_p99_us", "sockperf half-RTT p99 (us)")]
    nics = list(runs)
    series = [("spindle", "#1f77b4", {n: runs[n].get("spindle", {}) for n in nics}),
              ("Linux 6.1", "#ff7f0e", {n: runs[n].get("linux", {}) for n in nics})]
    if benchlib.grouped_bars(a.png, "Router VM, C1 -> C2 through QEMU (%s, 1 vCPU): spindle vs Linux, "
                             "same run" % a.accel, panels, nics, series):
        print("PNG: %s" % a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
