#!/usr/bin/python3
"""tools/bench/spin/report.py - spin-tables.md, spin-tables.json and one PNG
per table out of a run directory of tools/bench/spin/run.sh.

  report.py --run DIR [--out DIR] [--mode TEXT] [--accel tcg|kvm]

DIR holds one folder per configuration (x86_64-virtio, x86_64-e1000,
alpha-virtio ...) with the benchmarks' result files (spin_tables.py names
them). Writes OUT/spin-tables.md (also printed), OUT/spin-tables.json,
OUT/table7.png, table8.png, table9.png (OUT defaults to DIR). Exit 1 when
no configuration holds a figure.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import benchlib  # noqa: E402
import spin_markdown  # noqa: E402
import spin_plots  # noqa: E402
import spin_tables  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True, help="the run directory")
    ap.add_argument("--out", help="where to write (default: the run directory)")
    ap.add_argument("--mode", default="", help="how the run was made (counts, NICs), for the header")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--no-png", action="store_true")
    a = ap.parse_args()
    out = a.out or a.run
    os.makedirs(out, exist_ok=True)
    meta = benchlib.metadata("tools/bench/spin/run.sh", None, accelerator=a.accel, mode=a.mode)
    doc = spin_tables.build(a.run, meta)
    if not doc["configs"] or not any(c["sources"] for c in doc["configs"].values()):
        print("report.py: no results under %s" % a.run, file=sys.stderr)
        return 1
    benchlib.write_json(os.path.join(out, "spin-tables.json"), doc)
    text = spin_markdown.markdown(doc)
    with open(os.path.join(out, "spin-tables.md"), "w") as f:
        f.write(text)
    print(text)
    pngs = [] if a.no_png else spin_plots.plot(doc, out)
    print("wrote %s" % ", ".join([os.path.join(out, "spin-tables.md"), os.path.join(out, "spin-tables.json")] + pngs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
