#!/usr/bin/env bash
# tools/vm/linux-host/build.sh — build a Linux VM image: Debian's kernel and
# a busybox initramfs holding chosen user-level programs with their shared
# libraries. The baselines spindle is measured against run in it
# (tools/vm/linux-host/README.md); the Linux router VM is one of its images.
#
#   tools/vm/linux-host/build.sh [--out DIR] [--name NAME] [--program P]...
#        [--no-default-programs] [--file SRC[:DEST]]... [--kernel-package NAME]
#        [--debs DIR] [--update] [--force]
#
# 1. `apt-get download` of Debian's kernel package (NAME, default: the
#    package that linux-image-amd64 depends on, e.g. linux-image-6.1.0-57-amd64)
#    and of busybox-static, into the --debs cache (default build-linux-debs at
#    the top of the repository, shared by every image). Nothing is installed
#    on the host: files are read out of the packages with dpkg-deb. The
#    versions are looked up once and kept in DIR/packages: later builds use
#    the same packages (a baseline that stays put, and no apt look-up) until
#    --update or --kernel-package asks for others.
# 2. DIR/vmlinuz: the package's /boot/vmlinuz-*.
# 3. DIR/initrd.gz: a newc cpio (written by the package's own busybox) with
#    busybox, the modules for QEMU's NICs (virtio-net with its virtio-pci
#    stack, e1000) and fw_cfg (qemu_fw_cfg), each after the modules its
#    .modinfo depends= names; tools/vm/linux-host/init as /init; NAME in
#    /etc/vm-name (the prefix of the init's console lines); each --program
#    (a command name on PATH or a path; default sockperf and iperf3) as
#    /usr/bin/BASENAME with every library ldd lists at its own path; each
#    --file at DEST (default: the same path); /etc/netconfig when a program
#    links libtirpc; /etc/services, /etc/protocols, /etc/rpc from the host.
# DIR defaults to build-linux-host (build-linux-<NAME> for another NAME). A
# second run with the same packages, scripts, programs, libraries and files
# does nothing (DIR/stamp holds their digest); --force rebuilds.
# Needs apt-get (network access to Debian's archive) the first time.
set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT=
NAME=linux-host
DEBS=$ROOT/build-linux-debs
KPKG=
UPDATE=0
FORCE=0
PROGRAMS=()
DEFAULT_PROGRAMS=(sockperf iperf3)
FILES=()
# QEMU's NICs (spindle-vm --nic virtio|e1000; virtio_pci is the transport
# virtio_net sits on, which no dependency names) and the fw_cfg reader that
# hands the init its script (/sys/firmware/qemu_fw_cfg).
WANT_MODULES="virtio_pci virtio_net e1000 qemu_fw_cfg"

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--out) OUT=${2:?}; shift 2 ;;
	--name) NAME=${2:?}; shift 2 ;;
	--program) PROGRAMS+=("${2:?}"); shift 2 ;;
	--no-default-programs) DEFAULT_PROGRAMS=(); shift ;;
	--file) FILES+=("${2:?}"); shift 2 ;;
	--kernel-package) KPKG=${2:?}; shift 2 ;;
	--debs) DEBS=${2:?}; shift 2 ;;
	--update) UPDATE=1; shift ;;
	--force) FORCE=1; shift ;;
	-h|--help) sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[[ "$NAME" =~ ^[a-z][a-z0-9-]{0,31}$ ]] || die "--name: 1-32 of [a-z0-9-], starting with a letter"
[ -n "$OUT" ] || OUT=$ROOT/build-$NAME
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
case "$DEBS" in /*) ;; *) DEBS=$PWD/$DEBS ;; esac
PROGRAMS=("${DEFAULT_PROGRAMS[@]}" "${PROGRAMS[@]}")
for c in apt-get apt-cache dpkg-deb tar gzip strings ldd sha256sum; do
	command -v "$c" >/dev/null || die "missing command $c (run tools/setup.sh)"
done

mkdir -p "$OUT" "$DEBS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spindle-$NAME.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- programs, their libraries, files: what goes into /usr/bin, /lib, /etc ----------
# Lines "SRC DEST" of every file to copy, in $WORK/copy.
: >"$WORK/copy"
copy() { printf '%s %s\n' "$1" "$2" >>"$WORK/copy"; }
TIRPC=0
for p in "${PROGRAMS[@]}"; do
	case "$p" in
	*/*) path=$(readlink -f "$p") ;;
	*) path=$(command -v "$p" 2>/dev/null) || die "no program $p on PATH (run tools/setup.sh, or give a path)" ;;
	esac
	if ! [ -f "$path" ] || ! [ -x "$path" ]; then die "program $p: $path is not an executable file"; fi
	case "$path" in *" "*) die "program $p: a path with a space ($path)" ;; esac
	copy "$path" "/usr/bin/${p##*/}"
	# ldd: "libX.so => /path (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)";
	# nothing to copy for a static program or a script.
	while read -r lib; do
		[ -f "$lib" ] || die "program $p needs $lib, which is missing"
		copy "$lib" "$lib"
		case "$lib" in */libtirpc.so*) TIRPC=1 ;; esac
	done < <(ldd "$path" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
	if ldd "$path" 2>/dev/null | grep -q 'not found'; then
		die "program $p: a library is missing: $(ldd "$path" | grep 'not found' | head -n1)"
	fi
done
# libtirpc reads its transports from /etc/netconfig (netconfig(5)).
[ "$TIRPC" = 0 ] || copy /etc/netconfig /etc/netconfig
for f in /etc/services /etc/protocols /etc/rpc; do [ -f "$f" ] && copy "$f" "$f"; done
for spec in "${FILES[@]}"; do
	src=${spec%%:*}
	dest=${spec#*:}
	[ "$dest" != "$spec" ] || dest=$src
	[ -f "$src" ] || die "--file $spec: no file $src"
	case "$dest" in /*) ;; *) die "--file $spec: DEST must be an absolute path" ;; esac
	copy "$(readlink -f "$src")" "$dest"
done
sort -u -k2,2 "$WORK/copy" -o "$WORK/copy"

# --- packages ------------------------------------------------------------------------
# The packages of the last build (DIR/packages: "KPKG KDEB BDEB"), when
# nothing asks for others and both files are still in the cache.
KDEB=
BDEB=
if [ "$UPDATE" = 0 ] && [ -z "$KPKG" ] && read -r k kd bd 2>/dev/null <"$OUT/packages" &&
	[ -s "$DEBS/$kd" ] && [ -s "$DEBS/$bd" ]; then
	KPKG=$k KDEB=$DEBS/$kd BDEB=$DEBS/$bd
fi
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

# fetch PACKAGE: DEBS/PACKAGE_*.deb of the candidate version; prints its path.
fetch() {
	local pkg=$1 ver f
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt-get update -q >/dev/null || die "apt-get update failed"
		ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
	fi
	{ [ -n "$ver" ] && [ "$ver" != "(none)" ]; } || die "no Debian package $pkg"
	# Debian file names spell an epoch's colon as %3a.
	f="$DEBS/${pkg}_${ver//:/%3a}_amd64.deb"
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
[ -n "$KDEB" ] || KDEB=$(fetch "$KPKG")
[ -n "$BDEB" ] || BDEB=$(fetch busybox-static)
KVER=${KPKG#linux-image-}

# The digest of every input: packages, scripts, module list, programs, files.
STAMP="$(basename "$KDEB") $(basename "$BDEB") $NAME $(
	{
		echo "$WANT_MODULES"
		cat "$WORK/copy"
		# shellcheck disable=SC2046  # one word per file
		sha256sum "$HERE/init" "$HERE/script-lib.sh" "$0" $(cut -d' ' -f1 "$WORK/copy") | cut -d' ' -f1
	} | sha256sum | cut -c1-16)"
if [ "$FORCE" = 0 ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ] &&
	[ "$(cat "$OUT/stamp" 2>/dev/null)" = "$STAMP" ]; then
	say "up to date: $OUT/vmlinuz, $OUT/initrd.gz ($KPKG, $(wc -l <"$WORK/copy") files)"
	exit 0
fi

# --- kernel and modules out of the package ------------------------------------------
# Extracted once per package into the cache (every image shares them): the
# folders that hold WANT_MODULES and their dependencies.
K=$DEBS/$(basename "$KDEB" .deb).extracted
if [ ! -e "$K/done" ]; then
	say "extracting vmlinuz and modules from $(basename "$KDEB")"
	rm -rf "$K"
	mkdir -p "$K"
	dpkg-deb --fsys-tarfile "$KDEB" |
		tar -x -C "$K" --wildcards "./boot/vmlinuz-*" "./lib/modules/$KVER/kernel/drivers/net/*" \
			"./lib/modules/$KVER/kernel/drivers/virtio/*" "./lib/modules/$KVER/kernel/drivers/firmware/*" \
			"./lib/modules/$KVER/kernel/net/core/*"
	: >"$K/done"
fi
KMOD=$K/lib/modules/$KVER/kernel
cp "$K"/boot/vmlinuz-* "$OUT/vmlinuz.new"

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

# --- initramfs --------------------------------------------------------------------------
say "initramfs $NAME: busybox, modules ${ORDER[*]}, $(wc -l <"$WORK/copy") files, init"
R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,tmp,run,root,usr/bin,lib/modules,etc}
dpkg-deb --fsys-tarfile "$BDEB" | tar -x -C "$WORK" ./bin/busybox
cp "$WORK/bin/busybox" "$R/bin/busybox"
for m in "${ORDER[@]}"; do cp "$(mod_path "$m")" "$R/lib/modules/$m.ko"; done
printf '%s\n' "${ORDER[@]}" >"$R/etc/modules.order"
echo "$KPKG" >"$R/etc/kernel-package"
echo "$NAME" >"$R/etc/vm-name"
while read -r src dest; do
	mkdir -p "$R${dest%/*}"
	cp -L "$src" "$R$dest"
done <"$WORK/copy"
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
_rpc:x:100:65534::/run/rpcbind:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf '127.0.0.1 localhost\n' >"$R/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\nservices: files\nprotocols: files\nrpc: files\n' \
	>"$R/etc/nsswitch.conf"
cp "$HERE/init" "$R/init"
cp "$HERE/script-lib.sh" "$R/etc/script-lib.sh"
chmod 755 "$R/init" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
(cd "$R" && find . -mindepth 1 | sort | "$R/bin/busybox" cpio -o -H newc 2>/dev/null) |
	gzip -6 >"$OUT/initrd.gz.new"
mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
mv "$OUT/initrd.gz.new" "$OUT/initrd.gz"
echo "$STAMP" >"$OUT/stamp"
echo "$KPKG $(basename "$KDEB") $(basename "$BDEB")" >"$OUT/packages"
say "built $OUT/vmlinuz ($(du -k "$OUT/vmlinuz" | cut -f1) KiB, $KPKG) and $OUT/initrd.gz ($(du -k "$OUT/initrd.gz" | cut -f1) KiB)"
