#!/usr/bin/env bash
# tools/fuzz/run.sh — run every libFuzzer target longer than the CI smoke
# and report, per target, the executions and the coverage libFuzzer reached
# (cov: edges, ft: features), and the total executions.
#
#   tools/fuzz/run.sh [--minutes N] [--jobs J] [--build DIR] [--only a,b] [--json FILE]
#
# N minutes in all (default 10), shared equally by the targets; J targets
# at once (default 1; the machine is shared). Each target keeps its corpus
# in DIR/fuzz-corpus/NAME between runs, seeded at first from the corpus in
# the tree (tests/fuzz/corpus/NAME) or from the captured traces. Runs at
# nice 10. A crash, sanitizer report or leaked buffer leaves the input in
# DIR/fuzz-corpus/NAME-crashes and makes the script exit 1.
# Builds DIR (default build-fuzz: CC=clang, -Dfuzz=true -Dsanitize=true) if
# needed.
set -uo pipefail
cd "$(dirname "$0")/../.."
minutes=10 jobs=1 build=build-fuzz only="" json=""
while [ $# -gt 0 ]; do
    case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dsanitize=true -Dfuzz=true -Dx86_64_image=false || exit 1
fi
ninja -C "$build" fuzz-targets >/dev/null || { echo "run.sh: build failed" >&2; exit 1; }

targets=()
for exe in "$build"/tests/fuzz/fuzz-*; do
    [ -x "$exe" ] && [ -f "$exe" ] || continue
    name=${exe##*/fuzz-}
    case $name in *.*) continue ;; esac
    if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then continue; fi
    targets+=("$name")
done
[ ${#targets[@]} -gt 0 ] || { echo "run.sh: no fuzz targets in $build" >&2; exit 1; }
secs=$(( minutes * 60 * jobs / ${#targets[@]} ))
[ "$secs" -ge 5 ] || secs=5
out="$build/fuzz-corpus"
mkdir -p "$out"

seed() { # NAME DIR
    local name=$1 dir=$2
    [ -n "$(ls -A "$dir" 2>/dev/null)" ] && return
    mkdir -p "$dir"
    case $name in
    rx) /usr/bin/python3 tests/fuzz/seed-corpus.py tests/traces "$dir" ;;
    aal5) /usr/bin/python3 tests/fuzz/seed-aal5.py tests/traces "$dir" ;;
    rtpjpeg) /usr/bin/python3 tests/fuzz/seed-rtpjpeg.py tests/traces "$dir" ;;
    am) /usr/bin/python3 tests/fuzz/seed-am.py tests/traces "$dir" ;;
    rpc) /usr/bin/python3 tests/fuzz/seed-rpc-corpus.py tests/traces "$dir" >/dev/null ;;
    rpc-node) # the RPC messages, each sent to the server it was captured with (byte 0,
        # fuzz_rpc_node.c), as fuzz-rpc-node-smoke.sh seeds them
        /usr/bin/python3 tests/fuzz/seed-rpc-corpus.py tests/traces "$dir.raw" >/dev/null
        for f in "$dir.raw"/*; do
            { if (( $(od -An -tu1 -N1 "$f") & 1 )); then printf '\x21\x00'; else printf '\x20\x00'; fi
              tail -c +2 "$f"; } >"$dir/${f##*/}"
        done
        rm -rf "$dir.raw" ;;
    virtio-rx) /usr/bin/python3 tests/fuzz/seed-virtio-rx.py "$dir" ;;
    video-rx) /usr/bin/python3 tests/fuzz/seed-corpus.py tests/traces "$dir" ;;
    mjpeg) cp tests/traces/rtp-jpeg-clip@30.mjpeg tests/traces/video/* "$dir"/ ;;
    ustar) mkdir -p "$dir.src/sub"
        printf 'hello, tar\n' >"$dir.src/a.txt"
        head -c 700 tests/traces/video/cjpeg-420.jpg >"$dir.src/sub/clip@29.97.mjpeg"
        for f in ustar gnu pax; do tar --format=$f -cf "$dir/$f.tar" -C "$dir.src" a.txt sub; done
        rm -rf "$dir.src" ;;
    *) if [ -d "tests/fuzz/corpus/$name" ]; then cp tests/fuzz/corpus/"$name"/* "$dir"/; fi ;;
    esac
}

run_one() { # NAME
    local name=$1 dir="$out/$1" log="$out/$1.log"
    seed "$name" "$dir"
    mkdir -p "$out/$name-crashes"
    local maxlen=8192
    [ "$name" = rx ] && maxlen=1600
    [ "$name" = aal5 ] && maxlen=16384
    [ "$name" = am ] && maxlen=16384
    [ "$name" = rpc ] || [ "$name" = rpc-node ] && maxlen=9001
    [ "$name" = virtio-rx ] && maxlen=4096
    [ "$name" = video-rx ] && maxlen=4000
    [ "$name" = ustar ] && maxlen=16384
    [ "$name" = mjpeg ] && maxlen=65536
    # the video server's archive: the traces' clip in a ustar archive (fuzz_video_rx.c)
    if [ "$name" = video-rx ] && [ ! -f "$out/media.tar" ]; then
        cp tests/traces/rtp-jpeg-clip@30.mjpeg "$out/clip@30.mjpeg"
        tar --format=ustar -cf "$out/media.tar" -C "$out" "clip@30.mjpeg"
    fi
    VIDEO_FUZZ_MEDIA=$(realpath "$out")/media.tar nice -n 10 "$build/tests/fuzz/fuzz-$name" -max_total_time="$secs" -max_len=$maxlen \
        -print_final_stats=1 -artifact_prefix="$out/$name-crashes/" -timeout=30 \
        -rss_limit_mb=2048 "$dir" >"$log" 2>&1
    echo $? >"$out/$name.rc"
}

echo "fuzzing ${#targets[@]} targets, ${secs} s each, $jobs at once (corpora in $out)"
running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

status=0 total=0
printf '%-10s %14s %9s %9s %8s  %s\n' target executions cov ft corpus result
rows=()
for t in "${targets[@]}"; do
    log="$out/$t.log"
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    line=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$line")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$line")
    ncorp=$(ls "$out/$t" | wc -l)
    rc=$(cat "$out/$t.rc")
    result=ok
    if [ "$rc" != 0 ]; then result="FAILED (see $log)"; status=1; fi
    printf '%-10s %14s %9s %9s %8s  %s\n' "$t" "${execs:-0}" "${cov:-?}" "${ft:-?}" "$ncorp" "$result"
    total=$(( total + ${execs:-0} ))
    rows+=("{\"target\": \"$t\", \"executions\": ${execs:-0}, \"cov\": ${cov:-0}, \"ft\": ${ft:-0}, \"corpus\": $ncorp, \"ok\": $([ "$rc" = 0 ] && echo true || echo false)}")
done
printf '%-10s %14s\n' total "$total"
if [ -n "$json" ]; then
    (IFS=,; echo "{\"seconds_each\": $secs, \"total_executions\": $total, \"targets\": [${rows[*]}]}") >"$json"
fi
exit $status
