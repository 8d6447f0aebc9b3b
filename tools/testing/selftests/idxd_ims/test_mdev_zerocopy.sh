#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The zero-copy data path of a virtual DSA device (idxd_ims/mdev_desc.c,
# mdev_pin.c): guest buffers whose pages are not contiguous in host memory
# are split into pieces and reported as one descriptor (mdev_guest
# noncontig; without an IOMMU every one of its descriptors must be split);
# a buffer unmapped by the VMM while a descriptor using it is in flight
# (mdev_guest unmap, the model holding the descriptor): the unmap waits
# for the data, a later descriptor faults; a page mapped read-only is read
# but not written, and a record there is refused (mdev_guest readonly);
# zero_copy is on by default, and with zero_copy=0 copies go through host
# bounce buffers. After each close no guest page stays pinned.
TEST=test_mdev_zerocopy
. "$(dirname "$0")/lib.sh"

ZERO_COPY=/sys/module/$DRV/parameters/zero_copy
# how long the model holds the descriptor of the unmap scenario
HOLD_US=300000

setup_device
require_ims
require_mdev
require_model_ctl

[ -w "$ZERO_COPY" ] || fail "no writable parameter zero_copy"
[ "$(cat "$ZERO_COPY")" = Y ] || fail "zero_copy is not on by default"

mdev_setup_wq 0 8
mdev_enable_device
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID
at_exit model_clear_faults

# Without an IOMMU the parent's bus addresses are physical addresses: one
# page mapped at consecutive IOVAs is never contiguous with itself
if [ -e "/sys/bus/pci/devices/$BDF/iommu_group" ]; then
	log "noncontig: $BDF is behind an IOMMU, which may give the page's mappings consecutive bus addresses: split count not checked"
	run_guest "$uuid" noncontig || fail "mdev_guest noncontig failed"
else
	run_guest "$uuid" noncontig 5 || fail "mdev_guest noncontig 5 failed"
fi
[ "$(mdev_attr "$uuid" copied)" = 0 ] ||
	fail "$(mdev_attr "$uuid" copied) descriptors were copied by the host"
mdev_expect_unpinned "$uuid" noncontig

run_guest "$uuid" readonly || fail "mdev_guest readonly failed"
mdev_expect_unpinned "$uuid" readonly

model_set delay-us $HOLD_US
run_guest "$uuid" unmap || fail "mdev_guest unmap failed"
model_set delay-us 0
mdev_expect_unpinned "$uuid" unmap

zero_copy_set N
run_guest "$uuid" loop 8 || fail "mdev_guest loop with zero_copy=0 failed"
[ "$(mdev_attr "$uuid" copied)" -ge 8 ] ||
	fail "with zero_copy=0, $(mdev_attr "$uuid" copied) descriptors went through the bounce buffers, expected 8"
mdev_expect_unpinned "$uuid" "loop, zero_copy=0"
pass "non-contiguous buffers, a read-only mapping and an unmap in flight on the zero-copy path; bounce buffers with zero_copy=0"
