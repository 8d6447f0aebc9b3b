#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A masked completion vector holds its interrupt: a NOOP completed while
# the vector is masked raises no interrupt until the vector is unmasked,
# and then exactly one. Runs on IMS and on the MSI-X fallback.
TEST=test_ims_mask
. "$(dirname "$0")/lib.sh"

setup_device
enable_kernel_wq
at_exit free_test_vectors

test_cmd alloc 1 || fail "cannot allocate a vector"
idx=$(vector_rows | awk '{ print $1 }')
test_cmd request "$idx" || fail "request_irq failed"

test_cmd fire "$idx" || fail "NOOP did not complete"
wait_count "$idx" 1
[ "$(vector_field "$idx" 9)" -eq 1 ] ||
	fail "unmasked vector: $(vector_field "$idx" 9) interrupts, expected 1"

test_cmd mask "$idx" || fail "mask failed"
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
pass "mode $(ims_mode): interrupt held while masked, delivered on unmask"
