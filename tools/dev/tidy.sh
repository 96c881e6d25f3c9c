#!/usr/bin/env bash
# tools/dev/tidy.sh [BUILD_DIR] — run the agreed clang-tidy checks (.clang-tidy)
# over every C source of the hosted build (BUILD_DIR, default build-test,
# must exist: its compile_commands.json). The bare-metal compilations of the
# same sources (gcc-only flags) are left out; a source compiled for several
# targets is checked once. Exit 0 when clean, 1 with the findings printed.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-test}
[ -f "$BUILD/compile_commands.json" ] || { echo "tidy.sh: $BUILD/compile_commands.json missing: build first" >&2; exit 2; }
command -v clang-tidy >/dev/null || { echo "tidy.sh: clang-tidy missing (apt-get install clang-tidy)" >&2; exit 2; }
DB=$(mktemp -d /tmp/spindle-tidy.XXXXXX)
trap 'rm -rf "$DB"' EXIT
/usr/bin/python3 - "$BUILD/compile_commands.json" "$DB/compile_commands.json" <<'PY'
import json, os, sys
seen, out = set(), []
for e in json.load(open(sys.argv[1])):
    cmd = e.get("command", "")
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if "-ffreestanding" in cmd or f in seen or "/tests/" in f or "/tools/" in f:
        continue
    seen.add(f)
    out.append(e)
json.dump(out, open(sys.argv[2], "w"))
PY
FILES=$(/usr/bin/python3 -c 'import json,sys; print("\n".join(e["file"] for e in json.load(open(sys.argv[1]))))' "$DB/compile_commands.json")
OUT="$DB/out.txt"
# shellcheck disable=SC2086
(cd "$BUILD" && printf '%s\n' $FILES | xargs -P2 -n8 clang-tidy -p "$DB" --quiet) >"$OUT" 2>/dev/null
if grep -qE "(warning|error):" "$OUT"; then
	grep -E "(warning|error):" "$OUT" | sort -u
	echo "tidy.sh: clang-tidy findings above (.clang-tidy)" >&2
	exit 1
fi
echo "tidy.sh: clean ($(printf '%s\n' $FILES | wc -l) files)"
