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

# Fire every entry: the hook's fire_all requests each entry, fires a NOOP
# on it and records what it took, 128 at a time (the CPUs have far fewer
# interrupt vectors than the table has entries), and puts a fresh,
# never-requested entry back in place of each one fired.
test_cmd fire_all || fail "fire_all failed; $(wc -l < "$TDIR/fired") entries fired"
fired=/tmp/$TEST.fired
# shellcheck disable=SC2317 # called through at_exit
remove_fired() {
	rm -f "$fired"
}
at_exit remove_fired
cat "$TDIR/fired" > "$fired"
n=$(wc -l < "$fired")
[ "$n" -eq "$want" ] || fail "$n entries fired, expected $want"
distinct=$(awk '{ print $1 }' "$fired" | sort -n | uniq | wc -l)
[ "$distinct" -eq "$want" ] || fail "$distinct distinct entries fired, expected $want"
bad=$(awk '$2 != 1 { print $1 "=" $2 }' "$fired" | head -n 8)
[ -z "$bad" ] || fail "entries without exactly one interrupt (index=count): $bad"
# with the driver's own entries, the fired ones cover the whole table
covered=$(vector_rows_all | awk '$10 != "idxd_ims-test" { print $1 }' |
	cat - "$fired" | awk '{ print $1 }' | sort -n | uniq | wc -l)
[ "$covered" -eq "$size" ] || fail "fired and driver entries cover $covered indexes, expected $size"
fresh=$(vector_rows | awk '$8 == 0 && $9 == 0' | wc -l)
[ "$fresh" -eq "$want" ] ||
	fail "$fresh of $want test entries are fresh after fire_all (not requested, no interrupt)"
pass "all $want free entries allocated at once; each fired, one interrupt each"
