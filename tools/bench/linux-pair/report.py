#!/usr/bin/python3
"""tools/bench/linux-pair/report.py - table, JSON and PNG of run.sh's results.

Input (--results): lines "NIC KEY VALUE" ("-" for a figure not measured),
keys sockperf_p50_us, sockperf_p99_us, sockperf_observations,
udp_sent_mbps, udp_received_mbps, udp_received_pps, udp_loss_pct and
cpu_<idle|sockperf|iperf3>_<server|client>[_vcpu]_pct.
Output: the table on stdout, --json FILE (tools/bench/lib/benchlib.py
metadata, the method, the results per NIC model) and --png FILE. Exit 1
when the input holds no figure.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchlib  # noqa: E402

ROWS = [
    ("sockperf_p50_us", "sockperf 64 B half-RTT p50 (us)"),
    ("sockperf_p99_us", "sockperf 64 B half-RTT p99 (us)"),
    ("sockperf_observations", "sockperf observations"),
    ("udp_sent_mbps", "iperf3 UDP sent (Mbit/s)"),
    ("udp_received_mbps", "iperf3 UDP received (Mbit/s)"),
    ("udp_received_pps", "iperf3 UDP received (datagrams/s)"),
    ("udp_loss_pct", "iperf3 UDP loss (%)"),
]
for phase in ("idle", "sockperf", "iperf3"):
    for side in ("server", "client"):
        ROWS.append(("cpu_%s_%s_pct" % (phase, side), "QEMU CPU, %s, %s VM (%%)" % (phase, side)))
        ROWS.append(("cpu_%s_%s_vcpu_pct" % (phase, side), "  of which vCPU thread (%)"))


def parse(path):
    runs = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) != 3:
                continue
            v = None if w[2] == "-" else float(w[2])
            runs.setdefault(w[0], {})[w[1]] = v
    return runs


def main():
    ap = benchlib.report_args()
    ap.add_argument("--mps", type=int, default=20000)
    ap.add_argument("--udp-rate", default="0")
    ap.add_argument("--udp-len", default="1472")
    ap.add_argument("--kernel", default="")
    a = ap.parse_args()

    runs = parse(a.results)
    if not any(v is not None for r in runs.values() for v in r.values()):
        print("report.py: no figures", file=sys.stderr)
        return 1
    doc = benchlib.metadata(
        "tools/bench/linux-pair/run.sh", a,
        linux=a.kernel,
        topology="VM A 10.77.0.2 and VM B 10.77.0.3, TAPs on one bridge (tools/lab/pair.sh)",
        latency="sockperf ping-pong -m 64 -t S --mps %d from B to a sockperf server on A "
                "(UDP): half round trip, microseconds" % a.mps,
        bulk="iperf3 -u -b %s -l %s -t S from B to A: bit/s sent, and received by A's iperf3"
             % (a.udp_rate, a.udp_len),
        cpu="utime+stime of each QEMU process and of its vCPU thread over each phase, "
            "percent of one host core (/proc/PID/stat, /proc/PID/task/TID/stat)",
        results=runs,
    )
    benchlib.write_json(a.json, doc)

    nics = list(runs)
    print()
    print("Two Linux VMs on one bridge (%s, %s; %d s per figure)" % (a.accel, doc["machine"], a.time))
    print("%-40s" % "figure" + "".join("%12s" % n for n in nics))
    for key, label in ROWS:
        vals = [runs[n].get(key) for n in nics]
        digits = 0 if key.endswith(("_pps", "observations")) else 1
        print("%-40s" % label + "".join("%12s" % benchlib.fmt(v, digits) for v in vals))
    for n in nics:
        obs = runs[n].get("sockperf_observations")
        # sockperf counts observations over the run less its 0.4 s warm-up.
        if obs and obs >= 0.9 * a.mps * max(a.time - 0.4, 0.1):
            print("note: %s: sockperf ran at its --mps cap (%d/s): its latency is paced" % (n, a.mps))
    print("JSON: %s" % a.json)

    panels = [("sockperf_p50_us", "sockperf half-RTT p50 (us)"),
              ("sockperf_p99_us", "sockperf half-RTT p99 (us)"),
              ("udp_received_mbps", "iperf3 UDP received (Mbit/s)"),
              ("cpu_iperf3_server_pct", "QEMU CPU, server VM, iperf3 (%)"),
              ("cpu_iperf3_client_pct", "QEMU CPU, client VM, iperf3 (%)")]
    label = "Linux %s" % (a.kernel.split("-")[0] if a.kernel else "")
    if benchlib.grouped_bars(a.png, "Two Linux VMs on one bridge, QEMU %s, 1 vCPU each" % a.accel,
                             panels, nics, [(label, "#ff7f0e", runs)]):
        print("PNG: %s" % a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
