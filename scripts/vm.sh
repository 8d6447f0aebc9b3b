#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make run / make bench / make shell: build (or reuse) everything, then boot
# the VM with one virtual DSA device and run the demo workload, run the
# benchmarks, or give a shell.
#   vm.sh run|bench|shell [SETUP]    (SETUP: vtd, the default, vtdpasid or noiommu)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=$1 setup=${2:-vtd}
work=$IDXD_IMS_CACHE/vm-$mode
rm -rf "$work"
mkdir -p "$work"
"$IDXD_IMS_TOP/scripts/install-deps.sh" >&2
# bench_profile times a transfer with kprobe events: its runs boot the
# profiling variant of the test kernel (kernel/idxd_ims-trace.config)
case "$mode,${IDXD_IMS_BENCH:-}," in
bench,*bench_profile,* | bench,*bench_profile.sh,*) export IDXD_IMS_TRACE=1 ;;
esac
stage kernel "$IDXD_IMS_TOP/scripts/build-kernel.sh" --env > "$work/kernel.env"
. "$work/kernel.env"
qemu=$(stage qemu "$IDXD_IMS_TOP/scripts/build-qemu.sh" | tail -n 1)
# with the nested guest, for the benchmarks and a shell to try it in
stage vm-image "$IDXD_IMS_TOP/scripts/build-guest.sh" "$work" "$qemu"
exec "$IDXD_IMS_TOP/scripts/run-vm.sh" "$qemu" "$BZIMAGE" \
	"$work/initramfs-nested.cpio" "$setup" "$mode" "$work/vm"
