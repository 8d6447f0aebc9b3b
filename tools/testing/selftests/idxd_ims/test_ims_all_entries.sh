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
used=$(grep -v '^#' "$TDIR/vectors" | grep -vc ':')
want=$((size - used))
log "IMS table: $size entries, $used in use by the driver"

test_cmd alloc $want || fail "could not allocate the $want free IMS entries"
if test_cmd alloc 1 2> /dev/null; then
	fail "allocated more entries than the table has ($size)"
fi
got=$(vector_rows | wc -l)
[ "$got" -eq "$want" ] || fail "test hook holds $got entries, expected $want"
distinct=$(grep -v '^#' "$TDIR/vectors" | grep -v ':' | awk '{ print $1 }' |
	sort -n | uniq | wc -l)
[ "$distinct" -eq "$size" ] || fail "$distinct distinct indexes in use, expected $size"
max=$(grep -v '^#' "$TDIR/vectors" | grep -v ':' | awk '{ print $1 }' |
	sort -n | tail -n 1)
[ "$max" -eq $((size - 1)) ] || fail "highest index in use is $max, expected $((size - 1))"

for i in $(vector_rows | awk '{ print $1 }'); do
	test_cmd request "$i" || fail "request_irq for IMS entry $i failed"
	test_cmd fire "$i" || fail "NOOP on IMS entry $i did not complete"
	test_cmd release "$i" || fail "free_irq for IMS entry $i failed"
done

bad=$(vector_rows | awk '$9 != 1 { print $1 "=" $9 }' | head -n 8)
[ -z "$bad" ] || fail "entries without exactly one interrupt (index=count): $bad"
pass "$want entries allocated and fired, one interrupt each"
