#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build QEMU (Debian's qemu 7.2 source package) with the project's Intel DSA
# device model and patches, for x86_64-softmmu only, and cache the result.
#
# Usage: scripts/build-qemu.sh [--force]
#
# The cache directory is ${IDXD_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/idxd_ims}/qemu-<hash>/,
# where <hash> covers the Debian package version, everything under qemu/ and
# this script.  A rerun without changes rebuilds nothing.  The directory
# holds qemu-system-x86_64 and the model's qtest binary (intel-dsa-test).
# The build itself happens in $CACHE/qemu-work, reused (incrementally) as
# long as the Debian source, qemu/patches and this script are unchanged.
#
# Logs go to stderr.  The last line on stdout is the absolute path of the
# qemu-system-x86_64 binary.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF="$TOP/scripts/build-qemu.sh"
CACHE=${IDXD_IMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/idxd_ims}
DL="$CACHE/dl"
JOBS=${IDXD_IMS_JOBS:-2}
FORCE=0

log() { echo "build-qemu: $*" >&2; }
die() { log "error: $*"; exit 1; }

case "${1:-}" in
--force) FORCE=1 ;;
"") ;;
*) die "usage: $0 [--force]" ;;
esac

for tool in dpkg-source patch make ninja meson pkg-config cc sha256sum flock; do
	command -v "$tool" >/dev/null || die "missing tool '$tool' (run scripts/install-deps.sh)"
done
for pc in glib-2.0 pixman-1 zlib; do
	pkg-config --exists "$pc" || die "missing pkg-config module $pc (run scripts/install-deps.sh)"
done

mkdir -p "$DL"
exec 9>"$CACHE/qemu.lock"
flock 9

newest_dsc() {
	find "$DL" -maxdepth 1 -name 'qemu_*.dsc' | sort -V | tail -n 1
}

dsc=$(newest_dsc)
if [ -z "$dsc" ]; then
	log "downloading Debian qemu source package into $DL"
	(cd "$DL" && apt-get source --download-only qemu >&2) ||
		die "apt-get source qemu failed (deb-src missing? run scripts/install-deps.sh)"
	dsc=$(newest_dsc)
	[ -n "$dsc" ] || die "no qemu .dsc in $DL after apt-get source"
fi
version=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
[ -n "$version" ] || die "cannot read the version from $dsc"

# Key of the finished binaries: Debian version, everything under qemu/,
# this script.
hash=$( {
	echo "debian-qemu $version"
	(cd "$TOP" && find qemu -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum)
	sha256sum < "$SELF"
} | sha256sum | cut -c1-16)

# Key of the source tree: everything except the overlay, which is synced
# into an existing tree so that a model change only recompiles the model,
# and the host-side test programs, which are not part of the build.
base=$( {
	echo "debian-qemu $version"
	(cd "$TOP" && find qemu \( -path qemu/overlay -o -path qemu/host-tests \) \
		-prune -o -type f -print0 |
		LC_ALL=C sort -z | xargs -0 sha256sum)
	sha256sum < "$SELF"
} | sha256sum | cut -c1-16)

out="$CACHE/qemu-$hash"
bin="$out/qemu-system-x86_64"
work="$CACHE/qemu-work"

if [ "$FORCE" = 0 ] && [ -f "$out/.complete" ] && [ -x "$bin" ]; then
	log "up to date: qemu $version, model hash $hash, nothing rebuilt"
	echo "$bin"
	exit 0
fi

if [ "${IDXD_IMS_QEMU_NO_BUILD:-0}" = 1 ]; then
	die "no cached build for hash $hash and IDXD_IMS_QEMU_NO_BUILD=1"
fi

# ccache (shared with the kernel build) makes recreating the tree cheap.
ccache=
if command -v ccache >/dev/null; then
	ccache=1
	export CCACHE_DIR="$CACHE/ccache" CCACHE_BASEDIR="$work"
fi

# The work tree is built in place (configure records absolute paths).
# It is recreated when the Debian source, the patches or this script
# change, or when an earlier preparation did not finish.
if [ "$FORCE" = 1 ] || [ "$(cat "$work/.base" 2>/dev/null)" != "$base" ]; then
	rm -rf "$work"
	mkdir -p "$work"

	log "unpacking Debian qemu $version"
	dpkg-source --no-check -x "$dsc" "$work/src" >&2

	log "applying qemu/patches/series"
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		log "  $p"
		patch -d "$work/src" -p1 --batch --forward \
			< "$TOP/qemu/patches/$p" >&2
	done < "$TOP/qemu/patches/series"

	log "copying qemu/overlay into the tree"
	cp -r "$TOP/qemu/overlay/." "$work/src/"

	mkdir -p "$work/build"
	log "configuring (x86_64-softmmu, devices file idxd-ims)"
	(cd "$work/build" && ../src/configure \
		${ccache:+--cc="ccache cc"} \
		--target-list=x86_64-softmmu \
		--without-default-features --without-default-devices \
		--with-devices-x86_64=idxd-ims \
		--disable-docs --disable-werror --disable-install-blobs) >&2
	echo "$base" > "$work/.base"
else
	log "reusing the prepared tree in $work, syncing qemu/overlay"
	# Copy only files whose content changed, so ninja rebuilds just those.
	(cd "$TOP/qemu/overlay" && find . -type f) | while read -r f; do
		if ! cmp -s "$TOP/qemu/overlay/$f" "$work/src/$f"; then
			log "  $f"
			mkdir -p "$(dirname "$work/src/$f")"
			cp "$TOP/qemu/overlay/$f" "$work/src/$f"
		fi
	done
fi

log "building with -j$JOBS (a full build takes several minutes)"
nice ninja -C "$work/build" -j"$JOBS" qemu-system-x86_64 \
	tests/qtest/intel-dsa-test >&2

rm -rf "$out"
mkdir -p "$out"
cp "$work/build/qemu-system-x86_64" "$work/build/tests/qtest/intel-dsa-test" \
	"$out/"
touch "$out/.complete"

# Drop builds older than a day, keeping the three most recent of them (other
# sessions may still hold the path of a recent one).
find "$CACHE" -maxdepth 1 -type d -regextype posix-extended \
	-regex '.*/qemu-[0-9a-f]{16}' -mmin +1440 -printf '%T@ %p\n' | sort -rn |
	tail -n +4 | cut -d' ' -f2- | while read -r old; do
	log "removing old build $old"
	rm -rf "$old"
done
log "built $bin"
echo "$bin"
