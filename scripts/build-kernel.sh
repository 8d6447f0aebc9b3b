#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the idxd_ims test kernel: Debian's linux-source-6.12 with the PCI/IMS
# series (kernel/patches/) and the fixes the tests need (kernel/fixes/)
# applied, and kernel/idxd_ims.config merged over tinyconfig; and, from the
# same source, the nested guest's kernel (kernel/idxd_ims-guest.config, no
# debugging options: see there).
# The result is cached under $IDXD_IMS_CACHE/kernel-<hash of the inputs>, so
# an unchanged tree is built once. ccache shares objects between keys.
# With IDXD_IMS_KASAN=1 (make check KASAN=1) the test kernel also gets
# kernel/idxd_ims-kasan.config, in kernel-kasan-<hash>; with IDXD_IMS_TRACE=1
# (make bench B=bench_profile) it gets kernel/idxd_ims-trace.config, in
# kernel-trace-<hash>. The variants are cached side by side.
#
#   build-kernel.sh          build if needed; print the build directory
#   build-kernel.sh --env    build if needed; print KSRC= KBUILD= KVER=
#                            BZIMAGE= MODROOT= HDRS= GUEST_BZIMAGE=
#                            GUEST_MODROOT= for eval
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=/usr/src/linux-source-6.12.tar.xz
FRAGMENT=$IDXD_IMS_TOP/kernel/idxd_ims.config
GUEST_FRAGMENT=$IDXD_IMS_TOP/kernel/idxd_ims-guest.config
PATCHES=$IDXD_IMS_TOP/kernel/patches
FIXES=$IDXD_IMS_TOP/kernel/fixes
KASAN_FRAGMENT=$IDXD_IMS_TOP/kernel/idxd_ims-kasan.config
TRACE_FRAGMENT=$IDXD_IMS_TOP/kernel/idxd_ims-trace.config
variant=kernel
fragments=("$FRAGMENT")
if [ "${IDXD_IMS_KASAN:-0}" = 1 ]; then
	variant=$variant-kasan
	fragments+=("$KASAN_FRAGMENT")
fi
if [ "${IDXD_IMS_TRACE:-0}" = 1 ]; then
	variant=$variant-trace
	fragments+=("$TRACE_FRAGMENT")
fi

[ -f "$TARBALL" ] || die "$TARBALL missing: run scripts/install-deps.sh"
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(printf '%s\n%s\n' "$pkgver" \
	"$(hash_inputs "$PATCHES" "$FIXES" "${fragments[@]}" "$GUEST_FRAGMENT" "$0")" | sha256sum | cut -c1-16)
dir=$IDXD_IMS_CACHE/$variant-$key
src=$dir/src
obj=$dir/build
guest_obj=$dir/build-guest

export ARCH=x86_64
export KBUILD_BUILD_TIMESTAMP='2024-11-17'
export KBUILD_BUILD_USER=idxd_ims KBUILD_BUILD_HOST=ci
export CCACHE_DIR=$IDXD_IMS_CACHE/ccache CCACHE_BASEDIR=$dir
export CCACHE_MAXSIZE=5G CCACHE_COMPILERCHECK=content
# kmake OBJDIR TARGET...
kmake() {
	local o=$1

	shift
	nice make -s -C "$src" O="$o" CC="ccache gcc" -j"$(nproc)" "$@"
}

# apply_series DIR: apply DIR/series to the source tree, in order.
apply_series() {
	local p
	[ -f "$1/series" ] || return 0
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		log "applying $p"
		patch -d "$src" -p1 -s --no-backup-if-mismatch < "$1/$p" ||
			die "patch $p does not apply"
	done < "$1/series"
}

unpack() {
	rm -rf "$src" "$obj" "$guest_obj"
	mkdir -p "$src" "$obj" "$guest_obj"
	tar -xf "$TARBALL" -C "$src" --strip-components=1
	apply_series "$PATCHES"
	apply_series "$FIXES"
}

# configure OBJDIR FRAGMENT...: tinyconfig, the FRAGMENTs merged over it
# in order, every line of each checked in the result
configure() {
	local o=$1 fragment line missing=0

	shift
	kmake "$o" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$o" \
		"$o/.config" "$@" > "$o/merge.log"
	kmake "$o" olddefconfig
	for fragment in "$@"; do
		while read -r line; do
			case "$line" in
			CONFIG_*=n) line="# ${line%=n} is not set" ;;
			CONFIG_*) ;;
			*) continue ;;
			esac
			if ! grep -qxF "$line" "$o/.config"; then
				log "config fragment line lost by olddefconfig: $line"
				missing=1
			fi
		done < "$fragment"
		[ $missing -eq 0 ] ||
			die "fix ${fragment#"$IDXD_IMS_TOP/"} dependencies"
	done
}

compile() {
	kmake "$obj" bzImage modules
	rm -rf "$dir/modroot" "$dir/headers"
	kmake "$obj" INSTALL_MOD_PATH="$dir/modroot" modules_install
	kmake "$obj" INSTALL_HDR_PATH="$dir/headers" headers_install
}

compile_guest() {
	kmake "$guest_obj" bzImage modules
	rm -rf "$dir/guest-modroot"
	kmake "$guest_obj" INSTALL_MOD_PATH="$dir/guest-modroot" modules_install
}

mkdir -p "$IDXD_IMS_CACHE"
exec 9> "$IDXD_IMS_CACHE/kernel.lock"
flock 9
if [ -f "$dir/.done" ]; then
	log "$variant $key is cached in $dir: not rebuilding"
else
	log "building $variant $key (linux-source-6.12 $pkgver) in $dir"
	stage kernel-unpack unpack
	stage kernel-config configure "$obj" "${fragments[@]}"
	stage kernel-compile compile
	stage guest-kernel-config configure "$guest_obj" "$GUEST_FRAGMENT"
	stage guest-kernel-compile compile_guest
	touch "$dir/.done"
	# Older builds of this variant (kernel-<hex>, kernel-kasan-<hex>, ...) go,
	# but the newest of them, which another work tree (a branch with other
	# kernel inputs) may be using: removing it would make the two rebuild
	# each other's kernel in turn. Unfinished ones go too: under the lock
	# nobody is building them.
	for old in $(ls -dt "$IDXD_IMS_CACHE/$variant"-[0-9a-f]*/.done 2> /dev/null |
		     tail -n +3); do
		rm -rf "${old%/.done}"
	done
	for old in "$IDXD_IMS_CACHE/$variant"-[0-9a-f]*; do
		[ -f "$old/.done" ] || rm -rf "$old"
	done
fi

kver=$(cat "$obj/include/config/kernel.release")
if [ "${1:-}" = "--env" ]; then
	printf 'KSRC=%s\nKBUILD=%s\nKVER=%s\nBZIMAGE=%s\nMODROOT=%s\nHDRS=%s\n' \
		"$src" "$obj" "$kver" "$obj/arch/x86/boot/bzImage" \
		"$dir/modroot" "$dir/headers/include"
	printf 'GUEST_BZIMAGE=%s\nGUEST_MODROOT=%s\n' \
		"$guest_obj/arch/x86/boot/bzImage" "$dir/guest-modroot"
else
	echo "$obj"
fi
