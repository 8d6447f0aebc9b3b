#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark commands of the debugfs test hook (used by bench_*.sh) under
# the debug kernel: bad sample counts are refused with EINVAL and a message,
# a short bench_alloc and bench_latency run report one result line per
# vector kind (IMS and MSI-X where IMS is in use, MSI-X alone otherwise),
# bench_latency without a kernel work queue fails with ENODEV, and no
# vector is left allocated afterwards.

TEST=test_bench_hooks
. "$(dirname "$0")/lib.sh"

SAMPLES=20

setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
vectors_before=$(vector_rows_all | wc -l)

for bad in "bench_alloc" "bench_alloc 0" "bench_alloc 10001" \
	   "bench_alloc x" "bench_latency -1" "bench_alloc 5 5"; do
	mark=$(log_mark)
	if test_cmd "$bad" 2> /dev/null; then
		fail "'$bad' was accepted"
	fi
	[ "$bad" = "bench_alloc 5 5" ] && continue
	wait_log "$mark" "takes a sample count of 1 to" 1 ||
		fail "'$bad' was refused without saying why"
done

if [ "$(ims_mode)" = ims ]; then
	kinds="ims msix"
else
	kinds="msix"
fi

# bench HOOK RESULT TITLE: run HOOK briefly; each vector kind must have
# its RESULT line, shown as a table
bench() {
	bench_run "$1" $SAMPLES
	for k in $kinds; do
		echo "$bench_out" | grep -q "bench $2 $k: $SAMPLES samples, median [0-9]* ns" ||
			fail "$1 reported no $k result: $bench_out"
	done
	bench_table "$3" | sed 's/^/# /'
}

bench bench_alloc alloc-free "alloc + free"

err=$(test_cmd bench_latency $SAMPLES 2>&1) &&
	fail "bench_latency worked without an enabled kernel work queue"
echo "$err" | grep -q "No such device" ||
	fail "bench_latency without a kernel work queue: '$err', expected ENODEV"
bind_kernel_wqs 8 0
bench bench_latency irq-latency "interrupt latency"

# the work queue's own vector is the only one left
vectors_after=$(vector_rows_all | wc -l)
[ "$vectors_after" -eq $((vectors_before + 1)) ] ||
	fail "$vectors_after vectors allocated after the benchmarks, expected $((vectors_before + 1))"

pass "bad input refused; $kinds measured"
