#!/usr/bin/env bash
# tools/dev/new-extension-check.sh — adding an extension is one folder and one
# line (docs/ARCHITECTURE.md "Adding an extension"), shown: a copy of the
# source tree gets apps/udp-echo copied to apps/echo-copy with only the class
# name changed and one subdir('echo-copy') line in apps/meson.build; the copy
# builds (hosted, release) and answers the captured UDP echo trace through
# "extension echo-copy port=7" exactly as Linux did (tests/replay/run-trace.sh).
# Exit 0 pass, 1 fail, 77 skip (no scapy). Takes a full hosted build: a minute or two.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/spindle-newext.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || { echo "SKIP: python3-scapy missing"; exit 77; }

(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | grep -zv '^build' |
	xargs -0 tar cf - 2>/dev/null) | (cd "$TMP" && tar xf -)
cp -r "$TMP/apps/udp-echo" "$TMP/apps/echo-copy"
sed -i 's/\.name = "udp-echo",/.name = "echo-copy",/; s/KEXTENSION_REGISTER(udp_echo_ext)/KEXTENSION_REGISTER(echo_copy_ext)/; s/^static const struct kextension udp_echo_ext = {/static const struct kextension echo_copy_ext = {/' \
	"$TMP/apps/echo-copy/udp_echo.c"
sed -i "s/^subdir('udp-echo')$/subdir('udp-echo')\nsubdir('echo-copy')/" "$TMP/apps/meson.build"
echo "== the change, against the tree:"
diff -ru "$ROOT/apps/udp-echo" "$TMP/apps/echo-copy" | sed 's/^/   | /' || true
diff -u "$ROOT/apps/meson.build" "$TMP/apps/meson.build" | sed 's/^/   | /' || true

(cd "$TMP" && meson setup build --buildtype=release -Dx86_64_image=false >/dev/null &&
	ninja -C build apps/spindle >/dev/null) || { echo "FAIL: the copy does not build"; exit 1; }
SPINDLE_ECHO_EXTENSION=echo-copy "$ROOT/tests/replay/run-trace.sh" "$TMP/build/apps/spindle" udp-echo \
	"$ROOT/tests/traces" >"$TMP/replay.log" 2>&1 || { cat "$TMP/replay.log"; echo "FAIL: echo-copy did not answer like Linux"; exit 1; }
tail -3 "$TMP/replay.log"
echo "PASS: a renamed copy of apps/udp-echo plus one subdir() line builds and answers the trace"
