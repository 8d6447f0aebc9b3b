// SPDX-License-Identifier: GPL-2.0-only
/*
 * idxd_ims: completion interrupt vectors.
 *
 * On a kernel with PCI/IMS support, and when the parent interrupt domain
 * accepts IMS, every completion vector is an entry of the device's IMS
 * table: a per-device IMS irq domain is created from a template whose
 * irq_chip writes the 16-byte table entry and whose prepare_desc binds the
 * entry to the PASID carried in the allocation cookie. Otherwise each
 * vector is a dynamically allocated MSI-X vector. This is the only file
 * that knows which of the two is in use; everything else goes through
 * idxd_ims_irq_alloc()/idxd_ims_irq_free().
 */
#include <linux/bitfield.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/moduleparam.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "idxd_ims.h"

static bool force_msix;
module_param(force_msix, bool, 0444);
MODULE_PARM_DESC(force_msix,
		 "Use dynamic MSI-X for completion interrupts even where PCI/IMS works (default: N)");

/* Instance cookie layout: PASID in bits 19:0, "PASID enabled" flag */
#define IDXD_IMS_COOKIE_PASID		GENMASK_ULL(19, 0)
#define IDXD_IMS_COOKIE_PASID_EN	BIT_ULL(32)

/* CMDCAP bits announcing the interrupt handle commands */
#define IDXD_CMDCAP_REQUEST_INT_HANDLE	BIT(IDXD_CMD_REQUEST_INT_HANDLE)

static void __iomem *idxd_ims_entry(struct idxd_ims_dev *idev,
				    unsigned int index)
{
	return idev->reg_base + idev->caps.ims_offset +
	       index * IDXD_IMS_ENTRY_SIZE;
}

/* Control word of an entry just programmed: masked, bound to the PASID */
static u32 idxd_ims_masked_ctrl(bool pasid_en, u32 pasid)
{
	if (!pasid_en)
		return IDXD_IMS_CTRL_MASKED;
	return IDXD_IMS_CTRL_MASKED | IDXD_IMS_CTRL_PASID_EN |
	       FIELD_PREP(IDXD_IMS_CTRL_PASID, pasid);
}

/* Write an entry's control word and flush the posted write. */
static void idxd_ims_entry_write_ctrl(void __iomem *entry, u32 ctrl)
{
	iowrite32(ctrl, entry + IDXD_IMS_ENTRY_CTRL);
	ioread32(entry + IDXD_IMS_ENTRY_CTRL);
}

/* Write an entry's message (address and data) and flush it. */
static void idxd_ims_entry_write_msg(void __iomem *entry,
				     const struct msi_msg *msg)
{
	iowrite32(msg->address_lo, entry + IDXD_IMS_ENTRY_ADDR_LO);
	iowrite32(msg->address_hi, entry + IDXD_IMS_ENTRY_ADDR_HI);
	iowrite32(msg->data, entry + IDXD_IMS_ENTRY_DATA);
	ioread32(entry + IDXD_IMS_ENTRY_DATA);
}

#ifdef IDXD_IMS_HAVE_PCI_IMS

static const bool idxd_ims_kernel_has_pci_ims = true;

static void __iomem *idxd_ims_irqd_entry(struct irq_data *data)
{
	return irq_data_get_msi_desc(data)->data.dcookie.iobase;
}

static void idxd_ims_chip_mask(struct irq_data *data)
{
	void __iomem *entry = idxd_ims_irqd_entry(data);
	u32 ctrl = ioread32(entry + IDXD_IMS_ENTRY_CTRL);

	idxd_ims_entry_write_ctrl(entry, ctrl | IDXD_IMS_CTRL_MASKED);
}

static void idxd_ims_chip_unmask(struct irq_data *data)
{
	void __iomem *entry = idxd_ims_irqd_entry(data);
	u32 ctrl = ioread32(entry + IDXD_IMS_ENTRY_CTRL);

	idxd_ims_entry_write_ctrl(entry, ctrl & ~IDXD_IMS_CTRL_MASKED);
}

/*
 * Unlike PCI MSI-X, the MSI core does not keep a copy of a device domain's
 * message: cache it in the descriptor so that idxd_ims_irq_restore() can
 * reprogram the entry with get_cached_msi_msg() after a device reset.
 */
static void idxd_ims_chip_write_msg(struct irq_data *data, struct msi_msg *msg)
{
	irq_data_get_msi_desc(data)->msg = *msg;
	idxd_ims_entry_write_msg(idxd_ims_irqd_entry(data), msg);
}

/*
 * Called by the MSI core for each new descriptor, after the index has
 * been chosen and before the interrupt is allocated in the parent. The
 * table base comes from the domain data, the PASID from the cookie given
 * to pci_ims_alloc_irq(). The entry starts masked.
 */
static void idxd_ims_prepare_desc(struct irq_domain *domain,
				  msi_alloc_info_t *arg, struct msi_desc *desc)
{
	struct msi_domain_info *info = domain->host_data;
	void __iomem *table = (void __iomem __force *)info->data;
	void __iomem *entry = table + desc->msi_index * IDXD_IMS_ENTRY_SIZE;
	u64 cookie = desc->data.icookie.value;
	u32 ctrl = idxd_ims_masked_ctrl(cookie & IDXD_IMS_COOKIE_PASID_EN,
					FIELD_GET(IDXD_IMS_COOKIE_PASID, cookie));

	desc->data.dcookie.iobase = entry;
	idxd_ims_entry_write_ctrl(entry, ctrl);
	arg->hwirq = desc->msi_index;
}

static const struct msi_domain_template idxd_ims_template = {
	.chip = {
		.name			= "IDXD-IMS",
		.irq_mask		= idxd_ims_chip_mask,
		.irq_unmask		= idxd_ims_chip_unmask,
		.irq_write_msi_msg	= idxd_ims_chip_write_msg,
		.flags			= IRQCHIP_ONESHOT_SAFE,
	},
	.ops = {
		.prepare_desc		= idxd_ims_prepare_desc,
	},
	.info = {
		.flags			= MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS |
					  MSI_FLAG_FREE_MSI_DESCS |
					  MSI_FLAG_PCI_IMS,
		.bus_token		= DOMAIN_BUS_PCI_DEVICE_IMS,
	},
};

/* The IMS core keeps the table base as opaque domain data */
static void *idxd_ims_table_data(struct idxd_ims_dev *idev)
{
	return (void __force *)idxd_ims_entry(idev, 0);
}

static bool idxd_ims_create_domain(struct idxd_ims_dev *idev)
{
	return pci_create_ims_domain(idev->pdev, &idxd_ims_template,
				     idev->caps.ims_size,
				     idxd_ims_table_data(idev));
}

/*
 * pci_remove_ims_domain() came with the 6.12 series; v6.2-v6.9 have no way to
 * remove an IMS domain early, and free it with the device's MSI data when the
 * driver unbinds.
 */
static void idxd_ims_remove_domain(struct idxd_ims_dev *idev)
{
#ifdef IDXD_IMS_HAVE_PCI_REMOVE_IMS_DOMAIN
	pci_remove_ims_domain(idev->pdev);
#endif
}

static struct msi_map idxd_ims_alloc_vector(struct idxd_ims_dev *idev,
					    bool pasid_en, u32 pasid)
{
	union msi_instance_cookie icookie = {
		.value = FIELD_PREP(IDXD_IMS_COOKIE_PASID, pasid) |
			 (pasid_en ? IDXD_IMS_COOKIE_PASID_EN : 0),
	};

	return pci_ims_alloc_irq(idev->pdev, &icookie, NULL);
}

static void idxd_ims_free_vector(struct idxd_ims_dev *idev, struct msi_map map)
{
	pci_ims_free_irq(idev->pdev, map);
}

/**
 * idxd_ims_try_bad_template() - check that a broken IMS template is refused
 * @idev: the device; must have no completion vector allocated
 *
 * Removes the device's IMS domain, asks the PCI/IMS core to create one
 * from a template whose irq_chip lacks irq_write_msi_msg, and then creates
 * the real domain again. Used by the debugfs test hook.
 *
 * Return: -EINVAL when the broken template was rejected (the expected
 * outcome), -EPROTO if it was accepted, -EBUSY if vectors are in use,
 * -EOPNOTSUPP without IMS or without pci_remove_ims_domain(), -ENOMEM,
 * or -ENODEV if the real domain could not be created again.
 */
int idxd_ims_try_bad_template(struct idxd_ims_dev *idev)
{
	struct device *dev = &idev->pdev->dev;
	struct msi_domain_template *bad;
	bool accepted;
	int ret;

#ifndef IDXD_IMS_HAVE_PCI_REMOVE_IMS_DOMAIN
	return -EOPNOTSUPP;
#endif
	if (!idev->ims_active)
		return -EOPNOTSUPP;

	bad = kmemdup(&idxd_ims_template, sizeof(*bad), GFP_KERNEL);
	if (!bad)
		return -ENOMEM;
	bad->chip.irq_write_msi_msg = NULL;

	mutex_lock(&idev->irq_lock);
	if (!list_empty(&idev->irq_list)) {
		ret = -EBUSY;
		goto out_unlock;
	}

	idxd_ims_remove_domain(idev);
	accepted = pci_create_ims_domain(idev->pdev, bad, idev->caps.ims_size,
					 idxd_ims_table_data(idev));
	if (accepted) {
		dev_err(dev, "IMS template without irq_write_msi_msg was accepted\n");
		idxd_ims_remove_domain(idev);
		ret = -EPROTO;
	} else {
		dev_info(dev, "IMS template without irq_write_msi_msg rejected as expected\n");
		ret = -EINVAL;
	}

	if (!idxd_ims_create_domain(idev)) {
		dev_err(dev, "cannot re-create the IMS domain; completion vectors fall back to MSI-X\n");
		idev->ims_active = false;
		ret = -ENODEV;
	}

out_unlock:
	mutex_unlock(&idev->irq_lock);
	kfree(bad);
	return ret;
}

#else /* !IDXD_IMS_HAVE_PCI_IMS */

static const bool idxd_ims_kernel_has_pci_ims;

static bool idxd_ims_create_domain(struct idxd_ims_dev *idev)
{
	return false;
}

static void idxd_ims_remove_domain(struct idxd_ims_dev *idev)
{
}

static struct msi_map idxd_ims_alloc_vector(struct idxd_ims_dev *idev,
					    bool pasid_en, u32 pasid)
{
	return (struct msi_map) { .index = -EOPNOTSUPP };
}

static void idxd_ims_free_vector(struct idxd_ims_dev *idev, struct msi_map map)
{
}

/**
 * idxd_ims_try_bad_template() - check that a broken IMS template is refused
 * @idev: the device
 *
 * Return: -EOPNOTSUPP: this kernel has no PCI/IMS.
 */
int idxd_ims_try_bad_template(struct idxd_ims_dev *idev)
{
	return -EOPNOTSUPP;
}

#endif /* IDXD_IMS_HAVE_PCI_IMS */

static void idxd_ims_write_msix_perm(struct idxd_ims_irq *irq)
{
	struct idxd_ims_dev *idev = irq->idev;
	u32 perm = 0;

	if (!idev->caps.msix_perm_offset)
		return;
	if (irq->pasid_en)
		perm = IDXD_MSIX_PERM_PASID_EN |
		       FIELD_PREP(IDXD_MSIX_PERM_PASID, irq->pasid);
	iowrite32(perm, idev->reg_base + idev->caps.msix_perm_offset +
		  irq->index * IDXD_MSIX_PERM_STRIDE);
}

static void idxd_ims_clear_msix_perm(struct idxd_ims_irq *irq)
{
	struct idxd_ims_dev *idev = irq->idev;

	if (!idev->caps.msix_perm_offset)
		return;
	iowrite32(0, idev->reg_base + idev->caps.msix_perm_offset +
		  irq->index * IDXD_MSIX_PERM_STRIDE);
}

static u32 idxd_ims_handle_operand(struct idxd_ims_irq *irq)
{
	return irq->index |
	       (irq->kind == IDXD_IMS_IRQ_IMS ? IDXD_CMD_INT_HANDLE_IMS : 0);
}

/* Obtain the descriptor interrupt handle for @irq. */
static int idxd_ims_get_handle(struct idxd_ims_irq *irq)
{
	struct idxd_ims_dev *idev = irq->idev;
	u32 sts;
	int ret;

	if (!(idev->caps.cmdcap & IDXD_CMDCAP_REQUEST_INT_HANDLE)) {
		WRITE_ONCE(irq->int_handle, irq->index);
		return 0;
	}
	ret = idxd_ims_cmd(idev, IDXD_CMD_REQUEST_INT_HANDLE,
			   idxd_ims_handle_operand(irq), &sts);
	if (ret)
		return ret;
	WRITE_ONCE(irq->int_handle, FIELD_GET(IDXD_CMDSTS_RESULT, sts));
	return 0;
}

static void idxd_ims_put_handle(struct idxd_ims_irq *irq)
{
	struct idxd_ims_dev *idev = irq->idev;
	u32 operand;

	if (!(idev->caps.cmdcap & BIT(IDXD_CMD_RELEASE_INT_HANDLE)))
		return;
	operand = irq->int_handle |
		  (irq->kind == IDXD_IMS_IRQ_IMS ? IDXD_CMD_INT_HANDLE_IMS : 0);
	if (idxd_ims_cmd(idev, IDXD_CMD_RELEASE_INT_HANDLE, operand, NULL))
		dev_warn(&idev->pdev->dev, "cannot release interrupt handle %#x\n",
			 irq->int_handle);
}

static irqreturn_t idxd_ims_irq_primary(int virq, void *dev_id)
{
	struct idxd_ims_irq *irq = dev_id;

	atomic64_inc(&irq->count);
	if (irq->tasklet) {
		tasklet_schedule(irq->tasklet);
		return IRQ_HANDLED;
	}
	return irq->thread_fn ? IRQ_WAKE_THREAD : IRQ_HANDLED;
}

/*
 * Allocate the IMS entry or MSI-X vector of @irq and its interrupt handle:
 * IMS when it is in use, unless @msix asks for a dynamic MSI-X vector.
 */
static int idxd_ims_irq_get_vector(struct idxd_ims_irq *irq, bool msix)
{
	struct idxd_ims_dev *idev = irq->idev;
	struct msi_map map;
	int ret;

	lockdep_assert_held(&idev->irq_lock);

	if (idev->ims_active && !msix) {
		irq->kind = IDXD_IMS_IRQ_IMS;
		map = idxd_ims_alloc_vector(idev, irq->pasid_en, irq->pasid);
	} else {
		irq->kind = IDXD_IMS_IRQ_MSIX;
		map = pci_msix_alloc_irq_at(idev->pdev, MSI_ANY_INDEX, NULL);
	}
	if (map.index < 0) {
		dev_dbg(&idev->pdev->dev, "no free completion vector: %d\n",
			map.index);
		return map.index;
	}
	irq->index = map.index;
	irq->virq = map.virq;
	if (irq->kind == IDXD_IMS_IRQ_MSIX)
		idxd_ims_write_msix_perm(irq);

	ret = idxd_ims_get_handle(irq);
	if (ret)
		goto err_free_vector;
	irq_set_status_flags(irq->virq, IRQ_DISABLE_UNLAZY);
	return 0;

err_free_vector:
	if (irq->kind == IDXD_IMS_IRQ_IMS) {
		idxd_ims_free_vector(idev, map);
	} else {
		idxd_ims_clear_msix_perm(irq);
		pci_msix_free_irq(idev->pdev, map);
	}
	return ret;
}

static void idxd_ims_irq_put_vector(struct idxd_ims_irq *irq)
{
	struct idxd_ims_dev *idev = irq->idev;
	struct msi_map map = { .index = irq->index, .virq = irq->virq };

	lockdep_assert_held(&idev->irq_lock);

	irq_clear_status_flags(irq->virq, IRQ_DISABLE_UNLAZY);
	idxd_ims_put_handle(irq);
	if (irq->kind == IDXD_IMS_IRQ_IMS) {
		idxd_ims_free_vector(idev, map);
	} else {
		idxd_ims_clear_msix_perm(irq);
		pci_msix_free_irq(idev->pdev, map);
	}
}

static int __idxd_ims_irq_request(struct idxd_ims_irq *irq)
{
	int ret;

	lockdep_assert_held(&irq->idev->irq_lock);

	if (irq->requested)
		return -EBUSY;
	ret = request_threaded_irq(irq->virq, idxd_ims_irq_primary,
				   irq->thread_fn, 0, irq->name, irq);
	if (ret)
		return ret;
	irq->requested = true;
	return 0;
}

/*
 * Mark @irq released; the caller frees the Linux interrupt with free_irq()
 * after dropping &idxd_ims_dev.irq_lock, since that waits for a running
 * threaded handler.
 */
static int __idxd_ims_irq_release(struct idxd_ims_irq *irq)
{
	lockdep_assert_held(&irq->idev->irq_lock);

	if (!irq->requested)
		return -EINVAL;
	irq->requested = false;
	/* the next request_irq() starts the interrupt unmasked */
	irq->masked = false;
	return 0;
}

static struct idxd_ims_irq *idxd_ims_irq_new(struct idxd_ims_dev *idev,
					     const char *name,
					     irq_handler_t thread_fn,
					     struct tasklet_struct *tasklet,
					     void *data, bool pasid_en,
					     u32 pasid, bool request, bool msix)
{
	struct idxd_ims_irq *irq;
	int ret;

	irq = kzalloc(sizeof(*irq), GFP_KERNEL);
	if (!irq)
		return ERR_PTR(-ENOMEM);
	irq->idev = idev;
	irq->thread_fn = thread_fn;
	irq->tasklet = tasklet;
	irq->data = data;
	irq->pasid_en = pasid_en;
	irq->pasid = pasid_en ? pasid : 0;
	atomic64_set(&irq->count, 0);
	strscpy(irq->name, name, sizeof(irq->name));

	mutex_lock(&idev->irq_lock);
	ret = idxd_ims_irq_get_vector(irq, msix);
	if (ret)
		goto err_unlock;
	if (request) {
		ret = __idxd_ims_irq_request(irq);
		if (ret)
			goto err_put_vector;
	}
	list_add_tail(&irq->node, &idev->irq_list);
	mutex_unlock(&idev->irq_lock);
	return irq;

err_put_vector:
	idxd_ims_irq_put_vector(irq);
err_unlock:
	mutex_unlock(&idev->irq_lock);
	kfree(irq);
	return ERR_PTR(ret);
}

/**
 * idxd_ims_irq_alloc_pasid() - allocate a completion vector bound to a PASID
 * @idev: the device
 * @name: interrupt name (copied, truncated to fit)
 * @thread_fn: threaded handler, called with dev_id = the returned vector;
 *	may be NULL when only the interrupt count is of interest
 * @data: stored in the vector's @data member for the caller
 * @pasid_en: bind the vector to @pasid
 * @pasid: PASID written into the IMS entry (or MSI-X permission entry)
 * @request: also request the Linux interrupt; without it the vector only
 *	holds its IMS entry (masked) until idxd_ims_irq_request()
 *
 * Allocates an IMS entry (any free index) or, in fallback mode, a dynamic
 * MSI-X vector, and obtains its descriptor interrupt handle. Allocating
 * without requesting lets a caller hold more entries than the CPUs have
 * interrupt vectors. Process context only.
 *
 * Return: the vector or an ERR_PTR().
 */
struct idxd_ims_irq *idxd_ims_irq_alloc_pasid(struct idxd_ims_dev *idev,
					      const char *name,
					      irq_handler_t thread_fn,
					      void *data, bool pasid_en,
					      u32 pasid, bool request)
{
	return idxd_ims_irq_new(idev, name, thread_fn, NULL, data, pasid_en,
				pasid, request, false);
}

/**
 * idxd_ims_irq_alloc() - allocate a completion vector for kernel work
 * @idev: the device
 * @name: interrupt name
 * @tasklet: tasklet the interrupt schedules: it runs in softirq context
 *	as the interrupt returns, without the switch to an interrupt thread;
 *	idxd_ims_irq_free() kills it
 * @data: stored in the vector's @data member
 *
 * Like idxd_ims_irq_alloc_pasid() with the device's kernel PASID policy
 * (bound to the system PASID when one is in use), with the Linux
 * interrupt requested, and with @tasklet in place of a threaded handler.
 *
 * Return: the vector or an ERR_PTR().
 */
struct idxd_ims_irq *idxd_ims_irq_alloc(struct idxd_ims_dev *idev,
					const char *name,
					struct tasklet_struct *tasklet,
					void *data)
{
	return idxd_ims_irq_new(idev, name, NULL, tasklet, data,
				idev->pasid_enabled, idev->pasid, true, false);
}

/**
 * idxd_ims_irq_alloc_msix() - allocate a dynamic MSI-X vector even while
 *	completion vectors come from IMS
 * @idev: the device
 * @name: interrupt name
 * @request: also request the Linux interrupt
 *
 * For the debugfs benchmarks only, which compare IMS and MSI-X vectors on
 * the same device in the same boot; the driver never mixes the two for its
 * own work. The vector follows the kernel PASID policy, has no threaded
 * handler (only its interrupt count moves) and is freed with
 * idxd_ims_irq_free().
 *
 * Return: the vector, ERR_PTR(-EOPNOTSUPP) when the device cannot
 * allocate MSI-X vectors dynamically, or another ERR_PTR().
 */
struct idxd_ims_irq *idxd_ims_irq_alloc_msix(struct idxd_ims_dev *idev,
					     const char *name, bool request)
{
	if (!pci_msix_can_alloc_dyn(idev->pdev))
		return ERR_PTR(-EOPNOTSUPP);
	return idxd_ims_irq_new(idev, name, NULL, NULL, NULL,
				idev->pasid_enabled, idev->pasid, request, true);
}

/**
 * idxd_ims_irq_request() - request the Linux interrupt of a vector
 * @irq: vector allocated without requesting
 *
 * Return: 0, -EBUSY if already requested, or the request_irq() error.
 */
int idxd_ims_irq_request(struct idxd_ims_irq *irq)
{
	int ret;

	mutex_lock(&irq->idev->irq_lock);
	ret = __idxd_ims_irq_request(irq);
	mutex_unlock(&irq->idev->irq_lock);
	return ret;
}

/**
 * idxd_ims_irq_release() - free the Linux interrupt but keep the vector
 * @irq: vector whose interrupt is requested
 *
 * Return: 0, or -EINVAL if the interrupt was not requested.
 */
int idxd_ims_irq_release(struct idxd_ims_irq *irq)
{
	int ret;

	mutex_lock(&irq->idev->irq_lock);
	ret = __idxd_ims_irq_release(irq);
	mutex_unlock(&irq->idev->irq_lock);
	if (!ret)
		free_irq(irq->virq, irq);
	return ret;
}

/*
 * Free @irq: its Linux interrupt without &idxd_ims_dev.irq_lock, since
 * free_irq() waits for a running threaded handler, then its vector. It
 * stays on the list, released, until its vector is given back, so that
 * the IMS entry counts as used until then.
 */
static void __idxd_ims_irq_free(struct idxd_ims_irq *irq)
{
	struct idxd_ims_dev *idev = irq->idev;

	lockdep_assert_held(&idev->irq_lock);

	if (!__idxd_ims_irq_release(irq)) {
		mutex_unlock(&idev->irq_lock);
		free_irq(irq->virq, irq);
		mutex_lock(&idev->irq_lock);
	}
	list_del(&irq->node);
	/*
	 * Off the list, the vector gets no renewed handle that would schedule
	 * its tasklet again; the interrupt that could is freed.
	 */
	if (irq->tasklet)
		tasklet_kill(irq->tasklet);
	idxd_ims_irq_put_vector(irq);
	kfree(irq);
}

/**
 * idxd_ims_irq_free() - free a completion vector
 * @irq: vector from idxd_ims_irq_alloc() or idxd_ims_irq_alloc_pasid()
 *
 * Frees the Linux interrupt if requested (waiting for running handlers),
 * waits for the vector's tasklet to finish and keeps it from running again,
 * releases the interrupt handle and returns the IMS entry or MSI-X vector.
 * The caller must have stopped submitting descriptors that use it.
 */
void idxd_ims_irq_free(struct idxd_ims_irq *irq)
{
	struct idxd_ims_dev *idev = irq->idev;

	mutex_lock(&idev->irq_lock);
	__idxd_ims_irq_free(irq);
	mutex_unlock(&idev->irq_lock);
}

/**
 * idxd_ims_irq_set_masked() - mask or unmask a completion vector
 * @irq: the vector
 * @masked: true to mask
 *
 * Masks the vector in the device (IMS entry control word or MSI-X table)
 * right away rather than lazily, so that an interrupt raised meanwhile is
 * held by the device and delivered on unmask. Calls do not nest: masking a
 * masked vector, or unmasking an unmasked one, changes nothing.
 *
 * Context: process context; may sleep (waits for a running handler).
 * Return: 0, or -EINVAL if the interrupt is not requested.
 */
int idxd_ims_irq_set_masked(struct idxd_ims_irq *irq, bool masked)
{
	struct idxd_ims_dev *idev = irq->idev;
	bool wait = false;
	int ret = 0;

	mutex_lock(&idev->irq_lock);
	if (!irq->requested) {
		ret = -EINVAL;
	} else if (irq->masked != masked) {
		if (masked)
			disable_irq_nosync(irq->virq);
		else
			enable_irq(irq->virq);
		irq->masked = masked;
		wait = masked;
	}
	mutex_unlock(&idev->irq_lock);
	/* the caller owns @irq: nobody frees it meanwhile */
	if (wait)
		synchronize_irq(irq->virq);
	return ret;
}

/**
 * idxd_ims_irq_masked() - whether a completion vector is masked
 * @irq: the vector
 *
 * Return: true when the interrupt is masked at the chip.
 */
bool idxd_ims_irq_masked(struct idxd_ims_irq *irq)
{
	return irqd_irq_masked(irq_get_irq_data(irq->virq));
}

/**
 * idxd_ims_irq_read_ctrl() - read the control word of an IMS entry
 * @irq: the vector
 * @ctrl: receives the control word (mask bit, PASID enable, PASID)
 *
 * Return: 0, or -EOPNOTSUPP for an MSI-X vector.
 */
int idxd_ims_irq_read_ctrl(struct idxd_ims_irq *irq, u32 *ctrl)
{
	if (irq->kind != IDXD_IMS_IRQ_IMS)
		return -EOPNOTSUPP;
	*ctrl = ioread32(idxd_ims_entry(irq->idev, irq->index) +
			 IDXD_IMS_ENTRY_CTRL);
	return 0;
}

/**
 * idxd_ims_irq_restore() - reprogram completion vectors after a device reset
 * @idev: the device
 *
 * A device reset may clear the IMS table and invalidates interrupt
 * handles. Each vector is masked, its IMS entry rewritten from the cached
 * message and PASID, its handle requested again, and then unmasked unless
 * its user had it disabled. Process context.
 */
void idxd_ims_irq_restore(struct idxd_ims_dev *idev)
{
	struct idxd_ims_irq *irq;
	struct msi_msg msg;
	void __iomem *entry;
	u32 ctrl;

	mutex_lock(&idev->irq_lock);
	list_for_each_entry(irq, &idev->irq_list, node) {
		/* masked at once (IRQ_DISABLE_UNLAZY); a running handler may go on */
		if (irq->requested)
			disable_irq_nosync(irq->virq);
		if (irq->kind == IDXD_IMS_IRQ_IMS) {
			entry = idxd_ims_entry(idev, irq->index);
			get_cached_msi_msg(irq->virq, &msg);
			idxd_ims_entry_write_msg(entry, &msg);
			ctrl = idxd_ims_masked_ctrl(irq->pasid_en, irq->pasid);
			idxd_ims_entry_write_ctrl(entry, ctrl);
		} else {
			idxd_ims_write_msix_perm(irq);
		}
		if (idxd_ims_get_handle(irq))
			dev_err(&idev->pdev->dev,
				"cannot get an interrupt handle for vector %u\n",
				irq->index);
		if (irq->requested)
			enable_irq(irq->virq);
	}
	mutex_unlock(&idev->irq_lock);
}

/**
 * idxd_ims_irq_renew_handles() - request new interrupt handles and let
 *	every vector's owner look at its completions
 * @idev: the device
 *
 * A descriptor submitted with a handle the device revoked completes with
 * status "invalid interrupt handle" and raises no interrupt. Once every
 * vector has its new handle, the threaded handler (or tasklet) of each
 * requested vector runs once, so that its owner finds such descriptors
 * without waiting for an interrupt that does not come (a virtual device
 * resubmits them with the new handle).
 *
 * Context: process context; takes &idxd_ims_dev.irq_lock.
 */
void idxd_ims_irq_renew_handles(struct idxd_ims_dev *idev)
{
	struct idxd_ims_irq *irq;

	mutex_lock(&idev->irq_lock);
	list_for_each_entry(irq, &idev->irq_list, node) {
		if (idxd_ims_get_handle(irq))
			dev_err(&idev->pdev->dev,
				"cannot renew the interrupt handle of vector %u\n",
				irq->index);
	}
	list_for_each_entry(irq, &idev->irq_list, node) {
		if (!irq->requested)
			continue;
		if (irq->tasklet)
			tasklet_schedule(irq->tasklet);
		else if (irq->thread_fn)
			irq_wake_thread(irq->virq, irq);
	}
	mutex_unlock(&idev->irq_lock);
}

/**
 * idxd_ims_irq_test_revoke() - make a vector's handle one the device
 *	refuses, as a revocation leaves it until the handles are renewed
 * @idev: the device
 * @index: IMS index of the vector
 *
 * For the debugfs test hook: descriptors built from now on until
 * idxd_ims_irq_renew_handles() carry a handle that names no IMS entry.
 *
 * Context: process context; takes &idxd_ims_dev.irq_lock.
 * Return: 0, or -ENOENT when no IMS vector has @index.
 */
int idxd_ims_irq_test_revoke(struct idxd_ims_dev *idev, unsigned int index)
{
	struct idxd_ims_irq *irq;
	int ret = -ENOENT;

	mutex_lock(&idev->irq_lock);
	list_for_each_entry(irq, &idev->irq_list, node) {
		if (irq->kind == IDXD_IMS_IRQ_IMS && irq->index == index) {
			WRITE_ONCE(irq->int_handle, U16_MAX);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&idev->irq_lock);
	return ret;
}

static void idxd_ims_revoke_work(struct work_struct *work)
{
	idxd_ims_irq_renew_handles(container_of(work, struct idxd_ims_dev,
						revoke_work));
}

/**
 * idxd_ims_irq_handles_revoked() - the device revoked interrupt handles
 * @idev: the device
 *
 * Called from the misc interrupt thread. New handles are requested from a
 * work item, since commands complete through the misc interrupt itself.
 * Descriptors submitted with a revoked handle complete with status
 * "invalid interrupt handle" without an interrupt; see
 * idxd_ims_irq_renew_handles().
 */
void idxd_ims_irq_handles_revoked(struct idxd_ims_dev *idev)
{
	dev_warn_ratelimited(&idev->pdev->dev, "interrupt handles revoked\n");
	if (idev->caps.cmdcap & IDXD_CMDCAP_REQUEST_INT_HANDLE)
		schedule_work(&idev->revoke_work);
}

/**
 * idxd_ims_irq_setup() - choose IMS or MSI-X for completion vectors
 * @idev: the device, with MSI-X vector 0 already allocated
 *
 * Creates the IMS domain when the kernel and the parent interrupt domain
 * support it, the device has an IMS table and the force_msix module
 * parameter is not set; otherwise falls back to dynamic MSI-X and says so
 * once.
 *
 * Return: 0, or -ENODEV when neither IMS nor dynamic MSI-X is available.
 */
int idxd_ims_irq_setup(struct idxd_ims_dev *idev)
{
	struct device *dev = &idev->pdev->dev;

	INIT_WORK(&idev->revoke_work, idxd_ims_revoke_work);

	if (!force_msix && idev->caps.ims_size && idxd_ims_create_domain(idev)) {
		idev->ims_active = true;
		return 0;
	}

	if (!pci_msix_can_alloc_dyn(idev->pdev)) {
		dev_err(dev, "neither PCI/IMS nor dynamic MSI-X is available\n");
		return -ENODEV;
	}
	idev->ims_active = false;
	if (force_msix)
		dev_info_once(dev, "force_msix is set; completion interrupts use dynamic MSI-X\n");
	else if (!idev->caps.ims_size)
		dev_info_once(dev, "device has no IMS table; completion interrupts use dynamic MSI-X\n");
	else if (!idxd_ims_kernel_has_pci_ims)
		dev_info_once(dev, "kernel has no PCI/IMS support; completion interrupts use dynamic MSI-X\n");
	else
		dev_info_once(dev, "parent interrupt domain refused PCI/IMS; completion interrupts use dynamic MSI-X\n");
	return 0;
}

/**
 * idxd_ims_irq_teardown() - undo idxd_ims_irq_setup()
 * @idev: the device
 *
 * All vectors should have been freed by their users; any left over is
 * reported and freed here before the IMS domain is removed.
 */
void idxd_ims_irq_teardown(struct idxd_ims_dev *idev)
{
	struct idxd_ims_irq *irq;

	cancel_work_sync(&idev->revoke_work);

	mutex_lock(&idev->irq_lock);
	while (!list_empty(&idev->irq_list)) {
		irq = list_first_entry(&idev->irq_list, struct idxd_ims_irq,
				       node);
		dev_err(&idev->pdev->dev, "completion vector %u (%s) still allocated at teardown\n",
			irq->index, irq->name);
		__idxd_ims_irq_free(irq);
	}
	mutex_unlock(&idev->irq_lock);

	if (idev->ims_active)
		idxd_ims_remove_domain(idev);
	idev->ims_active = false;
}

/**
 * idxd_ims_irq_ims_free() - count the IMS entries not allocated
 * @idev: device
 *
 * Context: process context; takes &idxd_ims_dev.irq_lock.
 * Return: free IMS entries, 0 when completion vectors are not IMS.
 */
unsigned int idxd_ims_irq_ims_free(struct idxd_ims_dev *idev)
{
	struct idxd_ims_irq *irq;
	unsigned int used = 0;

	mutex_lock(&idev->irq_lock);
	if (!idev->ims_active) {
		mutex_unlock(&idev->irq_lock);
		return 0;
	}
	list_for_each_entry(irq, &idev->irq_list, node)
		if (irq->kind == IDXD_IMS_IRQ_IMS)
			used++;
	mutex_unlock(&idev->irq_lock);
	return idev->caps.ims_size - min(used, idev->caps.ims_size);
}
