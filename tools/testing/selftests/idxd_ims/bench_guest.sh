#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: memmoves of 4 KiB one at a time through three paths
# to the same device, in the same boot, in operations per second:
#   host:   one dmatest thread on a host kernel WQ (idxd_ims, no verify);
#   mdev:   mdev_guest's "copybench" on a virtual device, from user space
#           through VFIO (the mediation's bounce-buffer copies included);
#   guest:  one dmatest thread in a nested guest (QEMU vfio-pci, upstream
#           idxd) on a virtual device of the same kind.
# Prints the table and the ratios guest / host and guest / mdev. Run by
# "make bench". Under TCG the guest runs emulated inside an emulated
# machine: its number measures mostly the cost of nested emulation (the
# guest's MMIO and portal exits, QEMU's vfio-pci, interrupt injection), not
# what a KVM guest would get on hardware.

TEST=bench_guest
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest_lib.sh"

COPIES=${COPIES:-2000}
GUEST_COPIES=${GUEST_COPIES:-500}
WQ_SIZE=16

setup_device
require_ims
require_mdev
require_nested_guest

# WQ 1 backs the mdev, WQ 0 is the host's kernel WQ (enables the device)
mdev_setup_wq 1 $WQ_SIZE
bind_kernel_wqs $WQ_SIZE 0

bench_host_copies "$COPIES"
unload_dmatest
mdev_create || fail "cannot create an mdev: $MDEV_ERR"
bench_mdev_copies "$MDEV_UUID" "$COPIES"

guest_start "$MDEV_UUID" > /dev/null
guest_wait_ready > /dev/null
guest_cmd probe > /dev/null || fail "the guest's idxd did not probe the slice"
guest_dev=$(guest_dev "$(guest_bdf 0)")
guest_cmd enable > /dev/null || fail "accel-config could not enable the slice"
guest_cmd dmatest "$GUEST_COPIES" noverify > /dev/null ||
	fail "dmatest in the guest failed"
guest_ops=$(guest_value "iops $guest_dev")
[ -n "$guest_ops" ] || fail "no result from dmatest in the guest: $GUEST_OUT"
guest_kill

echo "memmove 4 KiB one at a time (operations per second)"
printf '%-58s %10s\n' path ops/s
printf '%-58s %10.0f\n' "host WQ (dmatest, 1 thread, no verify, $COPIES)" "$host_ops"
printf '%-58s %10.0f\n' "mdev from user space (copybench, $COPIES)" "$mdev_ops"
printf '%-58s %10.0f\n' "nested guest, upstream idxd (dmatest, $GUEST_COPIES)" "$guest_ops"
echo "$guest_ops $host_ops $mdev_ops" |
	awk '{ printf "ratio guest / host: %.3f, guest / mdev: %.3f\n", $1 / $2, $1 / $3 }'
