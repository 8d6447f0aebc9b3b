#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: the project's one test command.
#   check.sh [T=<test>[,<test>...]] [SETUP=vtdpasid|guest|noiommu|noopt|vtd]
# Installs what is missing, builds (or reuses) the test kernel and QEMU,
# builds the module and the kselftests, runs the host-side tests, then boots
# the VM once per setup and runs the kselftests in it; the setups, the lint
# and the runner's self-test run as many at a time as there are cores
# (IDXD_IMS_JOBS). Ends with one line "N passed, N failed, N skipped";
# exits non-zero on any failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

T= SETUP=
for arg in "$@"; do
	case "$arg" in
	T=*) T=${arg#T=} ;;
	SETUP=*) SETUP=${arg#SETUP=} ;;
	*) die "unknown argument '$arg'" ;;
	esac
done
# The setups make check runs, longest first: the order in which their VMs
# are started. vtd (VT-d in legacy mode, without PASID) runs on request
# only: the guest setup's host runs in that mode.
ALL_SETUPS="vtdpasid guest noiommu noopt"
KNOWN_SETUPS="$ALL_SETUPS vtd"
setups=${SETUP:-$ALL_SETUPS}
for setup in $setups; do
	case " $KNOWN_SETUPS " in
	*" $setup "*) ;;
	*) die "unknown setup '$setup' (one of: $KNOWN_SETUPS)" ;;
	esac
done
# vtdpasid (scalable-mode VT-d with PASID and interrupt remapping, the mode
# a DSA platform's IOMMU runs in to give slices to guests) runs every test
# but the nested guest's.
# The noopt setup (no remapping, no pci_ims=noremap) only has the tests
# about IMS being refused and the MSI-X fallback (dmatest, mdev) to run.
NOOPT_TESTS=idxd_ims:test_ims_policy.sh,idxd_ims:test_dmatest_fallback.sh,idxd_ims:test_mdev_fallback.sh
# The noiommu setup (IMS on the x86 vector domain, no remapping) runs the
# tests whose paths go through the IMS domain's parent: IMS granted
# without remapping, masking, dmatest's completions, a virtual device's
# IMS entry and probe/unbind, and the zero-copy data path, whose bus
# addresses are physical addresses here (test_mdev_zerocopy checks the
# splitting exactly only then). The rest behaves alike in every setup and
# runs in one: the IMS index allocator (test_ims_reuse,
# test_ims_all_entries), the domain template checks and the software
# error reporting through the misc MSI-X vector do not depend on the
# parent, nor do the checks of sysfs writes. Most run in vtdpasid; those
# in MOVED_TESTS run in noiommu instead, whose core has time to spare
# after the nested guest's setup: that keeps the two cores' shares of a
# make check about even.
MOVED_TESTS=idxd_ims:test_ims_reuse.sh,idxd_ims:test_sysfs_bad_input.sh,idxd_ims:test_mdev_copyloop.sh
NOIOMMU_TESTS=idxd_ims:test_ims_mask.sh,idxd_ims:test_ims_policy.sh,idxd_ims:test_dmatest.sh,idxd_ims:test_mdev_basic.sh,idxd_ims:test_mdev_zerocopy.sh,idxd_ims:test_probe_unbind.sh,$MOVED_TESTS
# The guest setup (VT-d in legacy mode with interrupt remapping) boots a
# nested guest on two virtual devices, whose DMA goes without PASID there,
# and runs dmatest on kernel WQs without PASID. Its VM is the one with a
# host thread per vCPU, where two vCPUs' MOVDIR64Bs can meet at a portal:
# test_model_upstream_idxd's submitters from both vCPUs run there too.
GUEST_TESTS=idxd_ims:test_guest.sh,idxd_ims:test_dmatest.sh,idxd_ims:test_model_upstream_idxd.sh

passed=0 failed=0 skipped=0
# add_counts PASSED FAILED SKIPPED: add to the totals.
add_counts() {
	passed=$((passed + $1))
	failed=$((failed + $2))
	skipped=$((skipped + $3))
}

# count_tap FILE: add a host-side TAP stream's results to the totals.
count_tap() {
	add_counts $(tap_counts "$1")
}

finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

fatal_stage() {
	log "stage $1 failed: cannot go on"
	failed=$((failed + 1))
	finish
}

# One run directory per invocation (logs stay there for inspection), so
# that two checks at once do not wipe each other's; those of finished runs
# are removed.
for _old in "$IDXD_IMS_CACHE"/run-*; do
	[ -d "$_old" ] || continue
	kill -0 "${_old##*/run-}" 2> /dev/null || rm -rf "$_old"
done
work=$IDXD_IMS_CACHE/run-$$
mkdir -p "$work"
log "run directory: $work"

stage deps "$IDXD_IMS_TOP/scripts/install-deps.sh" >&2 || fatal_stage deps

stage kernel "$IDXD_IMS_TOP/scripts/build-kernel.sh" --env > "$work/kernel.env" ||
	fatal_stage kernel
. "$work/kernel.env"

stage qemu "$IDXD_IMS_TOP/scripts/build-qemu.sh" > "$work/qemu.path" ||
	fatal_stage qemu
QEMU=$(tail -n 1 "$work/qemu.path")

if [ -z "$T" ]; then
	if [ -x "$IDXD_IMS_TOP/scripts/check-series.sh" ]; then
		stage series-check "$IDXD_IMS_TOP/scripts/check-series.sh" \
			> "$work/series.tap"
		cat "$work/series.tap"
		count_tap "$work/series.tap"
	fi
	if [ -x "$IDXD_IMS_TOP/scripts/test-qemu-model.sh" ]; then
		stage model-tests "$IDXD_IMS_TOP/scripts/test-qemu-model.sh" \
			> "$work/model.tap"
		cat "$work/model.tap"
		count_tap "$work/model.tap"
	fi
fi

case " $setups " in
*" guest "*) nested_qemu=$QEMU ;;
*) nested_qemu= ;;
esac
stage vm-image "$IDXD_IMS_TOP/scripts/build-guest.sh" "$work" $nested_qemu ||
	fatal_stage vm-image

tests=
[ -n "$T" ] && tests=$(echo "$T" | sed 's/[^,][^,]*/idxd_ims:&/g')

# run_setup SETUP: boot the VM of one setup and run its tests
run_setup() {
	local setup=$1 setup_tests=$tests initrd=$work/initramfs.cpio

	if [ -z "$T" ]; then
		case "$setup" in
		noiommu) setup_tests=$NOIOMMU_TESTS ;;
		noopt) setup_tests=$NOOPT_TESTS ;;
		guest) setup_tests=$GUEST_TESTS ;;
		vtd) setup_tests="!idxd_ims:test_guest.sh" ;;
		*) setup_tests="!idxd_ims:test_guest.sh,$MOVED_TESTS" ;;
		esac
	fi
	[ "$setup" = guest ] && initrd=$work/initramfs-nested.cpio
	stage "vm-$setup" "$IDXD_IMS_TOP/scripts/run-vm.sh" "$QEMU" \
		"$BZIMAGE" "$initrd" "$setup" test "$work/vm-$setup" \
		"$setup_tests"
}

# The setups run as many at a time as the machine has cores: a TCG guest
# running one test at a time keeps about one host core busy, and more
# VMs than cores only share the cores' caches and the guests' timer ticks
# out to more of them (the same setups took a third more CPU time all at
# once). Longest first: vtdpasid (about 370 s of CPU time), the nested
# guest's setup (about 320 s, at a little more than one core), the other
# setups. The lint and the runner's self-test start at once at the lowest
# priority, outside that count: they run in the moments a setup leaves a
# core idle (a VM waiting for its device model, a test sleeping) instead
# of after the setups.
if [ -z "$T" ]; then
	stage lint nice -n 19 "$IDXD_IMS_TOP/scripts/lint.sh" \
		> "$work/lint.tap" &
	if [ -z "$SETUP" ]; then
		stage runner-selftest nice -n 19 \
			"$IDXD_IMS_TOP/scripts/runner-selftest.sh" "$QEMU" \
			"$BZIMAGE" "$work" > "$work/runner.tap" &
	fi
fi
max_jobs=${IDXD_IMS_JOBS:-$(nproc)}
# the process IDs of the setups running
running=
for setup in $KNOWN_SETUPS; do
	case " $setups " in
	*" $setup "*) ;;
	*) continue ;;
	esac
	# shellcheck disable=SC2086 # one process ID per word
	if [ "$(echo $running | wc -w)" -ge "$max_jobs" ]; then
		wait -n -p done_pid $running
		running=$(echo " $running " | sed "s/ $done_pid / /")
	fi
	run_setup "$setup" &
	running="$running $!"
done
wait
for setup in $setups; do
	if [ -f "$work/vm-$setup/result" ]; then
		add_counts $(cat "$work/vm-$setup/result")
	else
		failed=$((failed + 1))
	fi
done
for tap in lint runner; do
	[ -f "$work/$tap.tap" ] || continue
	cat "$work/$tap.tap"
	count_tap "$work/$tap.tap"
done

finish
