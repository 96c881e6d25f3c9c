#!/usr/bin/python3
"""tools/bench/spin/spin_markdown.py - spin-tables.md out of the document
spin_tables.build() makes: markdown(doc) -> text, three tables with the
paper's columns first and one column per measured configuration, the
ratios the paper argues with under each. "-" marks a figure not measured.
"""
from spin_tables import ON_TIME_SHARE, PAPER, paper_per_stream9, paper_ratios7, paper_ratios8


def f(v, digits=1):
    if v is None:
        return "-"
    return "%.*f" % (digits, v) if isinstance(v, float) else str(v)


def _rtt(row):
    row = row or {}
    if row.get("p50") is None:
        return "-"
    return "%s (%s)" % (f(row["p50"]), f(row.get("p99"), 0))


def _table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def table7_md(doc):
    cfgs = doc["configs"]
    p, pr = PAPER["table7_us"], paper_ratios7()
    head = ["round trip, us: p50 (p99)", "SPIN 1995 Ethernet", "SPIN 1995 ATM"] + [c["label"] for c in cfgs.values()]

    def row(label, eth, atm, key):
        return [label, f(eth), f(atm)] + [_rtt(c["table7"]["rows"].get(key)) for c in cfgs.values()]

    def rat(label, eth, atm, key):
        return ["*" + label + "*", f(eth, 2), f(atm, 2)] + [f(c["table7"]["ratios"].get(key), 2)
                                                          for c in cfgs.values()]
    rows = [
        row("null RPC, user level (OSF/1; Linux rpcgen + libtirpc)", p["ethernet"]["user_level"],
            p["atm"]["user_level"], "rpc_linux"),
        row("null RPC, extension over UDP (spindle rpc-echo async)", p["ethernet"]["extension"],
            p["atm"]["extension"], "rpc_udp_async"),
        row("null RPC, bounded extension over UDP", p["ethernet"]["bounded"], p["atm"]["bounded"],
            "rpc_udp_bounded"),
        row("null RPC, bounded, raw AAL (spindle: AAL5 over Ethernet)", None, p["raw_aal"]["bounded"],
            "rpc_raw_bounded"),
        row("UDP ping-pong, user level (Linux sockperf, 2 x half RTT)", None, None, "am_linux"),
        row("active message, extension over UDP (async)", None, None, "am_udp_async"),
        row("active message, bounded extension over UDP", None, None, "am_udp_bounded"),
        row("active message, extension, raw AAL", None, p["raw_aal"]["extension"], "am_raw_async"),
        row("active message, bounded, raw AAL", None, p["raw_aal"]["bounded"], "am_raw_bounded"),
        rat("RPC extension / user level", pr["ethernet"]["extension/user_level"],
            pr["atm"]["extension/user_level"], "extension/user_level"),
        rat("RPC bounded / extension", pr["ethernet"]["bounded/extension"], pr["atm"]["bounded/extension"],
            "bounded/extension"),
        rat("RPC raw / UDP (bounded)", None, pr["atm"]["raw/udp_bounded"], "raw/udp_bounded"),
        rat("AM extension / Linux UDP ping-pong", None, None, "am_extension/user_level"),
        rat("AM bounded / extension", None, None, "am_bounded/extension"),
        rat("AM raw / UDP (extension)", None, pr["atm"]["raw/udp_extension"], "am_raw/udp_extension"),
        rat("AM raw / UDP (bounded)", None, pr["atm"]["raw/udp_bounded"], "am_raw/udp_bounded"),
    ]
    return _table(head, rows)


def _bw(row):
    row = row or {}
    if row.get("mbps") is None:
        return "-"
    cpu = row.get("sender_cpu_pct", row.get("cpu_pct"))
    return f(row["mbps"]) + ("" if cpu is None else " @ %s %%" % f(cpu))


def table8_md(doc):
    cfgs = doc["configs"]
    p, pr = PAPER["table8"], paper_ratios8()
    head = ["Mbit/s received @ sender CPU", "SPIN 1995 Ethernet", "SPIN 1995 ATM"] + [c["label"] for c in cfgs.values()]

    def row(label, eth, atm, key):
        return [label, _bw(eth), _bw(atm)] + [_bw(c["table8"]["rows"].get(key)) for c in cfgs.values()]

    def pp(r):
        return None if r.get("cpu_pct") is None else 100.0 * r["cpu_pct"] / r["mbps"]

    def per(label, key, eth=None, atm=None):
        return [label, f(eth), f(atm)] + [f(c["table8"]["rows"].get(key, {}).get("cpu_pct_per_100mbps"))
                                  for c in cfgs.values()]

    def rat(label, eth, atm, key):
        return ["*" + label + "*", f(eth, 2), f(atm, 2)] + [f(c["table8"]["ratios"].get(key), 2)
                                                          for c in cfgs.values()]
    rows = [
        row("user level over UDP (OSF/1; Linux iperf3 -u)", p["ethernet"]["user_level"], p["atm"]["user_level"],
            "bulk_linux"),
        row("extension over UDP (SPIN; spindle AM 64 KiB stores)", p["ethernet"]["extension"],
            p["atm"]["extension"], "bulk_udp"),
        row("extension over raw AAL (spindle: AAL5 over Ethernet)", None, p["raw_aal"]["extension"], "bulk_raw"),
        per("sender CPU % per 100 Mbit/s, user level", "bulk_linux", pp(p["ethernet"]["user_level"]),
            pp(p["atm"]["user_level"])),
        per("sender CPU % per 100 Mbit/s, extension UDP", "bulk_udp", pp(p["ethernet"]["extension"]),
            pp(p["atm"]["extension"])),
        per("sender CPU % per 100 Mbit/s, extension raw", "bulk_raw"),
        rat("extension / user level, bandwidth", pr["ethernet"]["extension/user_level_mbps"],
            pr["atm"]["extension/user_level_mbps"], "extension/user_level_mbps"),
        rat("extension / user level, CPU per Mbit/s", pr["ethernet"]["extension/user_level_cpu_per_mbps"],
            pr["atm"]["extension/user_level_cpu_per_mbps"], "extension/user_level_cpu_per_mbps"),
        rat("raw / UDP, bandwidth", None, pr["atm"]["raw/udp_mbps"], "raw/udp_mbps"),
        rat("raw / UDP, CPU per Mbit/s", None, None, "raw/udp_cpu_per_mbps"),
    ]
    return _table(head, rows)


def _pct(v):
    return "-" if v is None else "%.0f%%" % (100 * v)


def table9_md(doc):
    # the configurations that ran the video benchmark
    cfgs = {k: c for k, c in doc["configs"].items() if c["table9"]["rows"]}
    p = PAPER["table9_cpu_pct"]
    head = ["30-fps streams", "SPIN 1995", "OSF/1 1995"]
    for c in cfgs.values():
        head += ["%s: spindle CPU %% (on time)" % c["label"], "Linux CPU % (on time)", "spindle / Linux"]
    ns = sorted({r["streams"] for c in cfgs.values() for r in c["table9"]["rows"]})
    rows = []
    for n in ns:
        r = ["idle" if n == 0 else str(n), f(p["spin"].get(n)),
             ("failed" if n in p["osf1"] and p["osf1"][n] is None else f(p["osf1"].get(n)))]
        for c in cfgs.values():
            pt = next((x for x in c["table9"]["rows"] if x["streams"] == n), {})
            sp = "-" if pt.get("spindle_cpu_pct") is None else (
                f(pt["spindle_cpu_pct"]) + ("" if n == 0 else " (%s)" % _pct(pt.get("spindle_on_time"))))
            lx = "-" if pt.get("linux_cpu_pct") is None else (
                f(pt["linux_cpu_pct"]) + ("" if n == 0 else " (%s)" % _pct(pt.get("linux_on_time"))))
            r += [sp, lx, "" if n == 0 else f(pt.get("spindle/linux"), 2)]
        rows.append(r)
    pp = paper_per_stream9()
    per = ["*CPU % per stream*", f(pp["spin"]), f(pp["osf1"])]
    for c in cfgs.values():
        s = c["table9"]["cpu_pct_per_stream"]
        per += [f(s.get("spindle"), 2), f(s.get("linux"), 2), f(c["table9"]["ratios"].get("spindle/linux_per_stream"), 2)]
    rows.append(per)
    return _table(head, rows)


def markdown(doc):
    """spin-tables.md: a header naming the run, then Tables 7, 8 and 9."""
    m = doc.get("machine", "")
    out = ["# SPIN's evaluation on this machine",
           "",
           "Run %s: %s, %s, %s; host %s CPUs, load %s at the start. SPIN 1995 columns: "
           "Bershad et al., SOSP 1995 (133 MHz DEC Alpha workstations, Ethernet and ATM)."
           % (doc.get("date", "?"), doc.get("accelerator", "tcg"), doc.get("qemu", "?"), m,
              doc.get("host_cpus", "?"), doc.get("host_load_1min", "?")),
           ""]
    if doc.get("mode"):
        out += ["Mode: %s." % doc["mode"], ""]
    out += ["## Table 7: round trip of a small message between two applications", "", table7_md(doc), "",
            "## Table 8: bandwidth at the receiver and the sender's CPU", "", table8_md(doc), "",
            "## Table 9: video server CPU against 30-fps streams", "", table9_md(doc), "",
            "CPU: the QEMU process's utime + stime, %% of one host core (tools/bench/lib/cpu.sh), "
            "over the measured phase; Table 8's spindle rows: the CPU time over the phase divided "
            "by the guest's own elapsed time of the transfer (the phase also holds typing the "
            "command and noticing the result). On time: of the frames the receivers were sent, "
            "the share that came whole and within a frame time. CPU per stream: least-squares "
            "slope over the points that kept %d%% on time, idle included." % (100 * ON_TIME_SHARE), ""]
    for name, c in doc["configs"].items():
        srcs = ", ".join("%s %s (load %s)" % (s["bench"], s.get("date") or "?", s.get("host_load_1min"))
                         for s in c["sources"]) or "none"
        out.append("- %s: %s" % (c["label"], srcs))
    return "\n".join(out) + "\n"
