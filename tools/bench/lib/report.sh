# shellcheck shell=bash
# tools/bench/lib/report.sh — figures out of tool output, percentiles and
# JSON for bash benchmarks (sourced, not run): thin wrappers around
# tools/bench/lib/benchlib.py, which the Python reports import directly.
# "-" stands for a figure that could not be read. The caller sets BENCH_ROOT.

BENCH_PY=${BENCH_PY:-/usr/bin/python3}
BENCH_LIB_PY=$BENCH_ROOT/tools/bench/lib/benchlib.py

# bench_percentiles P [P...] < NUMBERS: the nearest-rank percentiles of the
# numbers on stdin (whitespace-separated), on one line, in the order given.
bench_percentiles() { "$BENCH_PY" "$BENCH_LIB_PY" percentiles "$@"; }

# bench_iperf3 FILE KEY...: figures of an `iperf3 --json` output file (it
# may start with other lines), one line: sent_mbps received_mbps sent_pps
# received_pps lost_percent packets lost_packets seconds retransmits.
bench_iperf3() { "$BENCH_PY" "$BENCH_LIB_PY" iperf3 "$@"; }

# bench_sockperf FILE KEY...: figures of `sockperf ping-pong` output, one
# line: p50_us p90_us p99_us p999_us max_us observations (half round
# trip, microseconds, as sockperf reports it).
bench_sockperf() { "$BENCH_PY" "$BENCH_LIB_PY" sockperf "$@"; }

# bench_json OUT KEY=VALUE...: OUT holds a flat JSON object: the run's
# metadata (date, host CPUs and load, QEMU version; "benchmark" from
# benchmark=NAME) and each KEY with VALUE (a number when it reads as one,
# null for "-", else a string).
bench_json() { "$BENCH_PY" "$BENCH_LIB_PY" json "$@"; }
