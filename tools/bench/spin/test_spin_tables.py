#!/usr/bin/python3
"""tools/bench/spin/test_spin_tables.py - the table building of
tools/bench/spin/report.py, against the result files of a real run kept
in testdata/run (tools/bench/spin/run.sh --quick; its README says which).

Each table's figures must be the benchmarks' own, each ratio the quotient
of the figures it names, every measured p50 must appear in the markdown,
and a missing result file must leave figures None, not fail.
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import spin_markdown  # noqa: E402
import spin_tables  # noqa: E402

RUN = os.path.join(HERE, "testdata", "run")
CFG = "x86_64-virtio"


def load(*parts):
    with open(os.path.join(RUN, CFG, *parts)) as f:
        return json.load(f)


class Tables(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = spin_tables.build(RUN, {"date": "fixture"})
        cls.cfg = cls.doc["configs"][CFG]
        cls.rpc = load("rpc", "rpc.json")["figures"]
        cls.am = load("am", "am-bench.json")["results"]
        cls.lp = load("linux-pair", "linux-pair.json")["results"]["virtio"]
        cls.window = load("am", "cpu-window.json")

    def test_table7_rows_are_the_benchmarks_figures(self):
        rows = self.cfg["table7"]["rows"]
        self.assertEqual(rows["rpc_linux"]["p50"], self.rpc["linux_vm"]["p50_us"])
        self.assertEqual(rows["rpc_udp_async"]["p50"], self.rpc["spindle_vm_udp_async"]["p50_us"])
        self.assertEqual(rows["rpc_udp_bounded"]["p99"], self.rpc["spindle_vm_udp_bounded"]["p99_us"])
        self.assertEqual(rows["rpc_raw_bounded"]["p50"], self.rpc["spindle_vm_aal5"]["p50_us"])
        self.assertEqual(rows["am_raw_async"]["p50"], self.am["raw_async_rtt_p50_us"])
        self.assertEqual(rows["am_linux"]["p50"], self.am["linux_rtt_p50_us"])

    def test_table7_ratios_are_quotients(self):
        r = self.cfg["table7"]["ratios"]
        self.assertAlmostEqual(r["extension/user_level"],
                               self.rpc["spindle_vm_udp_async"]["p50_us"] / self.rpc["linux_vm"]["p50_us"])
        self.assertAlmostEqual(r["bounded/extension"],
                               self.rpc["spindle_vm_udp_bounded"]["p50_us"]
                               / self.rpc["spindle_vm_udp_async"]["p50_us"])
        self.assertAlmostEqual(r["am_raw/udp_bounded"],
                               self.am["raw_bounded_rtt_p50_us"] / self.am["udp_bounded_rtt_p50_us"])

    def test_table8_bandwidth_and_sender_cpu(self):
        t = self.cfg["table8"]
        self.assertEqual(t["rows"]["bulk_udp"]["mbps"], self.am["udp_bulk_mbps"])
        self.assertEqual(t["rows"]["bulk_raw"]["phase_sender_cpu_pct"], self.am["cpu_raw_bulk_client_pct"])
        busy_udp = min(100.0, self.am["cpu_udp_bulk_client_pct"] * self.window["udp_bulk_cpu_window_ms"]
                       / self.am["udp_bulk_guest_ms"])
        self.assertAlmostEqual(t["rows"]["bulk_udp"]["sender_cpu_pct"], busy_udp)
        self.assertEqual(t["rows"]["bulk_linux"]["mbps"], self.lp["udp_received_mbps"])
        self.assertEqual(t["rows"]["bulk_linux"]["sender_cpu_pct"], self.lp["cpu_iperf3_client_pct"])
        per_udp = 100 * busy_udp / self.am["udp_bulk_mbps"]
        per_lx = 100 * self.lp["cpu_iperf3_client_pct"] / self.lp["udp_received_mbps"]
        self.assertAlmostEqual(t["rows"]["bulk_udp"]["cpu_pct_per_100mbps"], per_udp)
        self.assertAlmostEqual(t["ratios"]["extension/user_level_cpu_per_mbps"], per_udp / per_lx)
        self.assertAlmostEqual(t["ratios"]["raw/udp_mbps"], self.am["raw_bulk_mbps"] / self.am["udp_bulk_mbps"])

    def test_paper_ratios(self):
        p = spin_tables.PAPER["table7_us"]
        r = self.doc["paper"]["ratios"]["table7"]
        self.assertAlmostEqual(r["ethernet"]["extension/user_level"],
                               p["ethernet"]["extension"] / p["ethernet"]["user_level"])
        self.assertAlmostEqual(r["atm"]["raw/udp_extension"], p["raw_aal"]["extension"] / p["atm"]["extension"])

    def test_markdown_shows_every_measured_p50(self):
        text = spin_markdown.markdown(self.doc)
        for name in ("## Table 7", "## Table 8", "## Table 9"):
            self.assertIn(name, text)
        for key, row in self.cfg["table7"]["rows"].items():
            if row and row.get("p50") is not None:
                self.assertIn("%.1f (" % row["p50"], text, key)
        self.assertIn("%.1f @ " % self.am["udp_bulk_mbps"], text)
        self.assertIn(self.cfg["label"], text)


class Table9(unittest.TestCase):
    def test_slope_uses_points_on_time_only(self):
        pts = {0: {"cpu_pct": 1.0}, 10: {"cpu_pct": 11.0, "rx_frames": 3000, "rx_late": 0, "rx_lost": 0},
               20: {"cpu_pct": 21.0, "rx_frames": 6000, "rx_late": 30, "rx_lost": 0},
               40: {"cpu_pct": 30.0, "rx_frames": 12000, "rx_late": 9000, "rx_lost": 0}}
        self.assertAlmostEqual(spin_tables.per_stream_slope(pts), 1.0)
        self.assertAlmostEqual(spin_tables.on_time_share(pts[20], 20), (6000 - 30) / 6000)
        self.assertAlmostEqual(spin_tables.on_time_share(
            {"rx_frames": 90, "rx_late": 0, "rx_lost": 10}, 1), 0.9)
        self.assertIsNone(spin_tables.per_stream_slope({0: {"cpu_pct": 1.0}}))


class Missing(unittest.TestCase):
    def test_missing_file_leaves_none(self):
        tmp = tempfile.mkdtemp()
        try:
            shutil.copytree(os.path.join(RUN, CFG), os.path.join(tmp, CFG))
            shutil.rmtree(os.path.join(tmp, CFG, "linux-pair"))
            doc = spin_tables.build(tmp)
            t8 = doc["configs"][CFG]["table8"]
            self.assertIsNone(t8["rows"]["bulk_linux"]["mbps"])
            self.assertIsNone(t8["ratios"]["extension/user_level_mbps"])
            self.assertIn("| - |", spin_markdown.markdown(doc))
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
