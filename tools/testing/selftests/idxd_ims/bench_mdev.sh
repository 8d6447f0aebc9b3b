#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: the completion round trip of a NOOP through a
# virtual device (vfio-mdev) against the same NOOP on a host kernel WQ, in
# the same boot, on the same device.
#   mdev: mdev_guest's "bench", timed in user space from the pwrite() of
#         the descriptor to the portal region until the read() of vector
#         1's eventfd returns (mediation, host IMS interrupt, eventfd,
#         wake-up of the waiting process included); and the same with the
#         descriptor stored to the mapped portal (-m), which the portal's
#         consumer thread picks up; and that thread's CPU time in IDLE_S
#         seconds (10) of an open, idle device (mdev_guest idle);
#   host: the debugfs hook "bench_latency", timed in the kernel from just
#         before the submission until the IMS (and MSI-X) vector's handler
#         has counted the interrupt.
# Prints a table in microseconds and the ratio mdev / host IMS. Then the
# same for data: COPIES memmoves of 4 KiB one at a time, by one dmatest
# thread on the host WQ (no verification, fixed size) against
# mdev_guest's "copybench" (zero-copy), in operations per second and as a
# ratio. Last, the CPU time all CPUs spent busy per guest memmove of 64 B,
# 4 KiB and 64 KiB (CPU_COPIES each, one at a time), with the module's
# zero_copy off (host bounce buffers) and on. Run by "make bench"; under
# TCG the numbers measure the software path, not DSA hardware.

TEST=bench_mdev
. "$(dirname "$0")/lib.sh"

SAMPLES=${SAMPLES:-2000}
COPIES=${COPIES:-2000}
IDLE_S=${IDLE_S:-10}
CPU_COPIES=${CPU_COPIES:-1000}
WQ_SIZE=16

setup_device
require_ims
require_mdev

# WQ 1 backs the mdev, WQ 0 is the host's kernel WQ (enables the device)
mdev_setup_wq 1 $WQ_SIZE
bind_kernel_wqs $WQ_SIZE 0

bench_run bench_latency "$SAMPLES"
host=$(echo "$bench_out" |
	sed -n 's/.*bench irq-latency \([a-z]*\): [0-9]* samples, median \([0-9]*\) ns, p99 \([0-9]*\) ns.*/\1 \2 \3/p')
[ -n "$host" ] || fail "no result from bench_latency: $bench_out"

mdev_create || fail "cannot create an mdev"
run_guest "$MDEV_UUID" bench "$SAMPLES" > /dev/null || fail "mdev_guest bench failed"
mdev=$(echo "$guest_out" | sed -n 's/.*median_us=\([0-9.]*\) p99_us=\([0-9.]*\).*/\1 \2/p')
[ -n "$mdev" ] || fail "no result from mdev_guest bench: $guest_out"
run_guest -m "$MDEV_UUID" bench "$SAMPLES" > /dev/null ||
	fail "mdev_guest -m bench failed"
mapped=$(echo "$guest_out" | sed -n 's/.*median_us=\([0-9.]*\) p99_us=\([0-9.]*\).*/\1 \2/p')
[ -n "$mapped" ] || fail "no result from mdev_guest -m bench: $guest_out"

echo "NOOP completion round trip, $SAMPLES samples each (microseconds)"
printf '%-50s %10s %10s\n' path median p99
echo "$host" | while read -r kind med p99; do
	printf '%-50s %10.1f %10.1f\n' "host WQ, $kind vector (kernel: submit -> handler)" \
		"$(echo "$med" | awk '{ print $1 / 1000 }')" \
		"$(echo "$p99" | awk '{ print $1 / 1000 }')"
done
set -- $mdev
printf '%-50s %10.1f %10.1f\n' "mdev (user: portal pwrite -> eventfd read)" "$1" "$2"
trapped_median=$1
echo "$host" | awk -v m="$1" -v p="$2" '$1 == "ims" {
	printf "ratio mdev / host IMS: %.2f (median), %.2f (p99)\n",
	       m / ($2 / 1000), p / ($3 / 1000)
}'
set -- $mapped
printf '%-50s %10.1f %10.1f\n' "mdev, mapped portal (store -> eventfd read)" "$1" "$2"
echo "$1 $trapped_median" |
	awk '{ printf "ratio mapped / trapped portal: %.2f (median)\n", $1 / $2 }'

# the mapped portal's consumer while the open device is idle
run_guest -m "$MDEV_UUID" idle "$IDLE_S" > /dev/null || fail "mdev_guest idle failed"
echo "$guest_out" | grep '^idle: consumer' ||
	fail "no result from mdev_guest idle: $guest_out"

# Data: one copy at a time, 4 KiB, host WQ through dmatest vs the mdev
bench_host_copies "$COPIES"
bench_mdev_copies "$MDEV_UUID" "$COPIES"

echo "memmove 4 KiB one at a time, $COPIES copies each (operations per second)"
printf '%-50s %10.0f\n' "host WQ (dmatest, 1 thread, no verify)" "$host_ops"
printf '%-50s %10.0f\n' "mdev (copybench, zero-copy)" "$mdev_ops"
echo "$mdev_ops $host_ops" | awk '{ printf "ratio mdev / host: %.2f\n", $1 / $2 }'

# Host CPU per guest descriptor: the bounce path against zero-copy
echo "host CPU time per guest memmove, $CPU_COPIES one at a time (microseconds, all CPUs busy)"
printf '%-10s %12s %12s %18s\n' bytes bounce zero-copy "zero-copy/bounce"
zc_small=
for size in 64 4096 65536; do
	zero_copy_set N
	bench_mdev_copy_cpu "$MDEV_UUID" "$CPU_COPIES" $size
	bounce=$mdev_cpu_us
	zero_copy_set Y
	bench_mdev_copy_cpu "$MDEV_UUID" "$CPU_COPIES" $size
	printf '%-10s %12.1f %12.1f %18.2f\n' $size "$bounce" "$mdev_cpu_us" \
		"$(echo "$mdev_cpu_us $bounce" | awk '{ print $1 / $2 }')"
	[ -n "$zc_small" ] || zc_small=$mdev_cpu_us
done
echo "$mdev_cpu_us $zc_small" |
	awk '{ printf "ratio zero-copy 64 KiB / 64 B: %.2f\n", $1 / $2 }'
