// SPDX-License-Identifier: GPL-2.0-only
/*
 * idxd_ims: PCI driver core for Intel DSA/IAX accelerators whose work queue
 * completions are delivered through IMS (Interrupt Message Store) vectors.
 *
 * This file binds the PCI function, reads the capabilities, owns MSI-X
 * vector 0 (the "misc" interrupt: software errors, command completion,
 * halt, interrupt handle revocation) and provides the device command
 * interface. Completion vectors come from ims_domain.c.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <asm/cpufeature.h>

#include "idxd_ims.h"

#define IDXD_IMS_CMD_TIMEOUT_MS		2000
#define IDXD_IMS_CMD_POLL_US		10
#define IDXD_IMS_CMD_POLL_TIMEOUT_US	(IDXD_IMS_CMD_TIMEOUT_MS * 1000)
/* software errors further apart than this belong to different bursts */
#define IDXD_IMS_SWERR_BURST_GAP_MS	500

static DEFINE_IDA(idxd_ims_ida);

static const struct pci_device_id idxd_ims_pci_ids[] = {
	{ PCI_VDEVICE(INTEL, IDXD_IMS_DEVID_DSA_SPR), IDXD_IMS_TYPE_DSA },
	{ PCI_VDEVICE(INTEL, IDXD_IMS_DEVID_DSA_GNRD), IDXD_IMS_TYPE_DSA },
	{ PCI_VDEVICE(INTEL, IDXD_IMS_DEVID_DSA_DMR), IDXD_IMS_TYPE_DSA },
	{ PCI_VDEVICE(INTEL, IDXD_IMS_DEVID_IAX_SPR), IDXD_IMS_TYPE_IAX },
	{ PCI_VDEVICE(INTEL, IDXD_IMS_DEVID_IAX_DMR), IDXD_IMS_TYPE_IAX },
	{ }
};
MODULE_DEVICE_TABLE(pci, idxd_ims_pci_ids);

static const char *const idxd_ims_type_names[] = {
	[IDXD_IMS_TYPE_DSA] = "dsa",
	[IDXD_IMS_TYPE_IAX] = "iax",
};

/**
 * idxd_ims_type_name() - short name of an accelerator kind
 * @idev: the device
 *
 * Return: "dsa" or "iax".
 */
const char *idxd_ims_type_name(struct idxd_ims_dev *idev)
{
	return idxd_ims_type_names[idev->type];
}

/**
 * idxd_ims_dev_usable() - whether the device accepts work and commands
 * @idev: the device
 *
 * Return: true unless the device is halted or marked failed.
 */
bool idxd_ims_dev_usable(struct idxd_ims_dev *idev)
{
	bool usable;

	spin_lock(&idev->state_lock);
	usable = idev->state == IDXD_IMS_DEV_READY;
	spin_unlock(&idev->state_lock);

	return usable;
}

/**
 * idxd_ims_cmd_wq_mask_operand() - operand of a per-WQ mask command
 * @wq_id: work queue index
 *
 * DISABLE_WQ, DRAIN_WQ, ABORT_WQ and RESET_WQ take a 16-bit mask of WQs
 * plus the index of the 16-WQ block the mask refers to.
 *
 * Return: the operand selecting @wq_id.
 */
u32 idxd_ims_cmd_wq_mask_operand(unsigned int wq_id)
{
	return FIELD_PREP(IDXD_CMD_WQ_MASK, BIT(wq_id % 16)) |
	       FIELD_PREP(IDXD_CMD_WQ_BLOCK, wq_id / 16);
}

static u32 idxd_ims_cmd_word(enum idxd_cmd_code code, u32 operand,
			     bool int_req)
{
	return FIELD_PREP(IDXD_CMD_CODE, code) |
	       FIELD_PREP(IDXD_CMD_OPERAND, operand) |
	       (int_req ? IDXD_CMD_INT_REQ : 0);
}

static int idxd_ims_cmd_status_to_errno(u32 sts)
{
	switch (FIELD_GET(IDXD_CMDSTS_ERR, sts)) {
	case IDXD_CMDSTS_SUCCESS:
		return 0;
	case IDXD_CMDSTS_HW_ERR:
		return -EIO;
	default:
		return -EINVAL;
	}
}

/*
 * Issue a command without asking for an interrupt and spin on
 * CMDSTS.active. Used before the misc interrupt exists.
 */
static int idxd_ims_cmd_polled(struct idxd_ims_dev *idev,
			       enum idxd_cmd_code code, u32 operand, u32 *status)
{
	u32 sts;
	int ret;

	lockdep_assert_held(&idev->cmd_lock);

	iowrite32(idxd_ims_cmd_word(code, operand, false),
		  idev->reg_base + IDXD_CMD_OFFSET);
	ret = readl_poll_timeout(idev->reg_base + IDXD_CMDSTS_OFFSET, sts,
				 !(sts & IDXD_CMDSTS_ACTIVE),
				 IDXD_IMS_CMD_POLL_US,
				 IDXD_IMS_CMD_POLL_TIMEOUT_US);
	if (ret) {
		dev_err(&idev->pdev->dev, "command %u timed out (cmdsts %#x)\n",
			code, sts);
		return ret;
	}
	if (status)
		*status = sts;

	return idxd_ims_cmd_status_to_errno(sts);
}

/**
 * idxd_ims_cmd() - run a device command and wait for it to finish
 * @idev: the device
 * @code: command code
 * @operand: command operand (bits 19:0)
 * @status: if not NULL, receives the raw CMDSTS value
 *
 * Commands are serialised by @idev->cmd_lock. Completion is signalled by
 * the misc interrupt. RESET_DEVICE is accepted while the device is halted;
 * every other command is refused then, and so is a command the debugfs
 * test hook makes fail (it does not reach the device). Must be called
 * from process context.
 *
 * Return: 0 on success, -EIO for a hardware error or a halted device,
 * -EINVAL for any other command error, -ETIMEDOUT if the device did not
 * answer.
 */
int idxd_ims_cmd(struct idxd_ims_dev *idev, enum idxd_cmd_code code,
		 u32 operand, u32 *status)
{
	struct device *dev = &idev->pdev->dev;
	unsigned long left;
	u32 sts;
	int ret;

	mutex_lock(&idev->cmd_lock);

	if ((code != IDXD_CMD_RESET_DEVICE && !idxd_ims_dev_usable(idev)) ||
	    (READ_ONCE(idev->test_fail_cmds) & BIT(code))) {
		sts = FIELD_PREP(IDXD_CMDSTS_ERR, IDXD_CMDSTS_HW_ERR);
		ret = -EIO;
		goto out_status;
	}

	reinit_completion(&idev->cmd_done);
	iowrite32(idxd_ims_cmd_word(code, operand, true),
		  idev->reg_base + IDXD_CMD_OFFSET);
	left = wait_for_completion_timeout(&idev->cmd_done,
					   msecs_to_jiffies(IDXD_IMS_CMD_TIMEOUT_MS));
	sts = ioread32(idev->reg_base + IDXD_CMDSTS_OFFSET);
	if (!left && (sts & IDXD_CMDSTS_ACTIVE)) {
		dev_err(dev, "command %u (operand %#x) timed out\n", code,
			operand);
		ret = -ETIMEDOUT;
		goto out_status;
	}
	ret = idxd_ims_cmd_status_to_errno(sts);
	if (ret)
		dev_dbg(dev, "command %u (operand %#x) failed: cmdsts %#x\n",
			code, operand, sts);

out_status:
	if (status)
		*status = sts;
	mutex_unlock(&idev->cmd_lock);
	return ret;
}

/* Software error and halt interrupts on the misc vector, on or off */
static void idxd_ims_set_error_interrupts(struct idxd_ims_dev *idev, bool on)
{
	const u32 bits = IDXD_GENCTRL_SOFTERR_INT_EN | IDXD_GENCTRL_HALT_INT_EN;
	u32 genctrl = ioread32(idev->reg_base + IDXD_GENCTRL_OFFSET);

	genctrl = on ? genctrl | bits : genctrl & ~bits;
	iowrite32(genctrl, idev->reg_base + IDXD_GENCTRL_OFFSET);
}

static void idxd_ims_report_swerr(struct idxd_ims_dev *idev)
{
	struct device *dev = &idev->pdev->dev;
	u64 rec[IDXD_SWERR_QWORDS];
	bool report_overflow;
	int i;

	for (i = 0; i < IDXD_SWERR_QWORDS; i++)
		rec[i] = readq(idev->reg_base + IDXD_SWERR_OFFSET + i * 8);
	writeq(rec[0] & (IDXD_SWERR_VALID | IDXD_SWERR_OVERFLOW),
	       idev->reg_base + IDXD_SWERR_OFFSET);

	if (!(rec[0] & IDXD_SWERR_VALID))
		return;

	spin_lock(&idev->state_lock);
	memcpy(idev->swerr, rec, sizeof(rec));
	/*
	 * A burst ends with a record that did not overflow or with a quiet
	 * period; within a burst, overflow is reported once.
	 */
	if (time_after(jiffies, idev->swerr_last +
		       msecs_to_jiffies(IDXD_IMS_SWERR_BURST_GAP_MS)))
		idev->swerr_overflow_seen = false;
	report_overflow = (rec[0] & IDXD_SWERR_OVERFLOW) &&
			  !idev->swerr_overflow_seen;
	idev->swerr_overflow_seen = !!(rec[0] & IDXD_SWERR_OVERFLOW);
	idev->swerr_last = jiffies;
	spin_unlock(&idev->state_lock);

	dev_err_ratelimited(dev,
			    "software error %#llx: op %#llx wq %lld pasid %#llx fault %#llx\n",
			    FIELD_GET(IDXD_SWERR_ERROR, rec[0]),
			    FIELD_GET(IDXD_SWERR_OPERATION, rec[0]),
			    (rec[0] & IDXD_SWERR_WQ_IDX_VALID) ?
			    (s64)FIELD_GET(IDXD_SWERR_WQ_IDX, rec[0]) : -1LL,
			    FIELD_GET(IDXD_SWERR_PASID, rec[0]), rec[2]);
	if (report_overflow)
		dev_warn(dev, "software error overflow: earlier errors were lost\n");
}

/* Decide what to do after a halt. Runs in the misc interrupt thread. */
static void idxd_ims_check_halt(struct idxd_ims_dev *idev)
{
	struct device *dev = &idev->pdev->dev;
	u32 gensts = ioread32(idev->reg_base + IDXD_GENSTS_OFFSET);
	bool software_reset;

	if (FIELD_GET(IDXD_GENSTS_STATE, gensts) != IDXD_HW_STATE_HALT)
		return;

	software_reset = FIELD_GET(IDXD_GENSTS_RESET_TYPE, gensts) ==
			 IDXD_HW_RESET_SOFTWARE;

	spin_lock(&idev->state_lock);
	if (idev->state != IDXD_IMS_DEV_READY) {
		spin_unlock(&idev->state_lock);
		return;
	}
	idev->state = software_reset ? IDXD_IMS_DEV_HALTED :
				       IDXD_IMS_DEV_FAILED;
	spin_unlock(&idev->state_lock);

	idxd_ims_wq_halted(idev);
	if (software_reset) {
		dev_warn(dev, "device halted, trying a software reset\n");
		schedule_work(&idev->halt_work);
	} else {
		dev_err(dev, "device halted and needs an FLR or system reset (reset type %lu); marked failed\n",
			FIELD_GET(IDXD_GENSTS_RESET_TYPE, gensts));
	}
}

static irqreturn_t idxd_ims_misc_thread(int irq, void *dev_id)
{
	struct idxd_ims_dev *idev = dev_id;
	u32 cause;

	cause = ioread32(idev->reg_base + IDXD_INTCAUSE_OFFSET);
	if (!cause)
		return IRQ_NONE;
	iowrite32(cause, idev->reg_base + IDXD_INTCAUSE_OFFSET);

	if (cause & IDXD_INTC_SWERR)
		idxd_ims_report_swerr(idev);
	if (cause & IDXD_INTC_CMD)
		complete(&idev->cmd_done);
	if (cause & IDXD_INTC_INT_HANDLE_REVOKED)
		idxd_ims_irq_handles_revoked(idev);
	if (cause & (IDXD_INTC_SWERR | IDXD_INTC_HALT_STATE))
		idxd_ims_check_halt(idev);
	if (cause & ~IDXD_INTC_KNOWN)
		dev_warn_once(&idev->pdev->dev,
			      "unexpected interrupt cause %#x\n", cause);

	return IRQ_HANDLED;
}

static int idxd_ims_reset_device(struct idxd_ims_dev *idev)
{
	int ret;

	ret = idxd_ims_cmd(idev, IDXD_CMD_RESET_DEVICE, 0, NULL);
	if (ret)
		return ret;
	idxd_ims_set_error_interrupts(idev, true);
	idxd_ims_pasid_restore(idev);
	return 0;
}

static void idxd_ims_halt_work(struct work_struct *work)
{
	struct idxd_ims_dev *idev = container_of(work, struct idxd_ims_dev,
						 halt_work);
	struct device *dev = &idev->pdev->dev;
	u32 gensts;
	int ret;

	ret = idxd_ims_reset_device(idev);
	gensts = ioread32(idev->reg_base + IDXD_GENSTS_OFFSET);
	if (!ret && FIELD_GET(IDXD_GENSTS_STATE, gensts) == IDXD_HW_STATE_HALT)
		ret = -EIO;
	if (ret)
		goto mark_failed;

	idxd_ims_irq_restore(idev);

	spin_lock(&idev->state_lock);
	idev->state = IDXD_IMS_DEV_READY;
	spin_unlock(&idev->state_lock);

	ret = idxd_ims_wq_restore(idev);
	if (ret)
		goto mark_failed;

	dev_info(dev, "recovered from halt by software reset\n");
	return;

mark_failed:
	spin_lock(&idev->state_lock);
	idev->state = IDXD_IMS_DEV_FAILED;
	spin_unlock(&idev->state_lock);
	dev_err(dev, "recovery from halt failed (%d); device marked failed\n",
		ret);
}

static void idxd_ims_read_caps(struct idxd_ims_dev *idev)
{
	struct idxd_ims_caps *caps = &idev->caps;
	void __iomem *base = idev->reg_base;
	u64 offsets[2];
	int i;

	caps->version = ioread32(base + IDXD_VERSION_OFFSET);
	caps->gencap = readq(base + IDXD_GENCAP_OFFSET);
	caps->wqcap = readq(base + IDXD_WQCAP_OFFSET);
	caps->grpcap = readq(base + IDXD_GRPCAP_OFFSET);
	caps->engcap = readq(base + IDXD_ENGCAP_OFFSET);
	for (i = 0; i < IDXD_OPCAP_QWORDS; i++)
		caps->opcap[i] = readq(base + IDXD_OPCAP_OFFSET + i * 8);
	caps->cmdcap = (caps->gencap & IDXD_GENCAP_CMD_CAP) ?
		       ioread32(base + IDXD_CMDCAP_OFFSET) : 0;

	caps->max_wqs = FIELD_GET(IDXD_WQCAP_NUM_WQS, caps->wqcap);
	caps->max_wq_size = FIELD_GET(IDXD_WQCAP_TOTAL_SIZE, caps->wqcap);
	caps->wqcfg_size = 1U << (FIELD_GET(IDXD_WQCAP_WQCFG_SIZE, caps->wqcap) +
				  IDXD_WQCFG_SIZE_SHIFT_BASE);
	caps->max_groups = FIELD_GET(IDXD_GRPCAP_NUM_GROUPS, caps->grpcap);
	caps->max_rdbufs = FIELD_GET(IDXD_GRPCAP_TOTAL_RDBUFS, caps->grpcap);
	caps->max_engines = FIELD_GET(IDXD_ENGCAP_NUM_ENGINES, caps->engcap);
	caps->max_xfer_bytes = 1ULL << FIELD_GET(IDXD_GENCAP_MAX_XFER_SHIFT,
						 caps->gencap);
	caps->max_batch_size = idev->type == IDXD_IMS_TYPE_IAX ? 0 :
		1U << FIELD_GET(IDXD_GENCAP_MAX_BATCH_SHIFT, caps->gencap);
	caps->config_en = !!(caps->gencap & IDXD_GENCAP_CONFIG_EN);

	offsets[0] = readq(base + IDXD_TABLE_OFFSETS_OFFSET);
	offsets[1] = readq(base + IDXD_TABLE_OFFSETS_OFFSET + 8);
	caps->grpcfg_offset = FIELD_GET(IDXD_TABLE_GRPCFG, offsets[0]) *
			      IDXD_TABLE_OFFSET_UNIT;
	caps->wqcfg_offset = FIELD_GET(IDXD_TABLE_WQCFG, offsets[0]) *
			     IDXD_TABLE_OFFSET_UNIT;
	caps->msix_perm_offset = FIELD_GET(IDXD_TABLE_MSIX_PERM, offsets[0]) *
				 IDXD_TABLE_OFFSET_UNIT;
	caps->ims_offset = FIELD_GET(IDXD_TABLE_IMS, offsets[0]) *
			   IDXD_TABLE_OFFSET_UNIT;
	caps->perfmon_offset = FIELD_GET(IDXD_TABLE_PERFMON, offsets[1]) *
			       IDXD_TABLE_OFFSET_UNIT;
	caps->ims_size = caps->ims_offset ?
		FIELD_GET(IDXD_GENCAP_MAX_IMS_MULT, caps->gencap) *
		IDXD_IMS_MULT_UNIT : 0;
}

static int idxd_ims_check_caps(struct idxd_ims_dev *idev)
{
	struct idxd_ims_caps *caps = &idev->caps;
	struct device *dev = &idev->pdev->dev;
	resource_size_t bar0_len, ims_end;

	if (!caps->max_wqs || !caps->max_groups || !caps->max_engines) {
		dev_err(dev, "device reports no work queues, groups or engines\n");
		return -ENODEV;
	}
	if (pci_resource_len(idev->pdev, IDXD_IMS_BAR_PORTALS) <
	    (resource_size_t)caps->max_wqs * IDXD_PORTAL_PAGES_PER_WQ * PAGE_SIZE) {
		dev_err(dev, "portal BAR too small for %u work queues\n",
			caps->max_wqs);
		return -ENODEV;
	}
	bar0_len = pci_resource_len(idev->pdev, IDXD_IMS_BAR_MMIO);
	ims_end = caps->ims_offset +
		  (resource_size_t)caps->ims_size * IDXD_IMS_ENTRY_SIZE;
	if (caps->ims_size && ims_end > bar0_len) {
		dev_warn(dev, "IMS table (%u entries at %#x) exceeds BAR0; not using IMS\n",
			 caps->ims_size, caps->ims_offset);
		caps->ims_size = 0;
	}
	return 0;
}

static int idxd_ims_setup_misc_irq(struct idxd_ims_dev *idev)
{
	struct pci_dev *pdev = idev->pdev;
	int ret;

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(&pdev->dev, "cannot allocate MSI-X vector 0: %d\n", ret);
		return ret;
	}
	idev->misc_irq = pci_irq_vector(pdev, 0);
	ret = request_threaded_irq(idev->misc_irq, NULL, idxd_ims_misc_thread,
				   IRQF_ONESHOT, "idxd_ims-misc", idev);
	if (ret) {
		dev_err(&pdev->dev, "cannot request misc interrupt: %d\n", ret);
		goto err_free_vectors;
	}
	idxd_ims_set_error_interrupts(idev, true);
	return 0;

err_free_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

static void idxd_ims_teardown_misc_irq(struct idxd_ims_dev *idev)
{
	idxd_ims_set_error_interrupts(idev, false);
	free_irq(idev->misc_irq, idev);
	pci_free_irq_vectors(idev->pdev);
}

static int idxd_ims_map_bars(struct idxd_ims_dev *idev)
{
	struct pci_dev *pdev = idev->pdev;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(IDXD_IMS_BAR_MMIO) |
				 BIT(IDXD_IMS_BAR_PORTALS), IDXD_IMS_DRV_NAME);
	if (ret) {
		dev_err(&pdev->dev, "cannot map BAR0/BAR2: %d\n", ret);
		return ret;
	}
	idev->reg_base = pcim_iomap_table(pdev)[IDXD_IMS_BAR_MMIO];
	idev->portal_base = pcim_iomap_table(pdev)[IDXD_IMS_BAR_PORTALS];

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(&pdev->dev, "no 64-bit DMA: %d\n", ret);
		return ret;
	}
	pci_set_master(pdev);
	return 0;
}

static int idxd_ims_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct idxd_ims_dev *idev;
	int ret;

	idev = devm_kzalloc(dev, sizeof(*idev), GFP_KERNEL);
	if (!idev)
		return -ENOMEM;
	idev->pdev = pdev;
	idev->type = id->driver_data;
	mutex_init(&idev->cmd_lock);
	init_completion(&idev->cmd_done);
	spin_lock_init(&idev->state_lock);
	idev->state = IDXD_IMS_DEV_READY;
	INIT_WORK(&idev->halt_work, idxd_ims_halt_work);
	mutex_init(&idev->irq_lock);
	INIT_LIST_HEAD(&idev->irq_list);
	mutex_init(&idev->test_irq_lock);
	INIT_LIST_HEAD(&idev->test_irqs);
	init_waitqueue_head(&idev->test_unstall);
	refcount_set(&idev->dma_refs, 1);
	init_completion(&idev->dma_released);
	pci_set_drvdata(pdev, idev);

	ret = idxd_ims_map_bars(idev);
	if (ret)
		return ret;

	idxd_ims_read_caps(idev);
	ret = idxd_ims_check_caps(idev);
	if (ret)
		return ret;

	mutex_lock(&idev->cmd_lock);
	ret = idxd_ims_cmd_polled(idev, IDXD_CMD_RESET_DEVICE, 0, NULL);
	mutex_unlock(&idev->cmd_lock);
	if (ret) {
		dev_err(dev, "device reset failed: %d\n", ret);
		return ret;
	}

	idev->id = ida_alloc(&idxd_ims_ida, GFP_KERNEL);
	if (idev->id < 0)
		return idev->id;

	ret = idxd_ims_setup_misc_irq(idev);
	if (ret)
		goto err_free_id;

	ret = idxd_ims_pasid_setup(idev);
	if (ret)
		goto err_misc_irq;

	ret = idxd_ims_irq_setup(idev);
	if (ret)
		goto err_pasid;

	idxd_ims_debugfs_add(idev);

	ret = idxd_ims_wq_probe(idev);
	if (ret)
		goto err_debugfs;

	ret = idxd_ims_mdev_parent_add(idev);
	if (ret) {
		dev_err(dev, "cannot register the mdev parent: %d\n", ret);
		goto err_wq;
	}

	dev_info(dev, "%s%d: version %#x, %u WQs, %u groups, %u engines, %u IMS entries, completions via %s\n",
		 idxd_ims_type_name(idev), idev->id, idev->caps.version,
		 idev->caps.max_wqs, idev->caps.max_groups,
		 idev->caps.max_engines, idev->caps.ims_size,
		 idev->ims_active ? "IMS" : "dynamic MSI-X");
	return 0;

err_wq:
	idxd_ims_wq_remove(idev);
err_debugfs:
	idxd_ims_debugfs_remove(idev);
	idxd_ims_irq_teardown(idev);
err_pasid:
	idxd_ims_pasid_teardown(idev);
err_misc_irq:
	idxd_ims_teardown_misc_irq(idev);
err_free_id:
	ida_free(&idxd_ims_ida, idev->id);
	return ret;
}

static void idxd_ims_quiesce(struct idxd_ims_dev *idev)
{
	mutex_lock(&idev->cmd_lock);
	idxd_ims_cmd_polled(idev, IDXD_CMD_RESET_DEVICE, 0, NULL);
	mutex_unlock(&idev->cmd_lock);
}

static void idxd_ims_remove(struct pci_dev *pdev)
{
	struct idxd_ims_dev *idev = pci_get_drvdata(pdev);

	/*
	 * Stop everything that can reach the work queues before they go: the
	 * virtual devices, the debugfs test hook, and halt recovery (no new
	 * halt interrupt, none still running, no recovery work queued). The
	 * dmaengine clients must be gone before the function is: their
	 * transfers are refused once the work queues are disabled, and they
	 * have to let go of their channels by themselves.
	 */
	idxd_ims_mdev_parent_remove(idev);
	idxd_ims_debugfs_remove(idev);
	idxd_ims_set_error_interrupts(idev, false);
	synchronize_irq(idev->misc_irq);
	cancel_work_sync(&idev->halt_work);
	idxd_ims_wq_remove(idev);
	idxd_ims_dma_wait_released(idev);
	idxd_ims_irq_teardown(idev);
	idxd_ims_quiesce(idev);
	idxd_ims_pasid_teardown(idev);
	idxd_ims_teardown_misc_irq(idev);
	ida_free(&idxd_ims_ida, idev->id);
}

static void idxd_ims_shutdown(struct pci_dev *pdev)
{
	struct idxd_ims_dev *idev = pci_get_drvdata(pdev);

	idxd_ims_quiesce(idev);
}

static struct pci_driver idxd_ims_pci_driver = {
	.name		= IDXD_IMS_DRV_NAME,
	.id_table	= idxd_ims_pci_ids,
	.probe		= idxd_ims_probe,
	.remove		= idxd_ims_remove,
	.shutdown	= idxd_ims_shutdown,
};

/*
 * The upstream idxd driver registers a bus called "dsa" (module idxd_bus)
 * and so does this driver: both cannot be present at once.
 */
static bool idxd_ims_upstream_bus_present(void)
{
	if (!__symbol_get("dsa_bus_type"))
		return false;
	__symbol_put("dsa_bus_type");
	return true;
}

static int __init idxd_ims_init(void)
{
	int ret;

	if (!boot_cpu_has(X86_FEATURE_MOVDIR64B)) {
		pr_err(IDXD_IMS_DRV_NAME ": CPU lacks MOVDIR64B, which work submission requires; not loading\n");
		return -ENODEV;
	}
	if (idxd_ims_upstream_bus_present()) {
		pr_err(IDXD_IMS_DRV_NAME ": the upstream idxd driver (bus \"dsa\") is loaded; unload idxd and idxd_bus first\n");
		return -EBUSY;
	}

	idxd_ims_debugfs_init();

	ret = idxd_ims_bus_init();
	if (ret)
		goto err_debugfs;

	ret = idxd_ims_mdev_init();
	if (ret)
		goto err_bus;

	ret = pci_register_driver(&idxd_ims_pci_driver);
	if (ret)
		goto err_mdev;

	return 0;

err_mdev:
	idxd_ims_mdev_exit();
err_bus:
	idxd_ims_bus_exit();
err_debugfs:
	idxd_ims_debugfs_exit();
	return ret;
}
module_init(idxd_ims_init);

static void __exit idxd_ims_exit(void)
{
	pci_unregister_driver(&idxd_ims_pci_driver);
	idxd_ims_mdev_exit();
	idxd_ims_bus_exit();
	idxd_ims_debugfs_exit();
}
module_exit(idxd_ims_exit);

MODULE_DESCRIPTION("Intel DSA/IAX driver using PCI/IMS completion interrupts");
MODULE_LICENSE("GPL");
