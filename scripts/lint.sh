#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make lint: checkpatch --strict on the driver, the tests' C code and the
# kernel patches; kernel-doc -Wall and sparse (C=1) on the driver. Zero
# warnings allowed. Prints TAP, one line per file and tool; exits non-zero
# on any finding. A clean result is kept in the cache with a key over
# everything it depends on (the files, the test kernel's tree that has
# checkpatch and kernel-doc, sparse, gcc and this script) and printed again
# while that key holds.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

eval "$("$IDXD_IMS_TOP/scripts/build-kernel.sh" --env)" ||
	die "the test kernel is needed for checkpatch and sparse"
cd "$IDXD_IMS_TOP"

cache=$IDXD_IMS_CACHE/lint
sources=$(git ls-files 'idxd_ims/*.c' 'idxd_ims/*.h' \
	'tools/testing/selftests/idxd_ims/*.c' \
	'tools/testing/selftests/idxd_ims/*.h' 'scripts/runner-selftest/*.c')
patches=$(git ls-files 'kernel/patches/*.patch' 'kernel/fixes/*.patch')
# shellcheck disable=SC2086 # one path per word
key=$(printf '%s\n' "$KBUILD" "$(sparse --version 2>&1)" "$(gcc --version | head -n 1)" \
	"$(hash_inputs "$0" Kbuild Makefile idxd_ims/Kbuild $sources $patches)" |
	sha256sum | cut -c1-16)
kept_result "$cache" "$key" "sources, tools and lint" && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

report() {
	local what=$1 log=$2
	n=$((n + 1))
	if [ -s "$log" ]; then
		bad=$((bad + 1))
		echo "not ok $n - $what"
		sed 's/^/# /' "$log"
	else
		echo "ok $n - $what"
	fi
}

# lint_all: run every check, print TAP; fails on any finding
lint_all() {
	n=0 bad=0
	checkpatch=("$KSRC/scripts/checkpatch.pl" --strict --no-tree --quiet
		    --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG)

	for f in $sources; do
		"${checkpatch[@]}" -f "$f" > "$tmp/log" 2>&1
		report "checkpatch --strict $f" "$tmp/log"
	done
	for f in $patches; do
		GIT_DIR=/nonexistent "$KSRC/scripts/checkpatch.pl" --strict --quiet --no-tree "$f" \
			> "$tmp/log" 2>&1
		report "checkpatch --strict $f" "$tmp/log"
	done
	for f in $(git ls-files 'idxd_ims/*.c' 'idxd_ims/*.h'); do
		"$KSRC/scripts/kernel-doc" -none -Wall "$f" > "$tmp/log" 2>&1
		report "kernel-doc -Wall $f" "$tmp/log"
	done
	if [ -d idxd_ims ]; then
		make -s -C "$KBUILD" M="$IDXD_IMS_TOP" C=2 W=1 modules \
			> "$tmp/out" 2>&1
		rc=$?
		grep -E 'warning|error' "$tmp/out" > "$tmp/log"
		[ $rc -eq 0 ] || echo "build failed (exit $rc)" >> "$tmp/log"
		report "sparse (C=2) and W=1 build of idxd_ims" "$tmp/log"
	fi
	echo "1..$n"
	[ $bad -eq 0 ]
}

lint_all | tee "$tmp/result.tap"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
keep_result "$cache" "$key" "$tmp/result.tap"
