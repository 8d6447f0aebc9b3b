#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# With the IMS table full, freeing one entry and allocating again
# (MSI_ANY_INDEX) hands out exactly the freed index; with two entries free,
# the lower index is handed out first.
TEST=test_ims_reuse
. "$(dirname "$0")/lib.sh"

setup_device
require_ims
at_exit free_test_vectors

size=$(ims_size)
used=$(vector_rows_all | wc -l)
want=$((size - used))
test_cmd alloc $want || fail "could not fill the IMS table ($want entries)"

for victim in $(vector_rows | awk -v w=$want 'NR == 1 || NR == int(w / 2) || NR == w { print $1 }'); do
	test_cmd free "$victim" || fail "freeing IMS entry $victim failed"
	[ -z "$(vector_field "$victim" 1)" ] || fail "entry $victim still listed after free"
	test_cmd alloc 1 || fail "no entry could be allocated after freeing $victim"
	[ "$(vector_field "$victim" 1)" = "$victim" ] ||
		fail "freed index $victim was not reused"
	[ "$(vector_rows | wc -l)" -eq "$want" ] || fail "entry count changed"
	log "index $victim freed and handed out again"
done
# With two holes, MSI_ANY_INDEX hands out the lower one first.
set -- $(vector_rows | awk -v w=$want 'NR == int(w / 3) || NR == int(w / 3) * 2 { print $1 }')
low=$1 high=$2
test_cmd free "$high" || fail "freeing IMS entry $high failed"
test_cmd free "$low" || fail "freeing IMS entry $low failed"
test_cmd alloc 1 || fail "no entry could be allocated with two holes"
[ -n "$(vector_field "$low" 1)" ] && [ -z "$(vector_field "$high" 1)" ] ||
	fail "with entries $low and $high free, the allocation did not take $low"
test_cmd alloc 1 || fail "no entry could be allocated for the second hole"
[ -n "$(vector_field "$high" 1)" ] || fail "the second allocation did not take $high"
log "holes $low and $high filled lowest first"
pass "freed indexes are reused, lowest free index first"
