#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A virtual DSA device whose guest memory a userfaultfd handles, as a VMM
# that migrates or lazily restores guest RAM does (mdev_guest uffd): while
# the pages are missing, descriptors using them fault at once, with no
# event reaching the handler (the kernel never waits for the VMM) and
# nothing written; once filled in they work; a reset with every slot busy
# on them returns only when their data and records are written, and
# nothing is written after it. Needs userfaultfd (CONFIG_USERFAULTFD).
TEST=test_mdev_uffd
. "$(dirname "$0")/lib.sh"

setup_device
require_ims
require_mdev
[ -e /proc/sys/vm/unprivileged_userfaultfd ] ||
	skip "the kernel has no userfaultfd (CONFIG_USERFAULTFD)"

mdev_setup_wq 0 8
mdev_enable_device
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID
run_guest "$uuid" uffd || fail "mdev_guest uffd failed"
[ "$(mdev_attr "$uuid" pinned_pages)" = 0 ] ||
	fail "$(mdev_attr "$uuid" pinned_pages) guest pages still pinned after the close"
pass "guest memory behind a userfaultfd: faults without waiting, reset waits, nothing written after it"
