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
# this script.  A rerun without changes rebuilds nothing.  The build also
# produces the model's qtest (build/tests/qtest/intel-dsa-test).
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

dsc=$(ls "$DL"/qemu_*.dsc 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$dsc" ]; then
	log "downloading Debian qemu source package into $DL"
	(cd "$DL" && apt-get source --download-only qemu >&2) ||
		die "apt-get source qemu failed (deb-src missing? run scripts/install-deps.sh)"
	dsc=$(ls "$DL"/qemu_*.dsc | sort -V | tail -n 1)
fi
version=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
[ -n "$version" ] || die "cannot read the version from $dsc"

hash=$( {
	echo "debian-qemu $version"
	(cd "$TOP" && find qemu -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum)
	sha256sum < "$SELF"
} | sha256sum | cut -c1-16)

out="$CACHE/qemu-$hash"
bin="$out/build/qemu-system-x86_64"

if [ "$FORCE" = 0 ] && [ -f "$out/.complete" ] && [ -x "$bin" ]; then
	log "up to date: qemu $version, model hash $hash, nothing rebuilt"
	echo "$bin"
	exit 0
fi

if [ "${IDXD_IMS_QEMU_NO_BUILD:-0}" = 1 ]; then
	die "no cached build for hash $hash and IDXD_IMS_QEMU_NO_BUILD=1"
fi

# Build in place: configure records absolute paths, so the tree cannot be
# moved afterwards.  .complete marks a finished build; anything else found
# there is a leftover of an interrupted build and is discarded.
rm -rf "$out"
mkdir -p "$out"

log "unpacking Debian qemu $version"
dpkg-source --no-check -x "$dsc" "$out/src" >&2

log "applying qemu/patches/series"
while read -r p; do
	case "$p" in '' | '#'*) continue ;; esac
	log "  $p"
	patch -d "$out/src" -p1 --batch --forward < "$TOP/qemu/patches/$p" >&2
done < "$TOP/qemu/patches/series"

log "copying qemu/overlay into the tree"
cp -r "$TOP/qemu/overlay/." "$out/src/"

mkdir -p "$out/build"
log "configuring (x86_64-softmmu, devices file idxd-ims)"
(cd "$out/build" && ../src/configure \
	--target-list=x86_64-softmmu \
	--without-default-features --without-default-devices \
	--with-devices-x86_64=idxd-ims \
	--disable-docs --disable-werror --disable-install-blobs) >&2

log "building with -j$JOBS (several minutes)"
nice ninja -C "$out/build" -j"$JOBS" qemu-system-x86_64 \
	tests/qtest/intel-dsa-test >&2

touch "$out/.complete"
log "built $bin"
echo "$bin"
