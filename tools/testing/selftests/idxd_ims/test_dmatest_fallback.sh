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

load_driver_fallback

BDF=$(find_idxd_pci)
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
if [ ! -e /sys/module/$DRV/parameters/force_msix ] &&
   [ "$(cat "$(conf_dir)/completion_irqs")" != msix ]; then
	skip "$DRV cannot be forced to MSI-X (no force_msix parameter) and this platform provides IMS"
fi

EXPECT_MODE=msix
. "$(dirname "$0")/test_dmatest.sh"
