#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A descriptor that fails in the device reaches the dmaengine client as an
# error, and only that one. The host makes the DSA model complete the next
# FAULTS descriptors with an error status (fail-count/fail-status over the
# model control channel), then one dmatest thread runs ITERATIONS memcpy
# transfers on a kernel work queue. Passes when dmatest counts exactly
# FAULTS failures, each a "completion error status" (the channel reported
# DMA_ERROR, not a completed transfer with wrong data, not a timeout), the
# other transfers were verified, and the model has no failure left to
# inject.

TEST=test_dma_fault
. "$(dirname "$0")/lib.sh"

ITERATIONS=24
FAULTS=3
# DSA completion status 0x03: page fault on the source address
FAIL_STATUS=3

require_model_ctl
setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
bind_kernel_wqs 8 0
load_dmatest
chan=$(dma_channels)
[ "$(echo "$chan" | wc -w)" -eq 1 ] || fail "expected one dmaengine channel, found: $chan"

at_exit model_clear_faults
model_set fail-status $FAIL_STATUS
model_set fail-count $FAULTS
dmatest_start "$chan" $ITERATIONS 1
dmatest_finish 120

summary=$(echo "$dmatest_out" | grep "$chan-copy0: summary")
[ -n "$summary" ] || fail "no dmatest summary for $chan"
echo "$summary" | grep -q "summary $ITERATIONS tests, $FAULTS failures" ||
	fail "expected $ITERATIONS tests with $FAULTS failures: $summary"
n=$(dmatest_count "'completion error status'")
[ "$n" -eq $FAULTS ] ||
	fail "$n transfers reported 'completion error status', expected $FAULTS"
n=$(dmatest_count "result #.*'(data error|test timed out|completion busy status|prep error|submit error)'")
[ "$n" -eq 0 ] || fail "$n transfers failed in another way than the injected one"
model_get fail-count
[ "$MODEL_VALUE" = 0 ] || fail "the model still has $MODEL_VALUE failures to inject"

pass "$FAULTS of $ITERATIONS transfers failed with status $FAIL_STATUS and were reported as DMA_ERROR; the rest verified"
