#!/usr/bin/python3
"""tools/dev/call-cycles.py — report cycles of references between source files.

Reads the object files of a meson build (nm: defined and undefined symbols
of each object), draws an edge from file A to file B when A refers to a
function or object that B defines, and checks the layering rules of
docs/ARCHITECTURE.md:

  1. no cycle between the folders of protocols/ (a node calls the layer
     below and learns of the layer above only through events);
  2. no cycle between the files of apps/router/ (they form a line).

Usage: call-cycles.py BUILDDIR    exit 0 when the rules hold, 1 with the
cycles printed, 2 when no objects were found.
"""
import os
import re
import subprocess
import sys


def objects(build):
    """(source path, object path) for every object of the hosted libraries."""
    out = []
    for root, _dirs, files in os.walk(build):
        if not re.search(r"libspindle-(core|apps)\.a\.p$", root):
            continue
        for f in files:
            if f.endswith(".c.o"):
                # meson's object name: the source path with '/' as '_' (relative to
                # the target's folder); recover it by matching the tree.
                out.append((f[:-2], os.path.join(root, f)))
    return out


def source_of(objname, tree):
    """The tree path whose '/'->'_' spelling is @objname (e.g. protocols_ipv4_ipv4.c)."""
    return tree.get(objname) or tree.get(objname.split("_", 1)[-1])


def tree_index(src):
    idx = {}
    for folder in ("kernel", "guards", "netgraph", "protocols", "drivers", "apps"):
        for root, _d, files in os.walk(os.path.join(src, folder)):
            for f in files:
                if f.endswith(".c"):
                    rel = os.path.relpath(os.path.join(root, f), src)
                    idx[rel.replace("/", "_")] = rel
                    # objects of apps/ are named relative to apps/
                    if rel.startswith("apps/"):
                        idx[rel[5:].replace("/", "_")] = rel
    return idx


def symbols(obj):
    res = subprocess.run(["nm", obj], capture_output=True, text=True, check=True)
    defined, used = set(), set()
    for line in res.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRC":
            defined.add(parts[2])
    return defined, used


def sccs(nodes, edges):
    """Tarjan's strongly connected components with more than one member."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = sys.argv[1]
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tree = tree_index(src)
    owner, uses = {}, {}
    for objname, path in objects(build):
        s = source_of(objname, tree)
        if s is None:
            continue
        d, u = symbols(path)
        for sym in d:
            owner[sym] = s
        uses[s] = u
    if not uses:
        print("call-cycles: no objects under %s (build it first)" % build, file=sys.stderr)
        return 2
    files = {}
    for f, u in uses.items():
        files[f] = {owner[x] for x in u if x in owner and owner[x] != f}

    def lifted(keep, key):
        edges = {}
        for f, targets in files.items():
            if not keep(f):
                continue
            for t in targets:
                if keep(t) and key(f) != key(t):
                    edges.setdefault(key(f), set()).add(key(t))
        nodes = set(edges) | {t for ts in edges.values() for t in ts}
        return sccs(nodes, edges)

    bad = 0
    for comp in lifted(lambda f: f.startswith("protocols/"), lambda f: os.path.dirname(f)):
        print("cycle between protocol folders: " + " <-> ".join(comp))
        bad += 1
    for comp in lifted(lambda f: f.startswith("apps/router/"), lambda f: f):
        print("cycle between router files: " + " <-> ".join(comp))
        bad += 1
    if bad:
        return 1
    print("call-cycles: no cycles (%d files)" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
