#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# dmatest with completion interrupts on dynamic MSI-X vectors: reload the
# driver with its force_msix parameter (IMS not used even when available)
# and run test_dmatest.sh, which then also checks that every work queue
# completes on an MSI-X vector.

TEST=test_dmatest_fallback
. "$(dirname "$0")/lib.sh"

require_root
find_idxd_pci > /dev/null || skip "no DSA/IAX PCI function found"
if grep -qw '^idxd' /proc/modules; then
	modprobe -r idxd > /dev/null 2>&1 ||
		skip "upstream idxd driver loaded and cannot be removed"
fi
modprobe -r $DRV 2> /dev/null
modprobe $DRV force_msix=1 || skip "modprobe $DRV force_msix=1 failed"
at_exit unload_driver
[ -e /sys/module/$DRV/parameters/force_msix ] ||
	skip "$DRV has no force_msix parameter, the MSI-X fallback cannot be forced"

EXPECT_MODE=msix
. "$(dirname "$0")/test_dmatest.sh"
