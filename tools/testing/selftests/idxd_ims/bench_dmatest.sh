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

TEST=bench_dmatest
. "$(dirname "$0")/lib.sh"

ITERATIONS=${ITERATIONS:-2000}
THREADS=${THREADS:-1 4}
CHANNELS=${CHANNELS:-1 2}
SIZES=${SIZES:-4096 65536}
VERIFY=${VERIFY:-1 0}

# run_dmatest DRIVER NCHANS THREADS BUF VERIFY: dmatest on NCHANS channels
# of DRIVER with THREADS threads each; sets result to the summed "iops" and
# failed to the transfers dmatest counted as failed
run_dmatest() {
	bench_configure "$1" "$2"
	modprobe dmatest || fail "cannot load dmatest"
	echo $((1 - $5)) > $DMATEST/noverify
	echo $((1 - $5)) > $DMATEST/norandom
	dmatest_start "$bench_chans" "$ITERATIONS" "$3" 10000 "$4"
	dmatest_finish 900 > /dev/null
	rmmod dmatest
	bench_teardown "$1"
	[ "$(dmatest_count ': summary ')" -eq $(($2 * $3)) ] ||
		fail "$1: not every dmatest thread reported: $dmatest_out"
	failed=$(dmatest_failures)
	result=$(echo "$dmatest_out" |
		sed -n 's/.* failures \([0-9.]*\) iops .*/\1/p' |
		awk '{ s += $1 } END { printf "%.0f", s }')
}

dmesg -n 1
echo "dmatest memcpy, $ITERATIONS transfers per thread, idxd_ims then idxd in each row"
printf '%-8s %8s %8s %8s %10s %10s %6s %6s %6s\n' verify threads channels \
	bytes idxd_ims idxd ratio failed failed
for verify in $VERIFY; do
	for threads in $THREADS; do
		for chans in $CHANNELS; do
			for size in $SIZES; do
				run_dmatest idxd_ims "$chans" "$threads" "$size" "$verify"
				ims=$result ims_failed=$failed
				run_dmatest idxd "$chans" "$threads" "$size" "$verify"
				printf '%-8s %8s %8s %8s %10s %10s %6s %6s %6s\n' \
					"$([ "$verify" = 1 ] && echo yes || echo no)" \
					"$threads" "$chans" "$size" "$ims" "$result" \
					"$(echo "$ims $result" | awk '{ printf "%.2f", $1 / $2 }')" \
					"$ims_failed" "$failed"
			done
		done
	done
done
echo "ops/s are dmatest's iops summed over its threads; failed: transfers"
echo "dmatest counted as failed (idxd_ims, idxd)"
