#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: time per completion vector allocation and free,
# IMS entry (pci_ims_alloc_irq) against dynamic MSI-X vector
# (pci_msix_alloc_irq_at), on the same device in the same boot, measured in
# the kernel by the debugfs hook "bench_alloc": each sample allocates a
# vector with its interrupt handle, without requesting the Linux interrupt,
# and frees it again; IMS and MSI-X samples alternate. Prints a table and
# the ratio IMS / MSI-X. Run by "make bench"; under TCG the numbers measure
# the software path, not DSA hardware.

TEST=bench_ims_alloc
. "$(dirname "$0")/lib.sh"

SAMPLES=${SAMPLES:-2000}

setup_device
bench_run bench_alloc "$SAMPLES"
bench_table "completion vector allocation + free"
