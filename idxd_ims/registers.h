/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Register layout of Intel DSA/IAX accelerators as used by idxd_ims.
 *
 * Offsets are in BAR0 unless stated otherwise. Fields are described with
 * GENMASK()/BIT() masks and read with FIELD_GET(); no bitfield structures
 * are used for MMIO so that the access width is always explicit.
 */
#ifndef _IDXD_IMS_REGISTERS_H_
#define _IDXD_IMS_REGISTERS_H_

#include <linux/bits.h>
#include <linux/types.h>

/* PCI IDs (vendor Intel) */
#define IDXD_IMS_DEVID_DSA_SPR		0x0b25
#define IDXD_IMS_DEVID_DSA_GNRD		0x11fb
#define IDXD_IMS_DEVID_DSA_DMR		0x1212
#define IDXD_IMS_DEVID_IAX_SPR		0x0cfe
#define IDXD_IMS_DEVID_IAX_DMR		0x1216

#define IDXD_IMS_BAR_MMIO		0
#define IDXD_IMS_BAR_PORTALS		2

/* Version register: 0x100 is DSA/IAX 1.0, 0x200 is 2.0 */
#define IDXD_VERSION_OFFSET		0x00

/* General capabilities (64 bit) */
#define IDXD_GENCAP_OFFSET		0x10
#define IDXD_GENCAP_BLOCK_ON_FAULT	BIT_ULL(0)
#define IDXD_GENCAP_OVERLAP_COPY	BIT_ULL(1)
#define IDXD_GENCAP_CMD_CAP		BIT_ULL(4)
#define IDXD_GENCAP_EVL_SUPPORT		GENMASK_ULL(14, 13)
#define IDXD_GENCAP_MAX_XFER_SHIFT	GENMASK_ULL(20, 16)
#define IDXD_GENCAP_MAX_BATCH_SHIFT	GENMASK_ULL(24, 21)
#define IDXD_GENCAP_MAX_IMS_MULT	GENMASK_ULL(30, 25)
#define IDXD_GENCAP_CONFIG_EN		BIT_ULL(31)
/* IMS entries = max_ims_mult * 256 */
#define IDXD_IMS_MULT_UNIT		256

/* Work queue capabilities (64 bit) */
#define IDXD_WQCAP_OFFSET		0x20
#define IDXD_WQCAP_TOTAL_SIZE		GENMASK_ULL(15, 0)
#define IDXD_WQCAP_NUM_WQS		GENMASK_ULL(23, 16)
#define IDXD_WQCAP_WQCFG_SIZE		GENMASK_ULL(27, 24)
#define IDXD_WQCAP_SHARED_MODE		BIT_ULL(48)
#define IDXD_WQCAP_DEDICATED_MODE	BIT_ULL(49)
#define IDXD_WQCAP_ATS			BIT_ULL(50)
#define IDXD_WQCAP_PRIORITY		BIT_ULL(51)
#define IDXD_WQCAP_OCCUPANCY		BIT_ULL(52)
#define IDXD_WQCAP_OCCUPANCY_INT	BIT_ULL(53)
#define IDXD_WQCAP_OP_CONFIG		BIT_ULL(54)
#define IDXD_WQCAP_PRS			BIT_ULL(55)
/* WQCFG block size in bytes = 1 << (wqcfg_size + 5) */
#define IDXD_WQCFG_SIZE_SHIFT_BASE	5

/* Group capabilities (64 bit) */
#define IDXD_GRPCAP_OFFSET		0x30
#define IDXD_GRPCAP_NUM_GROUPS		GENMASK_ULL(7, 0)
#define IDXD_GRPCAP_TOTAL_RDBUFS	GENMASK_ULL(15, 8)
#define IDXD_GRPCAP_RDBUF_CTRL		BIT_ULL(16)
#define IDXD_GRPCAP_RDBUF_LIMIT		BIT_ULL(17)
#define IDXD_GRPCAP_PROGRESS_LIMIT	BIT_ULL(18)

/* Engine capabilities (64 bit) */
#define IDXD_ENGCAP_OFFSET		0x38
#define IDXD_ENGCAP_NUM_ENGINES		GENMASK_ULL(7, 0)

/* Operation capabilities: 256-bit bitmap, bit n = opcode n */
#define IDXD_OPCAP_OFFSET		0x40
#define IDXD_OPCAP_QWORDS		4

/* Table offsets: 16-bit fields in units of 0x100 bytes */
#define IDXD_TABLE_OFFSETS_OFFSET	0x60
#define IDXD_TABLE_OFFSET_UNIT		0x100
#define IDXD_TABLE_GRPCFG		GENMASK_ULL(15, 0)
#define IDXD_TABLE_WQCFG		GENMASK_ULL(31, 16)
#define IDXD_TABLE_MSIX_PERM		GENMASK_ULL(47, 32)
#define IDXD_TABLE_IMS			GENMASK_ULL(63, 48)
/* second qword */
#define IDXD_TABLE_PERFMON		GENMASK_ULL(15, 0)

/* General configuration (32 bit) */
#define IDXD_GENCFG_OFFSET		0x80
#define IDXD_GENCFG_RDBUF_LIMIT		GENMASK(7, 0)
#define IDXD_GENCFG_USER_INT_EN		BIT(12)
#define IDXD_GENCFG_EVL_EN		BIT(13)

/* General control (32 bit) */
#define IDXD_GENCTRL_OFFSET		0x88
#define IDXD_GENCTRL_SOFTERR_INT_EN	BIT(0)
#define IDXD_GENCTRL_HALT_INT_EN	BIT(1)
#define IDXD_GENCTRL_EVL_INT_EN		BIT(2)

/* General status (32 bit) */
#define IDXD_GENSTS_OFFSET		0x90
#define IDXD_GENSTS_STATE		GENMASK(1, 0)
#define IDXD_GENSTS_RESET_TYPE		GENMASK(3, 2)

enum idxd_hw_state {
	IDXD_HW_STATE_DISABLED = 0,
	IDXD_HW_STATE_ENABLED = 1,
	IDXD_HW_STATE_DRAIN = 2,
	IDXD_HW_STATE_HALT = 3,
};

enum idxd_hw_reset_type {
	IDXD_HW_RESET_SOFTWARE = 0,
	IDXD_HW_RESET_FLR = 1,
	IDXD_HW_RESET_WARM = 2,
	IDXD_HW_RESET_COLD = 3,
};

/* Interrupt cause (32 bit, write 1 to clear) */
#define IDXD_INTCAUSE_OFFSET		0x98
#define IDXD_INTC_SWERR			BIT(0)
#define IDXD_INTC_CMD			BIT(1)
#define IDXD_INTC_OCCUPY		BIT(2)
#define IDXD_INTC_PERFMON_OVFL		BIT(3)
#define IDXD_INTC_HALT_STATE		BIT(4)
#define IDXD_INTC_EVL			BIT(5)
#define IDXD_INTC_INT_HANDLE_REVOKED	BIT(31)
#define IDXD_INTC_KNOWN		(IDXD_INTC_SWERR | IDXD_INTC_CMD | \
					 IDXD_INTC_OCCUPY | IDXD_INTC_PERFMON_OVFL | \
					 IDXD_INTC_HALT_STATE | IDXD_INTC_EVL | \
					 IDXD_INTC_INT_HANDLE_REVOKED)

/* Command register (32 bit) */
#define IDXD_CMD_OFFSET			0xa0
#define IDXD_CMD_OPERAND		GENMASK(19, 0)
#define IDXD_CMD_CODE			GENMASK(24, 20)
#define IDXD_CMD_INT_REQ		BIT(31)

enum idxd_cmd_code {
	IDXD_CMD_ENABLE_DEVICE = 1,
	IDXD_CMD_DISABLE_DEVICE = 2,
	IDXD_CMD_DRAIN_ALL = 3,
	IDXD_CMD_ABORT_ALL = 4,
	IDXD_CMD_RESET_DEVICE = 5,
	IDXD_CMD_ENABLE_WQ = 6,
	IDXD_CMD_DISABLE_WQ = 7,
	IDXD_CMD_DRAIN_WQ = 8,
	IDXD_CMD_ABORT_WQ = 9,
	IDXD_CMD_RESET_WQ = 10,
	IDXD_CMD_DRAIN_PASID = 11,
	IDXD_CMD_ABORT_PASID = 12,
	IDXD_CMD_REQUEST_INT_HANDLE = 13,
	IDXD_CMD_RELEASE_INT_HANDLE = 14,
};

/* Operand flag of (REQUEST|RELEASE)_INT_HANDLE selecting the IMS table */
#define IDXD_CMD_INT_HANDLE_IMS		BIT(16)
/* Operand layout of the per-WQ mask commands (DISABLE/DRAIN/ABORT/RESET_WQ) */
#define IDXD_CMD_WQ_MASK		GENMASK(15, 0)
#define IDXD_CMD_WQ_BLOCK		GENMASK(19, 16)

/* Command status (32 bit) */
#define IDXD_CMDSTS_OFFSET		0xa8
#define IDXD_CMDSTS_ERR			GENMASK(7, 0)
#define IDXD_CMDSTS_RESULT		GENMASK(23, 8)
#define IDXD_CMDSTS_ACTIVE		BIT(31)

#define IDXD_CMDSTS_SUCCESS		0x00
#define IDXD_CMDSTS_HW_ERR		0x03
#define IDXD_CMDSTS_ERR_DEV_ENABLED	0x10
#define IDXD_CMDSTS_ERR_WQ_ENABLED	0x21

/* Command capabilities (32 bit, present iff GENCAP.cmd_cap) */
#define IDXD_CMDCAP_OFFSET		0xb0

/* Software error registers: 4 x 64 bit */
#define IDXD_SWERR_OFFSET		0xc0
#define IDXD_SWERR_QWORDS		4
#define IDXD_SWERR_VALID		BIT_ULL(0)
#define IDXD_SWERR_OVERFLOW		BIT_ULL(1)
#define IDXD_SWERR_DESC_VALID		BIT_ULL(2)
#define IDXD_SWERR_WQ_IDX_VALID		BIT_ULL(3)
#define IDXD_SWERR_BATCH		BIT_ULL(4)
#define IDXD_SWERR_FAULT_RW		BIT_ULL(5)
#define IDXD_SWERR_PRIV			BIT_ULL(6)
#define IDXD_SWERR_ERROR		GENMASK_ULL(15, 8)
#define IDXD_SWERR_WQ_IDX		GENMASK_ULL(23, 16)
#define IDXD_SWERR_OPERATION		GENMASK_ULL(39, 32)
#define IDXD_SWERR_PASID		GENMASK_ULL(59, 40)
/* Quadword 1 has the batch index and invalid flags, quadword 2 the address */
#define IDXD_SWERR_QW_FAULT_ADDR	2

/* MSI-X permission table entry (low dword used), 8 bytes per vector */
#define IDXD_MSIX_PERM_STRIDE		8
#define IDXD_MSIX_PERM_IGNORE		BIT(2)
#define IDXD_MSIX_PERM_PASID_EN		BIT(3)
#define IDXD_MSIX_PERM_PASID		GENMASK(31, 12)

/*
 * IMS table entry, 16 bytes: message address low/high, message data and a
 * control word holding the mask bit and the PASID the entry is bound to.
 */
#define IDXD_IMS_ENTRY_SIZE		16
#define IDXD_IMS_ENTRY_ADDR_LO		0x0
#define IDXD_IMS_ENTRY_ADDR_HI		0x4
#define IDXD_IMS_ENTRY_DATA		0x8
#define IDXD_IMS_ENTRY_CTRL		0xc
#define IDXD_IMS_CTRL_MASKED		BIT(0)
#define IDXD_IMS_CTRL_PASID_EN		BIT(3)
#define IDXD_IMS_CTRL_PASID		GENMASK(31, 12)

/*
 * BAR2 portals: each WQ owns four consecutive pages. The page picks the
 * portal kind (unlimited/limited) and where completion interrupts go
 * (MSI-X table or IMS table).
 */
#define IDXD_PORTAL_PAGES_PER_WQ	4
#define IDXD_PORTAL_UNLIMITED		0
#define IDXD_PORTAL_LIMITED		1
#define IDXD_PORTAL_IRQ_MSIX		0
#define IDXD_PORTAL_IRQ_IMS		2

/* WQCFG dword 2 */
#define IDXD_WQCFG_DW_MODE		2
#define IDXD_WQCFG_MODE_DEDICATED	BIT(0)
#define IDXD_WQCFG_PASID		GENMASK(27, 8)
#define IDXD_WQCFG_PASID_EN		BIT(28)
#define IDXD_WQCFG_PRIV			BIT(29)

/* Descriptor and completion record */
#define IDXD_DESC_SIZE			64
#define IDXD_DSA_COMP_SIZE		32
#define IDXD_IAX_COMP_SIZE		64

#define IDXD_OP_NOOP			0x00
#define IDXD_OP_DRAIN			0x02
#define IDXD_OP_MEMMOVE			0x03

#define IDXD_DESC_FLAG_FENCE		BIT(0)
#define IDXD_DESC_FLAG_BOF		BIT(1)
#define IDXD_DESC_FLAG_CRAV		BIT(2)
#define IDXD_DESC_FLAG_RCR		BIT(3)
#define IDXD_DESC_FLAG_RCI		BIT(4)

/* First dword of a descriptor: PASID and privilege */
#define IDXD_DESC_PASID			GENMASK(19, 0)
#define IDXD_DESC_PRIV			BIT(31)
/* Second dword: flags and opcode */
#define IDXD_DESC_FLAGS			GENMASK(23, 0)
#define IDXD_DESC_OPCODE		GENMASK(31, 24)

/**
 * struct idxd_hw_desc - 64-byte DSA work descriptor (common fields)
 * @pasid_priv: PASID in bits 19:0, privileged flag in bit 31
 * @flags_opcode: descriptor flags in bits 23:0, opcode in bits 31:24
 * @completion_addr: DMA address of the completion record
 * @src_addr: source address (or pattern / list address)
 * @dst_addr: destination address
 * @xfer_size: transfer size in bytes
 * @int_handle: MSI-X index, IMS index or handle for the completion interrupt
 * @rsvd: reserved, must be zero
 * @op_specific: operation-specific bytes 40..63
 */
struct idxd_hw_desc {
	u32 pasid_priv;
	u32 flags_opcode;
	u64 completion_addr;
	u64 src_addr;
	u64 dst_addr;
	u32 xfer_size;
	u16 int_handle;
	u16 rsvd;
	u8 op_specific[24];
} __packed __aligned(64);

/* Completion record status byte */
#define IDXD_COMP_STATUS_MASK		0x7f
#define IDXD_COMP_NONE			0x00
#define IDXD_COMP_SUCCESS		0x01
#define IDXD_COMP_INT_HANDLE_INVAL	0x19

/**
 * struct idxd_hw_completion - 32-byte DSA completion record (common fields)
 * @status: completion status, 0 while the descriptor is outstanding
 * @result: operation result
 * @fault_info: fault information
 * @rsvd: reserved
 * @bytes_completed: bytes processed (descriptors for a batch)
 * @fault_addr: faulting address
 * @op_specific: operation-specific bytes 16..31
 */
struct idxd_hw_completion {
	u8 status;
	u8 result;
	u8 fault_info;
	u8 rsvd;
	u32 bytes_completed;
	u64 fault_addr;
	u8 op_specific[16];
} __packed __aligned(32);

#endif /* _IDXD_IMS_REGISTERS_H_ */
