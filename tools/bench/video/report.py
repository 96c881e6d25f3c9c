#!/usr/bin/python3
"""Report of tools/bench/video/client-cpu.sh: a table, ratios, JSON, PNG.

Usage: report.py --results FILE --dir DIR --frames N --size WxH --json OUT --png OUT

FILE: one line per receiver, "NAME CPU_PERCENT WALL_SECONDS". DIR holds
spindle-*.json (spindle's --stats-json: the video-client counters) and
ffplay.fd (ffplay's late-frame drops).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchlib  # noqa: E402

LABELS = {
    "spindle-none": "spindle, display=none",
    "spindle-y4m": "spindle, display=FILE.y4m",
    "spindle-window": "spindle, display=window (SDL dummy)",
    "ffplay": "ffplay (SDL dummy)",
}
COLORS = {"spindle-none": "#4c72b0", "spindle-y4m": "#55a868", "spindle-window": "#8172b2",
          "ffplay": "#c44e52"}


def client_counters(path):
    try:
        with open(path) as f:
            return json.load(f)["nodes"]["video-client"]
    except (OSError, ValueError, KeyError):
        return {}


def plot(png, title, rows):
    """Horizontal bars, one per client, labelled with the percentage and the ratio to ffplay."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: no matplotlib (apt-get install python3-matplotlib): no PNG", file=sys.stderr)
        return
    names = list(rows)[::-1]
    values = [rows[n]["cpu_percent_of_a_core"] for n in names]
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(names) + 1.4))
    bars = ax.barh([LABELS.get(n, n) for n in names], values,
                   color=[COLORS.get(n, "#999999") for n in names])
    for b, n in zip(bars, names):
        ratio = rows[n].get("ratio_to_ffplay")
        text = "%.1f %%" % rows[n]["cpu_percent_of_a_core"] + (
            "  (%.2fx ffplay)" % ratio if ratio is not None else "")
        ax.annotate(text, (b.get_width(), b.get_y() + b.get_height() / 2), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel("percent of one core (utime + stime over the stream)")
    ax.set_xlim(0, max(values) * 1.45)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    for a in ("--results", "--dir", "--size", "--json", "--png"):
        ap.add_argument(a, required=True)
    ap.add_argument("--frames", type=int, required=True)
    args = ap.parse_args()

    rows = {}
    with open(args.results) as f:
        for line in f:
            name, cpu, wall = line.split()
            rows[name] = {"cpu_percent_of_a_core": float(cpu), "wall_seconds": float(wall)}
    for name, r in rows.items():
        if name.startswith("spindle-"):
            c = client_counters(os.path.join(args.dir, name + ".json"))
            r["frames_shown"] = c.get("frames_shown")
            r["frames_dropped"] = (None if not c else c.get("dropped_late", 0)
                                   + c.get("dropped_incomplete", 0) + c.get("dropped_corrupt", 0))
            r["packets_lost"] = c.get("packets_lost")
            d = c.get("decoded")
            r["decode_us_mean"] = round(c["decode_ns_total"] / d / 1000, 1) if d else None
        else:
            try:
                with open(os.path.join(args.dir, "ffplay.fd")) as f:
                    r["frames_dropped_late"] = int(f.read().strip())
            except (OSError, ValueError):
                r["frames_dropped_late"] = None
    base = rows.get("ffplay", {}).get("cpu_percent_of_a_core")
    for name, r in rows.items():
        if name != "ffplay":
            r["ratio_to_ffplay"] = round(r["cpu_percent_of_a_core"] / base, 3) if base else None

    print("%-38s %8s %8s %8s %8s  %s" % ("client (one 30-frame/s stream, %s)" % args.size,
                                          "CPU %", "shown", "dropped", "pkt lost", "vs ffplay"))
    for name, r in rows.items():
        shown = r.get("frames_shown")
        dropped = r.get("frames_dropped", r.get("frames_dropped_late"))
        print("%-38s %8.1f %8s %8s %8s  %s" % (LABELS.get(name, name), r["cpu_percent_of_a_core"],
                                              benchlib.fmt(shown), benchlib.fmt(dropped),
                                              benchlib.fmt(r.get("packets_lost")),
                                          benchlib.fmt(r.get("ratio_to_ffplay"), 2) + "x"
                                          if r.get("ratio_to_ffplay") is not None else ""))
    doc = benchlib.metadata("video-client-cpu", stream="RTP/JPEG (RFC 2435) 30 frames/s",
                            size=args.size, frames_sent=args.frames,
                            measure="utime+stime of the receiving process (/proc/PID/stat) "
                                    "over the stream, percent of one core",
                            clients=rows)
    benchlib.write_json(args.json, doc)
    plot(args.png, "Host CPU of one 30-frame/s RTP/JPEG stream, %s" % args.size, rows)
    if any(r.get("packets_lost") for r in rows.values()):
        print("note: packets were lost (a busy host stalled the receiver past its capture "
              "buffer): run again on a quieter host")
    print("wrote %s and %s" % (args.json, args.png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
