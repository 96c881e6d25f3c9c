#!/usr/bin/python3
"""tools/bench/spin/spin_tables.py - SPIN's Tables 7, 8 and 9 out of the
result files of the benchmarks that tools/bench/spin/run.sh runs.

Bershad et al., "Extensibility, Safety and Performance in the SPIN
Operating System", SOSP 1995, argue with three networking tables: Table 7
(round trip of a small message between two applications), Table 8
(user-to-user bandwidth and the sender's CPU) and Table 9 (the video
server's CPU against streams). PAPER holds their figures as the project
quotes them; the measured side comes from one run directory:

  RUN/<config>/rpc/rpc.json              tools/bench/rpc/run.sh
  RUN/<config>/am/am-bench.json          tools/bench/am/run.sh
  RUN/<config>/am/cpu-window.json        run.sh: <phase>_cpu_window_ms of am's log
  RUN/<config>/linux-pair/linux-pair.json tools/bench/linux-pair/run.sh
  RUN/<config>/video/video-bench.json    tools/bench/video/run.sh
  RUN/<config>/alpha.json                tools/bench/spin/alpha.sh

where <config> is "<cpu>-<nic>" (x86_64-virtio, x86_64-e1000, alpha-virtio).
A missing file leaves its figures None. API:

  load_config(path) -> dict of normalised figures of one configuration
  build(run_dir) -> the document spin-tables.json holds
(spin_markdown.markdown(doc) renders it; spin_plots.plot(doc, dir) draws it.)
Round trips are microseconds (p50, p99 nearest rank), bandwidth Mbit/s,
CPU percent of one host core (the QEMU process, tools/bench/lib/cpu.sh).
"""
import json
import os

# SOSP 1995, Tables 7-9. Round trips in us, bandwidth in Mbit/s, CPU in %.
PAPER = {
    "table7_us": {
        "ethernet": {"user_level": 840, "extension": 579, "bounded": 510},
        "atm": {"user_level": 631, "extension": 332, "bounded": 241},
        "raw_aal": {"extension": 162, "bounded": 100},
    },
    "table8": {
        "ethernet": {"user_level": {"mbps": 8.9, "cpu_pct": 35}, "extension": {"mbps": 8.9, "cpu_pct": 20}},
        "atm": {"user_level": {"mbps": 25, "cpu_pct": 82}, "extension": {"mbps": 41, "cpu_pct": 55}},
        "raw_aal": {"extension": {"mbps": 53, "cpu_pct": None}},
    },
    "table9_cpu_pct": {"spin": {1: 5, 20: 72}, "osf1": {1: 28, 20: None}},
}
CONFIG_LABELS = {"x86_64-virtio": "x86_64, virtio-net", "x86_64-e1000": "x86_64, e1000",
                 "alpha-virtio": "Alpha (clipper), virtio-net, spindle only",
                 "alpha-e1000": "Alpha (clipper), e1000, spindle only"}
# a video point counts as "kept up" when this share of the frames came whole and on time
ON_TIME_SHARE = 0.95


def _read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ratio(a, b):
    """a / b, None when either is missing or b is 0."""
    return None if a is None or b in (None, 0) else a / b


def _rtt(p50, p99=None):
    return {"p50": p50, "p99": p99}


def _rpc(doc, fig):
    figures = (doc or {}).get("figures", {})
    for key, name in (("linux_vm", "rpc_linux"), ("spindle_vm_udp_async", "rpc_udp_async"),
                      ("spindle_vm_udp_bounded", "rpc_udp_bounded"), ("spindle_vm_aal5", "rpc_raw_bounded")):
        f = figures.get(key) or {}
        fig[name] = _rtt(f.get("p50_us"), f.get("p99_us"))
        fig[name]["server_cpu_us_per_call"] = f.get("server_cpu_us_per_call")


def busy_pct(phase_pct, window_ms, guest_ms):
    """The CPU a QEMU spent while its guest transferred: phase_pct (% of a
    core over the window the host read it over: typing the command on the
    console, the transfer, noticing its result line) times the window, over
    the guest's own elapsed time of the transfer, at most 100; the guest is
    halted for the rest of the window. phase_pct itself when a time is
    missing."""
    if phase_pct is None or not window_ms or not guest_ms:
        return phase_pct
    return min(100.0, phase_pct * window_ms / guest_ms)


def _am(results, fig):
    r = results or {}
    for k in ("udp_async", "udp_bounded", "raw_async", "raw_bounded"):
        fig["am_" + k] = _rtt(r.get(k + "_rtt_p50_us"), r.get(k + "_rtt_p99_us"))
    if "linux_rtt_p50_us" in r:
        fig["am_linux"] = _rtt(r.get("linux_rtt_p50_us"), r.get("linux_rtt_p99_us"))
    for k in ("udp", "raw"):
        host, guest = r.get(k + "_bulk_cpu_window_ms"), r.get(k + "_bulk_guest_ms")
        snd, rcv = r.get("cpu_%s_bulk_client_pct" % k), r.get("cpu_%s_bulk_server_pct" % k)
        fig["bulk_" + k] = {"mbps": r.get(k + "_bulk_mbps"),
                            "sender_cpu_pct": busy_pct(snd, host, guest),
                            "receiver_cpu_pct": busy_pct(rcv, host, guest),
                            "phase_sender_cpu_pct": snd, "phase_receiver_cpu_pct": rcv,
                            "seconds": None if guest is None else guest / 1000.0}


def _linux_pair(doc, nic, fig):
    r = ((doc or {}).get("results") or {}).get(nic) or {}
    fig["bulk_linux"] = {"mbps": r.get("udp_received_mbps"), "sent_mbps": r.get("udp_sent_mbps"),
                         "loss_pct": r.get("udp_loss_pct"),
                         "sender_cpu_pct": r.get("cpu_iperf3_client_pct"),
                         "receiver_cpu_pct": r.get("cpu_iperf3_server_pct"),
                         "seconds": (doc or {}).get("seconds_per_figure")}


def _video(doc, fig):
    res = (doc or {}).get("results") or {}
    fig["video"] = {srv: {int(n): v for n, v in pts.items()} for srv, pts in res.items()}
    fig["video_seconds"] = (doc or {}).get("seconds_per_figure")


def load_config(path):
    """The normalised figures of one configuration directory (see the module
    docstring); keys rpc_*, am_* (round trips: p50, p99), bulk_* (mbps,
    sender_cpu_pct, receiver_cpu_pct), video ({server: {N: point}}), and
    "sources" (which result files were found)."""
    name = os.path.basename(os.path.normpath(path))
    nic = name.split("-", 1)[1] if "-" in name else "virtio"
    fig = {"config": name, "label": CONFIG_LABELS.get(name, name), "sources": []}
    rpc = _read(os.path.join(path, "rpc", "rpc.json"))
    am = _read(os.path.join(path, "am", "am-bench.json"))
    lp = _read(os.path.join(path, "linux-pair", "linux-pair.json"))
    video = _read(os.path.join(path, "video", "video-bench.json"))
    alpha = _read(os.path.join(path, "alpha.json"))
    _rpc(rpc, fig)
    # run.sh keeps the windows am/run.sh read the CPU over (its log) beside its JSON
    window = _read(os.path.join(path, "am", "cpu-window.json")) or {}
    _am(dict((am or {}).get("results") or {}, **window) if am else None, fig)
    _linux_pair(lp, nic, fig)
    _video(video, fig)
    if alpha is not None:
        # alpha.sh: am's result keys, and rpc_<fig>_p50_us / _p99_us
        r = alpha.get("results", alpha)
        _am(r, fig)
        for k in ("udp_async", "udp_bounded", "raw_bounded"):
            fig["rpc_" + k] = _rtt(r.get("rpc_%s_p50_us" % k), r.get("rpc_%s_p99_us" % k))
    for what, doc in (("rpc", rpc), ("am", am), ("linux-pair", lp), ("video", video), ("alpha", alpha)):
        if doc is not None:
            fig["sources"].append({"bench": what, "date": doc.get("date"),
                                   "host_load_1min": doc.get("host_load_1min"),
                                   "accelerator": doc.get("accelerator")})
    return fig


def _p50(fig, key):
    return (fig.get(key) or {}).get("p50")


def table7(fig):
    """Round trips (us) and the ratios SPIN argues with, for one config."""
    rows = {k: fig.get(k) for k in ("rpc_linux", "rpc_udp_async", "rpc_udp_bounded", "rpc_raw_bounded",
                                    "am_linux", "am_udp_async", "am_udp_bounded", "am_raw_async",
                                    "am_raw_bounded")}
    ratios = {
        "extension/user_level": ratio(_p50(fig, "rpc_udp_async"), _p50(fig, "rpc_linux")),
        "bounded/extension": ratio(_p50(fig, "rpc_udp_bounded"), _p50(fig, "rpc_udp_async")),
        "raw/udp_bounded": ratio(_p50(fig, "rpc_raw_bounded"), _p50(fig, "rpc_udp_bounded")),
        "am_extension/user_level": ratio(_p50(fig, "am_udp_async"), _p50(fig, "am_linux")),
        "am_bounded/extension": ratio(_p50(fig, "am_udp_bounded"), _p50(fig, "am_udp_async")),
        "am_raw/udp_extension": ratio(_p50(fig, "am_raw_async"), _p50(fig, "am_udp_async")),
        "am_raw/udp_bounded": ratio(_p50(fig, "am_raw_bounded"), _p50(fig, "am_udp_bounded")),
    }
    return {"rows": rows, "ratios": ratios}


def paper_ratios7():
    t = PAPER["table7_us"]
    return {
        "ethernet": {"extension/user_level": t["ethernet"]["extension"] / t["ethernet"]["user_level"],
                     "bounded/extension": t["ethernet"]["bounded"] / t["ethernet"]["extension"]},
        "atm": {"extension/user_level": t["atm"]["extension"] / t["atm"]["user_level"],
                "bounded/extension": t["atm"]["bounded"] / t["atm"]["extension"],
                "raw/udp_extension": t["raw_aal"]["extension"] / t["atm"]["extension"],
                "raw/udp_bounded": t["raw_aal"]["bounded"] / t["atm"]["bounded"]},
    }


def cpu_per_100mbps(row):
    """Sender CPU (% of a core) per 100 Mbit/s delivered: the paper's two
    figures in one, comparable when bandwidths differ."""
    row = row or {}
    r = ratio(row.get("sender_cpu_pct"), row.get("mbps"))
    return None if r is None else 100 * r


def table8(fig):
    rows = {k: dict(fig.get(k) or {}) for k in ("bulk_linux", "bulk_udp", "bulk_raw")}
    for r in rows.values():
        r["cpu_pct_per_100mbps"] = cpu_per_100mbps(r)
    ratios = {
        "extension/user_level_mbps": ratio(rows["bulk_udp"].get("mbps"), rows["bulk_linux"].get("mbps")),
        "extension/user_level_cpu_per_mbps": ratio(rows["bulk_udp"]["cpu_pct_per_100mbps"],
                                                    rows["bulk_linux"]["cpu_pct_per_100mbps"]),
        "raw/udp_mbps": ratio(rows["bulk_raw"].get("mbps"), rows["bulk_udp"].get("mbps")),
        "raw/udp_cpu_per_mbps": ratio(rows["bulk_raw"]["cpu_pct_per_100mbps"],
                                      rows["bulk_udp"]["cpu_pct_per_100mbps"]),
    }
    return {"rows": rows, "ratios": ratios}


def paper_ratios8():
    t = PAPER["table8"]

    def per(r):
        return 100.0 * r["cpu_pct"] / r["mbps"]
    return {
        "ethernet": {"extension/user_level_mbps": t["ethernet"]["extension"]["mbps"] / t["ethernet"]["user_level"]["mbps"],
                     "extension/user_level_cpu_per_mbps": per(t["ethernet"]["extension"]) / per(t["ethernet"]["user_level"])},
        "atm": {"extension/user_level_mbps": t["atm"]["extension"]["mbps"] / t["atm"]["user_level"]["mbps"],
                "extension/user_level_cpu_per_mbps": per(t["atm"]["extension"]) / per(t["atm"]["user_level"]),
                "raw/udp_mbps": t["raw_aal"]["extension"]["mbps"] / t["atm"]["extension"]["mbps"]},
    }


def on_time_share(point, n):
    """Of the frames the N receivers were sent (whole, late or lost), the
    share that came whole and on time; None when the counts are missing."""
    frames, late, lost = point.get("rx_frames"), point.get("rx_late"), point.get("rx_lost") or 0
    if frames is None or late is None or n <= 0:
        return None
    return max(0.0, frames - late) / (frames + lost) if frames + lost else 0.0


def per_stream_slope(points):
    """Least-squares slope of CPU % against N over the points the server
    kept up with (ON_TIME_SHARE), idle (N = 0) included: CPU % per stream."""
    xs, ys = [], []
    for n, p in sorted(points.items()):
        if p.get("cpu_pct") is None:
            continue
        share = on_time_share(p, n)
        if n == 0 or (share is not None and share >= ON_TIME_SHARE):
            xs.append(float(n))
            ys.append(p["cpu_pct"])
    if len(xs) < 2 or max(xs) == min(xs):
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def table9(fig):
    video = fig.get("video") or {}
    sp, lx = video.get("spindle", {}), video.get("linux", {})
    ns = sorted({n for srv in (sp, lx) for n in srv})
    rows = []
    for n in ns:
        a, b = sp.get(n, {}), lx.get(n, {})
        rows.append({"streams": n,
                     "spindle_cpu_pct": a.get("cpu_pct"), "spindle_vcpu_pct": a.get("vcpu_pct"),
                     "spindle_on_time": on_time_share(a, n),
                     "linux_cpu_pct": b.get("cpu_pct"), "linux_vcpu_pct": b.get("vcpu_pct"),
                     "linux_on_time": on_time_share(b, n),
                     "spindle/linux": ratio(a.get("cpu_pct"), b.get("cpu_pct"))})
    s_sp, s_lx = per_stream_slope(sp), per_stream_slope(lx)
    return {"rows": rows, "cpu_pct_per_stream": {"spindle": s_sp, "linux": s_lx},
            "ratios": {"spindle/linux_per_stream": ratio(s_sp, s_lx)}}


def paper_per_stream9():
    t = PAPER["table9_cpu_pct"]
    return {"spin": (t["spin"][20] - t["spin"][1]) / 19.0, "osf1": float(t["osf1"][1])}


def build(run_dir, meta=None):
    """The spin-tables.json document of a run directory: metadata, the
    paper's figures and ratios, and per configuration its three tables."""
    configs = []
    for name in sorted(os.listdir(run_dir), key=lambda n: (not n.startswith("x86_64"), not n.endswith("virtio"), n)):
        p = os.path.join(run_dir, name)
        if os.path.isdir(p) and "-" in name and name.split("-")[0] in ("x86_64", "alpha"):
            configs.append(load_config(p))
    doc = dict(meta or {})
    doc["paper"] = {"source": "Bershad et al., SOSP 1995, Tables 7-9", "figures": PAPER,
                    "ratios": {"table7": paper_ratios7(), "table8": paper_ratios8(),
                               "table9_cpu_pct_per_stream": paper_per_stream9()}}
    doc["configs"] = {}
    for fig in configs:
        doc["configs"][fig["config"]] = {"label": fig["label"], "sources": fig["sources"],
                                         "table7": table7(fig), "table8": table8(fig),
                                         "table9": table9(fig)}
    return doc
