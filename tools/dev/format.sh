#!/usr/bin/env bash
# tools/dev/format.sh [--fix] — the house format (.clang-format, clang-format 14)
# over every tracked C source and header of the project (third-party and
# generated code excluded). Without --fix: exit 0 when every file is formatted,
# 1 with the names of those that are not (and how to fix them); with --fix:
# rewrite them in place. Exit 2 when clang-format is missing, 77 (skipped)
# outside a git checkout.
set -uo pipefail
cd "$(dirname "$0")/../.."
FIX=0
case "${1:-}" in
--fix) FIX=1 ;;
"") ;;
*) echo "usage: tools/dev/format.sh [--fix]" >&2; exit 2 ;;
esac
command -v clang-format >/dev/null || { echo "format.sh: clang-format missing (apt-get install clang-format)" >&2; exit 2; }
git rev-parse --git-dir >/dev/null 2>&1 || { echo "format.sh: not a git checkout: skipped" >&2; exit 77; }
mapfile -t FILES < <(git ls-files '*.c' '*.h' | grep -v -E '(^|/)third_party/|/generated/')
if [ "$FIX" = 1 ]; then
	printf '%s\0' "${FILES[@]}" | xargs -0 -P2 -n32 clang-format -i --style=file
	echo "format.sh: formatted ${#FILES[@]} files"
	exit 0
fi
BAD=$(printf '%s\0' "${FILES[@]}" | xargs -0 -P2 -n32 clang-format --style=file --dry-run 2>&1 |
	sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort -u)
if [ -n "$BAD" ]; then
	printf '%s\n' "$BAD"
	echo "format.sh: $(printf '%s\n' "$BAD" | wc -l) of ${#FILES[@]} files differ from .clang-format; run tools/dev/format.sh --fix" >&2
	exit 1
fi
echo "format.sh: clean (${#FILES[@]} files)"
