#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A masked completion vector holds its interrupt: a NOOP completed while
# the vector is masked raises no interrupt until the vector is unmasked,
# and then exactly one. Masking or unmasking twice changes nothing (and
# does not upset the kernel's disable depth), a vector without a requested
# interrupt cannot be masked, and masking does not survive a release.
# Runs on IMS and on the MSI-X fallback.
TEST=test_ims_mask
. "$(dirname "$0")/lib.sh"

setup_device
enable_kernel_wq
at_exit free_test_vectors

test_cmd alloc 1 || fail "cannot allocate a vector"
idx=$(vector_rows | awk '{ print $1 }')
if test_cmd mask "$idx" 2> /dev/null; then
	fail "masked a vector whose interrupt is not requested"
fi
test_cmd request "$idx" || fail "request_irq failed"

test_cmd fire "$idx" || fail "NOOP did not complete"
wait_count "$idx" 1
[ "$(vector_field "$idx" 9)" -eq 1 ] ||
	fail "unmasked vector: $(vector_field "$idx" 9) interrupts, expected 1"

test_cmd mask "$idx" || fail "mask failed"
test_cmd mask "$idx" || fail "masking a masked vector failed"
[ "$(vector_field "$idx" 7)" -eq 1 ] || fail "vector not masked in the device"
test_cmd fire "$idx" || fail "NOOP on the masked vector did not complete"
sleep 1
[ "$(vector_field "$idx" 9)" -eq 1 ] ||
	fail "interrupt delivered while masked (count $(vector_field "$idx" 9))"

test_cmd unmask "$idx" || fail "unmask failed"
[ "$(vector_field "$idx" 7)" -eq 0 ] || fail "vector still masked in the device"
wait_count "$idx" 2
[ "$(vector_field "$idx" 9)" -eq 2 ] ||
	fail "held interrupt: count $(vector_field "$idx" 9) after unmask, expected 2"
test_cmd unmask "$idx" || fail "unmasking an unmasked vector failed"
test_cmd mask "$idx" || fail "mask after the repeated unmask failed"
[ "$(vector_field "$idx" 7)" -eq 1 ] ||
	fail "one mask after two unmasks left the vector unmasked"

# released while masked: requested again, it starts unmasked and delivers
test_cmd release "$idx" || fail "release failed"
test_cmd request "$idx" || fail "request after release failed"
[ "$(vector_field "$idx" 7)" -eq 0 ] ||
	fail "vector masked after release and request"
test_cmd fire "$idx" || fail "NOOP after release and request did not complete"
wait_count "$idx" 3
[ "$(vector_field "$idx" 9)" -eq 3 ] ||
	fail "after release and request: count $(vector_field "$idx" 9), expected 3"
pass "mode $(ims_mode): interrupt held while masked, delivered on unmask"
