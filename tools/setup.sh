#!/usr/bin/env bash
# tools/setup.sh — install the Debian packages spindle needs, only those missing.
# Usage: tools/setup.sh [--quiet]
# Needs root (or sudo) for apt-get; does nothing when everything is present.
set -euo pipefail

PACKAGES=(
  # build
  gcc make meson ninja-build pkg-config libpcap-dev libcriterion-dev
  # bare-metal targets
  qemu-system-x86 qemu-system-misc gcc-alpha-linux-gnu
  # lab peers and captures
  iproute2 iputils-ping iputils-arping ethtool tcpdump sockperf iperf3 socat traceroute
  python3 python3-scapy tshark
  # the hosted dpdk driver (drivers/dpdk): DPDK 22.11, its PMD plugins, testpmd
  dpdk dpdk-dev libdpdk-dev
  # ONC RPC: libtirpc for the rpcgen clients and servers, rpcgen; rpcinfo
  # comes with rpcbind (below). Installing rpcbind may start a portmapper on
  # this host's port 111: no test or benchmark uses or collides with it, they
  # run in network namespaces of their own (port 111 there is spindle's, or
  # the Linux VM's rpcbind) and tools/rpc's server runs with --no-register there.
  libtirpc-dev rpcsvc-proto
  # video client: JPEG decoding (libjpeg-turbo hosted, stb_image freestanding),
  # the SDL2 window, ffmpeg for clips, captures and the ffplay baseline,
  # djpeg (the VM test's reference decoding)
  libturbojpeg0-dev libjpeg62-turbo-dev libstb-dev libsdl2-dev ffmpeg libjpeg-turbo-progs
  # fuzzing and benchmarks
  clang libclang-rt-14-dev valgrind python3-matplotlib
  # house rules: format, clang-tidy, the NULL check (libclang from Python)
  clang-format clang-tidy python3-clang-14
  # Linux baseline VMs (tools/vm/linux-host/build.sh: strings for module
  # dependencies; programs copied into the images with their libraries)
  binutils rpcbind
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-}" = "--quiet" ] || echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: missing packages (${missing[*]}) and not root: run as root or install sudo" >&2
    exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
