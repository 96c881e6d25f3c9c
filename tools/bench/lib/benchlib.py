#!/usr/bin/python3
"""tools/bench/lib/benchlib.py - what the benchmarks' reports share.

As a module (sys.path.insert(0, "<repo>/tools/bench/lib"); import benchlib):
  percentile(values, p)          nearest-rank percentile of a list of numbers
  metadata(benchmark, args, **extra)  date, host CPUs and load, QEMU's
                                 version and machine, the report's options
  write_json(path, doc)          indented JSON with a final newline
  iperf3_summary(path)           the summary of an `iperf3 --json` run
  sockperf_summary(path_or_text) the latency summary of `sockperf ping-pong`
  fmt(value, digits)             a figure for a table ("-" for None)
  report_args()                  an argparse parser with the options every
                                 report takes: --results, --json, --png,
                                 --accel, --time
  grouped_bars(png, title, panels, groups, series)
                                 a matplotlib PNG: one panel per figure, bars
                                 per series side by side in each group
As a command (tools/bench/lib/report.sh wraps these for bash):
  benchlib.py percentiles P [P...] < numbers (one a line): one line, the
      percentiles in order, "-" each when there is no number
  benchlib.py iperf3 FILE KEY [KEY...]: the iperf3_summary values, one line
  benchlib.py sockperf FILE KEY [KEY...]: the sockperf_summary values
  benchlib.py json OUT KEY=VALUE [KEY=VALUE...]: a flat JSON object (numbers
      as numbers, "-" as null) with metadata(), "benchmark" from the KEY
      benchmark=...
Missing figures are None in Python, "-" in text, null in JSON.
"""
import argparse
import datetime
import json
import math
import os
import re
import subprocess
import sys


def percentile(values, p):
    """Nearest-rank percentile (the smallest value with at least p % of the
    values at or below it), p in (0, 100]; None for an empty list."""
    v = sorted(float(x) for x in values)
    if not v:
        return None
    rank = max(1, min(len(v), int(math.ceil(p / 100.0 * len(v)))))
    return v[rank - 1]


def _qemu_version():
    try:
        out = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                             text=True, timeout=10).stdout
        return out.splitlines()[0] if out else ""
    except (OSError, subprocess.SubprocessError):
        return ""


# The QEMU machine of every VM the launchers start (tools/vm/spindle-vm).
MACHINE = "q35, 128 MiB, 1 vCPU per VM"


def metadata(benchmark, args=None, **extra):
    """The fields every result file starts with: the benchmark, the date,
    the host's CPUs and load, QEMU's version and machine; with args (from
    report_args()) the accelerator and seconds per figure; then extra."""
    doc = {
        "benchmark": benchmark,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host_cpus": os.cpu_count(),
        "host_load_1min": round(os.getloadavg()[0], 2),
        "qemu": _qemu_version(),
        "machine": MACHINE,
    }
    if args is not None:
        doc["accelerator"] = args.accel
        doc["seconds_per_figure"] = args.time
    doc.update(extra)
    return doc


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def iperf3_summary(path):
    """From an iperf3 --json file (the client's): sent/received bytes,
    packets, bit/s, loss and, for UDP, datagrams/s; retransmits for TCP.
    Keys: sent_mbps, received_mbps, sent_pps, received_pps, lost_percent,
    packets, lost_packets, seconds, retransmits. Values None when absent;
    an empty dict when the file is not iperf3's JSON (the error text of a
    failed run)."""
    try:
        with open(path) as f:
            text = f.read()
        # A console log may hold lines before the JSON object.
        doc = json.loads(text[text.index("{"):])
        end = doc["end"]
    except (OSError, ValueError, KeyError):
        return {}
    sent, recv = end.get("sum_sent", {}), end.get("sum_received", {})
    s = {
        "sent_mbps": sent.get("bits_per_second", 0) / 1e6 if sent else None,
        "received_mbps": recv.get("bits_per_second", 0) / 1e6 if recv else None,
        "seconds": sent.get("seconds"),
        "retransmits": sent.get("retransmits"),
        "packets": sent.get("packets"),
        "lost_packets": recv.get("lost_packets"),
        "lost_percent": recv.get("lost_percent"),
        "sent_pps": None,
        "received_pps": None,
    }
    if s["packets"] is not None and sent.get("seconds"):
        s["sent_pps"] = s["packets"] / sent["seconds"]
        if s["lost_packets"] is not None and recv.get("seconds"):
            s["received_pps"] = (s["packets"] - s["lost_packets"]) / recv["seconds"]
    return s


_SOCKPERF_PCT = re.compile(r"percentile\s+([0-9.]+)\s*=\s*([0-9.]+)")


def sockperf_summary(source):
    """From sockperf ping-pong's output (a path, or the text): half round
    trip percentiles in microseconds (p50, p90, p99, p99.9, max from
    "<MAX>"), the number of observations; {} when it holds no summary."""
    text = source
    if "\n" not in source and os.path.exists(source):
        with open(source, errors="replace") as f:
            text = f.read()
    out = {}
    for m in _SOCKPERF_PCT.finditer(text):
        p = float(m.group(1))
        key = {50.0: "p50_us", 90.0: "p90_us", 99.0: "p99_us", 99.9: "p999_us"}.get(p)
        if key:
            out[key] = float(m.group(2))
    m = re.search(r"<MAX> observation\s*=\s*([0-9.]+)", text)
    if m:
        out["max_us"] = float(m.group(1))
    m = re.search(r"#\s*of observations\s*=\s*(\d+)", text) or re.search(r"Total (\d+) observations", text)
    if m:
        out["observations"] = int(m.group(1))
    return out


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.*f" % (digits, v)
    return str(v)


def report_args():
    """The options every report script takes; add its own, then parse."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True, help="the benchmark's raw results")
    ap.add_argument("--json", required=True, help="the JSON file to write")
    ap.add_argument("--png", required=True, help="the PNG file to draw")
    ap.add_argument("--accel", default="tcg", help="the accelerator (tcg or kvm)")
    ap.add_argument("--time", type=int, default=5, help="seconds per figure")
    return ap


def grouped_bars(png, title, panels, groups, series):
    """Draws png: one panel per (key, panel_title) in panels; in each, for
    every group (an x label such as a NIC model), one bar per series (label,
    color, {group: {key: value}}), labelled with its value. Returns False
    (and says so on stderr) when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("benchlib: no matplotlib (apt-get install python3-matplotlib): no PNG", file=sys.stderr)
        return False
    n = max(1, len(series))
    width = 0.8 / n
    fig, axes = plt.subplots(1, len(panels), figsize=(3.8 * len(panels), 4), squeeze=False)
    for ax, (key, ptitle) in zip(axes[0], panels):
        for j, (label, color, data) in enumerate(series):
            xs = [i + (j - (n - 1) / 2.0) * width for i in range(len(groups))]
            ys = [(data.get(g) or {}).get(key) for g in groups]
            bars = ax.bar(xs, [y or 0 for y in ys], width=width * 0.95, color=color, label=label)
            for b, y in zip(bars, ys):
                ax.annotate(fmt(y, 0 if (y or 0) >= 100 else 1),
                            (b.get_x() + b.get_width() / 2, y or 0),
                            ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels(groups)
        ax.set_title(ptitle, fontsize=9)
        ax.margins(y=0.15)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    return True


def num(s):
    """A field of a results file as a float, or None ("-", empty, not a number)."""
    try:
        return float(s)
    except ValueError:
        return None


def _value(s):
    if s in ("-", ""):
        return None
    try:
        f = float(s)
    except ValueError:
        return s
    return int(f) if re.fullmatch(r"-?\d+", s) else f


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "percentiles" and args:
        nums = [float(x) for x in sys.stdin.read().split()]
        print(" ".join(fmt(percentile(nums, float(p)), 3) for p in args))
    elif cmd in ("iperf3", "sockperf") and len(args) >= 2:
        s = iperf3_summary(args[0]) if cmd == "iperf3" else sockperf_summary(args[0])
        print(" ".join(fmt(s.get(k), 3) for k in args[1:]))
    elif cmd == "json" and len(args) >= 1:
        kv = dict(a.split("=", 1) for a in args[1:] if "=" in a)
        doc = metadata(kv.pop("benchmark", ""))
        doc.update({k: _value(v) for k, v in kv.items()})
        write_json(args[0], doc)
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
