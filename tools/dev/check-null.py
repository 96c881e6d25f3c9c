#!/usr/bin/python3
"""tools/dev/check-null.py — NULL, not 0, for null pointers (the house rule).

Parses every C source of a meson build (its compile_commands.json: each
source once, its hosted compilation where it has one, else the bare-metal) with libclang (Debian's
python3-clang-14) and reports each integer literal 0 that C converts to a
pointer: `return 0;` from a function returning a pointer, `p = 0`,
`p == 0`, a pointer argument or member initialised with 0. A `{ 0 }`
zero-initialiser of a whole aggregate is allowed (the first member's 0 is
its idiom); only an explicit pointer member or variable is reported.

Usage: check-null.py BUILD_DIR    exit 0 clean, 1 with findings, 2 on error.
"""
import json
import os
import shlex
import sys

import clang.cindex as ci

LIB = "/usr/lib/llvm-14/lib/libclang.so.1"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FOLDERS = ("kernel/", "guards/", "netgraph/", "protocols/", "drivers/", "apps/")


def entries(build):
    """Each source once: its hosted compilation, else its bare-metal one."""
    seen = set()
    db = json.load(open(os.path.join(build, "compile_commands.json")))
    db.sort(key=lambda e: "-ffreestanding" in e.get("command", ""))
    for e in db:
        cmd = e.get("command", "")
        f = os.path.normpath(os.path.join(e["directory"], e["file"]))
        rel = os.path.relpath(f, ROOT)
        if f in seen or not rel.startswith(FOLDERS) or not f.endswith(".c"):
            continue
        seen.add(f)
        args = [a for a in shlex.split(cmd)[1:] if a.startswith(("-I", "-D", "-std", "-include"))]
        args = [a if not a.startswith("-I") or os.path.isabs(a[2:]) else "-I" + os.path.normpath(os.path.join(e["directory"], a[2:])) for a in args]
        yield f, args


def is_zero_literal(c):
    if c.kind != ci.CursorKind.INTEGER_LITERAL:
        return False
    toks = [t.spelling for t in c.get_tokens()]
    return toks in (["0"], ["0u"], ["0U"])


def walk(c, fname, found):
    for ch in c.get_children():
        # an implicit conversion to a pointer type whose operand is the literal 0
        if (ch.kind == ci.CursorKind.UNEXPOSED_EXPR and ch.type.kind == ci.TypeKind.POINTER and
                ch.location.file is not None and ch.location.file.name == fname):
            kids = list(ch.get_children())
            if len(kids) == 1 and is_zero_literal(kids[0]):
                parent_is_init_list = c.kind == ci.CursorKind.INIT_LIST_EXPR
                first_of_list = parent_is_init_list and list(c.get_children())[0] == ch
                if not first_of_list:
                    found.append((fname, ch.location.line, ch.location.column))
        walk(ch, fname, found)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    ci.Config.set_library_file(LIB)
    index = ci.Index.create()
    found = []
    n = 0
    for f, args in entries(sys.argv[1]):
        tu = index.parse(f, args=args)
        walk(tu.cursor, f, found)
        n += 1
    if n == 0:
        print("check-null: no sources in %s/compile_commands.json" % sys.argv[1], file=sys.stderr)
        return 2
    for f, line, col in sorted(set(found)):
        print("%s:%d:%d: 0 used as a null pointer: write NULL" % (os.path.relpath(f, ROOT), line, col))
    if found:
        return 1
    print("check-null: clean (%d files)" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
