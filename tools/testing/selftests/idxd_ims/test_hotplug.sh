#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Hot removal under load. Two kernel work queues run dmatest and the guest
# of a virtual device (mdev_guest inflight busy) keeps every slot of it
# busy with memmoves when the host removes the DSA from its PCIe root port
# (QMP device_del over the model control channel); then it adds it back
# (device_add). Passes when:
# - the guest gets the removal request, finds the records of its last
#   round complete with their data or empty after the close, and opening
#   the device again fails with ENODEV;
# - each dmatest thread sees its transfers refused (prep or submit
#   error), and the driver says that the removal waits for the clients
#   of its channels: the PCI function is still there;
# - once dmatest lets go, the removal completes: QEMU reports the device
#   deleted (the guest's hotplug driver ejects it only after the
#   driver's remove has returned), and nothing of it is left: PCI
#   function, debugfs directory, dsa bus device, dmaengine channels,
#   interrupts, the virtual device;
# - no dmatest transfer timed out (a lost completion) or was reported
#   complete with wrong data, and every thread stopped with its summary;
# - dmatest and the driver unload, and kmemleak finds no leak;
# - the device added back is probed, a kernel work queue passes a
#   verified dmatest, a new virtual device works (mdev_guest ops), and
#   once they are gone its vector table is empty.

TEST=test_hotplug
. "$(dirname "$0")/lib.sh"

# dmatest runs until stopped
ITERATIONS=1000000
AFTER_ITERATIONS=32
# how long the removal and the probe of the device added back may take
WAIT_S=60

require_model_ctl
setup_device
require_ims
require_mdev
require_hotplug_slot
log "$BDF in hotplug slot $(basename "$HOTPLUG_SLOT")"

have_kmemleak=0
kmemleak_clear && have_kmemleak=1

# failing_threads: dmatest threads of this run that logged a transfer
# refused by the driver
failing_threads() {
	dmatest_log | grep -E "'(prep|submit) error'" |
		sed 's/.*dmatest: \([^:]*\): .*/\1/' | sort -u | wc -l
}

# wait_probed: wait for the DSA to be back and probed; sets BDF and TDIR
wait_probed() {
	_n=0
	until BDF=$(find_idxd_pci) && [ -d "$DBGFS/$DRV/$BDF" ]; do
		[ $_n -lt $((WAIT_S * 10)) ] || return 1
		sleep 0.1
		_n=$((_n + 1))
	done
	TDIR=$DBGFS/$DRV/$BDF
}

# plug_back: the device must come back for the tests after this one,
# also when this one fails while it is out; a removal still under way
# waits for dmatest and the virtual device's guest to let go
# shellcheck disable=SC2317 # called through at_exit
plug_back() {
	[ -n "$unplugged" ] || return 0
	echo 0 > "$DMATEST/run"
	bg_guests_stop
	[ -z "$unplug_pid" ] || wait "$unplug_pid"
	MODEL_TIMEOUT=$MODEL_HOTPLUG_TIMEOUT
	model_request plug && wait_probed
}

# --- the load: two kernel work queues and a virtual device ---

mdev_setup_wq 2 16
bind_kernel_wqs 8 0 1
load_dmatest
chans=$(dma_channels)
nchan=$(echo "$chans" | wc -w)
[ "$nchan" -eq 2 ] || fail "expected two dmaengine channels, found: $chans"
mdev_create || fail "cannot create an mdev"
uuid=$MDEV_UUID
bg_guests_init

dmatest_start "$chans" $ITERATIONS 1
bg_guest vdev -r "$BG_DIR/vdev-started" "$uuid" inflight busy
bg_guest_started vdev || fail "the virtual device's guest did not complete a round"
# busy: each work queue has completed a transfer, and goes on
wq0=idxd_ims-wq${CONF#???}.0 wq1=idxd_ims-wq${CONF#???}.1
n=0
until [ "$(irq_count "$wq0")" -ge 1 ] && [ "$(irq_count "$wq1")" -ge 1 ]; do
	[ $n -lt $((WAIT_S * 10)) ] || fail "dmatest completed no transfer on both work queues within $WAIT_S s"
	sleep 0.1
	n=$((n + 1))
done

# --- removal ---

conf=$CONF
unplugged=1
unplug_pid=
at_exit plug_back
mark=$(log_mark)
(model_hotplug unplug) > "$BG_DIR/unplug" 2>&1 &
unplug_pid=$!

bg_guest_wait vdev || fail "the virtual device's guest did not get its device taken cleanly"
rounds=$(sed -n 's/.*removal requested after \([0-9]*\) rounds.*/\1/p' "$BG_DIR/vdev")
n=0
until [ "$(failing_threads)" -ge "$nchan" ]; do
	[ $n -lt $((WAIT_S * 10)) ] || fail "not every dmatest thread saw a transfer refused within $WAIT_S s: $(dmatest_log | tail -n 4)"
	sleep 0.1
	n=$((n + 1))
done
wait_log "$mark" "removal waits for the clients of its dmaengine channels" $WAIT_S ||
	fail "the driver did not say that the removal waits for dmatest"
[ -e "/sys/bus/pci/devices/$BDF" ] ||
	fail "$BDF went away while dmatest still held its channels"
echo 0 > "$DMATEST/run"
wait $unplug_pid
rc=$?
sed 's/^/# /' "$BG_DIR/unplug"
[ $rc -eq 0 ] || fail "the removal did not complete once dmatest let go"

[ ! -e "/sys/bus/pci/devices/$BDF" ] || fail "$BDF still present after the removal"
[ ! -d "$TDIR" ] || fail "debugfs directory $TDIR left after the removal"
[ ! -e "/sys/bus/dsa/devices/$conf" ] || fail "dsa bus device $conf left after the removal"
[ -z "$(dma_channels)" ] || fail "dmaengine channels left after the removal: $(dma_channels)"
! grep -q idxd_ims /proc/interrupts ||
	fail "interrupts left after the removal: $(grep idxd_ims /proc/interrupts)"
[ ! -e "$MDEV_DEVS/$uuid" ] || fail "the virtual device $uuid left after the removal"
mdev_created=

dmatest_out=$(dmatest_log)
echo "$dmatest_out" | grep -vE "'(prep|submit) error'" | sed 's/^/# /'
[ "$(dmatest_count ': summary ')" -eq "$nchan" ] ||
	fail "not every dmatest thread stopped with a summary"
[ "$(dmatest_count "'test timed out'")" -eq 0 ] ||
	fail "transfers timed out: a completion was lost in the removal"
[ "$(dmatest_count "'(data error|completion busy status)'")" -eq 0 ] ||
	fail "a transfer was reported complete with wrong data"
failed=$(dmatest_failures)
errors=$(dmatest_count "'(completion error status|prep error|submit error)'")
[ "$errors" -eq "$failed" ] ||
	fail "$failed transfers failed but only $errors with an error status or a refused submission"
log "dmatest: $failed transfers refused in the removal, none lost or corrupted"

unload_dmatest || fail "dmatest does not unload after the removal"
modprobe -r $DRV || fail "$DRV does not unload after the removal"
# what the removal and the unload could leak is allocated by now
removed_at=$(uptime_s)
modprobe $DRV || fail "$DRV does not load again"

# --- the device added back ---

model_hotplug plug
unplugged=
wait_probed || fail "the device added back was not probed within $WAIT_S s"
log "$BDF probed again"
require_mdev
mdev_setup_wq 1 16
bind_kernel_wqs 8 0
load_dmatest
chans=$(dma_channels)
[ "$(echo "$chans" | wc -w)" -eq 1 ] || fail "expected one dmaengine channel, found: $chans"
dmatest_start "$chans" $AFTER_ITERATIONS 1
dmatest_finish 120
[ "$(dmatest_count "summary $AFTER_ITERATIONS tests, 0 failures")" -eq 1 ] ||
	fail "dmatest on the device added back: $(echo "$dmatest_out" | grep summary)"
mdev_create || fail "cannot create an mdev on the device added back"
run_guest "$MDEV_UUID" ops > /dev/null || fail "a virtual device on the device added back does not work"
mdev_remove "$MDEV_UUID" || fail "cannot remove the new virtual device"
unload_dmatest
sysfs_reset_config
rows=$(vector_rows_all)
[ -z "$rows" ] || fail "vectors left once everything is disabled: $rows"

[ $have_kmemleak -eq 1 ] ||
	skip "removal and the device added back work, but kmemleak is not available: no leak check"
kmemleak_expect_clean "$removed_at" "after the removal"
pass "removed under load after $rounds rounds of the guest, with $failed dmatest transfers refused; the device added back works"
