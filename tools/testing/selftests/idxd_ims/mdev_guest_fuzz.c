// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: a fuzzer of the guest interface of a virtual DSA device.
 *
 *   fuzz SEED COUNT
 *              FUZZ_THREADS threads each make COUNT random operations on
 *              the device: reads and writes of the configuration space,
 *              BAR0 and BAR2 at any offset, size and alignment (past the
 *              ends too), descriptors with random fields and opcodes
 *              written whole or in pieces, VFIO ioctls with random
 *              indexes, flags, argsz, start and count, guest commands and
 *              resets. Thread t draws from its own generator seeded with
 *              SEED and t, so a thread's sequence is reproducible (their
 *              interleaving is not). The device's answers are not checked
 *              (most operations are meant to be refused); what must hold
 *              is that the host survives them: every call returns, and
 *              afterwards a reset device, its vectors attached again,
 *              copies data correctly. The host test checks the kernel log.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "kselftest.h"
#include "mdev_guest.h"

#define FUZZ_THREADS		4
#define FUZZ_BUF		4096

struct fuzzer {
	struct guest *g;
	__u64 state;
	long count;
	unsigned long ops;
	pthread_t thread;
};

/* rnd: the next number of the thread's xorshift64* sequence */
static __u64 rnd(struct fuzzer *f)
{
	f->state ^= f->state >> 12;
	f->state ^= f->state << 25;
	f->state ^= f->state >> 27;
	return f->state * 0x2545f4914f6cdd1dULL;
}

/* pick: one of the n values at v */
static __u64 pick(struct fuzzer *f, const __u64 *v, unsigned int n)
{
	return v[rnd(f) % n];
}

static void fill_random(struct fuzzer *f, void *p, size_t len)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = rnd(f);
}

/* an address a descriptor may name: inside the mappings or anywhere */
static __u64 fuzz_addr(struct fuzzer *f)
{
	static const __u64 fixed[] = {
		0, IOVA_BELOW, IOVA_ABOVE, IOVA_BASE + MEM_SIZE - 1,
		IOVA_BASE - 1, ~0ULL, ~0ULL - 4095,
	};

	switch (rnd(f) % 4) {
	case 0:
		return IOVA_BASE + rnd(f) % MEM_SIZE;
	case 1:
		return IOVA_BASE + (rnd(f) % (MEM_SIZE / 4096)) * 4096;
	case 2:
		return pick(f, fixed, ARRAY_SIZE(fixed));
	default:
		return rnd(f);
	}
}

/* a descriptor with random fields, mostly plausible ones */
static void fuzz_desc(struct fuzzer *f, struct dsa_hw_desc *d)
{
	static const __u64 sizes[] = { 0, 1, 7, 4096, 4097, 65535, 65536,
				       65537, 1 << 20, 0xffffffff };
	static const __u64 handles[] = { 0, 1, 2, 0xffff };
	static const __u64 opcodes[] = {
		DSA_OPCODE_NOOP, DSA_OPCODE_MEMMOVE, DSA_OPCODE_MEMFILL,
		DSA_OPCODE_COMPARE, DSA_OPCODE_COMPVAL, DSA_OPCODE_CRCGEN,
	};

	if (rnd(f) % 8 == 0) {
		fill_random(f, d, sizeof(*d));
		return;
	}
	memset(d, 0, sizeof(*d));
	/* half of them an operation the slice offers, on plausible sizes */
	if (rnd(f) % 2)
		d->opcode = pick(f, opcodes, ARRAY_SIZE(opcodes));
	else
		d->opcode = rnd(f) % 4 ? rnd(f) % 0x12 : rnd(f);
	d->flags = rnd(f) % 2 ? IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR :
				rnd(f) & 0xffffff;
	if (rnd(f) % 2)
		d->flags |= IDXD_OP_FLAG_RCI;
	d->completion_addr = rnd(f) % 2 ? record_iova(rnd(f) % NR_RECS) :
					  fuzz_addr(f);
	d->src_addr = fuzz_addr(f);
	d->dst_addr = fuzz_addr(f);
	d->xfer_size = rnd(f) % 2 ? pick(f, sizes, ARRAY_SIZE(sizes)) :
				    1 + rnd(f) % 65536;
	d->int_handle = pick(f, handles, ARRAY_SIZE(handles));
	if (rnd(f) % 4 == 0)
		fill_random(f, (char *)d + 40, 24);
}

/* a region access at any offset and size, read or write */
static void fuzz_region(struct fuzzer *f)
{
	static const __u64 lens[] = { 1, 2, 3, 4, 8, 16, 32, 63, 64, 65,
				      300, 4096 };
	struct guest *g = f->g;
	unsigned char buf[FUZZ_BUF];
	const struct region *r;
	__u64 off, len;
	bool write;

	switch (rnd(f) % 3) {
	case 0:
		r = &g->cfg;
		break;
	case 1:
		r = &g->bar0;
		break;
	default:
		r = &g->bar2;
		break;
	}
	len = pick(f, lens, ARRAY_SIZE(lens));
	off = rnd(f) % 8 ? rnd(f) % (r->size + 128) : rnd(f) % (1ULL << 40);
	if (rnd(f) % 2)
		off &= ~(len - 1);
	write = rnd(f) % 2;
	if (write && r == &g->bar2 && len == 64 && rnd(f) % 2)
		fuzz_desc(f, (struct dsa_hw_desc *)buf);
	else
		fill_random(f, buf, len);
	if (write)
		(void)!pwrite(g->device, buf, len, r->offset + off);
	else
		(void)!pread(g->device, buf, len, r->offset + off);
}

/* a descriptor, written whole or in 4- or 8-byte pieces */
static void fuzz_submit(struct fuzzer *f)
{
	struct dsa_hw_desc d;
	unsigned int line = rnd(f) % 128, piece, i;

	fuzz_desc(f, &d);
	if (rnd(f) % 2) {
		(void)!pwrite(f->g->device, &d, sizeof(d),
			      f->g->bar2.offset + line * 64);
		return;
	}
	piece = rnd(f) % 2 ? 4 : 8;
	for (i = 0; i < sizeof(d); i += piece) {
		if (rnd(f) % 16 == 0)
			continue;
		(void)!pwrite(f->g->device, (char *)&d + i, piece,
			      f->g->bar2.offset + line * 64 + i);
	}
}

/* an ioctl of the VFIO device with random arguments */
static void fuzz_ioctl(struct fuzzer *f)
{
	static const __u64 argszs[] = { 0, 4, 8, 16, 20, 24, 32, 64, 4096 };
	union {
		struct vfio_region_info region;
		struct vfio_irq_info irq;
		struct vfio_irq_set set;
		unsigned char raw[FUZZ_BUF];
	} u;
	struct guest *g = f->g;
	__s32 *fds;
	unsigned int i;

	fill_random(f, &u, 256);
	switch (rnd(f) % 5) {
	case 0:
		u.region.argsz = pick(f, argszs, ARRAY_SIZE(argszs));
		u.region.index = rnd(f) % 12;
		(void)!ioctl(g->device, VFIO_DEVICE_GET_REGION_INFO, &u);
		break;
	case 1:
		u.irq.argsz = pick(f, argszs, ARRAY_SIZE(argszs));
		u.irq.index = rnd(f) % 8;
		(void)!ioctl(g->device, VFIO_DEVICE_GET_IRQ_INFO, &u);
		break;
	case 2:
		u.set.argsz = rnd(f) % 2 ? pick(f, argszs, ARRAY_SIZE(argszs)) :
			      sizeof(u.set) + 4 * (rnd(f) % 4);
		u.set.flags = rnd(f) % 2 ? 1U << (rnd(f) % 6) |
					   1U << (3 + rnd(f) % 3) : rnd(f);
		u.set.index = rnd(f) % 6;
		u.set.start = rnd(f) % 4;
		u.set.count = rnd(f) % 4;
		fds = (__s32 *)u.set.data;
		for (i = 0; i < 4; i++)
			fds[i] = rnd(f) % 2 ? g->efd[rnd(f) % NR_VECS] :
					      (__s32)(rnd(f) % 64) - 1;
		(void)!ioctl(g->device, VFIO_DEVICE_SET_IRQS, &u);
		break;
	case 3:
		(void)!ioctl(g->device, VFIO_DEVICE_GET_INFO, &u);
		break;
	default:
		if (rnd(f) % 8 == 0)
			(void)!ioctl(g->device, VFIO_DEVICE_RESET);
		else
			(void)!ioctl(g->device, _IO(VFIO_TYPE, VFIO_BASE + rnd(f) % 32),
				     &u);
		break;
	}
}

/*
 * a guest command: one with a random code and operand, or, as often, the
 * steps of bringing the device back (Bus Master, Enable Device, Enable
 * WQ), so that the descriptors have a working queue to reach
 */
static void fuzz_command(struct fuzzer *f)
{
	__u16 command = PCI_CMD_MEM | PCI_CMD_MASTER;
	__u32 cmd;

	switch (rnd(f) % 4) {
	case 0:
		cmd = (rnd(f) % 20) << 20 | (rnd(f) & 0xfffff);
		if (rnd(f) % 2)
			cmd |= CMD_INT_REQ;
		break;
	case 1:
		(void)!pwrite(f->g->device, &command, sizeof(command),
			      f->g->cfg.offset + PCI_COMMAND);
		return;
	case 2:
		cmd = CMD_ENABLE_DEV << 20;
		break;
	default:
		cmd = CMD_ENABLE_WQ << 20;
		break;
	}
	(void)!pwrite(f->g->device, &cmd, sizeof(cmd),
		      f->g->bar0.offset + R_CMD);
}

static void *fuzz_thread(void *arg)
{
	struct fuzzer *f = arg;
	long i;

	for (i = 0; i < f->count; i++) {
		switch (rnd(f) % 10) {
		case 0:
		case 1:
		case 2:
			fuzz_region(f);
			break;
		case 3:
		case 4:
		case 5:
		case 6:
			fuzz_submit(f);
			break;
		case 7:
		case 8:
			fuzz_ioctl(f);
			break;
		default:
			fuzz_command(f);
			break;
		}
		f->ops++;
	}
	return NULL;
}

int scenario_fuzz(struct guest *g, long seed, long count)
{
	struct fuzzer f[FUZZ_THREADS];
	struct dsa_completion_record *r;
	unsigned long ops = 0;
	struct dsa_hw_desc d;
	unsigned int t;

	enable_device(g);
	for (t = 0; t < FUZZ_THREADS; t++) {
		memset(&f[t], 0, sizeof(f[t]));
		f[t].g = g;
		f[t].state = ((__u64)seed << 8 | t) * 0x9e3779b97f4a7c15ULL | 1;
		f[t].count = count;
		if (pthread_create(&f[t].thread, NULL, fuzz_thread, &f[t]))
			die("pthread_create");
	}
	for (t = 0; t < FUZZ_THREADS; t++) {
		pthread_join(f[t].thread, NULL);
		ops += f[t].ops;
	}
	info("fuzz: seed %ld: %lu operations by %u threads", seed, ops,
	     FUZZ_THREADS);

	/* the device still works once reset, as a VMM would reset it */
	if (ioctl(g->device, VFIO_DEVICE_RESET))
		fail("fuzz: VFIO_DEVICE_RESET afterwards: %s", strerror(errno));
	attach_vectors(g);
	enable_device(g);
	fill_pattern(g->mem + SRC_OFF, MAX_XFER, seed);
	memset(g->mem + DST_OFF, 0, MAX_XFER);
	memset(record(g, 0), 0, REC_SIZE);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, MAX_XFER, false);
	d.src_addr = iova_of(SRC_OFF);
	d.dst_addr = iova_of(DST_OFF);
	r = run_poll(g, &d, "fuzz: memmove afterwards");
	expect_status(r, DSA_COMP_SUCCESS, "fuzz: memmove afterwards");
	if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF, MAX_XFER))
		fail("fuzz: seed %ld: the memmove afterwards copied wrong data",
		     seed);
	return 0;
}
