// SPDX-License-Identifier: GPL-2.0-only
/*
 * Register emulation of a virtual DSA device: its PCI configuration space
 * and the BAR0 registers of a one-WQ slice (capabilities, control and
 * status, commands, software errors, a read-only WQCFG/GRPCFG).
 *
 * The slice's configuration is fixed by the host (GENCAP.config_en is 0):
 * the guest enables and disables the device and its work queue, it does
 * not size or group them.
 */
#include <linux/bitfield.h>
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/unaligned.h>

#include "idxd_ims.h"
#include "mdev.h"
#include "wq.h"

#define IDXD_VDEV_PCIE_CAP		0x40
#define IDXD_VDEV_MSIX_CAP		0x80
#define IDXD_VDEV_PASID_CAP		0x100
#define IDXD_VDEV_PASID_MAX_WIDTH	20
#define IDXD_VDEV_CLASS			0x0880	/* system peripheral, other */
#define IDXD_VDEV_VERSION		0x100
/* DEVCTL's upper byte, which has Initiate Function Level Reset (bit 15) */
#define IDXD_VDEV_DEVCTL_HI		(IDXD_VDEV_PCIE_CAP + PCI_EXP_DEVCTL + 1)

/*
 * GENSTS of a halted slice. The reset type is FLR: a software reset would
 * make a guest driver reconfigure the device, which the slice is not
 * (GENCAP.config_en is 0); upstream idxd asks for an FLR then.
 */
#define IDXD_VDEV_GENSTS_HALTED \
	(FIELD_PREP_CONST(IDXD_GENSTS_STATE, IDXD_HW_STATE_HALT) | \
	 FIELD_PREP_CONST(IDXD_GENSTS_RESET_TYPE, IDXD_HW_RESET_FLR))

/* Command status error codes the slice reports */
#define IDXD_VDEV_CMDSTS_INVAL_CMD	0x01
#define IDXD_VDEV_CMDSTS_INVAL_WQIDX	0x02
#define IDXD_VDEV_CMDSTS_BUSMASTER	0x12
#define IDXD_VDEV_CMDSTS_DEV_NOTEN	0x20
#define IDXD_VDEV_CMDSTS_DIS_DEV_NOTEN	0x31

static void config_init16(struct idxd_vdev_regs *regs, unsigned int off,
			  u16 val, u16 wmask)
{
	put_unaligned_le16(val, regs->config + off);
	put_unaligned_le16(wmask, regs->config_wmask + off);
}

static void config_init32(struct idxd_vdev_regs *regs, unsigned int off,
			  u32 val, u32 wmask)
{
	put_unaligned_le32(val, regs->config + off);
	put_unaligned_le32(wmask, regs->config_wmask + off);
}

/* A 64-bit memory BAR of @size bytes at config offset @off */
static void config_init_bar64(struct idxd_vdev_regs *regs, unsigned int off,
			      u32 size)
{
	config_init32(regs, off, PCI_BASE_ADDRESS_MEM_TYPE_64,
		      ~(size - 1) & PCI_BASE_ADDRESS_MEM_MASK);
	config_init32(regs, off + 4, 0, 0xffffffff);
}

static void vdev_set_gensts(struct idxd_ims_vdev *vdev, u32 gensts)
{
	unsigned long flags;

	spin_lock_irqsave(&vdev->status_lock, flags);
	vdev->regs.gensts = gensts;
	spin_unlock_irqrestore(&vdev->status_lock, flags);
}

/*
 * vdev_regs_reset() - put the BAR0 registers in their reset state
 * @vdev: virtual device
 *
 * Device and work queue disabled, no software error, no pending cause,
 * interrupt enables cleared; a halt is forgotten. The configuration space
 * is left alone (a device reset does not touch it).
 *
 * Context: &idxd_ims_vdev.reg_lock held, or creation.
 */
static void vdev_regs_reset(struct idxd_ims_vdev *vdev)
{
	struct idxd_vdev_regs *regs = &vdev->regs;
	unsigned long flags;

	spin_lock_irqsave(&vdev->status_lock, flags);
	regs->genctrl = 0;
	regs->gensts = IDXD_HW_STATE_DISABLED;
	regs->intcause = 0;
	memset(regs->swerr, 0, sizeof(regs->swerr));
	spin_unlock_irqrestore(&vdev->status_lock, flags);

	regs->cmdsts = 0;
	regs->wq_enabled = false;
	memset(regs->perm, 0, sizeof(regs->perm));
	memset(regs->lines, 0, sizeof(regs->lines));
}

/*
 * vdev_config_init() - put the configuration space in its reset state
 * @vdev: virtual device
 *
 * The device looks like its parent (vendor, device and revision IDs), has
 * two 64-bit memory BARs (registers and portals), a PCI Express
 * capability with Function Level Reset, an MSI-X capability with one
 * vector per WQ plus the error vector, and a PASID capability. Everything
 * the guest may write is cleared: command register (so Bus Master too),
 * BAR addresses, MSI-X and PASID enables, DEVCTL.
 *
 * Context: &idxd_ims_vdev.reg_lock held, or creation.
 */
static void vdev_config_init(struct idxd_ims_vdev *vdev)
{
	struct pci_dev *pdev = vdev->idev->pdev;
	struct idxd_vdev_regs *regs = &vdev->regs;

	memset(regs->config, 0, sizeof(regs->config));
	memset(regs->config_wmask, 0, sizeof(regs->config_wmask));
	WRITE_ONCE(vdev->bus_master, false);
	config_init16(regs, PCI_VENDOR_ID, PCI_VENDOR_ID_INTEL, 0);
	config_init16(regs, PCI_DEVICE_ID, pdev->device, 0);
	config_init16(regs, PCI_COMMAND, 0, PCI_COMMAND_MEMORY |
		      PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	config_init16(regs, PCI_STATUS, PCI_STATUS_CAP_LIST, 0);
	regs->config[PCI_REVISION_ID] = pdev->revision;
	config_init16(regs, PCI_CLASS_DEVICE, IDXD_VDEV_CLASS, 0);
	config_init_bar64(regs, PCI_BASE_ADDRESS_0, IDXD_VDEV_BAR0_SIZE);
	config_init_bar64(regs, PCI_BASE_ADDRESS_2, IDXD_VDEV_BAR2_SIZE);
	config_init16(regs, PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID_INTEL, 0);
	regs->config[PCI_CAPABILITY_LIST] = IDXD_VDEV_PCIE_CAP;
	regs->config[PCI_INTERRUPT_LINE] = 0;
	regs->config_wmask[PCI_INTERRUPT_LINE] = 0xff;

	regs->config[IDXD_VDEV_PCIE_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_EXP;
	regs->config[IDXD_VDEV_PCIE_CAP + PCI_CAP_LIST_NEXT] = IDXD_VDEV_MSIX_CAP;
	config_init16(regs, IDXD_VDEV_PCIE_CAP + PCI_EXP_FLAGS,
		      FIELD_PREP(PCI_EXP_FLAGS_VERS, 2) |
		      FIELD_PREP(PCI_EXP_FLAGS_TYPE, PCI_EXP_TYPE_ENDPOINT), 0);
	config_init32(regs, IDXD_VDEV_PCIE_CAP + PCI_EXP_DEVCAP,
		      PCI_EXP_DEVCAP_FLR, 0);
	config_init16(regs, IDXD_VDEV_PCIE_CAP + PCI_EXP_DEVCTL, 0,
		      U16_MAX & ~PCI_EXP_DEVCTL_BCR_FLR);

	regs->config[IDXD_VDEV_MSIX_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSIX;
	config_init16(regs, IDXD_VDEV_MSIX_CAP + PCI_MSIX_FLAGS,
		      IDXD_VDEV_NUM_VECTORS - 1,
		      PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	config_init32(regs, IDXD_VDEV_MSIX_CAP + PCI_MSIX_TABLE,
		      IDXD_VDEV_MSIX_TABLE_OFFSET | IDXD_IMS_BAR_MMIO, 0);
	config_init32(regs, IDXD_VDEV_MSIX_CAP + PCI_MSIX_PBA,
		      IDXD_VDEV_MSIX_PBA_OFFSET | IDXD_IMS_BAR_MMIO, 0);

	config_init32(regs, IDXD_VDEV_PASID_CAP,
		      PCI_EXT_CAP_ID_PASID | (1 << 16), 0);
	config_init16(regs, IDXD_VDEV_PASID_CAP + PCI_PASID_CAP,
		      IDXD_VDEV_PASID_MAX_WIDTH << 8, 0);
	config_init16(regs, IDXD_VDEV_PASID_CAP + PCI_PASID_CTRL, 0,
		      PCI_PASID_CTRL_ENABLE);
}

/**
 * idxd_vdev_regs_init() - build the registers of a virtual device
 * @vdev: virtual device
 *
 * The configuration space and the BAR0 registers in their reset state.
 * The device offers the operations the mediation knows that the parent
 * also has.
 *
 * Context: creation of the virtual device, before it is registered, and
 * each open with &idxd_ims_vdev.reg_lock held.
 */
void idxd_vdev_regs_init(struct idxd_ims_vdev *vdev)
{
	vdev_config_init(vdev);
	vdev->opcap = IDXD_VDEV_OPCAP & vdev->idev->caps.opcap[0];
	vdev_regs_reset(vdev);
}

/**
 * idxd_vdev_reset() - reset the virtual device, as a function level reset
 * @vdev: virtual device
 *
 * Stops taking descriptors, waits for those in flight, unpins the guest
 * pages the device kept pinned and puts the registers in their reset
 * state. A halt is forgotten if the parent's work queue works again;
 * otherwise (parent still halted, or disabled) GENSTS reads "halted" again,
 * as on a device that a reset cannot bring back. Opening the device, the guest's Reset
 * Device command, its Initiate FLR (DEVCTL bit 15), VFIO_DEVICE_RESET and
 * closing the device all come here.
 *
 * Context: &idxd_ims_vdev.reg_lock held.
 * Return: true when the virtual device can be enabled and used.
 */
bool idxd_vdev_reset(struct idxd_ims_vdev *vdev)
{
	bool usable;

	lockdep_assert_held(&vdev->reg_lock);

	vdev->regs.wq_enabled = false;
	idxd_vdev_drain(vdev);
	idxd_vdev_pins_release(vdev);
	usable = idxd_vdev_new_session(vdev);
	vdev_regs_reset(vdev);
	idxd_vdev_portal_clear(vdev);
	if (!usable)
		vdev_set_gensts(vdev, IDXD_VDEV_GENSTS_HALTED);
	return usable;
}

/**
 * idxd_vdev_flr() - a function level reset of the virtual device
 * @vdev: virtual device
 *
 * idxd_vdev_reset(), and the configuration space back in its reset state
 * too, as after a function level reset of a PCI function: Bus Master,
 * Memory Space, BAR addresses, MSI-X and PASID enables cleared. The
 * guest's Initiate FLR and VFIO_DEVICE_RESET come here.
 *
 * Context: &idxd_ims_vdev.reg_lock held.
 */
void idxd_vdev_flr(struct idxd_ims_vdev *vdev)
{
	lockdep_assert_held(&vdev->reg_lock);

	vdev_config_init(vdev);
	idxd_vdev_reset(vdev);
}

/**
 * idxd_vdev_config_rw() - access the configuration space
 * @vdev: virtual device
 * @off: offset in the configuration space
 * @buf: data
 * @len: bytes
 * @write: write @buf instead of reading into it
 *
 * Writes only change the bits the guest may write (command register,
 * BAR addresses, MSI-X enable and mask, PASID enable, ...). Clearing Bus
 * Master stops the slice's accesses to guest memory at once. Writing 1 to
 * Initiate Function Level Reset in DEVCTL resets the device with
 * idxd_vdev_flr() before the write returns: the bit always reads 0 and
 * the configuration space reads at once, in its reset state (Linux's
 * pcie_flr() waits until it no longer reads all ones).
 *
 * Context: &idxd_ims_vdev.reg_lock held.
 * Return: 0, or -EINVAL for an access outside the configuration space.
 */
int idxd_vdev_config_rw(struct idxd_ims_vdev *vdev, u64 off, void *buf,
			size_t len, bool write)
{
	struct idxd_vdev_regs *regs = &vdev->regs;
	u8 *data = buf;
	size_t i;

	lockdep_assert_held(&vdev->reg_lock);

	if (off >= IDXD_VDEV_CONFIG_SIZE || len > IDXD_VDEV_CONFIG_SIZE - off)
		return -EINVAL;
	if (!write) {
		memcpy(buf, regs->config + off, len);
		return 0;
	}
	for (i = 0; i < len; i++) {
		u8 wmask = regs->config_wmask[off + i];

		regs->config[off + i] = (regs->config[off + i] & ~wmask) |
					(data[i] & wmask);
	}
	WRITE_ONCE(vdev->bus_master,
		   get_unaligned_le16(regs->config + PCI_COMMAND) &
		   PCI_COMMAND_MASTER);
	if (off <= IDXD_VDEV_DEVCTL_HI && off + len > IDXD_VDEV_DEVCTL_HI &&
	    data[IDXD_VDEV_DEVCTL_HI - off] & (PCI_EXP_DEVCTL_BCR_FLR >> 8))
		idxd_vdev_flr(vdev);
	return 0;
}

/**
 * idxd_vdev_swerr() - record a software error and raise it
 * @vdev: virtual device
 * @error: error code (completion status numbering)
 * @opcode: operation of the descriptor involved
 * @addr: guest address involved (e.g. a completion record), or 0; it
 *	goes to the fault address, the third quadword of SWERR
 *
 * A second error before the guest cleared the first sets the overflow
 * bit. INTCAUSE.SWERR is set and vector 0 signalled when the guest enabled
 * software error interrupts in GENCTRL.
 *
 * Context: any; takes &idxd_ims_vdev.status_lock.
 */
void idxd_vdev_swerr(struct idxd_ims_vdev *vdev, u8 error, u8 opcode,
		     u64 addr)
{
	struct idxd_vdev_regs *regs = &vdev->regs;
	unsigned long flags;
	bool raise;

	spin_lock_irqsave(&vdev->status_lock, flags);
	if (regs->swerr[0] & IDXD_SWERR_VALID) {
		regs->swerr[0] |= IDXD_SWERR_OVERFLOW;
	} else {
		regs->swerr[0] = IDXD_SWERR_VALID | IDXD_SWERR_DESC_VALID |
				 IDXD_SWERR_WQ_IDX_VALID |
				 FIELD_PREP(IDXD_SWERR_ERROR, error) |
				 FIELD_PREP(IDXD_SWERR_OPERATION, opcode);
		regs->swerr[IDXD_SWERR_QW_FAULT_ADDR] = addr;
	}
	regs->intcause |= IDXD_INTC_SWERR;
	raise = regs->genctrl & IDXD_GENCTRL_SOFTERR_INT_EN;
	spin_unlock_irqrestore(&vdev->status_lock, flags);

	if (raise)
		idxd_vdev_signal(vdev, IDXD_VDEV_VECTOR_MISC);
}

/**
 * idxd_vdev_report_halt() - show the guest that its device halted
 * @vdev: virtual device
 *
 * GENSTS reads "halted", with reset type FLR, until the guest resets the
 * device; INTCAUSE has the halt bit, and vector 0 is signalled when the
 * guest enabled halt interrupts. Nothing happens when a reset made the
 * virtual device usable again before this ran: the halt is over.
 *
 * Context: process context; takes &idxd_ims_vdev.reg_lock.
 */
void idxd_vdev_report_halt(struct idxd_ims_vdev *vdev)
{
	struct idxd_vdev_regs *regs = &vdev->regs;
	unsigned long flags;
	bool raise;

	mutex_lock(&vdev->reg_lock);
	spin_lock_irqsave(&vdev->slot_lock, flags);
	raise = vdev->halted;
	spin_unlock_irqrestore(&vdev->slot_lock, flags);
	if (!raise) {
		mutex_unlock(&vdev->reg_lock);
		return;
	}
	regs->wq_enabled = false;
	spin_lock_irqsave(&vdev->status_lock, flags);
	regs->gensts = IDXD_VDEV_GENSTS_HALTED;
	regs->intcause |= IDXD_INTC_HALT_STATE;
	raise = regs->genctrl & IDXD_GENCTRL_HALT_INT_EN;
	spin_unlock_irqrestore(&vdev->status_lock, flags);
	mutex_unlock(&vdev->reg_lock);

	if (raise)
		idxd_vdev_signal(vdev, IDXD_VDEV_VECTOR_MISC);
}

static u32 vdev_gensts(struct idxd_ims_vdev *vdev)
{
	unsigned long flags;
	u32 gensts;

	spin_lock_irqsave(&vdev->status_lock, flags);
	gensts = vdev->regs.gensts;
	spin_unlock_irqrestore(&vdev->status_lock, flags);
	return gensts;
}

/* The per-WQ commands take a WQ bitmask; the slice has WQ 0 only. */
static bool vdev_wq_mask_ok(u32 operand)
{
	return FIELD_GET(IDXD_CMD_WQ_BLOCK, operand) == 0 &&
	       FIELD_GET(IDXD_CMD_WQ_MASK, operand) == 1;
}

/* Execute a guest command; returns the CMDSTS error code. */
static u32 vdev_cmd(struct idxd_ims_vdev *vdev, u32 code, u32 operand)
{
	struct idxd_vdev_regs *regs = &vdev->regs;
	u32 state = FIELD_GET(IDXD_GENSTS_STATE, vdev_gensts(vdev));
	u16 command;

	lockdep_assert_held(&vdev->reg_lock);

	if (state == IDXD_HW_STATE_HALT && code != IDXD_CMD_RESET_DEVICE)
		return IDXD_CMDSTS_HW_ERR;

	switch (code) {
	case IDXD_CMD_ENABLE_DEVICE:
		if (state == IDXD_HW_STATE_ENABLED)
			return IDXD_CMDSTS_ERR_DEV_ENABLED;
		command = get_unaligned_le16(regs->config + PCI_COMMAND);
		if (!(command & PCI_COMMAND_MASTER))
			return IDXD_VDEV_CMDSTS_BUSMASTER;
		vdev_set_gensts(vdev, IDXD_HW_STATE_ENABLED);
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_DISABLE_DEVICE:
		if (state != IDXD_HW_STATE_ENABLED)
			return IDXD_VDEV_CMDSTS_DIS_DEV_NOTEN;
		regs->wq_enabled = false;
		idxd_vdev_drain(vdev);
		vdev_set_gensts(vdev, IDXD_HW_STATE_DISABLED);
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_DRAIN_ALL:
	case IDXD_CMD_ABORT_ALL:
		idxd_vdev_drain(vdev);
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_RESET_DEVICE:
		return idxd_vdev_reset(vdev) ? IDXD_CMDSTS_SUCCESS :
					       IDXD_CMDSTS_HW_ERR;
	case IDXD_CMD_ENABLE_WQ:
		if (operand != 0)
			return IDXD_VDEV_CMDSTS_INVAL_WQIDX;
		if (state != IDXD_HW_STATE_ENABLED)
			return IDXD_VDEV_CMDSTS_DEV_NOTEN;
		if (regs->wq_enabled)
			return IDXD_CMDSTS_ERR_WQ_ENABLED;
		regs->wq_enabled = true;
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_DISABLE_WQ:
	case IDXD_CMD_RESET_WQ:
		if (!vdev_wq_mask_ok(operand))
			return IDXD_VDEV_CMDSTS_INVAL_WQIDX;
		regs->wq_enabled = false;
		idxd_vdev_drain(vdev);
		return IDXD_CMDSTS_SUCCESS;
	case IDXD_CMD_DRAIN_WQ:
	case IDXD_CMD_ABORT_WQ:
		if (!vdev_wq_mask_ok(operand))
			return IDXD_VDEV_CMDSTS_INVAL_WQIDX;
		idxd_vdev_drain(vdev);
		return IDXD_CMDSTS_SUCCESS;
	default:
		return IDXD_VDEV_CMDSTS_INVAL_CMD;
	}
}

static void vdev_write_cmd(struct idxd_ims_vdev *vdev, u32 val)
{
	struct idxd_vdev_regs *regs = &vdev->regs;
	unsigned long flags;

	regs->cmdsts = vdev_cmd(vdev, FIELD_GET(IDXD_CMD_CODE, val),
				FIELD_GET(IDXD_CMD_OPERAND, val));
	if (!(val & IDXD_CMD_INT_REQ))
		return;
	spin_lock_irqsave(&vdev->status_lock, flags);
	regs->intcause |= IDXD_INTC_CMD;
	spin_unlock_irqrestore(&vdev->status_lock, flags);
	idxd_vdev_signal(vdev, IDXD_VDEV_VECTOR_MISC);
}

/* WQCFG of WQ 0 as the guest sees it, one dword */
static u32 vdev_wqcfg_dword(struct idxd_ims_vdev *vdev, unsigned int dw)
{
	switch (dw) {
	case 0:
		return FIELD_PREP(GENMASK(15, 0), vdev->num_slots);
	case IDXD_WQCFG_DW_MODE:
		return IDXD_WQCFG_MODE_DEDICATED;
	case 3:
		return FIELD_PREP(GENMASK(4, 0), ilog2(vdev->max_xfer));
	case 6:
		return FIELD_PREP(IDXD_VDEV_WQCFG_STATE,
				  vdev->regs.wq_enabled ? 1 : 0);
	default:
		return 0;
	}
}

/* One aligned qword of BAR0 as the guest reads it */
static u64 vdev_bar0_qword(struct idxd_ims_vdev *vdev, u32 off)
{
	struct idxd_vdev_regs *regs = &vdev->regs;
	unsigned long flags;
	u64 val = 0;

	switch (off) {
	case IDXD_VERSION_OFFSET:
		return IDXD_VDEV_VERSION;
	case IDXD_GENCAP_OFFSET:
		return FIELD_PREP(IDXD_GENCAP_MAX_XFER_SHIFT,
				  ilog2(vdev->max_xfer));
	case IDXD_WQCAP_OFFSET:
		return FIELD_PREP(IDXD_WQCAP_TOTAL_SIZE, vdev->num_slots) |
		       FIELD_PREP(IDXD_WQCAP_NUM_WQS, 1) |
		       IDXD_WQCAP_DEDICATED_MODE;
	case IDXD_GRPCAP_OFFSET:
		return FIELD_PREP(IDXD_GRPCAP_NUM_GROUPS, 1);
	case IDXD_ENGCAP_OFFSET:
		return FIELD_PREP(IDXD_ENGCAP_NUM_ENGINES, 1);
	case IDXD_OPCAP_OFFSET:
		return vdev->opcap;
	case IDXD_TABLE_OFFSETS_OFFSET:
		return FIELD_PREP(IDXD_TABLE_GRPCFG,
				  IDXD_VDEV_GRPCFG_OFFSET / IDXD_TABLE_OFFSET_UNIT) |
		       FIELD_PREP(IDXD_TABLE_WQCFG,
				  IDXD_VDEV_WQCFG_OFFSET / IDXD_TABLE_OFFSET_UNIT) |
		       FIELD_PREP(IDXD_TABLE_MSIX_PERM,
				  IDXD_VDEV_PERM_OFFSET / IDXD_TABLE_OFFSET_UNIT);
	case IDXD_CMDSTS_OFFSET:
		return regs->cmdsts;
	case IDXD_VDEV_GRPCFG_OFFSET + IDXD_GRPCFG_WQS:
	case IDXD_VDEV_GRPCFG_OFFSET + IDXD_GRPCFG_ENGINES:
		return 1;
	}

	if (off >= IDXD_VDEV_WQCFG_OFFSET &&
	    off < IDXD_VDEV_WQCFG_OFFSET + IDXD_VDEV_WQCFG_SIZE) {
		unsigned int dw = (off - IDXD_VDEV_WQCFG_OFFSET) / 4;

		return vdev_wqcfg_dword(vdev, dw) |
		       (u64)vdev_wqcfg_dword(vdev, dw + 1) << 32;
	}
	if (off >= IDXD_VDEV_PERM_OFFSET &&
	    off < IDXD_VDEV_PERM_OFFSET + sizeof(regs->perm))
		return regs->perm[(off - IDXD_VDEV_PERM_OFFSET) / 8];

	spin_lock_irqsave(&vdev->status_lock, flags);
	switch (off) {
	case IDXD_GENCTRL_OFFSET:
		val = regs->genctrl;
		break;
	case IDXD_GENSTS_OFFSET:
		val = regs->gensts;
		break;
	case IDXD_INTCAUSE_OFFSET:
		val = regs->intcause;
		break;
	default:
		if (off >= IDXD_SWERR_OFFSET &&
		    off < IDXD_SWERR_OFFSET + sizeof(regs->swerr))
			val = regs->swerr[(off - IDXD_SWERR_OFFSET) / 8];
		break;
	}
	spin_unlock_irqrestore(&vdev->status_lock, flags);
	return val;
}

/* A guest write of one aligned dword of BAR0 */
static void vdev_bar0_write_dword(struct idxd_ims_vdev *vdev, u32 off,
				  u32 val)
{
	struct idxd_vdev_regs *regs = &vdev->regs;
	unsigned long flags;

	if (off >= IDXD_VDEV_PERM_OFFSET &&
	    off < IDXD_VDEV_PERM_OFFSET + sizeof(regs->perm)) {
		unsigned int i = (off - IDXD_VDEV_PERM_OFFSET) / 8;

		if (off & 4)
			regs->perm[i] = (regs->perm[i] & U32_MAX) |
					(u64)val << 32;
		else
			regs->perm[i] = (regs->perm[i] & ~(u64)U32_MAX) | val;
		return;
	}
	if (off == IDXD_CMD_OFFSET) {
		vdev_write_cmd(vdev, val);
		return;
	}

	spin_lock_irqsave(&vdev->status_lock, flags);
	switch (off) {
	case IDXD_GENCTRL_OFFSET:
		regs->genctrl = val & (IDXD_GENCTRL_SOFTERR_INT_EN |
				       IDXD_GENCTRL_HALT_INT_EN);
		break;
	case IDXD_INTCAUSE_OFFSET:
		regs->intcause &= ~val;
		break;
	case IDXD_SWERR_OFFSET:
		regs->swerr[0] &= ~(u64)(val & (IDXD_SWERR_VALID |
						IDXD_SWERR_OVERFLOW));
		break;
	}
	spin_unlock_irqrestore(&vdev->status_lock, flags);
}

/**
 * idxd_vdev_bar0_rw() - access the BAR0 registers
 * @vdev: virtual device
 * @off: offset in BAR0
 * @buf: data
 * @len: 4 or 8, and @off a multiple of @len
 * @write: write @buf instead of reading into it
 *
 * Registers the slice does not implement (including the MSI-X table and
 * PBA, which a VMM emulates) read as zero and ignore writes.
 *
 * Context: &idxd_ims_vdev.reg_lock held.
 * Return: 0, or -EINVAL for a bad size, alignment or offset.
 */
int idxd_vdev_bar0_rw(struct idxd_ims_vdev *vdev, u64 off, void *buf,
		      size_t len, bool write)
{
	u64 val;

	lockdep_assert_held(&vdev->reg_lock);

	if ((len != 4 && len != 8) || off % len ||
	    off >= IDXD_VDEV_BAR0_SIZE)
		return -EINVAL;

	if (write) {
		val = len == 8 ? get_unaligned_le64(buf) :
				 get_unaligned_le32(buf);
		vdev_bar0_write_dword(vdev, off, lower_32_bits(val));
		if (len == 8)
			vdev_bar0_write_dword(vdev, off + 4,
					      upper_32_bits(val));
		return 0;
	}

	val = vdev_bar0_qword(vdev, off & ~7ULL);
	if (len == 8)
		put_unaligned_le64(val, buf);
	else
		put_unaligned_le32(off & 4 ? upper_32_bits(val) :
				   lower_32_bits(val), buf);
	return 0;
}
