/*
 * QTest for the Intel DSA device model (hw/misc/intel_dsa.c)
 *
 * Interrupt messages (MSI-X and IMS) are pointed at guest RAM, so every
 * delivered interrupt is a visible memory write of the programmed data.
 *
 * Copyright (c) 2026 The idxd_ims authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "qapi/qmp/qdict.h"
#include "hw/pci/pci_regs.h"

#define DSA_DEVFN           QPCI_DEVFN(4, 0)
#define ECAM_BASE           0xb0000000ULL  /* programmed into q35 PCIEXBAR */

#define R_VERSION           0x00
#define R_GENCAP            0x10
#define R_WQCAP             0x20
#define R_GRPCAP            0x30
#define R_ENGCAP            0x38
#define R_OPCAP             0x40
#define R_OFFSETS           0x60
#define R_GENCTRL           0x88
#define R_GENSTS            0x90
#define R_INTCAUSE          0x98
#define R_CMD               0xa0
#define R_CMDSTS            0xa8
#define R_SWERR             0xc0

#define PERM_OFF            0x200
#define GRPCFG_OFF          0x300
#define WQCFG_OFF           0x400
#define IMS_OFF             0x2000
#define MSIX_TABLE_OFF      0xc000

#define MSG_BASE            0x200000ULL    /* MSI-X vector i at +16*i */
#define IMS_MSG_BASE        0x210000ULL    /* IMS entry i at +16*i */
#define CR_ADDR             0x300000ULL
#define SRC                 0x400000ULL
#define DST                 0x500000ULL
#define DST2                0x600000ULL
#define LIST                0x700000ULL
#define DELTA               0x780000ULL
#define EVL_BASE            0x800000ULL

#define F_CRAV              0x4
#define F_RCR               0x8
#define F_RCI               0x10
#define F_CR                0x80

enum {
    OP_NOOP = 0x00, OP_BATCH = 0x01, OP_DRAIN = 0x02, OP_MEMMOVE = 0x03,
    OP_FILL = 0x04, OP_COMPARE = 0x05, OP_COMPVAL = 0x06,
    OP_CR_DELTA = 0x07, OP_AP_DELTA = 0x08, OP_DUALCAST = 0x09,
    OP_CRCGEN = 0x10, OP_COPY_CRC = 0x11, OP_CFLUSH = 0x20,
};

enum {
    CMD_ENABLE_DEVICE = 1, CMD_DISABLE_DEVICE = 2, CMD_RESET_DEVICE = 5,
    CMD_ENABLE_WQ = 6, CMD_DISABLE_WQ = 7, CMD_DRAIN_WQ = 8,
    CMD_ABORT_WQ = 9, CMD_RESET_WQ = 10,
};

typedef struct DSATest {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar0;
    QPCIBar bar2;
} DSATest;

typedef struct Desc {
    uint8_t b[64];
} Desc;

static void dsa_start(DSATest *t, const char *extra)
{
    uint8_t cap;
    uint16_t ctrl;
    int i;

    t->qts = qtest_initf("-machine q35 -nodefaults "
                         "-device intel-dsa,id=dsa0,bus=pcie.0,addr=04.0%s",
                         extra ? extra : "");
    t->bus = qpci_new_pc(t->qts, NULL);
    t->dev = qpci_device_find(t->bus, DSA_DEVFN);
    g_assert(t->dev);
    qpci_device_enable(t->dev);
    t->bar0 = qpci_iomap(t->dev, 0, NULL);
    t->bar2 = qpci_iomap(t->dev, 2, NULL);

    /* MSI-X: vector i writes 0xa000 + i to MSG_BASE + 16 * i */
    cap = qpci_find_capability(t->dev, PCI_CAP_ID_MSIX, 0);
    g_assert(cap);
    ctrl = qpci_config_readw(t->dev, cap + PCI_MSIX_FLAGS);
    qpci_config_writew(t->dev, cap + PCI_MSIX_FLAGS,
                       ctrl | PCI_MSIX_FLAGS_ENABLE);
    for (i = 0; i < 9; i++) {
        uint64_t e = MSIX_TABLE_OFF + 16 * i;

        qpci_io_writel(t->dev, t->bar0, e, MSG_BASE + 16 * i);
        qpci_io_writel(t->dev, t->bar0, e + 4, 0);
        qpci_io_writel(t->dev, t->bar0, e + 8, 0xa000 + i);
        qpci_io_writel(t->dev, t->bar0, e + 12, 0);
    }
}

static void dsa_stop(DSATest *t)
{
    g_free(t->dev);
    qpci_free_pc(t->bus);
    qtest_quit(t->qts);
}

static uint32_t rd32(DSATest *t, uint64_t off)
{
    return qpci_io_readl(t->dev, t->bar0, off);
}

static uint64_t rd64(DSATest *t, uint64_t off)
{
    return qpci_io_readq(t->dev, t->bar0, off);
}

static void wr32(DSATest *t, uint64_t off, uint32_t val)
{
    qpci_io_writel(t->dev, t->bar0, off, val);
}

static void wr64(DSATest *t, uint64_t off, uint64_t val)
{
    qpci_io_writeq(t->dev, t->bar0, off, val);
}

/* Issue a command with an interrupt request, return the error code. */
static uint32_t dsa_cmd(DSATest *t, uint32_t cmd, uint32_t operand)
{
    uint32_t sts;

    wr32(t, R_CMD, (1u << 31) | (cmd << 20) | operand);
    sts = rd32(t, R_CMDSTS);
    g_assert_cmphex(sts & (1u << 31), ==, 0);
    return sts & 0xff;
}

static uint32_t mem32(DSATest *t, uint64_t addr)
{
    return qtest_readl(t->qts, addr);
}

static void clear_msgs(DSATest *t)
{
    g_autofree uint8_t *zero = g_malloc0(0x20000);

    qtest_memwrite(t->qts, MSG_BASE, zero, 0x20000);
}

static void set_wq(DSATest *t, int wq, uint32_t size, uint32_t dw2)
{
    uint64_t base = WQCFG_OFF + 32 * wq;

    wr32(t, base, size);
    wr32(t, base + 8, dw2);
    wr32(t, base + 12, 21 | (5 << 5));     /* 2 MiB transfers, batch 32 */
}

/* Group 0 = WQ 0 + engine 0, WQ 0 dedicated, size 16, priority 1. */
static void dsa_setup(DSATest *t, uint32_t wq_dw2_extra)
{
    wr64(t, GRPCFG_OFF, 1);
    wr64(t, GRPCFG_OFF + 0x20, 1);
    set_wq(t, 0, 16, 0x11 | wq_dw2_extra);
    wr32(t, R_GENCTRL, 3);
    g_assert_cmphex(dsa_cmd(t, CMD_ENABLE_DEVICE, 0), ==, 0);
    g_assert_cmphex(dsa_cmd(t, CMD_ENABLE_WQ, 0), ==, 0);
    clear_msgs(t);
}

static Desc mkdesc(uint8_t op, uint32_t flags, uint64_t src, uint64_t dst,
                   uint32_t size, uint16_t handle)
{
    Desc d = { { 0 } };

    stl_le_p(d.b + 4, flags | ((uint32_t)op << 24));
    stq_le_p(d.b + 8, CR_ADDR);
    stq_le_p(d.b + 16, src);
    stq_le_p(d.b + 24, dst);
    stl_le_p(d.b + 32, size);
    stw_le_p(d.b + 36, handle);
    return d;
}

/*
 * Submit through portal page @page of WQ 0.  @split: eight 8-byte stores
 * (as MOVDIR64B issues them); otherwise one 64-byte memory write.
 */
static void submit(DSATest *t, const Desc *d, int page, bool split)
{
    uint64_t off = page * 0x1000 + 0x40 * 3;
    int i;

    if (split) {
        for (i = 0; i < 8; i++) {
            qpci_io_writeq(t->dev, t->bar2, off + 8 * i,
                           ldq_le_p(d->b + 8 * i));
        }
    } else {
        qpci_memwrite(t->dev, t->bar2, off, d->b, 64);
    }
}

/* Clear the completion record, submit, wait for the status byte. */
static uint8_t run(DSATest *t, const Desc *d, int page, bool split)
{
    uint8_t zero[32] = { 0 };
    int i;

    qtest_memwrite(t->qts, CR_ADDR, zero, sizeof(zero));
    submit(t, d, page, split);
    for (i = 0; i < 1000; i++) {
        uint8_t st = qtest_readb(t->qts, CR_ADDR);

        if (st) {
            return st;
        }
        qtest_clock_step(t->qts, 1000);
    }
    return 0;
}

static uint32_t cr_bytes(DSATest *t)
{
    return qtest_readl(t->qts, CR_ADDR + 4);
}

static uint8_t cr_result(DSATest *t)
{
    return qtest_readb(t->qts, CR_ADDR + 1);
}

static void fill_mem(DSATest *t, uint64_t addr, size_t len, uint8_t seed)
{
    g_autofree uint8_t *buf = g_malloc(len);
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = seed + i * 7;
    }
    qtest_memwrite(t->qts, addr, buf, len);
}

static void qom_set_u32(DSATest *t, const char *prop, uint64_t val)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-set', 'arguments': "
                           "{'path': '/machine/peripheral/dsa0', "
                           "'property': %s, 'value': %" PRIu64 "}}",
                           prop, val);

    g_assert(!qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
}

static void qom_set_bool(DSATest *t, const char *prop, bool val)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-set', 'arguments': "
                           "{'path': '/machine/peripheral/dsa0', "
                           "'property': %s, 'value': %i}}", prop, val);

    g_assert(!qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
}

static uint64_t qom_get_u64(DSATest *t, const char *prop)
{
    QDict *rsp = qtest_qmp(t->qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': '/machine/peripheral/dsa0', "
                           "'property': %s}}", prop);
    uint64_t v = qdict_get_int(rsp, "return");

    qobject_unref(rsp);
    return v;
}

/* Tests */

static void test_identity(void)
{
    DSATest t;
    QPCIDevice *mch;
    uint64_t off;

    dsa_start(&t, NULL);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_VENDOR_ID), ==, 0x8086);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_DEVICE_ID), ==, 0x0b25);
    g_assert_cmphex(qpci_config_readw(t.dev, PCI_CLASS_DEVICE), ==, 0x0880);
    /* PASID extended capability at 0x100, read through ECAM */
    mch = qpci_device_find(t.bus, 0);
    qpci_config_writel(mch, 0x64, 0);
    qpci_config_writel(mch, 0x60, ECAM_BASE | 1);
    g_assert_cmphex(qtest_readl(t.qts, ECAM_BASE + (DSA_DEVFN << 12) + 0x100)
                    & 0xffff, ==, 0x1b);
    g_free(mch);
    /* MSI-X table size 9 (field holds size - 1) */
    g_assert_cmphex(qpci_config_readw(t.dev,
                    qpci_find_capability(t.dev, PCI_CAP_ID_MSIX, 0) +
                    PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE, ==, 8);

    g_assert_cmphex(rd32(&t, R_VERSION), ==, 0x100);
    g_assert_cmphex(rd64(&t, R_GENCAP), ==, 0x915f010fULL);
    g_assert_cmphex(rd64(&t, R_WQCAP), ==, 0x1a000000080080ULL);
    g_assert_cmphex(rd64(&t, R_GRPCAP) & 0xffff, ==, 0x6004);
    g_assert_cmphex(rd64(&t, R_ENGCAP), ==, 4);
    g_assert_cmphex(rd64(&t, R_OPCAP), ==, 0x1000303ffULL);
    off = rd64(&t, R_OFFSETS);
    g_assert_cmphex(off & 0xffff, ==, GRPCFG_OFF >> 8);
    g_assert_cmphex((off >> 16) & 0xffff, ==, WQCFG_OFF >> 8);
    g_assert_cmphex((off >> 32) & 0xffff, ==, PERM_OFF >> 8);
    g_assert_cmphex(off >> 48, ==, IMS_OFF >> 8);
    g_assert_cmphex(rd32(&t, R_GENSTS), ==, 0);
    /* IMS entries reset masked */
    g_assert_cmphex(rd32(&t, IMS_OFF + 12), ==, 1);
    g_assert_cmphex(rd32(&t, IMS_OFF + 2047 * 16 + 12), ==, 1);
    dsa_stop(&t);
}

static void test_readonly(void)
{
    DSATest t;

    dsa_start(&t, NULL);
    wr64(&t, R_GENCAP, 0);
    wr32(&t, R_VERSION, 0);
    wr64(&t, R_OPCAP, 0);
    g_assert_cmphex(rd64(&t, R_GENCAP), ==, 0x915f010fULL);
    g_assert_cmphex(rd32(&t, R_VERSION), ==, 0x100);
    g_assert_cmphex(rd64(&t, R_OPCAP), ==, 0x1000303ffULL);
    wr32(&t, R_GENSTS, 1);
    g_assert_cmphex(rd32(&t, R_GENSTS), ==, 0);
    /* WQCFG dword 6 (occupancy, state) and 7 are read-only */
    wr32(&t, WQCFG_OFF + 24, 0xffffffff);
    wr32(&t, WQCFG_OFF + 28, 0xffffffff);
    g_assert_cmphex(rd32(&t, WQCFG_OFF + 24), ==, 0);
    g_assert_cmphex(rd32(&t, WQCFG_OFF + 28), ==, 0);
    wr32(&t, WQCFG_OFF, 0xffffffff);
    g_assert_cmphex(rd32(&t, WQCFG_OFF), ==, 0xffff);
    /* GRPCFG: reserved qwords and reserved GRPFLAGS bits read as 0 */
    wr64(&t, GRPCFG_OFF + 0x28, ~0ULL);
    wr64(&t, GRPCFG_OFF + 0x30, ~0ULL);
    g_assert_cmphex(rd64(&t, GRPCFG_OFF + 0x28), ==, 0x330ff0ffbfULL);
    g_assert_cmphex(rd64(&t, GRPCFG_OFF + 0x30), ==, 0);
    /* IMS control keeps only mask, PASID enable and PASID */
    wr32(&t, IMS_OFF + 12, 0xffffffff);
    g_assert_cmphex(rd32(&t, IMS_OFF + 12), ==, 0xfffff009);
    /* MSI-X permission: ignore, PASID enable, PASID */
    wr32(&t, PERM_OFF + 8, 0xffffffff);
    g_assert_cmphex(rd32(&t, PERM_OFF + 8), ==, 0xfffff00c);
    dsa_stop(&t);
}

static void test_cmd_device(void)
{
    DSATest t;
    uint16_t cmd;

    dsa_start(&t, NULL);
    /* Group with a WQ but no engine */
    wr64(&t, GRPCFG_OFF, 1);
    set_wq(&t, 0, 16, 0x11);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_DEVICE, 0), ==, 0x15);
    /* Sum of WQ sizes beyond 128 */
    wr64(&t, GRPCFG_OFF + 0x20, 1);
    set_wq(&t, 1, 120, 0x11);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_DEVICE, 0), ==, 0x14);
    set_wq(&t, 1, 0, 0);
    /* WQ in two groups */
    wr64(&t, GRPCFG_OFF + 0x40, 1);
    wr64(&t, GRPCFG_OFF + 0x60, 2);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_DEVICE, 0), ==, 0x16);
    wr64(&t, GRPCFG_OFF + 0x40, 0);
    wr64(&t, GRPCFG_OFF + 0x60, 0);
    /* Bus master disabled */
    cmd = qpci_config_readw(t.dev, PCI_COMMAND);
    qpci_config_writew(t.dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_DEVICE, 0), ==, 0x12);
    qpci_config_writew(t.dev, PCI_COMMAND, cmd);
    /* Command completion interrupt on vector 0 */
    clear_msgs(&t);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_DEVICE, 0), ==, 0);
    g_assert_cmphex(rd32(&t, R_GENSTS) & 3, ==, 1);
    g_assert_cmphex(mem32(&t, MSG_BASE), ==, 0xa000);
    g_assert_cmphex(rd32(&t, R_INTCAUSE) & 2, ==, 2);
    wr32(&t, R_INTCAUSE, 2);
    g_assert_cmphex(rd32(&t, R_INTCAUSE) & 2, ==, 0);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_DEVICE, 0), ==, 0x10);
    g_assert_cmphex(dsa_cmd(&t, CMD_DISABLE_DEVICE, 0), ==, 0);
    g_assert_cmphex(dsa_cmd(&t, CMD_DISABLE_DEVICE, 0), ==, 0x31);
    g_assert_cmphex(dsa_cmd(&t, 0x1f, 0), ==, 0x01);
    g_assert_cmphex(dsa_cmd(&t, CMD_RESET_DEVICE, 0), ==, 0);
    g_assert_cmphex(rd64(&t, GRPCFG_OFF), ==, 0);
    g_assert_cmphex(rd32(&t, WQCFG_OFF), ==, 0);
    dsa_stop(&t);
}

static void test_cmd_wq(void)
{
    DSATest t;

    dsa_start(&t, NULL);
    wr64(&t, GRPCFG_OFF, 3);
    wr64(&t, GRPCFG_OFF + 0x20, 1);
    set_wq(&t, 0, 16, 0x11);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 0), ==, 0x20);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_DEVICE, 0), ==, 0);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 8), ==, 0x02);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 1), ==, 0x22);
    set_wq(&t, 1, 8, 0x01);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 1), ==, 0x23);
    set_wq(&t, 1, 8, 0x10);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 1), ==, 0x24);
    set_wq(&t, 2, 8, 0x11);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 2), ==, 0x16);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 0), ==, 0);
    g_assert_cmphex(rd32(&t, WQCFG_OFF + 24) >> 30, ==, 1);
    /* Config and group membership of an enabled WQ are locked */
    wr32(&t, WQCFG_OFF, 4);
    g_assert_cmphex(rd32(&t, WQCFG_OFF), ==, 16);
    wr64(&t, GRPCFG_OFF, 0);
    g_assert_cmphex(rd64(&t, GRPCFG_OFF), ==, 1);
    wr64(&t, GRPCFG_OFF, 3);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 0), ==, 0x21);
    g_assert_cmphex(dsa_cmd(&t, CMD_DRAIN_WQ, 1), ==, 0);
    g_assert_cmphex(dsa_cmd(&t, CMD_ABORT_WQ, 1), ==, 0);
    g_assert_cmphex(dsa_cmd(&t, CMD_DRAIN_WQ, 2), ==, 0x32);
    g_assert_cmphex(dsa_cmd(&t, CMD_DISABLE_WQ, 0x100), ==, 0x02);
    g_assert_cmphex(dsa_cmd(&t, CMD_DISABLE_WQ, 1), ==, 0);
    g_assert_cmphex(rd32(&t, WQCFG_OFF + 24) >> 30, ==, 0);
    g_assert_cmphex(dsa_cmd(&t, CMD_DISABLE_WQ, 1), ==, 0x32);
    g_assert_cmphex(dsa_cmd(&t, CMD_RESET_WQ, 1), ==, 0);
    g_assert_cmphex(rd32(&t, WQCFG_OFF), ==, 0);
    /* Interrupt handle commands are not advertised on DSA 1.0 */
    g_assert_cmphex(dsa_cmd(&t, 13, 1), ==, 0x01);
    dsa_stop(&t);
}

static void test_int_handles(void)
{
    DSATest t;

    dsa_start(&t, ",int-handles=on");
    g_assert_cmphex(rd64(&t, R_GENCAP) & 0x10, ==, 0x10);
    g_assert_cmphex(rd32(&t, 0xb0) & (3 << 13), ==, 3 << 13);
    g_assert_cmphex(dsa_cmd(&t, 13, 3), ==, 0);
    g_assert_cmphex((rd32(&t, R_CMDSTS) >> 8) & 0xffff, ==, 3);
    g_assert_cmphex(dsa_cmd(&t, 13, 0x10000 | 2047), ==, 0);
    g_assert_cmphex((rd32(&t, R_CMDSTS) >> 8) & 0xffff, ==, 2047);
    g_assert_cmphex(dsa_cmd(&t, 13, 0x10000 | 2048), ==, 0x41);
    g_assert_cmphex(dsa_cmd(&t, 13, 9), ==, 0x41);
    g_assert_cmphex(dsa_cmd(&t, 14, 3), ==, 0);
    dsa_stop(&t);
}

static void test_memmove(void)
{
    DSATest t;
    uint8_t a[4096], b[4096];
    Desc d;

    dsa_start(&t, NULL);
    dsa_setup(&t, 0);
    fill_mem(&t, SRC, sizeof(a), 3);
    d = mkdesc(OP_MEMMOVE, F_CRAV | F_RCR | F_RCI, SRC, DST, 4096, 1);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    qtest_memread(t.qts, SRC, a, sizeof(a));
    qtest_memread(t.qts, DST, b, sizeof(b));
    g_assert(!memcmp(a, b, sizeof(a)));
    /* Completion interrupt on MSI-X vector 1 only */
    g_assert_cmphex(mem32(&t, MSG_BASE + 16), ==, 0xa001);
    g_assert_cmphex(mem32(&t, MSG_BASE), ==, 0);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE), ==, 0);

    /* Single 64-byte write, unlimited portal; overlapping copy upwards */
    fill_mem(&t, SRC, 256, 9);
    qtest_memread(t.qts, SRC, a, 256);
    d = mkdesc(OP_MEMMOVE, F_CRAV | F_RCR, SRC, SRC + 16, 240, 0);
    g_assert_cmphex(run(&t, &d, 0, false), ==, 1);
    g_assert_cmphex(cr_result(&t), ==, 1);
    qtest_memread(t.qts, SRC + 16, b, 240);
    g_assert(!memcmp(a, b, 240));

    /* Transfer size beyond the WQ maximum (2 MiB) */
    d = mkdesc(OP_MEMMOVE, F_CRAV | F_RCR, SRC, DST, (2 << 20) + 1, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 0x13);
    /* Unimplemented opcode */
    d = mkdesc(0x12, F_CRAV | F_RCR, SRC, DST, 64, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 0x10);
    /* Page fault: destination outside RAM and MMIO holes */
    d = mkdesc(OP_MEMMOVE, F_CRAV | F_RCR, SRC, 0xfffffffffff000ULL,
               64, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 0x83);
    g_assert_cmphex(qtest_readq(t.qts, CR_ADDR + 8), ==, 0xfffffffffff000ULL);
    dsa_stop(&t);
}

static void test_ops(void)
{
    static const char crc_in[] = "123456789";
    DSATest t;
    uint8_t a[512], b[512];
    uint64_t pat = 0x0123456789abcdefULL;
    Desc d, sub[3];
    int i;

    dsa_start(&t, NULL);
    dsa_setup(&t, 0);

    d = mkdesc(OP_NOOP, F_CRAV | F_RCR, 0, 0, 0, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    d = mkdesc(OP_DRAIN, F_CRAV | F_RCR, 0, 0, 0, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    d = mkdesc(OP_CFLUSH, F_CRAV | F_RCR, 0, DST, 64, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);

    /* FILL */
    d = mkdesc(OP_FILL, F_CRAV | F_RCR, pat, DST + 3, 100, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    qtest_memread(t.qts, DST + 3, a, 100);
    for (i = 0; i < 100; i++) {
        g_assert_cmphex(a[i], ==, (uint8_t)(pat >> ((i % 8) * 8)));
    }

    /* COMPARE equal, then different at byte 77 */
    fill_mem(&t, SRC, 512, 1);
    fill_mem(&t, DST, 512, 1);
    d = mkdesc(OP_COMPARE, F_CRAV | F_RCR, SRC, DST, 512, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(cr_result(&t), ==, 0);
    qtest_writeb(t.qts, DST + 77, 0xee);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(cr_result(&t), ==, 1);
    g_assert_cmphex(cr_bytes(&t), ==, 77);
    /* Check-result flag: expected 0, got 1 => success, false predicate */
    d = mkdesc(OP_COMPARE, F_CRAV | F_RCR | F_CR, SRC, DST, 512, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 2);

    /* COMPARE PATTERN */
    d = mkdesc(OP_FILL, F_CRAV | F_RCR, pat, DST, 64, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    d = mkdesc(OP_COMPVAL, F_CRAV | F_RCR, DST, pat, 64, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(cr_result(&t), ==, 0);
    d = mkdesc(OP_COMPVAL, F_CRAV | F_RCR, DST, pat ^ (1ULL << 40), 64, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(cr_result(&t), ==, 1);
    g_assert_cmphex(cr_bytes(&t), ==, 5);

    /* DUALCAST */
    fill_mem(&t, SRC, 300, 5);
    d = mkdesc(OP_DUALCAST, F_CRAV | F_RCR, SRC, DST, 300, 0);
    stq_le_p(d.b + 40, DST2);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    qtest_memread(t.qts, SRC, a, 300);
    qtest_memread(t.qts, DST2, b, 300);
    g_assert(!memcmp(a, b, 300));
    qtest_memread(t.qts, DST, b, 300);
    g_assert(!memcmp(a, b, 300));
    stq_le_p(d.b + 40, DST2 + 8);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 0x17);

    /* CRC-32C check value of "123456789" is 0xe3069283 */
    qtest_memwrite(t.qts, SRC, crc_in, 9);
    d = mkdesc(OP_CRCGEN, F_CRAV | F_RCR, SRC, 0, 9, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(qtest_readl(t.qts, CR_ADDR + 16), ==, 0xe3069283);
    d = mkdesc(OP_COPY_CRC, F_CRAV | F_RCR, SRC, DST, 9, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(qtest_readl(t.qts, CR_ADDR + 16), ==, 0xe3069283);
    qtest_memread(t.qts, DST, a, 9);
    g_assert(!memcmp(a, crc_in, 9));

    /* CREATE DELTA then APPLY DELTA reproduces src2 */
    fill_mem(&t, SRC, 256, 1);
    fill_mem(&t, DST, 256, 1);
    qtest_writeb(t.qts, DST + 8, 0x55);
    qtest_writeb(t.qts, DST + 200, 0x66);
    d = mkdesc(OP_CR_DELTA, F_CRAV | F_RCR, SRC, DST, 256, 0);
    stq_le_p(d.b + 40, DELTA);
    stl_le_p(d.b + 48, 80);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(cr_result(&t), ==, 1);
    g_assert_cmphex(qtest_readl(t.qts, CR_ADDR + 16), ==, 20);
    g_assert_cmphex(qtest_readw(t.qts, DELTA), ==, 1);
    g_assert_cmphex(qtest_readw(t.qts, DELTA + 10), ==, 25);
    /* check result: bit n of the mask in byte 56 accepts result n */
    d = mkdesc(OP_CR_DELTA, F_CRAV | F_RCR | F_CR, SRC, DST, 256, 0);
    stq_le_p(d.b + 40, DELTA);
    stl_le_p(d.b + 48, 80);
    d.b[56] = 0x2;
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    d.b[56] = 0x5;
    g_assert_cmphex(run(&t, &d, 1, true), ==, 2);
    g_assert_cmphex(cr_result(&t), ==, 1);
    d = mkdesc(OP_AP_DELTA, F_CRAV | F_RCR, DELTA, SRC, 256, 0);
    stl_le_p(d.b + 40, 20);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    qtest_memread(t.qts, SRC, a, 256);
    qtest_memread(t.qts, DST, b, 256);
    g_assert(!memcmp(a, b, 256));

    /* BATCH: two good sub-descriptors and one bad opcode */
    for (i = 0; i < 3; i++) {
        sub[i] = mkdesc(OP_FILL, F_CRAV | F_RCR,
                        0x1111111111111111ULL * (i + 1), DST + 64 * i, 64, 0);
        stq_le_p(sub[i].b + 8, CR_ADDR + 0x100 + 32 * i);
    }
    qtest_memwrite(t.qts, LIST, sub, sizeof(sub));
    d = mkdesc(OP_BATCH, F_CRAV | F_RCR, LIST, 0, 3, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(cr_bytes(&t), ==, 3);
    g_assert_cmphex(qtest_readb(t.qts, CR_ADDR + 0x140), ==, 1);
    g_assert_cmphex(qtest_readq(t.qts, DST + 128), ==, 0x3333333333333333ULL);
    sub[1].b[7] = 0x7f;
    qtest_memwrite(t.qts, LIST, sub, sizeof(sub));
    g_assert_cmphex(run(&t, &d, 1, true), ==, 5);
    g_assert_cmphex(qtest_readb(t.qts, CR_ADDR + 0x120), ==, 0x10);
    /* Descriptor count out of range */
    d = mkdesc(OP_BATCH, F_CRAV | F_RCR, LIST, 0, 1, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 0x14);
    dsa_stop(&t);
}

static void ims_program(DSATest *t, int idx, uint32_t ctrl)
{
    uint64_t e = IMS_OFF + 16 * idx;

    wr32(t, e, IMS_MSG_BASE + 16 * idx);
    wr32(t, e + 4, 0);
    wr32(t, e + 8, 0xb000 + idx);
    wr32(t, e + 12, ctrl);
}

static void test_ims_deliver(void)
{
    DSATest t;
    Desc d;

    dsa_start(&t, NULL);
    dsa_setup(&t, 0);
    ims_program(&t, 5, 0);
    d = mkdesc(OP_NOOP, F_CRAV | F_RCR | F_RCI, 0, 0, 0, 5);
    /* Limited IMS portal page (+0x3000) */
    g_assert_cmphex(run(&t, &d, 3, true), ==, 1);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE + 16 * 5), ==, 0xb005);
    g_assert_cmphex(mem32(&t, MSG_BASE + 16 * 5), ==, 0);
    /* Unlimited IMS portal page (+0x2000), entry 2047 */
    ims_program(&t, 2047, 0);
    d = mkdesc(OP_NOOP, F_CRAV | F_RCR | F_RCI, 0, 0, 0, 2047);
    g_assert_cmphex(run(&t, &d, 2, false), ==, 1);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE + 16 * 2047), ==, 0xb000 + 2047);
    /* Out-of-range IMS handle */
    d = mkdesc(OP_NOOP, F_CRAV | F_RCR | F_RCI, 0, 0, 0, 2048);
    g_assert_cmphex(run(&t, &d, 3, true), ==, 0x19);
    dsa_stop(&t);
}

static void test_ims_mask(void)
{
    DSATest t;
    Desc d;

    dsa_start(&t, NULL);
    dsa_setup(&t, 0);
    ims_program(&t, 7, 1);
    d = mkdesc(OP_NOOP, F_CRAV | F_RCR | F_RCI, 0, 0, 0, 7);
    g_assert_cmphex(run(&t, &d, 3, true), ==, 1);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE + 16 * 7), ==, 0);
    /* A second completion while masked stays a single pending message */
    g_assert_cmphex(run(&t, &d, 3, true), ==, 1);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE + 16 * 7), ==, 0);
    wr32(&t, IMS_OFF + 16 * 7 + 12, 0);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE + 16 * 7), ==, 0xb007);
    /* Delivered once: mask/unmask again does not redeliver */
    clear_msgs(&t);
    wr32(&t, IMS_OFF + 16 * 7 + 12, 1);
    wr32(&t, IMS_OFF + 16 * 7 + 12, 0);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE + 16 * 7), ==, 0);
    dsa_stop(&t);
}

static void test_ims_pasid(void)
{
    DSATest t;
    Desc d;
    uint64_t swerr;

    dsa_start(&t, NULL);
    dsa_setup(&t, 0);
    /* Entry requires PASID 0x42, WQ has no PASID: refused */
    ims_program(&t, 9, (0x42 << 12) | 8);
    d = mkdesc(OP_MEMMOVE, F_CRAV | F_RCR | F_RCI, SRC, DST, 64, 9);
    g_assert_cmphex(run(&t, &d, 3, true), ==, 0x19);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE + 16 * 9), ==, 0);
    swerr = rd64(&t, R_SWERR);
    g_assert_cmphex(swerr & 1, ==, 1);
    g_assert_cmphex((swerr >> 8) & 0xff, ==, 0x19);
    g_assert_cmphex((swerr >> 32) & 0xff, ==, OP_MEMMOVE);
    g_assert_cmphex(rd32(&t, R_INTCAUSE) & 1, ==, 1);
    g_assert_cmphex(mem32(&t, MSG_BASE), ==, 0xa000);
    /* A second error sets overflow; W1C clears the record */
    g_assert_cmphex(run(&t, &d, 3, true), ==, 0x19);
    g_assert_cmphex(rd64(&t, R_SWERR) & 3, ==, 3);
    wr64(&t, R_SWERR, 3);
    g_assert_cmphex(rd64(&t, R_SWERR), ==, 0);
    dsa_stop(&t);

    /* WQ with PASID 0x42: same entry now delivers */
    dsa_start(&t, NULL);
    dsa_setup(&t, (1u << 28) | (0x42 << 8));
    ims_program(&t, 9, (0x42 << 12) | 8);
    d = mkdesc(OP_NOOP, F_CRAV | F_RCR | F_RCI, 0, 0, 0, 9);
    g_assert_cmphex(run(&t, &d, 3, true), ==, 1);
    g_assert_cmphex(mem32(&t, IMS_MSG_BASE + 16 * 9), ==, 0xb009);
    /* PASID-less entry now mismatches the PASID-enabled WQ */
    ims_program(&t, 10, 0);
    d = mkdesc(OP_NOOP, F_CRAV | F_RCR | F_RCI, 0, 0, 0, 10);
    g_assert_cmphex(run(&t, &d, 3, true), ==, 0x19);
    dsa_stop(&t);
}

static void test_wq_size(void)
{
    DSATest t;
    Desc d;
    int i;

    dsa_start(&t, NULL);
    dsa_setup(&t, 0);
    qom_set_u32(&t, "delay-us", 1000000);
    d = mkdesc(OP_NOOP, F_CRAV | F_RCR, 0, 0, 0, 0);
    for (i = 0; i < 17; i++) {
        submit(&t, &d, 1, true);
    }
    g_assert_cmphex(rd32(&t, WQCFG_OFF + 24) & 0xffff, ==, 16);
    g_assert_cmphex(qom_get_u64(&t, "dropped-descs"), ==, 1);
    g_assert_cmphex(qtest_readb(t.qts, CR_ADDR), ==, 0);
    /* Drain completes everything queued */
    g_assert_cmphex(dsa_cmd(&t, CMD_DRAIN_WQ, 1), ==, 0);
    g_assert_cmphex(rd32(&t, WQCFG_OFF + 24) & 0xffff, ==, 0);
    g_assert_cmphex(qtest_readb(t.qts, CR_ADDR), ==, 1);
    dsa_stop(&t);
}

static void test_faults(void)
{
    DSATest t;
    Desc d;

    dsa_start(&t, NULL);
    dsa_setup(&t, 0);
    /* Fail the next two descriptors with status 0x20 */
    qom_set_u32(&t, "fail-status", 0x20);
    qom_set_u32(&t, "fail-count", 2);
    d = mkdesc(OP_NOOP, F_CRAV | F_RCR | F_RCI, 0, 0, 0, 1);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 0x20);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 0x20);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    /* Drop one completion interrupt */
    qom_set_u32(&t, "drop-irqs", 1);
    clear_msgs(&t);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(mem32(&t, MSG_BASE + 16), ==, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    g_assert_cmphex(mem32(&t, MSG_BASE + 16), ==, 0xa001);
    /* Delayed completion: nothing until virtual time passes */
    qom_set_u32(&t, "delay-us", 500);
    qtest_writeb(t.qts, CR_ADDR, 0);
    submit(&t, &d, 1, true);
    g_assert_cmphex(qtest_readb(t.qts, CR_ADDR), ==, 0);
    qtest_clock_step(t.qts, 600 * 1000);
    g_assert_cmphex(qtest_readb(t.qts, CR_ADDR), ==, 1);
    qom_set_u32(&t, "delay-us", 0);
    /* Halt: state 3, halt cause + vector 0, commands fail until reset */
    clear_msgs(&t);
    qom_set_bool(&t, "halt", true);
    g_assert_cmphex(rd32(&t, R_GENSTS) & 3, ==, 3);
    g_assert_cmphex(rd32(&t, R_INTCAUSE) & 0x10, ==, 0x10);
    g_assert_cmphex(mem32(&t, MSG_BASE), ==, 0xa000);
    g_assert_cmphex(dsa_cmd(&t, CMD_ENABLE_WQ, 0), ==, 0x03);
    qtest_writeb(t.qts, CR_ADDR, 0);
    submit(&t, &d, 1, true);
    g_assert_cmphex(qtest_readb(t.qts, CR_ADDR), ==, 0);
    g_assert_cmphex(dsa_cmd(&t, CMD_RESET_DEVICE, 0), ==, 0);
    g_assert_cmphex(rd32(&t, R_GENSTS) & 3, ==, 0);
    dsa_setup(&t, 0);
    g_assert_cmphex(run(&t, &d, 1, true), ==, 1);
    dsa_stop(&t);
}

static void test_evl(void)
{
    DSATest t;
    Desc d;

    /* Without the log: capability clear, registers absent */
    dsa_start(&t, ",evl=off");
    g_assert_cmphex(rd64(&t, R_GENCAP), ==, 0x915f010fULL);
    wr64(&t, 0xe0, EVL_BASE);
    g_assert_cmphex(rd64(&t, 0xe0), ==, 0);
    wr32(&t, 0x80, 1u << 13);
    g_assert_cmphex(rd32(&t, 0x80), ==, 0);
    dsa_stop(&t);

    dsa_start(&t, ",evl=on");
    g_assert_cmphex((rd64(&t, R_GENCAP) >> 13) & 3, ==, 1);
    /* 64-entry log at EVL_BASE, enabled with its interrupt */
    wr64(&t, 0xe0, EVL_BASE | 0x5);
    wr64(&t, 0xe8, 64);
    g_assert_cmphex(rd64(&t, 0xe0), ==, EVL_BASE | 0x1);
    wr32(&t, 0x80, 1u << 13);
    dsa_setup(&t, 0);
    wr32(&t, R_GENCTRL, 7);
    /* EVLCFG is locked while the log is enabled */
    wr64(&t, 0xe8, 128);
    g_assert_cmphex(rd64(&t, 0xe8), ==, 64);
    /* A failing descriptor without completion record is logged */
    d = mkdesc(0x7f, 0, 0, 0, 0, 0);
    submit(&t, &d, 1, true);
    g_assert_cmphex(rd32(&t, 0xf4) & 0xffff, ==, 1);
    g_assert_cmphex(rd32(&t, 0xf4) >> 30, ==, 1);
    g_assert_cmphex((qtest_readq(t.qts, EVL_BASE) >> 8) & 0xff, ==, 0x10);
    g_assert_cmphex((qtest_readq(t.qts, EVL_BASE) >> 32) & 0xff, ==, 0x7f);
    g_assert_cmphex(qtest_readb(t.qts, EVL_BASE + 32), ==, 0x10);
    g_assert_cmphex(rd32(&t, R_INTCAUSE) & 0x20, ==, 0x20);
    g_assert_cmphex(mem32(&t, MSG_BASE), ==, 0xa000);
    g_assert_cmphex(rd64(&t, R_SWERR), ==, 0);
    /* Software consumes the entry and clears the pending bit */
    wr32(&t, 0xf0, 1);
    wr32(&t, 0xf4, 1u << 30);
    g_assert_cmphex(rd64(&t, 0xf0), ==, (1ULL << 32) | 1);
    dsa_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* Report every failing check, not only the first one */
    g_test_set_nonfatal_assertions();

    qtest_add_func("/intel-dsa/identity", test_identity);
    qtest_add_func("/intel-dsa/readonly", test_readonly);
    qtest_add_func("/intel-dsa/cmd/device", test_cmd_device);
    qtest_add_func("/intel-dsa/cmd/wq", test_cmd_wq);
    qtest_add_func("/intel-dsa/cmd/int-handles", test_int_handles);
    qtest_add_func("/intel-dsa/op/memmove", test_memmove);
    qtest_add_func("/intel-dsa/op/others", test_ops);
    qtest_add_func("/intel-dsa/ims/deliver", test_ims_deliver);
    qtest_add_func("/intel-dsa/ims/mask", test_ims_mask);
    qtest_add_func("/intel-dsa/ims/pasid", test_ims_pasid);
    qtest_add_func("/intel-dsa/wq-size", test_wq_size);
    qtest_add_func("/intel-dsa/faults", test_faults);
    qtest_add_func("/intel-dsa/evl", test_evl);
    return g_test_run();
}
