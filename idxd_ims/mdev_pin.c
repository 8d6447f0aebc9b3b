// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pinned guest pages of a virtual device: a bounded cache of guest
 * pages pinned through the VFIO device (vfio_pin_pages()) and DMA-mapped
 * for the parent, so that the parent reads and writes guest buffers
 * itself and the completion path writes guest records with plain stores,
 * never faulting on guest memory.
 *
 * A page stays pinned while a descriptor in flight uses it (its users
 * count) and, unused, until the cache needs its room, the guest resets
 * the device, the device is closed, or the VMM unmaps its IOVA. The last
 * one comes through the VFIO dma_unmap callback, which must not return
 * while the range is pinned: it waits for the descriptors using the range
 * to complete, with no time-out (a descriptor in flight on a halted or
 * disabled parent is taken back by the halt callback, which drops its
 * pages).
 */
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "idxd_ims.h"
#include "mdev.h"

static struct device *vdev_dma_dev(struct idxd_ims_vdev *vdev)
{
	return &vdev->idev->pdev->dev;
}

/**
 * idxd_vdev_pins_init() - set up an empty pin cache
 * @vdev: virtual device
 */
void idxd_vdev_pins_init(struct idxd_ims_vdev *vdev)
{
	struct idxd_vdev_pins *pins = &vdev->pins;

	mutex_init(&pins->lock);
	xa_init(&pins->xa);
	INIT_LIST_HEAD(&pins->lru);
	init_waitqueue_head(&pins->released);
	pins->count = 0;
	atomic64_set(&pins->misses, 0);
	atomic64_set(&pins->evictions, 0);
}

/**
 * idxd_vdev_pins_destroy() - free the pin cache's bookkeeping
 * @vdev: virtual device whose cache is empty (it was closed, or never
 *	opened)
 */
void idxd_vdev_pins_destroy(struct idxd_ims_vdev *vdev)
{
	xa_destroy(&vdev->pins.xa);
	mutex_destroy(&vdev->pins.lock);
}

/* Unmap and unpin one unused page, and forget it. */
static void vdev_pin_drop(struct idxd_ims_vdev *vdev, struct idxd_vdev_pin *pin)
{
	struct idxd_vdev_pins *pins = &vdev->pins;

	lockdep_assert_held(&pins->lock);

	xa_erase(&pins->xa, pin->gfn);
	list_del(&pin->node);
	pins->count--;
	dma_unmap_page(vdev_dma_dev(vdev), pin->dma, PAGE_SIZE,
		       pin->writable ? DMA_BIDIRECTIONAL : DMA_TO_DEVICE);
	vfio_unpin_pages(&vdev->vdev, pin->gfn << PAGE_SHIFT, 1);
	kfree(pin);
}

/* Make room for one more page: drop the least recently used idle one. */
static void vdev_pins_make_room(struct idxd_ims_vdev *vdev)
{
	struct idxd_vdev_pins *pins = &vdev->pins;
	struct idxd_vdev_pin *pin;

	lockdep_assert_held(&pins->lock);

	if (pins->count < IDXD_VDEV_PIN_CACHE_PAGES)
		return;
	list_for_each_entry(pin, &pins->lru, node) {
		if (!atomic_read(&pin->users)) {
			vdev_pin_drop(vdev, pin);
			atomic64_inc(&pins->evictions);
			return;
		}
	}
}

/*
 * Pin the guest page at @gfn, writable when the VMM's mapping allows it,
 * and map it for the parent.
 */
static struct idxd_vdev_pin *vdev_pin_new(struct idxd_ims_vdev *vdev, u64 gfn)
{
	dma_addr_t iova = gfn << PAGE_SHIFT;
	struct idxd_vdev_pin *pin;
	struct page *page;
	int rc;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	pin->gfn = gfn;
	pin->writable = true;
	rc = vfio_pin_pages(&vdev->vdev, iova, 1, IOMMU_READ | IOMMU_WRITE,
			    &page);
	if (rc == -EPERM) {
		pin->writable = false;
		rc = vfio_pin_pages(&vdev->vdev, iova, 1, IOMMU_READ, &page);
	}
	if (rc != 1) {
		kfree(pin);
		return ERR_PTR(rc < 0 ? rc : -EFAULT);
	}
	pin->page = page;
	pin->dma = dma_map_page(vdev_dma_dev(vdev), page, 0, PAGE_SIZE,
				pin->writable ? DMA_BIDIRECTIONAL :
						DMA_TO_DEVICE);
	if (dma_mapping_error(vdev_dma_dev(vdev), pin->dma)) {
		vfio_unpin_pages(&vdev->vdev, iova, 1);
		kfree(pin);
		return ERR_PTR(-ENOMEM);
	}
	return pin;
}

/**
 * idxd_vdev_pins_lock() - lock the pin cache to take pages from it
 * @vdev: virtual device
 *
 * Take all the pages of one descriptor under one hold of the lock (see
 * idxd_vdev_pins_unmap()).
 *
 * Context: process context; may sleep.
 */
void idxd_vdev_pins_lock(struct idxd_ims_vdev *vdev)
{
	mutex_lock(&vdev->pins.lock);
}

/**
 * idxd_vdev_pins_unlock() - unlock the pin cache
 * @vdev: virtual device
 */
void idxd_vdev_pins_unlock(struct idxd_ims_vdev *vdev)
{
	mutex_unlock(&vdev->pins.lock);
}

/**
 * idxd_vdev_pin_get() - take a pinned guest page for a descriptor
 * @vdev: virtual device
 * @iova: guest IOVA in the page
 * @write: the parent or the slice will write the page
 *
 * Context: process context; &idxd_vdev_pins.lock held (may sleep in
 * vfio_pin_pages()).
 * Return: the page, with a user taken (give it back with
 * idxd_vdev_pin_put()), or an ERR_PTR: -EPERM when @write and the VMM
 * mapped the page read-only, another errno when the IOVA is not mapped
 * or the page cannot be pinned.
 */
struct idxd_vdev_pin *idxd_vdev_pin_get(struct idxd_ims_vdev *vdev, u64 iova,
					bool write)
{
	struct idxd_vdev_pins *pins = &vdev->pins;
	u64 gfn = iova >> PAGE_SHIFT;
	struct idxd_vdev_pin *pin;
	int rc;

	lockdep_assert_held(&pins->lock);

	pin = xa_load(&pins->xa, gfn);
	if (!pin) {
		atomic64_inc(&pins->misses);
		vdev_pins_make_room(vdev);
		pin = vdev_pin_new(vdev, gfn);
		if (IS_ERR(pin))
			return pin;
		rc = xa_insert(&pins->xa, gfn, pin, GFP_KERNEL);
		if (rc) {
			dma_unmap_page(vdev_dma_dev(vdev), pin->dma, PAGE_SIZE,
				       pin->writable ? DMA_BIDIRECTIONAL :
						       DMA_TO_DEVICE);
			vfio_unpin_pages(&vdev->vdev, gfn << PAGE_SHIFT, 1);
			kfree(pin);
			return ERR_PTR(rc);
		}
		list_add_tail(&pin->node, &pins->lru);
		pins->count++;
	} else {
		list_move_tail(&pin->node, &pins->lru);
	}
	if (write && !pin->writable)
		return ERR_PTR(-EPERM);
	atomic_inc(&pin->users);
	return pin;
}

/**
 * idxd_vdev_pin_put() - give back a page taken with idxd_vdev_pin_get()
 * @vdev: virtual device
 * @pin: the page; it stays in the cache
 *
 * Context: any.
 */
void idxd_vdev_pin_put(struct idxd_ims_vdev *vdev, struct idxd_vdev_pin *pin)
{
	/* only an unmap, reset or close waits: no lock taken otherwise */
	if (atomic_dec_and_test(&pin->users) &&
	    wq_has_sleeper(&vdev->pins.released))
		wake_up_all(&vdev->pins.released);
}

/**
 * idxd_vdev_pins_unmap() - the VMM unmaps guest IOVAs: unpin them
 * @vdev: virtual device
 * @iova: first IOVA of the range
 * @length: bytes of the range
 *
 * Waits until no descriptor in flight uses a page of the range, then
 * unmaps and unpins the range's pages. New descriptors on the range wait
 * for the lock and then find it unmapped. The users waited for are
 * descriptors submitted to the parent, or about to be: a descriptor takes
 * all its pages under one hold of the lock and needs it no more after.
 *
 * Context: process context (the VFIO dma_unmap callback); may sleep as
 * long as the parent takes to complete the descriptors.
 */
void idxd_vdev_pins_unmap(struct idxd_ims_vdev *vdev, u64 iova, u64 length)
{
	struct idxd_vdev_pins *pins = &vdev->pins;
	struct idxd_vdev_pin *pin;
	unsigned long gfn;
	u64 last;

	if (!length || check_add_overflow(iova, length - 1, &last))
		last = U64_MAX;
	mutex_lock(&pins->lock);
	xa_for_each_range(&pins->xa, gfn, pin, iova >> PAGE_SHIFT,
			  last >> PAGE_SHIFT) {
		wait_event(pins->released, !atomic_read(&pin->users));
		vdev_pin_drop(vdev, pin);
	}
	mutex_unlock(&pins->lock);
}

/**
 * idxd_vdev_pins_release() - unpin every cached page
 * @vdev: virtual device that takes no descriptors (a reset or close);
 *	pages still in use are waited for
 *
 * Context: process context, the VFIO device open.
 */
void idxd_vdev_pins_release(struct idxd_ims_vdev *vdev)
{
	struct idxd_vdev_pins *pins = &vdev->pins;
	struct idxd_vdev_pin *pin, *next;

	mutex_lock(&pins->lock);
	list_for_each_entry_safe(pin, next, &pins->lru, node) {
		wait_event(pins->released, !atomic_read(&pin->users));
		vdev_pin_drop(vdev, pin);
	}
	mutex_unlock(&pins->lock);
}
