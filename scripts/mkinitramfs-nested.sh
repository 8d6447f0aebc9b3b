#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Pack what the test VM needs to run a nested guest on a virtual DSA device
# (the guest setup of make check), as an initramfs archive to append to the
# test VM's own:
#   mkinitramfs-nested.sh OUT.cpio QEMU BZIMAGE MODROOT KVER
# It holds, under /usr/share/idxd_ims/guest/ (where test_guest.sh looks):
#   bzImage             the guest's kernel (kernel/idxd_ims-guest.config,
#                       from the test kernel's source)
#   initramfs.cpio      the guest's: busybox, accel-config, the upstream
#                       idxd and dmatest modules and their dependencies, and
#                       guest_agent.sh as /init
#   firmware/           the QEMU firmware files the guest's machine loads
# and QEMU itself as /usr/bin/qemu-system-x86_64 with its shared libraries.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1 qemu=$2 bzimage=$3 modroot=$4 kver=$5
selftests=$IDXD_IMS_TOP/tools/testing/selftests/idxd_ims
# what QEMU's q35 machine loads to boot a -kernel with qboot, a minimal
# firmware that gets a nested guest to its kernel faster than SeaBIOS
FIRMWARE=(/usr/share/qemu/qboot.rom /usr/share/qemu/linuxboot_dma.bin
	  /usr/share/qemu/kvmvapic.bin)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the guest's initramfs: only what the agent's commands use ---
guest=$tmp/guest
mkdir -p "$guest"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root}
initramfs_busybox "$guest"
initramfs_add_binary "$guest" /usr/bin/accel-config
install -m 0755 "$selftests/guest_agent.sh" "$guest/init"
install -m 0644 "$selftests/lib.sh" "$guest/lib.sh"

mods=$modroot/lib/modules/$kver
mkdir -p "$guest/lib/modules/$kver"
cp "$mods"/modules.order "$mods"/modules.builtin* "$guest/lib/modules/$kver/"
for m in idxd dmatest; do
	modprobe -d "$modroot" -S "$kver" --show-depends "$m" |
		sed -n 's/^insmod //p' | cut -d' ' -f1
done | sort -u | while read -r ko; do
	install -D -m 0644 "$ko" "$guest${ko#"$modroot"}"
done
depmod -b "$guest" "$kver"

# --- what the test VM adds to its own root ---
root=$tmp/root
share=$root/usr/share/idxd_ims/guest
mkdir -p "$share/firmware"
install -m 0644 "$bzimage" "$share/bzImage"
initramfs_pack "$guest" "$share/initramfs.cpio"
install -m 0644 "${FIRMWARE[@]}" "$share/firmware/"
initramfs_add_binary "$root" "$qemu" /usr/bin/qemu-system-x86_64
initramfs_pack "$root" "$out"
log "nested guest archive $out: $(du -h "$out" | cut -f1)" \
	"(guest initramfs $(du -h "$share/initramfs.cpio" | cut -f1))"
