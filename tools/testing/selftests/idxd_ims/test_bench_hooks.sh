#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark commands of the debugfs test hook (used by bench_*.sh) under
# the debug kernel: bad sample and held counts are refused with EINVAL and a
# message, a short bench_alloc and bench_latency run report one result line
# per vector kind (IMS and MSI-X where IMS is in use, MSI-X alone
# otherwise), bench_alloc with vectors held leaves out, with a message, a
# kind whose table has no room for one more, bench_latency without a
# kernel work queue fails with ENODEV, and no vector is left allocated
# afterwards.

TEST=test_bench_hooks
. "$(dirname "$0")/lib.sh"

SAMPLES=20

setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
vectors_before=$(vector_rows_all | wc -l)

for bad in "bench_alloc" "bench_alloc 0" "bench_alloc 10001" \
	   "bench_alloc x" "bench_latency -1" "bench_alloc 5 x" \
	   "bench_alloc 5 4097" "bench_latency 5 1" "bench_alloc 5 5 5"; do
	mark=$(log_mark)
	if test_cmd "$bad" 2> /dev/null; then
		fail "'$bad' was accepted"
	fi
	case "$bad" in
	"bench_alloc 5 5 5") continue ;;
	"bench_alloc 5 "* | "bench_latency 5 "*) why="only bench_alloc takes a second number" ;;
	*) why="takes a sample count of 1 to" ;;
	esac
	wait_log "$mark" "$why" 1 ||
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

# with vectors held: 2 of each kind leave room for one more in both
# tables; as many as MSI-X has entries for completion vectors leave none
# there, and MSI-X is left out (the whole run fails without IMS)
bench_run bench_alloc "$SAMPLES 2"
for k in $kinds; do
	echo "$bench_out" | grep -q "bench alloc-free $k: $SAMPLES samples" ||
		fail "bench_alloc with 2 held reported no $k result: $bench_out"
done
full=$(($(msix_size) - 1))
mark=$(log_mark)
if [ "$kinds" = msix ]; then
	test_cmd bench_alloc "$SAMPLES $full" 2> /dev/null &&
		fail "bench_alloc with a full MSI-X table worked without IMS"
else
	bench_run bench_alloc "$SAMPLES $full"
	echo "$bench_out" | grep -q "bench alloc-free ims: $SAMPLES samples" ||
		fail "bench_alloc with $full held reported no ims result: $bench_out"
	echo "$bench_out" | grep -q "bench alloc-free msix:" &&
		fail "bench_alloc measured MSI-X with its table full: $bench_out"
fi
wait_log "$mark" "no room for $full + 1 msix vectors" 1 ||
	fail "MSI-X was left out of bench_alloc with $full held without a message"

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
