// SPDX-License-Identifier: GPL-2.0-only
/*
 * Descriptor mediation of a virtual DSA device: a descriptor the guest
 * writes to its portal is checked, its source buffers are copied from guest
 * memory into host bounce buffers through the VFIO container
 * (vfio_dma_rw()), and a host descriptor with host addresses and the
 * completion interrupt of the virtual device's own IMS entry is submitted
 * on the backing work queue. On completion the result and the record are
 * copied back and the guest's MSI-X vector is signalled.
 *
 * Copying instead of pinning guest pages: a DSA descriptor needs each
 * buffer contiguous in the device's address space, which pinned guest
 * pages are not, and 6.12 cannot give the device the guest's own address
 * space (a PASID attached to the container). The copy also makes every
 * guest address checked against the container's mappings by construction.
 */
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "idxd_ims.h"
#include "mdev.h"
#include "wq.h"

#define IDXD_VDEV_DRAIN_TIMEOUT		(5 * HZ)

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
 * idxd_vdev_slots_alloc() - allocate the descriptor slots and bounce buffers
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
 * The bounce buffers and completion records stay allocated for good: the
 * device may still write them, and nothing tells when it stops. Only the
 * slots' bookkeeping is freed.
 *
 * Context: process context.
 */
void idxd_vdev_slots_abandon(struct idxd_ims_vdev *vdev)
{
	size_t bytes = vdev_comps_size(vdev) +
		       (size_t)vdev->num_slots * 2 * vdev->max_xfer;

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
 * its result has reached the guest. Gives up with a (rate-limited: the
 * guest's commands come here) warning after five seconds: the host device
 * stopped completing, and the slots come back when it halts or is reset.
 *
 * Context: process context; may sleep.
 */
void idxd_vdev_drain(struct idxd_ims_vdev *vdev)
{
	if (!wait_event_timeout(vdev->idle, vdev_idle(vdev),
				IDXD_VDEV_DRAIN_TIMEOUT))
		dev_warn_ratelimited(vdev->vdev.dev, "descriptors still in flight after drain timeout\n");
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
	res->guest_comp = slot->guest_comp;
	res->opcode = vdev_opcode(&slot->hw);
	res->want_record = slot->want_record;
	res->want_irq = slot->want_irq;
}

/*
 * Every access of the slice to guest memory: none while the guest has
 * Bus Master Enable clear, as a device without it issues no DMA.
 */
static int vdev_dma_rw(struct idxd_ims_vdev *vdev, u64 iova, void *buf,
		       size_t len, bool write)
{
	if (!READ_ONCE(vdev->bus_master))
		return -EIO;
	return vfio_dma_rw(&vdev->vdev, iova, buf, len, write);
}

/* Write a completion record to the guest: status byte last. */
static void vdev_write_record(struct idxd_ims_vdev *vdev,
			      struct idxd_vdev_result *res)
{
	u8 *bytes = (u8 *)&res->rec;
	int rc;

	rc = vdev_dma_rw(vdev, res->guest_comp + 1, bytes + 1,
			 sizeof(res->rec) - 1, true);
	if (!rc)
		rc = vdev_dma_rw(vdev, res->guest_comp, bytes, 1, true);
	if (rc)
		idxd_vdev_swerr(vdev, IDXD_COMP_CRA_XLAT, res->opcode,
				res->guest_comp);
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
 * The descriptor of @slot is done. The slot goes back first, so that a
 * guest that submits as soon as it sees the result finds a free slot; then
 * the guest is told (@report). Until then the virtual device still counts
 * as busy, so that a reset or close waits for the report.
 */
static void vdev_finish(struct idxd_ims_vdev *vdev, struct idxd_vdev_slot *slot,
			struct idxd_vdev_result *res, bool report)
{
	unsigned long flags;

	spin_lock_irqsave(&vdev->slot_lock, flags);
	list_add_tail(&slot->node, &vdev->free_slots);
	spin_unlock_irqrestore(&vdev->slot_lock, flags);

	if (report)
		vdev_report(vdev, res);

	spin_lock_irqsave(&vdev->slot_lock, flags);
	if (!--vdev->num_busy)
		wake_up(&vdev->idle);
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
}

/* Copy a guest buffer into a bounce buffer; 0 or a fault status. */
static u8 vdev_copy_in(struct idxd_ims_vdev *vdev, u64 iova, void *bounce,
		       u32 len)
{
	return vdev_dma_rw(vdev, iova, bounce, len, false) ?
	       IDXD_COMP_PAGE_FAULT : 0;
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
	u64 host_src = slot->bounce_dma[0];
	u64 host_dst = 0;
	u8 status = 0;

	memset(&slot->hw, 0, sizeof(slot->hw));
	slot->hw.flags_opcode = FIELD_PREP(IDXD_DESC_OPCODE, opcode);
	slot->guest_comp = flags & IDXD_DESC_FLAG_CRAV ? g->completion_addr : 0;
	slot->want_record = flags & IDXD_DESC_FLAG_RCR;
	slot->want_irq = false;
	slot->guest_src = g->src_addr;
	slot->guest_dst = g->dst_addr;
	slot->copy_back = 0;

	if (slot->guest_comp &&
	    !IS_ALIGNED(slot->guest_comp, IDXD_VDEV_COMP_ALIGN)) {
		idxd_vdev_swerr(vdev, IDXD_COMP_CRA_ALIGN, opcode,
				slot->guest_comp);
		slot->guest_comp = 0;
		return IDXD_COMP_CRA_ALIGN;
	}
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
	if (opcode != IDXD_OP_NOOP && (!len || len > vdev->max_xfer))
		return IDXD_COMP_XFER_ERANGE;

	*fault_addr = g->src_addr;
	switch (opcode) {
	case IDXD_OP_NOOP:
		break;
	case IDXD_OP_MEMMOVE:
		status = vdev_copy_in(vdev, g->src_addr, slot->bounce[0], len);
		host_dst = slot->bounce_dma[1];
		slot->copy_back = len;
		break;
	case IDXD_OP_MEMFILL:
		host_src = g->src_addr;	/* the fill pattern itself */
		host_dst = slot->bounce_dma[1];
		slot->copy_back = len;
		break;
	case IDXD_OP_COMPARE:
		status = vdev_copy_in(vdev, g->src_addr, slot->bounce[0], len);
		if (!status) {
			*fault_addr = g->dst_addr;
			status = vdev_copy_in(vdev, g->dst_addr,
					      slot->bounce[1], len);
		}
		host_dst = slot->bounce_dma[1];
		break;
	case IDXD_OP_COMPVAL:
		status = vdev_copy_in(vdev, g->src_addr, slot->bounce[0], len);
		host_dst = g->dst_addr;	/* the pattern to compare with */
		break;
	case IDXD_OP_CRCGEN:
		status = vdev_copy_in(vdev, g->src_addr, slot->bounce[0], len);
		break;
	default:
		return IDXD_COMP_BAD_OPCODE;
	}
	if (status)
		return status;

	slot->hw.flags_opcode |= FIELD_PREP(IDXD_DESC_FLAGS,
					    IDXD_DESC_FLAG_CRAV |
					    IDXD_DESC_FLAG_RCR |
					    IDXD_DESC_FLAG_RCI |
					    (flags & (IDXD_DESC_FLAG_CC |
						      IDXD_DESC_FLAG_CR)));
	slot->hw.completion_addr = slot->comp_dma;
	slot->hw.src_addr = host_src;
	slot->hw.dst_addr = host_dst;
	slot->hw.xfer_size = len;
	slot->hw.int_handle = READ_ONCE(vdev->vectors[IDXD_VDEV_VECTOR_WQ]->int_handle);
	memcpy(slot->hw.op_specific, g->op_specific,
	       sizeof(slot->hw.op_specific));
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
		memset(&res.rec, 0, sizeof(res.rec));
		res.rec.status = status;
		if (status == IDXD_COMP_PAGE_FAULT)
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

/*
 * Copy a result to guest memory a page at a time, as the device writes it;
 * returns the bytes written before the first page outside the mappings.
 */
static u32 vdev_copy_out(struct idxd_ims_vdev *vdev, u64 iova, void *bounce,
			 u32 len)
{
	u32 done = 0;

	while (done < len) {
		u32 chunk = min_t(u32, len - done,
				  PAGE_SIZE - offset_in_page(iova + done));

		if (vdev_dma_rw(vdev, iova + done, bounce + done, chunk, true))
			break;
		done += chunk;
	}
	return done;
}

/* Result of a completed host descriptor, in guest terms */
static void vdev_guest_result(struct idxd_ims_vdev *vdev,
			      struct idxd_vdev_slot *slot,
			      struct idxd_vdev_result *res)
{
	struct idxd_hw_completion *rec = &res->rec;
	u8 status;
	u64 off;

	vdev_result_init(res, slot);
	*rec = *slot->comp;
	status = rec->status & IDXD_COMP_STATUS_MASK;
	if (status == IDXD_COMP_SUCCESS) {
		off = vdev_copy_out(vdev, slot->guest_dst, slot->bounce[1],
				    slot->copy_back);
		if (off < slot->copy_back) {
			rec->status = IDXD_COMP_PAGE_FAULT |
				      IDXD_COMP_STATUS_FAULT_WRITE;
			rec->bytes_completed = off;
			rec->fault_addr = slot->guest_dst + off;
		}
		return;
	}
	if (status != IDXD_COMP_PAGE_FAULT)
		return;
	/* A fault on a bounce buffer names the guest address it stands for. */
	off = rec->fault_addr - slot->bounce_dma[0];
	if (off < vdev->max_xfer) {
		rec->fault_addr = slot->guest_src + off;
		return;
	}
	off = rec->fault_addr - slot->bounce_dma[1];
	if (off < vdev->max_xfer)
		rec->fault_addr = slot->guest_dst + off;
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
 * Context: interrupt thread (a kernel thread: guest memory is reached
 * through the container's mm).
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
 * Descriptors in flight will not complete: their slots are taken back
 * without a report (as on a halted device), new descriptors are refused
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
		list_move_tail(&slot->node, &vdev->free_slots);
		vdev->num_busy--;
	}
	if (!vdev->num_busy)
		wake_up(&vdev->idle);
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
	schedule_work(&vdev->halt_work);
}
