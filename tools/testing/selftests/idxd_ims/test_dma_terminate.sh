#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A client that gives up on a transfer and terminates the channel hears
# nothing more of it. The host makes the DSA model hold every descriptor
# DELAY_US; dmatest waits only TIMEOUT_MS for one transfer, reports it
# timed out, calls dmaengine_terminate_sync(), and the test unloads
# dmatest at once. The descriptor completes afterwards: its callback must
# not run (dmatest WARNs "Kernel memory may be corrupted", and a callback
# into the unloaded module would oops), and terminate_sync must have
# waited for the device to be done with the descriptor. Passes when
# dmatest saw exactly one timeout, the completion interrupt still arrived
# on the work queue's vector, and a following transfer verifies.
#
# dmatest frees its buffers before it calls terminate_sync, so the held
# descriptor is also made to fail (fail-count): the model then writes only
# the driver's completion record, never the freed buffers.

TEST=test_dma_terminate
. "$(dirname "$0")/lib.sh"

# the held descriptor must still be queued when dmatest gives up on it, even
# if its thread is scheduled late
DELAY_US=3000000
TIMEOUT_MS=50

require_model_ctl
setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
bind_kernel_wqs 8 0
chan=$(dma_channels)
[ "$(echo "$chan" | wc -w)" -eq 1 ] || fail "expected one dmaengine channel, found: $chan"
irq_name=idxd_ims-$(basename "$(wq_dir 0)")
before=$(irq_count "$irq_name")

at_exit model_clear_faults
load_dmatest
model_set fail-status 3
model_set fail-count 1
model_set delay-us $DELAY_US
dmatest_start "$chan" 1 1 $TIMEOUT_MS
dmatest_finish 60
unload_dmatest
n=$(dmatest_count "'test timed out'")
[ "$n" -eq 1 ] || fail "dmatest reported $n timeouts, expected 1"

# The held descriptor completes DELAY_US after submission; by now it has,
# and only once its interrupt was taken does the absence of a callback
# into dmatest say anything.
model_set delay-us 0
sleep 1
after=$(irq_count "$irq_name")
[ "$after" -gt "$before" ] ||
	fail "no completion interrupt on $irq_name after the terminated transfer"
dmesg | tail -n +$((dmatest_log_start + 1)) | grep -q 'dmatest: Kernel memory may be corrupted' &&
	fail "the terminated transfer called back into dmatest"

modprobe dmatest || fail "cannot load dmatest again"
dmatest_start "$chan" 4 1
dmatest_finish 60
[ "$(dmatest_failures)" -eq 0 ] || fail "transfers after the terminate failed"

pass "a timed-out transfer was terminated, completed without calling back, and the channel still works"
