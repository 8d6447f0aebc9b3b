#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Descriptors asking for a completion interrupt through a non-existent
# entry complete with "invalid interrupt handle"; the misc interrupt
# (MSI-X vector 0) reports the device's software errors, an overflow at
# most once per burst, and the device keeps working afterwards.
#
# In the test VM the DSA model holds each burst's descriptors (delay-us)
# until all are queued, so that it runs them in one pass: the burst then
# leaves exactly one SWERR record with the overflow bit, and the overflow
# must be reported exactly once. Without the hold the model may run a
# burst in several passes between which the driver reads and clears
# SWERR, and a pass with a single error ends the burst for the driver.
# On hardware the burst runs faster than the misc interrupt thread, and
# the test can only check "at most once".
TEST=test_ims_swerr
. "$(dirname "$0")/lib.sh"

BURSTS=3
BURST_LEN=8
HOLD_US=300000
# the driver's IDXD_IMS_SWERR_BURST_GAP_MS, and a margin
BURST_GAP=0.7

setup_device
enable_kernel_wq
at_exit free_test_vectors

count_msgs() {
	dmesg | grep -c "$BDF: $1"
}

hold=
if have_model_ctl; then
	hold=1
	at_exit model_clear_faults
fi

errors_before=$(count_msgs "software error 0x19")
b=0
while [ $b -lt $BURSTS ]; do
	mark=$(log_mark)
	ovf_before=$(count_msgs "software error overflow")
	[ -z "$hold" ] || model_set delay-us $HOLD_US
	test_cmd bad_handle $BURST_LEN ||
		fail "burst $b: descriptors did not complete with invalid-handle status"
	if [ -n "$hold" ]; then
		model_set delay-us 0
		wait_log "$mark" "$BDF: software error overflow" 10 ||
			fail "burst $b: $BURST_LEN errors in one pass, no overflow reported"
	fi
	sleep $BURST_GAP
	ovf=$(($(count_msgs "software error overflow") - ovf_before))
	if [ -n "$hold" ]; then
		[ $ovf -eq 1 ] || fail "burst $b: overflow reported $ovf times, expected once"
	else
		[ $ovf -le 1 ] || fail "burst $b: overflow reported $ovf times"
	fi
	log "burst $b: $ovf overflow report(s)"
	b=$((b + 1))
done
errors=$(($(count_msgs "software error 0x19") - errors_before))
[ $errors -ge 1 ] || fail "no software error was reported"
log "$errors software error reports for $((BURSTS * BURST_LEN)) bad descriptors"
state=$(cat "$(conf_dir)/state")
[ "$state" = enabled ] || fail "device $state after the software errors"

test_cmd alloc 1 || fail "cannot allocate a vector after the errors"
idx=$(vector_rows | awk '{ print $1 }')
test_cmd request "$idx" || fail "request_irq failed"
test_cmd fire "$idx" || fail "NOOP after the errors did not complete"
wait_count "$idx" 1
[ "$(vector_field "$idx" 9)" -eq 1 ] || fail "no completion interrupt after the errors"
pass "software errors reported, device still working"
