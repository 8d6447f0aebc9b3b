#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Pack the test VM's initramfs.
#   mkinitramfs.sh OUT.cpio.gz MODROOT KVER KSELFTEST_DIR [EXTRA_KO...]
# MODROOT is the kernel's modules_install root, KSELFTEST_DIR an installed
# kselftest tree (run_kselftest.sh at its top), EXTRA_KO the out-of-tree
# modules to add under /lib/modules/KVER/extra.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1 modroot=$2 kver=$3 ksft=$4
shift 4

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,lib64,root}
mkdir -p "$root/usr/share/idxd_ims"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	case "$applet" in busybox|timeout) continue ;; esac
	ln -sf /bin/busybox "$root/bin/$applet"
done
install -m 0755 "$IDXD_IMS_TOP/scripts/vm-timeout.sh" "$root/usr/bin/timeout"
install -m 0755 "$IDXD_IMS_TOP/scripts/vm-init.sh" "$root/init"
install -m 0755 "$IDXD_IMS_TOP/scripts/vm-demo.sh" "$root/usr/share/idxd_ims/demo.sh"

# Userspace tools the tests drive, with their shared libraries.
add_binary() {
	local bin=$1 lib
	install -D -m 0755 "$bin" "$root$bin"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*' | sort -u); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
	done
}
add_binary /usr/bin/accel-config

mkdir -p "$root/lib/modules"
cp -a "$modroot/lib/modules/$kver" "$root/lib/modules/"
rm -f "$root/lib/modules/$kver/build" "$root/lib/modules/$kver/source"
if [ $# -gt 0 ]; then
	mkdir -p "$root/lib/modules/$kver/extra"
	cp "$@" "$root/lib/modules/$kver/extra/"
fi
depmod -b "$root" "$kver"

cp -a "$ksft" "$root/kselftest"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -1 > "$out"
log "initramfs $out: $(du -h "$out" | cut -f1)"
