# SPDX-License-Identifier: GPL-2.0-or-later
# Devices for the idxd_ims test platform: q35 with IOMMUs, PCIe root
# ports, a few virtio devices and the Intel DSA model.

CONFIG_Q35=y
CONFIG_VTD=y
CONFIG_AMD_IOMMU=y
CONFIG_PCIE_PORT=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_INTEL_DSA=y
