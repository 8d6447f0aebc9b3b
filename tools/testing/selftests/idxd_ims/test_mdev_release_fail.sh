#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A virtual device is closed with every slot held in the device (the close
# waits for them: the device may write guest pages until they complete),
# then removed while the device does not confirm that its work queue
# stopped: the test hook makes Drain WQ and Disable WQ fail (fail_cmds)
# without reaching the device, which keeps running the work queue. The
# driver must say so, leave the bounce buffers, batch lists and completion
# records the device may still write allocated, and not give the work
# queue to another virtual device until the device is disabled; after
# that it is usable again.
TEST=test_mdev_release_fail
. "$(dirname "$0")/lib.sh"

# command codes: Disable WQ 7, Drain WQ 8
FAIL_WQ_STOP=$(((1 << 7) | (1 << 8)))
# how long the model holds each descriptor
HOLD_US=200000

setup_device
require_ims
require_mdev
require_model_ctl

# shellcheck disable=SC2317 # called through at_exit
clear_fail_cmds() {
	test_cmd fail_cmds 0
}

mdev_setup_wq 0 8
mdev_enable_device
start=$(mdev_available)
[ "$start" = 1 ] || fail "available_instances is $start, expected 1"
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID
at_exit model_clear_faults
at_exit clear_fail_cmds

# every slot in flight, held by the model for a while: the close waits
model_set delay-us $HOLD_US
run_guest "$uuid" inflight close || fail "mdev_guest inflight close failed"
submitted=$(mdev_attr "$uuid" submitted)
[ "$submitted" -ge 1 ] && [ "$(mdev_attr "$uuid" completed)" = "$submitted" ] ||
	fail "the close returned with $(mdev_attr "$uuid" completed) of $submitted descriptors completed"
mdev_expect_unpinned "$uuid" "release failed"

ims_idx=$(mdev_attr "$uuid" vectors | awk '{ print $2 }')
test_cmd fail_cmds $FAIL_WQ_STOP || fail "test hook: fail_cmds refused"
mark=$(log_mark)
mdev_remove "$uuid" || fail "cannot remove the mdev"
vector_rows_all | awk -v i="$ims_idx" '$1 == i && $3 == "ims" { f = 1 } END { exit !f }' ||
	fail "IMS entry $ims_idx, whose handle descriptors in flight may still raise, was given back"
dmesg | tail -n +$((mark + 1)) | grep -q "did not confirm that it stopped" ||
	fail "the failed disable of the work queue was not reported"
dmesg | tail -n +$((mark + 1)) | grep -q "leaving them allocated" ||
	fail "buffers the device may still write were freed"
[ "$(mdev_available)" = 0 ] ||
	fail "a work queue the device did not confirm stopped is offered again (available_instances $(mdev_available))"
if mdev_create; then
	fail "a virtual device was created on a work queue that may still run"
fi

test_cmd fail_cmds 0 || fail "test hook: fail_cmds 0 refused"
model_set delay-us 0
echo "$CONF" > /sys/bus/dsa/drivers/idxd/unbind || fail "cannot disable $CONF"
mdev_enable_device
[ "$(mdev_available)" = "$start" ] ||
	fail "after disabling the device, available_instances is $(mdev_available), expected $start"
mdev_create || fail "cannot create an mdev after the device was disabled"
run_guest "$MDEV_UUID" loop 3 || fail "mdev_guest loop failed on the work queue after the device was disabled"
pass "a work queue whose stop the device did not confirm keeps its buffers and is not reused until the device is disabled"
