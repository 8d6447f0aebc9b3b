#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Halt recovery with copies in flight. Two dedicated kernel work queues each
# run a dmatest thread while the DSA model holds every descriptor for
# DELAY_US, so that transfers are queued in the device when the host halts
# it (over the model control channel). Passes when:
# - the driver logs the halt and its recovery by software reset, and the
#   model is no longer halted;
# - the device and both work queues are enabled again;
# - the run ends on its own with no transfer timed out (no completion
#   callback lost), at least one transfer failed, and every failure is an
#   error status or a submission refused during recovery, never a transfer
#   reported complete with wrong data;
# - a following run with the delay removed has 0 failures on both channels
#   and its completion interrupts arrive on each work queue's restored
#   vector.
# One thread per channel: dmatest asks for a transfer's status after its
# callback, and only a descriptor not yet reused by another thread still
# knows it failed.

TEST=test_halt_recovery
. "$(dirname "$0")/lib.sh"

INFLIGHT_ITERATIONS=60
DELAY_US=20000
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

# wq_irqs: completion interrupts taken so far by both work queues
wq_irqs() {
	echo $(($(irq_count "idxd_ims-wq${CONF#???}.0") +
		$(irq_count "idxd_ims-wq${CONF#???}.1")))
}

model_set delay-us $DELAY_US
irqs=$(wq_irqs)
dmatest_start "$chans" $INFLIGHT_ITERATIONS 1
# halt once transfers are flowing on both channels
n=0
while [ "$(wq_irqs)" -lt $((irqs + 4)) ]; do
	[ $n -lt 100 ] || fail "no transfer completed within 10 s"
	sleep 0.1
	n=$((n + 1))
done
halt_log=$(log_mark)
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
[ "$failed" -ge 1 ] || fail "no transfer was in flight when the device halted"
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
