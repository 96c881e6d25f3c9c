#!/usr/bin/python3
"""tools/bench/rpc/report.py - table, JSON and PNG of run.sh's results.

Input (--results): lines "FIGURE P50_US P99_US [SERVER_CPU_US CLIENT_CPU_US]"
("-" for a figure not measured), FIGURE one of FIGURES below; the CPU
columns are the host CPU of each VM's QEMU per call (VM figures only). Output: the table on stdout with
each figure's ratio to the Linux figure of its column (VMs, or hosted) and
the targets of SPIN's Table 7 analogue; --json FILE; --png FILE. Exit 1
when the input holds no figure.

The JSON is meant for a later tools/bench/spin script: "figures" maps each
key below to {"label", "column", "p50_us", "p99_us", "calls"} (null when not
measured; the VM figures also "server_cpu_us_per_call" and
"client_cpu_us_per_call"), "ratios" maps "A/B" to {"p50", "p99"}, "targets" is a list of
{"name", "ratio", "p50", "limit", "met"}, "spin_table7_us" holds the paper's
figures for the same rows.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchlib  # noqa: E402

# key, column, label
FIGURES = [
    ("linux_vm", "vm", "Linux VMs: rpcgen client and server, libtirpc, user level"),
    ("spindle_vm_udp_async", "vm", "spindle VMs: rpc-ping to rpc-echo, UDP, async"),
    ("spindle_vm_udp_bounded", "vm", "spindle VMs: rpc-ping to rpc-echo, UDP, bounded"),
    ("spindle_vm_udp_sync", "vm", "spindle VMs: rpc-ping to rpc-echo, UDP, sync (no budget)"),
    ("spindle_vm_aal5", "vm", "spindle VMs: rpc-ping to rpc-echo, raw AAL5, bounded"),
    ("hosted_linux", "hosted", "veth: libtirpc client to libtirpc server"),
    ("hosted_spindle_async", "hosted", "veth: libtirpc client to hosted spindle, async"),
    ("hosted_spindle_bounded", "hosted", "veth: libtirpc client to hosted spindle, bounded"),
    ("hosted_spindle_sync", "hosted", "veth: libtirpc client to hosted spindle, sync"),
]
BASE = {"vm": "linux_vm", "hosted": "hosted_linux"}
# (name, numerator, denominator, limit): the targets of the issue
TARGETS = [
    ("spindle UDP async <= 0.5x Linux user level", "spindle_vm_udp_async", "linux_vm", 0.5),
    ("spindle UDP bounded <= 0.5x Linux user level", "spindle_vm_udp_bounded", "linux_vm", 0.5),
    ("bounded <= 0.9x async (UDP)", "spindle_vm_udp_bounded", "spindle_vm_udp_async", 0.9),
    ("raw AAL5 <= 0.7x UDP (both bounded)", "spindle_vm_aal5", "spindle_vm_udp_bounded", 0.7),
]
# Bershad et al., SOSP 1995, Table 7 (us): the rows this benchmark stands for
SPIN_TABLE7 = {"osf1_user_level": 840, "spin_extension": 579, "spin_bounded_extension": 510,
               "spin_udp_ip": 332, "spin_raw_aal": 162}


def parse(path):
    got = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) not in (3, 5):
                continue
            v = [None if x == "-" else float(x) for x in w[1:]]
            got[w[0]] = tuple(v + [None] * (4 - len(v)))
    return got


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def main():
    ap = benchlib.report_args()
    ap.add_argument("--nic", default="virtio")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--kernel", default="")
    a = ap.parse_args()

    got = parse(a.results)
    if not any(v is not None for p in got.values() for v in p):
        print("report.py: no figures", file=sys.stderr)
        return 1
    figures = {}
    for key, col, label in FIGURES:
        p50, p99, scpu, ccpu = got.get(key, (None, None, None, None))
        figures[key] = {"label": label, "column": col, "p50_us": p50, "p99_us": p99,
                        "calls": a.count if p50 is not None else None}
        if col == "vm":
            figures[key]["server_cpu_us_per_call"] = scpu
            figures[key]["client_cpu_us_per_call"] = ccpu
    ratios = {}
    for key, col, _ in FIGURES:
        base = BASE[col]
        if key != base:
            ratios["%s/%s" % (key, base)] = {
                "p50": ratio(figures[key]["p50_us"], figures[base]["p50_us"]),
                "p99": ratio(figures[key]["p99_us"], figures[base]["p99_us"]),
            }
    targets = []
    for name, num, den, limit in TARGETS:
        r50 = ratio(figures[num]["p50_us"], figures[den]["p50_us"])
        r99 = ratio(figures[num]["p99_us"], figures[den]["p99_us"])
        targets.append({"name": name, "ratio": "%s/%s" % (num, den), "p50": r50, "p99": r99,
                        "limit": limit, "met": None if r50 is None else r50 <= limit})

    doc = benchlib.metadata(
        "tools/bench/rpc/run.sh", None,
        accelerator=a.accel, nic=a.nic, linux=a.kernel,
        calls_per_figure=a.count, warmup_calls=a.warmup,
        method="null ONC RPC (RFC 5531; rpcecho 537198593 v1 procedure 0) round trips, back to "
               "back, nearest-rank percentiles. VMs: two on one bridge (tools/lab/pair.sh), the "
               "client in B (10.77.0.3) calls the server in A (10.77.0.2); spindle's client is "
               "rpc-ping (first transmission to the reply in its receive handler), Linux's "
               "rpcecho-client (clnt_call, CLOCK_MONOTONIC). Hosted: a veth pair in two namespaces, "
               "libtirpc's client against the hosted spindle, then against libtirpc's server.",
        figures=figures, ratios=ratios, targets=targets, spin_table7_us=SPIN_TABLE7,
    )
    benchlib.write_json(a.json, doc)

    print()
    print("Null RPC round trip, us (%s, %s, %s; %d calls per figure)" % (a.accel, doc["machine"], a.nic, a.count))
    print("%-58s %9s %9s %14s %14s" % ("figure", "p50", "p99", "x Linux p50/p99", "CPU srv/cli"))
    for key, col, label in FIGURES:
        f = figures[key]
        base = BASE[col]
        r = "" if key == base else "%s/%s" % (benchlib.fmt(ratios["%s/%s" % (key, base)]["p50"], 2),
                                             benchlib.fmt(ratios["%s/%s" % (key, base)]["p99"], 2))
        cpu = "" if col != "vm" else "%s/%s" % (benchlib.fmt(f["server_cpu_us_per_call"]),
                                                benchlib.fmt(f["client_cpu_us_per_call"]))
        print("%-58s %9s %9s %14s %14s" % (label, benchlib.fmt(f["p50_us"]), benchlib.fmt(f["p99_us"]), r, cpu))
    print()
    print("(CPU srv/cli: host CPU of the server's and the client's QEMU per call, us)")
    print()
    print("Targets (p50 ratio; p99 in brackets):")
    for t in targets:
        verdict = "not measured" if t["met"] is None else ("met" if t["met"] else "MISSED")
        print("  %-48s %6s (%s)  limit %.1f  %s" % (t["name"], benchlib.fmt(t["p50"], 2),
                                                   benchlib.fmt(t["p99"], 2), t["limit"], verdict))
    print("SPIN, Table 7 (us): OSF/1 user level %d, SPIN extension %d, bounded %d, UDP/IP %d, raw AAL %d"
          % tuple(SPIN_TABLE7.values()))
    print("wrote %s" % a.json)

    groups = ["VMs, UDP", "VMs, raw AAL5", "hosted, veth"]

    def pick(key):
        f = figures[key]
        return {"p50_us": f["p50_us"], "p99_us": f["p99_us"]}
    series = [
        ("Linux user level (rpcgen, libtirpc)", "#888888",
         {"VMs, UDP": pick("linux_vm"), "hosted, veth": pick("hosted_linux")}),
        ("spindle async", "#1f77b4",
         {"VMs, UDP": pick("spindle_vm_udp_async"), "hosted, veth": pick("hosted_spindle_async")}),
        ("spindle bounded", "#ff7f0e",
         {"VMs, UDP": pick("spindle_vm_udp_bounded"), "VMs, raw AAL5": pick("spindle_vm_aal5"),
          "hosted, veth": pick("hosted_spindle_bounded")}),
        ("spindle sync (no budget)", "#2ca02c",
         {"VMs, UDP": pick("spindle_vm_udp_sync"), "hosted, veth": pick("hosted_spindle_sync")}),
    ]
    if benchlib.grouped_bars(a.png, "Null ONC RPC round trip, us (%s, %s)" % (a.accel, a.nic),
                             [("p50_us", "p50 (us)"), ("p99_us", "p99 (us)")], groups, series):
        print("wrote %s" % a.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
