/*
 * Intel Data Streaming Accelerator (DSA) device model
 *
 * A PCIe integrated endpoint that looks like a Sapphire Rapids DSA 1.0 to
 * the Linux idxd driver: BAR0 holds the control registers and the
 * configuration, MSI-X permission and IMS tables, BAR2 holds the work-queue
 * portals.  Descriptors written to a portal are queued on their work queue
 * and executed from a bottom half with DMA through the PCI address space, so
 * an emulated IOMMU translates them.  Completion interrupts go through an
 * MSI-X vector or an IMS table entry.
 *
 * Only dedicated work queues are modelled (no ENQCMD/ENQCMDS), DMA ignores
 * the PASID of a descriptor, there is no perfmon unit, and the event log is
 * optional (the "evl" property, off by default).
 *
 * Copyright (c) 2026 The idxd_ims authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/crc32c.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"

#define TYPE_INTEL_DSA "intel-dsa"
OBJECT_DECLARE_SIMPLE_TYPE(IntelDSAState, INTEL_DSA)

#define DSA_DEVICE_ID           0x0b25
#define DSA_CLASS               0x0880

/* Limits of the model (the default profile uses 8 WQs, 4 groups/engines) */
#define DSA_MAX_WQS             16
#define DSA_MAX_GROUPS          8
#define DSA_MAX_ENGINES         16
#define DSA_MAX_IMS_MULT        8
#define DSA_IMS_PER_MULT        256

/* BAR0 layout */
#define DSA_BAR0_SIZE           0x10000
#define DSA_MMIO_SIZE           0xc000
#define DSA_MSIX_TABLE_OFF      0xc000
#define DSA_MSIX_PBA_OFF        0xd000
#define DSA_PERM_OFF            0x200
#define DSA_GRPCFG_OFF          0x300
#define DSA_WQCFG_OFF           0x400
#define DSA_IMS_OFF             0x2000

/* BAR2: four 4 KiB portal pages per WQ */
#define DSA_PORTAL_PAGES        4
#define DSA_PORTAL_STRIDE       (DSA_PORTAL_PAGES * 0x1000)

/* Register offsets */
#define R_VERSION               0x00
#define R_GENCAP                0x10
#define R_WQCAP                 0x20
#define R_GRPCAP                0x30
#define R_ENGCAP                0x38
#define R_OPCAP                 0x40
#define R_OFFSETS               0x60
#define R_GENCFG                0x80
#define R_GENCTRL               0x88
#define R_GENSTS                0x90
#define R_INTCAUSE              0x98
#define R_CMD                   0xa0
#define R_CMDSTS                0xa8
#define R_CMDCAP                0xb0
#define R_SWERR                 0xc0
#define R_SWERR_END             0xe0
#define R_EVLCFG                0xe0
#define R_EVLSTATUS             0xf0

#define GENCFG_WMASK            0x10ff      /* rdbuf_limit, user_int_en */
#define GENCFG_EVL_EN           BIT(13)
#define GENCTRL_SOFTERR_INT     BIT(0)
#define GENCTRL_HALT_INT        BIT(1)
#define GENCTRL_EVL_INT         BIT(2)
#define GENCTRL_WMASK           0x3

/* Event log (optional, "evl" property): 64-byte entries */
#define EVL_ENTRY_SIZE          64
#define EVLCFG0_WMASK           0xfffffffffffff003ULL
#define EVLCFG1_WMASK           0xfffffffffULL
#define EVLSTATUS_INT_PENDING   BIT(30)     /* in the upper dword */

#define GENSTS_DISABLED         0
#define GENSTS_ENABLED          1
#define GENSTS_HALT             3

#define INTC_ERR                BIT(0)
#define INTC_CMD                BIT(1)
#define INTC_HALT               BIT(4)
#define INTC_EVL                BIT(5)

#define CMD_INT_REQ             BIT(31)

enum {
    CMD_ENABLE_DEVICE = 1,
    CMD_DISABLE_DEVICE = 2,
    CMD_DRAIN_ALL = 3,
    CMD_ABORT_ALL = 4,
    CMD_RESET_DEVICE = 5,
    CMD_ENABLE_WQ = 6,
    CMD_DISABLE_WQ = 7,
    CMD_DRAIN_WQ = 8,
    CMD_ABORT_WQ = 9,
    CMD_RESET_WQ = 10,
    CMD_DRAIN_PASID = 11,
    CMD_ABORT_PASID = 12,
    CMD_REQUEST_INT_HANDLE = 13,
    CMD_RELEASE_INT_HANDLE = 14,
};

#define CMD_INT_HANDLE_IMS      BIT(16)

enum {
    CMDSTS_SUCCESS = 0x00,
    CMDSTS_INVAL_CMD = 0x01,
    CMDSTS_INVAL_WQIDX = 0x02,
    CMDSTS_HW_ERR = 0x03,
    CMDSTS_ERR_DEV_ENABLED = 0x10,
    CMDSTS_ERR_BUSMASTER_EN = 0x12,
    CMDSTS_ERR_WQ_SIZE_ERANGE = 0x14,
    CMDSTS_ERR_GRP_CONFIG = 0x15,
    CMDSTS_ERR_GRP_CONFIG2 = 0x16,
    CMDSTS_ERR_GRP_CONFIG3 = 0x17,
    CMDSTS_ERR_DEV_NOTEN = 0x20,
    CMDSTS_ERR_WQ_ENABLED = 0x21,
    CMDSTS_ERR_WQ_SIZE = 0x22,
    CMDSTS_ERR_WQ_PRIOR = 0x23,
    CMDSTS_ERR_WQ_MODE = 0x24,
    CMDSTS_ERR_MAX_BATCH_SIZE = 0x27,
    CMDSTS_ERR_MAX_XFER_SIZE = 0x28,
    CMDSTS_ERR_DIS_DEV_EN = 0x31,
    CMDSTS_ERR_DEV_NOT_EN = 0x32,
    CMDSTS_ERR_INVAL_INT_IDX = 0x41,
};

/* SWERR qword 0 */
#define SWERR_VALID             BIT_ULL(0)
#define SWERR_OVERFLOW          BIT_ULL(1)
#define SWERR_DESC_VALID        BIT_ULL(2)
#define SWERR_WQ_IDX_VALID      BIT_ULL(3)
#define SWERR_BATCH             BIT_ULL(4)
#define SWERR_PRIV              BIT_ULL(6)

/* WQCFG dwords (32-byte WQCFG, wqcfg_size code 0) */
#define WQCFG_DWORDS            8
#define WQCFG_SIZE              (WQCFG_DWORDS * 4)
#define WQCFG_MODE_DEDICATED    BIT(0)
#define WQCFG_PASID_EN          BIT(28)
#define WQCFG_STATE_ENABLED     (1u << 30)
#define WQCFG_STATE_MASK        (3u << 30)

static const uint32_t wqcfg_wmask[WQCFG_DWORDS] = {
    0xffff, 0xffff, 0x3fffffff, 0x1ff, 0x1ffff, 0x1ffff, 0, 0,
};

/* GRPCFG: 8 qwords per group */
#define GRPCFG_QWORDS           8
#define GRPCFG_ENG              4
#define GRPCFG_FLAGS            5
#define GRPFLAGS_WMASK          0x330ff0ffbfULL

/* MSI-X permission and IMS entries */
#define PERM_WMASK              0xfffff00cu
#define PERM_IGNORE             BIT(2)
#define PERM_PASID_EN           BIT(3)
#define IMS_CTRL                3
#define IMS_CTRL_MASK           BIT(0)
#define IMS_CTRL_PASID_EN       BIT(3)
#define IMS_CTRL_WMASK          0xfffff009u
#define PASID_SHIFT             12

/* Descriptor */
#define DESC_SIZE               64
#define CR_SIZE                 32

#define F_CRAV                  BIT(2)
#define F_RCR                   BIT(3)
#define F_RCI                   BIT(4)
#define F_CR                    BIT(7)
#define F_CRC_SEED_ADDR         BIT(16)

enum {
    OP_NOOP = 0x00,
    OP_BATCH = 0x01,
    OP_DRAIN = 0x02,
    OP_MEMMOVE = 0x03,
    OP_FILL = 0x04,
    OP_COMPARE = 0x05,
    OP_COMPVAL = 0x06,
    OP_CR_DELTA = 0x07,
    OP_AP_DELTA = 0x08,
    OP_DUALCAST = 0x09,
    OP_CRCGEN = 0x10,
    OP_COPY_CRC = 0x11,
    OP_CFLUSH = 0x20,
};

#define DSA_OPCAP0 (BIT_ULL(OP_NOOP) | BIT_ULL(OP_BATCH) | BIT_ULL(OP_DRAIN) | \
                    BIT_ULL(OP_MEMMOVE) | BIT_ULL(OP_FILL) |                 \
                    BIT_ULL(OP_COMPARE) | BIT_ULL(OP_COMPVAL) |              \
                    BIT_ULL(OP_CR_DELTA) | BIT_ULL(OP_AP_DELTA) |            \
                    BIT_ULL(OP_DUALCAST) | BIT_ULL(OP_CRCGEN) |              \
                    BIT_ULL(OP_COPY_CRC) | BIT_ULL(OP_CFLUSH))

enum {
    DSA_COMP_SUCCESS = 0x01,
    DSA_COMP_SUCCESS_PRED = 0x02,
    DSA_COMP_PAGE_FAULT_NOBOF = 0x03,
    DSA_COMP_BATCH_FAIL = 0x05,
    DSA_COMP_BATCH_PAGE_FAULT = 0x06,
    DSA_COMP_DR_OFFSET_NOINC = 0x07,
    DSA_COMP_DR_OFFSET_ERANGE = 0x08,
    DSA_COMP_BAD_OPCODE = 0x10,
    DSA_COMP_XFER_ERANGE = 0x13,
    DSA_COMP_DESC_CNT_ERANGE = 0x14,
    DSA_COMP_DR_ERANGE = 0x15,
    DSA_COMP_DUALCAST_ALIGN = 0x17,
    DSA_COMP_DESCLIST_ALIGN = 0x18,
    DSA_COMP_INT_HANDLE_INVAL = 0x19,
    DSA_COMP_CRA_ALIGN = 0x1b,
};

#define DSA_COMP_WRITE_FAULT    0x80

/* Delta record entry: 16-bit word offset followed by the 8-byte data */
#define DELTA_ENTRY_SIZE        10

/* Size of the bounce buffer used to stream data */
#define DSA_CHUNK               4096

typedef struct DSADesc {
    uint8_t raw[DESC_SIZE];
    bool ims;
} DSADesc;

typedef struct DSAPortal {
    uint8_t line[DESC_SIZE];
    uint64_t written;           /* one bit per byte of @line received */
    uint32_t line_off;          /* offset of @line within the page */
} DSAPortal;

typedef struct DSAWQ {
    uint32_t cfg[WQCFG_DWORDS];
    /* Queued descriptors: ring of up to wq_size entries */
    DSADesc *ring;
    uint32_t head;
    DSAPortal portal[DSA_PORTAL_PAGES];
} DSAWQ;

/* Result of executing one descriptor, turned into a completion record */
typedef struct DSAResult {
    uint8_t status;
    uint8_t result;
    uint32_t bytes;
    uint64_t fault_addr;
    uint8_t extra[16];          /* operation specific bytes 16..31 */
} DSAResult;

struct IntelDSAState {
    PCIDevice parent_obj;

    MemoryRegion bar0;
    MemoryRegion mmio;
    MemoryRegion portals;
    QEMUBH *bh;
    QEMUTimer *delay_timer;

    /* Properties (profile) */
    uint32_t num_wqs;
    uint32_t total_wq_size;
    uint32_t num_groups;
    uint32_t num_engines;
    uint32_t ims_mult;
    uint32_t version;
    bool int_handles;
    bool evl;

    /* Fault injection (settable at run time with qom-set) */
    uint32_t fail_count;
    uint8_t fail_status;
    uint32_t delay_us;
    uint32_t drop_irqs;

    /* Statistics */
    uint32_t dropped_descs;

    /* Registers; all accessed with the BQL held */
    uint32_t gencfg;
    uint32_t genctrl;
    uint32_t gensts;
    uint32_t intcause;
    uint32_t cmd;
    uint32_t cmdsts;
    uint64_t swerr[4];
    uint64_t evlcfg[2];
    uint32_t evl_head;
    uint32_t evl_tail;
    bool evl_pending;
    uint64_t grpcfg[DSA_MAX_GROUPS][GRPCFG_QWORDS];
    uint32_t perm[DSA_MAX_WQS + 1];
    uint32_t (*ims)[4];
    unsigned long *ims_pending;

    DSAWQ wq[DSA_MAX_WQS];

    /*
     * Bounce buffers of the data operations (dsa_op_*).  Operations never
     * nest (a batch runs its entries one after the other), and the
     * re-entrancy guard keeps the device's own DMA from submitting work.
     */
    uint8_t bounce[2][DSA_CHUNK];
};

static uint32_t dsa_nvec(IntelDSAState *s)
{
    return s->num_wqs + 1;
}

static uint32_t dsa_nims(IntelDSAState *s)
{
    return s->ims_mult * DSA_IMS_PER_MULT;
}

static uint32_t wq_size(DSAWQ *wq)
{
    return wq->cfg[0] & 0xffff;
}

static bool wq_enabled(DSAWQ *wq)
{
    return (wq->cfg[6] & WQCFG_STATE_MASK) == WQCFG_STATE_ENABLED;
}

static uint32_t wq_occupancy(DSAWQ *wq)
{
    return wq->cfg[6] & 0xffff;
}

static void wq_set_occupancy(DSAWQ *wq, uint32_t occ)
{
    wq->cfg[6] = (wq->cfg[6] & ~0xffffu) | occ;
}

static uint64_t dsa_gencap(IntelDSAState *s)
{
    return BIT_ULL(0) |                 /* block on fault */
           BIT_ULL(1) |                 /* overlapping copy */
           BIT_ULL(2) | BIT_ULL(3) |    /* cache control mem/cache */
           (s->int_handles ? BIT_ULL(4) : 0) |
           BIT_ULL(8) |                 /* destination readback */
           (s->evl ? BIT_ULL(13) : 0) | /* 64-byte event log entries */
           (31ULL << 16) |              /* max transfer 2 GiB */
           (10ULL << 21) |              /* max batch 1024 */
           ((uint64_t)s->ims_mult << 25) |
           BIT_ULL(31);                 /* configurable */
}

static uint64_t dsa_wqcap(IntelDSAState *s)
{
    return s->total_wq_size |
           ((uint64_t)s->num_wqs << 16) |
           BIT_ULL(49) |                /* dedicated mode */
           BIT_ULL(51) |                /* priority */
           BIT_ULL(52);                 /* occupancy */
}

static uint64_t dsa_grpcap(IntelDSAState *s)
{
    return s->num_groups | (96 << 8) | BIT_ULL(16) | BIT_ULL(17);
}

static uint64_t dsa_offsets(int qword)
{
    if (qword) {
        return 0;                       /* no perfmon */
    }
    return (DSA_GRPCFG_OFF >> 8) | ((DSA_WQCFG_OFF >> 8) << 16) |
           ((uint64_t)(DSA_PERM_OFF >> 8) << 32) |
           ((uint64_t)(DSA_IMS_OFF >> 8) << 48);
}

static uint32_t dsa_cmdcap(IntelDSAState *s)
{
    if (!s->int_handles) {
        return 0;
    }
    return MAKE_64BIT_MASK(CMD_ENABLE_DEVICE,
                           CMD_RELEASE_INT_HANDLE - CMD_ENABLE_DEVICE + 1) &
           ~(BIT(CMD_DRAIN_PASID) | BIT(CMD_ABORT_PASID));
}

/* Interrupts */

static void dsa_misc_interrupt(IntelDSAState *s, uint32_t cause)
{
    s->intcause |= cause;
    msix_notify(PCI_DEVICE(s), 0);
}

static void dsa_ims_fire(IntelDSAState *s, uint32_t idx)
{
    MSIMessage msg;

    if (s->ims[idx][IMS_CTRL] & IMS_CTRL_MASK) {
        set_bit(idx, s->ims_pending);
        return;
    }
    clear_bit(idx, s->ims_pending);
    msg.address = ((uint64_t)s->ims[idx][1] << 32) | s->ims[idx][0];
    msg.data = s->ims[idx][2];
    msi_send_message(PCI_DEVICE(s), msg);
}

/*
 * With the event log enabled, errors are appended to it instead of SWERR.
 * Entry: the SWERR-style header qword (without valid/overflow), the
 * interrupt handle at byte 12, the fault address at 16 and a completion
 * record holding the error status at 32.
 */
static void dsa_evl_log(IntelDSAState *s, uint64_t q0, const uint8_t *desc,
                        uint64_t fault_addr)
{
    uint32_t size = s->evlcfg[1] & 0xffff;
    uint64_t base = s->evlcfg[0] & ~0xfffULL;
    uint8_t ent[EVL_ENTRY_SIZE] = { 0 };

    if (!size || (s->evl_tail + 1) % size == s->evl_head) {
        qemu_log_mask(LOG_GUEST_ERROR, "intel-dsa: event log full, error "
                      "0x%x lost\n", (unsigned)(q0 >> 8) & 0xff);
        return;
    }
    stq_le_p(ent, q0 & ~(SWERR_VALID | SWERR_OVERFLOW));
    if (desc) {
        stw_le_p(ent + 12, lduw_le_p(desc + 36));
    }
    stq_le_p(ent + 16, fault_addr);
    ent[32] = (q0 >> 8) & 0xff;
    if (pci_dma_write(PCI_DEVICE(s), base + s->evl_tail * EVL_ENTRY_SIZE, ent,
                      sizeof(ent)) != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "intel-dsa: event log not writable\n");
        return;
    }
    s->evl_tail = (s->evl_tail + 1) % size;
    s->evl_pending = true;
    s->intcause |= INTC_EVL;
    if (s->genctrl & GENCTRL_EVL_INT) {
        msix_notify(PCI_DEVICE(s), 0);
    }
}

static void dsa_swerr(IntelDSAState *s, uint8_t error, const uint8_t *desc,
                      int wq_idx, bool batch, uint64_t fault_addr)
{
    uint64_t q0 = SWERR_VALID | ((uint64_t)error << 8);

    if (desc) {
        uint32_t dw0 = ldl_le_p(desc);

        q0 |= SWERR_DESC_VALID;
        q0 |= (uint64_t)desc[7] << 32;
        q0 |= (uint64_t)(dw0 & 0xfffff) << 40;
        if (dw0 & BIT(31)) {
            q0 |= SWERR_PRIV;
        }
    }
    if (wq_idx >= 0) {
        q0 |= SWERR_WQ_IDX_VALID | ((uint64_t)wq_idx << 16);
    }
    if (batch) {
        q0 |= SWERR_BATCH;
    }
    if (s->gencfg & GENCFG_EVL_EN) {
        dsa_evl_log(s, q0, desc, fault_addr);
        return;
    }

    if (s->swerr[0] & SWERR_VALID) {
        s->swerr[0] |= SWERR_OVERFLOW;
    } else {
        s->swerr[0] = q0;
        s->swerr[1] = 0;
        s->swerr[2] = fault_addr;
        s->swerr[3] = 0;
    }
    s->intcause |= INTC_ERR;
    if (s->genctrl & GENCTRL_SOFTERR_INT) {
        msix_notify(PCI_DEVICE(s), 0);
    }
}

/*
 * Effective PASID of a descriptor on a dedicated WQ: the WQ's PASID when
 * the WQ has PASID enabled, none otherwise.
 */
static bool dsa_desc_pasid(DSAWQ *wq, uint32_t *pasid)
{
    *pasid = (wq->cfg[2] >> 8) & 0xfffff;
    return wq->cfg[2] & WQCFG_PASID_EN;
}

static bool dsa_pasid_matches(uint32_t entry, uint32_t en_bit, DSAWQ *wq)
{
    uint32_t pasid;
    bool en = dsa_desc_pasid(wq, &pasid);

    if (!!(entry & en_bit) != en) {
        return false;
    }
    return !en || (entry >> PASID_SHIFT) == pasid;
}

/*
 * Check that the interrupt a descriptor asks for may be delivered: the
 * handle must name an existing entry whose PASID settings match the
 * descriptor's.
 */
static bool dsa_irq_valid(IntelDSAState *s, DSAWQ *wq, uint16_t handle,
                          bool ims)
{
    if (ims) {
        return handle < dsa_nims(s) &&
               dsa_pasid_matches(s->ims[handle][IMS_CTRL], IMS_CTRL_PASID_EN,
                                 wq);
    }
    return handle < dsa_nvec(s) &&
           dsa_pasid_matches(s->perm[handle], PERM_PASID_EN, wq);
}

static void dsa_completion_irq(IntelDSAState *s, uint16_t handle, bool ims)
{
    if (s->drop_irqs) {
        s->drop_irqs--;
        return;
    }
    if (ims) {
        dsa_ims_fire(s, handle);
    } else if (!(s->perm[handle] & PERM_IGNORE)) {
        msix_notify(PCI_DEVICE(s), handle);
    }
}

/* DMA helpers; return false and set the fault fields on an error */

static bool dsa_dma(IntelDSAState *s, uint64_t addr, void *buf, uint32_t len,
                    DMADirection dir, DSAResult *res)
{
    MemTxResult r;

    r = pci_dma_rw(PCI_DEVICE(s), addr, buf, len, dir, MEMTXATTRS_UNSPECIFIED);
    if (r != MEMTX_OK) {
        res->status = DSA_COMP_PAGE_FAULT_NOBOF;
        if (dir == DMA_DIRECTION_FROM_DEVICE) {
            res->status |= DSA_COMP_WRITE_FAULT;
        }
        res->fault_addr = addr;
        return false;
    }
    return true;
}

static uint32_t dsa_chunk(uint64_t a, uint64_t b, uint64_t left)
{
    uint64_t n = MIN(left, DSA_CHUNK - (a & (DSA_CHUNK - 1)));

    return MIN(n, DSA_CHUNK - (b & (DSA_CHUNK - 1)));
}

/* Operations */

/*
 * Advance a raw (not inverted) CRC-32C state over @len bytes.  QEMU's
 * crc32c() inverts its result, so undo that to chain chunks.
 */
static uint32_t dsa_crc32c_update(uint32_t state, const uint8_t *buf,
                                  uint32_t len)
{
    return ~crc32c(state, buf, len);
}

static void dsa_op_memmove(IntelDSAState *s, uint64_t src, uint64_t dst,
                           uint32_t size, uint64_t dst2, uint32_t *crc,
                           DSAResult *res)
{
    uint8_t *buf = s->bounce[0];
    bool down = dst > src && dst < src + size;
    uint64_t done = 0;

    res->result = down;
    while (done < size) {
        uint64_t left = size - done;
        uint32_t n;
        uint64_t off;

        if (down) {
            n = MIN(left, DSA_CHUNK);
            off = left - n;
        } else {
            n = dsa_chunk(src + done, dst + done, left);
            if (dst2) {
                n = MIN(n, dsa_chunk(dst2 + done, dst2 + done, left));
            }
            off = done;
        }
        if (!dsa_dma(s, src + off, buf, n, DMA_DIRECTION_TO_DEVICE, res) ||
            !dsa_dma(s, dst + off, buf, n, DMA_DIRECTION_FROM_DEVICE, res) ||
            (dst2 && !dsa_dma(s, dst2 + off, buf, n,
                              DMA_DIRECTION_FROM_DEVICE, res))) {
            res->bytes = done;
            return;
        }
        if (crc) {
            *crc = dsa_crc32c_update(*crc, buf, n);
        }
        done += n;
    }
    res->bytes = done;
}

static void dsa_op_fill(IntelDSAState *s, uint64_t pattern, uint64_t dst,
                        uint32_t size, DSAResult *res)
{
    uint8_t *buf = s->bounce[0];
    uint64_t done = 0;
    uint32_t i;

    while (done < size) {
        uint32_t n = dsa_chunk(dst + done, dst + done, size - done);

        for (i = 0; i < n; i++) {
            buf[i] = pattern >> (((done + i) & 7) * 8);
        }
        if (!dsa_dma(s, dst + done, buf, n, DMA_DIRECTION_FROM_DEVICE, res)) {
            break;
        }
        done += n;
    }
    res->bytes = done;
}

/*
 * Compare two buffers, or a buffer with an 8-byte pattern when @src2 is 0.
 * result 0 = equal, 1 = different; on a difference bytes_completed is the
 * offset of the first differing byte.
 */
static void dsa_op_compare(IntelDSAState *s, uint64_t src1, uint64_t src2,
                           uint64_t pattern, uint32_t size, DSAResult *res)
{
    uint8_t *a = s->bounce[0];
    uint8_t *b = s->bounce[1];
    uint64_t done = 0;
    uint32_t i;

    res->result = 0;
    while (done < size) {
        uint32_t n = dsa_chunk(src1 + done, src2 ? src2 + done : src1 + done,
                               size - done);

        if (!dsa_dma(s, src1 + done, a, n, DMA_DIRECTION_TO_DEVICE, res)) {
            res->bytes = done;
            return;
        }
        if (src2) {
            if (!dsa_dma(s, src2 + done, b, n, DMA_DIRECTION_TO_DEVICE,
                         res)) {
                res->bytes = done;
                return;
            }
        } else {
            for (i = 0; i < n; i++) {
                b[i] = pattern >> (((done + i) & 7) * 8);
            }
        }
        for (i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                res->result = 1;
                res->bytes = done + i;
                return;
            }
        }
        done += n;
    }
    res->bytes = 0;
}

static void dsa_op_crc(IntelDSAState *s, const uint8_t *d, DSAResult *res)
{
    uint8_t *buf = s->bounce[0];
    uint32_t flags = ldl_le_p(d + 4) & 0xffffff;
    uint64_t src = ldq_le_p(d + 16);
    uint64_t dst = ldq_le_p(d + 24);
    uint32_t size = ldl_le_p(d + 32);
    uint32_t seed = ldl_le_p(d + 40);
    uint32_t crc;
    uint64_t done = 0;

    if (flags & F_CRC_SEED_ADDR) {
        uint8_t sb[4];

        if (!dsa_dma(s, ldq_le_p(d + 48), sb, 4, DMA_DIRECTION_TO_DEVICE,
                     res)) {
            return;
        }
        seed = ldl_le_p(sb);
    }
    crc = ~seed;
    if (d[7] == OP_COPY_CRC) {
        dsa_op_memmove(s, src, dst, size, 0, &crc, res);
        if (res->status) {
            return;
        }
    } else {
        while (done < size) {
            uint32_t n = dsa_chunk(src + done, src + done, size - done);

            if (!dsa_dma(s, src + done, buf, n, DMA_DIRECTION_TO_DEVICE,
                         res)) {
                res->bytes = done;
                return;
            }
            crc = dsa_crc32c_update(crc, buf, n);
            done += n;
        }
        res->bytes = done;
    }
    stl_le_p(res->extra, ~crc);
}

/*
 * Create a delta record: for every differing 8-byte word of src1 and src2,
 * append {u16 word index, u64 src2 word}.  result: 0 equal, 1 record
 * written, 2 record did not fit in max_delta_size.
 */
static void dsa_op_cr_delta(IntelDSAState *s, const uint8_t *d,
                            DSAResult *res)
{
    uint64_t src1 = ldq_le_p(d + 16);
    uint64_t src2 = ldq_le_p(d + 24);
    uint32_t size = ldl_le_p(d + 32);
    uint64_t delta = ldq_le_p(d + 40);
    uint32_t max = ldl_le_p(d + 48);
    uint32_t rec = 0;
    uint32_t w;

    if (size & 7 || size > 0x80000 || max < DELTA_ENTRY_SIZE ||
        max % DELTA_ENTRY_SIZE) {
        res->status = size & 7 || size > 0x80000 ? DSA_COMP_XFER_ERANGE :
                                                   DSA_COMP_DR_ERANGE;
        return;
    }
    res->result = 0;
    for (w = 0; w < size / 8; w++) {
        uint8_t a[8], b[8], ent[DELTA_ENTRY_SIZE];

        if (!dsa_dma(s, src1 + w * 8, a, 8, DMA_DIRECTION_TO_DEVICE, res) ||
            !dsa_dma(s, src2 + w * 8, b, 8, DMA_DIRECTION_TO_DEVICE, res)) {
            res->bytes = w * 8;
            return;
        }
        if (!memcmp(a, b, 8)) {
            continue;
        }
        if (rec + DELTA_ENTRY_SIZE > max) {
            res->result = 2;
            break;
        }
        stw_le_p(ent, w);
        memcpy(ent + 2, b, 8);
        if (!dsa_dma(s, delta + rec, ent, DELTA_ENTRY_SIZE,
                     DMA_DIRECTION_FROM_DEVICE, res)) {
            res->bytes = w * 8;
            return;
        }
        rec += DELTA_ENTRY_SIZE;
        res->result = 1;
    }
    res->bytes = res->result == 2 ? w * 8 : size;
    stl_le_p(res->extra, rec);
}

static void dsa_op_ap_delta(IntelDSAState *s, const uint8_t *d,
                            DSAResult *res)
{
    uint64_t delta = ldq_le_p(d + 16);
    uint64_t dst = ldq_le_p(d + 24);
    uint32_t size = ldl_le_p(d + 32);
    uint32_t rec = ldl_le_p(d + 40);
    uint32_t off;
    int last = -1;

    if (rec % DELTA_ENTRY_SIZE || size & 7) {
        res->status = size & 7 ? DSA_COMP_XFER_ERANGE : DSA_COMP_DR_ERANGE;
        return;
    }
    for (off = 0; off < rec; off += DELTA_ENTRY_SIZE) {
        uint8_t ent[DELTA_ENTRY_SIZE];
        uint16_t idx;

        if (!dsa_dma(s, delta + off, ent, DELTA_ENTRY_SIZE,
                     DMA_DIRECTION_TO_DEVICE, res)) {
            return;
        }
        idx = lduw_le_p(ent);
        if ((int)idx <= last) {
            res->status = DSA_COMP_DR_OFFSET_NOINC;
            return;
        }
        if ((uint32_t)idx * 8 >= size) {
            res->status = DSA_COMP_DR_OFFSET_ERANGE;
            return;
        }
        last = idx;
        if (!dsa_dma(s, dst + idx * 8, ent + 2, 8, DMA_DIRECTION_FROM_DEVICE,
                     res)) {
            return;
        }
    }
}

static void dsa_process(IntelDSAState *s, DSAWQ *wq, const uint8_t *d,
                        bool ims, bool in_batch, DSAResult *res);

static void dsa_op_batch(IntelDSAState *s, DSAWQ *wq, const uint8_t *d,
                         bool ims, DSAResult *res)
{
    uint64_t list = ldq_le_p(d + 16);
    uint32_t count = ldl_le_p(d + 32);
    uint32_t max = 1u << ((wq->cfg[3] >> 5) & 0xf);
    bool failed = false;
    uint32_t i;

    if (list & (DESC_SIZE - 1)) {
        res->status = DSA_COMP_DESCLIST_ALIGN;
        return;
    }
    if (count < 2 || count > max) {
        res->status = DSA_COMP_DESC_CNT_ERANGE;
        return;
    }
    for (i = 0; i < count; i++) {
        uint8_t sub[DESC_SIZE];
        DSAResult r = { 0 };

        if (pci_dma_read(PCI_DEVICE(s), list + i * DESC_SIZE, sub,
                         DESC_SIZE) != MEMTX_OK) {
            res->status = DSA_COMP_BATCH_PAGE_FAULT;
            res->fault_addr = list + i * DESC_SIZE;
            res->bytes = i;
            return;
        }
        dsa_process(s, wq, sub, ims, true, &r);
        if (r.status != DSA_COMP_SUCCESS) {
            failed = true;
        }
    }
    res->bytes = count;
    if (failed) {
        res->status = DSA_COMP_BATCH_FAIL;
    }
}

static void dsa_run_op(IntelDSAState *s, DSAWQ *wq, const uint8_t *d,
                       bool ims, bool in_batch, DSAResult *res)
{
    uint32_t flags = ldl_le_p(d + 4) & 0xffffff;
    uint8_t op = d[7];
    uint64_t src = ldq_le_p(d + 16);
    uint64_t dst = ldq_le_p(d + 24);
    uint32_t size = ldl_le_p(d + 32);
    uint64_t max_xfer = 1ULL << (wq->cfg[3] & 0x1f);

    if (op >= 64 || !(DSA_OPCAP0 & BIT_ULL(op)) ||
        (in_batch && op == OP_BATCH)) {
        res->status = DSA_COMP_BAD_OPCODE;
        return;
    }
    switch (op) {
    case OP_MEMMOVE:
    case OP_FILL:
    case OP_COMPARE:
    case OP_COMPVAL:
    case OP_DUALCAST:
    case OP_CRCGEN:
    case OP_COPY_CRC:
    case OP_CR_DELTA:
    case OP_AP_DELTA:
        if (size > max_xfer) {
            res->status = DSA_COMP_XFER_ERANGE;
            return;
        }
        break;
    }

    switch (op) {
    case OP_NOOP:
    case OP_DRAIN:
    case OP_CFLUSH:
        break;
    case OP_BATCH:
        dsa_op_batch(s, wq, d, ims, res);
        break;
    case OP_MEMMOVE:
        dsa_op_memmove(s, src, dst, size, 0, NULL, res);
        break;
    case OP_DUALCAST:
        if ((dst ^ ldq_le_p(d + 40)) & 0xfff) {
            res->status = DSA_COMP_DUALCAST_ALIGN;
            return;
        }
        dsa_op_memmove(s, src, dst, size, ldq_le_p(d + 40), NULL, res);
        break;
    case OP_FILL:
        dsa_op_fill(s, src, dst, size, res);
        break;
    case OP_COMPARE:
        dsa_op_compare(s, src, dst, 0, size, res);
        break;
    case OP_COMPVAL:
        dsa_op_compare(s, src, 0, dst, size, res);
        break;
    case OP_CRCGEN:
    case OP_COPY_CRC:
        dsa_op_crc(s, d, res);
        break;
    case OP_CR_DELTA:
        dsa_op_cr_delta(s, d, res);
        break;
    case OP_AP_DELTA:
        dsa_op_ap_delta(s, d, res);
        break;
    }
    if (res->status) {
        return;
    }
    res->status = DSA_COMP_SUCCESS;
    if (!(flags & F_CR)) {
        return;
    }
    /*
     * Check result: COMPARE and COMPARE PATTERN expect the result in
     * byte 40; CREATE DELTA has an expected result mask in byte 56 whose
     * bit n accepts result n (0 equal, 1 delta written, 2 delta overflow).
     */
    if (((op == OP_COMPARE || op == OP_COMPVAL) && res->result != d[40]) ||
        (op == OP_CR_DELTA && !(d[56] & BIT(res->result)))) {
        res->status = DSA_COMP_SUCCESS_PRED;
    }
}

/*
 * Execute one descriptor and write its completion record.  Returns the
 * final status in @res.
 */
static void dsa_execute(IntelDSAState *s, DSAWQ *wq, const uint8_t *d,
                        bool ims, bool in_batch, DSAResult *res)
{
    uint32_t flags = ldl_le_p(d + 4) & 0xffffff;
    uint64_t cr_addr = ldq_le_p(d + 8);
    bool cr_valid = flags & F_CRAV;
    uint8_t cr[CR_SIZE];

    memset(res, 0, sizeof(*res));
    if (cr_valid && (cr_addr & (CR_SIZE - 1))) {
        dsa_swerr(s, DSA_COMP_CRA_ALIGN, d, wq - s->wq, in_batch, 0);
        res->status = DSA_COMP_CRA_ALIGN;
        return;
    }

    if (s->fail_count) {
        s->fail_count--;
        res->status = s->fail_status;
    } else {
        dsa_run_op(s, wq, d, ims, in_batch, res);
    }

    if (!cr_valid) {
        if (res->status != DSA_COMP_SUCCESS) {
            dsa_swerr(s, res->status, d, wq - s->wq, in_batch,
                      res->fault_addr);
        }
        return;
    }
    if (!(flags & F_RCR) && res->status == DSA_COMP_SUCCESS) {
        return;
    }
    memset(cr, 0, sizeof(cr));
    cr[1] = res->result;
    stl_le_p(cr + 4, res->bytes);
    stq_le_p(cr + 8, res->fault_addr);
    memcpy(cr + 16, res->extra, sizeof(res->extra));
    /* The status byte goes last: software polls it. */
    if (pci_dma_write(PCI_DEVICE(s), cr_addr + 1, cr + 1, CR_SIZE - 1) !=
            MEMTX_OK ||
        pci_dma_write(PCI_DEVICE(s), cr_addr, &res->status, 1) != MEMTX_OK) {
        dsa_swerr(s, res->status, d, wq - s->wq, in_batch, cr_addr);
    }
}

/*
 * Run a descriptor, including its completion interrupt.  @ims selects IMS
 * rather than MSI-X routing (the descriptor came through an IMS portal).
 * An interrupt request that may not be delivered refuses the descriptor:
 * status 0x19 in the completion record, a SWERR record and the misc
 * interrupt.
 */
static void dsa_process(IntelDSAState *s, DSAWQ *wq, const uint8_t *d,
                        bool ims, bool in_batch, DSAResult *res)
{
    uint32_t flags = ldl_le_p(d + 4) & 0xffffff;
    uint16_t handle = lduw_le_p(d + 36);

    if ((flags & F_RCI) && !dsa_irq_valid(s, wq, handle, ims)) {
        uint64_t cr_addr = ldq_le_p(d + 8);

        memset(res, 0, sizeof(*res));
        res->status = DSA_COMP_INT_HANDLE_INVAL;
        dsa_swerr(s, res->status, d, wq - s->wq, in_batch, 0);
        if ((flags & F_CRAV) && !(cr_addr & (CR_SIZE - 1))) {
            pci_dma_write(PCI_DEVICE(s), cr_addr, &res->status, 1);
        }
        return;
    }
    dsa_execute(s, wq, d, ims, in_batch, res);
    if (flags & F_RCI) {
        dsa_completion_irq(s, handle, ims);
    }
}

/* Queue management */

static DSADesc *wq_pop(DSAWQ *wq, uint32_t cap)
{
    DSADesc *d;

    if (!wq_occupancy(wq)) {
        return NULL;
    }
    d = &wq->ring[wq->head];
    wq->head = (wq->head + 1) % cap;
    wq_set_occupancy(wq, wq_occupancy(wq) - 1);
    return d;
}

/* Run everything queued on the WQs in @mask, round robin. */
static void dsa_run_queues(IntelDSAState *s, uint32_t mask)
{
    bool more = true;
    uint32_t i;

    while (more && s->gensts == GENSTS_ENABLED) {
        more = false;
        for (i = 0; i < s->num_wqs; i++) {
            DSAWQ *wq = &s->wq[i];
            DSADesc *d;

            if (!(mask & BIT(i))) {
                continue;
            }
            d = wq_pop(wq, s->total_wq_size);
            if (d) {
                DSADesc desc = *d;
                DSAResult res;

                dsa_process(s, wq, desc.raw, desc.ims, false, &res);
                more = true;
            }
        }
    }
}

static void dsa_abort_queues(IntelDSAState *s, uint32_t mask)
{
    uint32_t i;

    for (i = 0; i < s->num_wqs; i++) {
        if (mask & BIT(i)) {
            wq_set_occupancy(&s->wq[i], 0);
            s->wq[i].head = 0;
        }
    }
}

static void dsa_bh(void *opaque)
{
    IntelDSAState *s = opaque;

    if (s->delay_us) {
        timer_mod(s->delay_timer, qemu_clock_get_us(QEMU_CLOCK_VIRTUAL) +
                  s->delay_us);
        return;
    }
    dsa_run_queues(s, MAKE_64BIT_MASK(0, DSA_MAX_WQS));
}

static void dsa_delay_timer(void *opaque)
{
    IntelDSAState *s = opaque;

    dsa_run_queues(s, MAKE_64BIT_MASK(0, DSA_MAX_WQS));
}

static void dsa_submit(IntelDSAState *s, uint32_t wq_idx, uint32_t page,
                       const uint8_t *line)
{
    DSAWQ *wq = &s->wq[wq_idx];
    uint32_t occ = wq_occupancy(wq);
    DSADesc *d;

    if (s->gensts != GENSTS_ENABLED || !wq_enabled(wq) ||
        occ >= wq_size(wq)) {
        s->dropped_descs++;
        qemu_log_mask(LOG_GUEST_ERROR,
                      "intel-dsa: descriptor dropped on WQ %u, %s\n", wq_idx,
                      s->gensts != GENSTS_ENABLED ? "device not enabled" :
                      !wq_enabled(wq) ? "WQ not enabled" : "WQ full");
        return;
    }
    d = &wq->ring[(wq->head + occ) % s->total_wq_size];
    memcpy(d->raw, line, DESC_SIZE);
    d->ims = page >= 2;
    wq_set_occupancy(wq, occ + 1);
    qemu_bh_schedule(s->bh);
}

/* Commands */

static void dsa_reset_wq(DSAWQ *wq)
{
    memset(wq->cfg, 0, sizeof(wq->cfg));
    wq->head = 0;
    memset(wq->portal, 0, sizeof(wq->portal));
}

static void dsa_reset_state(IntelDSAState *s)
{
    uint32_t i;

    s->gencfg = 0;
    s->genctrl = 0;
    s->gensts = GENSTS_DISABLED;
    s->intcause = 0;
    s->cmd = 0;
    s->cmdsts = 0;
    memset(s->swerr, 0, sizeof(s->swerr));
    memset(s->evlcfg, 0, sizeof(s->evlcfg));
    s->evl_head = s->evl_tail = 0;
    s->evl_pending = false;
    memset(s->grpcfg, 0, sizeof(s->grpcfg));
    memset(s->perm, 0, sizeof(s->perm));
    for (i = 0; i < dsa_nims(s); i++) {
        s->ims[i][0] = s->ims[i][1] = s->ims[i][2] = 0;
        s->ims[i][IMS_CTRL] = IMS_CTRL_MASK;
    }
    bitmap_zero(s->ims_pending, dsa_nims(s));
    for (i = 0; i < DSA_MAX_WQS; i++) {
        dsa_reset_wq(&s->wq[i]);
    }
    qemu_bh_cancel(s->bh);
    timer_del(s->delay_timer);
}

/* Whether the WQCFG sizes of all WQs fit in WQCAP's total WQ size */
static bool dsa_wq_sizes_fit(IntelDSAState *s)
{
    uint32_t total = 0;
    uint32_t i;

    for (i = 0; i < s->num_wqs; i++) {
        total += wq_size(&s->wq[i]);
    }
    return total <= s->total_wq_size;
}

/* Validate groups and WQ sizes before enabling the device. */
static uint32_t dsa_check_config(IntelDSAState *s)
{
    uint64_t wqs_seen = 0, engs_seen = 0;
    uint32_t g;

    if (!dsa_wq_sizes_fit(s)) {
        return CMDSTS_ERR_WQ_SIZE_ERANGE;
    }
    for (g = 0; g < s->num_groups; g++) {
        uint64_t wqs = s->grpcfg[g][0];
        uint64_t engs = s->grpcfg[g][GRPCFG_ENG];

        if ((wqs & ~MAKE_64BIT_MASK(0, s->num_wqs)) ||
            s->grpcfg[g][1] || s->grpcfg[g][2] || s->grpcfg[g][3] ||
            (wqs & wqs_seen)) {
            return CMDSTS_ERR_GRP_CONFIG2;
        }
        if ((engs & ~MAKE_64BIT_MASK(0, s->num_engines)) ||
            (engs & engs_seen)) {
            return CMDSTS_ERR_GRP_CONFIG3;
        }
        if (wqs && !engs) {
            return CMDSTS_ERR_GRP_CONFIG;
        }
        wqs_seen |= wqs;
        engs_seen |= engs;
    }
    return CMDSTS_SUCCESS;
}

static bool dsa_wq_in_group(IntelDSAState *s, uint32_t idx)
{
    uint32_t g;

    for (g = 0; g < s->num_groups; g++) {
        if ((s->grpcfg[g][0] & BIT_ULL(idx)) && s->grpcfg[g][GRPCFG_ENG]) {
            return true;
        }
    }
    return false;
}

static uint32_t dsa_enable_wq(IntelDSAState *s, uint32_t idx)
{
    DSAWQ *wq;

    if (idx >= s->num_wqs) {
        return CMDSTS_INVAL_WQIDX;
    }
    wq = &s->wq[idx];
    if (s->gensts != GENSTS_ENABLED) {
        return CMDSTS_ERR_DEV_NOTEN;
    }
    if (wq_enabled(wq)) {
        return CMDSTS_ERR_WQ_ENABLED;
    }
    if (!wq_size(wq)) {
        return CMDSTS_ERR_WQ_SIZE;
    }
    if (!dsa_wq_sizes_fit(s)) {
        return CMDSTS_ERR_WQ_SIZE_ERANGE;
    }
    if (!((wq->cfg[2] >> 4) & 0xf)) {
        return CMDSTS_ERR_WQ_PRIOR;
    }
    if (!(wq->cfg[2] & WQCFG_MODE_DEDICATED)) {
        return CMDSTS_ERR_WQ_MODE;
    }
    if ((wq->cfg[3] & 0x1f) > ((dsa_gencap(s) >> 16) & 0x1f)) {
        return CMDSTS_ERR_MAX_XFER_SIZE;
    }
    if (((wq->cfg[3] >> 5) & 0xf) > ((dsa_gencap(s) >> 21) & 0xf)) {
        return CMDSTS_ERR_MAX_BATCH_SIZE;
    }
    if (!dsa_wq_in_group(s, idx)) {
        return CMDSTS_ERR_GRP_CONFIG2;
    }
    wq->head = 0;
    wq->cfg[6] = (wq->cfg[6] & ~(WQCFG_STATE_MASK | 0xffff)) |
                 WQCFG_STATE_ENABLED;
    return CMDSTS_SUCCESS;
}

/* Decode the WQ bitmask operand of DISABLE/DRAIN/ABORT/RESET_WQ. */
static uint32_t dsa_wq_mask(IntelDSAState *s, uint32_t operand,
                            uint32_t *mask)
{
    uint32_t m = operand & 0xffff;

    /* At most 16 WQs are modelled, so the high index must be 0. */
    if (!m || (operand >> 16) || (m & ~MAKE_64BIT_MASK(0, s->num_wqs))) {
        return CMDSTS_INVAL_WQIDX;
    }
    *mask = m;
    return CMDSTS_SUCCESS;
}

static bool dsa_mask_enabled(IntelDSAState *s, uint32_t mask)
{
    uint32_t i;

    for (i = 0; i < s->num_wqs; i++) {
        if ((mask & BIT(i)) && !wq_enabled(&s->wq[i])) {
            return false;
        }
    }
    return true;
}

static void dsa_disable_wqs(IntelDSAState *s, uint32_t mask)
{
    uint32_t i;

    for (i = 0; i < s->num_wqs; i++) {
        if (mask & BIT(i)) {
            s->wq[i].cfg[6] &= ~(WQCFG_STATE_MASK | 0xffff);
            s->wq[i].head = 0;
        }
    }
}

static uint32_t dsa_int_handle(IntelDSAState *s, uint32_t operand,
                               uint32_t *result)
{
    uint32_t idx = operand & 0xffff;
    bool ims = operand & CMD_INT_HANDLE_IMS;

    if (operand & ~(CMD_INT_HANDLE_IMS | 0xffff)) {
        return CMDSTS_INVAL_CMD;
    }
    if (ims ? idx >= dsa_nims(s) : (idx == 0 || idx >= dsa_nvec(s))) {
        return CMDSTS_ERR_INVAL_INT_IDX;
    }
    *result = idx;
    return CMDSTS_SUCCESS;
}

static uint32_t dsa_command(IntelDSAState *s, uint32_t code, uint32_t operand,
                            uint32_t *result)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t all = MAKE_64BIT_MASK(0, s->num_wqs);
    uint32_t mask, st;

    if (s->gensts == GENSTS_HALT && code != CMD_RESET_DEVICE) {
        return CMDSTS_HW_ERR;
    }
    switch (code) {
    case CMD_ENABLE_DEVICE:
        if (s->gensts == GENSTS_ENABLED) {
            return CMDSTS_ERR_DEV_ENABLED;
        }
        if (!(pci_get_word(pdev->config + PCI_COMMAND) & PCI_COMMAND_MASTER)) {
            return CMDSTS_ERR_BUSMASTER_EN;
        }
        st = dsa_check_config(s);
        if (st == CMDSTS_SUCCESS) {
            s->gensts = GENSTS_ENABLED;
        }
        return st;
    case CMD_DISABLE_DEVICE:
        if (s->gensts != GENSTS_ENABLED) {
            return CMDSTS_ERR_DIS_DEV_EN;
        }
        dsa_run_queues(s, all);
        dsa_disable_wqs(s, all);
        s->gensts = GENSTS_DISABLED;
        return CMDSTS_SUCCESS;
    case CMD_DRAIN_ALL:
    case CMD_ABORT_ALL:
        if (s->gensts != GENSTS_ENABLED) {
            return CMDSTS_ERR_DIS_DEV_EN;
        }
        if (code == CMD_DRAIN_ALL) {
            dsa_run_queues(s, all);
        } else {
            dsa_abort_queues(s, all);
        }
        return CMDSTS_SUCCESS;
    case CMD_RESET_DEVICE:
        dsa_reset_state(s);
        return CMDSTS_SUCCESS;
    case CMD_ENABLE_WQ:
        return dsa_enable_wq(s, operand);
    case CMD_DISABLE_WQ:
    case CMD_DRAIN_WQ:
    case CMD_ABORT_WQ:
    case CMD_RESET_WQ:
        st = dsa_wq_mask(s, operand, &mask);
        if (st != CMDSTS_SUCCESS) {
            return st;
        }
        if (code == CMD_RESET_WQ) {
            uint32_t i;

            dsa_abort_queues(s, mask);
            for (i = 0; i < s->num_wqs; i++) {
                if (mask & BIT(i)) {
                    dsa_reset_wq(&s->wq[i]);
                }
            }
            return CMDSTS_SUCCESS;
        }
        if (!dsa_mask_enabled(s, mask)) {
            return CMDSTS_ERR_DEV_NOT_EN;
        }
        if (code == CMD_ABORT_WQ) {
            dsa_abort_queues(s, mask);
        } else {
            dsa_run_queues(s, mask);
        }
        if (code == CMD_DISABLE_WQ) {
            dsa_disable_wqs(s, mask);
        }
        return CMDSTS_SUCCESS;
    case CMD_REQUEST_INT_HANDLE:
    case CMD_RELEASE_INT_HANDLE:
        if (!s->int_handles) {
            return CMDSTS_INVAL_CMD;
        }
        return dsa_int_handle(s, operand, result);
    default:
        return CMDSTS_INVAL_CMD;
    }
}

static void dsa_write_cmd(IntelDSAState *s, uint32_t val)
{
    uint32_t result = 0;
    uint32_t err;

    s->cmd = val;
    err = dsa_command(s, (val >> 20) & 0x1f, val & 0xfffff, &result);
    s->cmdsts = err | ((result & 0xffff) << 8);
    if (val & CMD_INT_REQ) {
        dsa_misc_interrupt(s, INTC_CMD);
    }
}

static void dsa_halt(IntelDSAState *s)
{
    s->gensts = GENSTS_HALT;
    dsa_abort_queues(s, MAKE_64BIT_MASK(0, s->num_wqs));
    s->intcause |= INTC_HALT;
    if (s->genctrl & GENCTRL_HALT_INT) {
        msix_notify(PCI_DEVICE(s), 0);
    }
}

/*
 * BAR0 registers, accessed in 32-bit units: the memory core splits an
 * 8-byte access into two, low dword first (.impl of dsa_mmio_ops).
 */

static uint64_t dsa_cap_qword(IntelDSAState *s, hwaddr off)
{
    switch (off) {
    case R_VERSION:
        return s->version;
    case R_GENCAP:
        return dsa_gencap(s);
    case R_WQCAP:
        return dsa_wqcap(s);
    case R_GRPCAP:
        return dsa_grpcap(s);
    case R_ENGCAP:
        return s->num_engines;
    case R_OPCAP:
        return DSA_OPCAP0;
    case R_OFFSETS:
    case R_OFFSETS + 8:
        return dsa_offsets(off != R_OFFSETS);
    default:
        return 0;
    }
}

static uint32_t dsa_read32(IntelDSAState *s, hwaddr off)
{
    unsigned shift = (off & 4) * 8;
    hwaddr q = off & ~7ULL;

    if (off < R_GENCFG) {
        return dsa_cap_qword(s, q) >> shift;
    }
    switch (off) {
    case R_GENCFG:
        return s->gencfg;
    case R_GENCTRL:
        return s->genctrl;
    case R_GENSTS:
        return s->gensts;
    case R_INTCAUSE:
        return s->intcause;
    case R_CMD:
        return s->cmd;
    case R_CMDSTS:
        return s->cmdsts;
    case R_CMDCAP:
        return dsa_cmdcap(s);
    }
    if (off >= R_SWERR && off < R_SWERR_END) {
        return s->swerr[(off - R_SWERR) / 8] >> shift;
    }
    if (s->evl && off >= R_EVLCFG && off < R_EVLCFG + 16) {
        return s->evlcfg[(off - R_EVLCFG) / 8] >> shift;
    }
    if (s->evl && off == R_EVLSTATUS) {
        return s->evl_head;
    }
    if (s->evl && off == R_EVLSTATUS + 4) {
        return s->evl_tail | (s->evl_pending ? EVLSTATUS_INT_PENDING : 0);
    }
    if (off >= DSA_PERM_OFF && off < DSA_PERM_OFF + 8 * dsa_nvec(s)) {
        return (off & 4) ? 0 : s->perm[(off - DSA_PERM_OFF) / 8];
    }
    if (off >= DSA_GRPCFG_OFF &&
        off < DSA_GRPCFG_OFF + s->num_groups * GRPCFG_QWORDS * 8) {
        uint32_t i = (off - DSA_GRPCFG_OFF) / 8;

        return s->grpcfg[i / GRPCFG_QWORDS][i % GRPCFG_QWORDS] >> shift;
    }
    if (off >= DSA_WQCFG_OFF && off < DSA_WQCFG_OFF + s->num_wqs * WQCFG_SIZE) {
        uint32_t i = (off - DSA_WQCFG_OFF) / 4;

        return s->wq[i / WQCFG_DWORDS].cfg[i % WQCFG_DWORDS];
    }
    if (off >= DSA_IMS_OFF && off < DSA_IMS_OFF + dsa_nims(s) * 16) {
        uint32_t i = (off - DSA_IMS_OFF) / 4;

        return s->ims[i / 4][i % 4];
    }
    return 0;
}

static void dsa_write_wqcfg(IntelDSAState *s, uint32_t i, uint32_t val)
{
    DSAWQ *wq = &s->wq[i / WQCFG_DWORDS];
    uint32_t dw = i % WQCFG_DWORDS;

    if (wq_enabled(wq)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "intel-dsa: WQCFG write to enabled WQ %u ignored\n",
                      (uint32_t)(wq - s->wq));
        return;
    }
    wq->cfg[dw] = (wq->cfg[dw] & ~wqcfg_wmask[dw]) | (val & wqcfg_wmask[dw]);
}

/*
 * GRPCFG stays writable while the device is enabled (Linux rewrites the
 * whole group configuration before enabling each WQ), but the group
 * membership of enabled WQs cannot change.
 */
static void dsa_write_grpcfg(IntelDSAState *s, hwaddr off, uint32_t val)
{
    uint32_t i = (off - DSA_GRPCFG_OFF) / 8;
    uint32_t q = i % GRPCFG_QWORDS;
    unsigned shift = (off & 4) * 8;
    uint64_t *p = &s->grpcfg[i / GRPCFG_QWORDS][q];
    uint64_t wmask, locked = 0;
    uint32_t w;

    if (q < 4 || q == GRPCFG_ENG) {
        wmask = ~0ULL;
    } else if (q == GRPCFG_FLAGS) {
        wmask = GRPFLAGS_WMASK;
    } else {
        return;
    }
    if (q == 0) {
        for (w = 0; w < s->num_wqs; w++) {
            if (wq_enabled(&s->wq[w])) {
                locked |= BIT_ULL(w);
            }
        }
    }
    wmask &= ~locked;
    *p = (*p & ~(wmask & (0xffffffffULL << shift))) |
         (((uint64_t)val << shift) & wmask);
}

static void dsa_write_ims(IntelDSAState *s, uint32_t i, uint32_t val)
{
    uint32_t idx = i / 4;
    uint32_t dw = i % 4;

    if (dw != IMS_CTRL) {
        s->ims[idx][dw] = val;
        return;
    }
    s->ims[idx][IMS_CTRL] = val & IMS_CTRL_WMASK;
    if (!(val & IMS_CTRL_MASK) && test_bit(idx, s->ims_pending)) {
        dsa_ims_fire(s, idx);
    }
}

/* EVLCFG is locked while the log is enabled; head is software's. */
static void dsa_write_evl(IntelDSAState *s, hwaddr off, uint32_t val)
{
    unsigned shift = (off & 4) * 8;
    uint32_t size = s->evlcfg[1] & 0xffff;
    uint64_t wmask;

    if (off == R_EVLSTATUS) {
        if (size && (val & 0xffff) < size) {
            s->evl_head = val & 0xffff;
        }
        return;
    }
    if (off == R_EVLSTATUS + 4) {
        if (val & EVLSTATUS_INT_PENDING) {
            s->evl_pending = false;
        }
        return;
    }
    if (s->gencfg & GENCFG_EVL_EN) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "intel-dsa: EVLCFG write while the log is enabled\n");
        return;
    }
    wmask = off < R_EVLCFG + 8 ? EVLCFG0_WMASK : EVLCFG1_WMASK;
    wmask &= 0xffffffffULL << shift;
    s->evlcfg[(off - R_EVLCFG) / 8] =
        (s->evlcfg[(off - R_EVLCFG) / 8] & ~wmask) |
        (((uint64_t)val << shift) & wmask);
    s->evl_head = s->evl_tail = 0;
}

static void dsa_write32(IntelDSAState *s, hwaddr off, uint32_t val)
{
    switch (off) {
    case R_GENCFG:
        s->gencfg = val & (GENCFG_WMASK | (s->evl ? GENCFG_EVL_EN : 0));
        return;
    case R_GENCTRL:
        s->genctrl = val & (GENCTRL_WMASK | (s->evl ? GENCTRL_EVL_INT : 0));
        return;
    case R_INTCAUSE:
        s->intcause &= ~val;
        return;
    case R_CMD:
        dsa_write_cmd(s, val);
        return;
    case R_SWERR:
        s->swerr[0] &= ~(val & (SWERR_VALID | SWERR_OVERFLOW));
        if (!(s->swerr[0] & SWERR_VALID)) {
            s->swerr[0] = 0;
            s->swerr[1] = s->swerr[2] = s->swerr[3] = 0;
        }
        return;
    }
    if (s->evl && off >= R_EVLCFG && off < R_EVLSTATUS + 8) {
        dsa_write_evl(s, off, val);
        return;
    }
    if (off >= DSA_PERM_OFF && off < DSA_PERM_OFF + 8 * dsa_nvec(s)) {
        if (!(off & 4)) {
            s->perm[(off - DSA_PERM_OFF) / 8] = val & PERM_WMASK;
        }
        return;
    }
    if (off >= DSA_GRPCFG_OFF &&
        off < DSA_GRPCFG_OFF + s->num_groups * GRPCFG_QWORDS * 8) {
        dsa_write_grpcfg(s, off, val);
        return;
    }
    if (off >= DSA_WQCFG_OFF && off < DSA_WQCFG_OFF + s->num_wqs * WQCFG_SIZE) {
        dsa_write_wqcfg(s, (off - DSA_WQCFG_OFF) / 4, val);
        return;
    }
    if (off >= DSA_IMS_OFF && off < DSA_IMS_OFF + dsa_nims(s) * 16) {
        dsa_write_ims(s, (off - DSA_IMS_OFF) / 4, val);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR,
                  "intel-dsa: write to read-only/reserved offset 0x%"
                  HWADDR_PRIx "\n", off);
}

static uint64_t dsa_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    return dsa_read32(opaque, addr);
}

static void dsa_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    dsa_write32(opaque, addr, val);
}

static const MemoryRegionOps dsa_mmio_ops = {
    .read = dsa_mmio_read,
    .write = dsa_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/* BAR2 portals */

static uint64_t dsa_portal_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

/*
 * A descriptor is one 64-byte line of a portal page.  MOVDIR64B and
 * large writes arrive here as several smaller stores; collect them and
 * submit when the whole line has been written.
 */
static void dsa_portal_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    IntelDSAState *s = opaque;
    uint32_t wq_idx = addr / DSA_PORTAL_STRIDE;
    uint32_t page = (addr / 0x1000) % DSA_PORTAL_PAGES;
    uint32_t line_off = addr & (0x1000 - DESC_SIZE);
    uint32_t off = addr & (DESC_SIZE - 1);
    DSAPortal *p;
    unsigned i;

    if (wq_idx >= s->num_wqs || off + size > DESC_SIZE) {
        return;
    }
    p = &s->wq[wq_idx].portal[page];
    if (p->written && p->line_off != line_off) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "intel-dsa: partial descriptor discarded on WQ %u\n",
                      wq_idx);
        p->written = 0;
    }
    p->line_off = line_off;
    for (i = 0; i < size; i++) {
        p->line[off + i] = val >> (i * 8);
    }
    p->written |= MAKE_64BIT_MASK(off, size);
    if (p->written == ~0ULL) {
        p->written = 0;
        dsa_submit(s, wq_idx, page, p->line);
    }
}

static const MemoryRegionOps dsa_portal_ops = {
    .read = dsa_portal_read,
    .write = dsa_portal_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
};

/* Fault injection through QOM properties */

static void dsa_get_halt(Object *obj, Visitor *v, const char *name,
                         void *opaque, Error **errp)
{
    IntelDSAState *s = INTEL_DSA(obj);
    bool halted = s->gensts == GENSTS_HALT;

    visit_type_bool(v, name, &halted, errp);
}

static void dsa_set_halt(Object *obj, Visitor *v, const char *name,
                         void *opaque, Error **errp)
{
    IntelDSAState *s = INTEL_DSA(obj);
    bool halt;

    if (!visit_type_bool(v, name, &halt, errp)) {
        return;
    }
    if (halt && s->gensts != GENSTS_HALT) {
        dsa_halt(s);
    }
}

static void dsa_instance_init(Object *obj)
{
    IntelDSAState *s = INTEL_DSA(obj);

    object_property_add_uint32_ptr(obj, "fail-count", &s->fail_count,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint8_ptr(obj, "fail-status", &s->fail_status,
                                  OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "delay-us", &s->delay_us,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "drop-irqs", &s->drop_irqs,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_add_uint32_ptr(obj, "dropped-descs", &s->dropped_descs,
                                   OBJ_PROP_FLAG_READ);
    object_property_add(obj, "halt", "bool", dsa_get_halt, dsa_set_halt,
                        NULL, NULL);
}

/* PCI device */

#define DSA_PCIE_CAP_OFF        0x40
#define DSA_PASID_CAP_OFF       0x100

static void dsa_realize(PCIDevice *pdev, Error **errp)
{
    IntelDSAState *s = INTEL_DSA(pdev);
    uint32_t i;
    int ret;

    if (!s->num_wqs || s->num_wqs > DSA_MAX_WQS ||
        !s->num_groups || s->num_groups > DSA_MAX_GROUPS ||
        !s->num_engines || s->num_engines > DSA_MAX_ENGINES ||
        !s->ims_mult || s->ims_mult > DSA_MAX_IMS_MULT ||
        !s->total_wq_size || s->total_wq_size > 0xffff) {
        error_setg(errp, "intel-dsa: invalid profile (num-wqs 1..%d, "
                   "num-groups 1..%d, num-engines 1..%d, ims-mult 1..%d, "
                   "wq-size-total 1..65535)", DSA_MAX_WQS, DSA_MAX_GROUPS,
                   DSA_MAX_ENGINES, DSA_MAX_IMS_MULT);
        return;
    }

    ret = pcie_endpoint_cap_init(pdev, DSA_PCIE_CAP_OFF);
    if (ret < 0) {
        error_setg(errp, "intel-dsa: cannot add PCIe capability");
        return;
    }
    pcie_add_capability(pdev, PCI_EXT_CAP_ID_PASID, 1, DSA_PASID_CAP_OFF,
                        PCI_EXT_CAP_PASID_SIZEOF);
    pci_set_word(pdev->config + DSA_PASID_CAP_OFF + PCI_PASID_CAP,
                 PCI_PASID_CAP_PRIV | (20 << 8));
    pci_set_word(pdev->wmask + DSA_PASID_CAP_OFF + PCI_PASID_CTRL,
                 PCI_PASID_CTRL_ENABLE | PCI_PASID_CTRL_PRIV);

    memory_region_init(&s->bar0, OBJECT(s), "intel-dsa-bar0", DSA_BAR0_SIZE);
    memory_region_init_io(&s->mmio, OBJECT(s), &dsa_mmio_ops, s,
                          "intel-dsa-mmio", DSA_MMIO_SIZE);
    memory_region_add_subregion(&s->bar0, 0, &s->mmio);
    memory_region_init_io(&s->portals, OBJECT(s), &dsa_portal_ops, s,
                          "intel-dsa-portals",
                          pow2ceil(s->num_wqs * DSA_PORTAL_STRIDE));

    ret = msix_init(pdev, dsa_nvec(s), &s->bar0, 0, DSA_MSIX_TABLE_OFF,
                    &s->bar0, 0, DSA_MSIX_PBA_OFF, 0, errp);
    if (ret) {
        return;
    }
    for (i = 0; i < dsa_nvec(s); i++) {
        msix_vector_use(pdev, i);
    }

    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar0);
    pci_register_bar(pdev, 2, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->portals);

    s->ims = g_malloc0(sizeof(*s->ims) * dsa_nims(s));
    s->ims_pending = bitmap_new(dsa_nims(s));
    for (i = 0; i < DSA_MAX_WQS; i++) {
        s->wq[i].ring = g_new0(DSADesc, s->total_wq_size);
    }
    s->bh = qemu_bh_new_guarded(dsa_bh, s, &DEVICE(s)->mem_reentrancy_guard);
    s->delay_timer = timer_new_us(QEMU_CLOCK_VIRTUAL, dsa_delay_timer, s);
    dsa_reset_state(s);
}

static void dsa_exit(PCIDevice *pdev)
{
    IntelDSAState *s = INTEL_DSA(pdev);
    uint32_t i;

    qemu_bh_delete(s->bh);
    timer_free(s->delay_timer);
    for (i = 0; i < DSA_MAX_WQS; i++) {
        g_free(s->wq[i].ring);
    }
    g_free(s->ims);
    g_free(s->ims_pending);
    msix_uninit(pdev, &s->bar0, &s->bar0);
    /*
     * A subregion holds a reference on its owner: while BAR0 holds the
     * registers, an unplugged device is never finalized (and QEMU never
     * reports DEVICE_DELETED).
     */
    memory_region_del_subregion(&s->bar0, &s->mmio);
}

/* MSI-X is reset by the PCI core (pci_do_device_reset) after this. */
static void dsa_qdev_reset(DeviceState *dev)
{
    dsa_reset_state(INTEL_DSA(dev));
}

static Property dsa_properties[] = {
    DEFINE_PROP_UINT32("num-wqs", IntelDSAState, num_wqs, 8),
    DEFINE_PROP_UINT32("wq-size-total", IntelDSAState, total_wq_size, 128),
    DEFINE_PROP_UINT32("num-groups", IntelDSAState, num_groups, 4),
    DEFINE_PROP_UINT32("num-engines", IntelDSAState, num_engines, 4),
    DEFINE_PROP_UINT32("ims-mult", IntelDSAState, ims_mult, 8),
    DEFINE_PROP_UINT32("version", IntelDSAState, version, 0x100),
    DEFINE_PROP_BOOL("int-handles", IntelDSAState, int_handles, false),
    DEFINE_PROP_BOOL("evl", IntelDSAState, evl, false),
    DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription dsa_vmstate = {
    .name = TYPE_INTEL_DSA,
    .unmigratable = 1,
};

static void dsa_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = dsa_realize;
    k->exit = dsa_exit;
    k->vendor_id = PCI_VENDOR_ID_INTEL;
    k->device_id = DSA_DEVICE_ID;
    k->class_id = DSA_CLASS;
    k->revision = 0;
    dc->desc = "Intel Data Streaming Accelerator (DSA 1.0 model)";
    dc->reset = dsa_qdev_reset;
    dc->vmsd = &dsa_vmstate;
    device_class_set_props(dc, dsa_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo dsa_info = {
    .name = TYPE_INTEL_DSA,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(IntelDSAState),
    .instance_init = dsa_instance_init,
    .class_init = dsa_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void dsa_register_types(void)
{
    type_register_static(&dsa_info);
}

type_init(dsa_register_types)
