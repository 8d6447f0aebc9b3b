#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: whose code the guest's CPU time per dmatest
# transfer is spent in, for idxd_ims and for the upstream idxd driver in
# the same VM boot, in the rows of bench_dmatest. Each run is
# bench_dmatest's, same placement and parameters, with cpu_profile
# sampling both vCPUs and charging each sample to an owner by its call
# chain (cpu_profile.c): the driver's module, dmatest's, the kernel's
# interrupt and softirq code, a threaded interrupt handler (irqthread:
# idxd's completion thread), other kernel code, user space, or idle. It
# asks for a sample every PERIOD_US microseconds; the test kernel has no
# high-resolution timers, so they come at its 250 Hz tick, and each
# stands for the time since the CPU's previous one. ITERATIONS is five
# times bench_dmatest's so that a run gets thousands of samples.
#
# For each row it prints, per driver, dmatest's ops/s (with the sampling
# on), the busy CPU microseconds per transfer and their split by owner.
# Then the ratio of the rates, and two bounds on it: what it would be at
# most if idxd_ims's own code took no time (the ratio times idxd_ims's
# busy time over its busy time without its own), and the same with only
# its submission function left, whose portal write any driver makes (in
# idxd, idxd_submit_desc). Busy time here leaves out dmatest's filling
# and checking of buffers (the functions that do it), as dmatest's ops/s
# do; where threads share a vCPU one thread's filling still delays
# another's transfers, which makes the bounds of a verified 4-thread row
# looser. They are bounds in both kinds of row: where the vCPUs are
# seldom idle (4 threads) the rate follows the CPU time per transfer;
# where they are often idle (1 thread), what a transfer waits for
# includes its CPU time, and saving the driver's time shortens it by no
# more than its own share of the busy time does. The driver's functions
# follow each row as comments.
#
# Sampling skews in one known way: a CPU takes the timer interrupt only
# with interrupts enabled, so the time of a hard interrupt handler and of
# anything else run with interrupts off is charged to where they are
# enabled again (the softirq that follows, the interrupted code, the
# unlock that ends a spin_lock_irqsave) and then to its owner.

TEST=bench_cpu_profile
. "$(dirname "$0")/lib.sh"

ITERATIONS=${ITERATIONS:-10000}
THREADS=${THREADS:-1 4}
CHANNELS=${CHANNELS:-1 2}
SIZES=${SIZES:-4096 65536}
VERIFY=${VERIFY:-0 1}
PERIOD_US=${PERIOD_US:-500}

[ -x "$CPU_PROFILE" ] || skip "cpu_profile is not built"
[ -e /proc/sys/kernel/perf_event_paranoid ] ||
	skip "the kernel has no perf events"
read -r max_percent < /proc/sys/kernel/perf_cpu_time_max_percent
restore_max_percent() {
	echo "$max_percent" > /proc/sys/kernel/perf_cpu_time_max_percent
}
at_exit restore_max_percent
# TCG makes a sample dear: keep perf from throttling the sampling
echo 0 > /proc/sys/kernel/perf_cpu_time_max_percent

bench_profile_period=$PERIOD_US
bench_profile_out=/tmp/$TEST.out

# read_profile DRIVER: the last profiled run's report as shell
# assignments, microseconds per transfer: p_busy (busy time but for
# dmatest's filling and checking of buffers, which its ops/s leave out),
# p_fill (that filling and checking), p_driver (DRIVER's module),
# p_irqthread, p_dmatest (but for the filling and checking), p_irq,
# p_kernel and p_user (the other owners), p_submit (idxd_ims's
# submission function, 0 for idxd); and p_lost, the samples lost
read_profile() {
	awk -v d="$1" -v n="$transfers" '
		$1 == "samples" { lost = $4; total = $6 }
		$1 == "owner" { own[$2] = $3 }
		$1 == "func" && $2 == "dmatest" &&
		$4 ~ /^dmatest_(init_srcs|init_dsts|verify|mismatch)$/ { fill += $3 }
		$1 == "func" && $2 == d && $4 == "idxd_ims_wq_dma_submit" { submit = $3 }
		END {
			if (total == "") exit 1
			printf "p_lost=%d\n", lost
			printf "p_busy=%.0f\n", (total - own["idle"] - fill) / n
			printf "p_fill=%.0f\n", fill / n
			printf "p_driver=%.0f\n", own[d] / n
			printf "p_dmatest=%.0f\n", (own["dmatest"] - fill) / n
			printf "p_submit=%.0f\n", submit / n
			split("irqthread irq kernel user", o)
			for (i = 1; i <= 4; i++)
				printf "p_%s=%.0f\n", o[i], own[o[i]] / n
		}' "$bench_profile_out"
}

# profile_row DRIVER: run DRIVER for the current row and print its line;
# sets busy (without dmatest's filling and checking), own (DRIVER's
# module and interrupt thread) and submit, per transfer
profile_row() {
	bench_dmatest_placed "$1" "$chans" "$threads" "$size" "$verify" \
		"$ITERATIONS"
	transfers=$((chans * threads * ITERATIONS))
	_values=$(read_profile "$1") || fail "cpu_profile wrote no report"
	eval "$_values"
	[ "$p_lost" -eq 0 ] || fail "cpu_profile lost $p_lost samples"
	busy=$p_busy own=$((p_driver + p_irqthread)) submit=$p_submit
	printf '%-6s %7s %8s %6s %-8s %6s %4s %5s %6s %6s %6s %6s %6s %6s %6s\n' \
		"$([ "$verify" = 1 ] && echo yes || echo no)" "$threads" \
		"$chans" "$size" "$1" "$result" "$idle" "$busy" "$p_driver" \
		"$p_irqthread" "$p_dmatest" "$p_irq" "$p_kernel" "$p_user" "$p_fill"
	[ "$failed" -eq 0 ] || echo "# $1 failed $failed transfers"
	awk -v d="$1" '$1 == "func" && ($2 == d || ($2 ~ /^(irqthread|irq|kernel)$/ && n[$2]++ < 3)) {
		print "#  ", $2, $3, $4, $5 }' "$bench_profile_out"
}

dmesg -n 1
echo "dmatest memcpy, $ITERATIONS transfers per thread, idxd_ims then idxd in each row"
echo "CPU microseconds per transfer: busy, then by owner; fill is not in busy"
printf '%-6s %7s %8s %6s %-8s %6s %4s %5s %6s %6s %6s %6s %6s %6s %6s\n' \
	verify threads channels bytes driver ops/s idle busy driver irqthr \
	dmatest irq kernel user fill
for verify in $VERIFY; do
	for threads in $THREADS; do
		for chans in $CHANNELS; do
			for size in $SIZES; do
				profile_row idxd_ims
				ims_ops=$result ims_busy=$busy ims_own=$own
				ims_submit=$submit
				profile_row idxd
				echo "$ims_ops $result $ims_busy $ims_own $ims_submit" | awk '{
					printf "# ops/s idxd_ims / idxd %.2f; idxd_ims\047s own time at 0: at most %.2f; all of it but the submission at 0: at most %.2f\n",
						$1 / $2, $1 / $2 * $3 / ($3 - $4),
						$1 / $2 * $3 / ($3 - $4 + $5) }'
			done
		done
	done
done
echo "idle: % of the vCPUs' time idle (/proc/stat); busy: CPU time not idle"
echo "(samples) but for fill, dmatest's filling and checking of buffers;"
echo "driver: the driver's module; irqthr: threaded interrupt handlers' kernel"
echo "code; irq: interrupt and softirq code no module called; # lines: the"
echo "driver's functions, each with the kernel code it called, and the top"
echo "functions of irqthr, irq and kernel (microseconds in all, symbol)"
