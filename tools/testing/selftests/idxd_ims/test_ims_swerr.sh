#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Descriptors asking for a completion interrupt through a non-existent
# entry complete with "invalid interrupt handle"; the misc interrupt
# (MSI-X vector 0) reports the device's software errors, an overflow at
# most once per burst, and the device keeps working afterwards.
TEST=test_ims_swerr
. "$(dirname "$0")/lib.sh"

BURSTS=3
BURST_LEN=8

setup_device
enable_kernel_wq
at_exit free_test_vectors

count_msgs() {
	dmesg | grep -c "$BDF: $1"
}

errors_before=$(count_msgs "software error 0x19")
b=0
while [ $b -lt $BURSTS ]; do
	ovf_before=$(count_msgs "software error overflow")
	test_cmd bad_handle $BURST_LEN ||
		fail "burst $b: descriptors did not complete with invalid-handle status"
	sleep 1
	ovf=$(($(count_msgs "software error overflow") - ovf_before))
	[ $ovf -le 1 ] || fail "burst $b: overflow reported $ovf times"
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
