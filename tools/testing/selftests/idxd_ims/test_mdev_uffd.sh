#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A virtual DSA device whose guest memory a userfaultfd handles, as a VMM
# that migrates or lazily restores guest RAM does (mdev_guest uffd): while
# the pages are missing, descriptors using them fault at once, with no
# event reaching the handler (the kernel never waits for the VMM) and
# nothing written; once filled in they work; a reset with every slot busy
# on them returns only when their data and records are written, and
# nothing is written after it. A second virtual device copies data all the
# while (its loop starts before and goes on until after, by construction).
# Needs userfaultfd (CONFIG_USERFAULTFD).
TEST=test_mdev_uffd
. "$(dirname "$0")/lib.sh"

setup_device
require_ims
require_mdev
[ -e /proc/sys/vm/unprivileged_userfaultfd ] ||
	skip "the kernel has no userfaultfd (CONFIG_USERFAULTFD)"

mdev_setup_wq 0 8
mdev_setup_wq 1 8
mdev_enable_device
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID
mdev_create || fail "cannot create a second mdev"
other=$MDEV_UUID

bg_guests_init
bg_guest other -r "$BG_DIR/other-started" -u "$BG_DIR/stop" "$other" loop 4
bg_guest_started other || fail "the second mdev's loop did not start"
run_guest "$uuid" uffd
rc=$?
touch "$BG_DIR/stop"
bg_guest_wait other
other_rc=$?
[ $rc -eq 0 ] || fail "mdev_guest uffd failed"
[ $other_rc -eq 0 ] || fail "the second mdev's loop failed while the first ran uffd"
mdev_expect_unpinned "$uuid" uffd
pass "guest memory behind a userfaultfd: faults without waiting, reset waits, nothing written after it; another mdev copied meanwhile"
