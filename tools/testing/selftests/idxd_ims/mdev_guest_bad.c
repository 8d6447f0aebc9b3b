// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: scenarios of bad input: every kind of bad descriptor,
 * portal write, command, register access and ioctl is refused or
 * reported as the interface contract says, and the device works after.
 *
 *   bad        error paths: bad handle, IOVAs outside the mappings, bad
 *              sizes and opcodes, portal errors and SWERR, pieces of a
 *              descriptor in any order and a line left incomplete (SWERR
 *              0x43), commands, bad SET_IRQS arguments, read-only
 *              registers, reset
 *   storm N    N bad descriptors back to back, then a good one
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "kselftest.h"

#include "mdev_guest.h"

/* --- bad --- */

static void bad_handles(struct guest *g)
{
	static const __u16 handles[] = { 0, 2, 0xffff };
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;
	char what[64];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "int handle %#x", handles[i]);
		desc_init(&d, DSA_OPCODE_NOOP, 0, 0, true);
		d.int_handle = handles[i];
		r = run_poll(g, &d, what);
		expect_status(r, DSA_COMP_INT_HANDLE_INVAL, what);
		expect_quiet(g, VEC_WQ, what);
	}
}

/*
 * bad_iova: memmove with one range outside the mappings. A destination
 * that starts inside the mapping is written up to the first unmapped page,
 * like the device does: written bytes, reported in bytes_completed, with
 * fault_addr the first address not written.
 */
static void bad_iova(struct guest *g, __u64 src, __u64 dst, __u32 len,
		     bool dst_faults, __u32 written, const char *what)
{
	__u8 want = DSA_COMP_PAGE_FAULT_NOBOF |
		    (dst_faults ? DSA_COMP_STATUS_WRITE : 0);
	__u64 want_addr = (dst_faults ? dst : src) + written;
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;
	unsigned int i;

	memset(g->mem + DST_OFF, 0xdb, MAX_XFER);
	fill_pattern(g->mem + SRC_OFF, MAX_XFER, g->seed + 5);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, len, true);
	d.src_addr = src;
	d.dst_addr = dst;
	r = run_irq(g, &d, what);
	expect_status(r, want, what);
	if (r->fault_addr != want_addr)
		fail("%s: fault_addr %#llx, expected %#llx", what,
		     (unsigned long long)r->fault_addr,
		     (unsigned long long)want_addr);
	if (r->bytes_completed != written)
		fail("%s: bytes_completed %u, expected %u", what,
		     r->bytes_completed, written);
	if (written && memcmp(g->mem + (dst - IOVA_BASE),
			      g->mem + (src - IOVA_BASE), written))
		fail("%s: the %u bytes written differ from the source", what,
		     written);
	if (dst == iova_of(DST_OFF)) {
		for (i = 0; i < MAX_XFER; i++) {
			if (g->mem[DST_OFF + i] != 0xdb) {
				fail("%s: destination byte %u written", what, i);
				break;
			}
		}
	}
}

static void bad_ranges(struct guest *g)
{
	__u64 end = IOVA_BASE + MEM_SIZE;

	bad_iova(g, IOVA_ABOVE, iova_of(DST_OFF), 4096, false, 0, "src above");
	bad_iova(g, IOVA_BELOW, iova_of(DST_OFF), 4096, false, 0, "src below");
	bad_iova(g, end - 100, iova_of(DST_OFF), 4096, false, 0,
		 "src straddling the end of the mapping");
	bad_iova(g, iova_of(SRC_OFF), IOVA_ABOVE, 4096, true, 0, "dst above");
	bad_iova(g, iova_of(SRC_OFF), IOVA_BASE - 100, 4096, true, 0,
		 "dst straddling the start of the mapping");
	bad_iova(g, iova_of(SRC_OFF), end - 4096 - 100, 8192, true, 4096 + 100,
		 "dst straddling the end of the mapping");
}

static void bad_sizes_opcodes(struct guest *g)
{
	static const unsigned int opcodes[] = {
		DSA_OPCODE_BATCH, DSA_OPCODE_DRAIN, DSA_OPCODE_CR_DELTA,
		DSA_OPCODE_DUALCAST, DSA_OPCODE_COPY_CRC, DSA_OPCODE_CFLUSH, 0xff,
	};
	struct dsa_hw_desc d;
	char what[64];
	unsigned int i;

	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, 0, true);
	d.src_addr = iova_of(SRC_OFF);
	d.dst_addr = iova_of(DST_OFF);
	expect_status(run_irq(g, &d, "xfer_size 0"), DSA_COMP_XFER_ERANGE,
		      "xfer_size 0");
	d.xfer_size = MAX_XFER + 1;
	expect_status(run_irq(g, &d, "xfer_size 64 KiB + 1"),
		      DSA_COMP_XFER_ERANGE, "xfer_size 64 KiB + 1");
	desc_init(&d, DSA_OPCODE_MEMFILL, 0, 1 << 20, true);
	d.dst_addr = iova_of(DST_OFF);
	expect_status(run_irq(g, &d, "fill 1 MiB"), DSA_COMP_XFER_ERANGE,
		      "fill 1 MiB");

	for (i = 0; i < ARRAY_SIZE(opcodes); i++) {
		snprintf(what, sizeof(what), "opcode %#x", opcodes[i]);
		desc_init(&d, opcodes[i], 0, 64, true);
		d.src_addr = iova_of(SRC_OFF);
		d.dst_addr = iova_of(DST_OFF);
		expect_status(run_irq(g, &d, what), DSA_COMP_BAD_OPCODE, what);
	}

	/* flags the mediation cannot honour are refused, not dropped */
	desc_init(&d, DSA_OPCODE_CRCGEN, 0, 64, true);
	d.src_addr = iova_of(SRC_OFF);
	d.flags |= 1U << 16;
	expect_status(run_irq(g, &d, "CRC with an operation-specific flag"),
		      DSA_COMP_INVALID_FLAGS, "CRC with an operation-specific flag");
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, 64, true);
	d.src_addr = iova_of(SRC_OFF);
	d.dst_addr = iova_of(DST_OFF);
	d.flags |= IDXD_OP_FLAG_CR;
	expect_status(run_irq(g, &d, "memmove with check result"),
		      DSA_COMP_INVALID_FLAGS, "memmove with check result");
}

/* expect_swerr: SWERR valid with the given code; clears it */
static void expect_swerr(struct guest *g, unsigned int code, const char *what)
{
	__u64 sw = bar0_read64(g, R_SWERR);

	if (!(sw & SWERR_VALID))
		fail("%s: SWERR not valid (%#llx)", what, (unsigned long long)sw);
	else if (code && ((sw >> 8) & 0xff) != code)
		fail("%s: SWERR error code %#llx, expected %#x", what,
		     (unsigned long long)(sw >> 8) & 0xff, code);
	clear_swerr(g);
	sw = bar0_read64(g, R_SWERR);
	if (sw & (SWERR_VALID | SWERR_OVERFLOW))
		fail("%s: SWERR %#llx after writing 1s to clear it", what,
		     (unsigned long long)sw);
}

/*
 * expect_swerr_addr: the fault address of a software error is in the third
 * quadword of SWERR (the second has the batch index and invalid flags)
 */
static void expect_swerr_addr(struct guest *g, __u64 addr, const char *what)
{
	char name[128];

	snprintf(name, sizeof(name), "%s: SWERR quadword 1", what);
	expect_eq(name, bar0_read64(g, R_SWERR + 8), 0);
	snprintf(name, sizeof(name), "%s: SWERR fault address (quadword 2)",
		 what);
	expect_eq(name, bar0_read64(g, R_SWERR + 16), addr);
}

/*
 * expect_portal_error: a portal write that must fail with err and record a
 * software error, signalled on vector 0 when irq (GENCTRL bit 0 set).
 */
void expect_portal_error(struct guest *g, unsigned int off,
			 const struct dsa_hw_desc *d, int err, bool irq,
			 const char *what)
{
	int ret = portal_write(g, off, d);

	if (ret != err)
		fail("%s: portal write at %#x: %s, expected %s", what, off,
		     errstr(ret), strerror(-err));
	if (irq)
		expect_signal(g, VEC_ERR, what);
	else
		expect_quiet(g, VEC_ERR, what);
	if (!(bar0_read32(g, R_INTCAUSE) & INTC_SWERR))
		fail("%s: INTCAUSE.SWERR not set", what);
	expect_swerr(g, 0, what);
	expect_eq("INTCAUSE.SWERR after W1C",
		  bar0_read32(g, R_INTCAUSE) & INTC_SWERR, 0);
}

/* write_piece: bytes 8k..8k+7 of d to the line at BAR2 offset off */
static int write_piece(struct guest *g, unsigned int off,
		       const struct dsa_hw_desc *d, unsigned int k)
{
	return region_rw(g, &g->bar2, true, off + k * 8, (char *)d + k * 8, 8);
}

static void bad_portal(struct guest *g)
{
	struct dsa_hw_desc d;
	unsigned int k;
	int ret;

	clear_swerr(g);
	drain_vector(g, VEC_ERR);
	desc_init(&d, DSA_OPCODE_NOOP, 0, 0, true);

	/* IMS portal page, with the software error interrupt enabled */
	bar0_write32(g, R_GENCTRL, GENCTRL_SWERR_INT);
	expect_eq("GENCTRL read back", bar0_read32(g, R_GENCTRL) & 3,
		  GENCTRL_SWERR_INT);
	expect_portal_error(g, PORTAL_IMS, &d, -EINVAL, true, "IMS portal");
	expect_portal_error(g, BAR2_SIZE - 64, &d, -EINVAL, true,
			    "last IMS portal");

	/* the same without the interrupt: recorded, not signalled */
	bar0_write32(g, R_GENCTRL, 0);
	expect_portal_error(g, PORTAL_IMS, &d, -EINVAL, false,
			    "IMS portal, GENCTRL 0");

	/* WQ disabled */
	expect_cmd(g, CMD_DISABLE_WQ, 1, 0, "disable WQ 0");
	expect_eq("WQCFG state after disable WQ", wq_state(g), 0);
	bar0_write32(g, R_GENCTRL, GENCTRL_SWERR_INT);
	expect_portal_error(g, 0, &d, -EIO, true, "WQ disabled");
	expect_portal_error(g, PORTAL_LIMITED, &d, -EIO, true,
			    "limited portal, WQ disabled");
	bar0_write32(g, R_GENCTRL, 0);
	expect_cmd(g, CMD_ENABLE_WQ, 0, 0, "re-enable WQ 0");

	/* the limited portal takes descriptors too */
	d.flags &= ~IDXD_OP_FLAG_RCI;
	memset(record(g, 0), 0, REC_SIZE);
	ret = portal_write(g, PORTAL_LIMITED, &d);
	if (ret)
		fail("limited portal write: %s", strerror(-ret));
	else if (wait_record(g, record(g, 0)) != DSA_COMP_SUCCESS)
		fail("limited portal noop: status %#x", record(g, 0)->status);

	/* 8-byte pieces in any order: the first quadword last, as TCG's
	 * MOVDIR64B writes them
	 */
	memset(record(g, 0), 0, REC_SIZE);
	ret = 0;
	for (k = 1; k <= 8; k++)
		ret = ret ?: write_piece(g, 2 * 64, &d, k % 8);
	if (ret) {
		fail("pieces, first quadword last: %s", strerror(-ret));
	} else {
		portal_accepted++;	/* one descriptor delivered */
		if (wait_record(g, record(g, 0)) != DSA_COMP_SUCCESS)
			fail("pieces, first quadword last: status %#x",
			     record(g, 0)->status);
	}

	/* a line left incomplete: the next descriptor over it refuses it */
	clear_swerr(g);
	memset(record(g, 0), 0, REC_SIZE);
	for (k = 0; k < 7 && !ret; k++)
		ret = write_piece(g, 3 * 64, &d, k);
	for (k = 0; k < 8 && !ret; k++)
		ret = write_piece(g, 3 * 64, &d, k);
	if (ret) {
		fail("pieces over an incomplete line: %s", strerror(-ret));
	} else {
		portal_accepted++;	/* the second descriptor was delivered */
		if (wait_record(g, record(g, 0)) != DSA_COMP_SUCCESS)
			fail("pieces over an incomplete line: status %#x",
			     record(g, 0)->status);
	}
	expect_swerr(g, SWERR_PARTIAL_WRITE, "a line left incomplete");

	/* a misaligned completion record address: SWERR, no record */
	memset(record(g, 0), 0, 2 * REC_SIZE);
	d.completion_addr = record_iova(0) + 8;
	ret = portal_write(g, 0, &d);
	if (ret)
		fail("misaligned record: portal write: %s", strerror(-ret));
	usleep(QUIET_MS * 1000);
	expect_swerr_addr(g, record_iova(0) + 8, "misaligned completion record");
	expect_swerr(g, DSA_COMP_CRA_ALIGN, "misaligned completion record");
	if (record(g, 0)->status || g->mem[REC_OFF + 8])
		fail("misaligned completion record: a record was written");
}

static void bad_commands(struct guest *g)
{
	expect_cmd(g, 0x1f, 0, 0x01, "unknown command");
	expect_cmd(g, CMD_ENABLE_DEV, 0, 0x10, "enable an enabled device");
	expect_cmd(g, CMD_ENABLE_WQ, 0, 0x21, "enable an enabled WQ");
	expect_cmd(g, CMD_ENABLE_WQ, 1, 0x02, "enable WQ 1");
	expect_cmd(g, CMD_DISABLE_WQ, 2, 0x02, "disable WQ mask 0x2");
	expect_cmd(g, CMD_DRAIN_WQ, 1, 0, "drain WQ 0");
	expect_cmd(g, CMD_DRAIN_ALL, 0, 0, "drain all");

	/* command completion interrupt */
	drain_vector(g, VEC_ERR);
	if (dev_cmd(g, CMD_DRAIN_WQ, 1, true))
		fail("drain WQ with interrupt request: CMDSTS error");
	expect_signal(g, VEC_ERR, "command completion interrupt");
	if (!(bar0_read32(g, R_INTCAUSE) & INTC_CMD))
		fail("command completion: INTCAUSE.CMD not set");
	bar0_write32(g, R_INTCAUSE, INTC_CMD);
	expect_eq("INTCAUSE.CMD after W1C", bar0_read32(g, R_INTCAUSE) & INTC_CMD, 0);

	expect_cmd(g, CMD_DISABLE_DEV, 0, 0, "disable device");
	expect_eq("GENSTS after disable", gensts(g), 0);
	expect_eq("WQCFG state after disable device", wq_state(g), 0);
	expect_cmd(g, CMD_DISABLE_DEV, 0, 0x31, "disable a disabled device");
	expect_cmd(g, CMD_ENABLE_WQ, 0, 0x20, "enable WQ, device disabled");
	set_bus_master(g, false);
	expect_cmd(g, CMD_ENABLE_DEV, 0, 0x12, "enable device without bus master");
	expect_eq("GENSTS after refused enable", gensts(g), 0);
	enable_device(g);
}

static void bad_set_irqs(struct guest *g)
{
	char buf[sizeof(struct vfio_irq_set) + 4 * sizeof(__s32)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	int devnull = open("/dev/null", O_RDWR);
	__s32 fds[NR_VECS] = { g->efd[0], devnull };
	struct {
		const char *what;
		__u32 flags, index, start, count;
		const __s32 *fds;
	} cases[] = {
		{ "INTx trigger", VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		  VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL },
		{ "MSI eventfd", VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		  VFIO_PCI_MSI_IRQ_INDEX, 0, 1, g->efd },
		{ "index out of range", VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		  VFIO_PCI_NUM_IRQS + 3, 0, 1, NULL },
		{ "MSI-X start 1 count 2", VFIO_IRQ_SET_DATA_EVENTFD |
		  VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 1, 2, g->efd },
		{ "MSI-X start 2", VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		  VFIO_PCI_MSIX_IRQ_INDEX, 2, 1, NULL },
		{ "two data types", VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_EVENTFD |
		  VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, g->efd },
		{ "two actions", VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK |
		  VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 1, 1, NULL },
		{ "not an eventfd", VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		  VFIO_PCI_MSIX_IRQ_INDEX, 0, 2, fds },
		{ "unknown flag", VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER |
		  0x100, VFIO_PCI_MSIX_IRQ_INDEX, 1, 1, NULL },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ret = set_irqs(g, cases[i].flags, cases[i].index, cases[i].start,
			       cases[i].count, cases[i].fds);
		if (ret != -EINVAL)
			fail("SET_IRQS %s: %s, expected EINVAL", cases[i].what,
			     errstr(ret));
	}

	/* argsz too small for the eventfds it announces */
	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(*set) + sizeof(__s32);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->count = 2;
	if (ioctl(g->device, VFIO_DEVICE_SET_IRQS, set) == 0 || errno != EINVAL)
		fail("SET_IRQS with a short argsz: not EINVAL");
	close(devnull);

	/* nothing changed: both eventfds still attached */
	drain_vector(g, VEC_ERR);
	drain_vector(g, VEC_WQ);
	trigger_vector(g, VEC_ERR);
	expect_signal(g, VEC_ERR, "vector 0 after bad SET_IRQS");
	trigger_vector(g, VEC_WQ);
	expect_signal(g, VEC_WQ, "vector 1 after bad SET_IRQS");
}

/* bad_ro_regs: writes to read-only registers change nothing */
static void bad_ro_regs(struct guest *g)
{
	static const unsigned int regs[] = {
		R_VERSION, R_GENCAP, R_WQCAP, R_GRPCAP, R_ENGCAP, R_OPCAP,
		R_OPCAP + 8, R_OFFSETS, R_GENCFG, R_GENSTS, R_CMDSTS, R_GRPCFG,
		R_GRPCFG + 0x20, R_WQCFG, R_WQCFG + 8, R_WQCFG + 16,
		R_WQCFG + 24, R_MSIX_TABLE, R_MSIX_PBA, 0x800, 0xfff8,
	};
	__u64 before, after, v;
	unsigned int i;
	char what[64];
	int ret;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		before = bar0_read64(g, regs[i]);
		v = ~before;
		region_rw(g, &g->bar0, true, regs[i], &v, 8);
		after = bar0_read64(g, regs[i]);
		snprintf(what, sizeof(what), "BAR0 %#x after writing ~value", regs[i]);
		expect_eq(what, after, before);
	}
	expect_eq("GENSTS still enabled", gensts(g), 1);
	expect_eq("WQ still enabled", wq_state(g), 1);

	/* unaligned and odd-sized accesses are refused */
	ret = region_rw(g, &g->bar0, false, R_VERSION + 2, &v, 4);
	if (ret != -EINVAL)
		fail("unaligned BAR0 read: %s, expected EINVAL",
		     errstr(ret));
	ret = region_rw(g, &g->bar0, false, R_VERSION, &v, 2);
	if (ret != -EINVAL)
		fail("2-byte BAR0 read: %s, expected EINVAL",
		     errstr(ret));
	ret = region_rw(g, &g->bar0, false, R_GENCAP + 4, &v, 8);
	if (ret != -EINVAL)
		fail("misaligned 8-byte BAR0 read: %s, expected EINVAL",
		     errstr(ret));
	if (!region_rw(g, &g->bar2, false, 0, &v, 8))
		fail("BAR2 read succeeded: the portal is write-only");
	if (!region_rw(g, &g->bar0, false, BAR0_SIZE, &v, 4))
		fail("BAR0 read past the end succeeded");
}

/* bad_reset: VFIO_DEVICE_RESET disables and clears, eventfds stay */
static void bad_reset(struct guest *g)
{
	struct dsa_hw_desc d;

	desc_init(&d, DSA_OPCODE_NOOP, 0, 0, true);
	portal_write(g, PORTAL_IMS, &d);
	if (!(bar0_read64(g, R_SWERR) & SWERR_VALID))
		fail("reset: no SWERR to clear before the reset");
	if (ioctl(g->device, VFIO_DEVICE_RESET))
		fail("VFIO_DEVICE_RESET: %s", strerror(errno));
	expect_eq("GENSTS after reset", gensts(g), 0);
	expect_eq("WQCFG state after reset", wq_state(g), 0);
	expect_eq("SWERR after reset", bar0_read64(g, R_SWERR) & SWERR_VALID, 0);
	drain_vector(g, VEC_WQ);
	trigger_vector(g, VEC_WQ);
	expect_signal(g, VEC_WQ, "vector 1 still attached after reset");
	enable_device(g);
}

int scenario_bad(struct guest *g, long n)
{
	enable_device(g);
	drain_vector(g, VEC_WQ);
	bad_handles(g);
	bad_ranges(g);
	bad_sizes_opcodes(g);
	bad_portal(g);
	bad_commands(g);
	bad_set_irqs(g);
	bad_ro_regs(g);
	bad_reset(g);
	memmove_once(g, SRC_OFF, DST_OFF, 4096, g->seed, "memmove after the errors");
	return 0;
}

/* --- storm --- */

/* storm_desc: the i-th bad descriptor; returns the status it must get */
static __u8 storm_desc(struct dsa_hw_desc *d, unsigned long i, unsigned int rec)
{
	desc_init(d, DSA_OPCODE_MEMMOVE, rec, 4096, false);
	d->src_addr = iova_of(SRC_OFF);
	d->dst_addr = iova_of(DST_OFF);
	switch (i % 5) {
	case 0:
		d->opcode = DSA_OPCODE_NOOP;
		d->flags |= IDXD_OP_FLAG_RCI;
		d->int_handle = 0;
		return DSA_COMP_INT_HANDLE_INVAL;
	case 1:
		d->opcode = DSA_OPCODE_CR_DELTA;
		return DSA_COMP_BAD_OPCODE;
	case 2:
		d->xfer_size = 0;
		return DSA_COMP_XFER_ERANGE;
	case 3:
		d->src_addr = IOVA_ABOVE;
		return DSA_COMP_PAGE_FAULT_NOBOF;
	default:
		d->dst_addr = IOVA_BELOW;
		return DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE;
	}
}

int scenario_storm(struct guest *g, long n)
{
	__u8 want[MAX_SLOTS] = { 0 };
	unsigned long i, busy = 0, wrong = 0;
	struct dsa_hw_desc d;
	unsigned int slot;
	int ret;

	enable_device(g);
	drain_vector(g, VEC_WQ);
	memset(g->mem + REC_OFF, 0, MAX_SLOTS * REC_SIZE);
	for (i = 0; i < (unsigned long)n + g->wq_size; i++) {
		slot = i % g->wq_size;
		if (i >= g->wq_size) {
			/* the slot's previous descriptor must be done */
			__u8 st = wait_record(g, record(g, slot));

			if (st != want[slot] && wrong++ < 5)
				fail("storm descriptor %lu: status %#x, expected %#x",
				     i - g->wq_size, st, want[slot]);
		}
		if (i >= (unsigned long)n)
			continue;
		want[slot] = storm_desc(&d, i, slot);
		memset(record(g, slot), 0, REC_SIZE);
		while ((ret = portal_write(g, 0, &d)) == -EBUSY)
			busy++;
		if (ret)
			fail("storm descriptor %lu: portal write: %s", i,
			     strerror(-ret));
	}
	if (wrong)
		fail("storm: %lu of %ld descriptors with the wrong status", wrong, n);
	info("storm: %ld bad descriptors, %lu EBUSY retries", n, busy);
	expect_quiet(g, VEC_WQ, "storm: bad descriptors");
	clear_swerr(g);
	memmove_once(g, SRC_OFF, DST_OFF, 4096, g->seed, "memmove after the storm");
	return 0;
}
