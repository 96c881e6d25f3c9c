#!/usr/bin/python3
"""tools/bench/spin/spin_plots.py - one PNG per table of spin-tables.json
(matplotlib): plot(doc, out_dir) -> list of the files written ([] without
matplotlib).

  table7.png  round trips p50 (us) per row, the paper's and each config's,
              and the ratios SPIN argues with beside the paper's
  table8.png  bandwidth received (Mbit/s) and sender CPU per 100 Mbit/s
  table9.png  server CPU % against streams (log x), spindle and Linux per
              config, the paper's points
"""
import os
import sys

from spin_tables import PAPER, paper_ratios7

COLORS = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"]


def _bars(ax, groups, series, title, log=False):
    n = max(1, len(series))
    w = 0.8 / n
    for j, (label, vals) in enumerate(series):
        xs = [i + (j - (n - 1) / 2.0) * w for i in range(len(groups))]
        ys = [vals.get(g) for g in groups]
        bars = ax.bar(xs, [y or 0 for y in ys], width=w * 0.95, label=label, color=COLORS[j % len(COLORS)])
        for b, y in zip(bars, ys):
            if y is not None:
                ax.annotate(("%.2f" % y) if y < 10 else ("%.0f" % y), (b.get_x() + b.get_width() / 2, y),
                            ha="center", va="bottom", fontsize=6)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=7, rotation=20, ha="right")
    ax.set_title(title, fontsize=9)
    if log:
        ax.set_yscale("log")
    ax.margins(y=0.15)
    ax.legend(fontsize=6)


def _table7(plt, doc, path):
    p, pr = PAPER["table7_us"], paper_ratios7()
    groups = ["user level", "extension", "bounded", "raw, ext.", "raw, bounded"]
    series = [("SPIN 1995 Ethernet", {"user level": p["ethernet"]["user_level"], "extension": p["ethernet"]["extension"],
                                      "bounded": p["ethernet"]["bounded"]}),
              ("SPIN 1995 ATM", {"user level": p["atm"]["user_level"], "extension": p["atm"]["extension"],
                                 "bounded": p["atm"]["bounded"], "raw, ext.": p["raw_aal"]["extension"],
                                 "raw, bounded": p["raw_aal"]["bounded"]})]
    rgroups = ["ext./user", "bounded/ext.", "raw/UDP"]
    rseries = [("SPIN 1995 Ethernet", {"ext./user": pr["ethernet"]["extension/user_level"],
                                       "bounded/ext.": pr["ethernet"]["bounded/extension"]}),
               ("SPIN 1995 ATM", {"ext./user": pr["atm"]["extension/user_level"],
                                  "bounded/ext.": pr["atm"]["bounded/extension"],
                                  "raw/UDP": pr["atm"]["raw/udp_bounded"]})]
    for c in doc["configs"].values():
        rows, r = c["table7"]["rows"], c["table7"]["ratios"]

        def p50(k):
            return (rows.get(k) or {}).get("p50")
        series.append(("%s, RPC" % c["label"], {"user level": p50("rpc_linux"), "extension": p50("rpc_udp_async"),
                                                "bounded": p50("rpc_udp_bounded"),
                                                "raw, bounded": p50("rpc_raw_bounded")}))
        series.append(("%s, AM" % c["label"], {"user level": p50("am_linux"), "extension": p50("am_udp_async"),
                                               "bounded": p50("am_udp_bounded"), "raw, ext.": p50("am_raw_async"),
                                               "raw, bounded": p50("am_raw_bounded")}))
        rseries.append(("%s, RPC" % c["label"], {"ext./user": r.get("extension/user_level"),
                                                 "bounded/ext.": r.get("bounded/extension"),
                                                 "raw/UDP": r.get("raw/udp_bounded")}))
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    _bars(ax[0], groups, series, "Table 7: round trip p50 (us; user level: null RPC / UDP ping-pong)", log=True)
    _bars(ax[1], rgroups, rseries, "Table 7: ratios (raw/UDP: bounded)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _table8(plt, doc, path):
    p = PAPER["table8"]
    groups = ["user level UDP", "extension UDP", "extension raw"]

    def per(r):
        return None if r.get("cpu_pct") is None else 100.0 * r["cpu_pct"] / r["mbps"]
    bw = [("SPIN 1995 ATM", {"user level UDP": p["atm"]["user_level"]["mbps"],
                             "extension UDP": p["atm"]["extension"]["mbps"],
                             "extension raw": p["raw_aal"]["extension"]["mbps"]})]
    cpu = [("SPIN 1995 ATM", {"user level UDP": per(p["atm"]["user_level"]),
                              "extension UDP": per(p["atm"]["extension"])})]
    for c in doc["configs"].values():
        rows = c["table8"]["rows"]
        keys = {"user level UDP": "bulk_linux", "extension UDP": "bulk_udp", "extension raw": "bulk_raw"}
        bw.append((c["label"], {g: (rows.get(k) or {}).get("mbps") for g, k in keys.items()}))
        cpu.append((c["label"], {g: (rows.get(k) or {}).get("cpu_pct_per_100mbps") for g, k in keys.items()}))
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    _bars(ax[0], groups, bw, "Table 8: bandwidth received (Mbit/s)", log=True)
    _bars(ax[1], groups, cpu, "Table 8: sender CPU % per 100 Mbit/s", log=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _table9(plt, doc, path):
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    j = 0
    for c in doc["configs"].values():
        rows = [r for r in c["table9"]["rows"] if r["streams"] > 0]
        for key, style, who in (("spindle_cpu_pct", "o-", "spindle"), ("linux_cpu_pct", "s--", "Linux")):
            pts = [(r["streams"], r[key]) for r in rows if r.get(key) is not None]
            if pts:
                ax.plot([x for x, _ in pts], [y for _, y in pts], style, color=COLORS[j % len(COLORS)],
                        label="%s, %s" % (c["label"], who))
                j += 1
    t = PAPER["table9_cpu_pct"]
    ax.plot(sorted(t["spin"]), [t["spin"][n] for n in sorted(t["spin"])], "D:", color="black",
            label="SPIN 1995")
    ax.plot([1], [t["osf1"][1]], "^", color="grey", label="OSF/1 1995 (failed at 20)")
    ax.set_xscale("log")
    ax.set_xlabel("30-fps streams")
    ax.set_ylabel("server CPU, % of one core")
    ax.set_title("Table 9: video server CPU against streams", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot(doc, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("spin_plots: no matplotlib (python3-matplotlib): no PNG", file=sys.stderr)
        return []
    out = []
    for name, fn in (("table7.png", _table7), ("table8.png", _table8), ("table9.png", _table9)):
        path = os.path.join(out_dir, name)
        fn(plt, doc, path)
        out.append(path)
    return out
