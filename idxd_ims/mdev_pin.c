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
 *
 * The cache's lock is never held across a call into VFIO
 * (vfio_pin_pages(), vfio_unpin_pages()) nor while waiting for a page's
 * users: VFIO calls dma_unmap with its own locks held, the ones
 * vfio_pin_pages() takes.
 */
#include <linux/dma-mapping.h>
#include <linux/hashtable.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "idxd_ims.h"
#include "mdev.h"

/*
 * The pages in use are those of the descriptors in flight, so that a full
 * cache always has an idle page to give up for a new one, and never holds
 * more than IDXD_VDEV_PIN_CACHE_PAGES.
 */
static_assert(IDXD_VDEV_MAX_SLOTS * IDXD_VDEV_SLOT_PINS <
	      IDXD_VDEV_PIN_CACHE_PAGES);

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
	hash_init(pins->table);
	INIT_LIST_HEAD(&pins->lru);
	INIT_LIST_HEAD(&pins->unmapping);
	atomic_set(&pins->pinning, 0);
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
	mutex_destroy(&vdev->pins.lock);
}

/* Take @pin out of the cache, to be dropped once the lock is released. */
static void vdev_pin_forget(struct idxd_vdev_pins *pins,
			    struct idxd_vdev_pin *pin, struct list_head *dead)
{
	lockdep_assert_held(&pins->lock);

	hash_del(&pin->hnode);
	list_move_tail(&pin->node, dead);
	pins->count--;
}

static void vdev_pin_unmap_dma(struct idxd_ims_vdev *vdev,
			       struct idxd_vdev_pin *pin)
{
	dma_unmap_page(vdev_dma_dev(vdev), pin->dma, PAGE_SIZE,
		       idxd_vdev_pin_dir(pin));
}

/*
 * Unmap and unpin the pages on @dead, taken out of the cache, once no
 * descriptor uses them.
 */
static void vdev_pins_drop(struct idxd_ims_vdev *vdev, struct list_head *dead)
{
	struct idxd_vdev_pin *pin, *next;

	list_for_each_entry_safe(pin, next, dead, node) {
		wait_event(vdev->pins.released, !atomic_read(&pin->users));
		list_del(&pin->node);
		vdev_pin_unmap_dma(vdev, pin);
		vfio_unpin_pages(&vdev->vdev, pin->gfn << PAGE_SHIFT, 1);
		kfree(pin);
	}
}

/* Whether the VMM is unmapping the IOVA page @gfn right now */
static bool vdev_pins_unmapping(struct idxd_vdev_pins *pins, u64 gfn)
{
	struct idxd_vdev_unmap_range *range;

	lockdep_assert_held(&pins->lock);

	list_for_each_entry(range, &pins->unmapping, node)
		if (gfn >= range->first && gfn <= range->last)
			return true;
	return false;
}

static struct idxd_vdev_pin *vdev_pins_lookup(struct idxd_vdev_pins *pins,
					      u64 gfn)
{
	struct idxd_vdev_pin *pin;

	lockdep_assert_held(&pins->lock);

	hash_for_each_possible(pins->table, pin, hnode, gfn)
		if (pin->gfn == gfn)
			return pin;
	return NULL;
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
				idxd_vdev_pin_dir(pin));
	if (dma_mapping_error(vdev_dma_dev(vdev), pin->dma)) {
		vfio_unpin_pages(&vdev->vdev, iova, 1);
		kfree(pin);
		return ERR_PTR(-ENOMEM);
	}
	pin->need_sync = dma_need_sync(vdev_dma_dev(vdev), pin->dma);
	return pin;
}

/*
 * Put @pin, just pinned, in the cache with one user, unless the page is
 * there already or being unmapped; make room by taking the least recently
 * used idle page out (onto @dead). Returns the cached page with a user
 * taken, or an ERR_PTR.
 */
static struct idxd_vdev_pin *vdev_pins_insert(struct idxd_ims_vdev *vdev,
					      struct idxd_vdev_pin *pin,
					      struct list_head *dead)
{
	struct idxd_vdev_pins *pins = &vdev->pins;
	struct idxd_vdev_pin *old;

	lockdep_assert_held(&pins->lock);

	list_add_tail(&pin->node, dead);
	if (vdev_pins_unmapping(pins, pin->gfn))
		return ERR_PTR(-EFAULT);
	old = vdev_pins_lookup(pins, pin->gfn);
	if (old) {
		list_move_tail(&old->node, &pins->lru);
		atomic_inc(&old->users);
		return old;
	}
	if (pins->count >= IDXD_VDEV_PIN_CACHE_PAGES) {
		list_for_each_entry(old, &pins->lru, node) {
			if (!atomic_read(&old->users)) {
				vdev_pin_forget(pins, old, dead);
				atomic64_inc(&pins->evictions);
				break;
			}
		}
	}
	atomic_set(&pin->users, 1);
	hash_add(pins->table, &pin->hnode, pin->gfn);
	list_move_tail(&pin->node, &pins->lru);
	pins->count++;
	return pin;
}

/**
 * idxd_vdev_pin_range() - take the pinned guest pages of a buffer
 * @vdev: virtual device
 * @iova: guest IOVA of the buffer's first byte
 * @len: bytes of the buffer, at least 1
 * @write: the parent or the slice will write the buffer
 * @out: where the pages go, one per page the buffer touches
 *
 * Takes a user of each page, from the first on, until one cannot be had:
 * outside the VMM's mappings, mapped read-only when @write, or being
 * unmapped. Give each back with idxd_vdev_pin_put().
 *
 * Context: process context; takes &idxd_vdev_pins.lock, calls
 * vfio_pin_pages() without it.
 * Return: the bytes of the buffer whose pages were taken: @len, or fewer
 * when a page could not be.
 */
u32 idxd_vdev_pin_range(struct idxd_ims_vdev *vdev, u64 iova, u32 len,
			bool write, struct idxd_vdev_pin **out)
{
	struct idxd_vdev_pins *pins = &vdev->pins;
	unsigned int n = 0, pinned = 0;
	struct idxd_vdev_pin *pin;
	LIST_HEAD(dead);
	u32 done = 0;
	u64 gfn;

	if (iova > U64_MAX - len)
		return 0;
	mutex_lock(&pins->lock);
	while (done < len) {
		gfn = (iova + done) >> PAGE_SHIFT;
		pin = vdev_pins_lookup(pins, gfn);
		if (pin) {
			list_move_tail(&pin->node, &pins->lru);
			atomic_inc(&pin->users);
		} else {
			if (vdev_pins_unmapping(pins, gfn))
				break;
			atomic_inc(&pins->pinning);
			pinned++;
			mutex_unlock(&pins->lock);
			atomic64_inc(&pins->misses);
			pin = vdev_pin_new(vdev, gfn);
			mutex_lock(&pins->lock);
			if (IS_ERR(pin))
				break;
			pin = vdev_pins_insert(vdev, pin, &dead);
			if (IS_ERR(pin))
				break;
		}
		if (write && !pin->writable) {
			idxd_vdev_pin_put(vdev, pin);
			break;
		}
		out[n++] = pin;
		done += min_t(u64, len - done,
			      PAGE_SIZE - offset_in_page(iova + done));
	}
	mutex_unlock(&pins->lock);
	vdev_pins_drop(vdev, &dead);
	if (pinned && atomic_sub_and_test(pinned, &pins->pinning))
		wake_up_all(&pins->released);
	return done;
}

/**
 * idxd_vdev_pin_put() - give back a page taken with idxd_vdev_pin_range()
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
 * Takes the range's pages out of the cache, waits until no descriptor in
 * flight uses them, then unmaps and unpins them. Until it returns, no page
 * of the range is pinned again: a descriptor that needs one faults, as it
 * will once the VMM's unmap is done.
 *
 * Context: process context (the VFIO dma_unmap callback); may sleep as
 * long as the parent takes to complete the descriptors.
 */
void idxd_vdev_pins_unmap(struct idxd_ims_vdev *vdev, u64 iova, u64 length)
{
	struct idxd_vdev_pins *pins = &vdev->pins;
	struct idxd_vdev_unmap_range range;
	struct idxd_vdev_pin *pin, *next;
	LIST_HEAD(dead);
	u64 last;

	if (!length || check_add_overflow(iova, length - 1, &last))
		last = U64_MAX;
	range.first = iova >> PAGE_SHIFT;
	range.last = last >> PAGE_SHIFT;
	mutex_lock(&pins->lock);
	list_add(&range.node, &pins->unmapping);
	list_for_each_entry_safe(pin, next, &pins->lru, node)
		if (pin->gfn >= range.first && pin->gfn <= range.last)
			vdev_pin_forget(pins, pin, &dead);
	mutex_unlock(&pins->lock);

	vdev_pins_drop(vdev, &dead);
	/*
	 * A page of the range pinned just before the range was registered,
	 * and refused after, is unpinned by its pinner: wait for that too.
	 */
	wait_event(pins->released, !atomic_read(&pins->pinning));

	mutex_lock(&pins->lock);
	list_del(&range.node);
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
	LIST_HEAD(dead);

	mutex_lock(&pins->lock);
	list_for_each_entry_safe(pin, next, &pins->lru, node)
		vdev_pin_forget(pins, pin, &dead);
	mutex_unlock(&pins->lock);
	vdev_pins_drop(vdev, &dead);
}
