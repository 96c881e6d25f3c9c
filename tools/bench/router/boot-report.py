#!/usr/bin/python3
"""tools/bench/router/boot-report.py - table, JSON and PNG of boot-bench.sh.

Input (--results): one tab-separated line per boot:
  VARIANT  RUN  TOTAL_MS  "FIRMWARE_MS KERNEL_MS READY_MS"  EXIT_STATUS
TOTAL_MS is QEMU's start to the first answered ping (host wall time);
FIRMWARE_MS (reset to the PVH entry), KERNEL_MS (PVH entry to the netgraph's
bring-up) and READY_MS (reset to ready) are VM time read from spindle's
console; "-" for a figure not measured (all three for the Linux VM).
Output: per variant the median, minimum and maximum of TOTAL_MS, the ratio
of each spindle variant's median to the Linux VM's, and spindle's phases
(medians; "rest" = TOTAL - READY: QEMU's own start before the vCPU runs plus
ready to the answered ping); --json FILE and --png FILE. Exit 1 when the
input has no measured boot.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchlib  # noqa: E402

LABELS = {
    "seabios": "spindle, SeaBIOS, idle",
    "qboot": "spindle, qboot, poll",
    "linux": "Linux router VM, SeaBIOS",
}


def parse(path):
    runs = {}
    with open(path) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 5:
                continue
            fw, kern, ready = (cols[3].split() + ["-"] * 3)[:3]
            runs.setdefault(cols[0], []).append({
                "run": int(cols[1]), "total_ms": benchlib.num(cols[2]), "firmware_ms": benchlib.num(fw),
                "kernel_ms": benchlib.num(kern), "ready_ms": benchlib.num(ready), "exit_status": cols[4]})
    return runs


def median(values):
    v = [x for x in values if x is not None]
    return benchlib.percentile(v, 50) if v else None


def summarize(runs):
    out = {}
    for variant, rs in runs.items():
        totals = [r["total_ms"] for r in rs if r["total_ms"] is not None]
        s = {
            "label": LABELS.get(variant, variant),
            "runs": len(rs),
            "measured": len(totals),
            "median_ms": median(totals),
            "min_ms": min(totals) if totals else None,
            "max_ms": max(totals) if totals else None,
            "firmware_ms": median(r["firmware_ms"] for r in rs),
            "kernel_ms": median(r["kernel_ms"] for r in rs),
            "ready_ms": median(r["ready_ms"] for r in rs),
            "rest_ms": median(r["total_ms"] - r["ready_ms"] for r in rs
                              if r["total_ms"] is not None and r["ready_ms"] is not None),
            "boots": rs,
        }
        out[variant] = s
    linux = (out.get("linux") or {}).get("median_ms")
    for variant, s in out.items():
        s["ratio_to_linux"] = (s["median_ms"] / linux
                               if variant != "linux" and linux and s["median_ms"] is not None else None)
    return out


def main():
    ap = benchlib.report_args()
    ap.add_argument("--nic", default="virtio")
    ap.add_argument("--interval", default="0.01", help="seconds between pings")
    args = ap.parse_args()
    runs = parse(args.results)
    if not any(r["total_ms"] is not None for rs in runs.values() for r in rs):
        print("boot-report.py: no measured boot", file=sys.stderr)
        return 1
    summ = summarize(runs)
    order = [v for v in ("seabios", "qboot", "linux") if v in summ] + \
        [v for v in summ if v not in ("seabios", "qboot", "linux")]
    f = benchlib.fmt
    print("%-28s %6s %9s %9s %9s %13s" % ("variant", "runs", "median", "min", "max", "ratio/Linux"))
    for v in order:
        s = summ[v]
        print("%-28s %6s %9s %9s %9s %13s" % (
            s["label"], "%d/%d" % (s["measured"], s["runs"]), f(s["median_ms"]) + " ms",
            f(s["min_ms"]) + " ms", f(s["max_ms"]) + " ms", f(s["ratio_to_linux"], 3)))
    print("spindle's phases (medians, ms): firmware = reset to PVH entry; kernel = PVH entry to"
          " bring-up done; rest = QEMU's own start + ready to answered ping")
    for v in order:
        s = summ[v]
        if s["ready_ms"] is None:
            continue
        print("   %-25s firmware %7s  kernel %7s  (VM time to ready %7s)  rest %7s" % (
            s["label"], f(s["firmware_ms"]), f(s["kernel_ms"]), f(s["ready_ms"]), f(s["rest_ms"])))
    doc = benchlib.metadata("boot", accelerator=args.accel, nic=args.nic,
                            ping_interval_s=float(args.interval),
                            figure="QEMU start to the first answered ICMP echo, ms (host wall time)",
                            variants=summ)
    benchlib.write_json(args.json, doc)
    panels = [("median_ms", "QEMU start to first ping reply, median (ms)"),
              ("firmware_ms", "firmware: reset to PVH entry (ms)"),
              ("kernel_ms", "kernel: PVH entry to ready (ms)"),
              ("rest_ms", "QEMU's start + ready to reply (ms)")]
    series = [("median of %d runs" % max(s["runs"] for s in summ.values()), "tab:blue",
               {summ[v]["label"].replace(", ", "\n"): summ[v] for v in order})]
    benchlib.grouped_bars(args.png, "Boot to first answered ping, %s, %s" % (args.accel, args.nic),
                          panels, [summ[v]["label"].replace(", ", "\n") for v in order], series)
    return 0


if __name__ == "__main__":
    sys.exit(main())
