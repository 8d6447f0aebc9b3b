// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmaengine provider of idxd_ims: one dma_device with one channel per
 * enabled kernel work queue. Offers memcpy (MEMMOVE), memset (MEMFILL) and
 * interrupt (NOOP) descriptors. Every descriptor asks for a completion
 * record and a completion interrupt on the work queue's own vector; the
 * outcome reaches the client through the dmaengine result.
 */
#include <linux/bitfield.h>
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "idxd_ims.h"
#include "wq.h"

/* How long dmaengine_synchronize() waits for terminated descriptors */
#define IDXD_IMS_TERMINATE_TIMEOUT	(10 * HZ)
/*
 * How often a removal waiting for dmaengine clients wakes up: a client may
 * hold its channel for as long as it likes, which is no hung task
 */
#define IDXD_IMS_RELEASE_WAIT		(10 * HZ)

/*
 * Lifetime of the channels and of the dma_device.
 *
 * A client may still hold a channel when its work queue is disabled,
 * which takes the channel's descriptors back and has it refuse new ones.
 * The dmaengine core and the client keep using the channel until the
 * client lets go: its name, in chan->dev, which unregistering the channel
 * frees; and, in dma_release_channel() under the core's dma_list_mutex,
 * the channel itself after the client's reference to the dma_device was
 * dropped. So a channel that a client holds stays registered, off the
 * dma_device's list of channels, until the client lets go: then
 * device_free_chan_resources() queues its teardown, which unregisters it
 * (taking dma_list_mutex, so after that release is over) and frees it.
 * The dma_device of a disabled device stays registered until the last of
 * these channels is torn down, since that needs it. The removal of the PCI
 * function waits until every dma_device of it is released: a client maps
 * its buffers for the function, and a lingering channel's teardown frees
 * DMA memory of it (idxd_ims_dma_wait_released()).
 */
static struct workqueue_struct *idxd_ims_dma_wq;

/*
 * The channels of a dma_device.
 *
 * Channels come and go with their work queues while the dma_device stays
 * registered, and the dmaengine core looks through dma_device.channels
 * under its dma_list_mutex (a client asking for a channel: its filter
 * reads the channel's name in chan->dev), which a driver cannot take. So
 * a channel is listed only once dma_async_device_channel_register() has
 * set it up, with list_add_tail_rcu(), which publishes it after its
 * initialisation; and it is unlisted before it is unregistered, with
 * list_del_rcu(), which leaves its next pointer for a lookup standing on
 * it. dma_async_device_channel_unregister() takes dma_list_mutex before
 * it frees chan->dev, so no lookup is left on the channel by then.
 * Changes to the list are serialised by &idxd_ims_conf.lock.
 */

static struct idxd_ims_dma_dev *to_dma_dev(struct dma_device *dma)
{
	return container_of(dma, struct idxd_ims_dma_dev, dma);
}

static struct idxd_ims_wq_dma *to_wq_dma(struct dma_chan *chan)
{
	return container_of(chan, struct idxd_ims_wq_dma, chan);
}

static struct idxd_ims_desc *to_desc(struct dma_async_tx_descriptor *txd)
{
	return container_of(txd, struct idxd_ims_desc, txd);
}

/**
 * idxd_ims_wq_dma_submit() - hand a prepared descriptor to the device
 * @wq_dma: submission state of the work queue
 * @desc: descriptor from idxd_ims_wq_dma_get_desc()
 *
 * The descriptor is tracked as active before the portal write so that the
 * completion interrupt always finds it. The portal write itself happens
 * without the lock, counted in &idxd_ims_wq_dma.portal_writes: other
 * submitters and the completion need not wait for it (a slow MMIO write
 * where it is emulated), and a disable waits for it to end before the
 * work queue changes in hardware.
 *
 * Context: any; takes &idxd_ims_wq_dma.lock.
 * Return: the cookie, or -EIO if the work queue stopped accepting
 * descriptors (the descriptor is then returned to the pool).
 */
dma_cookie_t idxd_ims_wq_dma_submit(struct idxd_ims_wq_dma *wq_dma,
				    struct idxd_ims_desc *desc)
{
	struct dma_chan *chan = &wq_dma->chan;
	void __iomem *portal;
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&wq_dma->lock, flags);
	if (!wq_dma->accepting) {
		spin_unlock_irqrestore(&wq_dma->lock, flags);
		idxd_ims_wq_dma_put_desc(wq_dma, desc);
		return -EIO;
	}
	cookie = chan->cookie + 1;
	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	chan->cookie = cookie;
	desc->txd.cookie = cookie;

	desc->hw.int_handle = READ_ONCE(wq_dma->vector->int_handle);
	WRITE_ONCE(desc->comp->status, IDXD_COMP_NONE);
	list_add_tail(&desc->node, &wq_dma->active_descs);
	atomic_inc(&wq_dma->portal_writes);
	portal = wq_dma->portal;
	spin_unlock_irqrestore(&wq_dma->lock, flags);

	/* Descriptor and cleared completion record before the portal write. */
	wmb();
	iosubmit_cmds512(portal, &desc->hw, 1);
	/* fully ordered: a waiter sees 0 or is woken */
	if (atomic_dec_and_test(&wq_dma->portal_writes))
		wake_up_var(&wq_dma->portal_writes);
	return cookie;
}

/**
 * idxd_ims_wq_dma_wait_portal_writes() - wait for the portal writes of
 *	submissions that were accepted
 * @wq_dma: submission state whose &idxd_ims_wq_dma.accepting was cleared
 *
 * After this no accepted submission writes the portal any more: the work
 * queue may be disabled or re-enabled in hardware, and descriptors that
 * were aborted may be handed out again.
 *
 * Context: process context; may sleep.
 */
void idxd_ims_wq_dma_wait_portal_writes(struct idxd_ims_wq_dma *wq_dma)
{
	wait_var_event(&wq_dma->portal_writes,
		       !atomic_read(&wq_dma->portal_writes));
}

/**
 * idxd_ims_wq_dma_stop() - refuse new descriptors and wait for the portal
 *	writes of those accepted
 * @wq_dma: submission state of a work queue about to be disabled
 *
 * Context: process context; may sleep; takes &idxd_ims_wq_dma.lock.
 */
void idxd_ims_wq_dma_stop(struct idxd_ims_wq_dma *wq_dma)
{
	unsigned long flags;

	spin_lock_irqsave(&wq_dma->lock, flags);
	wq_dma->accepting = false;
	spin_unlock_irqrestore(&wq_dma->lock, flags);
	idxd_ims_wq_dma_wait_portal_writes(wq_dma);
}

static dma_cookie_t idxd_ims_tx_submit(struct dma_async_tx_descriptor *txd)
{
	return idxd_ims_wq_dma_submit(to_wq_dma(txd->chan), to_desc(txd));
}

static struct dma_async_tx_descriptor *
prep_desc(struct idxd_ims_wq_dma *wq_dma, u8 opcode, u64 src, u64 dst,
	  size_t len, unsigned long flags)
{
	struct idxd_ims_desc *desc;

	if (len > wq_dma->max_xfer_bytes) {
		dev_dbg(&wq_dma->pdev->dev, "wq%d: %zu bytes exceed the %llu byte limit\n",
			wq_dma->wq_id, len, wq_dma->max_xfer_bytes);
		return NULL;
	}
	desc = idxd_ims_wq_dma_get_desc(wq_dma);
	if (!desc)
		return NULL;

	desc->hw.flags_opcode = FIELD_PREP(IDXD_DESC_OPCODE, opcode) |
				FIELD_PREP(IDXD_DESC_FLAGS,
					   IDXD_DESC_FLAG_CRAV |
					   IDXD_DESC_FLAG_RCR |
					   IDXD_DESC_FLAG_RCI);
	desc->hw.src_addr = src;
	desc->hw.dst_addr = dst;
	desc->hw.xfer_size = len;
	desc->len = len;
	desc->terminated = false;

	dma_async_tx_descriptor_init(&desc->txd, &wq_dma->chan);
	desc->txd.flags = flags;
	desc->txd.tx_submit = idxd_ims_tx_submit;
	desc->txd.callback = NULL;
	desc->txd.callback_result = NULL;
	desc->txd.callback_param = NULL;
	desc->txd.unmap = NULL;
	return &desc->txd;
}

static struct dma_async_tx_descriptor *
idxd_ims_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		     size_t len, unsigned long flags)
{
	return prep_desc(to_wq_dma(chan), IDXD_OP_MEMMOVE, src, dst, len, flags);
}

static struct dma_async_tx_descriptor *
idxd_ims_prep_memset(struct dma_chan *chan, dma_addr_t dst, int value,
		     size_t len, unsigned long flags)
{
	/* MEMFILL repeats an 8-byte pattern: the byte value in every lane. */
	u64 pattern = 0x0101010101010101ULL * (u8)value;

	return prep_desc(to_wq_dma(chan), IDXD_OP_MEMFILL, pattern, dst, len,
			 flags);
}

static struct dma_async_tx_descriptor *
idxd_ims_prep_interrupt(struct dma_chan *chan, unsigned long flags)
{
	return prep_desc(to_wq_dma(chan), IDXD_OP_NOOP, 0, 0, 0, flags);
}

/*
 * Descriptors of a work queue complete out of order, so a cookie says
 * nothing about earlier ones: a transaction is in progress exactly while
 * its descriptor is on the active list. Its outcome (success or the kind
 * of failure) is reported through the callback's dmaengine result, and
 * here as DMA_ERROR for as long as the descriptor still carries the cookie
 * (until it is submitted again): its completion record then still holds
 * the status, which is "none" for a descriptor aborted by a halt or a
 * work queue disable.
 */
static enum dma_status idxd_ims_tx_status(struct dma_chan *chan,
					  dma_cookie_t cookie,
					  struct dma_tx_state *txstate)
{
	struct idxd_ims_wq_dma *wq_dma = to_wq_dma(chan);
	enum dma_status status = DMA_COMPLETE;
	struct idxd_ims_desc *desc;
	unsigned long flags;
	unsigned int i;
	u8 comp_status;

	spin_lock_irqsave(&wq_dma->lock, flags);
	list_for_each_entry(desc, &wq_dma->active_descs, node) {
		if (desc->txd.cookie == cookie) {
			status = DMA_IN_PROGRESS;
			goto out_unlock;
		}
	}
	for (i = 0; i < wq_dma->num_descs; i++) {
		desc = &wq_dma->descs[i];
		if (desc->txd.cookie != cookie)
			continue;
		comp_status = READ_ONCE(desc->comp->status) &
			      IDXD_COMP_STATUS_MASK;
		if (comp_status != IDXD_COMP_SUCCESS)
			status = DMA_ERROR;
		break;
	}
out_unlock:
	spin_unlock_irqrestore(&wq_dma->lock, flags);
	return status;
}

/* Descriptors go to the device at submit time; nothing is held back. */
static void idxd_ims_issue_pending(struct dma_chan *chan)
{
}

/*
 * A work queue cannot take back descriptors it was given: terminating a
 * channel detaches the callbacks of what is in flight, so the client hears
 * nothing more of it, and idxd_ims_synchronize() waits until the device is
 * done with them (and with the client's buffers).
 */
static int idxd_ims_terminate_all(struct dma_chan *chan)
{
	struct idxd_ims_wq_dma *wq_dma = to_wq_dma(chan);
	struct idxd_ims_desc *desc;
	unsigned long flags;

	spin_lock_irqsave(&wq_dma->lock, flags);
	list_for_each_entry(desc, &wq_dma->active_descs, node) {
		desc->txd.callback = NULL;
		desc->txd.callback_result = NULL;
		desc->terminated = true;
	}
	spin_unlock_irqrestore(&wq_dma->lock, flags);
	return 0;
}

static bool wq_dma_terminated_in_flight(struct idxd_ims_wq_dma *wq_dma)
{
	struct idxd_ims_desc *desc;
	unsigned long flags;
	bool in_flight = false;

	spin_lock_irqsave(&wq_dma->lock, flags);
	list_for_each_entry(desc, &wq_dma->active_descs, node)
		in_flight |= desc->terminated;
	spin_unlock_irqrestore(&wq_dma->lock, flags);
	return in_flight;
}

/*
 * After terminate: wait until no terminated descriptor is in flight, then
 * for a callback the completion tasklet may still be running (on another
 * CPU, or scheduled by an interrupt that has just ended). A tasklet that
 * is scheduled but not yet running calls no callback of a terminated
 * descriptor: terminating took them off under the lock under which the
 * tasklet takes them.
 */
static void idxd_ims_synchronize(struct dma_chan *chan)
{
	struct idxd_ims_wq_dma *wq_dma = to_wq_dma(chan);
	unsigned int virq = 0;
	unsigned long flags;

	if (!wait_event_timeout(wq_dma->terminated_done,
				!wq_dma_terminated_in_flight(wq_dma),
				IDXD_IMS_TERMINATE_TIMEOUT))
		dev_warn(&wq_dma->pdev->dev,
			 "wq%d: terminated descriptors still in flight after %d s\n",
			 wq_dma->wq_id, IDXD_IMS_TERMINATE_TIMEOUT / HZ);

	spin_lock_irqsave(&wq_dma->lock, flags);
	if (wq_dma->accepting)
		virq = wq_dma->vector->virq;
	spin_unlock_irqrestore(&wq_dma->lock, flags);
	if (virq)
		synchronize_irq(virq);
	tasklet_unlock_wait(&wq_dma->complete_tasklet);
}

/*
 * A client takes a channel, refused once its work queue was disabled.
 * Called by the dmaengine core with its dma_list_mutex held.
 */
static int idxd_ims_alloc_chan_resources(struct dma_chan *chan)
{
	struct idxd_ims_dma_dev *dma_dev = to_dma_dev(chan->device);
	struct idxd_ims_wq_dma *wq_dma = to_wq_dma(chan);
	int rc = 0;

	spin_lock(&dma_dev->lock);
	if (wq_dma->gone)
		rc = -EBUSY;
	else
		wq_dma->held = true;
	spin_unlock(&dma_dev->lock);
	return rc;
}

/*
 * The client let go of the channel; one whose work queue was disabled is
 * torn down. Called by the dmaengine core with its dma_list_mutex held,
 * before it is done with the channel.
 */
static void idxd_ims_free_chan_resources(struct dma_chan *chan)
{
	struct idxd_ims_dma_dev *dma_dev = to_dma_dev(chan->device);
	struct idxd_ims_wq_dma *wq_dma = to_wq_dma(chan);

	spin_lock(&dma_dev->lock);
	wq_dma->held = false;
	if (wq_dma->gone)
		queue_work(idxd_ims_dma_wq, &wq_dma->teardown_work);
	spin_unlock(&dma_dev->lock);
}

/*
 * Unregister and free a channel that lingered after its work queue was
 * disabled, now that its client let go; then the dma_device of a disabled
 * device if that was its last such channel.
 */
static void idxd_ims_chan_teardown_work(struct work_struct *work)
{
	struct idxd_ims_wq_dma *wq_dma =
		container_of(work, struct idxd_ims_wq_dma, teardown_work);
	struct idxd_ims_dma_dev *dma_dev = to_dma_dev(wq_dma->chan.device);
	bool unregister;

	dma_async_device_channel_unregister(&dma_dev->dma, &wq_dma->chan);
	idxd_ims_wq_dma_free(wq_dma);

	spin_lock(&dma_dev->lock);
	unregister = !--dma_dev->lingering && dma_dev->dead;
	spin_unlock(&dma_dev->lock);
	/* drops the last reference: dma_dev is freed */
	if (unregister)
		dma_async_device_unregister(&dma_dev->dma);
}

/*
 * The dma_device is unregistered and its last client gone: free it and
 * tell a removal waiting in idxd_ims_dma_wait_released(), last, since the
 * device may be freed as soon as the removal goes on.
 */
static void idxd_ims_dma_release(struct dma_device *dma)
{
	struct idxd_ims_dma_dev *dma_dev = to_dma_dev(dma);
	struct idxd_ims_dev *idev = dma_dev->idev;

	pci_dev_put(dma_dev->pdev);
	kfree(dma_dev);
	if (refcount_dec_and_test(&idev->dma_refs))
		complete(&idev->dma_released);
}

/**
 * idxd_ims_dma_wait_released() - wait until no dmaengine client holds a
 *	channel of a device that goes away
 * @idev: device being removed, disabled, with its dsa bus objects gone
 *
 * A client maps its buffers for the PCI function, and a channel it holds
 * past the disable of its work queue keeps the work queue's descriptors
 * and completion records, DMA memory of the function too: none of it may
 * outlive the removal. Meanwhile the client's transfers are refused, and
 * it has to let go by itself: dmaengine has no way to ask it to. Says
 * once what the removal waits for.
 *
 * Context: process context (PCI remove).
 */
void idxd_ims_dma_wait_released(struct idxd_ims_dev *idev)
{
	struct device *dev = &idev->pdev->dev;

	if (refcount_dec_and_test(&idev->dma_refs))
		return;
	dev_notice(dev, "removal waits for the clients of its dmaengine channels to release them\n");
	while (!wait_for_completion_timeout(&idev->dma_released,
					    IDXD_IMS_RELEASE_WAIT))
		;
	dev_info(dev, "the last dmaengine client released its channel\n");
}

/**
 * idxd_ims_dma_dev_register() - register the dmaengine device of a device
 * @conf: configuration of a device that has just been enabled
 *
 * The dma_device starts without channels; each enabled kernel work queue
 * adds one.
 *
 * Context: process context; &idxd_ims_conf.lock held.
 * Return: the registered device or an ERR_PTR().
 */
struct idxd_ims_dma_dev *idxd_ims_dma_dev_register(struct idxd_ims_conf *conf)
{
	struct pci_dev *pdev = conf->idev->pdev;
	u64 opcap = conf->idev->caps.opcap[0];
	struct idxd_ims_dma_dev *dma_dev;
	struct dma_device *dma;
	int rc;

	lockdep_assert_held(&conf->lock);

	dma_dev = kzalloc(sizeof(*dma_dev), GFP_KERNEL);
	if (!dma_dev)
		return ERR_PTR(-ENOMEM);
	dma_dev->idev = conf->idev;
	dma_dev->pdev = pci_dev_get(pdev);
	spin_lock_init(&dma_dev->lock);

	dma = &dma_dev->dma;
	dma->dev = &pdev->dev;
	dma_cap_set(DMA_PRIVATE, dma->cap_mask);
	dma_cap_set(DMA_COMPLETION_NO_ORDER, dma->cap_mask);
	dma_cap_set(DMA_INTERRUPT, dma->cap_mask);
	dma->device_prep_dma_interrupt = idxd_ims_prep_interrupt;
	if (opcap & BIT_ULL(IDXD_OP_MEMMOVE)) {
		dma_cap_set(DMA_MEMCPY, dma->cap_mask);
		dma->device_prep_dma_memcpy = idxd_ims_prep_memcpy;
	}
	if (opcap & BIT_ULL(IDXD_OP_MEMFILL)) {
		dma_cap_set(DMA_MEMSET, dma->cap_mask);
		dma->device_prep_dma_memset = idxd_ims_prep_memset;
	}
	dma->device_tx_status = idxd_ims_tx_status;
	dma->device_issue_pending = idxd_ims_issue_pending;
	dma->device_alloc_chan_resources = idxd_ims_alloc_chan_resources;
	dma->device_free_chan_resources = idxd_ims_free_chan_resources;
	dma->device_terminate_all = idxd_ims_terminate_all;
	dma->device_synchronize = idxd_ims_synchronize;
	dma->device_release = idxd_ims_dma_release;
	INIT_LIST_HEAD(&dma->channels);

	rc = dma_async_device_register(dma);
	if (rc) {
		dev_err(&pdev->dev, "dmaengine registration failed: %d\n", rc);
		pci_dev_put(pdev);
		kfree(dma_dev);
		return ERR_PTR(rc);
	}
	refcount_inc(&conf->idev->dma_refs);
	return dma_dev;
}

/**
 * idxd_ims_dma_dev_unregister() - remove the dmaengine device of a device
 * @dma_dev: device from idxd_ims_dma_dev_register(), without channels
 *
 * Unregisters the dma_device now, or, while clients still hold channels
 * whose work queues were disabled under them, once the last of those
 * channels is torn down. @dma_dev is freed when it is unregistered and no
 * client reference is left.
 *
 * Context: process context; &idxd_ims_conf.lock held.
 */
void idxd_ims_dma_dev_unregister(struct idxd_ims_dma_dev *dma_dev)
{
	unsigned int lingering;

	spin_lock(&dma_dev->lock);
	dma_dev->dead = true;
	lingering = dma_dev->lingering;
	spin_unlock(&dma_dev->lock);

	if (!lingering) {
		dma_async_device_unregister(&dma_dev->dma);
		return;
	}
	dev_info(&dma_dev->pdev->dev, "dma%d stays until its clients let go of %u channels\n",
		 dma_dev->dma.dev_id, lingering);
}

/**
 * idxd_ims_wq_dma_alloc() - allocate the submission state of a work queue
 * @wq: work queue about to be enabled
 *
 * Allocates one descriptor and one completion record per work queue slot,
 * so the device can never be handed more descriptors than the dedicated
 * work queue holds.
 *
 * Context: process context; &idxd_ims_conf.lock held.
 * Return: the new state (not yet accepting descriptors) or NULL.
 */
struct idxd_ims_wq_dma *idxd_ims_wq_dma_alloc(struct idxd_ims_wq *wq)
{
	struct pci_dev *pdev = wq->conf->idev->pdev;
	struct idxd_ims_wq_dma *wq_dma;
	unsigned int i;

	lockdep_assert_held(&wq->conf->lock);

	wq_dma = kzalloc(sizeof(*wq_dma), GFP_KERNEL);
	if (!wq_dma)
		return NULL;
	wq_dma->descs = kcalloc(wq->size, sizeof(*wq_dma->descs), GFP_KERNEL);
	if (!wq_dma->descs)
		goto err_free_wq_dma;
	/* IAX completion records are 64 bytes (and 64-byte aligned) */
	wq_dma->comp_size = wq->conf->idev->type == IDXD_IMS_TYPE_IAX ?
			    IDXD_IAX_COMP_SIZE : IDXD_DSA_COMP_SIZE;
	wq_dma->comps = dma_alloc_coherent(&pdev->dev,
					   wq->size * wq_dma->comp_size,
					   &wq_dma->comps_dma, GFP_KERNEL);
	if (!wq_dma->comps)
		goto err_free_descs;

	wq_dma->pdev = pci_dev_get(pdev);
	wq_dma->wq_id = wq->id;
	wq_dma->max_xfer_bytes = wq->max_xfer_bytes;
	wq_dma->num_descs = wq->size;
	if (wq->conf->idev->pasid_enabled)
		wq_dma->pasid_priv = FIELD_PREP(IDXD_DESC_PASID,
						wq->conf->idev->pasid);
	spin_lock_init(&wq_dma->lock);
	INIT_LIST_HEAD(&wq_dma->free_descs);
	INIT_LIST_HEAD(&wq_dma->active_descs);
	init_waitqueue_head(&wq_dma->terminated_done);
	atomic_set(&wq_dma->portal_writes, 0);
	INIT_WORK(&wq_dma->teardown_work, idxd_ims_chan_teardown_work);
	tasklet_setup(&wq_dma->complete_tasklet,
		      idxd_ims_wq_dma_complete_tasklet);
	for (i = 0; i < wq->size; i++) {
		struct idxd_ims_desc *desc = &wq_dma->descs[i];

		desc->comp = wq_dma->comps + i * wq_dma->comp_size;
		desc->comp_dma = wq_dma->comps_dma + i * wq_dma->comp_size;
		list_add_tail(&desc->node, &wq_dma->free_descs);
	}
	return wq_dma;

err_free_descs:
	kfree(wq_dma->descs);
err_free_wq_dma:
	kfree(wq_dma);
	return NULL;
}

/**
 * idxd_ims_wq_dma_free() - free submission state whose channel is not
 *	registered and not held by any client
 * @wq_dma: state from idxd_ims_wq_dma_alloc()
 */
void idxd_ims_wq_dma_free(struct idxd_ims_wq_dma *wq_dma)
{
	dma_free_coherent(&wq_dma->pdev->dev,
			  wq_dma->num_descs * wq_dma->comp_size,
			  wq_dma->comps, wq_dma->comps_dma);
	pci_dev_put(wq_dma->pdev);
	kfree(wq_dma->descs);
	kfree(wq_dma);
}

/**
 * idxd_ims_wq_dma_register() - add the channel of a work queue
 * @dma_dev: dmaengine device of the work queue's device
 * @wq_dma: submission state from idxd_ims_wq_dma_alloc()
 *
 * Context: process context; &idxd_ims_conf.lock held.
 * Return: 0 or a negative errno from dma_async_device_channel_register().
 */
int idxd_ims_wq_dma_register(struct idxd_ims_dma_dev *dma_dev,
			     struct idxd_ims_wq_dma *wq_dma)
{
	struct dma_chan *chan = &wq_dma->chan;
	int rc;

	chan->device = &dma_dev->dma;
	rc = dma_async_device_channel_register(&dma_dev->dma, chan, NULL);
	if (rc) {
		dev_err(&wq_dma->pdev->dev, "wq%d: dmaengine channel registration failed: %d\n",
			wq_dma->wq_id, rc);
		return rc;
	}
	/* listed once registered: see "The channels of a dma_device" */
	list_add_tail_rcu(&chan->device_node, &dma_dev->dma.channels);
	return 0;
}

/**
 * idxd_ims_wq_dma_unregister() - remove the channel of a work queue and
 *	free its submission state
 * @dma_dev: dmaengine device the channel belongs to
 * @wq_dma: registered submission state; it must no longer accept
 *	descriptors
 *
 * A channel still held by a client (which should have let go before the
 * work queue was disabled) stays registered, and keeps its memory, until
 * the client lets go (see "Lifetime of the channels and of the
 * dma_device").
 *
 * Context: process context; &idxd_ims_conf.lock held.
 */
void idxd_ims_wq_dma_unregister(struct idxd_ims_dma_dev *dma_dev,
				struct idxd_ims_wq_dma *wq_dma)
{
	bool held;

	/* from now on no client takes the channel; one holding it keeps it */
	spin_lock(&dma_dev->lock);
	wq_dma->gone = true;
	held = wq_dma->held;
	if (held)
		dma_dev->lingering++;
	spin_unlock(&dma_dev->lock);

	/* unlisted before unregistered: see "The channels of a dma_device" */
	list_del_rcu(&wq_dma->chan.device_node);
	if (held) {
		dev_warn(&wq_dma->pdev->dev, "wq%d disabled while a client holds its channel\n",
			 wq_dma->wq_id);
		return;
	}
	dma_async_device_channel_unregister(&dma_dev->dma, &wq_dma->chan);
	idxd_ims_wq_dma_free(wq_dma);
}

/**
 * idxd_ims_dma_init() - set up the dmaengine provider at module load
 *
 * Return: 0, or -ENOMEM.
 */
int idxd_ims_dma_init(void)
{
	idxd_ims_dma_wq = alloc_workqueue("idxd_ims_dma", 0, 0);
	return idxd_ims_dma_wq ? 0 : -ENOMEM;
}

/**
 * idxd_ims_dma_exit() - undo idxd_ims_dma_init() at module unload
 *
 * Waits for the teardown of the channels whose last client let go (and of
 * their dma_devices).
 */
void idxd_ims_dma_exit(void)
{
	destroy_workqueue(idxd_ims_dma_wq);
}
