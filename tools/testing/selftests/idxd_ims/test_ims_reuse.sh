#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# With the IMS table full, freeing one entry and allocating again
# (MSI_ANY_INDEX) hands out exactly the freed index.
TEST=test_ims_reuse
. "$(dirname "$0")/lib.sh"

setup_device
require_ims
at_exit free_test_vectors

size=$(ims_size)
used=$(grep -v '^#' "$TDIR/vectors" | grep -vc ':')
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
pass "freed indexes are reused"
