#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The mapped portal of a virtual DSA device (idxd_ims/mdev_portal.c): region
# info, refused mappings, descriptors written to the mapped pages and taken
# by the consumer with no trapped write, the consumer unmapping an idle
# portal and a fault bringing it back (mdev_guest mapped), every operation
# through the mapped portal (mdev_guest -m ops); and the consumer's module
# parameters, which refuse what is out of range with a message and keep
# their value.
TEST=test_mdev_portal
. "$(dirname "$0")/lib.sh"

COPIES=20
PARAMS=/sys/module/$DRV/parameters

setup_device
require_ims
require_mdev

# param_refused NAME VALUE: writing VALUE to parameter NAME fails, says why
# in the kernel log and leaves the value as it was
param_refused() {
	_before=$(cat "$PARAMS/$1")
	_mark=$(log_mark)
	[ -n "$(mdev_write_err "$PARAMS/$1" "$2")" ] ||
		fail "$1 took '$2'"
	[ "$(cat "$PARAMS/$1")" = "$_before" ] ||
		fail "$1 is '$(cat "$PARAMS/$1")' after refusing '$2', was '$_before'"
	dmesg | tail -n +$((_mark + 1)) | grep -q "$1 must be" ||
		fail "no kernel message for $1 refusing '$2'"
}

for p in portal_poll_us portal_idle_us; do
	[ -w "$PARAMS/$p" ] || fail "no writable parameter $p"
	for v in 0 1000001 -1 abc ""; do
		param_refused $p "$v"
	done
done
# restore_idle: portal_idle_us back to its value before the test
restore_idle() {
	echo "$old_idle" > "$PARAMS/portal_idle_us"
}

old_idle=$(cat "$PARAMS/portal_idle_us")
at_exit restore_idle
echo 500 > "$PARAMS/portal_idle_us" || fail "portal_idle_us refused 500"
[ "$(cat "$PARAMS/portal_idle_us")" = 500 ] || fail "portal_idle_us did not take 500"

mdev_setup_wq 0 8
mdev_enable_device
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID
run_guest "$uuid" mapped $COPIES || fail "mdev_guest mapped failed"
for c in portal_taken portal_trapped portal_wakeups portal_sleeps; do
	log "$c $(mdev_attr "$uuid" $c)"
done
taken=$(mdev_attr "$uuid" portal_taken)
[ "$taken" -eq $((COPIES + 1)) ] ||
	fail "portal_taken is $taken after $((COPIES + 1)) mapped memmoves"

# every operation of the slice through the mapped portal
trapped=$(mdev_attr "$uuid" portal_trapped)
run_guest -m "$uuid" ops || fail "mdev_guest -m ops failed"
ops=$(guest_accepted)
[ "$(mdev_attr "$uuid" portal_taken)" -eq $((taken + ops)) ] ||
	fail "portal_taken grew by $(($(mdev_attr "$uuid" portal_taken) - taken)) for $ops mapped descriptors"
[ "$(mdev_attr "$uuid" portal_trapped)" -eq "$trapped" ] ||
	fail "mdev_guest -m ops made $(($(mdev_attr "$uuid" portal_trapped) - trapped)) trapped portal writes"
pass "$((COPIES + 1)) memmoves and $ops descriptors of every operation through the mapped portal, none trapped; parameters checked"
