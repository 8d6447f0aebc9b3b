#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Virtual devices come and go: CYCLES (5, MDEV_CYCLES for more) create /
# use (a few small memmoves through VFIO) / remove cycles, then removal
# right after descriptors were left in flight (VFIO_DEVICE_RESET, close of
# the device fd, or both, without waiting), removal of the open device with
# every slot in flight (the guest gives it back on the request eventfd) and
# removal racing the guest's open. Every cycle gives the WQ and the IMS
# entries back: available_instances returns to its starting value and no
# IMS entry stays in use. The kmemleak scan at the end of the VM run
# catches leaks.
TEST=test_mdev_lifecycle
. "$(dirname "$0")/lib.sh"

WQ_SIZE=16
CYCLES=${MDEV_CYCLES:-5}

setup_device
require_ims
require_mdev

# ims_rows_in_use: IMS entries in use, one row per line
ims_rows_in_use() {
	vector_rows_all | awk '$3 == "ims"'
}

# check_released WHAT: everything of the last mdev is back
check_released() {
	[ "$(mdev_available)" = "$start" ] ||
		fail "$1: available_instances is $(mdev_available), expected $start"
	[ "$(cat "$(wq_dir 0)/state")" != enabled ] ||
		fail "$1: $(basename "$(wq_dir 0)") still enabled"
	[ -z "$(ims_rows_in_use)" ] ||
		fail "$1: IMS entries still in use: $(ims_rows_in_use | tr '\n' ';')"
}

mdev_setup_wq 0 $WQ_SIZE
mdev_enable_device
start=$(mdev_available)
[ "$start" = 1 ] || fail "available_instances is $start, expected 1"
[ -z "$(ims_rows_in_use)" ] ||
	fail "IMS entries in use before any mdev: $(ims_rows_in_use | tr '\n' ';')"

i=0
while [ $i -lt "$CYCLES" ]; do
	mdev_create || fail "cycle $i: cannot create an mdev"
	u=$MDEV_UUID
	[ "$(mdev_available)" = $((start - 1)) ] ||
		fail "cycle $i: available_instances is $(mdev_available) with the mdev created"
	out=$("$MDEV_GUEST" -s $i -b 1024 "$u" loop 3 2>&1) ||
		fail "cycle $i: mdev_guest loop failed: $(echo "$out" | grep -m 3 'FAIL')"
	mdev_remove "$u" || fail "cycle $i: cannot remove $u"
	check_released "cycle $i"
	i=$((i + 1))
	[ $((i % 25)) -ne 0 ] || log "$i cycles"
done

# descriptors in flight when the device is reset, closed, and removed;
# in the test VM the model holds them back for a while first
if have_model_ctl; then
	at_exit model_clear_faults
	model_set delay-us 20000
fi
for how in reset close both; do
	mdev_create || fail "inflight $how: cannot create an mdev"
	run_guest "$MDEV_UUID" inflight $how || fail "mdev_guest inflight $how failed"
	mdev_remove "$MDEV_UUID" || fail "inflight $how: cannot remove the mdev"
	check_released "inflight $how"
done

# remove while the device is open with every slot in flight: the guest
# closes when the host signals its request eventfd; remove blocks until then
mdev_create || fail "inflight remove: cannot create an mdev"
out=$(mktemp)
"$MDEV_GUEST" "$MDEV_UUID" inflight remove > "$out" 2>&1 &
guest=$!
n=0
until grep -q "waiting for the removal request" "$out"; do
	kill -0 $guest 2> /dev/null || break
	[ $n -lt 300 ] || break
	sleep 0.1
	n=$((n + 1))
done
grep -q "waiting for the removal request" "$out" ||
	{ sed 's/^/#   /' "$out"; fail "inflight remove: the guest did not queue its descriptors"; }
mdev_remove "$MDEV_UUID" || fail "inflight remove: cannot remove the open mdev"
wait $guest
rc=$?
sed 's/^/#   /' "$out"
rm -f "$out"
[ $rc -eq 0 ] || fail "inflight remove: mdev_guest exited with $rc"
check_released "removal of an open device with descriptors in flight"

# removal racing the guest: remove while the program may still be opening
# the device or queueing; whatever the guest sees, the host stays clean
mdev_create || fail "race: cannot create an mdev"
"$MDEV_GUEST" "$MDEV_UUID" inflight close > /dev/null 2>&1 &
guest=$!
mdev_remove "$MDEV_UUID" || fail "race: cannot remove the mdev while its guest runs"
wait $guest
log "guest racing the removal exited with status $?"
check_released "removal racing the guest"

! have_model_ctl || model_set delay-us 0

mdev_create || fail "cannot create an mdev after all the cycles"
run_guest "$MDEV_UUID" loop 5 || fail "mdev_guest loop failed after the cycles"
mdev_remove "$MDEV_UUID" || fail "cannot remove the last mdev"
check_released "the last mdev"
pass "$CYCLES create/use/remove cycles and removals with descriptors in flight"
