# SPDX-License-Identifier: GPL-2.0-or-later
# Devices for the idxd_ims test platform: q35 with IOMMUs, PCIe root
# ports, a few virtio devices, the Intel DSA model and vfio-pci.

CONFIG_Q35=y
CONFIG_VTD=y
CONFIG_AMD_IOMMU=y
CONFIG_PCIE_PORT=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_INTEL_DSA=y
# vfio-pci: the same binary, run inside the test VM, gives a virtual DSA
# device (vfio-mdev) to a nested guest (the guest setup of make check)
CONFIG_VFIO_PCI=y
