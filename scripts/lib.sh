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

# kept_result DIR KEY WHAT: print the passing TAP result kept in DIR under
# KEY, after a comment saying that WHAT is unchanged since; fails when DIR
# keeps no result for KEY.
kept_result() {
	[ -f "$1/passed" ] && [ "$(cat "$1/passed")" = "$2" ] &&
		[ -f "$1/result.tap" ] || return 1
	echo "# $3 unchanged since the last passing run ($2): not run again"
	cat "$1/result.tap"
}

# keep_result DIR KEY TAP: keep the passing TAP result in file TAP in DIR,
# under KEY, for kept_result.
keep_result() {
	mkdir -p "$1"
	cp "$3" "$1/result.tap"
	echo "$2" > "$1/passed"
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

# --- initramfs building, for mkinitramfs.sh and mkinitramfs-nested.sh ---

# initramfs_busybox ROOT [SKIP...]: busybox in ROOT/bin with a link for each
# of its applets but SKIP
initramfs_busybox() {
	local root=$1 applet
	shift
	mkdir -p "$root/bin"
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		case " busybox $* " in *" $applet "*) continue ;; esac
		ln -sf /bin/busybox "$root/bin/$applet"
	done
}

# initramfs_add_binary ROOT BIN [DEST]: install BIN in ROOT (as DEST),
# stripped, with the shared libraries it needs. Stripped, the project's
# QEMU is 8 MB instead of 38: the test VM loads and unpacks the archive
# that holds it at every boot.
initramfs_add_binary() {
	local root=$1 bin=$2 dest=${3:-$2} lib
	install -D -s -m 0755 "$bin" "$root$dest"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*' | sort -u); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}

# initramfs_pack ROOT OUT: ROOT as a newc archive. Not compressed: QEMU
# loads the archive into the VM's memory for nothing, while the VM's
# kernel takes its time to decompress it when emulated (25 of the 80
# seconds to /init in the nested guest for a 2.3 MB gzip'd archive).
initramfs_pack() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
		> "$2"
}
