// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: scenarios of a working device: every operation, the
 * eventfds of its MSI-X vectors, and completion interrupts while the host
 * renews its interrupt handle.
 *
 *   ops        every supported operation once, completion interrupt on
 *              vector 1, record and data checked
 *   irq        VFIO_DEVICE_SET_IRQS: loopback, mask/unmask, detach
 *   handle N   N memmoves (BYTES each) asking for an interrupt, one at a
 *              time: each must succeed, data checked, with exactly one
 *              signal on vector 1, whatever the host's interrupt handle
 *              did meanwhile; with -r FILE, FILE is created once the first
 *              one is submitted, before waiting for it
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/vfio.h>

#include "kselftest.h"

#include "mdev_guest.h"

static int mask_vector(struct guest *g, int v, bool mask)
{
	__u32 action = mask ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK;

	return set_irqs(g, VFIO_IRQ_SET_DATA_NONE | action,
			VFIO_PCI_MSIX_IRQ_INDEX, v, 1, NULL);
}

/* --- CRC-32C, the way the DSA model computes CRCGEN --- */

static __u32 crc32c_raw(__u32 crc, const unsigned char *p, size_t len)
{
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return crc;
}

/* the state starts as the inverted seed and the result is inverted */
static __u32 dsa_crc32c(__u32 seed, const unsigned char *p, size_t len)
{
	return ~crc32c_raw(~seed, p, len);
}

/* --- ops --- */

static void op_noop(struct guest *g)
{
	struct dsa_hw_desc d;

	desc_init(&d, DSA_OPCODE_NOOP, 0, 0, true);
	expect_status(run_irq(g, &d, "noop"), DSA_COMP_SUCCESS, "noop");
}

static void op_memmove(struct guest *g)
{
	memmove_once(g, SRC_OFF, DST_OFF, 4096, g->seed, "memmove 4 KiB");
	memmove_once(g, SRC_OFF, DST_OFF, MAX_XFER, g->seed + 1,
		     "memmove 64 KiB");
	/* unaligned, odd length, crossing page boundaries */
	memmove_once(g, SRC_OFF + 4001, DST_OFF + 8190, 5003, g->seed + 2,
		     "memmove unaligned");
}

static void op_fill(struct guest *g)
{
	const __u64 pattern = 0x0123456789abcdefULL;
	const unsigned long off = DST_OFF + 4093;
	const __u32 len = 3001;
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;
	__u32 i;

	memset(g->mem + DST_OFF, 0xdb, 2 * 4096 + 64);
	desc_init(&d, DSA_OPCODE_MEMFILL, 0, len, true);
	d.pattern = pattern;
	d.dst_addr = iova_of(off);
	r = run_irq(g, &d, "fill");
	expect_status(r, DSA_COMP_SUCCESS, "fill");
	for (i = 0; i < len; i++) {
		if (g->mem[off + i] != (unsigned char)(pattern >> ((i & 7) * 8))) {
			fail("fill: byte %u is %#x, expected %#x", i,
			     g->mem[off + i],
			     (unsigned char)(pattern >> ((i & 7) * 8)));
			break;
		}
	}
	if (g->mem[off - 1] != 0xdb || g->mem[off + len] != 0xdb)
		fail("fill: bytes around the destination were written");
}

static void op_compare(struct guest *g)
{
	const __u32 len = 8192, diff = 1234;
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;

	fill_pattern(g->mem + SRC_OFF, len, g->seed + 3);
	memcpy(g->mem + SRC2_OFF, g->mem + SRC_OFF, len);
	desc_init(&d, DSA_OPCODE_COMPARE, 0, len, true);
	d.src_addr = iova_of(SRC_OFF);
	d.src2_addr = iova_of(SRC2_OFF);
	r = run_irq(g, &d, "compare equal");
	expect_status(r, DSA_COMP_SUCCESS, "compare equal");
	expect_eq("compare equal: result", r->result, 0);

	g->mem[SRC2_OFF + diff] ^= 0x40;
	r = run_irq(g, &d, "compare different");
	expect_status(r, DSA_COMP_SUCCESS, "compare different");
	expect_eq("compare different: result", r->result, 1);
	expect_eq("compare different: bytes_completed (first difference)",
		  r->bytes_completed, diff);

	/* check result: the flag reaches the device */
	d.flags |= IDXD_OP_FLAG_CR;
	d.expected_res = 0;
	r = run_irq(g, &d, "compare different, expecting equal");
	expect_status(r, DSA_COMP_SUCCESS_PRED,
		      "compare different, expecting equal");
	expect_eq("compare different, expecting equal: result", r->result, 1);
	d.expected_res = 1;
	r = run_irq(g, &d, "compare different, expecting different");
	expect_status(r, DSA_COMP_SUCCESS,
		      "compare different, expecting different");
}

static void op_compval(struct guest *g)
{
	const __u64 pattern = 0xfeedfacecafef00dULL;
	const __u32 len = 4096, diff = 777;
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;
	__u32 i;

	for (i = 0; i < len; i++)
		g->mem[SRC_OFF + i] = pattern >> ((i & 7) * 8);
	desc_init(&d, DSA_OPCODE_COMPVAL, 0, len, true);
	d.src_addr = iova_of(SRC_OFF);
	d.comp_pattern = pattern;
	r = run_irq(g, &d, "compval equal");
	expect_status(r, DSA_COMP_SUCCESS, "compval equal");
	expect_eq("compval equal: result", r->result, 0);

	g->mem[SRC_OFF + diff] ^= 0x01;
	r = run_irq(g, &d, "compval different");
	expect_status(r, DSA_COMP_SUCCESS, "compval different");
	expect_eq("compval different: result", r->result, 1);
	expect_eq("compval different: bytes_completed (first difference)",
		  r->bytes_completed, diff);
}

static void op_crcgen(struct guest *g)
{
	static const __u32 seeds[] = { 0, 0x12345678, 0xffffffff };
	static const unsigned char check[] = "123456789";
	const __u32 len = 5000;
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;
	char what[64];
	unsigned int i;

	/* the software CRC itself: the CRC-32C check value */
	if (dsa_crc32c(0, check, 9) != 0xe3069283)
		fail("software crc32c(\"123456789\") = %#x, expected 0xe3069283",
		     dsa_crc32c(0, check, 9));

	memcpy(g->mem + SRC_OFF, check, 9);
	desc_init(&d, DSA_OPCODE_CRCGEN, 0, 9, true);
	d.src_addr = iova_of(SRC_OFF);
	r = run_irq(g, &d, "crcgen check value");
	expect_status(r, DSA_COMP_SUCCESS, "crcgen check value");
	expect_eq("crcgen \"123456789\" seed 0", (__u32)r->crc_val, 0xe3069283);

	fill_pattern(g->mem + SRC_OFF + 3, len, g->seed + 4);
	for (i = 0; i < ARRAY_SIZE(seeds); i++) {
		desc_init(&d, DSA_OPCODE_CRCGEN, 0, len, true);
		d.src_addr = iova_of(SRC_OFF + 3);
		d.crc_seed = seeds[i];
		snprintf(what, sizeof(what), "crcgen seed %#x", seeds[i]);
		r = run_irq(g, &d, what);
		expect_status(r, DSA_COMP_SUCCESS, what);
		expect_eq(what, (__u32)r->crc_val,
			  dsa_crc32c(seeds[i], g->mem + SRC_OFF + 3, len));
	}
}

int scenario_ops(struct guest *g, long n)
{
	enable_device(g);
	drain_vector(g, VEC_ERR);
	op_noop(g);
	op_memmove(g);
	op_fill(g);
	op_compare(g);
	op_compval(g);
	op_crcgen(g);
	expect_quiet(g, VEC_ERR, "ops: error vector");
	return 0;
}

/* --- irq --- */

int scenario_irq(struct guest *g, long n)
{
	struct dsa_hw_desc d;
	__s32 none[NR_VECS] = { -1, -1 };
	int v;

	enable_device(g);
	for (v = 0; v < NR_VECS; v++) {
		drain_vector(g, v);
		if (trigger_vector(g, v))
			fail("loopback trigger of vector %d: %s", v, strerror(errno));
		expect_signal(g, v, "loopback trigger");
		expect_quiet(g, !v, "loopback trigger of the other vector");
	}

	/* a masked vector remembers one pending signal */
	if (mask_vector(g, VEC_WQ, true))
		fail("mask vector 1: %s", strerror(errno));
	trigger_vector(g, VEC_WQ);
	trigger_vector(g, VEC_WQ);
	expect_quiet(g, VEC_WQ, "masked vector 1, loopback");
	desc_init(&d, DSA_OPCODE_NOOP, 0, 0, true);
	if (run_poll(g, &d, "noop while masked")->status != DSA_COMP_SUCCESS)
		fail("noop while masked: status %#x", record(g, 0)->status);
	expect_quiet(g, VEC_WQ, "masked vector 1, completion");
	if (mask_vector(g, VEC_WQ, false))
		fail("unmask vector 1: %s", strerror(errno));
	expect_signal(g, VEC_WQ, "pending signal delivered on unmask");
	expect_quiet(g, VEC_WQ, "after unmask");

	/* detach vector 1 only, then all */
	if (set_irqs(g, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		     VFIO_PCI_MSIX_IRQ_INDEX, VEC_WQ, 1, none))
		fail("detach vector 1 with fd -1: %s", strerror(errno));
	run_poll(g, &d, "noop with vector 1 detached");
	expect_quiet(g, VEC_WQ, "detached vector 1");
	trigger_vector(g, VEC_ERR);
	expect_signal(g, VEC_ERR, "vector 0 still attached");
	if (set_irqs(g, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		     VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL))
		fail("detach all: %s", strerror(errno));
	trigger_vector(g, VEC_ERR);
	expect_quiet(g, VEC_ERR, "vector 0 after detach all");
	run_poll(g, &d, "noop with all vectors detached");
	expect_quiet(g, VEC_WQ, "vector 1 after detach all");

	attach_vectors(g);
	expect_status(run_irq(g, &d, "noop after re-attaching"),
		      DSA_COMP_SUCCESS, "noop after re-attaching");
	return 0;
}

/*
 * handle N: N memmoves with an interrupt; the host may revoke and renew
 * its interrupt handle meanwhile (the -r FILE says when the first one is
 * in flight). None of that may show: each completes, once, with its data.
 */
int scenario_handle(struct guest *g, long n)
{
	struct dsa_completion_record *r = record(g, 0);
	struct dsa_hw_desc d;
	char what[64];
	long i;

	if (!g->bytes || g->bytes > MAX_XFER)
		die("handle: -b must be 1..%u", MAX_XFER);
	enable_device(g);
	drain_vector(g, VEC_WQ);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, g->bytes, true);
	d.src_addr = iova_of(SRC_OFF);
	d.dst_addr = iova_of(DST_OFF);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "handle: memmove %ld", i);
		fill_pattern(g->mem + SRC_OFF, g->bytes, g->seed + i);
		memset(g->mem + DST_OFF, 0, g->bytes);
		submit(g, &d, what);
		if (!i && g->ready)
			touch_file(g->ready);
		expect_signal(g, VEC_WQ, what);
		expect_status(r, DSA_COMP_SUCCESS, what);
		if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF, g->bytes))
			fail("%s: destination differs from source", what);
	}
	expect_quiet(g, VEC_WQ, "handle: after the last memmove");
	return 0;
}
