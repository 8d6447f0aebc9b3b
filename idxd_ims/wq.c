// SPDX-License-Identifier: GPL-2.0-only
/*
 * Work queue side of idxd_ims: programs WQCFG and GRPCFG from the software
 * configuration, enables and disables the device and its work queues with
 * device commands, and completes descriptors from each work queue's own
 * completion interrupt (an IMS entry, or a dynamic MSI-X vector when the
 * platform has no IMS).
 */
#include <linux/bitfield.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/log2.h>
#include <linux/pci.h>

#include "idxd_ims.h"
#include "wq.h"

static struct idxd_ims_dev *conf_idev(struct idxd_ims_conf *conf)
{
	return conf->idev;
}

static void __iomem *wqcfg_base(struct idxd_ims_conf *conf, int wq_id)
{
	struct idxd_ims_dev *idev = conf_idev(conf);

	return idev->reg_base + idev->caps.wqcfg_offset +
	       wq_id * idev->caps.wqcfg_size;
}

static void __iomem *grpcfg_base(struct idxd_ims_conf *conf, int group_id)
{
	struct idxd_ims_dev *idev = conf_idev(conf);

	return idev->reg_base + idev->caps.grpcfg_offset +
	       group_id * IDXD_GRPCFG_STRIDE;
}

/*
 * Run a device command. An error status is remembered in conf->cmd_status
 * (the cmd_status sysfs attribute, which accel-config decodes); any
 * failure is reported as -ENXIO, the device refusing what was asked.
 */
static int conf_cmd(struct idxd_ims_conf *conf, enum idxd_cmd_code code,
		    u32 operand, const char *what)
{
	u32 status = 0;
	int rc;

	lockdep_assert_held(&conf->lock);

	rc = idxd_ims_cmd(conf_idev(conf), code, operand, &status);
	if (FIELD_GET(IDXD_CMDSTS_ERR, status) != IDXD_CMDSTS_SUCCESS)
		conf->cmd_status = status;
	if (rc) {
		dev_err(&conf->dev, "%s: command %d failed (%d), status %#x\n",
			what, code, rc, status);
		return -ENXIO;
	}
	return 0;
}

static u32 wq_pasid_dword(struct idxd_ims_wq *wq)
{
	struct idxd_ims_dev *idev = conf_idev(wq->conf);
	u32 dw = 0;

	if (wq->dedicated)
		dw |= IDXD_WQCFG_MODE_DEDICATED;
	if (wq->block_on_fault && !wq->prs_disable)
		dw |= IDXD_WQCFG_BOF;
	if (wq->ats_disable)
		dw |= IDXD_WQCFG_ATS_DISABLE;
	if (wq->prs_disable)
		dw |= IDXD_WQCFG_PRS_DISABLE;
	dw |= FIELD_PREP(IDXD_WQCFG_PRIORITY, wq->priority);
	if (wq->type == IDXD_WQT_MDEV) {
		if (wq->mdev_pasid_en)
			dw |= IDXD_WQCFG_PASID_EN |
			      FIELD_PREP(IDXD_WQCFG_PASID, wq->mdev_pasid);
	} else if (idev->pasid_enabled) {
		dw |= IDXD_WQCFG_PASID_EN |
		      FIELD_PREP(IDXD_WQCFG_PASID, idev->pasid);
	}
	return dw;
}

/* A work queue takes part in the configuration when it has a group and slots */
static bool wq_configured(struct idxd_ims_wq *wq)
{
	return wq->group && wq->size;
}

static void wq_write_config(struct idxd_ims_wq *wq)
{
	struct idxd_ims_conf *conf = wq->conf;
	void __iomem *base = wqcfg_base(conf, wq->id);
	u32 limits;

	lockdep_assert_held(&conf->lock);

	if (!wq_configured(wq)) {
		iowrite32(0, base + IDXD_WQCFG_DW_SIZE * 4);
		return;
	}

	limits = FIELD_PREP(IDXD_WQCFG_MAX_XFER_SHIFT,
			    ilog2(wq->max_xfer_bytes));
	if (wq->max_batch_size)
		limits |= FIELD_PREP(IDXD_WQCFG_MAX_BATCH_SHIFT,
				     ilog2(wq->max_batch_size));

	iowrite32(FIELD_PREP(IDXD_WQCFG_SIZE, wq->size),
		  base + IDXD_WQCFG_DW_SIZE * 4);
	iowrite32(FIELD_PREP(IDXD_WQCFG_THRESHOLD, wq->threshold),
		  base + IDXD_WQCFG_DW_THRESHOLD * 4);
	iowrite32(wq_pasid_dword(wq), base + IDXD_WQCFG_DW_MODE * 4);
	iowrite32(limits, base + IDXD_WQCFG_DW_LIMITS * 4);
	/* occupancy interrupts are not used */
	iowrite32(0, base + IDXD_WQCFG_DW_OCCUPANCY_INT * 4);
	iowrite32(0, base + IDXD_WQCFG_DW_OCCUPANCY_LIMIT * 4);
}

static void group_write_config(struct idxd_ims_group *group)
{
	struct idxd_ims_conf *conf = group->conf;
	void __iomem *base = grpcfg_base(conf, group->id);
	u64 wqs[IDXD_GRPCFG_WQ_QWORDS] = {};
	u64 engines = 0;
	u64 flags;
	unsigned int i;

	lockdep_assert_held(&conf->lock);

	for (i = 0; i < conf->num_wqs; i++) {
		struct idxd_ims_wq *wq = conf->wqs[i];

		if (wq->group == group && wq_configured(wq))
			wqs[wq->id / 64] |= BIT_ULL(wq->id % 64);
	}
	for (i = 0; i < conf->num_engines; i++)
		if (conf->engines[i]->group == group)
			engines |= BIT_ULL(conf->engines[i]->id);

	flags = FIELD_PREP(IDXD_GRPFLAGS_TC_A, group->tc_a) |
		FIELD_PREP(IDXD_GRPFLAGS_TC_B, group->tc_b) |
		FIELD_PREP(IDXD_GRPFLAGS_RDBUFS_RESERVED,
			   group->rdbufs_reserved) |
		FIELD_PREP(IDXD_GRPFLAGS_RDBUFS_ALLOWED, group->rdbufs_allowed);
	if (group->use_rdbuf_limit)
		flags |= IDXD_GRPFLAGS_USE_RDBUF_LIMIT;

	for (i = 0; i < IDXD_GRPCFG_WQ_QWORDS; i++)
		writeq(wqs[i], base + IDXD_GRPCFG_WQS + i * 8);
	writeq(engines, base + IDXD_GRPCFG_ENGINES);
	writeq(flags, base + IDXD_GRPCFG_FLAGS);
}

/* Program a work queue (and the groups) and enable it in hardware. */
static int wq_hw_enable(struct idxd_ims_wq *wq, const char *what)
{
	struct idxd_ims_conf *conf = wq->conf;
	unsigned int i;

	lockdep_assert_held(&conf->lock);

	wq_write_config(wq);
	for (i = 0; i < conf->num_groups; i++)
		group_write_config(conf->groups[i]);
	return conf_cmd(conf, IDXD_CMD_ENABLE_WQ, wq->id, what);
}

/*
 * Let the device finish a work queue's descriptors, then disable it. A
 * failure of either command is logged by conf_cmd(); only a disable that
 * succeeded says that the work queue stopped (it also waits for what is
 * in flight).
 *
 * Return: 0, or -ENXIO when the device did not confirm that the work
 * queue stopped: it may still run descriptors and write their results.
 */
static int wq_hw_disable(struct idxd_ims_wq *wq)
{
	u32 mask = idxd_ims_cmd_wq_mask_operand(wq->id);

	lockdep_assert_held(&wq->conf->lock);

	conf_cmd(wq->conf, IDXD_CMD_DRAIN_WQ, mask, "drain wq");
	return conf_cmd(wq->conf, IDXD_CMD_DISABLE_WQ, mask, "disable wq");
}

/**
 * idxd_ims_group_has_engine() - whether an engine serves a group
 * @group: group
 *
 * A work queue in a group without an engine takes descriptors that never
 * run.
 *
 * Context: &idxd_ims_conf.lock held.
 * Return: true when at least one engine is in @group.
 */
bool idxd_ims_group_has_engine(struct idxd_ims_group *group)
{
	struct idxd_ims_conf *conf = group->conf;
	unsigned int i;

	lockdep_assert_held(&conf->lock);

	for (i = 0; i < conf->num_engines; i++)
		if (conf->engines[i]->group == group)
			return true;
	return false;
}

/*
 * enable_refuse() - say why enabling @dev (the device or a work queue of
 * @conf) was refused: at the default log level, since the bind only fails
 * and tools such as accel-config do not say why, and rate limited, since
 * it can be repeated. While the objects are being added the driver core
 * tries to bind each, unconfigured, and the refusal is expected: debug
 * level then.
 */
static __printf(3, 4) void enable_refuse(struct idxd_ims_conf *conf,
					  struct device *dev,
					  const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	lockdep_assert_held(&conf->lock);

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (conf->adding)
		dev_dbg(dev, "enable refused: %pV", &vaf);
	else
		dev_warn_ratelimited(dev, "enable refused: %pV", &vaf);
	va_end(args);
}

/*
 * Check that the configuration can be enabled: at least one configured
 * work queue, and every group holding a configured work queue has an
 * engine.
 */
static int conf_check(struct idxd_ims_conf *conf)
{
	unsigned int i, configured = 0;

	lockdep_assert_held(&conf->lock);

	for (i = 0; i < conf->num_wqs; i++) {
		struct idxd_ims_wq *wq = conf->wqs[i];

		if (!wq_configured(wq))
			continue;
		configured++;
		if (!idxd_ims_group_has_engine(wq->group)) {
			enable_refuse(conf, &conf->dev, "%s of %s has no engine\n",
				      dev_name(&wq->group->dev),
				      dev_name(&wq->dev));
			return -ENXIO;
		}
	}
	if (!configured) {
		enable_refuse(conf, &conf->dev,
			      "no work queue has a group and a size\n");
		return -ENXIO;
	}
	return 0;
}

/*
 * Write WQCFG (of the disabled work queues, or of all after a reset),
 * GRPCFG and the read buffer limit in GENCFG.
 */
static void conf_write_config(struct idxd_ims_conf *conf, bool after_reset)
{
	struct idxd_ims_dev *idev = conf_idev(conf);
	unsigned int i;
	u32 gencfg;

	lockdep_assert_held(&conf->lock);

	for (i = 0; i < conf->num_wqs; i++)
		if (after_reset || !conf->wqs[i]->enabled)
			wq_write_config(conf->wqs[i]);
	for (i = 0; i < conf->num_groups; i++)
		group_write_config(conf->groups[i]);

	if (idev->caps.grpcap & IDXD_GRPCAP_RDBUF_LIMIT) {
		gencfg = ioread32(idev->reg_base + IDXD_GENCFG_OFFSET);
		gencfg &= ~IDXD_GENCFG_RDBUF_LIMIT;
		gencfg |= FIELD_PREP(IDXD_GENCFG_RDBUF_LIMIT, conf->rdbuf_limit);
		iowrite32(gencfg, idev->reg_base + IDXD_GENCFG_OFFSET);
	}
}

/**
 * idxd_ims_device_enable() - program the configuration and enable the device
 * @conf: configuration of the device
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 * Return: 0, -EBUSY if already enabled, -ENODEV while the PCI function is
 * removed, -ENXIO for an incomplete configuration, an unusable device or
 * a refused command.
 */
int idxd_ims_device_enable(struct idxd_ims_conf *conf)
{
	struct idxd_ims_dev *idev = conf_idev(conf);
	int rc;

	mutex_lock(&conf->lock);
	if (conf->enabled) {
		enable_refuse(conf, &conf->dev, "already enabled\n");
		rc = -EBUSY;
		goto out_unlock;
	}
	if (conf->removing) {
		enable_refuse(conf, &conf->dev, "the PCI function is being removed\n");
		rc = -ENODEV;
		goto out_unlock;
	}
	if (!idxd_ims_dev_usable(idev)) {
		dev_err_ratelimited(&conf->dev, "enable refused: the device is halted or failed\n");
		rc = -ENXIO;
		goto out_unlock;
	}
	if (idev->caps.config_en) {
		rc = conf_check(conf);
		if (rc)
			goto out_unlock;
		conf_write_config(conf, false);
	}
	rc = conf_cmd(conf, IDXD_CMD_ENABLE_DEVICE, 0, "enable device");
	if (rc)
		goto out_unlock;
	conf->dma_dev = idxd_ims_dma_dev_register(conf);
	if (IS_ERR(conf->dma_dev)) {
		rc = PTR_ERR(conf->dma_dev);
		conf->dma_dev = NULL;
		goto err_disable_device;
	}
	conf->enabled = true;
	dev_info(&conf->dev, "enabled\n");
	mutex_unlock(&conf->lock);
	return 0;

err_disable_device:
	conf_cmd(conf, IDXD_CMD_DISABLE_DEVICE, 0, "disable device");
out_unlock:
	mutex_unlock(&conf->lock);
	return rc;
}

/**
 * idxd_ims_device_disabling() - refuse kernel work queue enables from now
 *	until the device is disabled
 * @conf: configuration of the device
 *
 * The caller then unbinds every kernel work queue and calls
 * idxd_ims_device_disable(): a work queue bound in between (a write to
 * the dmaengine driver's bind, accel-config) would stay enabled on a
 * disabled device, with its dmaengine device gone.
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 */
void idxd_ims_device_disabling(struct idxd_ims_conf *conf)
{
	mutex_lock(&conf->lock);
	conf->disabling = true;
	mutex_unlock(&conf->lock);
}

/**
 * idxd_ims_device_disable() - disable the device
 * @conf: configuration of the device
 *
 * The caller has disabled every kernel work queue first, after
 * idxd_ims_device_disabling() kept new ones from being enabled. Work queues
 * backing virtual devices stop with the device: their virtual devices are
 * told, as after a halt, and stay without a working queue until removed.
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 */
void idxd_ims_device_disable(struct idxd_ims_conf *conf)
{
	unsigned int i;

	mutex_lock(&conf->lock);
	if (conf->enabled) {
		idxd_ims_dma_dev_unregister(conf->dma_dev);
		conf->dma_dev = NULL;
		if (conf_cmd(conf, IDXD_CMD_DISABLE_DEVICE, 0, "disable device"))
			dev_warn(&conf->dev, "disable failed, device state is unknown\n");
		conf->enabled = false;
		/*
		 * Only now, with the device quiet, may a virtual device take
		 * back the slots of descriptors that will not complete.
		 */
		for (i = 0; i < conf->num_wqs; i++) {
			struct idxd_ims_wq *wq = conf->wqs[i];

			if (!wq->mdev) {
				/* released, but its disable had failed */
				if (wq->type == IDXD_WQT_MDEV)
					wq->enabled = false;
				continue;
			}
			if (!wq->enabled)
				continue;
			dev_warn(&wq->dev, "device disabled under a virtual device\n");
			WRITE_ONCE(wq->mdev_live, false);
			wq->mdev_halted(wq->mdev);
			wq->enabled = false;
		}
		dev_info(&conf->dev, "disabled\n");
	}
	conf->disabling = false;
	mutex_unlock(&conf->lock);
}

/**
 * idxd_ims_wq_occupancy() - read the number of occupied entries of a WQ
 * @wq: work queue
 *
 * Return: WQCFG occupancy field.
 */
u32 idxd_ims_wq_occupancy(struct idxd_ims_wq *wq)
{
	void __iomem *base = wqcfg_base(wq->conf, wq->id);

	return FIELD_GET(IDXD_WQCFG_OCCUPANCY,
			 ioread32(base + IDXD_WQCFG_DW_STATUS * 4));
}

static void __iomem *wq_portal(struct idxd_ims_dev *idev, int wq_id,
			       enum idxd_ims_irq_kind kind)
{
	unsigned int page = wq_id * IDXD_PORTAL_PAGES_PER_WQ +
			    IDXD_PORTAL_LIMITED;

	if (kind == IDXD_IMS_IRQ_IMS)
		page += IDXD_PORTAL_IRQ_IMS;
	else
		page += IDXD_PORTAL_IRQ_MSIX;
	return idev->portal_base + page * PAGE_SIZE;
}

/**
 * idxd_ims_wq_dma_get_desc() - take a free descriptor of a work queue
 * @wq_dma: submission state of the work queue
 *
 * Context: any; takes &idxd_ims_wq_dma.lock.
 * Return: a descriptor with a cleared hardware descriptor, or NULL when
 * all are in use or the work queue is disabled.
 */
struct idxd_ims_desc *idxd_ims_wq_dma_get_desc(struct idxd_ims_wq_dma *wq_dma)
{
	struct idxd_ims_desc *desc = NULL;
	unsigned long flags;

	spin_lock_irqsave(&wq_dma->lock, flags);
	if (wq_dma->accepting && !list_empty(&wq_dma->free_descs)) {
		desc = list_first_entry(&wq_dma->free_descs,
					struct idxd_ims_desc, node);
		list_del_init(&desc->node);
	}
	spin_unlock_irqrestore(&wq_dma->lock, flags);

	if (desc) {
		memset(&desc->hw, 0, sizeof(desc->hw));
		desc->hw.pasid_priv = wq_dma->pasid_priv;
		desc->hw.completion_addr = desc->comp_dma;
	}
	return desc;
}

/**
 * idxd_ims_wq_dma_put_desc() - give back a descriptor that was not submitted
 *	or has completed
 * @wq_dma: submission state of the work queue
 * @desc: descriptor from idxd_ims_wq_dma_get_desc()
 *
 * Context: any; takes &idxd_ims_wq_dma.lock.
 */
void idxd_ims_wq_dma_put_desc(struct idxd_ims_wq_dma *wq_dma,
			      struct idxd_ims_desc *desc)
{
	unsigned long flags;

	/* Reused last: its cookie and completion status stay longest. */
	spin_lock_irqsave(&wq_dma->lock, flags);
	list_add_tail(&desc->node, &wq_dma->free_descs);
	spin_unlock_irqrestore(&wq_dma->lock, flags);
}

static enum dmaengine_tx_result comp_result(u8 status)
{
	switch (status & IDXD_COMP_STATUS_MASK) {
	case IDXD_COMP_SUCCESS:
		return DMA_TRANS_NOERROR;
	case IDXD_COMP_NONE:
		return DMA_TRANS_ABORTED;
	default:
		if (status & IDXD_COMP_STATUS_FAULT_WRITE)
			return DMA_TRANS_WRITE_FAILED;
		return DMA_TRANS_READ_FAILED;
	}
}

/* How many finished descriptors one pass of the completion takes */
#define IDXD_IMS_COMPLETE_BATCH	8

/*
 * What the client is told about a finished descriptor, taken while the
 * descriptor is returned to the pool, so that it can be told after the
 * lock is dropped, when the descriptor may already carry the next transfer
 */
struct idxd_ims_done {
	dma_async_tx_callback_result cb_result;
	dma_async_tx_callback cb;
	void *cb_param;
	struct dmaengine_unmap_data *unmap;
	struct dmaengine_result result;
};

/* Take @desc's outcome into @done and give @desc back to the pool. */
static void desc_retire(struct idxd_ims_wq_dma *wq_dma,
			struct idxd_ims_desc *desc, struct idxd_ims_done *done)
{
	struct dma_async_tx_descriptor *txd = &desc->txd;
	u8 status = READ_ONCE(desc->comp->status);

	lockdep_assert_held(&wq_dma->lock);

	/* The status byte is written last; read the rest only after it. */
	dma_rmb();
	done->result.result = comp_result(status);
	done->result.residue = 0;
	if (done->result.result != DMA_TRANS_NOERROR) {
		u32 bytes = READ_ONCE(desc->comp->bytes_completed);

		done->result.residue = bytes < desc->len ? desc->len - bytes : 0;
		if (status)
			dev_dbg(&wq_dma->pdev->dev,
				"wq%d: descriptor failed, status %#x\n",
				wq_dma->wq_id, status);
	}
	done->cb_result = txd->callback_result;
	done->cb = txd->callback;
	done->cb_param = txd->callback_param;
	done->unmap = txd->unmap;
	txd->unmap = NULL;
	/* Reused last: its cookie and completion status stay longest. */
	list_move_tail(&desc->node, &wq_dma->free_descs);
}

/**
 * idxd_ims_wq_dma_complete() - finish descriptors whose completion record
 *	has been written
 * @wq_dma: submission state of the work queue
 * @abort: also finish the outstanding ones, reporting them as aborted
 *
 * Each pass takes the lock once, for up to %IDXD_IMS_COMPLETE_BATCH
 * finished descriptors: it takes their outcomes and returns them to the
 * pool. Unmapping and callbacks follow without any lock held, so a
 * callback may prepare the next transfer.
 *
 * Context: softirq (&idxd_ims_wq_dma.complete_tasklet), process context (work
 * queue disable) or the halt handler with interrupts off; callbacks run
 * in the same context, which for the completions of the device is the
 * tasklet-like context the dmaengine client API promises.
 */
void idxd_ims_wq_dma_complete(struct idxd_ims_wq_dma *wq_dma, bool abort)
{
	struct idxd_ims_done done[IDXD_IMS_COMPLETE_BATCH];
	struct idxd_ims_desc *desc, *next;
	bool terminated = false;
	unsigned int i, n;
	unsigned long flags;

	do {
		n = 0;
		spin_lock_irqsave(&wq_dma->lock, flags);
		list_for_each_entry_safe(desc, next, &wq_dma->active_descs,
					 node) {
			if (!abort && !READ_ONCE(desc->comp->status))
				continue;
			terminated |= desc->terminated;
			desc_retire(wq_dma, desc, &done[n]);
			if (++n == IDXD_IMS_COMPLETE_BATCH)
				break;
		}
		spin_unlock_irqrestore(&wq_dma->lock, flags);

		for (i = 0; i < n; i++) {
			if (done[i].unmap)
				dmaengine_unmap_put(done[i].unmap);
			if (done[i].cb_result)
				done[i].cb_result(done[i].cb_param,
						  &done[i].result);
			else if (done[i].cb)
				done[i].cb(done[i].cb_param);
		}
	} while (n == IDXD_IMS_COMPLETE_BATCH);
	/* only a terminated descriptor leaving can end a synchronize wait */
	if (terminated)
		wake_up(&wq_dma->terminated_done);
}

/**
 * idxd_ims_wq_dma_complete_tasklet() - finish what a completion interrupt
 *	announced
 * @t: &idxd_ims_wq_dma.complete_tasklet, scheduled by the work queue's
 *	completion vector
 *
 * Context: softirq.
 */
void idxd_ims_wq_dma_complete_tasklet(struct tasklet_struct *t)
{
	struct idxd_ims_wq_dma *wq_dma =
		from_tasklet(wq_dma, t, complete_tasklet);

	idxd_ims_wq_dma_complete(wq_dma, false);
}

static void wq_set_dma(struct idxd_ims_wq *wq, struct idxd_ims_wq_dma *wq_dma)
{
	unsigned long flags;

	lockdep_assert_held(&wq->conf->lock);

	spin_lock_irqsave(&wq->conf->wq_dma_lock, flags);
	wq->wq_dma = wq_dma;
	spin_unlock_irqrestore(&wq->conf->wq_dma_lock, flags);
}

static int wq_check_enable(struct idxd_ims_wq *wq)
{
	struct idxd_ims_conf *conf = wq->conf;

	lockdep_assert_held(&conf->lock);

	if (wq->enabled) {
		enable_refuse(conf, &wq->dev, "already enabled\n");
		return -EBUSY;
	}
	if (!conf->enabled) {
		enable_refuse(conf, &wq->dev, "device %s is not enabled\n",
			      dev_name(&conf->dev));
		return -ENXIO;
	}
	if (conf->disabling) {
		enable_refuse(conf, &wq->dev, "device %s is being disabled\n",
			      dev_name(&conf->dev));
		return -ENXIO;
	}
	if (!wq_configured(wq)) {
		enable_refuse(conf, &wq->dev,
			      "needs a group and a non-zero size\n");
		return -EINVAL;
	}
	if (wq->type == IDXD_WQT_MDEV) {
		enable_refuse(conf, &wq->dev,
			      "mdev work queues are enabled by creating a virtual device\n");
		return -EINVAL;
	}
	if (wq->type != IDXD_WQT_KERNEL) {
		enable_refuse(conf, &wq->dev,
			      "only work queues of type kernel are supported\n");
		return -EINVAL;
	}
	if (!wq->name[0]) {
		enable_refuse(conf, &wq->dev, "needs a name\n");
		return -EINVAL;
	}
	if (!wq->dedicated) {
		enable_refuse(conf, &wq->dev,
			      "shared work queues are not supported\n");
		return -EINVAL;
	}
	return 0;
}

/**
 * idxd_ims_wq_enable() - enable a kernel work queue and its dmaengine channel
 * @wq: work queue
 *
 * Programs WQCFG/GRPCFG, issues ENABLE_WQ, allocates the descriptor pool and
 * the work queue's completion vector and registers the dmaengine channel.
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 * Return: 0 or a negative errno; on failure nothing stays enabled.
 */
int idxd_ims_wq_enable(struct idxd_ims_wq *wq)
{
	struct idxd_ims_conf *conf = wq->conf;
	struct idxd_ims_dev *idev = conf_idev(conf);
	struct idxd_ims_wq_dma *wq_dma;
	struct idxd_ims_irq *vector;
	unsigned long flags;
	int rc;

	mutex_lock(&conf->lock);
	rc = wq_check_enable(wq);
	if (rc)
		goto out_unlock;

	rc = wq_hw_enable(wq, "enable wq");
	if (rc)
		goto out_unlock;

	wq_dma = idxd_ims_wq_dma_alloc(wq);
	if (!wq_dma) {
		rc = -ENOMEM;
		goto err_disable_wq;
	}
	wq_set_dma(wq, wq_dma);

	snprintf(wq->irq_name, sizeof(wq->irq_name), "idxd_ims-wq%d.%d",
		 conf->id, wq->id);
	vector = idxd_ims_irq_alloc(idev, wq->irq_name, &wq_dma->complete_tasklet,
				    wq);
	if (IS_ERR(vector)) {
		rc = PTR_ERR(vector);
		dev_err(&wq->dev, "no completion interrupt: %d\n", rc);
		goto err_free_dma;
	}
	wq->vector = vector;

	spin_lock_irqsave(&wq_dma->lock, flags);
	wq_dma->portal = wq_portal(idev, wq->id, vector->kind);
	wq_dma->vector = vector;
	wq_dma->accepting = true;
	spin_unlock_irqrestore(&wq_dma->lock, flags);

	rc = idxd_ims_wq_dma_register(conf->dma_dev, wq_dma);
	if (rc)
		goto err_stop_accepting;

	wq->enabled = true;
	dev_info(&wq->dev, "enabled, %s vector %u (irq %u, handle %u)\n",
		 vector->kind == IDXD_IMS_IRQ_IMS ? "IMS" : "MSI-X",
		 vector->index, vector->virq, vector->int_handle);
	mutex_unlock(&conf->lock);
	return 0;

err_stop_accepting:
	idxd_ims_wq_dma_stop(wq_dma);
	idxd_ims_irq_free(vector);
	wq->vector = NULL;
err_free_dma:
	wq_set_dma(wq, NULL);
	idxd_ims_wq_dma_free(wq_dma);
err_disable_wq:
	conf_cmd(conf, IDXD_CMD_DISABLE_WQ,
		 idxd_ims_cmd_wq_mask_operand(wq->id), "disable wq");
out_unlock:
	mutex_unlock(&conf->lock);
	return rc;
}

/**
 * idxd_ims_wq_refuse_user() - refuse a bind to the "user" driver
 * @wq: work queue
 *
 * Upstream idxd gives a work queue of type user a character device through
 * which applications submit descriptors; idxd_ims has none. A "user"
 * driver is on the dsa bus all the same, so that the bind accel-config
 * makes for such a work queue (to the driver its driver_name names) is
 * refused with a reason in the log instead of failing on a missing sysfs
 * file, which the kernel cannot explain. While the work queues are being
 * added the driver core offers them to every driver: the refusal is
 * quiet then.
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 * Return: -ENXIO while the work queues are added, else -EOPNOTSUPP.
 */
int idxd_ims_wq_refuse_user(struct idxd_ims_wq *wq)
{
	struct idxd_ims_conf *conf = wq->conf;
	int rc;

	mutex_lock(&conf->lock);
	rc = conf->adding ? -ENXIO : -EOPNOTSUPP;
	enable_refuse(conf, &wq->dev,
		      "user work queues (a character device for applications) are not supported; use type kernel and driver_name dmaengine\n");
	mutex_unlock(&conf->lock);
	return rc;
}

/**
 * idxd_ims_wq_disable() - drain and disable a kernel work queue
 * @wq: work queue
 *
 * Stops submissions, drains and disables the work queue in hardware, frees
 * its completion vector, reports descriptors that never completed as
 * aborted and unregisters the dmaengine channel.
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 */
void idxd_ims_wq_disable(struct idxd_ims_wq *wq)
{
	struct idxd_ims_conf *conf = wq->conf;
	struct idxd_ims_wq_dma *wq_dma;

	mutex_lock(&conf->lock);
	if (!wq->enabled)
		goto out_unlock;
	wq_dma = wq->wq_dma;

	idxd_ims_wq_dma_stop(wq_dma);
	wq_hw_disable(wq);

	/* the tasklet too: it does not run again */
	idxd_ims_irq_free(wq->vector);
	wq->vector = NULL;
	wq_set_dma(wq, NULL);
	idxd_ims_wq_dma_complete(wq_dma, true);
	idxd_ims_wq_dma_unregister(conf->dma_dev, wq_dma);
	wq->enabled = false;
	dev_info(&wq->dev, "disabled\n");
out_unlock:
	mutex_unlock(&conf->lock);
}

/**
 * idxd_ims_wq_submit_desc() - submit a caller-built descriptor
 * @idev: device
 * @desc: complete hardware descriptor, including completion record address
 *	and interrupt handle
 * @kind: portal page to use, selecting IMS or MSI-X interrupt routing
 *
 * Used by the debugfs test hook to fire a given completion vector. The
 * descriptor goes to the first enabled kernel work queue; it is not tracked
 * by the work queue (its completion belongs to the caller) and does not
 * take one of the work queue's descriptor slots, so the caller must not
 * flood a busy work queue.
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 * Return: 0, or -ENODEV when no kernel work queue is enabled.
 */
int idxd_ims_wq_submit_desc(struct idxd_ims_dev *idev,
			    const struct idxd_hw_desc *desc,
			    enum idxd_ims_irq_kind kind)
{
	struct idxd_ims_conf *conf = idev->wq_priv;
	struct idxd_ims_wq_dma *wq_dma = NULL;
	unsigned long flags;
	unsigned int i;
	int rc = -ENODEV;

	if (!conf)
		return -ENODEV;

	mutex_lock(&conf->lock);
	for (i = 0; i < conf->num_wqs && !wq_dma; i++)
		if (conf->wqs[i]->enabled)
			wq_dma = conf->wqs[i]->wq_dma;
	if (wq_dma) {
		spin_lock_irqsave(&wq_dma->lock, flags);
		if (wq_dma->accepting) {
			/* Caller's completion record before the portal write. */
			wmb();
			iosubmit_cmds512(wq_portal(idev, wq_dma->wq_id, kind),
					 desc, 1);
			rc = 0;
		}
		spin_unlock_irqrestore(&wq_dma->lock, flags);
	}
	mutex_unlock(&conf->lock);
	return rc;
}

/**
 * idxd_ims_wq_halted() - stop all work queues after a device halt
 * @idev: device
 *
 * Refuses new descriptors and reports every outstanding one as aborted.
 * The work queues stay "enabled" in software so that
 * idxd_ims_wq_restore() can bring them back after a software reset.
 *
 * Context: the misc interrupt thread; does not take &idxd_ims_conf.lock,
 * which a thread waiting for a device command may hold.
 */
void idxd_ims_wq_halted(struct idxd_ims_dev *idev)
{
	struct idxd_ims_conf *conf = idev->wq_priv;
	unsigned long flags;
	unsigned int i;

	if (!conf)
		return;

	spin_lock_irqsave(&conf->wq_dma_lock, flags);
	for (i = 0; i < conf->num_wqs; i++) {
		struct idxd_ims_wq_dma *wq_dma = conf->wqs[i]->wq_dma;

		if (conf->wqs[i]->mdev) {
			WRITE_ONCE(conf->wqs[i]->mdev_live, false);
			conf->wqs[i]->mdev_halted(conf->wqs[i]->mdev);
		}
		if (!wq_dma)
			continue;
		spin_lock(&wq_dma->lock);
		wq_dma->accepting = false;
		spin_unlock(&wq_dma->lock);
		idxd_ims_wq_dma_complete(wq_dma, true);
	}
	spin_unlock_irqrestore(&conf->wq_dma_lock, flags);
}

/**
 * idxd_ims_wq_restore() - re-enable the device and its work queues after
 *	a software reset
 * @idev: device
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 * Return: 0, or -ENXIO when the device refused to come back; work queues
 * that could not be re-enabled keep refusing descriptors.
 */
int idxd_ims_wq_restore(struct idxd_ims_dev *idev)
{
	struct idxd_ims_conf *conf = idev->wq_priv;
	unsigned long flags;
	unsigned int i;
	int rc = 0;

	if (!conf)
		return 0;

	mutex_lock(&conf->lock);
	if (!conf->enabled)
		goto out_unlock;

	/* the halt stopped them accepting; late portal writes end first */
	for (i = 0; i < conf->num_wqs; i++)
		if (conf->wqs[i]->wq_dma)
			idxd_ims_wq_dma_wait_portal_writes(conf->wqs[i]->wq_dma);
	conf_write_config(conf, true);
	rc = conf_cmd(conf, IDXD_CMD_ENABLE_DEVICE, 0, "re-enable device");
	if (rc)
		goto out_unlock;

	for (i = 0; i < conf->num_wqs; i++) {
		struct idxd_ims_wq *wq = conf->wqs[i];

		if (!wq->enabled)
			continue;
		rc = conf_cmd(conf, IDXD_CMD_ENABLE_WQ, wq->id, "re-enable wq");
		if (rc)
			goto out_unlock;
		if (wq->mdev)
			WRITE_ONCE(wq->mdev_live, true);
		if (!wq->wq_dma)
			continue;
		spin_lock_irqsave(&wq->wq_dma->lock, flags);
		wq->wq_dma->accepting = true;
		spin_unlock_irqrestore(&wq->wq_dma->lock, flags);
	}
out_unlock:
	mutex_unlock(&conf->lock);
	return rc;
}

/* A work queue an administrator made for virtual devices, not in use */
static bool wq_free_for_mdev(struct idxd_ims_wq *wq)
{
	lockdep_assert_held(&wq->conf->lock);

	return wq->type == IDXD_WQT_MDEV && wq->dedicated &&
	       wq_configured(wq) && !wq->mdev && !wq->enabled;
}

/**
 * idxd_ims_wq_mdev_available() - count work queues free to back a virtual
 *	device
 * @idev: device
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 * Return: work queues of type mdev, configured and not in use, on an
 * enabled device; 0 when the device is not enabled.
 */
unsigned int idxd_ims_wq_mdev_available(struct idxd_ims_dev *idev)
{
	struct idxd_ims_conf *conf = idev->wq_priv;
	unsigned int i, free = 0;

	if (!conf)
		return 0;
	mutex_lock(&conf->lock);
	for (i = 0; conf->enabled && i < conf->num_wqs; i++)
		free += wq_free_for_mdev(conf->wqs[i]);
	mutex_unlock(&conf->lock);
	return free;
}

/**
 * idxd_ims_wq_mdev_get() - claim and enable a work queue for a virtual device
 * @idev: device
 * @mdev: the virtual device, handed back to @halted
 * @halted: called when the device halts or is disabled while the work
 *	queue is in use: descriptors in flight will not complete. Called
 *	with a spinlock held, so it must not sleep.
 * @pasid_en: run the work queue with @pasid
 * @pasid: PASID of the virtual device
 *
 * Takes the first free dedicated work queue of type mdev, writes its
 * WQCFG with the virtual device's PASID and enables it. Descriptors are
 * then submitted with idxd_ims_wq_mdev_submit().
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 * Return: the work queue, or ERR_PTR(-ENODEV) when the device is not
 * enabled, -ENOSPC when no work queue is free, -ENXIO when the device
 * refused to enable it.
 */
struct idxd_ims_wq *idxd_ims_wq_mdev_get(struct idxd_ims_dev *idev,
					 void *mdev,
					 void (*halted)(void *mdev),
					 bool pasid_en, u32 pasid)
{
	struct idxd_ims_conf *conf = idev->wq_priv;
	struct idxd_ims_wq *wq = NULL;
	unsigned long flags;
	unsigned int i;
	int rc;

	if (!conf)
		return ERR_PTR(-ENODEV);

	mutex_lock(&conf->lock);
	if (!conf->enabled) {
		rc = -ENODEV;
		goto out_unlock;
	}
	for (i = 0; i < conf->num_wqs && !wq; i++)
		if (wq_free_for_mdev(conf->wqs[i]))
			wq = conf->wqs[i];
	if (!wq) {
		rc = -ENOSPC;
		goto out_unlock;
	}

	wq->mdev_halted = halted;
	wq->mdev_pasid = pasid;
	wq->mdev_pasid_en = pasid_en;
	rc = wq_hw_enable(wq, "enable wq for mdev");
	if (rc)
		goto out_unlock;

	spin_lock_irqsave(&conf->wq_dma_lock, flags);
	wq->mdev = mdev;
	spin_unlock_irqrestore(&conf->wq_dma_lock, flags);
	wq->enabled = true;
	WRITE_ONCE(wq->mdev_live, true);
	dev_info(&wq->dev, "enabled for a virtual device\n");
	mutex_unlock(&conf->lock);
	return wq;

out_unlock:
	mutex_unlock(&conf->lock);
	return ERR_PTR(rc);
}

/**
 * idxd_ims_wq_mdev_put() - drain, disable and release a work queue taken
 *	with idxd_ims_wq_mdev_get()
 * @wq: work queue
 *
 * @wq->mdev_halted is not called any more after this returns. When it
 * returns 0 the device writes nothing more for the work queue's
 * descriptors. When the device did not confirm that the work queue
 * stopped, the work queue stays enabled and is not given to another
 * virtual device until the device is disabled.
 *
 * Context: process context; takes &idxd_ims_conf.lock.
 * Return: 0, or -ENXIO when the device may still run the work queue's
 * descriptors and write their results: the caller must not free what
 * they use.
 */
int idxd_ims_wq_mdev_put(struct idxd_ims_wq *wq)
{
	struct idxd_ims_conf *conf = wq->conf;
	unsigned long flags;
	int rc = 0;

	mutex_lock(&conf->lock);
	WRITE_ONCE(wq->mdev_live, false);
	if (wq->enabled) {
		rc = wq_hw_disable(wq);
		wq->enabled = !!rc;
	}
	spin_lock_irqsave(&conf->wq_dma_lock, flags);
	wq->mdev = NULL;
	spin_unlock_irqrestore(&conf->wq_dma_lock, flags);
	wq->mdev_halted = NULL;
	wq->mdev_pasid_en = false;
	if (rc)
		dev_err(&wq->dev, "released by its virtual device, but the device did not confirm that it stopped; not reused until the device is disabled\n");
	else
		dev_info(&wq->dev, "released by its virtual device\n");
	mutex_unlock(&conf->lock);
	return rc;
}

/**
 * idxd_ims_wq_mdev_submit() - submit a descriptor on a virtual device's
 *	work queue
 * @wq: work queue taken with idxd_ims_wq_mdev_get()
 * @desc: descriptor; its completion interrupt, if any, must name an IMS
 *	entry (the portal used routes int_handle to the IMS table)
 *
 * Context: any. The caller orders its completion record writes before
 * the call and keeps the work queue claimed.
 */
void idxd_ims_wq_mdev_submit(struct idxd_ims_wq *wq,
			     const struct idxd_hw_desc *desc)
{
	/* The caller's completion record is written before the portal write. */
	wmb();
	iosubmit_cmds512(wq_portal(conf_idev(wq->conf), wq->id,
				   IDXD_IMS_IRQ_IMS), desc, 1);
}

/**
 * idxd_ims_wq_mdev_live() - whether a virtual device's work queue executes
 *	descriptors
 * @wq: work queue taken with idxd_ims_wq_mdev_get()
 *
 * False from a halt or disable of the device until a software reset has
 * brought the work queue back (after a disable: until it is released).
 * A virtual device that sees true and submits under the lock its
 * @mdev_halted callback takes either has the descriptor taken back by the
 * callback or submits after the work queue came back.
 *
 * Context: any.
 * Return: true when descriptors submitted now will be executed.
 */
bool idxd_ims_wq_mdev_live(const struct idxd_ims_wq *wq)
{
	return READ_ONCE(wq->mdev_live);
}
