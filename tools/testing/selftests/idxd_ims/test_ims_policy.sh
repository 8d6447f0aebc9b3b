#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Which parent interrupt domains grant PCI/IMS, and what the user is told
# when one does not. With interrupt remapping (vtd, vtdpasid, guest) and on
# the vector domain with pci_ims=noremap (noiommu) the driver must get IMS
# completion vectors.
# On the vector domain without the opt-in (noopt), pci_create_ims_domain()
# must fail cleanly, the kernel must say why, and the driver must say that
# it falls back to MSI-X, and still work.

TEST=test_ims_policy
. "$(dirname "$0")/lib.sh"

dmesg -c > /dev/null
modprobe -r $DRV 2> /dev/null
setup_device
mode=$(ims_mode)
log "setup ${IDXD_IMS_SETUP:-unknown}: completion vectors are $mode"

case "$IDXD_IMS_SETUP" in
vtd | vtdpasid | guest | noiommu)
	[ "$mode" = ims ] ||
		fail "expected IMS completion vectors in setup $IDXD_IMS_SETUP, got '$mode'"
	dmesg | grep -q "IMS: not supported" &&
		fail "the kernel refused IMS in setup $IDXD_IMS_SETUP"
	pass "IMS granted by the $IDXD_IMS_SETUP parent domain"
	;;
noopt)
	[ "$mode" = msix ] ||
		fail "expected the MSI-X fallback without pci_ims=noremap, got '$mode'"
	dmesg | grep -q "IMS: not supported by MSI parent domain .*pci_ims=noremap" ||
		fail "the kernel did not say why it refused IMS"
	dmesg | grep -q "parent interrupt domain refused PCI/IMS; completion interrupts use dynamic MSI-X" ||
		fail "$DRV did not say that it falls back to MSI-X"
	test_cmd alloc 1 || fail "no completion vector in fallback mode"
	kind=$(vector_rows | awk '{ print $3 }')
	[ "$kind" = msix ] || fail "fallback vector is of kind '$kind', not msix"
	free_test_vectors
	pass "IMS refused without the opt-in, with the reason; MSI-X fallback works"
	;;
*)
	skip "unknown VM setup '$IDXD_IMS_SETUP'"
	;;
esac
