// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mapped portal of a virtual DSA device: the descriptor pages of BAR2
 * are host pages that the VMM maps into the guest, so that the guest's
 * MOVDIR64B lands in memory without a trap, and a consumer thread takes
 * each descriptor written there to the same mediation as a trapped portal
 * write (mdev_desc.c).
 *
 * A line of a mapped page holds a descriptor once its first quadword is
 * not zero: a guest writes the line with MOVDIR64B, whose 64-byte write is
 * atomic (QEMU's TCG writes the first quadword last, see
 * qemu/patches/0001). The consumer copies the line, clears it and submits
 * the copy. A guest that writes a line in pieces with plain stores may
 * have it taken half written: what it gets is the mediation's answer to
 * what was there, as for any descriptor it writes. A descriptor whose first
 * quadword is zero (a NOOP with no flags and PASID 0, which asks for
 * nothing) is never taken.
 *
 * The consumer polls while descriptors come: it scans the pages again at
 * once after taking one, then sleeps between scans for 1, 2, 4, ...
 * microseconds up to portal_poll_us. After portal_idle_us without a
 * descriptor it unmaps the pages from the VMM and sleeps until the guest
 * touches the portal again: that access faults, the fault handler maps
 * the page back and wakes the consumer, and the guest's store goes on
 * into memory. An idle virtual device costs no CPU time; a busy one costs
 * up to one CPU of its consumer, a normal (not real-time) kernel thread.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/vfio.h>

#include "idxd_ims.h"
#include "mdev.h"

/* Bounds of the consumer's tunables, in microseconds */
#define IDXD_VDEV_PORTAL_US_MAX		1000000U

static unsigned int portal_poll_us = 100;
static unsigned int portal_idle_us = 2000;

static int portal_us_set(const char *val, const struct kernel_param *kp)
{
	unsigned int us;
	int rc;

	rc = kstrtouint(val, 0, &us);
	if (rc || !us || us > IDXD_VDEV_PORTAL_US_MAX) {
		pr_err("idxd_ims: %s must be 1 to %u microseconds, not '%s'\n",
		       kp->name, IDXD_VDEV_PORTAL_US_MAX, val);
		return -EINVAL;
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, us);
	return 0;
}

static const struct kernel_param_ops portal_us_ops = {
	.set = portal_us_set,
	.get = param_get_uint,
};

module_param_cb(portal_poll_us, &portal_us_ops, &portal_poll_us, 0644);
MODULE_PARM_DESC(portal_poll_us,
		 "Longest sleep of a mapped portal's consumer between two scans while descriptors come, in microseconds (1-1000000, default 100)");
module_param_cb(portal_idle_us, &portal_us_ops, &portal_idle_us, 0644);
MODULE_PARM_DESC(portal_idle_us,
		 "Time without a descriptor after which a mapped portal's consumer unmaps the portal and sleeps until the guest uses it, in microseconds (1-1000000, default 2000)");

/**
 * idxd_vdev_portal_alloc() - allocate the host pages of the mapped portal
 * @vdev: virtual device being created
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int idxd_vdev_portal_alloc(struct idxd_ims_vdev *vdev)
{
	struct idxd_vdev_portal *portal = &vdev->portal;
	unsigned int i;

	spin_lock_init(&portal->lock);
	init_waitqueue_head(&portal->wait);
	atomic64_set(&portal->taken, 0);
	atomic64_set(&portal->trapped, 0);
	atomic64_set(&portal->wakeups, 0);
	atomic64_set(&portal->sleeps, 0);
	for (i = 0; i < ARRAY_SIZE(portal->pages); i++) {
		portal->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!portal->pages[i]) {
			idxd_vdev_portal_free(vdev);
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * idxd_vdev_portal_free() - free the host pages of the mapped portal
 * @vdev: virtual device that nobody maps any more
 *
 * Context: process context.
 */
void idxd_vdev_portal_free(struct idxd_ims_vdev *vdev)
{
	struct idxd_vdev_portal *portal = &vdev->portal;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(portal->pages); i++) {
		if (portal->pages[i])
			__free_page(portal->pages[i]);
		portal->pages[i] = NULL;
	}
}

/**
 * idxd_vdev_portal_clear() - drop what the guest wrote to the mapped portal
 * @vdev: virtual device being reset
 *
 * Context: &idxd_ims_vdev.reg_lock held.
 */
void idxd_vdev_portal_clear(struct idxd_ims_vdev *vdev)
{
	unsigned int i;

	lockdep_assert_held(&vdev->reg_lock);

	for (i = 0; i < ARRAY_SIZE(vdev->portal.pages); i++)
		clear_page(page_address(vdev->portal.pages[i]));
}

/* Take the descriptor of @line, if it still holds one; true if it did. */
static bool vdev_portal_take(struct idxd_ims_vdev *vdev, u64 *line)
{
	u64 desc[IDXD_DESC_SIZE / sizeof(u64)];
	unsigned int i;

	mutex_lock(&vdev->reg_lock);
	desc[0] = READ_ONCE(line[0]);
	if (!desc[0]) {
		/* a reset cleared it */
		mutex_unlock(&vdev->reg_lock);
		return false;
	}
	/* the rest of the line was written before its first quadword */
	smp_rmb();
	for (i = 1; i < ARRAY_SIZE(desc); i++) {
		desc[i] = READ_ONCE(line[i]);
		WRITE_ONCE(line[i], 0);
	}
	WRITE_ONCE(line[0], 0);
	atomic64_inc(&vdev->portal.taken);
	idxd_vdev_submit(vdev, desc);
	mutex_unlock(&vdev->reg_lock);
	return true;
}

/* Take every descriptor in the mapped pages; returns how many. */
static unsigned int vdev_portal_scan(struct idxd_ims_vdev *vdev)
{
	const unsigned int per_page = PAGE_SIZE / IDXD_DESC_SIZE;
	unsigned int i, j, taken = 0;

	for (i = 0; i < ARRAY_SIZE(vdev->portal.pages); i++) {
		u64 *page = page_address(vdev->portal.pages[i]);

		for (j = 0; j < per_page; j++) {
			u64 *line = page + j * (IDXD_DESC_SIZE / sizeof(u64));

			if (READ_ONCE(line[0]) && vdev_portal_take(vdev, line))
				taken++;
		}
	}
	return taken;
}

/* Offset of the mapped pages (BAR2) in the VFIO device file */
static loff_t vdev_portal_file_offset(void)
{
	return IDXD_VDEV_REGION_OFFSET(VFIO_PCI_BAR2_REGION_INDEX);
}

/*
 * Stop polling: unmap the pages from the VMM, so that the guest's next
 * store to the portal faults and wakes the consumer, then take what was
 * written before they went away. Returns true when that found a
 * descriptor (polling goes on).
 */
static bool vdev_portal_sleep_armed(struct idxd_ims_vdev *vdev)
{
	struct idxd_vdev_portal *portal = &vdev->portal;
	bool found;

	spin_lock(&portal->lock);
	portal->polling = false;
	spin_unlock(&portal->lock);

	unmap_mapping_range(vdev->vdev.inode->i_mapping,
			    vdev_portal_file_offset(), IDXD_VDEV_PORTAL_SIZE,
			    true);
	found = vdev_portal_scan(vdev);
	spin_lock(&portal->lock);
	if (found)
		portal->polling = true;
	else if (!portal->polling)
		atomic64_inc(&portal->sleeps);
	spin_unlock(&portal->lock);
	return found;
}

/**
 * idxd_vdev_portal_sleeping() - whether the consumer sleeps with the portal
 *	unmapped
 * @vdev: virtual device
 *
 * Once true, it stays true until the guest touches the portal.
 *
 * Context: any; takes &idxd_vdev_portal.lock.
 * Return: true while the consumer waits for a fault on the portal.
 */
bool idxd_vdev_portal_sleeping(struct idxd_ims_vdev *vdev)
{
	bool sleeping;

	spin_lock(&vdev->portal.lock);
	sleeping = !vdev->portal.polling;
	spin_unlock(&vdev->portal.lock);
	return sleeping;
}

static bool vdev_portal_woken(struct idxd_vdev_portal *portal)
{
	return READ_ONCE(portal->polling) || kthread_should_stop();
}

static int vdev_portal_consumer(void *data)
{
	struct idxd_ims_vdev *vdev = data;
	struct idxd_vdev_portal *portal = &vdev->portal;
	unsigned int delay_us = 0;
	ktime_t last = ktime_get();

	while (!kthread_should_stop()) {
		if (!READ_ONCE(portal->polling)) {
			wait_event_idle(portal->wait, vdev_portal_woken(portal));
			last = ktime_get();
			delay_us = 0;
			continue;
		}
		if (vdev_portal_scan(vdev)) {
			last = ktime_get();
			delay_us = 0;
			cond_resched();
			continue;
		}
		if (ktime_us_delta(ktime_get(), last) >=
		    READ_ONCE(portal_idle_us)) {
			if (vdev_portal_sleep_armed(vdev))
				last = ktime_get();
			delay_us = 0;
			continue;
		}
		delay_us = clamp(delay_us * 2, 1U, READ_ONCE(portal_poll_us));
		usleep_range(delay_us, delay_us + delay_us / 4 + 1);
	}
	return 0;
}

/**
 * idxd_vdev_portal_start() - start the consumer of the mapped portal
 * @vdev: virtual device being opened
 *
 * Nothing is mapped yet: the consumer sleeps until the guest first writes
 * to a mapped page.
 *
 * Context: process context.
 * Return: 0 or the error of creating the thread.
 */
int idxd_vdev_portal_start(struct idxd_ims_vdev *vdev)
{
	struct task_struct *task;

	vdev->portal.polling = false;
	task = kthread_run(vdev_portal_consumer, vdev, "portal-%.8s",
			   dev_name(vdev->vdev.dev));
	if (IS_ERR(task))
		return PTR_ERR(task);
	vdev->portal.consumer = task;
	return 0;
}

/**
 * idxd_vdev_portal_stop() - stop the consumer of the mapped portal
 * @vdev: virtual device being closed; nobody maps it any more
 *
 * Context: process context; must not hold &idxd_ims_vdev.reg_lock, which
 * the consumer takes.
 */
void idxd_vdev_portal_stop(struct idxd_ims_vdev *vdev)
{
	lockdep_assert_not_held(&vdev->reg_lock);

	if (!vdev->portal.consumer)
		return;
	kthread_stop(vdev->portal.consumer);
	vdev->portal.consumer = NULL;
	vdev->portal.polling = false;
}

static vm_fault_t vdev_portal_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct idxd_ims_vdev *vdev = vma->vm_private_data;
	struct idxd_vdev_portal *portal = &vdev->portal;
	unsigned long page = vmf->pgoff - (vdev_portal_file_offset() >>
					   PAGE_SHIFT);
	vm_fault_t ret;

	if (page >= ARRAY_SIZE(portal->pages))
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn(vma, vmf->address & PAGE_MASK,
			     page_to_pfn(portal->pages[page]));
	/*
	 * Polling starts after the page is back: a consumer that unmaps the
	 * pages after this either unmaps this page again (the guest faults
	 * again) or is woken here.
	 */
	spin_lock(&portal->lock);
	if (!portal->polling) {
		portal->polling = true;
		atomic64_inc(&portal->wakeups);
		wake_up(&portal->wait);
	}
	spin_unlock(&portal->lock);
	return ret;
}

static const struct vm_operations_struct vdev_portal_vm_ops = {
	.fault = vdev_portal_fault,
};

/**
 * idxd_vdev_portal_mmap() - map the descriptor pages of BAR2
 * @vdev: virtual device
 * @vma: a shared mapping within the descriptor pages of BAR2 (the sparse
 *	mmap area the region info announces)
 *
 * The pages are mapped page by page as the user touches them.
 *
 * Context: process context (mmap of the VFIO device file).
 * Return: 0, or -EINVAL for a private mapping or one outside the area.
 */
int idxd_vdev_portal_mmap(struct idxd_ims_vdev *vdev,
			  struct vm_area_struct *vma)
{
	unsigned long first = vdev_portal_file_offset() >> PAGE_SHIFT;
	unsigned long pages = vma_pages(vma);

	if (!(vma->vm_flags & VM_SHARED)) {
		dev_err_ratelimited(vdev->vdev.dev, "mmap of the portal must be shared\n");
		return -EINVAL;
	}
	if (vma->vm_pgoff < first ||
	    vma->vm_pgoff - first > ARRAY_SIZE(vdev->portal.pages) ||
	    pages > ARRAY_SIZE(vdev->portal.pages) - (vma->vm_pgoff - first)) {
		dev_err_ratelimited(vdev->vdev.dev, "mmap outside the descriptor pages of the portal (page offset %#lx, %lu pages)\n",
				    vma->vm_pgoff, pages);
		return -EINVAL;
	}
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &vdev_portal_vm_ops;
	vma->vm_private_data = vdev;
	return 0;
}

/**
 * idxd_vdev_portal_add_cap() - announce the mappable part of BAR2
 * @caps: capability chain of VFIO_DEVICE_GET_REGION_INFO
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int idxd_vdev_portal_add_cap(struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_sparse_mmap *sparse;
	size_t size = struct_size(sparse, areas, 1);
	int rc;

	sparse = kzalloc(size, GFP_KERNEL);
	if (!sparse)
		return -ENOMEM;
	sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sparse->header.version = 1;
	sparse->nr_areas = 1;
	sparse->areas[0].offset = 0;
	sparse->areas[0].size = IDXD_VDEV_PORTAL_SIZE;
	rc = vfio_info_add_capability(caps, &sparse->header, size);
	kfree(sparse);
	return rc;
}
