# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers shared by the platform scripts: cache location, input hashing,
# stage timing. Sourced, not run.

IDXD_IMS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IDXD_IMS_CACHE=${IDXD_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/idxd_ims}
export IDXD_IMS_CACHE

# log MSG...: progress on stderr, so stdout stays machine-readable.
log() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die() {
	log "error: $*"
	exit 1
}

# hash_inputs PATH...: one short hash over the names and contents of the
# given files and directories (recursively), stable across clones.
hash_inputs() {
	local p
	for p in "$@"; do
		if [ -d "$p" ]; then
			(cd "$p" && find . -type f -print0 | LC_ALL=C sort -z |
				xargs -0 -r sha256sum)
		elif [ -e "$p" ]; then
			printf '%s  %s\n' "$(sha256sum < "$p" | cut -d' ' -f1)" "${p##*/}"
		else
			printf 'absent %s\n' "${p##*/}"
		fi
	done | sha256sum | cut -c1-16
}

# tap_counts FILE: print "passed failed skipped" for the top-level result
# lines of a TAP stream (nested "# " lines are not counted).
tap_counts() {
	local ok skip notok
	ok=$(grep -cE '^ok [0-9]+' "$1")
	skip=$(grep -cE '^ok [0-9]+.*# SKIP' "$1")
	notok=$(grep -cE '^not ok [0-9]+' "$1")
	echo "$((ok - skip)) $notok $skip"
}

# stage NAME CMD...: run CMD, then print NAME with its elapsed time.
stage() {
	local name=$1 start=$SECONDS rc=0
	shift
	log "stage $name: start"
	"$@" || rc=$?
	log "stage $name: $( [ $rc -eq 0 ] && echo done || echo "FAILED ($rc)" ) in $((SECONDS - start))s"
	return $rc
}
