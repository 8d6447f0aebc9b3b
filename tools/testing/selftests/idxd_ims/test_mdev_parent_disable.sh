#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The parent device is disabled (dsa bus unbind, accel-config
# disable-device) under a virtual device. The driver must say so, the
# virtual device must keep its work queue claimed (no second mdev on it,
# available_instances 0 after the parent is enabled again) and show the
# halt to its user, removal must give the work queue back, and a virtual
# device created afterwards must work.

TEST=test_mdev_parent_disable
. "$(dirname "$0")/lib.sh"

setup_device
require_ims
require_mdev

# shellcheck disable=SC2317 # called through at_exit
remove_files() {
	rm -rf "$tmp"
}

# stop_guest: the guest must not keep the mdev open when the test ends
# early (removal waits for the device to be closed)
# shellcheck disable=SC2317 # called through at_exit
stop_guest() {
	[ -n "$guest" ] && kill "$guest" && wait "$guest"
}

mdev_setup_wq 0 8
mdev_enable_device
mdev_create || fail "cannot create an mdev"
first=$MDEV_UUID
run_guest "$first" loop 4 > /dev/null || fail "the first virtual device does not work"

# the guest (mdev_guest disabled) has the device enabled when the parent goes
tmp=$(mktemp -d) || fail "mktemp -d failed"
at_exit remove_files
"$MDEV_GUEST" -r "$tmp/ready" "$first" disabled > "$tmp/out" 2>&1 &
guest=$!
at_exit stop_guest
wait_file "$tmp/ready" "$guest" 30 ||
	{ sed 's/^/#   /' "$tmp/out"; fail "mdev_guest did not enable its device"; }

mark=$(log_mark)
echo "$CONF" > /sys/bus/dsa/drivers/idxd/unbind || fail "cannot disable $CONF"
wait_log "$mark" "device disabled under a virtual device" 5 ||
	fail "no message about the virtual device when $CONF was disabled"
[ -e "$MDEV_DEVS/$first" ] || fail "the virtual device went away with the parent's disable"
wait "$guest"
rc=$?
guest=
sed 's/^/#   /' "$tmp/out"
[ $rc -eq 0 ] || fail "the guest did not see its device halted (mdev_guest exited with $rc)"

mdev_enable_device
[ "$(mdev_available)" = 0 ] ||
	fail "available_instances is $(mdev_available) while the disabled virtual device still holds the WQ"
mdev_create && fail "a second mdev was created on the WQ the disabled virtual device holds"
[ "$(mdev_attr "$first" wq)" = "$(basename "$(wq_dir 0)")" ] ||
	fail "the virtual device no longer names its WQ"

mdev_remove "$first" || fail "cannot remove the virtual device"
[ "$(mdev_available)" = 1 ] ||
	fail "available_instances is $(mdev_available) after removal, expected 1"

mdev_create || fail "cannot create an mdev after the parent came back"
run_guest "$MDEV_UUID" ops > /dev/null || fail "a new virtual device does not work"

pass "disabling the parent halted its virtual device; removal and re-creation work"
