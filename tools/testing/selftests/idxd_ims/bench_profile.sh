#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: where the time of one dmatest memcpy goes, in
# idxd_ims and in the upstream idxd driver, in the same VM boot. Needs the
# profiling kernel (kernel/idxd_ims-trace.config, which
# "make bench B=bench_profile" boots): kprobe events time the same points
# of both drivers and of dmatest, the irq tracepoints the hard handler.
#
# One dmatest thread on one dedicated WQ runs ITERATIONS transfers of BUF
# bytes without verification, one at a time, so that the phases of a
# transfer follow each other:
#
#   submission   prep entry to tx_submit return (the portal write is the
#                last thing tx_submit does in both drivers)
#   device       tx_submit return to the interrupt's flow handler: the
#                model runs the descriptor in a bottom half of QEMU's main
#                loop, writes the completion record and sends the message;
#                the guest cannot see where the device ends and interrupt
#                delivery begins
#   irq entry    flow handler to the driver's hard handler (irq_handler_entry)
#   hard handler irq_handler_entry to irq_handler_exit
#   to BH/thread hard handler exit to the completion function (idxd_ims: its
#                BH work, idxd: its interrupt thread)
#   completion   completion function entry to dmatest's callback
#   callback     dmatest_callback entry to return
#   client       callback return to the next prep: dmatest's thread wakes
#                up, unmaps, counts and maps the next buffers
#
# and prints the median of each phase in microseconds for both drivers with
# the ratio, the median total, and dmatest's ops/s for the same run with
# the probes off (what the probes cost).

TEST=bench_profile
. "$(dirname "$0")/lib.sh"

ITERATIONS=${ITERATIONS:-2000}
BUF=${BUF:-4096}
TRACEFS=/sys/kernel/tracing
PHASES="submission device irq_entry hard_handler to_bh_thread completion callback client total"

[ -d $TRACEFS ] || mount -t tracefs nodev $TRACEFS 2> /dev/null
[ -w $TRACEFS/kprobe_events ] ||
	skip "no kprobe events: run with the profiling kernel (make bench B=bench_profile)"
grep -q ' x86-tsc' $TRACEFS/trace_clock ||
	skip "no x86-tsc trace clock"

# tsc_mhz: the TSC frequency the kernel settled on, from its log
tsc_mhz() {
	dmesg | awk '/tsc: (Detected|Refined TSC clocksource calibration:) [0-9.]+ MHz/ {
		for (i = 1; i < NF; i++) if ($(i + 1) == "MHz") m = $i
	} END { print m }'
}

# irq_of PREFIX: Linux interrupt number of the vector whose name starts
# with PREFIX
irq_of() {
	awk -v n="$1" 'index($NF, n) == 1 { sub(":", "", $1); print $1; exit }' \
		/proc/interrupts
}

probes_off() {
	echo 0 > $TRACEFS/tracing_on
	echo 0 > $TRACEFS/events/enable 2> /dev/null
	echo > $TRACEFS/kprobe_events
	echo > $TRACEFS/events/irq/irq_handler_entry/filter
	echo > $TRACEFS/events/irq/irq_handler_exit/filter
}

# probes_on PREP SUBMIT COMPLETE VIRQ: kprobe events at the driver's
# functions PREP, SUBMIT (return) and COMPLETE, at dmatest's callback, at
# the flow handler of VIRQ, and the irq tracepoints for VIRQ
probes_on() {
	_flow=$(sed -n 's/^handler: *//p' "$DBGFS/irq/irqs/$4")
	[ -n "$_flow" ] || fail "no flow handler for irq $4 in debugfs"
	{
		echo "p:ph_prep $1"
		echo "r:ph_sub $2"
		echo "p:ph_flow $_flow"
		echo "p:ph_bh $3"
		echo "p:ph_cb dmatest:dmatest_callback"
		echo "r:ph_cbret dmatest:dmatest_callback"
	} > $TRACEFS/kprobe_events || fail "cannot place the kprobe events"
	echo "irq == $4" > $TRACEFS/events/irq/irq_handler_entry/filter
	echo "irq == $4" > $TRACEFS/events/irq/irq_handler_exit/filter
	echo 1 > $TRACEFS/events/kprobes/enable
	echo 1 > $TRACEFS/events/irq/irq_handler_entry/enable
	echo 1 > $TRACEFS/events/irq/irq_handler_exit/enable
}

# run_dmatest: one thread, ITERATIONS transfers of BUF bytes on the
# configured channel; sets iops
run_dmatest() {
	dmatest_start "$bench_chans" "$ITERATIONS" 1 10000 "$BUF"
	dmatest_finish 900 > /dev/null
	[ "$(dmatest_failures)" -eq 0 ] || fail "dmatest failed: $dmatest_out"
	iops=$(echo "$dmatest_out" | sed -n 's/.* failures \([0-9.]*\) iops .*/\1/p')
}

# phases MHZ: read the trace, print "PHASE MICROSECONDS" for every transfer
# whose events came in the expected order, and "dropped N" for the others
phases() {
	awk -v mhz="$1" '
	function emit(name, v) { printf "%s %.3f\n", name, v / mhz }
	{
		cpu = ""; ts = ""; ev = ""
		for (i = 1; i <= NF; i++)
			if ($i ~ /^\[[0-9]+\]$/) { cpu = $i; break }
		for (i++; i <= NF; i++)
			if ($i ~ /^[0-9]+:$/) { ts = $i + 0; ev = $(i + 1); break }
		if (ev == "") next
		sub(":", "", ev)
		if (ev == "ph_flow") { flow[cpu] = ts; next }
		if (ev == "ph_prep") {
			if (st == 7) {
				emit("client", ts - t["cbret"])
				emit("total", ts - t["prep"])
				n++
			} else if (st) {
				dropped++
			}
			delete t
			t["prep"] = ts; st = 1; next
		}
		if (ev == "ph_sub" && st == 1) { t["sub"] = ts; st = 2; next }
		if (ev == "irq_handler_entry" && st == 2 && (cpu in flow) &&
		    flow[cpu] >= t["sub"]) {
			t["flow"] = flow[cpu]; t["hard"] = ts; st = 3; next
		}
		if (ev == "irq_handler_exit" && st == 3) { t["hexit"] = ts; st = 4; next }
		if (ev == "ph_bh" && st == 4) { t["bh"] = ts; st = 5; next }
		if (ev == "ph_cb" && st == 5) { t["cb"] = ts; st = 6; next }
		if (ev == "ph_cbret" && st == 6) {
			t["cbret"] = ts; st = 7
			emit("submission", t["sub"] - t["prep"])
			emit("device", t["flow"] - t["sub"])
			emit("irq_entry", t["hard"] - t["flow"])
			emit("hard_handler", t["hexit"] - t["hard"])
			emit("to_bh_thread", t["bh"] - t["hexit"])
			emit("completion", t["cb"] - t["bh"])
			emit("callback", t["cbret"] - t["cb"])
			next
		}
		if (ev != "ph_flow") st = st ? -1 : 0
	}
	END { printf "dropped %d\nsamples %d\n", dropped, n }'
}

# median PHASE FILE: median of the PHASE values in FILE
median() {
	awk -v p="$1" '$1 == p { print $2 }' "$2" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (!NR) { print "-"; exit }
			if (NR % 2) print v[(NR + 1) / 2]
			else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# profile DRIVER IRQNAME PREP SUBMIT COMPLETE: configure DRIVER (IRQNAME:
# the start of its WQ vector's name; PREP, SUBMIT and COMPLETE: its
# functions, as MODULE:SYMBOL), run dmatest
# once without and once with the probes; the phases and dmatest's ops/s
# without ("iops") and with the probes ("iops_probed") go to
# /tmp/profile.DRIVER
profile() {
	bench_configure "$1" 1
	modprobe dmatest || fail "cannot load dmatest"
	echo 1 > $DMATEST/noverify
	echo 1 > $DMATEST/norandom
	run_dmatest
	_iops=$iops
	virq=$(irq_of "$2")
	[ -n "$virq" ] || fail "no interrupt named $2 under $1"
	echo 0 > $TRACEFS/tracing_on
	echo > $TRACEFS/trace
	probes_on "$3" "$4" "$5" "$virq"
	echo 1 > $TRACEFS/tracing_on
	run_dmatest
	probes_off
	{
		phases "$mhz" < $TRACEFS/trace
		echo "iops $_iops"
		echo "iops_probed $iops"
	} > "/tmp/profile.$1"
	rmmod dmatest
	bench_teardown "$1"
}

dmesg -n 1
mhz=$(tsc_mhz)
[ -n "$mhz" ] || skip "TSC frequency not in the kernel log"
at_exit probes_off
echo 16384 > $TRACEFS/buffer_size_kb
echo x86-tsc > $TRACEFS/trace_clock

profile idxd_ims idxd_ims-wq idxd_ims:idxd_ims_prep_memcpy \
	idxd_ims:idxd_ims_tx_submit idxd_ims:idxd_ims_wq_dma_complete_work
profile idxd idxd-portal idxd:idxd_dma_submit_memcpy idxd:idxd_dma_tx_submit \
	idxd:idxd_wq_thread

echo "one dmatest memcpy of $BUF bytes, no verification, 1 thread, 1 dedicated WQ;"
echo "median microseconds per phase over $ITERATIONS transfers (TSC $mhz MHz)"
printf '%-14s %10s %10s %7s\n' phase idxd_ims idxd ratio
for p in $PHASES; do
	a=$(median "$p" /tmp/profile.idxd_ims)
	b=$(median "$p" /tmp/profile.idxd)
	printf '%-14s %10s %10s %7s\n' "$p" "$a" "$b" \
		"$(echo "$a $b" | awk '$2 > 0 { printf "%.2f", $1 / $2 }')"
done
for d in idxd_ims idxd; do
	awk -v d=$d '{ v[$1] = $2 } END {
		printf "%s: %d transfers in order, %d not; ops/s %s without probes, %s with\n",
		       d, v["samples"], v["dropped"], v["iops"], v["iops_probed"]
	}' /tmp/profile.$d
done
