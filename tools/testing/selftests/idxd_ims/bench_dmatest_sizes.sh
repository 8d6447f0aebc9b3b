#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: dmatest throughput by transfer size, memcpys of
# exactly 64 B, 256 B, 1 KiB, ... 1 MiB and 2 MiB (the WQ's default
# max_transfer_size) through one dedicated kernel WQ of idxd_ims, one
# dmatest thread (norandom: every transfer has the buffer's size, at
# offset 0; noverify), in the same boot, the sizes up and then down. The
# number of transfers per size and pass is BYTES (32 MiB) / size, between
# 32 and MAX_OPS (1000). Prints operations per second and MB/s per size
# (the mean of the two passes), and each rate relative to that of the
# smallest size. Run by "make bench"; under TCG the numbers measure
# the software path (driver, interrupt delivery, and the device model's
# copies, which run natively in QEMU), not DSA hardware.

TEST=bench_dmatest_sizes
. "$(dirname "$0")/lib.sh"

SIZES="64 256 1024 4096 16384 65536 262144 1048576 2097152"
SIZES_DOWN="2097152 1048576 262144 65536 16384 4096 1024 256 64"
BYTES=${BYTES:-33554432}
MAX_OPS=${MAX_OPS:-1000}

setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
bind_kernel_wqs 16 0
max=$(cat "$(wq_dir 0)/max_transfer_size")
chan=$(dma_channels)
[ -n "$chan" ] || fail "wq 0 registered no dmaengine channel"

# pass SIZE...: one pass over the sizes; appends "size ops ops/s KB/s" per
# size to rows
rows='' nsizes=0
pass() {
	for size in "$@"; do
		[ "$size" -le "$max" ] ||
			fail "$size bytes exceed the WQ's max_transfer_size, $max"
		ops=$((BYTES / size))
		[ $ops -le "$MAX_OPS" ] || ops=$MAX_OPS
		[ "$ops" -ge 32 ] || ops=32
		bench_dmatest_rate "$chan" "$ops" "$size"
		rows="$rows$size $ops $bench_ops $bench_kbs
"
		nsizes=$((nsizes + 1))
	done
}

dmesg -n 1
# the sizes up, then down: a load that changes steadily over the run
# weighs the same on every size
started=$(uptime_s)
# shellcheck disable=SC2086 # one size per word
pass $SIZES
# shellcheck disable=SC2086 # one size per word
pass $SIZES_DOWN
log "$nsizes runs in $(($(uptime_s) - started)) s"

echo "dmatest memcpy by transfer size, 1 thread, 1 dedicated WQ of size 16"
echo "(norandom, noverify; WQ max_transfer_size $max); mean of two passes"
echo "$rows" | awk '
	NF == 4 {
		if (!seen[$1]++) order[++ns] = $1
		cnt[$1] = $2; ops[$1] += $3; kbs[$1] += $4; n[$1]++
	}
	END {
		printf "%-8s %6s %10s %10s %8s %8s\n", "bytes", "ops",
		       "ops/s", "MB/s", "ops/s/", "MB/s/"
		for (i = 1; i <= ns; i++) {
			s = order[i]; o = ops[s] / n[s]; k = kbs[s] / n[s]
			if (i == 1) { b = o; bk = k }
			printf "%-8d %6d %10.0f %10.1f %8.3f %8.1f\n", s, cnt[s], o,
			       k * 1024 / 1e6, o / b, k / bk
		}
		print "(ops: per pass; the last two columns: relative to the first row)"
	}'
