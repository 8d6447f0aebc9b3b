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
# transfer follow each other; the drivers take turns ROUNDS times, for
# each size BUF of BUFS (4 KiB and 64 KiB: the sizes of bench_dmatest):
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
#                tasklet, idxd: its interrupt thread); negative when a
#                thread woken on the other CPU starts before the handler
#                has returned
#   completion   completion function entry to dmatest's callback
#   client       callback entry to the next prep: the callback wakes
#                dmatest's thread, which unmaps, counts and maps the next
#                buffers
#
# These add up to the total from one prep to the next. The median and the
# 10th percentile of each are printed in microseconds for both drivers with
# the ratios (the 10th percentile is less moved by a host that deschedules
# the VM's CPUs), with the callback's own duration (dmatest_callback entry
# to return, part of "client"), and dmatest's ops/s for the same runs with
# the probes off (what the probes cost).

TEST=bench_profile
. "$(dirname "$0")/lib.sh"

ITERATIONS=${ITERATIONS:-700}
ROUNDS=${ROUNDS:-3}
BUFS=${BUFS:-4096 65536}
TRACEFS=/sys/kernel/tracing
PHASES="submission device irq_entry hard_handler to_bh_thread completion client total callback"

[ -e $TRACEFS/trace ] || mount -t tracefs nodev $TRACEFS ||
	skip "cannot mount tracefs on $TRACEFS"
[ -e $TRACEFS/kprobe_events ] ||
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
	echo 0 > $TRACEFS/events/irq/irq_handler_entry/filter
	echo 0 > $TRACEFS/events/irq/irq_handler_exit/filter
}

# probes_on PREP SUBMIT COMPLETE VIRQ: kprobe events at the driver's
# functions PREP, SUBMIT (return) and COMPLETE, at dmatest's callback, at
# the flow handler of VIRQ, and the irq tracepoints for VIRQ
probes_on() {
	_flow=$(sed -n 's/^handler: *//p' "$DBGFS/irq/irqs/$4")
	[ -n "$_flow" ] || fail "no flow handler for irq $4 in debugfs"
	for _p in "p:ph_prep $1" "r:ph_sub $2" "p:ph_flow $_flow" "p:ph_bh $3" \
		  "p:ph_cb dmatest:dmatest_callback" \
		  "r:ph_cbret dmatest:dmatest_callback"; do
		echo "$_p" >> $TRACEFS/kprobe_events ||
			fail "cannot place the kprobe event $_p: $(tail -n 2 $TRACEFS/error_log)"
	done
	for _e in irq_handler_entry irq_handler_exit; do
		echo "irq == $4" > $TRACEFS/events/irq/$_e/filter ||
			fail "cannot filter $_e: $(tail -n 2 $TRACEFS/error_log)"
	done
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
	iops=$(dmatest_iops)
}

# phases MHZ: read the trace, print "PHASE MICROSECONDS" for every transfer
# whose events came in causal order, and "dropped N" for the others. With
# one transfer in flight, the Nth event of each kind belongs to the Nth
# transfer; the events of one transfer may be recorded on both CPUs (the
# woken thread can start on the other CPU before the waker's probe
# returns), so they are matched by count, not by order in the trace. The
# interrupt's flow handler is the last one on the CPU that ran the
# driver's handler.
phases() {
	awk -v mhz="$1" '
	function us(v) { return sprintf("%.3f", v / mhz) }
	{
		cpu = ""; ts = ""; ev = ""
		for (i = 1; i <= NF; i++)
			if ($i ~ /^\[[0-9]+\]$/) { cpu = $i; break }
		for (i++; i <= NF; i++)
			if ($i ~ /^[0-9]+:$/) { ts = $i + 0; ev = $(i + 1); break }
		if (ev == "") next
		sub(":", "", ev)
		if (ev == "ph_flow") { flow[cpu] = ts; next }
		if (ev == "irq_handler_entry")
			fl[++n["fl"]] = (cpu in flow) ? flow[cpu] : -1
		t[ev, ++n[ev]] = ts
	}
	END {
		m = n["ph_prep"]
		for (k = 1; k < m; k++) {
			prep = t["ph_prep", k]; sb = t["ph_sub", k]
			fh = fl[k]; hard = t["irq_handler_entry", k]
			hexit = t["irq_handler_exit", k]; bh = t["ph_bh", k]
			cb = t["ph_cb", k]; cbret = t["ph_cbret", k]
			next_prep = t["ph_prep", k + 1]
			if (!(prep < sb && sb < fh && fh <= hard && hard < hexit &&
			      hard < bh && bh < cb && cb < cbret && cb < next_prep)) {
				dropped++
				continue
			}
			print "submission", us(sb - prep)
			print "device", us(fh - sb)
			print "irq_entry", us(hard - fh)
			print "hard_handler", us(hexit - hard)
			print "to_bh_thread", us(bh - hexit)
			print "completion", us(cb - bh)
			print "callback", us(cbret - cb)
			print "client", us(next_prep - cb)
			print "total", us(next_prep - prep)
			good++
		}
		printf "dropped %d\nsamples %d\n", dropped, good
	}'
}

# quantile Q PHASE FILE: the Q quantile (0.5: median) of the PHASE values
# in FILE
quantile() {
	awk -v p="$2" '$1 == p { print $2 }' "$3" | sort -n |
		awk -v q="$1" '{ v[NR] = $1 } END {
			if (!NR) { print "-"; exit }
			print v[int((NR - 1) * q) + 1]
		}'
}

# profile DRIVER IRQNAME PREP SUBMIT COMPLETE: configure DRIVER (IRQNAME:
# the start of its WQ vector's name; PREP, SUBMIT and COMPLETE: its
# functions, as MODULE:SYMBOL), run dmatest once without and once with the
# probes; the phases and dmatest's ops/s without ("iops") and with the
# probes ("iops_probed") are added to /tmp/profile.DRIVER
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
	# read before the events go: removing one empties the buffer
	echo 0 > $TRACEFS/tracing_on
	cat $TRACEFS/trace > /tmp/profile.trace
	probes_off
	grep -q ' ph_prep: ' /tmp/profile.trace ||
		fail "no events in the trace: $(head -n 20 /tmp/profile.trace)"
	{
		phases "$mhz" < /tmp/profile.trace
		echo "iops $_iops"
		echo "iops_probed $iops"
	} >> "/tmp/profile.$1"
	rmmod dmatest
	bench_teardown "$1"
}

dmesg -n 1
mhz=$(tsc_mhz)
[ -n "$mhz" ] || skip "TSC frequency not in the kernel log"
at_exit probes_off
echo 16384 > $TRACEFS/buffer_size_kb
echo x86-tsc > $TRACEFS/trace_clock

for BUF in $BUFS; do
	# The drivers take turns, ROUNDS times, so that a change of the load on
	# the host (which moves every phase) hits both.
	rm -f /tmp/profile.idxd_ims /tmp/profile.idxd
	round=0
	while [ $round -lt "$ROUNDS" ]; do
		profile idxd_ims idxd_ims-wq idxd_ims:idxd_ims_prep_memcpy \
			idxd_ims:idxd_ims_tx_submit idxd_ims:idxd_ims_wq_dma_complete_tasklet
		profile idxd idxd-portal idxd:idxd_dma_submit_memcpy \
			idxd:idxd_dma_tx_submit idxd:idxd_wq_thread
		round=$((round + 1))
	done

	echo "one dmatest memcpy of $BUF bytes, no verification, 1 thread, 1 dedicated WQ;"
	echo "microseconds per phase, $ROUNDS rounds of $ITERATIONS transfers per driver (TSC $mhz MHz)"
	printf '%-14s %10s %10s %7s %10s %10s %7s\n' phase idxd_ims idxd ratio \
		idxd_ims idxd ratio
	printf '%-14s %10s %10s %7s %10s %10s %7s\n' "" median median "" p10 p10 ""
	for p in $PHASES; do
		line=$p
		for q in 0.5 0.1; do
			a=$(quantile $q "$p" /tmp/profile.idxd_ims)
			b=$(quantile $q "$p" /tmp/profile.idxd)
			line="$line $a $b $(echo "$a $b" |
				awk '$2 > 0 { printf "%.2f", $1 / $2; exit } { print "-" }')"
		done
		# shellcheck disable=SC2086 # one field per word
		printf '%-14s %10s %10s %7s %10s %10s %7s\n' $line
	done
	for d in idxd_ims idxd; do
		awk -v d=$d '{ v[$1] = v[$1] " " $2; n[$1] += $2 } END {
			printf "%s: %d transfers in order, %d not; ops/s without probes:%s, with:%s\n",
			       d, n["samples"], n["dropped"], v["iops"], v["iops_probed"]
		}' /tmp/profile.$d
	done
done
