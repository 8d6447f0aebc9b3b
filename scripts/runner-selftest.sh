#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Self-test of the VM test runner: boot the VM with a collection that holds a
# passing test, a failing test and a test whose module WARNs, and check that
# run-vm.sh counts each and fails the run. Prints TAP.
#   runner-selftest.sh QEMU BZIMAGE WORKDIR (WORKDIR/kernel.env from check.sh)
# A passing result is kept in the cache with a key over everything the run
# depends on (the runner's scripts, this self-test, the kernel and QEMU
# builds, busybox) and printed again while that key holds, as the lint's.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

qemu=$1 bzimage=$2 work=$3
. "$work/kernel.env"
dir=$IDXD_IMS_TOP/scripts/runner-selftest
out=$work/runner-selftest

cache=$IDXD_IMS_CACHE/runner-selftest
scripts=$IDXD_IMS_TOP/scripts
key=$(printf '%s\n' "$qemu" "$bzimage" "$KBUILD" "$(busybox 2>&1 | head -n 1)" \
	"$(hash_inputs "$0" "$scripts/lib.sh" "$scripts/run-vm.sh" \
		"$scripts/vm-init.sh" "$scripts/vm-timeout.sh" \
		"$scripts/mkinitramfs.sh" "$scripts/model-relay.py" \
		"$dir/Kbuild" "$dir/warn_on_load.c" "$dir"/test_*.sh)" |
	sha256sum | cut -c1-16)
kept_result "$cache" "$key" "runner, self-test, kernel and QEMU" && exit 0
rm -rf "$out"
mkdir -p "$out/ksft/runner_selftest"

make -s -C "$KBUILD" M="$dir" modules >&2 || die "building warn_on_load.ko"
cp "$dir"/test_*.sh "$out/ksft/runner_selftest/"
cp -a "$KSRC/tools/testing/selftests/run_kselftest.sh" \
	"$KSRC/tools/testing/selftests/kselftest" "$out/ksft/"
for t in "$dir"/test_*.sh; do
	echo "runner_selftest:${t##*/}"
done > "$out/ksft/kselftest-list.txt"
"$IDXD_IMS_TOP/scripts/mkinitramfs.sh" "$out/initramfs.cpio" "$MODROOT" \
	"$KVER" "$out/ksft" "$dir/warn_on_load.ko" 2>/dev/null ||
	die "packing the self-test initramfs"

"$IDXD_IMS_TOP/scripts/run-vm.sh" "$qemu" "$bzimage" "$out/initramfs.cpio" \
	noiommu test "$out/vm" > "$out/stdout.log" 2> "$out/stderr.log"
rc=$?
tap=$out/vm/tap.log
read -r p f s < "$out/vm/result" 2>/dev/null || p=x f=x

n=0
result=$out/result.tap
: > "$result"
check() {
	n=$((n + 1))
	if eval "$2"; then
		echo "ok $n - runner self-test: $1"
	else
		echo "not ok $n - runner self-test: $1"
	fi | tee -a "$result"
}
check "the run with a failing test and a WARN exits non-zero" '[ $rc -ne 0 ]'
check "a passing test is reported ok" \
	'grep -qE "^ok [0-9]+ selftests: runner_selftest: test_passes.sh" "$tap"'
check "a failing test is reported not ok" \
	'grep -qE "^not ok [0-9]+ selftests: runner_selftest: test_fails.sh" "$tap"'
check "the kernel WARN in the console log is reported, with its excerpt" \
	'grep -q "kernel reported a problem" "$out/stderr.log" &&
	 grep -q "idxd_ims runner self-test: deliberate warning" "$out/stderr.log"'
check "the counts are 2 passed and 2 failed (test + WARN)" '[ "$p $f" = "2 2" ]'
echo "1..$n" | tee -a "$result"
grep -q '^not ok' "$result" || keep_result "$cache" "$key" "$result"
