// SPDX-License-Identifier: GPL-2.0-only
/*
 * idxd_ims: PASID policy for kernel work.
 *
 * When the IOMMU can attach the device's DMA domain to a PASID, kernel
 * work queues run with a system PASID: one global PASID is allocated and
 * attached to the default DMA domain, so descriptors carrying it use the
 * same DMA mappings as PASID-less requests. Completion vectors allocated
 * for kernel work are bound to this PASID through the IMS allocation
 * cookie. Without such an IOMMU, PASID stays disabled and descriptors and
 * IMS entries carry none.
 */
#include <linux/bitfield.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>

#include "idxd_ims.h"

static void idxd_ims_set_user_int(struct idxd_ims_dev *idev, bool enable)
{
	u32 gencfg = ioread32(idev->reg_base + IDXD_GENCFG_OFFSET);

	if (enable)
		gencfg |= IDXD_GENCFG_USER_INT_EN;
	else
		gencfg &= ~IDXD_GENCFG_USER_INT_EN;
	iowrite32(gencfg, idev->reg_base + IDXD_GENCFG_OFFSET);
}

/*
 * Allocate a PASID and attach the device's DMA domain to it: descriptors
 * carrying it use the same addresses as the device's own DMA API mappings.
 */
static int idxd_ims_pasid_attach(struct idxd_ims_dev *idev, ioasid_t *pasid)
{
	struct device *dev = &idev->pdev->dev;
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	ioasid_t id;
	int ret;

	if (!domain)
		return -ENODEV;
	id = iommu_alloc_global_pasid(dev);
	if (id == IOMMU_PASID_INVALID)
		return -ENOSPC;
	ret = iommu_attach_device_pasid(domain, dev, id, NULL);
	if (ret) {
		iommu_free_global_pasid(id);
		return ret;
	}
	*pasid = id;
	return 0;
}

/* Undo idxd_ims_pasid_attach(). */
static void idxd_ims_pasid_detach(struct idxd_ims_dev *idev, ioasid_t pasid)
{
	struct device *dev = &idev->pdev->dev;
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	if (domain)
		iommu_detach_device_pasid(domain, dev, pasid);
	iommu_free_global_pasid(pasid);
}

/**
 * idxd_ims_pasid_setup() - enable the system PASID when the IOMMU allows it
 * @idev: the device
 *
 * Never fails the probe: when the device has no PASID capability, no
 * IOMMU domain, or the IOMMU refuses to attach a PASID, the driver runs
 * without PASID and says why.
 *
 * Return: 0.
 */
int idxd_ims_pasid_setup(struct idxd_ims_dev *idev)
{
	struct device *dev = &idev->pdev->dev;
	struct iommu_domain *domain;
	ioasid_t pasid;
	int ret;

	idev->pasid_enabled = false;
	idev->pasid = IOMMU_NO_PASID;

	if (!pci_find_ext_capability(idev->pdev, PCI_EXT_CAP_ID_PASID)) {
		dev_info(dev, "no PASID capability; kernel work runs without PASID\n");
		return 0;
	}
	domain = iommu_get_domain_for_dev(dev);
	if (!domain) {
		dev_info(dev, "no IOMMU domain; kernel work runs without PASID\n");
		return 0;
	}
	/*
	 * The IOMMU driver enables the capability when it probes the device,
	 * if it supports PASID and the PCI core allows it (End-End TLP
	 * prefixes up to the root). A PASID attached while the capability is
	 * disabled would be accepted by the IOMMU but never carried by the
	 * device's requests.
	 */
	ret = pci_pasid_status(idev->pdev);
	if (ret < 0 || !(ret & PCI_PASID_CTRL_ENABLE)) {
		dev_info(dev, "PASID capability not enabled by the IOMMU; kernel work runs without PASID\n");
		return 0;
	}
	ret = idxd_ims_pasid_attach(idev, &pasid);
	if (ret) {
		dev_info(dev, "no PASID from the IOMMU (%d); kernel work runs without PASID\n",
			 ret);
		return 0;
	}

	idev->pasid = pasid;
	idev->pasid_enabled = true;
	/* kernel descriptors run unprivileged with the system PASID */
	idxd_ims_set_user_int(idev, true);
	dev_info(dev, "kernel work uses system PASID %u\n", pasid);
	return 0;
}

/**
 * idxd_ims_pasid_restore() - reapply PASID settings after a device reset
 * @idev: the device
 *
 * A device reset clears GENCFG, including the bit that lets unprivileged
 * (system PASID) descriptors raise completion interrupts.
 */
void idxd_ims_pasid_restore(struct idxd_ims_dev *idev)
{
	if (idev->pasid_enabled)
		idxd_ims_set_user_int(idev, true);
}

/**
 * idxd_ims_pasid_teardown() - release the system PASID
 * @idev: the device
 *
 * Detaches and frees the system PASID if idxd_ims_pasid_setup() enabled
 * one. All work carrying the PASID must have been stopped.
 */
void idxd_ims_pasid_teardown(struct idxd_ims_dev *idev)
{
	if (!idev->pasid_enabled)
		return;

	idxd_ims_set_user_int(idev, false);
	idxd_ims_pasid_detach(idev, idev->pasid);
	idev->pasid_enabled = false;
	idev->pasid = IOMMU_NO_PASID;
}

/**
 * idxd_ims_pasid_vdev_alloc() - give a virtual device a PASID of its own
 * @idev: device
 * @pasid_en: set when the virtual device has a PASID
 * @pasid: returns the PASID
 *
 * A virtual device's descriptors are mediated: they reach the device with
 * host DMA addresses of the parent's DMA domain. Its PASID therefore names
 * that same domain; what it adds is separation on the device, since an IMS
 * entry bound to it only fires for descriptors of a work queue running
 * with it. The PASID exists only when the IOMMU gives the kernel one (the
 * same condition as the system PASID): a device without the system PASID
 * gives its virtual devices none, and one with it gives each its own or
 * creates none.
 *
 * Context: process context.
 * Return: 0, or a negative errno when the device has the system PASID but
 * the IOMMU gives no other.
 */
int idxd_ims_pasid_vdev_alloc(struct idxd_ims_dev *idev, bool *pasid_en,
			      u32 *pasid)
{
	int ret;

	*pasid_en = false;
	if (!idev->pasid_enabled)
		return 0;
	ret = idxd_ims_pasid_attach(idev, pasid);
	if (ret)
		return ret;
	*pasid_en = true;
	return 0;
}

/**
 * idxd_ims_pasid_vdev_free() - release a PASID from idxd_ims_pasid_vdev_alloc()
 * @idev: device
 * @pasid: the PASID; no work queue or IMS entry may still use it
 *
 * Context: process context.
 */
void idxd_ims_pasid_vdev_free(struct idxd_ims_dev *idev, u32 pasid)
{
	idxd_ims_pasid_detach(idev, pasid);
}
