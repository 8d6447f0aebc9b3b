#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the idxd_ims test kernel: Debian's linux-source-6.12 with the PCI/IMS
# series (kernel/patches/) and the fixes the tests need (kernel/fixes/)
# applied, and kernel/idxd_ims.config merged over tinyconfig.
# The result is cached under $IDXD_IMS_CACHE/kernel-<hash of the inputs>, so
# an unchanged tree is built once. ccache shares objects between keys.
#
#   build-kernel.sh          build if needed; print the build directory
#   build-kernel.sh --env    build if needed; print KSRC= KBUILD= KVER=
#                            BZIMAGE= MODROOT= HDRS= for eval
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=/usr/src/linux-source-6.12.tar.xz
FRAGMENT=$IDXD_IMS_TOP/kernel/idxd_ims.config
PATCHES=$IDXD_IMS_TOP/kernel/patches
FIXES=$IDXD_IMS_TOP/kernel/fixes

[ -f "$TARBALL" ] || die "$TARBALL missing: run scripts/install-deps.sh"
pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(printf '%s\n%s\n' "$pkgver" \
	"$(hash_inputs "$PATCHES" "$FIXES" "$FRAGMENT" "$0")" | sha256sum | cut -c1-16)
dir=$IDXD_IMS_CACHE/kernel-$key
src=$dir/src
obj=$dir/build

export ARCH=x86_64
export KBUILD_BUILD_TIMESTAMP='2024-11-17'
export KBUILD_BUILD_USER=idxd_ims KBUILD_BUILD_HOST=ci
export CCACHE_DIR=$IDXD_IMS_CACHE/ccache CCACHE_BASEDIR=$dir
export CCACHE_MAXSIZE=5G CCACHE_COMPILERCHECK=content
kmake() {
	nice make -s -C "$src" O="$obj" CC="ccache gcc" -j"$(nproc)" "$@"
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
	rm -rf "$src" "$obj"
	mkdir -p "$src" "$obj"
	tar -xf "$TARBALL" -C "$src" --strip-components=1
	apply_series "$PATCHES"
	apply_series "$FIXES"
}

configure() {
	kmake tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "$FRAGMENT" > "$obj/merge.log"
	kmake olddefconfig
	local line missing=0
	while read -r line; do
		case "$line" in
		CONFIG_*=n) line="# ${line%=n} is not set" ;;
		CONFIG_*) ;;
		*) continue ;;
		esac
		if ! grep -qxF "$line" "$obj/.config"; then
			log "config fragment line lost by olddefconfig: $line"
			missing=1
		fi
	done < "$FRAGMENT"
	[ $missing -eq 0 ] || die "fix kernel/idxd_ims.config dependencies"
}

compile() {
	kmake bzImage modules
	rm -rf "$dir/modroot" "$dir/headers"
	kmake INSTALL_MOD_PATH="$dir/modroot" modules_install
	kmake INSTALL_HDR_PATH="$dir/headers" headers_install
}

mkdir -p "$IDXD_IMS_CACHE"
exec 9> "$IDXD_IMS_CACHE/kernel.lock"
flock 9
if [ -f "$dir/.done" ]; then
	log "kernel $key is cached in $dir: not rebuilding"
else
	log "building kernel $key (linux-source-6.12 $pkgver) in $dir"
	stage kernel-unpack unpack
	stage kernel-config configure
	stage kernel-compile compile
	touch "$dir/.done"
	for old in "$IDXD_IMS_CACHE"/kernel-*; do
		[ "$old" = "$dir" ] || rm -rf "$old"
	done
fi

kver=$(cat "$obj/include/config/kernel.release")
if [ "${1:-}" = "--env" ]; then
	printf 'KSRC=%s\nKBUILD=%s\nKVER=%s\nBZIMAGE=%s\nMODROOT=%s\nHDRS=%s\n' \
		"$src" "$obj" "$kver" "$obj/arch/x86/boot/bzImage" \
		"$dir/modroot" "$dir/headers/include"
else
	echo "$obj"
fi
