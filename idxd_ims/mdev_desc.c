// SPDX-License-Identifier: GPL-2.0-only
/*
 * Descriptor mediation of a virtual DSA device: a descriptor the guest
 * writes to its portal is checked, the pages of its guest buffers and of
 * its completion record are pinned (mdev_pin.c), and host descriptors with
 * the pages' host bus addresses and the completion interrupt of the
 * virtual device's own IMS entry are submitted on the backing work queue.
 * The parent moves the guest's data itself. A buffer whose guest pages
 * are not contiguous in the parent's address space is split into pieces
 * at the discontinuities, run as one batch descriptor, and reported to
 * the guest as the one descriptor it wrote. On completion the guest's
 * record is written to its pinned page and the guest's MSI-X vector is
 * signalled; nothing on that path can fault on guest memory or wait for
 * the VMM.
 *
 * The copying data path is kept for comparison (zero_copy=0) and for
 * transfers the parent cannot run as one descriptor: a CRC over pieces
 * (a batch cannot carry the seed from one piece to the next) and more
 * pieces than the host work queue's max_batch_size. It copies between the
 * pinned pages and host bounce buffers with the CPU.
 */
#include <linux/bitfield.h>
#include <linux/bitops.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "idxd_ims.h"
#include "mdev.h"
#include "wq.h"

static bool zero_copy = true;
module_param(zero_copy, bool, 0644);
MODULE_PARM_DESC(zero_copy,
		 "virtual devices: the parent moves guest data in pinned guest pages (default); 0 copies it through host bounce buffers");

#define IDXD_OP_BATCH			0x01

/* Descriptor flags: check result (compare operations), cache control */
#define IDXD_DESC_FLAG_CR		BIT(7)
#define IDXD_DESC_FLAG_CC		BIT(8)
/* Operation-specific flags (CRC seed from memory, ...): none mediated */
#define IDXD_DESC_FLAGS_OP_SPECIFIC	GENMASK(23, 16)

/* Completion status codes the mediation reports */
#define IDXD_COMP_PAGE_FAULT		0x03
#define IDXD_COMP_SUCCESS_PRED		0x02
#define IDXD_COMP_BAD_OPCODE		0x10
#define IDXD_COMP_INVALID_FLAGS		0x11
#define IDXD_COMP_XFER_ERANGE		0x13
#define IDXD_COMP_CRA_XLAT		0x1a
#define IDXD_COMP_CRA_ALIGN		0x1b

/* Software error codes of the slice for descriptors it cannot take */
#define IDXD_VDEV_SWERR_WQ_DISABLED	0x40
#define IDXD_VDEV_SWERR_WQ_FULL		0x41
#define IDXD_VDEV_SWERR_IMS_PORTAL	0x42
#define IDXD_VDEV_SWERR_PARTIAL_WRITE	0x43

#define IDXD_VDEV_COMP_ALIGN		32

/**
 * struct idxd_vdev_result - what the guest is told about one descriptor
 * @rec: the completion record, in guest terms
 * @guest_comp: guest IOVA of the guest's completion record, 0 for none
 * @comp_pin: the pinned page of the record (taken over from the slot),
 *	NULL when it could not be pinned
 * @opcode: operation of the descriptor
 * @want_record: the guest asked for a record on success (RCR)
 * @want_irq: the guest asked for a completion interrupt
 *
 * Copied out of the descriptor's slot, so that the slot can take the
 * guest's next descriptor before the guest learns that this one is done.
 */
struct idxd_vdev_result {
	struct idxd_hw_completion rec;
	u64 guest_comp;
	struct idxd_vdev_pin *comp_pin;
	u8 opcode;
	bool want_record;
	bool want_irq;
};

/* The host completion records of all slots, one DMA coherent block */
static size_t vdev_comps_size(struct idxd_ims_vdev *vdev)
{
	return vdev->num_slots * sizeof(*vdev->comps);
}

/**
 * idxd_vdev_slots_alloc() - allocate the descriptor slots, their bounce
 *	buffers and batch lists
 * @vdev: virtual device, with its backing work queue
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int idxd_vdev_slots_alloc(struct idxd_ims_vdev *vdev)
{
	struct device *dev = &vdev->idev->pdev->dev;
	unsigned int i, j;

	vdev->num_slots = min_t(unsigned int, vdev->wq->size,
				IDXD_VDEV_MAX_SLOTS);
	/* a power of two: sysfs rounds max_transfer_size up to one */
	vdev->max_xfer = min_t(u64, vdev->wq->max_xfer_bytes,
			       IDXD_VDEV_MAX_XFER);
	vdev->max_pieces = min_t(unsigned int, vdev->wq->max_batch_size,
				 IDXD_VDEV_MAX_PIECES);
	vdev->slots = kcalloc(vdev->num_slots, sizeof(*vdev->slots),
			      GFP_KERNEL);
	if (!vdev->slots)
		return -ENOMEM;
	vdev->comps = dma_alloc_coherent(dev, vdev_comps_size(vdev),
					 &vdev->comps_dma, GFP_KERNEL);
	if (!vdev->comps)
		goto err_free;

	for (i = 0; i < vdev->num_slots; i++) {
		struct idxd_vdev_slot *slot = &vdev->slots[i];

		slot->comp = &vdev->comps[i];
		slot->comp_dma = vdev->comps_dma + i * sizeof(*slot->comp);
		for (j = 0; j < ARRAY_SIZE(slot->bounce); j++) {
			slot->bounce[j] = dma_alloc_coherent(dev,
							     vdev->max_xfer,
							     &slot->bounce_dma[j],
							     GFP_KERNEL);
			if (!slot->bounce[j])
				goto err_free;
		}
		if (vdev->max_pieces > 1) {
			slot->batch = dma_alloc_coherent(dev,
							 sizeof(*slot->batch),
							 &slot->batch_dma,
							 GFP_KERNEL);
			if (!slot->batch)
				goto err_free;
		}
		list_add_tail(&slot->node, &vdev->free_slots);
	}
	return 0;

err_free:
	idxd_vdev_slots_free(vdev);
	return -ENOMEM;
}

/* Drop the slots' bookkeeping; the DMA memory is the caller's business. */
static void vdev_slots_forget(struct idxd_ims_vdev *vdev)
{
	vdev->comps = NULL;
	kfree(vdev->slots);
	vdev->slots = NULL;
	vdev->num_slots = 0;
	INIT_LIST_HEAD(&vdev->free_slots);
}

/**
 * idxd_vdev_slots_free() - free what idxd_vdev_slots_alloc() allocated
 * @vdev: virtual device whose work queue no longer runs its descriptors
 *
 * Context: process context.
 */
void idxd_vdev_slots_free(struct idxd_ims_vdev *vdev)
{
	struct device *dev = &vdev->idev->pdev->dev;
	unsigned int i, j;

	for (i = 0; i < vdev->num_slots; i++) {
		struct idxd_vdev_slot *slot = &vdev->slots[i];

		for (j = 0; j < ARRAY_SIZE(slot->bounce); j++)
			if (slot->bounce[j])
				dma_free_coherent(dev, vdev->max_xfer,
						  slot->bounce[j],
						  slot->bounce_dma[j]);
		if (slot->batch)
			dma_free_coherent(dev, sizeof(*slot->batch),
					  slot->batch, slot->batch_dma);
	}
	if (vdev->comps)
		dma_free_coherent(dev, vdev_comps_size(vdev), vdev->comps,
				  vdev->comps_dma);
	vdev_slots_forget(vdev);
}

/**
 * idxd_vdev_slots_abandon() - give up the slots of a work queue that may
 *	still run their descriptors
 * @vdev: virtual device whose work queue the device did not confirm
 *	stopped
 *
 * The bounce buffers, batch lists and completion records stay allocated
 * for good: the device may still write them, and nothing tells when it
 * stops. Only the slots' bookkeeping is freed. (Guest pages are not in
 * question: they were unpinned at close, after every descriptor that
 * used them completed.)
 *
 * Context: process context.
 */
void idxd_vdev_slots_abandon(struct idxd_ims_vdev *vdev)
{
	size_t per_slot = 2 * vdev->max_xfer +
			  (vdev->max_pieces > 1 ? sizeof(struct idxd_vdev_batch) : 0);
	size_t bytes = vdev_comps_size(vdev) + vdev->num_slots * per_slot;

	dev_err(vdev->vdev.dev, "the device may still write %zu bytes of bounce buffers and completion records: leaving them allocated\n",
		bytes);
	vdev_slots_forget(vdev);
}

static bool vdev_idle(struct idxd_ims_vdev *vdev)
{
	unsigned long flags;
	bool idle;

	spin_lock_irqsave(&vdev->slot_lock, flags);
	idle = !vdev->num_busy;
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
	return idle;
}

/**
 * idxd_vdev_drain() - wait until no guest descriptor is in flight
 * @vdev: virtual device
 *
 * Waits until every descriptor taken from the portal has completed and
 * its result has reached the guest, with no time-out: until then the
 * parent may still write guest pages. A parent that stops completing
 * ends the wait when it halts or is disabled (the halt callback takes the
 * descriptors back).
 *
 * Context: process context; may sleep.
 */
void idxd_vdev_drain(struct idxd_ims_vdev *vdev)
{
	wait_event(vdev->idle, vdev_idle(vdev));
}

/**
 * idxd_vdev_new_session() - forget descriptors of a previous user or reset
 * @vdev: virtual device
 *
 * Descriptors still in flight complete without being reported to the
 * guest. A halt is forgotten if the backing work queue executes
 * descriptors again; while the parent is still halted, or after it was
 * disabled, the virtual device stays halted.
 *
 * Context: any; takes &idxd_ims_vdev.slot_lock.
 * Return: true when the virtual device takes descriptors again.
 */
bool idxd_vdev_new_session(struct idxd_ims_vdev *vdev)
{
	unsigned long flags;
	bool halted;

	spin_lock_irqsave(&vdev->slot_lock, flags);
	vdev->session++;
	halted = !idxd_ims_wq_mdev_live(vdev->wq);
	vdev->halted = halted;
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
	return !halted;
}

static u8 vdev_opcode(const struct idxd_hw_desc *desc)
{
	return FIELD_GET(IDXD_DESC_OPCODE, desc->flags_opcode);
}

/* Start the result of @slot's descriptor, with an empty record. */
static void vdev_result_init(struct idxd_vdev_result *res,
			     const struct idxd_vdev_slot *slot)
{
	memset(&res->rec, 0, sizeof(res->rec));
	res->guest_comp = slot->guest_comp;
	res->comp_pin = slot->comp_pin;
	res->opcode = slot->opcode;
	res->want_record = slot->want_record;
	res->want_irq = slot->want_irq;
}

/* The pinned page holding byte @off of @buf */
static struct idxd_vdev_pin *vdev_buf_pin(const struct idxd_vdev_buf *buf,
					  u32 off)
{
	return buf->pins[(offset_in_page(buf->iova) + off) >> PAGE_SHIFT];
}

/* The parent's bus address of byte @off of @buf */
static u64 vdev_buf_dma(const struct idxd_vdev_buf *buf, u32 off)
{
	return vdev_buf_pin(buf, off)->dma + offset_in_page(buf->iova + off);
}

/* Bytes from byte @off of @buf to the end of its page */
static u32 vdev_buf_page_left(const struct idxd_vdev_buf *buf, u32 off)
{
	return PAGE_SIZE - offset_in_page(buf->iova + off);
}

/*
 * Pin the pages of the guest buffer at @iova for up to @len bytes, into
 * @slot's pins. Returns the bytes pinned: less than @len when a page is
 * outside the VMM's mappings (or read-only and @write).
 */
static u32 vdev_pin_buf(struct idxd_ims_vdev *vdev, struct idxd_vdev_slot *slot,
			struct idxd_vdev_buf *buf, u64 iova, u32 len,
			bool write)
{
	buf->iova = iova;
	buf->pins = &slot->pins[slot->num_pins];
	buf->len = idxd_vdev_pin_range(vdev, iova, len, write, buf->pins);
	if (buf->len)
		slot->num_pins += (offset_in_page(iova) + buf->len - 1) /
				  PAGE_SIZE + 1;
	return buf->len;
}

/* Give back the pages of @slot's buffers (not its record's). */
static void vdev_unpin_bufs(struct idxd_ims_vdev *vdev,
			    struct idxd_vdev_slot *slot)
{
	while (slot->num_pins)
		idxd_vdev_pin_put(vdev, slot->pins[--slot->num_pins]);
}

/* Give back every page @slot uses, for a descriptor that will not complete. */
static void vdev_slot_unpin(struct idxd_ims_vdev *vdev,
			    struct idxd_vdev_slot *slot)
{
	vdev_unpin_bufs(vdev, slot);
	if (slot->comp_pin)
		idxd_vdev_pin_put(vdev, slot->comp_pin);
	slot->comp_pin = NULL;
}

/*
 * Make the pages of @buf visible to the parent before it reads or writes
 * them (@to_device), or to the CPU after the parent wrote them.
 */
static void vdev_sync_buf(struct idxd_ims_vdev *vdev,
			  const struct idxd_vdev_buf *buf, bool to_device)
{
	struct device *dev = &vdev->idev->pdev->dev;
	u32 off;

	for (off = 0; off < buf->len; off += vdev_buf_page_left(buf, off)) {
		struct idxd_vdev_pin *pin = vdev_buf_pin(buf, off);

		if (!pin->need_sync)
			continue;
		if (to_device)
			dma_sync_single_for_device(dev, pin->dma, PAGE_SIZE,
						   idxd_vdev_pin_dir(pin));
		else if (pin->writable)
			dma_sync_single_for_cpu(dev, pin->dma, PAGE_SIZE,
						idxd_vdev_pin_dir(pin));
	}
}

/* Copy @len bytes between @buf's pinned pages and @bounce, by the CPU. */
static void vdev_buf_copy(const struct idxd_vdev_buf *buf, void *bounce,
			  u32 len, bool to_guest)
{
	u32 off, chunk;

	for (off = 0; off < len; off += chunk) {
		u32 in_page = offset_in_page(buf->iova + off);
		void *va = kmap_local_page(vdev_buf_pin(buf, off)->page);

		chunk = min(len - off, vdev_buf_page_left(buf, off));
		if (to_guest)
			memcpy(va + in_page, bounce + off, chunk);
		else
			memcpy(bounce + off, va + in_page, chunk);
		kunmap_local(va);
	}
}

/*
 * Write a completion record to its pinned guest page, status byte last,
 * as the device does. A record whose page could not be pinned, or any
 * record while the guest has Bus Master Enable clear, is refused with
 * SWERR 0x1a.
 */
static void vdev_write_record(struct idxd_ims_vdev *vdev,
			      struct idxd_vdev_result *res)
{
	u32 in_page = offset_in_page(res->guest_comp);
	u8 *va;

	if (!res->comp_pin || !READ_ONCE(vdev->bus_master)) {
		idxd_vdev_swerr(vdev, IDXD_COMP_CRA_XLAT, res->opcode,
				res->guest_comp);
		return;
	}
	va = kmap_local_page(res->comp_pin->page);
	memcpy(va + in_page + 1, (u8 *)&res->rec + 1, sizeof(res->rec) - 1);
	smp_wmb();	/* the record before its status byte */
	WRITE_ONCE(va[in_page], res->rec.status);
	kunmap_local(va);
}

/*
 * Report a result to the guest: a record (always for a status other than
 * success, as the device writes it), SWERR for an error without a record
 * (a false predicate is not an error), then the interrupt.
 */
static void vdev_report(struct idxd_ims_vdev *vdev,
			struct idxd_vdev_result *res)
{
	u8 status = res->rec.status & IDXD_COMP_STATUS_MASK;

	if (res->guest_comp) {
		if (status != IDXD_COMP_SUCCESS || res->want_record)
			vdev_write_record(vdev, res);
	} else if (status != IDXD_COMP_SUCCESS &&
		   status != IDXD_COMP_SUCCESS_PRED) {
		idxd_vdev_swerr(vdev, status, res->opcode, 0);
	}
	if (res->want_irq)
		idxd_vdev_signal(vdev, IDXD_VDEV_VECTOR_WQ);
}

/*
 * The descriptor of @slot is done. Its buffers' pages are given back and
 * the slot goes back first, so that a guest that submits as soon as it
 * sees the result finds a free slot; then the guest is told (@report) and
 * the record's page is given back. Until then the virtual device still
 * counts as busy, so that a reset or close waits for the report.
 */
static void vdev_finish(struct idxd_ims_vdev *vdev, struct idxd_vdev_slot *slot,
			struct idxd_vdev_result *res, bool report)
{
	unsigned long flags;

	vdev_unpin_bufs(vdev, slot);
	slot->comp_pin = NULL;
	spin_lock_irqsave(&vdev->slot_lock, flags);
	list_add_tail(&slot->node, &vdev->free_slots);
	spin_unlock_irqrestore(&vdev->slot_lock, flags);

	if (report)
		vdev_report(vdev, res);
	if (res->comp_pin)
		idxd_vdev_pin_put(vdev, res->comp_pin);

	spin_lock_irqsave(&vdev->slot_lock, flags);
	if (!--vdev->num_busy)
		wake_up(&vdev->idle);
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
}

/* An 8-byte pattern as seen from byte @off of the transfer */
static u64 vdev_pattern_at(u64 pattern, u32 off)
{
	return ror64(pattern, 8 * (off % 8));
}

/*
 * Cut the transfer of @slot into pieces at the page boundaries where the
 * host pages of its source or destination stop being contiguous. Returns
 * false when that takes more pieces than the parent can run as one
 * descriptor.
 */
static bool vdev_cut_pieces(struct idxd_ims_vdev *vdev,
			    struct idxd_vdev_slot *slot, u32 len,
			    bool has_src, bool has_dst)
{
	struct idxd_vdev_piece *p;
	u32 off = 0, end, step;
	u64 src, dst;

	slot->num_pieces = 0;
	while (off < len) {
		if (slot->num_pieces == max(vdev->max_pieces, 1U))
			return false;
		src = has_src ? vdev_buf_dma(&slot->src, off) : 0;
		dst = has_dst ? vdev_buf_dma(&slot->dst, off) : 0;
		end = off;
		do {
			step = len - end;
			if (has_src)
				step = min(step, vdev_buf_page_left(&slot->src, end));
			if (has_dst)
				step = min(step, vdev_buf_page_left(&slot->dst, end));
			end += step;
		} while (end < len &&
			 (!has_src || vdev_buf_dma(&slot->src, end) == src + end - off) &&
			 (!has_dst || vdev_buf_dma(&slot->dst, end) == dst + end - off));
		p = &slot->piece[slot->num_pieces++];
		p->off = off;
		p->len = end - off;
		p->src = src;
		p->dst = dst;
		off = end;
	}
	return true;
}

/* Fill in one host descriptor for piece @p of @g. */
static void vdev_piece_desc(struct idxd_hw_desc *d,
			    const struct idxd_hw_desc *g, u8 opcode,
			    const struct idxd_vdev_piece *p, u32 flags)
{
	memset(d, 0, sizeof(*d));
	d->flags_opcode = FIELD_PREP(IDXD_DESC_OPCODE, opcode) |
			  FIELD_PREP(IDXD_DESC_FLAGS, flags);
	d->src_addr = p->src;
	d->dst_addr = p->dst;
	if (opcode == IDXD_OP_MEMFILL)
		d->src_addr = vdev_pattern_at(g->src_addr, p->off);
	else if (opcode == IDXD_OP_COMPVAL)
		d->dst_addr = vdev_pattern_at(g->dst_addr, p->off);
	d->xfer_size = p->len;
	memcpy(d->op_specific, g->op_specific, sizeof(d->op_specific));
}

/*
 * The host descriptor of @slot for the zero-copy path: the one piece
 * itself, or a batch of the pieces, each with its own record.
 */
static void vdev_build_pieces(struct idxd_ims_vdev *vdev,
			      struct idxd_vdev_slot *slot,
			      const struct idxd_hw_desc *g, u32 cc)
{
	u32 flags = IDXD_DESC_FLAG_CRAV | IDXD_DESC_FLAG_RCR | cc;
	unsigned int i;

	if (slot->num_pieces == 1) {
		vdev_piece_desc(&slot->hw, g, slot->opcode, &slot->piece[0],
				flags | IDXD_DESC_FLAG_RCI);
		return;
	}
	atomic64_inc(&vdev->split);
	for (i = 0; i < slot->num_pieces; i++) {
		struct idxd_hw_desc *d = &slot->batch->desc[i];

		vdev_piece_desc(d, g, slot->opcode, &slot->piece[i], flags);
		d->completion_addr = slot->batch_dma +
			offsetof(struct idxd_vdev_batch, comp[i]);
		memset(&slot->batch->comp[i], 0, sizeof(slot->batch->comp[i]));
	}
	memset(&slot->hw, 0, sizeof(slot->hw));
	slot->hw.flags_opcode = FIELD_PREP(IDXD_DESC_OPCODE, IDXD_OP_BATCH) |
		FIELD_PREP(IDXD_DESC_FLAGS, IDXD_DESC_FLAG_CRAV |
			   IDXD_DESC_FLAG_RCR | IDXD_DESC_FLAG_RCI);
	slot->hw.src_addr = slot->batch_dma;
	slot->hw.xfer_size = slot->num_pieces;
}

/*
 * The host descriptor of @slot for the copying path: sources copied into
 * the bounce buffers now, the result copied out on completion.
 */
static void vdev_build_bounce(struct idxd_ims_vdev *vdev,
			      struct idxd_vdev_slot *slot,
			      const struct idxd_hw_desc *g, u32 len, u32 cc)
{
	struct idxd_vdev_piece p = { .len = len, .src = slot->bounce_dma[0] };

	atomic64_inc(&vdev->copied);
	switch (slot->opcode) {
	case IDXD_OP_MEMMOVE:
		vdev_buf_copy(&slot->src, slot->bounce[0], len, false);
		p.dst = slot->bounce_dma[1];
		slot->copy_back = len;
		break;
	case IDXD_OP_MEMFILL:
		p.dst = slot->bounce_dma[1];
		slot->copy_back = len;
		break;
	case IDXD_OP_COMPARE:
		vdev_buf_copy(&slot->src, slot->bounce[0], len, false);
		vdev_buf_copy(&slot->dst, slot->bounce[1], len, false);
		p.dst = slot->bounce_dma[1];
		break;
	default:	/* COMPVAL and CRCGEN read one buffer */
		vdev_buf_copy(&slot->src, slot->bounce[0], len, false);
		break;
	}
	slot->num_pieces = 0;
	vdev_piece_desc(&slot->hw, g, slot->opcode, &p,
			IDXD_DESC_FLAG_CRAV | IDXD_DESC_FLAG_RCR |
			IDXD_DESC_FLAG_RCI | cc);
}

/*
 * Pin the guest buffers of @g into @slot. Returns 0, or the fault status
 * with *@fault_addr: a source outside the mappings faults at its start
 * with nothing done; a destination is written up to its first page that
 * cannot be written (*@len shrinks to that, reported as a write fault on
 * completion) and faults at its start when that is its first page.
 */
static u8 vdev_pin_bufs(struct idxd_ims_vdev *vdev, const struct idxd_hw_desc *g,
			struct idxd_vdev_slot *slot, u32 *len, u64 *fault_addr)
{
	bool reads_dst = slot->opcode == IDXD_OP_COMPARE;
	bool has_src = slot->opcode != IDXD_OP_MEMFILL;
	bool has_dst = slot->opcode == IDXD_OP_MEMMOVE ||
		       slot->opcode == IDXD_OP_MEMFILL || reads_dst;
	u32 got;

	*fault_addr = has_src ? g->src_addr : g->dst_addr;
	if (!READ_ONCE(vdev->bus_master))
		return has_src ? IDXD_COMP_PAGE_FAULT :
				 IDXD_COMP_PAGE_FAULT | IDXD_COMP_STATUS_FAULT_WRITE;
	if (has_src && vdev_pin_buf(vdev, slot, &slot->src, g->src_addr, *len,
				    false) < *len)
		return IDXD_COMP_PAGE_FAULT;
	if (!has_dst)
		return 0;
	*fault_addr = g->dst_addr;
	got = vdev_pin_buf(vdev, slot, &slot->dst, g->dst_addr, *len,
			   !reads_dst);
	if (reads_dst && got < *len)
		return IDXD_COMP_PAGE_FAULT;
	if (!got)
		return IDXD_COMP_PAGE_FAULT | IDXD_COMP_STATUS_FAULT_WRITE;
	if (got < *len) {
		slot->dst_fault = got;
		*len = got;
	}
	return 0;
}

/*
 * The checks of a guest descriptor that need no guest memory: its
 * interrupt handle, operation, flags and size. Returns 0 or the status.
 */
static u8 vdev_check(struct idxd_ims_vdev *vdev, const struct idxd_hw_desc *g,
		     struct idxd_vdev_slot *slot)
{
	u32 flags = FIELD_GET(IDXD_DESC_FLAGS, g->flags_opcode);
	u8 opcode = vdev_opcode(g);

	if (flags & IDXD_DESC_FLAG_RCI) {
		if (g->int_handle != IDXD_VDEV_VECTOR_WQ)
			return IDXD_COMP_INT_HANDLE_INVAL;
		slot->want_irq = true;
	}
	if (opcode >= BITS_PER_TYPE(vdev->opcap) ||
	    !(vdev->opcap & BIT_ULL(opcode)))
		return IDXD_COMP_BAD_OPCODE;
	/*
	 * Flags that change an operation's result must reach the device or
	 * be refused, never be dropped silently.
	 */
	if ((flags & IDXD_DESC_FLAGS_OP_SPECIFIC) ||
	    ((flags & IDXD_DESC_FLAG_CR) && opcode != IDXD_OP_COMPARE &&
	     opcode != IDXD_OP_COMPVAL))
		return IDXD_COMP_INVALID_FLAGS;
	if (opcode != IDXD_OP_NOOP &&
	    (!g->xfer_size || g->xfer_size > vdev->max_xfer))
		return IDXD_COMP_XFER_ERANGE;
	return 0;
}

/*
 * Check a guest descriptor and turn it into a host descriptor in @slot.
 * Returns 0 when the host descriptor may be submitted, or the completion
 * status to report, with *@fault_addr for page faults.
 */
static u8 vdev_mediate(struct idxd_ims_vdev *vdev, const struct idxd_hw_desc *g,
		       struct idxd_vdev_slot *slot, u64 *fault_addr)
{
	u32 flags = FIELD_GET(IDXD_DESC_FLAGS, g->flags_opcode);
	u8 opcode = vdev_opcode(g);
	u32 len = g->xfer_size;
	u32 cc;
	u8 status;

	memset(&slot->hw, 0, sizeof(slot->hw));
	slot->opcode = opcode;
	slot->guest_comp = flags & IDXD_DESC_FLAG_CRAV ? g->completion_addr : 0;
	slot->comp_pin = NULL;
	slot->want_record = flags & IDXD_DESC_FLAG_RCR;
	slot->want_irq = false;
	slot->check_result = flags & IDXD_DESC_FLAG_CR;
	slot->expect_result = g->op_specific[0];
	slot->src.len = 0;
	slot->dst.len = 0;
	slot->num_pieces = 0;
	slot->copy_back = 0;
	slot->dst_fault = 0;

	if (slot->guest_comp &&
	    !IS_ALIGNED(slot->guest_comp, IDXD_VDEV_COMP_ALIGN)) {
		idxd_vdev_swerr(vdev, IDXD_COMP_CRA_ALIGN, opcode,
				slot->guest_comp);
		slot->guest_comp = 0;
		return IDXD_COMP_CRA_ALIGN;
	}
	status = vdev_check(vdev, g, slot);
	if (slot->guest_comp &&
	    !idxd_vdev_pin_range(vdev, slot->guest_comp, sizeof(*slot->comp),
				 true, &slot->comp_pin))
		slot->comp_pin = NULL;
	if (!status && opcode != IDXD_OP_NOOP)
		status = vdev_pin_bufs(vdev, g, slot, &len, fault_addr);
	if (status)
		return status;

	/*
	 * Cache control reaches the device; the check of a compare's result
	 * is the mediation's, over all the pieces.
	 */
	cc = flags & IDXD_DESC_FLAG_CC;
	if (opcode == IDXD_OP_NOOP) {
		struct idxd_vdev_piece none = {};

		vdev_piece_desc(&slot->hw, g, opcode, &none,
				IDXD_DESC_FLAG_CRAV | IDXD_DESC_FLAG_RCR |
				IDXD_DESC_FLAG_RCI);
	} else if (READ_ONCE(zero_copy) &&
		   vdev_cut_pieces(vdev, slot, len, slot->src.len,
				   slot->dst.len) &&
		   (slot->num_pieces == 1 || opcode != IDXD_OP_CRCGEN)) {
		vdev_sync_buf(vdev, &slot->src, true);
		vdev_sync_buf(vdev, &slot->dst, true);
		vdev_build_pieces(vdev, slot, g, cc);
	} else {
		vdev_build_bounce(vdev, slot, g, len, cc);
	}
	slot->hw.completion_addr = slot->comp_dma;
	slot->hw.int_handle = READ_ONCE(vdev->vectors[IDXD_VDEV_VECTOR_WQ]->int_handle);
	memset(slot->comp, 0, sizeof(*slot->comp));
	return 0;
}

static struct idxd_vdev_slot *vdev_get_slot(struct idxd_ims_vdev *vdev,
					    int *err)
{
	struct idxd_vdev_slot *slot = NULL;
	unsigned long flags;

	spin_lock_irqsave(&vdev->slot_lock, flags);
	if (vdev->halted) {
		*err = -EIO;
	} else if (list_empty(&vdev->free_slots)) {
		*err = -EBUSY;
	} else {
		slot = list_first_entry(&vdev->free_slots,
					struct idxd_vdev_slot, node);
		list_del(&slot->node);
		slot->session = vdev->session;
		vdev->num_busy++;
	}
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
	return slot;
}

/**
 * idxd_vdev_submit() - take one complete guest descriptor from the portal
 * @vdev: virtual device
 * @desc: the 64 bytes the guest wrote to a portal line (trapped, or taken
 *	from the mapped portal)
 *
 * Context: &idxd_ims_vdev.reg_lock held; process context (guest memory is
 * read through the VFIO container).
 * Return: 0 when the descriptor was taken (possibly to complete with an
 * error status), -EIO when the work queue is not enabled or the device
 * halted, -EBUSY when all slots are in flight; the refusals set SWERR.
 */
int idxd_vdev_submit(struct idxd_ims_vdev *vdev, const void *desc)
{
	struct idxd_vdev_result res;
	struct idxd_vdev_slot *slot;
	struct idxd_hw_desc g;
	unsigned long flags;
	u64 fault_addr = 0;
	int err = 0;
	u8 status;

	lockdep_assert_held(&vdev->reg_lock);

	memcpy(&g, desc, sizeof(g));
	if (!vdev->regs.wq_enabled) {
		idxd_vdev_swerr(vdev, IDXD_VDEV_SWERR_WQ_DISABLED,
				vdev_opcode(&g), 0);
		return -EIO;
	}
	slot = vdev_get_slot(vdev, &err);
	if (!slot) {
		if (err == -EBUSY)
			idxd_vdev_swerr(vdev, IDXD_VDEV_SWERR_WQ_FULL,
					vdev_opcode(&g), 0);
		return err;
	}

	atomic64_inc(&vdev->submitted);
	status = vdev_mediate(vdev, &g, slot, &fault_addr);
	if (status) {
		atomic64_inc(&vdev->rejected);
		vdev_result_init(&res, slot);
		res.rec.status = status;
		if ((status & IDXD_COMP_STATUS_MASK) == IDXD_COMP_PAGE_FAULT)
			res.rec.fault_addr = fault_addr;
		vdev_finish(vdev, slot, &res, status != IDXD_COMP_CRA_ALIGN);
		return 0;
	}

	/*
	 * Submitted under the slot lock, so that the halt callback either
	 * finds the slot in flight or this sees the halt: a descriptor taken
	 * while the parent halts is lost like those in flight.
	 */
	spin_lock_irqsave(&vdev->slot_lock, flags);
	if (vdev->halted) {
		vdev_slot_unpin(vdev, slot);
		list_add_tail(&slot->node, &vdev->free_slots);
		if (!--vdev->num_busy)
			wake_up(&vdev->idle);
	} else {
		list_add_tail(&slot->node, &vdev->inflight);
		idxd_ims_wq_mdev_submit(vdev->wq, &slot->hw);
	}
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
	return 0;
}

/**
 * idxd_vdev_portal_write() - a guest write to the BAR2 portal region
 * @vdev: virtual device
 * @off: offset in BAR2
 * @buf: data
 * @len: 64 at a 64-byte aligned offset (one descriptor), or 4 or 8
 *	naturally aligned (a piece of one; the descriptor is taken when all
 *	64 bytes are written, in any order)
 *
 * Each 64-byte line of the portal assembles its pieces on its own: vCPUs
 * writing descriptors to different lines at the same time, their stores
 * interleaved, each get their descriptor taken. A line's pieces are kept
 * until all its bytes are written or the device is reset. A piece over
 * bytes the line already has starts a new descriptor: the one left
 * incomplete there is refused with SWERR 0x43.
 *
 * Context: &idxd_ims_vdev.reg_lock held; the caller's process context
 * (guest memory is read through the VFIO container).
 * Return: 0 when the descriptor was taken (possibly to complete with an
 * error status), -EINVAL for a malformed write or an IMS portal page,
 * -EIO when the work queue is not enabled or the device halted, -EBUSY
 * when all slots are in flight. Refused writes also set SWERR.
 */
int idxd_vdev_portal_write(struct idxd_ims_vdev *vdev, u64 off,
			   const void *buf, size_t len)
{
	unsigned int in_desc = off % IDXD_DESC_SIZE;
	struct idxd_vdev_line *line;
	u64 piece;

	lockdep_assert_held(&vdev->reg_lock);

	atomic64_inc(&vdev->portal.trapped);
	if (off >= IDXD_VDEV_BAR2_SIZE || len > IDXD_VDEV_BAR2_SIZE - off)
		return -EINVAL;
	if (off / SZ_4K >= IDXD_PORTAL_IRQ_IMS) {
		idxd_vdev_swerr(vdev, IDXD_VDEV_SWERR_IMS_PORTAL, 0, 0);
		return -EINVAL;
	}
	if (len == IDXD_DESC_SIZE && !in_desc)
		return idxd_vdev_submit(vdev, buf);
	if ((len != 4 && len != 8) || off % len)
		return -EINVAL;

	line = &vdev->regs.lines[off / IDXD_DESC_SIZE];
	piece = GENMASK_ULL(in_desc + len - 1, in_desc);
	if (line->written & piece) {
		idxd_vdev_swerr(vdev, IDXD_VDEV_SWERR_PARTIAL_WRITE, 0, 0);
		line->written = 0;
	}
	memcpy(line->desc + in_desc, buf, len);
	line->written |= piece;
	if (line->written != U64_MAX)
		return 0;

	line->written = 0;
	return idxd_vdev_submit(vdev, line->desc);
}

/* A host bus address the parent reported, in guest terms */
static u64 vdev_guest_addr(const struct idxd_vdev_slot *slot, u64 addr)
{
	const struct idxd_vdev_piece *p;
	unsigned int i;

	for (i = 0; i < slot->num_pieces; i++) {
		p = &slot->piece[i];
		if (p->src && addr - p->src < p->len)
			return slot->src.iova + p->off + (addr - p->src);
		if (p->dst && addr - p->dst < p->len)
			return slot->dst.iova + p->off + (addr - p->dst);
	}
	if (addr - slot->bounce_dma[0] < slot->src.len)
		return slot->src.iova + (addr - slot->bounce_dma[0]);
	if (addr - slot->bounce_dma[1] < slot->dst.len)
		return slot->dst.iova + (addr - slot->bounce_dma[1]);
	return 0;
}

/*
 * The records of a transfer split into pieces, as the one record of the
 * guest's descriptor: the first piece that failed (or did not run, when
 * the batch descriptor itself failed) decides the status, with the bytes
 * before it counted; otherwise a compare reports the first difference of
 * any piece.
 */
static void vdev_merge_pieces(const struct idxd_vdev_slot *slot,
			      struct idxd_hw_completion *rec)
{
	const struct idxd_hw_completion *pc;
	u32 bytes = 0;
	unsigned int i;

	rec->status = IDXD_COMP_SUCCESS;
	for (i = 0; i < slot->num_pieces; i++) {
		pc = &slot->batch->comp[i];
		if (!pc->status) {
			/* not run: the batch itself failed, and says why */
			*rec = *slot->comp;
			rec->bytes_completed = slot->piece[i].off;
			return;
		}
		if ((pc->status & IDXD_COMP_STATUS_MASK) != IDXD_COMP_SUCCESS) {
			*rec = *pc;
			rec->bytes_completed = slot->piece[i].off +
					       pc->bytes_completed;
			return;
		}
		if (pc->result) {
			rec->result = pc->result;
			rec->bytes_completed = slot->piece[i].off +
					       pc->bytes_completed;
			return;
		}
		bytes += pc->bytes_completed;
	}
	rec->bytes_completed = bytes;
}

/* Result of a completed host descriptor, in guest terms */
static void vdev_guest_result(struct idxd_ims_vdev *vdev,
			      struct idxd_vdev_slot *slot,
			      struct idxd_vdev_result *res)
{
	struct idxd_hw_completion *rec = &res->rec;
	u8 status;

	vdev_result_init(res, slot);
	if (slot->num_pieces > 1 &&
	    (slot->comp->status & IDXD_COMP_STATUS_MASK) != IDXD_COMP_INT_HANDLE_INVAL)
		vdev_merge_pieces(slot, rec);
	else
		*rec = *slot->comp;
	status = rec->status & IDXD_COMP_STATUS_MASK;
	if (status == IDXD_COMP_PAGE_FAULT) {
		rec->fault_addr = vdev_guest_addr(slot, rec->fault_addr);
		return;
	}
	if (status != IDXD_COMP_SUCCESS)
		return;
	if (slot->check_result && rec->result != slot->expect_result)
		rec->status = IDXD_COMP_SUCCESS_PRED;
	if (slot->copy_back) {
		if (!READ_ONCE(vdev->bus_master)) {
			rec->status = IDXD_COMP_PAGE_FAULT |
				      IDXD_COMP_STATUS_FAULT_WRITE;
			rec->bytes_completed = 0;
			rec->fault_addr = slot->dst.iova;
			return;
		}
		vdev_buf_copy(&slot->dst, slot->bounce[1], slot->copy_back,
			      true);
	} else {
		vdev_sync_buf(vdev, &slot->dst, false);
	}
	if (slot->dst_fault) {
		rec->status = IDXD_COMP_PAGE_FAULT |
			      IDXD_COMP_STATUS_FAULT_WRITE;
		rec->bytes_completed = slot->dst_fault;
		rec->fault_addr = slot->dst.iova + slot->dst_fault;
	}
}

/*
 * The host refused a descriptor for its interrupt handle, which the
 * mediation set: the host's handle was revoked after the descriptor was
 * built. The device did nothing else for it; it goes again with the
 * vector's current handle, and the guest sees only its result.
 */
static void vdev_resubmit(struct idxd_ims_vdev *vdev,
			  struct idxd_vdev_slot *slot, u16 handle)
{
	lockdep_assert_held(&vdev->slot_lock);

	slot->hw.int_handle = handle;
	memset(slot->comp, 0, sizeof(*slot->comp));
	if (slot->num_pieces > 1)
		memset(slot->batch->comp, 0,
		       slot->num_pieces * sizeof(slot->batch->comp[0]));
	idxd_ims_wq_mdev_submit(vdev->wq, &slot->hw);
}

/**
 * idxd_vdev_wq_irq_thread() - completion interrupt of a virtual device's
 *	work queue
 * @virq: Linux interrupt number (unused)
 * @dev_id: the &struct idxd_ims_irq of the IMS entry; its data is the
 *	virtual device
 *
 * Reports every completed descriptor of the current session to the
 * guest, returning its slot before the guest can see the result. A
 * descriptor the device refused for a revoked interrupt handle is
 * resubmitted with the current one instead (this also runs, without an
 * interrupt, after the handles were renewed: see
 * idxd_ims_irq_renew_handles()).
 *
 * Context: interrupt thread. Guest data and records are written only to
 * pages pinned at submission: nothing here faults on guest memory or
 * waits for the VMM.
 * Return: IRQ_HANDLED.
 */
irqreturn_t idxd_vdev_wq_irq_thread(int virq, void *dev_id)
{
	struct idxd_ims_irq *irq = dev_id;
	struct idxd_ims_vdev *vdev = irq->data;
	struct idxd_vdev_slot *slot, *next;
	struct idxd_vdev_result res;
	unsigned long flags;
	LIST_HEAD(done);
	u8 status;

	spin_lock_irqsave(&vdev->slot_lock, flags);
	list_for_each_entry_safe(slot, next, &vdev->inflight, node) {
		status = READ_ONCE(slot->comp->status);
		if (!status)
			continue;
		if ((status & IDXD_COMP_STATUS_MASK) ==
		    IDXD_COMP_INT_HANDLE_INVAL && slot->session == vdev->session) {
			vdev_resubmit(vdev, slot, READ_ONCE(irq->int_handle));
			continue;
		}
		if (slot->session != vdev->session) {
			slot->guest_comp = 0;
			slot->copy_back = 0;
			slot->dst_fault = 0;
			slot->want_irq = false;
		}
		list_move_tail(&slot->node, &done);
	}
	spin_unlock_irqrestore(&vdev->slot_lock, flags);

	/* Read the records after their status bytes. */
	dma_rmb();
	list_for_each_entry_safe(slot, next, &done, node) {
		list_del(&slot->node);
		atomic64_inc(&vdev->completed);
		vdev_guest_result(vdev, slot, &res);
		vdev_finish(vdev, slot, &res,
			    res.guest_comp || res.want_irq);
	}
	return IRQ_HANDLED;
}

/**
 * idxd_vdev_halted() - the parent halted or was disabled under the
 *	virtual device
 * @data: the virtual device
 *
 * Descriptors in flight will not complete: their slots and guest pages
 * are taken back without a report (as on a halted device: the parent,
 * halted or disabled, writes nothing more), new descriptors are refused
 * until the guest resets the device, and the guest is told from a work
 * item.
 *
 * Context: any; called with a spinlock held, does not sleep.
 */
void idxd_vdev_halted(void *data)
{
	struct idxd_ims_vdev *vdev = data;
	struct idxd_vdev_slot *slot, *next;
	unsigned long flags;

	spin_lock_irqsave(&vdev->slot_lock, flags);
	vdev->halted = true;
	list_for_each_entry_safe(slot, next, &vdev->inflight, node) {
		vdev_slot_unpin(vdev, slot);
		list_move_tail(&slot->node, &vdev->free_slots);
		vdev->num_busy--;
	}
	if (!vdev->num_busy)
		wake_up(&vdev->idle);
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
	schedule_work(&vdev->halt_work);
}
