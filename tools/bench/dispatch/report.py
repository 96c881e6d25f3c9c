#!/usr/bin/python3
"""tools/bench/dispatch/report.py — the table and plot of the dispatch benchmark.

usage: report.py RESULTS.csv OUT.png

Reads the CSV run.sh writes (plan, handlers, ns_per_packet, instr_per_packet),
prints one row per handler count with each plan's instructions and ns per
packet and their ratio to the 1-handler figure of the same plan, checks that
the compiled tree at the largest count is within 10% of its 1-handler
instruction count, and draws both series on log-log axes (matplotlib).
"""
import csv
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = list(csv.DictReader(open(sys.argv[1])))
    plans = []
    data = {}
    for r in rows:
        p = r["plan"]
        if p not in plans:
            plans.append(p)
        ns = float(r["ns_per_packet"])
        ir = float(r["instr_per_packet"]) if r["instr_per_packet"] else None
        data[(p, int(r["handlers"]))] = (ir, ns)
    sizes = sorted({n for _, n in data})

    def ratio(p, n, i):
        base = data.get((p, sizes[0]))
        v = data.get((p, n))
        if not base or not v or base[i] is None or v[i] is None:
            return None
        return v[i] / base[i]

    head = "%9s" % "handlers"
    for p in plans:
        head += " | %-30s" % (p + ": instr/pkt (x1) ns/pkt (x1)")
    print("dispatch benchmark: per-packet cost, UDP datagrams through the hosted receive path")
    print("(x1 = ratio to the 1-handler figure of the same plan, same run)")
    print(head)
    print("-" * len(head))
    for n in sizes:
        line = "%9d" % n
        for p in plans:
            v = data.get((p, n))
            if not v:
                line += " | %-30s" % "-"
                continue
            ir, ns = v
            ri, rn = ratio(p, n, 0), ratio(p, n, 1)
            cell = "%9s (%6s) %9.0f (%6s)" % (
                "%.0f" % ir if ir is not None else "?",
                "%.2f" % ri if ri is not None else "?",
                ns, "%.2f" % rn if rn is not None else "?")
            line += " | %-30s" % cell
        print(line)
    ok = True
    if "tree" in plans:
        r = ratio("tree", sizes[-1], 0)
        if r is not None:
            ok = r <= 1.10
            print("compiled tree at %d handlers: %.3f x the 1-handler instructions (limit 1.10): %s"
                  % (sizes[-1], r, "ok" if ok else "OVER"))
        rn = ratio("tree", sizes[-1], 1)
        if rn is not None:
            print("compiled tree at %d handlers: %.2f x the 1-handler ns (memory: each packet "
                  "touches a different handler's state)" % (sizes[-1], rn))

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib (Debian: python3-matplotlib): plot not drawn", file=sys.stderr)
        sys.exit(0 if ok else 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, i, label in ((axes[0], 0, "instructions per packet (callgrind)"),
                         (axes[1], 1, "ns per packet (wall clock)")):
        for p in plans:
            xs = [n for n in sizes if data.get((p, n)) and data[(p, n)][i] is not None]
            ys = [data[(p, n)][i] for n in xs]
            if xs:
                ax.plot(xs, ys, marker="o", label=p)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("installed udp-count handlers (distinct ports)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("spindle dispatch: compiled tree vs linear guards vs one cBPF per handler")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)
    print("plot: %s" % sys.argv[2])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
