#!/usr/bin/env bash
# tools/vm/linux-router/build.sh — build the Linux router VM that spindle's
# router VM is measured against: Debian's kernel and a busybox initramfs.
#
#   tools/vm/linux-router/build.sh [--out DIR] [--kernel-package NAME] [--force]
#
# 1. `apt-get download` of Debian's kernel package (NAME, default: the
#    package that linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64)
#    and of busybox-static, into DIR/debs (kept for the next run). Nothing is
#    installed on the host: the kernel and its modules are read out of the
#    package with `dpkg-deb --fsys-tarfile`.
# 2. DIR/vmlinuz: the package's /boot/vmlinuz-*.
# 3. DIR/initrd.gz: a newc cpio (written by the package's own busybox) with
#    busybox, the NIC modules (virtio-net with its virtio-pci stack, and
#    e1000; module dependencies read from each module's .modinfo) and
#    tools/vm/linux-router/init as /init.
# DIR defaults to build-linux-router at the top of the repository. A second
# run with the same kernel, busybox and init does nothing (DIR/stamp).
# Run the VM with tools/vm/linux-router/linux-router-vm (README.md here).
# Needs apt-get (network access to Debian's archive) the first time.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT=$ROOT/build-linux-router
KPKG=
FORCE=0
# The NIC drivers the router VM needs (spindle-vm --nic virtio|e1000); virtio_pci
# is the PCI transport virtio_net sits on (no dependency names it).
WANT_MODULES="virtio_pci virtio_net e1000"

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--out) OUT=${2:?}; shift 2 ;;
	--kernel-package) KPKG=${2:?}; shift 2 ;;
	--force) FORCE=1; shift ;;
	-h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
for c in apt-get apt-cache dpkg-deb tar gzip strings; do
	command -v "$c" >/dev/null || die "missing command $c"
done

mkdir -p "$OUT/debs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spindle-linux-router.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- 1. packages -------------------------------------------------------------
resolve_kpkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
if [ -z "$KPKG" ]; then
	KPKG=$(resolve_kpkg)
	if [ -z "$KPKG" ]; then
		say "apt-get update (no package list names linux-image-amd64's kernel)"
		apt-get update -q >/dev/null || die "apt-get update failed"
		KPKG=$(resolve_kpkg)
	fi
	[ -n "$KPKG" ] || die "cannot tell which kernel linux-image-amd64 depends on"
fi

# fetch PACKAGE: DIR/debs/PACKAGE_*.deb of the candidate version; prints its path.
fetch() {
	local pkg=$1 ver f
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt-get update -q >/dev/null || die "apt-get update failed"
		ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
	fi
	{ [ -n "$ver" ] && [ "$ver" != "(none)" ]; } || die "no Debian package $pkg"
	# Debian file names spell an epoch's colon as %3a.
	f="$OUT/debs/${pkg}_${ver//:/%3a}_amd64.deb"
	if [ ! -s "$f" ]; then
		say "apt-get download $pkg=$ver"
		# _apt cannot write a root-owned directory: download in a world-writable one.
		local dl="$WORK/dl-$pkg"
		mkdir -p "$dl" && chmod 777 "$dl"
		(cd "$dl" && apt-get download -q "$pkg=$ver" >/dev/null 2>"$dl.err") ||
			{ cat "$dl.err" >&2; die "apt-get download $pkg failed"; }
		mv "$dl"/*.deb "$f"
	fi
	echo "$f"
}
KDEB=$(fetch "$KPKG")
BDEB=$(fetch busybox-static)
KVER=${KPKG#linux-image-}

STAMP="$(basename "$KDEB") $(basename "$BDEB") $(sha256sum "$HERE/init" "$0" | sha256sum | cut -c1-16)"
if [ "$FORCE" = 0 ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ] &&
	[ "$(cat "$OUT/stamp" 2>/dev/null)" = "$STAMP" ]; then
	say "up to date: $OUT/vmlinuz, $OUT/initrd.gz ($KPKG, busybox-static)"
	exit 0
fi

# --- 2. kernel and modules out of the package ----------------------------------
say "extracting vmlinuz and modules from $(basename "$KDEB")"
mkdir -p "$WORK/k"
dpkg-deb --fsys-tarfile "$KDEB" |
	tar -x -C "$WORK/k" --wildcards "./boot/vmlinuz-*" "./lib/modules/$KVER/kernel/drivers/*" \
		"./lib/modules/$KVER/kernel/net/core/*"
KMOD=$WORK/k/lib/modules/$KVER/kernel
cp "$WORK"/k/boot/vmlinuz-* "$OUT/vmlinuz.new"

# Module path by name (underscores and dashes are the same to the kernel).
mod_path() {
	local n=$1 p
	p=$(find "$KMOD" \( -name "$n.ko" -o -name "${n//_/-}.ko" \) -print -quit)
	[ -n "$p" ] || die "module $n not in $KPKG (compressed modules are not handled)"
	echo "$p"
}
# Load order: every module after the modules in its .modinfo "depends=".
ORDER=()
add_module() {
	local n=$1 p deps d m
	for m in "${ORDER[@]:-}"; do [ "$m" = "$n" ] && return 0; done
	p=$(mod_path "$n")
	deps=$(strings -a "$p" | sed -n 's/^depends=//p' | head -n1)
	for d in ${deps//,/ }; do add_module "$d"; done
	ORDER+=("$n")
}
for m in $WANT_MODULES; do add_module "$m"; done

# --- 3. initramfs -----------------------------------------------------------------
say "initramfs: busybox, modules ${ORDER[*]}, init"
R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,lib/modules,etc}
dpkg-deb --fsys-tarfile "$BDEB" | tar -x -C "$WORK" ./bin/busybox
cp "$WORK/bin/busybox" "$R/bin/busybox"
for m in "${ORDER[@]}"; do cp "$(mod_path "$m")" "$R/lib/modules/$m.ko"; done
printf '%s\n' "${ORDER[@]}" >"$R/etc/modules.order"
echo "$KPKG" >"$R/etc/kernel-package"
cp "$HERE/init" "$R/init"
chmod 755 "$R/init" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
(cd "$R" && find . -mindepth 1 | sort | "$R/bin/busybox" cpio -o -H newc 2>/dev/null) |
	gzip -9 >"$OUT/initrd.gz.new"
mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
mv "$OUT/initrd.gz.new" "$OUT/initrd.gz"
echo "$STAMP" >"$OUT/stamp"
say "built $OUT/vmlinuz ($(du -k "$OUT/vmlinuz" | cut -f1) KiB, $KPKG) and $OUT/initrd.gz ($(du -k "$OUT/initrd.gz" | cut -f1) KiB)"
