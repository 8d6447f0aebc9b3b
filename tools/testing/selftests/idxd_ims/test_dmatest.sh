#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Configure two dedicated kernel work queues with plain sysfs writes, enable
# them through the dsa bus, and run the kernel's dmatest (memcpy, and memset
# when the device has MEMFILL; interrupt driven) on every channel the device
# provides. Passes when every channel
# reports 0 failures, no per-transfer error is logged, and each work
# queue's own completion vector took at least one interrupt per transfer.
# test_dmatest_fallback.sh sources this file with EXPECT_MODE=msix after
# loading the driver with IMS disabled.

TEST=${TEST:-test_dmatest}
command -v setup_device > /dev/null || . "$(dirname "$0")/lib.sh"

ITERATIONS=${DMATEST_ITERATIONS:-40}

setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
bind_kernel_wqs 8 0 1
load_dmatest

mode=$(cat "$(conf_dir)/completion_irqs")
for w in 0 1; do
	kind=$(cat "$(wq_dir $w)/irq_kind")
	[ "$kind" = "$mode" ] ||
		fail "wq $w completes on $kind although the device uses $mode"
done
log "completion vectors: $mode"
[ -z "$EXPECT_MODE" ] || [ "$mode" = "$EXPECT_MODE" ] ||
	fail "completion vectors use $mode, expected $EXPECT_MODE"

# each work queue's completion vector carries the system PASID, or no PASID
# when kernel work runs without one
spasid=$(system_pasid)
for w in 0 1; do
	row=$(vector_rows_all | awk -v n="idxd_ims-wq${CONF#???}.$w" '$10 == n')
	[ -n "$row" ] || fail "wq $w has no completion vector in $TDIR/vectors"
	set -- $row
	if [ "$spasid" = none ]; then
		[ "$4" = 0 ] || fail "wq $w vector has PASID $5 although kernel work runs without PASID"
	else
		[ "$4" = 1 ] && [ "$5" = "$spasid" ] ||
			fail "wq $w vector: pasid_en $4 pasid $5, expected system PASID $spasid"
		[ "$3" != ims ] ||
			{ [ $((($6 >> 3) & 1)) -eq 1 ] && [ $((($6 >> 12) & 0xfffff)) -eq "$spasid" ]; } ||
			fail "wq $w IMS entry $1: control word $6 does not carry system PASID $spasid"
	fi
done
log "work queue vectors: system PASID $spasid"

# dmatest_run WHAT KIND THREADS: run dmatest with THREADS threads (named
# KIND0, KIND1, ...) on every channel and wait for it; fail on any failed
# transfer and unless every thread reports ITERATIONS clean transfers.
dmatest_run() {
	dmatest_start "$chans" "$ITERATIONS" "$3" 10000 16384
	dmatest_finish 300
	[ "$(dmatest_count 'result #')" -eq 0 ] ||
		fail "dmatest $1 reported failed transfers"
	for c in $chans; do
		n=$(dmatest_count "$c-$2[0-9]+: summary $ITERATIONS tests, 0 failures")
		[ "$n" -eq "$3" ] ||
			fail "$n of $3 threads on $c reported a clean $1 summary"
	done
}

chans=$(dma_channels)
nchan=$(echo "$chans" | grep -c chan)
[ "$nchan" -eq 2 ] || fail "expected 2 dmaengine channels, found $nchan: $chans"

irq_before0=$(irq_count "idxd_ims-wq${CONF#???}.0")
irq_before1=$(irq_count "idxd_ims-wq${CONF#???}.1")
dmatest_run memcpy copy 1
irq_after0=$(irq_count "idxd_ims-wq${CONF#???}.0")
irq_after1=$(irq_count "idxd_ims-wq${CONF#???}.1")
[ $((irq_after0 - irq_before0)) -ge "$ITERATIONS" ] ||
	fail "wq 0 took $((irq_after0 - irq_before0)) completion interrupts for $ITERATIONS transfers"
[ $((irq_after1 - irq_before1)) -ge "$ITERATIONS" ] ||
	fail "wq 1 took $((irq_after1 - irq_before1)) completion interrupts for $ITERATIONS transfers"

# memset (MEMFILL) as well when the device advertises opcode 4
ops="memcpy"
opcap_low=$(sed 's/.*,//' "$(conf_dir)/op_cap")
if [ $((0x$opcap_low & 0x10)) -ne 0 ]; then
	echo 1 > "$DMATEST/dmatest"
	dmatest_run memset set 1
	echo 0 > "$DMATEST/dmatest"
	ops="$ops, memset"
else
	log "device has no MEMFILL: memset not tested"
fi

# several threads per channel: concurrent submission and completion, with
# no more threads than the 8 descriptor slots of each work queue
dmatest_run "with 4 threads per channel" copy 4
ops="$ops, 4 threads/channel"

pass "$nchan channels x $ITERATIONS transfers ($ops), interrupts on $mode vectors"
