#!/usr/bin/env bash
# tools/vm/linux-router/build.sh — build the Linux router VM that spindle's
# router VM is measured against: a Linux VM image (tools/vm/linux-host/
# build.sh) named linux-router, with no programs beyond busybox, in
# build-linux-router at the top of the repository.
#
#   tools/vm/linux-router/build.sh [--out DIR] [--kernel-package NAME] [--force]
#
# Output DIR/vmlinuz and DIR/initrd.gz; a second run with the same inputs
# does nothing. Run it with tools/vm/linux-router/linux-router-vm (README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
exec "$ROOT/tools/vm/linux-host/build.sh" --name linux-router --no-default-programs \
	--out "$ROOT/build-linux-router" "$@"
