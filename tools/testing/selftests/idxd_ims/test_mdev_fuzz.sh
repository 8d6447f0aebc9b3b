#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fuzz the guest interface of a virtual DSA device (mdev_guest fuzz): for
# each of FUZZ_SEEDS, FUZZ_COUNT random operations per thread, four
# threads, on every part of the interface (regions, descriptors, ioctls,
# commands, resets). After each seed the device must work again once
# reset (checked by mdev_guest) and the kernel log must have no report of
# a problem; at the end, a kernel work queue of the same device passes a
# verified dmatest and a new virtual device copies data.
#
# "make fuzz FUZZ=SECONDS[:SEED]" boots the test VM with IDXD_IMS_FUZZ set
# and runs only this test: seeds from SEED on (default: drawn at random)
# until SECONDS have passed, each printed before it runs; a failure names
# its seed, which "make fuzz FUZZ=1:SEED" runs again.
TEST=test_mdev_fuzz
. "$(dirname "$0")/lib.sh"

FUZZ_SEEDS=${FUZZ_SEEDS:-1 2 3}
FUZZ_COUNT=${FUZZ_COUNT:-500}
ITERATIONS=200

setup_device
require_ims
require_mdev

# WQ 1 backs the virtual devices, WQ 0 is a kernel WQ (enables the device)
mdev_setup_wq 1 8
bind_kernel_wqs 8 0
load_dmatest

# fuzz_seed SEED: one seed on the mdev, then the kernel log checked
fuzz_seed() {
	log "seed $1"
	_mark=$(log_mark)
	run_guest "$uuid" fuzz "$1" "$FUZZ_COUNT" ||
		fail "seed $1: mdev_guest fuzz $1 $FUZZ_COUNT failed"
	_splats=$(log_splats "$_mark")
	[ -z "$_splats" ] || fail "seed $1: the kernel reported: $_splats"
}

mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID
if [ -n "${IDXD_IMS_FUZZ:-}" ]; then
	seconds=${IDXD_IMS_FUZZ%%:*}
	seed=${IDXD_IMS_FUZZ#"$seconds"}
	seed=${seed#:}
	[ -n "$seed" ] || seed=$(($(od -An -N2 -tu2 /dev/urandom) + 1))
	case "$seconds$seed" in
	*[!0-9]*) fail "IDXD_IMS_FUZZ is '$IDXD_IMS_FUZZ', expected SECONDS[:SEED]" ;;
	esac
	end=$(($(uptime_s) + seconds))
	n=0
	while [ $n -eq 0 ] || [ "$(uptime_s)" -lt $end ]; do
		fuzz_seed $((seed + n))
		n=$((n + 1))
	done
	FUZZ_SEEDS="$seed..$((seed + n - 1))"
else
	for seed in $FUZZ_SEEDS; do
		fuzz_seed "$seed"
	done
fi
log "descriptors: $(for c in submitted completed rejected split copied; do
	printf '%s %s ' $c "$(mdev_attr "$uuid" $c)"; done)"
[ "$(mdev_attr "$uuid" submitted)" -gt 0 ] ||
	fail "no descriptor reached the mediation: the fuzzer does not exercise it"
mdev_remove "$uuid" || fail "cannot remove the fuzzed mdev"

dmatest_start "$(dma_channels)" $ITERATIONS 1
dmatest_finish 300
[ "$(dmatest_failures)" = 0 ] && [ "$(dmatest_count "summary $ITERATIONS tests")" = 1 ] ||
	fail "dmatest on the kernel WQ after the fuzzing: $(echo "$dmatest_out" | grep summary)"
mdev_create || fail "cannot create an mdev after the fuzzing"
run_guest "$MDEV_UUID" loop 8 || fail "a new mdev does not work after the fuzzing"
pass "seeds $FUZZ_SEEDS, $FUZZ_COUNT operations per thread each; then dmatest and a new mdev work"
