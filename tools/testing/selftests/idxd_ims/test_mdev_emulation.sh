#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The PCI function a virtual DSA device emulates, on a host work queue
# whose max_transfer_size (4 KiB) is below the slice's 64 KiB: GENCAP and
# WQCFG offer the host's limit and a larger transfer is refused with
# status 0x13 (mdev_guest xfer); clearing Bus Master after Enable Device
# stops every access of the slice to guest memory (busmaster);
# VFIO_DEVICE_RESET and a function level reset put the configuration
# space back in its reset state (cfgreset).
TEST=test_mdev_emulation
. "$(dirname "$0")/lib.sh"

XFER=4096

setup_device
require_ims
require_mdev

mdev_setup_wq 0 8
echo $XFER > "$(wq_dir 0)/max_transfer_size" ||
	fail "cannot set max_transfer_size $XFER on wq 0"
mdev_enable_device
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID

failed=""
for s in xfer busmaster cfgreset; do
	run_guest "$uuid" $s || failed="$failed $s"
done
[ -z "$failed" ] || fail "failed:$failed"
pass "a $XFER-byte host limit reaches the guest, Bus Master gates DMA, resets clear the configuration space"
