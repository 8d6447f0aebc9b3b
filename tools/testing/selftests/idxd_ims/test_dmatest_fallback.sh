#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# dmatest with completion interrupts on dynamic MSI-X vectors (the fallback
# when PCI/IMS is unavailable). Reload the driver with force_msix=1 if it
# has that parameter; otherwise run only where the platform already forces
# the fallback (no PCI/IMS, or a parent domain refusing IMS). Then run
# test_dmatest.sh, which also checks that every work queue completes on an
# MSI-X vector.

TEST=test_dmatest_fallback
. "$(dirname "$0")/lib.sh"

require_root
find_idxd_pci > /dev/null || skip "no DSA/IAX PCI function found"
if grep -qw '^idxd' /proc/modules; then
	modprobe -r idxd > /dev/null 2>&1 ||
		skip "upstream idxd driver loaded and cannot be removed"
fi
modprobe -r $DRV 2> /dev/null
modprobe $DRV || skip "modprobe $DRV failed"
at_exit unload_driver
if [ -e /sys/module/$DRV/parameters/force_msix ]; then
	if ! modprobe -r $DRV || ! modprobe $DRV force_msix=1; then
		fail "cannot reload $DRV with force_msix=1"
	fi
fi

BDF=$(find_idxd_pci)
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
if [ ! -e /sys/module/$DRV/parameters/force_msix ] &&
   [ "$(cat "$(conf_dir)/completion_irqs")" != msix ]; then
	skip "$DRV cannot be forced to MSI-X (no force_msix parameter) and this platform provides IMS"
fi

EXPECT_MODE=msix
. "$(dirname "$0")/test_dmatest.sh"
