#!/usr/bin/python3
"""tools/bench/video/table9-report.py - the Table 9 table, JSON and PNG of run.sh.

Input (--results): lines "SERVER N KEY VALUE" ("-" for a figure not
measured): SERVER spindle or linux, N the number of streams (0: idle), keys
cpu_pct and vcpu_pct (QEMU process and vCPU thread, percent of one core),
rx_frames, rx_lost, rx_late, rx_worst_late_ms (video-rx over all streams)
and server_late (frames the server itself sent after the next was due).
Output: the table with the paper's figures beside it (Bershad et al., SOSP
1995, Table 9: the SPIN video server used 5 % of the CPU for 1 stream and
72 % for 20; DEC OSF/1 with a user-level server 28 % for 1 and could not
serve 20), --json FILE and --png FILE. Exit 1 when no figure was read.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import benchlib  # noqa: E402

PAPER = {"SPIN": {1: "5", 20: "72"}, "OSF/1": {1: "28", 20: "failed"}}
FPS = 30


def parse(path):
    runs = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) != 4:
                continue
            v = None if w[3] in ("-", "") else float(w[3])
            runs.setdefault(w[0], {}).setdefault(int(w[1]), {})[w[2]] = v
    return runs


def main():
    ap = benchlib.report_args()
    ap.add_argument("--nic", default="virtio")
    args = ap.parse_args()
    runs = parse(args.results)
    if not runs:
        print("report: no figures in", args.results, file=sys.stderr)
        return 1
    ns = sorted({n for r in runs.values() for n in r if n > 0})
    sp, lx = runs.get("spindle", {}), runs.get("linux", {})
    f = benchlib.fmt
    print("\nTable 9 (SPIN, SOSP 1995) on this machine: CPU of the server VM (QEMU process, %"
          " of one core; vCPU thread in brackets) against 30-fps 320x240 streams")
    head = ("%6s | %16s %22s | %16s %22s | %7s | %5s %6s"
            % ("N", "spindle CPU %", "frames/lost/late", "Linux CPU %", "frames/lost/late",
               "sp/Lx", "SPIN", "OSF/1"))
    print(head)
    print("-" * len(head))
    for n in [0] + ns:
        a, b = sp.get(n, {}), lx.get(n, {})

        def cpu(r):
            return "%s (%s)" % (f(r.get("cpu_pct")), f(r.get("vcpu_pct")))

        def rx(r):
            if n == 0:
                return "idle"
            return "%s/%s/%s" % (f(r.get("rx_frames"), 0), f(r.get("rx_lost"), 0),
                                 f(r.get("rx_late"), 0))

        ratio = None
        if a.get("cpu_pct") is not None and b.get("cpu_pct"):
            ratio = a["cpu_pct"] / b["cpu_pct"]
        print("%6s | %16s %22s | %16s %22s | %7s | %5s %6s"
              % (n if n else "idle", cpu(a), rx(a), cpu(b), rx(b), f(ratio, 2),
                 PAPER["SPIN"].get(n, ""), PAPER["OSF/1"].get(n, "")))
    print("frames/lost/late: frames the receivers got whole, frames lost (a packet or the whole"
          " frame missing), frames more than one frame time late; sp/Lx: CPU ratio, spindle/Linux.")
    doc = benchlib.metadata("video-table9", args, nic=args.nic,
                            method="one stream of a 320x240 30-fps MJPEG clip (testsrc2, ~8"
                                   " RTP packets per frame) sent to N clients; spindle: the"
                                   " video-server extension, fan-out on ipv4.SendPacket; Linux:"
                                   " video-server-linux, one sendto per packet per client; CPU"
                                   " from /proc over the run; receivers: video-rx",
                            paper={"SPIN_cpu_pct": {"1": 5, "20": 72},
                                   "OSF1_cpu_pct": {"1": 28, "20": "failed"}},
                            results={k: {str(n): v for n, v in r.items()} for k, r in runs.items()})
    benchlib.write_json(args.json, doc)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: no matplotlib: no PNG", file=sys.stderr)
        return 0
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name, r, color in (("spindle VM", sp, "tab:blue"), ("Linux VM, user-level server", lx,
                                                             "tab:orange")):
        xs = [n for n in ns if (r.get(n) or {}).get("cpu_pct") is not None]
        ax.plot(xs, [r[n]["cpu_pct"] for n in xs], "o-", color=color, label=name)
    ax.plot([1, 20], [5, 72], "s--", color="tab:green", label="SPIN 1995 (paper)")
    ax.plot([1], [28], "^", color="tab:red", label="OSF/1 1995 (paper; failed at 20)")
    ax.set_xscale("log")
    ax.set_xlabel("30-fps streams")
    ax.set_ylabel("server CPU, % of one core")
    ax.set_title("Video server CPU against streams (QEMU TCG, %s)" % args.nic, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.png, dpi=100)
    print("wrote", args.json, "and", args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
