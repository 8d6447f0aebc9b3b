#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Halt recovery with copies in flight. Two dedicated kernel work queues each
# run a dmatest thread while the DSA model holds every descriptor for
# HOLD_US; once each work queue's occupancy shows its transfer queued in the
# device, the hold is lifted for what comes next and the host halts the
# device (over the model control channel). The held transfers stay queued
# until the halt: lifting the hold does not run them, only a new submission
# or the timer armed by the last one would, and both threads are waiting.
# Passes when:
# - the driver logs the halt and its recovery by software reset, and the
#   model is no longer halted;
# - the device and both work queues are enabled again;
# - the run ends on its own with no transfer timed out (no completion
#   callback lost), each thread's held transfer failed, and every failure
#   is an error status or a submission refused during recovery, never a
#   transfer reported complete with wrong data;
# - a following run without the hold has 0 failures on both channels
#   and its completion interrupts arrive on each work queue's restored
#   vector.
# One thread per channel: dmatest asks for a transfer's status after its
# callback, and only a descriptor not yet reused by another thread still
# knows it failed.

TEST=test_halt_recovery
. "$(dirname "$0")/lib.sh"

INFLIGHT_ITERATIONS=60
# far longer than the halt takes to arrive over the control channel, and
# shorter than dmatest's completion timeout for the held transfers
HOLD_US=20000000
HOLD_TIMEOUT_MS=30000
ITERATIONS=40

require_model_ctl
setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
bind_kernel_wqs 8 0 1
load_dmatest
chans=$(dma_channels)
nchan=$(echo "$chans" | wc -w)
[ "$nchan" -eq 2 ] || fail "expected two dmaengine channels, found: $chans"
at_exit model_clear_faults

# wq_occupancy ID: descriptors queued in work queue ID, as the device says
wq_occupancy() {
	cat "$(wq_dir "$1")/occupancy"
}

model_set delay-us $HOLD_US
halt_log=$(log_mark)
dmatest_start "$chans" $INFLIGHT_ITERATIONS 1 $HOLD_TIMEOUT_MS
# halt once each thread's transfer is held in its work queue
n=0
until [ "$(wq_occupancy 0)" -ge 1 ] && [ "$(wq_occupancy 1)" -ge 1 ]; do
	[ $n -lt 100 ] || fail "no transfer queued on both work queues within 10 s (occupancy $(wq_occupancy 0) and $(wq_occupancy 1))"
	sleep 0.1
	n=$((n + 1))
done
model_set delay-us 0
model_set halt true
wait_log "$halt_log" "device halted, trying a software reset" 10 ||
	fail "the driver did not report the halt"
wait_log "$halt_log" "recovered from halt by software reset" 10 ||
	fail "the driver did not recover: $(dmesg | tail -n +$((halt_log + 1)) | grep "$BDF" | tail -n 3)"
model_get halt
[ "$MODEL_VALUE" = false ] || fail "the model is still halted after recovery"
[ "$(cat "$(conf_dir)/state")" = enabled ] || fail "$CONF not enabled after recovery"
for w in 0 1; do
	[ "$(cat "$(wq_dir $w)/state")" = enabled ] ||
		fail "wq $w not enabled after recovery"
done

dmatest_finish 300
[ "$(dmatest_count "summary $INFLIGHT_ITERATIONS tests")" -eq "$nchan" ] ||
	fail "not every dmatest thread finished its $INFLIGHT_ITERATIONS transfers"
[ "$(dmatest_count "'test timed out'")" -eq 0 ] ||
	fail "transfers timed out: a completion callback was lost"
[ "$(dmatest_count "'(data error|completion busy status)'")" -eq 0 ] ||
	fail "a transfer cut short by the halt was reported complete"
failed=$(dmatest_failures)
errors=$(dmatest_count "'(completion error status|prep error|submit error)'")
[ "$failed" -ge "$nchan" ] ||
	fail "$failed transfers failed, but each of the $nchan work queues had one queued when the device halted"
[ "$errors" -eq "$failed" ] ||
	fail "$failed transfers failed but only $errors with an error status or a refused submission"
log "halt with copies in flight: $failed of $((nchan * INFLIGHT_ITERATIONS)) transfers failed, none lost"

model_set delay-us 0
irqs0=$(irq_count "idxd_ims-wq${CONF#???}.0")
irqs1=$(irq_count "idxd_ims-wq${CONF#???}.1")
dmatest_start "$chans" $ITERATIONS 1
dmatest_finish 120
[ "$(dmatest_count "summary $ITERATIONS tests, 0 failures")" -eq "$nchan" ] ||
	fail "dmatest after recovery: $(echo "$dmatest_out" | grep summary)"
irqs0=$(($(irq_count "idxd_ims-wq${CONF#???}.0") - irqs0))
irqs1=$(($(irq_count "idxd_ims-wq${CONF#???}.1") - irqs1))
[ $irqs0 -ge $ITERATIONS ] && [ $irqs1 -ge $ITERATIONS ] ||
	fail "completion interrupts after recovery: wq 0 took $irqs0, wq 1 $irqs1, for $ITERATIONS transfers each"

pass "halt reported and recovered, $failed in-flight transfers failed cleanly, $ITERATIONS transfers per channel clean afterwards"
