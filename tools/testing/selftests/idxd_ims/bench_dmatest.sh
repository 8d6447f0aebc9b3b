#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: dmatest throughput through idxd_ims and through the
# upstream idxd driver on the same device, same WQ configuration and same
# dmatest parameters, in the same VM boot. For every combination of
# threads per channel (1, 4), channels (1, 2: one dedicated WQ each) and
# buffer size (4 KiB, 64 KiB), with and without dmatest's verification of
# the data, it runs idxd_ims and then idxd, and prints a table of ops/s
# with the ratio idxd_ims / idxd of each pair, and the transfers each
# driver failed (a benchmark reports them; test_dmatest.sh is the test).
# Run by "make bench"; numbers under TCG measure the software path (driver
# + model), not DSA hardware.
#
# ITERATIONS (per thread), THREADS, CHANNELS, SIZES and VERIFY (1: dmatest
# fills and checks the buffers, random sizes and offsets up to the buffer
# size, as dmatest does by default; 0: no verification, every transfer the
# whole buffer) choose the runs.
#
# With each driver's ops/s the table gives the guest CPU time per
# transfer (both vCPUs' busy time from /proc/stat over the run, divided by
# the transfers) and how idle the vCPUs were. Both count from the start
# of the run to when the benchmark saw its end, which it polls for every
# half second: the CPU time includes dmatest's filling and checking of
# buffers (which its ops/s leave out) and the benchmark's own few
# commands, and the idle share includes up to half a second after the
# run. A row whose vCPUs were seldom idle is bound by CPU time; there the
# ratio of the drivers' rates follows their CPU time per transfer, most
# of which is not the drivers' (Documentation/performance.rst).
#
# Placement is the same for both drivers: the WQ vectors are created with
# CPU 0 as their affinity (/proc/irq/default_smp_affinity while the driver
# loads), and dmatest's threads are pinned as soon as they exist, the Nth
# to CPU N modulo the CPUs, so one thread on one channel runs where its
# interrupts arrive. That takes one variable out of the comparison; it
# did not narrow the spread between boots, which the host makes
# (Documentation/performance.rst has both placements over five boots).
# It is also idxd's best case: its interrupt thread follows the vector's
# affinity and so wakes on the CPU the dmatest thread sleeps on.

TEST=bench_dmatest
. "$(dirname "$0")/lib.sh"

ITERATIONS=${ITERATIONS:-2000}
THREADS=${THREADS:-1 4}
CHANNELS=${CHANNELS:-1 2}
SIZES=${SIZES:-4096 65536}
VERIFY=${VERIFY:-1 0}

dmesg -n 1
echo "dmatest memcpy, $ITERATIONS transfers per thread, idxd_ims then idxd in each row"
printf '%-6s %7s %8s %6s %8s %8s %5s %6s %6s %6s %6s %5s %4s %4s\n' verify \
	threads channels bytes idxd_ims idxd ratio failed failed cpu_us cpu_us \
	ratio idle idle
for verify in $VERIFY; do
	for threads in $THREADS; do
		for chans in $CHANNELS; do
			for size in $SIZES; do
				bench_dmatest_placed idxd_ims "$chans" "$threads" "$size" "$verify" \
					"$ITERATIONS"
				ims=$result ims_failed=$failed
				ims_cpu=$cpu_us ims_idle=$idle
				bench_dmatest_placed idxd "$chans" "$threads" "$size" "$verify" \
					"$ITERATIONS"
				printf '%-6s %7s %8s %6s %8s %8s %5s %6s %6s %6s %6s %5s %4s %4s\n' \
					"$([ "$verify" = 1 ] && echo yes || echo no)" \
					"$threads" "$chans" "$size" "$ims" "$result" \
					"$(echo "$ims $result" | awk '{ printf "%.2f", $1 / $2 }')" \
					"$ims_failed" "$failed" "$ims_cpu" "$cpu_us" \
					"$(echo "$ims_cpu $cpu_us" | awk '{ printf "%.2f", $1 / $2 }')" \
					"$ims_idle" "$idle"
			done
		done
	done
done
echo "ops/s are dmatest's iops summed over its threads; failed: transfers"
echo "dmatest counted as failed; cpu_us: guest CPU microseconds per transfer"
echo "(ratio idxd_ims / idxd); idle: % of the vCPUs' time idle (idxd_ims, idxd)"
