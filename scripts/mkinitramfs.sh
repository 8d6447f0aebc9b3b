#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Pack the test VM's initramfs.
#   mkinitramfs.sh OUT.cpio MODROOT KVER KSELFTEST_DIR [EXTRA_KO...]
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
initramfs_busybox "$root" timeout
install -m 0755 "$IDXD_IMS_TOP/scripts/vm-timeout.sh" "$root/usr/bin/timeout"
install -m 0755 "$IDXD_IMS_TOP/scripts/vm-init.sh" "$root/init"
install -m 0755 "$IDXD_IMS_TOP/scripts/vm-demo.sh" "$root/usr/share/idxd_ims/demo.sh"

# Userspace tools the tests drive, with their shared libraries, and
# accel-config's own configuration profiles (test_accel_config_profiles).
initramfs_add_binary "$root" /usr/bin/accel-config
mkdir -p "$root/etc/accel-config/contrib/configs"
cp /etc/accel-config/contrib/configs/*_profile.conf \
	"$root/etc/accel-config/contrib/configs/"

mkdir -p "$root/lib/modules"
cp -a "$modroot/lib/modules/$kver" "$root/lib/modules/"
rm -f "$root/lib/modules/$kver/build" "$root/lib/modules/$kver/source"
if [ $# -gt 0 ]; then
	mkdir -p "$root/lib/modules/$kver/extra"
	cp "$@" "$root/lib/modules/$kver/extra/"
fi
depmod -b "$root" "$kver"

cp -a "$ksft" "$root/kselftest"

initramfs_pack "$root" "$out"
log "initramfs $out: $(du -h "$out" | cut -f1)"
