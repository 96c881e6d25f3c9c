#!/bin/sh
# tools/rpc/rpcgen.sh X_FILE OUTDIR — run Debian's rpcgen on X_FILE so that
# OUTDIR gets NAME.h, NAME_xdr.c, NAME_clnt.c and NAME_svc.c (the dispatch
# function without a main: -m), each including "NAME.h" (rpcgen derives the
# include from the path it is given, so it runs inside OUTDIR on a copy).
set -eu
x=$1 out=$2
name=$(basename "$x" .x)
mkdir -p "$out"
cp "$x" "$out/$name.x"
cd "$out"
rm -f "$name.h" "${name}_xdr.c" "${name}_clnt.c" "${name}_svc.c"
rpcgen -h -o "$name.h" "$name.x"
rpcgen -c -o "${name}_xdr.c" "$name.x"
rpcgen -l -o "${name}_clnt.c" "$name.x"
rpcgen -m -o "${name}_svc.c" "$name.x"
