#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Virtual devices need IMS: their guest vectors are IMS entries. When the
# driver runs in the MSI-X fallback (no PCI/IMS, IMS refused by the
# platform, or force_msix=1), available_instances is 0 and creating an mdev
# fails with ENODEV and a kernel message saying why. Reloads the driver
# with force_msix=1 when it has that parameter; otherwise runs only where
# the platform already forces the fallback.
TEST=test_mdev_fallback
. "$(dirname "$0")/lib.sh"

load_driver_fallback
setup_device
[ "$(ims_mode)" = msix ] ||
	skip "$DRV cannot be forced to MSI-X (no force_msix parameter) and this platform provides IMS"

# The parent must exist in the fallback too (available_instances 0), unless
# the driver was built without mdev support, which a module holding
# vfio-mdev's "mdev" module tells apart.
modprobe mdev > /dev/null 2>&1
if [ ! -d "/sys/class/mdev_bus/$BDF" ]; then
	[ -e /sys/module/mdev/holders/$DRV ] ||
		skip "$DRV is not built with vfio-mdev support"
	fail "$DRV uses vfio-mdev but $BDF is not an mdev parent in the MSI-X fallback"
fi
require_mdev

mdev_setup_wq 0 8
mdev_enable_device
[ "$(mdev_available)" = 0 ] ||
	fail "available_instances is $(mdev_available) in the MSI-X fallback, expected 0"

mark=$(log_mark)
mdev_create && fail "an mdev was created in the MSI-X fallback"
echo "$MDEV_ERR" | grep -q "No such device" ||
	fail "create in the MSI-X fallback: '$MDEV_ERR', expected ENODEV"
[ ! -e "$MDEV_DEVS/$MDEV_UUID" ] || fail "$MDEV_UUID exists after the refused create"
why=$(dmesg | tail -n +$((mark + 1)) | grep -i "mdev\|virtual device" |
	grep -i "ims\|msi-x\|fallback")
[ -n "$why" ] ||
	fail "no kernel message explains the refused create; new lines: $(dmesg | tail -n +$((mark + 1)) | tr '\n' ';')"
log "kernel says: $why"
[ "$(cat "$(wq_dir 0)/state")" != enabled ] || fail "the type-mdev WQ was enabled by the refused create"
pass "mdev creation refused in the MSI-X fallback, with a reason"
