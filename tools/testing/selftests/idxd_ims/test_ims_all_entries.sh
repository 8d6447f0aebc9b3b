#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Every IMS entry of the device can be allocated at once, no more can, and
# each entry, fired with a NOOP descriptor that requests a completion
# interrupt on it, takes exactly one interrupt.
TEST=test_ims_all_entries
. "$(dirname "$0")/lib.sh"

setup_device
require_ims
enable_kernel_wq
at_exit free_test_vectors

size=$(ims_size)
[ "$size" -gt 0 ] || fail "IMS mode with an empty IMS table"
# entries already used by the driver itself (the kernel WQ's vector)
used=$(vector_rows_all | wc -l)
want=$((size - used))
log "IMS table: $size entries, $used in use by the driver"

test_cmd alloc $want || fail "could not allocate the $want free IMS entries"
if test_cmd alloc 1 2> /dev/null; then
	fail "allocated more entries than the table has ($size)"
fi
got=$(vector_rows | wc -l)
[ "$got" -eq "$want" ] || fail "test hook holds $got entries, expected $want"
distinct=$(vector_rows_all | awk '{ print $1 }' | sort -n | uniq | wc -l)
[ "$distinct" -eq "$size" ] || fail "$distinct distinct indexes in use, expected $size"
max=$(vector_rows_all | awk '{ print $1 }' | sort -n | tail -n 1)
[ "$max" -eq $((size - 1)) ] || fail "highest index in use is $max, expected $((size - 1))"

# Fire every entry. The CPUs have far fewer interrupt vectors than the
# table has entries, and an interrupt keeps its CPU vector from its first
# request until it is freed. So entries are fired in batches, and each
# fired entry is then freed and immediately allocated again (the table is
# full, so it gets the same index back) as a never-requested placeholder.
BATCH=128
all=/tmp/$TEST.all
batch=/tmp/$TEST.batch
# shellcheck disable=SC2317 # called through at_exit
remove_lists() {
	rm -f "$all" "$batch"
}
at_exit remove_lists
vector_rows | awk '{ print $1 }' > "$all"
total=$(wc -l < "$all")
start=1
while [ "$start" -le "$total" ]; do
	sed -n "${start},$((start + BATCH - 1))p" "$all" > "$batch"
	while read -r i; do
		test_cmd request "$i" || fail "request_irq for IMS entry $i failed"
		test_cmd fire "$i" || fail "NOOP on IMS entry $i did not complete"
	done < "$batch"
	bad=$(vector_rows | awk 'NR == FNR { b[$1] = 1; next }
		($1 in b) && $9 != 1 { print $1 "=" $9 }' "$batch" - | head -n 8)
	[ -z "$bad" ] ||
		fail "entries without exactly one interrupt (index=count): $bad"
	while read -r i; do
		test_cmd free "$i" || fail "freeing IMS entry $i failed"
		test_cmd alloc 1 || fail "re-allocating IMS entry $i failed"
	done < "$batch"
	back=$(vector_rows | awk 'NR == FNR { b[$1] = 1; next }
		($1 in b) && $8 == 0 && $9 == 0 { n++ } END { print n + 0 }' \
		"$batch" -)
	[ "$back" -eq "$(wc -l < "$batch")" ] ||
		fail "fired entries did not all come back as fresh vectors"
	log "entries $(head -n 1 "$batch")..$(tail -n 1 "$batch") fired"
	start=$((start + BATCH))
done
pass "all $want free entries allocated at once; each fired, one interrupt each"
