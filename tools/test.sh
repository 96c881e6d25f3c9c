#!/usr/bin/env bash
# tools/test.sh — README's test command: install what is missing, build the
# test build (ASan + UBSan, gcc) and run the unit, replay, lab and vm suites,
# then a clang build for the libFuzzer smoke run. Ends with one line
# "N passed, N failed, N skipped".
# Usage: tools/test.sh            everything
#        tools/test.sh ARGS...    only `meson test ARGS` in the gcc build (e.g. --suite unit)
set -uo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh --quiet || exit 1

configure() { # DIR [meson options...]
  local dir=$1; shift
  # an earlier layout built the program one folder deeper: clear that folder
  if [ -d "$dir/apps/spindle" ]; then rm -rf "$dir/apps/spindle"; fi
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" || return 1
  else
    meson setup --reconfigure "$dir" "$@" >/dev/null || return 1
  fi
}

BUILD=${SPINDLE_TEST_BUILD:-build-test}
FUZZ_BUILD=${SPINDLE_FUZZ_BUILD:-build-fuzz}
status=0
logs=()

configure "$BUILD" -Dsanitize=true || exit 1
ninja -C "$BUILD" || exit 1
if [ "$#" -gt 0 ]; then
  meson test -C "$BUILD" --num-processes 2 --print-errorlogs "$@" || status=1
  logs+=("$BUILD/meson-logs/testlog.json")
else
  meson test -C "$BUILD" --num-processes 2 --print-errorlogs || status=1
  logs+=("$BUILD/meson-logs/testlog.json")
  # The Alpha VM kernel: a cross build from the same sources, its own vm suite.
  ALPHA_BUILD=${SPINDLE_ALPHA_BUILD:-build-alpha}
  if configure "$ALPHA_BUILD" --cross-file tools/cross/alpha.ini && ninja -C "$ALPHA_BUILD"; then
    meson test -C "$ALPHA_BUILD" --suite vm --print-errorlogs || status=1
    logs+=("$ALPHA_BUILD/meson-logs/testlog.json")
  else
    echo "test.sh: the alpha cross build failed" >&2
    status=1
  fi
  if CC=clang configure "$FUZZ_BUILD" -Dsanitize=true -Dfuzz=true -Dx86_64_image=false \
      && ninja -C "$FUZZ_BUILD" tests/fuzz/fuzz-rx tests/fuzz/fuzz-ustar tests/fuzz/fuzz-mjpeg; then
    meson test -C "$FUZZ_BUILD" --no-rebuild --suite fuzz --print-errorlogs || status=1
    logs+=("$FUZZ_BUILD/meson-logs/testlog.json")
  else
    echo "test.sh: the fuzz build failed" >&2
    status=1
  fi
fi

# One closing line over every suite run: meson's own summary is per build.
/usr/bin/python3 - "${logs[@]}" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            for line in f:
                r = json.loads(line).get("result")
                if r in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif r == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except FileNotFoundError:
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
