// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-mdev virtual DSA devices: the mdev parent and type of each device,
 * creation and removal of virtual devices, and their VFIO interface
 * (regions, MSI-X eventfds, reset). Each guest MSI-X vector the device
 * raises is backed by a host IMS entry bound to the virtual device's
 * PASID; registers and descriptors are emulated and mediated by
 * mdev_regs.c and mdev_desc.c.
 */
#include <linux/eventfd.h>
#include <linux/mdev.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "idxd_ims.h"
#include "mdev.h"
#include "wq.h"

/**
 * struct idxd_ims_mdev_parent - the vfio-mdev parent of one device
 * @parent: mdev core parent
 * @type: the one type offered: a virtual device with one dedicated WQ
 * @types: type table handed to the mdev core
 * @idev: the device
 */
struct idxd_ims_mdev_parent {
	struct mdev_parent parent;
	struct mdev_type type;
	struct mdev_type *types[1];
	struct idxd_ims_dev *idev;
};

static struct idxd_ims_vdev *to_vdev(struct vfio_device *core)
{
	return container_of(core, struct idxd_ims_vdev, vdev);
}

/**
 * idxd_vdev_signal() - raise a guest MSI-X vector
 * @vdev: virtual device
 * @vector: guest vector
 *
 * Signals the vector's eventfd, or remembers the signal while the vector
 * is masked. Nothing happens when no eventfd is set.
 *
 * Context: any; takes &idxd_ims_vdev.trigger_lock.
 */
void idxd_vdev_signal(struct idxd_ims_vdev *vdev, unsigned int vector)
{
	unsigned long flags;

	spin_lock_irqsave(&vdev->trigger_lock, flags);
	if (vdev->masked[vector])
		vdev->pending[vector] = true;
	else if (vdev->trigger[vector])
		eventfd_signal(vdev->trigger[vector]);
	spin_unlock_irqrestore(&vdev->trigger_lock, flags);
}

/*
 * Replace the eventfds @triggers[0 .. @count): fd -1 detaches. All fds are
 * checked before anything changes.
 */
static int vdev_set_triggers(struct idxd_ims_vdev *vdev,
			     struct eventfd_ctx **triggers, unsigned int count,
			     const s32 *fds)
{
	struct eventfd_ctx *ctx[IDXD_VDEV_NUM_VECTORS] = {};
	unsigned long flags;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < count; i++) {
		if (fds[i] == -1)
			continue;
		ctx[i] = fds[i] < 0 ? ERR_PTR(-EINVAL) :
				      eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctx[i])) {
			rc = PTR_ERR(ctx[i]);
			ctx[i] = NULL;
			goto out_put;
		}
	}

	spin_lock_irqsave(&vdev->trigger_lock, flags);
	for (i = 0; i < count; i++)
		swap(triggers[i], ctx[i]);
	spin_unlock_irqrestore(&vdev->trigger_lock, flags);

out_put:
	for (i = 0; i < count; i++)
		if (ctx[i])
			eventfd_ctx_put(ctx[i]);
	return rc;
}

/* Detach the MSI-X eventfds, and the request eventfd with @request. */
static void vdev_clear_triggers(struct idxd_ims_vdev *vdev, bool request)
{
	struct eventfd_ctx *ctx[IDXD_VDEV_NUM_VECTORS];
	struct eventfd_ctx *req = NULL;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&vdev->trigger_lock, flags);
	for (i = 0; i < IDXD_VDEV_NUM_VECTORS; i++) {
		ctx[i] = vdev->trigger[i];
		vdev->trigger[i] = NULL;
		vdev->masked[i] = false;
		vdev->pending[i] = false;
	}
	if (request)
		swap(req, vdev->req_trigger);
	spin_unlock_irqrestore(&vdev->trigger_lock, flags);

	for (i = 0; i < IDXD_VDEV_NUM_VECTORS; i++)
		if (ctx[i])
			eventfd_ctx_put(ctx[i]);
	if (req)
		eventfd_ctx_put(req);
}

static void vdev_set_masked(struct idxd_ims_vdev *vdev, unsigned int vector,
			    bool masked)
{
	unsigned long flags;
	bool deliver;

	spin_lock_irqsave(&vdev->trigger_lock, flags);
	vdev->masked[vector] = masked;
	deliver = !masked && vdev->pending[vector];
	if (deliver)
		vdev->pending[vector] = false;
	spin_unlock_irqrestore(&vdev->trigger_lock, flags);

	if (deliver)
		idxd_vdev_signal(vdev, vector);
}

/* VFIO_DEVICE_SET_IRQS on the request index, arguments already validated */
static int vdev_set_req_irq(struct idxd_ims_vdev *vdev,
			    struct vfio_irq_set *hdr, const void *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	const s32 detach = -1;

	if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_EVENTFD)
		return vdev_set_triggers(vdev, &vdev->req_trigger, hdr->count,
					 data);
	if (type == VFIO_IRQ_SET_DATA_NONE && !hdr->count)
		return vdev_set_triggers(vdev, &vdev->req_trigger, 1, &detach);
	return -EINVAL;
}

/* VFIO_DEVICE_SET_IRQS, arguments already validated */
static int vdev_set_irqs(struct idxd_ims_vdev *vdev, struct vfio_irq_set *hdr,
			 const void *data)
{
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	const u8 *bools = data;
	unsigned int i;

	if (hdr->index == VFIO_PCI_REQ_IRQ_INDEX)
		return vdev_set_req_irq(vdev, hdr, data);
	if (hdr->index != VFIO_PCI_MSIX_IRQ_INDEX)
		return -EINVAL;

	if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (type == VFIO_IRQ_SET_DATA_EVENTFD)
			return vdev_set_triggers(vdev,
						 &vdev->trigger[hdr->start],
						 hdr->count, data);
		if (type == VFIO_IRQ_SET_DATA_NONE && !hdr->count) {
			vdev_clear_triggers(vdev, false);
			return 0;
		}
		for (i = 0; i < hdr->count; i++)
			if (type == VFIO_IRQ_SET_DATA_NONE || bools[i])
				idxd_vdev_signal(vdev, hdr->start + i);
		return 0;
	}

	if (type == VFIO_IRQ_SET_DATA_EVENTFD)
		return -EINVAL;
	if (action != VFIO_IRQ_SET_ACTION_MASK &&
	    action != VFIO_IRQ_SET_ACTION_UNMASK)
		return -EINVAL;
	for (i = 0; i < hdr->count; i++)
		if (type == VFIO_IRQ_SET_DATA_NONE || bools[i])
			vdev_set_masked(vdev, hdr->start + i,
					action == VFIO_IRQ_SET_ACTION_MASK);
	return 0;
}

static unsigned int vdev_irq_count(unsigned int index)
{
	switch (index) {
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return IDXD_VDEV_NUM_VECTORS;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

static int vdev_ioctl_set_irqs(struct idxd_ims_vdev *vdev, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	void *data = NULL;
	int rc;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	rc = vfio_set_irqs_validate_and_prepare(&hdr, vdev_irq_count(hdr.index),
						VFIO_PCI_NUM_IRQS, &data_size);
	if (rc)
		return rc;
	if (data_size) {
		data = memdup_user(arg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	rc = vdev_set_irqs(vdev, &hdr, data);
	kfree(data);
	return rc;
}

static int vdev_ioctl_get_info(void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * Region info; BAR2 comes with a sparse mmap capability for its descriptor
 * pages (the IMS portal pages stay trapped). A caller whose argsz is too
 * small for the capability gets the size it needs in argsz, as the VFIO
 * API has it.
 */
static int vdev_ioctl_get_region_info(void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = {};
	struct vfio_region_info info;
	int rc = 0;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;

	info.offset = IDXD_VDEV_REGION_OFFSET(info.index);
	info.size = 0;
	info.flags = 0;
	info.cap_offset = 0;
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = IDXD_VDEV_CONFIG_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		info.size = IDXD_VDEV_BAR0_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		info.size = IDXD_VDEV_BAR2_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_MMAP;
		rc = idxd_vdev_portal_add_cap(&caps);
		if (rc)
			return rc;
		break;
	}

	if (caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user(arg + sizeof(info), caps.buf,
					 caps.size))
				rc = -EFAULT;
			info.cap_offset = sizeof(info);
		}
		kfree(caps.buf);
	}
	if (!rc && copy_to_user(arg, &info, minsz))
		rc = -EFAULT;
	return rc;
}

static int vdev_ioctl_get_irq_info(void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.count = vdev_irq_count(info.index);
	info.flags = 0;
	if (info.index == VFIO_PCI_MSIX_IRQ_INDEX)
		info.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			     VFIO_IRQ_INFO_NORESIZE;
	else if (info.count)
		info.flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vdev_ioctl(struct vfio_device *core, unsigned int cmd,
		       unsigned long arg)
{
	struct idxd_ims_vdev *vdev = to_vdev(core);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vdev_ioctl_get_info(uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vdev_ioctl_get_region_info(uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vdev_ioctl_get_irq_info(uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vdev_ioctl_set_irqs(vdev, uarg);
	case VFIO_DEVICE_RESET:
		mutex_lock(&vdev->reg_lock);
		idxd_vdev_flr(vdev);
		mutex_unlock(&vdev->reg_lock);
		return 0;
	default:
		return -ENOTTY;
	}
}

static int vdev_access(struct idxd_ims_vdev *vdev, unsigned int index,
		       u64 off, void *buf, size_t len, bool write)
{
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		return idxd_vdev_config_rw(vdev, off, buf, len, write);
	case VFIO_PCI_BAR0_REGION_INDEX:
		return idxd_vdev_bar0_rw(vdev, off, buf, len, write);
	case VFIO_PCI_BAR2_REGION_INDEX:
		return write ? idxd_vdev_portal_write(vdev, off, buf, len) :
			       -EINVAL;
	default:
		return -EINVAL;
	}
}

/*
 * Region accesses. The configuration space may be read or written in any
 * size (in pieces); a BAR access is one register or one descriptor.
 */
static ssize_t vdev_rw(struct idxd_ims_vdev *vdev, char __user *ubuf,
		       size_t count, loff_t *ppos, bool write)
{
	unsigned int index = *ppos >> IDXD_VDEV_REGION_SHIFT;
	u64 off = *ppos & IDXD_VDEV_REGION_MASK;
	u8 buf[IDXD_DESC_SIZE] __aligned(8);
	size_t done = 0;
	int rc = 0;

	if (index != VFIO_PCI_CONFIG_REGION_INDEX && count > sizeof(buf))
		return -EINVAL;

	mutex_lock(&vdev->reg_lock);
	while (done < count) {
		size_t len = min(count - done, sizeof(buf));

		if (write && copy_from_user(buf, ubuf + done, len)) {
			rc = -EFAULT;
			break;
		}
		rc = vdev_access(vdev, index, off + done, buf, len, write);
		if (rc)
			break;
		if (!write && copy_to_user(ubuf + done, buf, len)) {
			rc = -EFAULT;
			break;
		}
		done += len;
	}
	mutex_unlock(&vdev->reg_lock);

	if (rc)
		return rc;
	*ppos += done;
	return done;
}

static ssize_t vdev_read(struct vfio_device *core, char __user *buf,
			 size_t count, loff_t *ppos)
{
	return vdev_rw(to_vdev(core), buf, count, ppos, false);
}

static ssize_t vdev_write(struct vfio_device *core, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	return vdev_rw(to_vdev(core), (char __user *)buf, count, ppos, true);
}

/* mmap: only the descriptor pages of BAR2 (the mapped portal) */
static int vdev_mmap(struct vfio_device *core, struct vm_area_struct *vma)
{
	struct idxd_ims_vdev *vdev = to_vdev(core);
	unsigned int index = vma->vm_pgoff >>
			     (IDXD_VDEV_REGION_SHIFT - PAGE_SHIFT);

	if (index != VFIO_PCI_BAR2_REGION_INDEX) {
		dev_err_ratelimited(core->dev, "region %u cannot be mapped, only the portal (BAR2)\n",
				    index);
		return -EINVAL;
	}
	return idxd_vdev_portal_mmap(vdev, vma);
}

static int vdev_open_device(struct vfio_device *core)
{
	struct idxd_ims_vdev *vdev = to_vdev(core);
	int rc;

	mutex_lock(&vdev->reg_lock);
	idxd_vdev_regs_init(vdev);
	idxd_vdev_reset(vdev);
	mutex_unlock(&vdev->reg_lock);
	rc = idxd_vdev_portal_start(vdev);
	if (rc)
		dev_err(core->dev, "cannot start the portal's consumer (%d)\n",
			rc);
	return rc;
}

/*
 * Close: the consumer stops first (it takes the register lock, and nobody
 * maps the portal any more), then the device is reset, which waits for
 * every descriptor in flight and unpins the guest's pages.
 */
static void vdev_close_device(struct vfio_device *core)
{
	struct idxd_ims_vdev *vdev = to_vdev(core);

	idxd_vdev_portal_stop(vdev);
	mutex_lock(&vdev->reg_lock);
	idxd_vdev_reset(vdev);
	mutex_unlock(&vdev->reg_lock);
	vdev_clear_triggers(vdev, true);
}

/*
 * The VMM unmaps guest IOVAs: unpin what the virtual device pinned there,
 * once no descriptor in flight uses it.
 */
static void vdev_dma_unmap(struct vfio_device *core, u64 iova, u64 length)
{
	idxd_vdev_pins_unmap(to_vdev(core), iova, length);
}

/*
 * Removal of a virtual device that is still open: ask the user to let it
 * go through the request eventfd, or say once in the log what removal is
 * waiting for.
 */
static void vdev_request(struct vfio_device *core, unsigned int count)
{
	struct idxd_ims_vdev *vdev = to_vdev(core);
	unsigned long flags;
	bool asked = false;

	spin_lock_irqsave(&vdev->trigger_lock, flags);
	if (vdev->req_trigger) {
		eventfd_signal(vdev->req_trigger);
		asked = true;
	}
	spin_unlock_irqrestore(&vdev->trigger_lock, flags);

	if (!asked && !count)
		dev_notice(core->dev, "removal waits for the user to close the device\n");
}

static void vdev_halt_work(struct work_struct *work)
{
	idxd_vdev_report_halt(container_of(work, struct idxd_ims_vdev,
					   halt_work));
}

static struct idxd_ims_dev *mdev_to_idev(struct mdev_device *mdev)
{
	return container_of(mdev->type, struct idxd_ims_mdev_parent,
			    type)->idev;
}

/*
 * Creation: PASID, backing work queue, descriptor slots, the mapped
 * portal's pages, then the IMS vector of the guest's WQ vector bound to
 * the PASID.
 */
static int vdev_init(struct vfio_device *core)
{
	struct idxd_ims_vdev *vdev = to_vdev(core);
	struct mdev_device *mdev = to_mdev_device(core->dev);
	struct idxd_ims_dev *idev = mdev_to_idev(mdev);
	struct idxd_ims_irq *vector;
	char name[32];
	int rc;

	vdev->idev = idev;
	mutex_init(&vdev->reg_lock);
	spin_lock_init(&vdev->status_lock);
	spin_lock_init(&vdev->slot_lock);
	spin_lock_init(&vdev->trigger_lock);
	INIT_LIST_HEAD(&vdev->free_slots);
	INIT_LIST_HEAD(&vdev->inflight);
	init_waitqueue_head(&vdev->idle);
	INIT_WORK(&vdev->halt_work, vdev_halt_work);
	atomic64_set(&vdev->submitted, 0);
	atomic64_set(&vdev->completed, 0);
	atomic64_set(&vdev->copied, 0);
	atomic64_set(&vdev->split, 0);
	atomic64_set(&vdev->rejected, 0);
	idxd_vdev_pins_init(vdev);

	if (!idev->ims_active) {
		dev_err_ratelimited(&mdev->dev, "virtual devices need IMS; %s uses dynamic MSI-X (no PCI/IMS in this kernel, or the interrupt domain refused it)\n",
				    pci_name(idev->pdev));
		rc = -ENODEV;
		goto err_destroy;
	}

	rc = idxd_ims_pasid_vdev_alloc(idev, &vdev->pasid_en, &vdev->pasid);
	if (rc) {
		dev_err_ratelimited(&mdev->dev, "no PASID from the IOMMU for the virtual device (%d)\n",
				    rc);
		goto err_destroy;
	}

	vdev->wq = idxd_ims_wq_mdev_get(idev, vdev, idxd_vdev_halted,
					vdev->pasid_en, vdev->pasid);
	if (IS_ERR(vdev->wq)) {
		rc = PTR_ERR(vdev->wq);
		dev_err_ratelimited(&mdev->dev, "no work queue of type mdev free on an enabled %s (%d)\n",
				    pci_name(idev->pdev), rc);
		goto err_free_pasid;
	}

	rc = idxd_vdev_slots_alloc(vdev);
	if (rc)
		goto err_put_wq;

	rc = idxd_vdev_portal_alloc(vdev);
	if (rc)
		goto err_free_slots;

	snprintf(name, sizeof(name), "idxd_ims-mdev-%.8s", dev_name(&mdev->dev));
	vector = idxd_ims_irq_alloc_pasid(idev, name, idxd_vdev_wq_irq_thread,
					  vdev, vdev->pasid_en, vdev->pasid,
					  true);
	if (IS_ERR(vector)) {
		rc = PTR_ERR(vector);
		dev_err_ratelimited(&mdev->dev, "no IMS vector for the work queue (%d)\n",
				    rc);
		goto err_free_portal;
	}
	vdev->vectors[IDXD_VDEV_VECTOR_WQ] = vector;

	idxd_vdev_regs_init(vdev);
	if (vdev->pasid_en)
		dev_info(&mdev->dev, "on %s, %u slots, WQ vector on IMS entry %u, PASID %u\n",
			 dev_name(&vdev->wq->dev), vdev->num_slots,
			 vector->index, vdev->pasid);
	else
		dev_info(&mdev->dev, "on %s, %u slots, WQ vector on IMS entry %u, no PASID\n",
			 dev_name(&vdev->wq->dev), vdev->num_slots,
			 vector->index);
	return 0;

err_free_portal:
	idxd_vdev_portal_free(vdev);
err_free_slots:
	idxd_vdev_slots_free(vdev);
err_put_wq:
	idxd_ims_wq_mdev_put(vdev->wq);
	/* a halt while the work queue was ours queued its report */
	cancel_work_sync(&vdev->halt_work);
err_free_pasid:
	if (vdev->pasid_en)
		idxd_ims_pasid_vdev_free(idev, vdev->pasid);
err_destroy:
	idxd_vdev_pins_destroy(vdev);
	mutex_destroy(&vdev->reg_lock);
	return rc;
}

/*
 * Removal, in the reverse order of vdev_init(). When the device did not
 * confirm that the work queue stopped, descriptors in flight may still
 * write the bounce buffers and completion records and raise the interrupt
 * handle of the WQ vector: the buffers are left allocated, and so is the
 * vector's IMS entry (only its Linux interrupt, which points at @vdev, is
 * freed), so that no other user gets that handle. The entry comes back
 * when the device is torn down.
 */
static void vdev_release(struct vfio_device *core)
{
	struct idxd_ims_vdev *vdev = to_vdev(core);
	struct idxd_ims_irq *wq_irq = vdev->vectors[IDXD_VDEV_VECTOR_WQ];
	int rc;

	rc = idxd_ims_wq_mdev_put(vdev->wq);
	cancel_work_sync(&vdev->halt_work);
	/* the device never writes the portal's pages: they go in any case */
	idxd_vdev_portal_free(vdev);
	if (rc) {
		idxd_ims_irq_release(wq_irq);
		idxd_vdev_slots_abandon(vdev);
	} else {
		idxd_ims_irq_free(wq_irq);
		idxd_vdev_slots_free(vdev);
	}
	if (vdev->pasid_en)
		idxd_ims_pasid_vdev_free(vdev->idev, vdev->pasid);
	idxd_vdev_pins_destroy(vdev);
	mutex_destroy(&vdev->reg_lock);
}

static const struct vfio_device_ops idxd_vdev_ops = {
	.name		= "idxd_ims-vdev",
	.init		= vdev_init,
	.release	= vdev_release,
	.open_device	= vdev_open_device,
	.close_device	= vdev_close_device,
	.read		= vdev_read,
	.write		= vdev_write,
	.mmap		= vdev_mmap,
	.ioctl		= vdev_ioctl,
	.request	= vdev_request,
	.dma_unmap	= vdev_dma_unmap,
	.bind_iommufd	= vfio_iommufd_emulated_bind,
	.unbind_iommufd	= vfio_iommufd_emulated_unbind,
	.attach_ioas	= vfio_iommufd_emulated_attach_ioas,
	.detach_ioas	= vfio_iommufd_emulated_detach_ioas,
};

static struct idxd_ims_vdev *dev_to_vdev(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t wq_show(struct device *dev, struct device_attribute *attr,
		       char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_name(&dev_to_vdev(dev)->wq->dev));
}
static DEVICE_ATTR_RO(wq);

static ssize_t pasid_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct idxd_ims_vdev *vdev = dev_to_vdev(dev);

	if (!vdev->pasid_en)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%u\n", vdev->pasid);
}
static DEVICE_ATTR_RO(pasid);

static ssize_t vectors_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct idxd_ims_vdev *vdev = dev_to_vdev(dev);
	unsigned int k;
	int len = 0;

	for (k = IDXD_VDEV_VECTOR_WQ; k < IDXD_VDEV_NUM_VECTORS; k++)
		len += sysfs_emit_at(buf, len, "%u %u\n", k,
				     vdev->vectors[k]->index);
	return len;
}
static DEVICE_ATTR_RO(vectors);

/**
 * struct vdev_counter_attr - a sysfs file showing one counter of a virtual
 *	device
 * @attr: the file
 * @offset: offset of the counter, an atomic64_t, in &struct idxd_ims_vdev
 */
struct vdev_counter_attr {
	struct device_attribute attr;
	size_t offset;
};

static ssize_t vdev_counter_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vdev_counter_attr *ca = container_of(attr,
						    struct vdev_counter_attr,
						    attr);
	atomic64_t *counter = (void *)dev_to_vdev(dev) + ca->offset;

	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

#define VDEV_COUNTER_ATTR(_name, _field)				\
	struct vdev_counter_attr vdev_attr_##_name = {			\
		.attr = __ATTR(_name, 0444, vdev_counter_show, NULL),	\
		.offset = offsetof(struct idxd_ims_vdev, _field),	\
	}

static VDEV_COUNTER_ATTR(submitted, submitted);
static VDEV_COUNTER_ATTR(completed, completed);
static VDEV_COUNTER_ATTR(rejected, rejected);
static VDEV_COUNTER_ATTR(copied, copied);
static VDEV_COUNTER_ATTR(split, split);
static VDEV_COUNTER_ATTR(pin_misses, pins.misses);
static VDEV_COUNTER_ATTR(pin_evictions, pins.evictions);
static VDEV_COUNTER_ATTR(portal_taken, portal.taken);
static VDEV_COUNTER_ATTR(portal_trapped, portal.trapped);
static VDEV_COUNTER_ATTR(portal_wakeups, portal.wakeups);
static VDEV_COUNTER_ATTR(portal_sleeps, portal.sleeps);

static ssize_t pinned_pages_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct idxd_vdev_pins *pins = &dev_to_vdev(dev)->pins;
	unsigned int count;

	mutex_lock(&pins->lock);
	count = pins->count;
	mutex_unlock(&pins->lock);
	return sysfs_emit(buf, "%u\n", count);
}
static DEVICE_ATTR_RO(pinned_pages);

static ssize_t portal_state_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  idxd_vdev_portal_sleeping(dev_to_vdev(dev)) ?
			  "sleeping" : "polling");
}
static DEVICE_ATTR_RO(portal_state);

static struct attribute *vdev_attrs[] = {
	&dev_attr_wq.attr,
	&dev_attr_pasid.attr,
	&dev_attr_vectors.attr,
	&vdev_attr_submitted.attr.attr,
	&vdev_attr_completed.attr.attr,
	&vdev_attr_rejected.attr.attr,
	&vdev_attr_copied.attr.attr,
	&vdev_attr_split.attr.attr,
	&vdev_attr_pin_misses.attr.attr,
	&vdev_attr_pin_evictions.attr.attr,
	&dev_attr_pinned_pages.attr,
	&vdev_attr_portal_taken.attr.attr,
	&vdev_attr_portal_trapped.attr.attr,
	&vdev_attr_portal_wakeups.attr.attr,
	&vdev_attr_portal_sleeps.attr.attr,
	&dev_attr_portal_state.attr,
	NULL,
};

static const struct attribute_group vdev_group = {
	.name = "idxd_ims",
	.attrs = vdev_attrs,
};

static const struct attribute_group *vdev_groups[] = {
	&vdev_group,
	NULL,
};

static int vdev_probe(struct mdev_device *mdev)
{
	struct idxd_ims_vdev *vdev;
	int rc;

	vdev = vfio_alloc_device(idxd_ims_vdev, vdev, &mdev->dev,
				 &idxd_vdev_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	rc = vfio_register_emulated_iommu_dev(&vdev->vdev);
	if (rc) {
		vfio_put_device(&vdev->vdev);
		return rc;
	}
	dev_set_drvdata(&mdev->dev, vdev);
	return 0;
}

static void vdev_remove(struct mdev_device *mdev)
{
	struct idxd_ims_vdev *vdev = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&vdev->vdev);
	vfio_put_device(&vdev->vdev);
}

static unsigned int vdev_get_available(struct mdev_type *mtype)
{
	struct idxd_ims_dev *idev = container_of(mtype,
						 struct idxd_ims_mdev_parent,
						 type)->idev;
	unsigned int vectors = IDXD_VDEV_NUM_VECTORS - 1;

	if (!idev->ims_active)
		return 0;
	return min(idxd_ims_wq_mdev_available(idev),
		   idxd_ims_irq_ims_free(idev) / vectors);
}

static ssize_t vdev_show_description(struct mdev_type *mtype, char *buf)
{
	return sysfs_emit(buf, "%s (up to %u descriptors in flight, %u-byte transfers); %s\n",
			  "one dedicated work queue", IDXD_VDEV_MAX_SLOTS,
			  (unsigned int)IDXD_VDEV_MAX_XFER,
			  "MSI-X vectors backed by IMS");
}

static struct mdev_driver idxd_vdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = "idxd_ims_vdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = vdev_groups,
	},
	.probe = vdev_probe,
	.remove = vdev_remove,
	.get_available = vdev_get_available,
	.show_description = vdev_show_description,
};

/**
 * idxd_ims_mdev_parent_add() - offer virtual devices on a device
 * @idev: device, fully probed; only a DSA offers them
 *
 * Context: process context (probe).
 * Return: 0 or a negative errno from the mdev core.
 */
int idxd_ims_mdev_parent_add(struct idxd_ims_dev *idev)
{
	struct idxd_ims_mdev_parent *parent;
	int rc;

	if (!idxd_ims_offers_vdevs(idev))
		return 0;

	parent = kzalloc(sizeof(*parent), GFP_KERNEL);
	if (!parent)
		return -ENOMEM;
	parent->idev = idev;
	parent->type.sysfs_name = "1dwq";
	parent->type.pretty_name = "idxd_ims virtual DSA, one dedicated WQ";
	parent->types[0] = &parent->type;

	rc = mdev_register_parent(&parent->parent, &idev->pdev->dev,
				  &idxd_vdev_driver, parent->types,
				  ARRAY_SIZE(parent->types));
	if (rc) {
		kfree(parent);
		return rc;
	}
	idev->mdev_parent = parent;
	return 0;
}

/**
 * idxd_ims_mdev_parent_remove() - remove the virtual devices of a device
 * @idev: device
 *
 * Removes every virtual device (waiting for their users to close them)
 * and the parent.
 *
 * Context: process context (remove).
 */
void idxd_ims_mdev_parent_remove(struct idxd_ims_dev *idev)
{
	struct idxd_ims_mdev_parent *parent = idev->mdev_parent;

	if (!parent)
		return;
	mdev_unregister_parent(&parent->parent);
	kfree(parent);
	idev->mdev_parent = NULL;
}

/**
 * idxd_ims_mdev_init() - register the virtual device driver
 *
 * Context: module load.
 * Return: 0 or a negative errno from the mdev core.
 */
int idxd_ims_mdev_init(void)
{
	return mdev_register_driver(&idxd_vdev_driver);
}

/**
 * idxd_ims_mdev_exit() - unregister the virtual device driver
 *
 * Context: module unload, after every parent is gone.
 */
void idxd_ims_mdev_exit(void)
{
	mdev_unregister_driver(&idxd_vdev_driver);
}
