// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: scenarios on the zero-copy data path, where the parent moves
 * guest data in guest pages the virtual device pinned.
 *
 *   noncontig [N]
 *              buffers whose guest pages are not contiguous in host memory:
 *              one host page mapped at EXTRA_PAGES consecutive IOVAs. A
 *              memmove out of them, a compare against a copy (equal, then
 *              one byte different on a later page), a compare-pattern from
 *              an address that is not 8-byte aligned and a fill into them
 *              from an unaligned address all give the result of one
 *              contiguous transfer. With N, the virtual device must count
 *              N of these 5 descriptors split: all 5 when the parent's bus
 *              addresses are physical addresses (no IOMMU), where those
 *              IOVAs cannot be one host descriptor; behind an IOMMU the
 *              bus addresses of the page's mappings may happen to follow
 *              each other, so the caller passes no N there
 *   unmap      a 64 KiB memmove into a separately mapped buffer, and the
 *              buffer's IOVA unmapped (VFIO_IOMMU_UNMAP_DMA) while the
 *              descriptor is in flight (the host test makes the model hold
 *              it): the unmap returns only once the data is all written,
 *              the descriptor completes with success, and a memmove to the
 *              unmapped IOVA faults (0x83) without writing the buffer
 *   readonly   a page the VMM maps read-only: a memmove and a compare read
 *              it, a memmove into it faults (0x83) without writing it, and
 *              a record there is refused with SWERR 0x1a naming it
 *   copyloop N for N seconds, rounds of every WQ slot queued with a 64 KiB
 *              memmove, each round's data checked; prints the rounds and
 *              descriptors done
 *   uffd       a buffer whose memory a userfaultfd handles (as a VMM that
 *              migrates or lazily restores guest RAM): while its pages are
 *              missing, a memmove into it and one out of it fault (0x83,
 *              0x03) at once, without the kernel waiting for the handler
 *              (no event reaches it) and without writing anything; once
 *              the program touched the pages (its handler fills them in),
 *              memmoves into and out of it work; every WQ slot then busy
 *              with memmoves into it, Reset Device completes only once
 *              their data and records are written, and nothing is
 *              written after it
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <linux/userfaultfd.h>
#include <linux/vfio.h>

#include "mdev_guest.h"

#define PAGE			4096UL
/* IOVAs of the extra mappings, above the guest memory */
#define EXTRA_IOVA		(IOVA_BASE + MEM_SIZE + 0x400000)
#define EXTRA_PAGES		16
#define STATUS_SUCCESS		0x01
#define STATUS_PAGE_FAULT	0x03
#define STATUS_WRITE		0x80
#define FILLER			0xdb

/*
 * map_extra: map len bytes at host address p at IOVA iova, for reading and
 * writing, or only reading when read_only
 */
static void map_extra(struct guest *g, void *p, __u64 iova, unsigned long len,
		      bool read_only)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ |
			 (read_only ? 0 : VFIO_DMA_MAP_FLAG_WRITE),
		.vaddr = (unsigned long)p,
		.iova = iova,
		.size = len,
	};

	if (ioctl(g->container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA of %#llx", (unsigned long long)iova);
}

static void unmap_extra(struct guest *g, __u64 iova, unsigned long len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};

	if (ioctl(g->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		die("VFIO_IOMMU_UNMAP_DMA of %#llx", (unsigned long long)iova);
}

static unsigned char *alloc_pages(unsigned long len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap of %lu bytes", len);
	memset(p, 0, len);
	return p;
}

/* run_one: clear record rec, submit d (naming it) and wait for the record */
static struct dsa_completion_record *run_one(struct guest *g,
					     struct dsa_hw_desc *d,
					     unsigned int rec, const char *what)
{
	memset(record(g, rec), 0, REC_SIZE);
	return run_poll(g, d, what);
}

/* expect_filled: none of the len bytes at p was written (all still FILLER) */
static void expect_filled(const unsigned char *p, unsigned long len,
			  const char *what)
{
	unsigned long i;

	for (i = 0; i < len; i++) {
		if (p[i] != FILLER) {
			fail("%s wrote byte %lu", what, i);
			return;
		}
	}
}

/*
 * expect_memmove_fault: a memmove of len bytes from IOVA src to IOVA dst
 * (record rec) completes with a page fault: on dst, a write fault, when
 * write; on src otherwise
 */
static void expect_memmove_fault(struct guest *g, unsigned int rec, __u64 src,
				 __u64 dst, __u32 len, bool write,
				 const char *what)
{
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;
	char field[128];

	desc_init(&d, DSA_OPCODE_MEMMOVE, rec, len, false);
	d.src_addr = src;
	d.dst_addr = dst;
	r = run_one(g, &d, rec, what);
	expect_status(r, STATUS_PAGE_FAULT | (write ? STATUS_WRITE : 0), what);
	snprintf(field, sizeof(field), "%s: fault_addr", what);
	expect_eq(field, r->fault_addr, write ? dst : src);
}

int scenario_noncontig(struct guest *g, long n)
{
	const __u32 in_page = 2048, len = (EXTRA_PAGES - 1) * PAGE;
	unsigned char *page = alloc_pages(PAGE);
	__u64 pattern = 0x0123456789abcdefULL;
	struct dsa_completion_record *r;
	long split_before, split_after;
	unsigned char *dst = g->mem + DST_OFF;
	struct dsa_hw_desc d;
	unsigned int i;

	for (i = 0; i < EXTRA_PAGES; i++)
		map_extra(g, page, EXTRA_IOVA + i * PAGE, PAGE, false);
	split_before = vdev_counter(g, "split");
	enable_device(g);

	/* memmove out of the pages: the page's bytes, from in_page on, wrapping */
	fill_pattern(page, PAGE, g->seed);
	memset(dst, FILLER, len + 1);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, len, false);
	d.src_addr = EXTRA_IOVA + in_page;
	d.dst_addr = iova_of(DST_OFF);
	r = run_one(g, &d, 0, "memmove from non-contiguous pages");
	expect_status(r, STATUS_SUCCESS, "memmove from non-contiguous pages");
	for (i = 0; i < len; i++) {
		if (dst[i] != page[(in_page + i) % PAGE]) {
			fail("memmove from non-contiguous pages: byte %u is %#x, expected %#x",
			     i, dst[i], page[(in_page + i) % PAGE]);
			break;
		}
	}
	if (dst[len] != FILLER)
		fail("memmove from non-contiguous pages wrote past its end");

	/* compare with the copy: equal, then different on the fifth page */
	desc_init(&d, DSA_OPCODE_COMPARE, 1, len, false);
	d.src_addr = EXTRA_IOVA + in_page;
	d.src2_addr = iova_of(DST_OFF);
	r = run_one(g, &d, 1, "compare of non-contiguous pages, equal");
	expect_status(r, STATUS_SUCCESS, "compare of non-contiguous pages, equal");
	expect_eq("compare of non-contiguous pages, equal: result", r->result, 0);
	dst[4 * PAGE + 17] ^= 0xff;
	r = run_one(g, &d, 1, "compare of non-contiguous pages, different");
	expect_status(r, STATUS_SUCCESS,
		      "compare of non-contiguous pages, different");
	expect_eq("compare of non-contiguous pages, different: result",
		  r->result, 1);
	expect_eq("compare of non-contiguous pages, different: bytes_completed",
		  r->bytes_completed, 4 * PAGE + 17);

	/* compare-pattern from an odd address: the pattern runs on across pages */
	for (i = 0; i < PAGE; i++)
		page[i] = pattern >> (((i - 3) & 7) * 8);
	desc_init(&d, DSA_OPCODE_COMPVAL, 2, len, false);
	d.src_addr = EXTRA_IOVA + 3;
	d.comp_pattern = pattern;
	r = run_one(g, &d, 2, "compare-pattern across non-contiguous pages");
	expect_status(r, STATUS_SUCCESS,
		      "compare-pattern across non-contiguous pages");
	expect_eq("compare-pattern across non-contiguous pages: result",
		  r->result, 0);

	/* fill from an odd address: every byte as one contiguous fill has it */
	memset(page, FILLER, PAGE);
	desc_init(&d, DSA_OPCODE_MEMFILL, 3, 2 * PAGE, false);
	d.pattern = pattern;
	d.dst_addr = EXTRA_IOVA + 3;
	r = run_one(g, &d, 3, "fill into non-contiguous pages");
	expect_status(r, STATUS_SUCCESS, "fill into non-contiguous pages");
	for (i = 0; i < PAGE; i++) {
		unsigned char want = pattern >> (((i - 3) & 7) * 8);

		if (page[i] != want) {
			fail("fill into non-contiguous pages: byte %u is %#x, expected %#x",
			     i, page[i], want);
			break;
		}
	}

	split_after = vdev_counter(g, "split");
	info("noncontig: %ld of 5 descriptors split into pieces",
	     split_after - split_before);
	if (n && split_after - split_before != n)
		fail("noncontig: %ld descriptors were split, expected %ld",
		     split_after - split_before, n);
	for (i = 0; i < EXTRA_PAGES; i++)
		unmap_extra(g, EXTRA_IOVA + i * PAGE, PAGE);
	munmap(page, PAGE);
	return 0;
}

int scenario_unmap(struct guest *g, long n)
{
	unsigned char *buf = alloc_pages(MAX_XFER);
	struct dsa_completion_record *r = record(g, 0);
	struct dsa_hw_desc d;

	map_extra(g, buf, EXTRA_IOVA, MAX_XFER, false);
	enable_device(g);
	fill_pattern(g->mem + SRC_OFF, MAX_XFER, g->seed);
	memset(buf, FILLER, MAX_XFER);
	memset(r, 0, REC_SIZE);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, MAX_XFER, false);
	d.src_addr = iova_of(SRC_OFF);
	d.dst_addr = EXTRA_IOVA;
	submit(g, &d, "memmove into the buffer to unmap");
	unmap_extra(g, EXTRA_IOVA, MAX_XFER);
	/* the unmap waited for the device: the data is all there */
	if (memcmp(buf, g->mem + SRC_OFF, MAX_XFER))
		fail("unmap: the buffer is not all written when its unmap returns");
	if (!wait_record(g, r))
		fail("unmap: no completion record within %d ms", g->timeout_ms);
	expect_status(r, STATUS_SUCCESS, "unmap: the memmove in flight");

	memset(buf, FILLER, MAX_XFER);
	expect_memmove_fault(g, 1, iova_of(SRC_OFF), EXTRA_IOVA, PAGE, true,
			     "memmove to the unmapped IOVA");
	expect_filled(buf, MAX_XFER, "memmove to the unmapped IOVA");
	munmap(buf, MAX_XFER);
	return 0;
}

int scenario_readonly(struct guest *g, long n)
{
	unsigned char *page = alloc_pages(PAGE);
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;
	__u64 sw;

	fill_pattern(page, PAGE, g->seed);
	map_extra(g, page, EXTRA_IOVA, PAGE, true);
	enable_device(g);

	memset(g->mem + DST_OFF, FILLER, PAGE);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, PAGE, false);
	d.src_addr = EXTRA_IOVA;
	d.dst_addr = iova_of(DST_OFF);
	r = run_one(g, &d, 0, "memmove from a read-only page");
	expect_status(r, STATUS_SUCCESS, "memmove from a read-only page");
	if (memcmp(g->mem + DST_OFF, page, PAGE))
		fail("memmove from a read-only page: data mismatch");

	desc_init(&d, DSA_OPCODE_COMPARE, 1, PAGE, false);
	d.src_addr = iova_of(DST_OFF);
	d.src2_addr = EXTRA_IOVA;
	r = run_one(g, &d, 1, "compare with a read-only page");
	expect_status(r, STATUS_SUCCESS, "compare with a read-only page");
	expect_eq("compare with a read-only page: result", r->result, 0);

	fill_pattern(g->mem + SRC_OFF, PAGE, g->seed + 1);
	memset(page, FILLER, PAGE);
	expect_memmove_fault(g, 2, iova_of(SRC_OFF), EXTRA_IOVA, PAGE, true,
			     "memmove into a read-only page");
	expect_filled(page, PAGE, "memmove into a read-only page");

	clear_swerr(g);
	desc_init(&d, DSA_OPCODE_NOOP, 0, 0, true);
	d.completion_addr = EXTRA_IOVA + 64;
	/* not submit(): it clears the record, and this one is not in g->mem */
	if (portal_write(g, 0, &d))
		fail("NOOP with its record in a read-only page: portal write failed");
	expect_signal(g, VEC_WQ, "NOOP with its record in a read-only page");
	sw = bar0_read64(g, R_SWERR);
	expect_eq("SWERR valid after a record in a read-only page",
		  sw & SWERR_VALID, 1);
	expect_eq("SWERR error after a record in a read-only page",
		  (sw >> 8) & 0xff, 0x1a);
	expect_eq("SWERR address after a record in a read-only page",
		  bar0_read64(g, R_SWERR + 16), EXTRA_IOVA + 64);
	expect_filled(page, PAGE, "a record in a read-only page");
	clear_swerr(g);
	unmap_extra(g, EXTRA_IOVA, PAGE);
	munmap(page, PAGE);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int scenario_copyloop(struct guest *g, long n)
{
	unsigned long rounds = 0, descs = 0;
	double end = now_s() + n;
	struct dsa_hw_desc d;
	unsigned int i;
	int ret;

	enable_device(g);
	fill_pattern(g->mem + SRC_OFF, MAX_XFER, g->seed);
	while (now_s() < end && !errors) {
		for (i = 0; i < g->wq_size; i++) {
			memset(g->mem + DST_OFF + i * MAX_XFER, FILLER, MAX_XFER);
			memset(record(g, i), 0, REC_SIZE);
			desc_init(&d, DSA_OPCODE_MEMMOVE, i, MAX_XFER, false);
			d.src_addr = iova_of(SRC_OFF);
			d.dst_addr = iova_of(DST_OFF + i * MAX_XFER);
			ret = portal_write(g, 0, &d);
			if (ret)
				fail("copyloop: descriptor %u of round %lu refused: %s",
				     i, rounds, strerror(-ret));
		}
		for (i = 0; i < g->wq_size; i++) {
			if (!wait_record(g, record(g, i))) {
				fail("copyloop: round %lu, descriptor %u: no record within %d ms",
				     rounds, i, g->timeout_ms);
				continue;
			}
			expect_status(record(g, i), STATUS_SUCCESS, "copyloop");
			if (memcmp(g->mem + DST_OFF + i * MAX_XFER,
				   g->mem + SRC_OFF, MAX_XFER))
				fail("copyloop: data of descriptor %u of round %lu",
				     i, rounds);
			descs++;
		}
		rounds++;
	}
	info("copyloop: %lu rounds, %lu descriptors of 64 KiB in %ld s", rounds,
	     descs, n);
	return 0;
}

/* --- uffd --- */

struct uffd_handler {
	int uffd;
	unsigned long events;
	bool stop;
	/* what the handler fills a missing page with, one page */
	unsigned char *fill;
};

/* uffd_serve: fill in every missing page a fault asks for, and count them */
static void *uffd_serve(void *arg)
{
	struct uffd_handler *h = arg;
	struct pollfd pfd = { .fd = h->uffd, .events = POLLIN };
	struct uffd_msg msg;
	struct uffdio_copy copy;

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(h->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		__atomic_add_fetch(&h->events, 1, __ATOMIC_RELEASE);
		copy.dst = msg.arg.pagefault.address & ~(PAGE - 1);
		copy.src = (unsigned long)h->fill;
		copy.len = PAGE;
		copy.mode = 0;
		if (ioctl(h->uffd, UFFDIO_COPY, &copy) && errno != EEXIST)
			die("UFFDIO_COPY");
	}
	return NULL;
}

/* uffd_events: the page faults the handler has served so far */
static unsigned long uffd_events(struct uffd_handler *h)
{
	return __atomic_load_n(&h->events, __ATOMIC_ACQUIRE);
}

/* uffd_buffer: len bytes of anonymous memory, missing pages served by h */
static unsigned char *uffd_buffer(struct uffd_handler *h, unsigned long len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	unsigned char *p;

	h->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (h->uffd < 0)
		die("userfaultfd");
	if (ioctl(h->uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap of %lu bytes", len);
	reg.range.start = (unsigned long)p;
	reg.range.len = len;
	if (ioctl(h->uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	return p;
}

/* uffd_missing: a memmove touching the buffer faults, nothing waits or is written */
static void uffd_missing(struct guest *g, struct uffd_handler *h)
{
	memset(g->mem + DST_OFF, FILLER, PAGE);
	expect_memmove_fault(g, 0, iova_of(SRC_OFF), EXTRA_IOVA, PAGE, true,
			     "memmove into missing pages");
	expect_memmove_fault(g, 1, EXTRA_IOVA, iova_of(DST_OFF), PAGE, false,
			     "memmove out of missing pages");
	expect_filled(g->mem + DST_OFF, PAGE, "memmove out of missing pages");
	expect_eq("page faults the handler saw for the host's accesses",
		  uffd_events(h), 0);
}

/* uffd_reset: every slot busy writing the buffer, then a reset */
static void uffd_reset(struct guest *g, unsigned char *buf)
{
	const __u32 len = MAX_XFER / MAX_SLOTS;
	struct dsa_hw_desc d;
	unsigned int i, done = 0;
	int ret;

	memset(buf, FILLER, MAX_XFER);
	for (i = 0; i < g->wq_size; i++) {
		memset(record(g, i), 0, REC_SIZE);
		desc_init(&d, DSA_OPCODE_MEMMOVE, i, len, false);
		d.src_addr = iova_of(SRC_OFF);
		d.dst_addr = EXTRA_IOVA + i * len;
		ret = portal_write(g, 0, &d);
		if (ret)
			fail("uffd: descriptor %u refused: %s", i, strerror(-ret));
	}
	expect_cmd(g, CMD_RESET_DEV, 0, 0,
		   "Reset Device with descriptors in flight");
	/* the reset waited: each descriptor's data and record are there */
	for (i = 0; i < g->wq_size; i++) {
		if (memcmp(buf + i * len, g->mem + SRC_OFF, len))
			fail("uffd: descriptor %u's data incomplete after the reset",
			     i);
		done += record(g, i)->status == STATUS_SUCCESS;
	}
	expect_eq("uffd: records written before the reset completed", done,
		  g->wq_size);
	/* after the reset nothing writes the buffer or the records */
	memset(buf, FILLER, MAX_XFER);
	for (i = 0; i < g->wq_size; i++)
		memset(record(g, i), FILLER, REC_SIZE);
	enable_device(g);
	desc_init(&d, DSA_OPCODE_NOOP, g->wq_size, 0, false);
	expect_status(run_one(g, &d, g->wq_size, "NOOP after the reset"),
		      STATUS_SUCCESS, "NOOP after the reset");
	expect_filled(buf, MAX_XFER, "uffd: the device, after the reset,");
	for (i = 0; i < g->wq_size; i++)
		if (record(g, i)->status != FILLER)
			fail("uffd: record %u written after the reset", i);
}

int scenario_uffd(struct guest *g, long n)
{
	struct uffd_handler *h;
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;
	unsigned char *buf;
	unsigned long seen;
	pthread_t thread;

	h = calloc(1, sizeof(*h));
	if (h)
		h->fill = aligned_alloc(PAGE, PAGE);
	if (!h || !h->fill)
		die("out of memory");
	memset(h->fill, 0, PAGE);
	buf = uffd_buffer(h, MAX_XFER);
	map_extra(g, buf, EXTRA_IOVA, MAX_XFER, false);
	if (pthread_create(&thread, NULL, uffd_serve, h))
		die("pthread_create");
	enable_device(g);
	fill_pattern(g->mem + SRC_OFF, MAX_XFER, g->seed);

	uffd_missing(g, h);

	/* the program touches the pages: its handler fills them in */
	memset(buf, FILLER, MAX_XFER);
	seen = uffd_events(h);
	expect_eq("page faults the handler served for the program",
		  seen, MAX_XFER / PAGE);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, MAX_XFER, false);
	d.src_addr = iova_of(SRC_OFF);
	d.dst_addr = EXTRA_IOVA;
	r = run_one(g, &d, 0, "memmove into filled-in pages");
	expect_status(r, STATUS_SUCCESS, "memmove into filled-in pages");
	if (memcmp(buf, g->mem + SRC_OFF, MAX_XFER))
		fail("memmove into filled-in pages: data mismatch");
	memset(g->mem + DST_OFF, 0, MAX_XFER);
	d.src_addr = EXTRA_IOVA;
	d.dst_addr = iova_of(DST_OFF);
	r = run_one(g, &d, 1, "memmove out of filled-in pages");
	expect_status(r, STATUS_SUCCESS, "memmove out of filled-in pages");
	if (memcmp(buf, g->mem + DST_OFF, MAX_XFER))
		fail("memmove out of filled-in pages: data mismatch");

	uffd_reset(g, buf);
	expect_eq("page faults the handler saw after the pages were filled in",
		  uffd_events(h), seen);

	__atomic_store_n(&h->stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	unmap_extra(g, EXTRA_IOVA, MAX_XFER);
	munmap(buf, MAX_XFER);
	close(h->uffd);
	free(h->fill);
	free(h);
	return 0;
}
