// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: play the guest of an idxd_ims virtual DSA device (vfio-mdev).
 *
 *   mdev_guest [-s SEED] [-b BYTES] [-t TIMEOUT_MS] [-u FILE] [-r FILE] [-f]
 *              [-m] [-c CPU] [-F open|irqs]... UUID SCENARIO [N]
 *
 * Opens the mdev UUID through a VFIO container (type1 IOMMU), maps a buffer
 * into it, checks the VFIO device, region and IRQ information, the PCI
 * configuration space and the BAR0 capability registers against the
 * interface contract, enables the virtual device and its WQ 0 through
 * CMD/CMDSTS, attaches one eventfd per MSI-X vector and runs a scenario:
 *
 *   ops        every supported operation once, completion interrupt on
 *              vector 1, record and data checked
 *   irq        VFIO_DEVICE_SET_IRQS: loopback, mask/unmask, detach
 *   bad        error paths: bad handle, IOVAs outside the mappings, bad
 *              sizes and opcodes, portal errors and SWERR, pieces of a
 *              descriptor in any order and a line left incomplete (SWERR
 *              0x43), commands, bad SET_IRQS arguments, read-only
 *              registers, reset
 *   storm N    N bad descriptors back to back, then a good one
 *   lines N    N rounds of two descriptors written in 8-byte pieces to two
 *              portal lines by two threads, interleaved by construction:
 *              the first thread writes half of its descriptor, the second
 *              all of its own, then the first the rest; both complete
 *   refill N   with every WQ slot busy, N times: as soon as the oldest
 *              descriptor's record appears, submit another; it must be
 *              taken (its slot is free before the guest sees the record)
 *   inflight [reset|close|both|remove|busy]
 *              fill every WQ slot with 64 KiB memmoves, then reset and/or
 *              close the device without waiting, or (remove) create the
 *              -r FILE, if given, wait for the host's request to give the
 *              device back (VFIO_PCI_REQ_IRQ_INDEX) and close it then: the
 *              records must hold the data or nothing, and opening the
 *              device again must fail with ENODEV; (busy) the same, but
 *              every slot is filled again each time the last round has
 *              completed, with its data checked, until the request comes;
 *              the -r FILE is created after the first round
 *   loop N     N memmove round trips (BYTES each, data from SEED), and
 *              more until FILE exists when -u FILE is given; creates the
 *              -r FILE, if given, when its window starts; prints the
 *              CLOCK_MONOTONIC window it ran in
 *   bench N    N NOOP round trips, portal write to eventfd; prints the
 *              median and 99th percentile in microseconds
 *   copybench N
 *              N memmoves of BYTES one at a time, each waited for on its
 *              interrupt; prints operations per second and the busy CPU
 *              time per memmove
 *   flr        with errors, interrupt enables and every WQ slot busy, a
 *              function level reset through the configuration space (as
 *              Linux's pcie_flr()): registers back in their reset state,
 *              then the device works
 *   halt N     with halt interrupts enabled, fill every WQ slot with 64 KiB
 *              memmoves, create the -r FILE and wait for the host to halt
 *              the parent: vector 0, GENSTS halted with reset type FLR,
 *              INTCAUSE.HALT, commands and portal writes refused, the
 *              queued descriptors lost; then wait for the -u FILE (the
 *              host recovered), Reset Device (with -f: a function level
 *              reset), enable again and do N memmove round trips (BYTES
 *              each) and one more round of every slot
 *   disabled   with halt interrupts enabled and nothing queued, create the
 *              -r FILE and wait for the host to disable the parent: vector
 *              0, GENSTS halted, INTCAUSE.HALT, commands and portal writes
 *              refused, neither Reset Device nor a function level reset
 *              brings it back
 *   handle N   N memmoves (BYTES each) asking for an interrupt, one at a
 *              time: each must succeed, data checked, with exactly one
 *              signal on vector 1, whatever the host's interrupt handle
 *              did meanwhile; with -r FILE, FILE is created once the first
 *              one is submitted, before waiting for it
 *   busmaster, xfer, cfgreset
 *              the PCI function's emulation, in mdev_guest_emul.c
 *   mapped N, idle N
 *              the mapped portal, in mdev_guest_portal.c
 *   noncontig [N], unmap, readonly, copyloop N, uffd
 *              the zero-copy data path, in mdev_guest_zerocopy.c
 *   fuzz SEED COUNT
 *              random operations on every part of the guest interface
 *              from several threads, in mdev_guest_fuzz.c
 *
 * With -c CPU the program runs on that CPU only. With -m descriptors go to
 * the mapped portal (stores to the descriptor pages, mmapped) instead of
 * pwrite()s of the BAR2 region, for scenarios that expect every portal
 * write to be taken (ops, irq, bench, copybench). With -F open the device
 * is opened, and with -F irqs its eventfds are attached, with each fault
 * site of the call failing in turn first (mdev_guest_fault.c).
 *
 * Prints one line per failed check and exits 0 when everything matched,
 * 1 on any mismatch and 4 (KSFT_SKIP) when VFIO is not available.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/idxd.h>
#include <linux/vfio.h>

#include "kselftest.h"

#include "mdev_guest.h"

int errors;
/* portal writes that succeeded and that failed, reported at exit */
unsigned long portal_accepted, portal_refused;

void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mdev_guest: FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
	errors++;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mdev_guest: FATAL: ", stdout);
	vprintf(fmt, ap);
	printf(" (%s)\n", strerror(errno));
	va_end(ap);
	printf("mdev_guest: portal writes accepted=%lu refused=%lu\n",
	       portal_accepted, portal_refused);
	exit(KSFT_FAIL);
}

void info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("mdev_guest: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
}

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* errstr: "success" or the message of a negative errno */
static const char *errstr(int ret)
{
	return ret ? strerror(-ret) : "success";
}

/* --- sysfs --- */

int sysfs_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

long sysfs_read_num(const char *path)
{
	char buf[64];

	if (sysfs_read(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 0);
}

/* --- guest memory --- */

/* the path of file NAME in the virtual device's idxd_ims sysfs directory */
void vdev_attr_path(struct guest *g, const char *name, char *path,
		    size_t len)
{
	snprintf(path, len, "/sys/bus/mdev/devices/%s/idxd_ims/%s", g->uuid,
		 name);
}

/* counter NAME of the virtual device's idxd_ims sysfs directory */
long vdev_counter(struct guest *g, const char *name)
{
	char path[256];
	long v;

	vdev_attr_path(g, name, path, sizeof(path));
	v = sysfs_read_num(path);
	if (v < 0)
		die("cannot read %s", path);
	return v;
}

__u64 iova_of(unsigned long off)
{
	return IOVA_BASE + off;
}

struct dsa_completion_record *record(struct guest *g, unsigned int i)
{
	return (struct dsa_completion_record *)(g->mem + REC_OFF + i * REC_SIZE);
}

__u64 record_iova(unsigned int i)
{
	return iova_of(REC_OFF + i * REC_SIZE);
}

/* fill_pattern: deterministic bytes from a seed (xorshift) */
void fill_pattern(unsigned char *p, size_t len, __u32 seed)
{
	__u32 x = seed * 2654435761U + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x >> 24;
	}
}

/* --- VFIO regions --- */

static int region_rw(struct guest *g, struct region *r, bool write,
		     __u64 off, void *buf, size_t len)
{
	ssize_t n;

	if (write)
		n = pwrite(g->device, buf, len, r->offset + off);
	else
		n = pread(g->device, buf, len, r->offset + off);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

__u32 cfg_read32(struct guest *g, unsigned int off)
{
	__u32 v = 0;

	if (region_rw(g, &g->cfg, false, off, &v, 4))
		fail("config read32 at %#x failed", off);
	return v;
}

__u16 cfg_read16(struct guest *g, unsigned int off)
{
	__u16 v = 0;

	if (region_rw(g, &g->cfg, false, off, &v, 2))
		fail("config read16 at %#x failed", off);
	return v;
}

void cfg_write32(struct guest *g, unsigned int off, __u32 v)
{
	if (region_rw(g, &g->cfg, true, off, &v, 4))
		fail("config write32 %#x at %#x failed", v, off);
}

void cfg_write16(struct guest *g, unsigned int off, __u16 v)
{
	if (region_rw(g, &g->cfg, true, off, &v, 2))
		fail("config write16 %#x at %#x failed", v, off);
}

__u32 bar0_read32(struct guest *g, unsigned int off)
{
	__u32 v = 0;

	if (region_rw(g, &g->bar0, false, off, &v, 4))
		fail("BAR0 read32 at %#x failed", off);
	return v;
}

__u64 bar0_read64(struct guest *g, unsigned int off)
{
	__u64 v = 0;

	if (region_rw(g, &g->bar0, false, off, &v, 8))
		fail("BAR0 read64 at %#x failed", off);
	return v;
}

void bar0_write32(struct guest *g, unsigned int off, __u32 v)
{
	if (region_rw(g, &g->bar0, true, off, &v, 4))
		fail("BAR0 write32 %#x at %#x failed", v, off);
}

void bar0_write64(struct guest *g, unsigned int off, __u64 v)
{
	if (region_rw(g, &g->bar0, true, off, &v, 8))
		fail("BAR0 write64 %#llx at %#x failed", (unsigned long long)v, off);
}

/* --- eventfds --- */

/* wait_vector: wait for vector v; returns its eventfd count, 0 on timeout */
static __u64 wait_vector(struct guest *g, int v, int timeout_ms)
{
	struct pollfd pfd = { .fd = g->efd[v], .events = POLLIN };
	__u64 count = 0;
	int n;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	if (read(g->efd[v], &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

/* drain_vector: forget signals already counted on vector v */
void drain_vector(struct guest *g, int v)
{
	__u64 count;

	while (read(g->efd[v], &count, sizeof(count)) == sizeof(count))
		;
}

/* expect_quiet: vector v must not be signalled within QUIET_MS */
void expect_quiet(struct guest *g, int v, const char *what)
{
	__u64 n = wait_vector(g, v, QUIET_MS);

	if (n)
		fail("%s: vector %d signalled %llu time(s), expected none",
		     what, v, (unsigned long long)n);
}

/* expect_signal: vector v must be signalled exactly once */
void expect_signal(struct guest *g, int v, const char *what)
{
	__u64 n = wait_vector(g, v, g->timeout_ms);

	if (n != 1)
		fail("%s: vector %d signalled %llu time(s) within %d ms, expected 1",
		     what, v, (unsigned long long)n, g->timeout_ms);
}

int set_irqs(struct guest *g, __u32 flags, __u32 index, __u32 start,
	     __u32 count, const __s32 *fds)
{
	char buf[sizeof(struct vfio_irq_set) + NR_VECS * sizeof(__s32)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(*set);
	if (fds && count <= NR_VECS) {
		set->argsz += count * sizeof(__s32);
		memcpy(set->data, fds, count * sizeof(__s32));
	}
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	return ioctl(g->device, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}

void attach_vectors(struct guest *g)
{
	if (set_irqs(g, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		     VFIO_PCI_MSIX_IRQ_INDEX, 0, NR_VECS, g->efd))
		die("VFIO_DEVICE_SET_IRQS: attaching the MSI-X eventfds");
}

/* trigger_vector: fire vector v from software (loopback) */
int trigger_vector(struct guest *g, int v)
{
	return set_irqs(g, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			VFIO_PCI_MSIX_IRQ_INDEX, v, 1, NULL);
}

static int mask_vector(struct guest *g, int v, bool mask)
{
	__u32 action = mask ? VFIO_IRQ_SET_ACTION_MASK : VFIO_IRQ_SET_ACTION_UNMASK;

	return set_irqs(g, VFIO_IRQ_SET_DATA_NONE | action,
			VFIO_PCI_MSIX_IRQ_INDEX, v, 1, NULL);
}

/* --- commands and device state --- */

/* dev_cmd: run one command; returns the CMDSTS error code */
static unsigned int dev_cmd(struct guest *g, unsigned int code, __u32 operand,
			    bool irq)
{
	__u32 sts;

	bar0_write32(g, R_CMD, (irq ? CMD_INT_REQ : 0) | (code & 0x1f) << 20 |
		     (operand & 0xfffff));
	sts = bar0_read32(g, R_CMDSTS);
	if (sts & CMDSTS_ACTIVE)
		fail("command %u: CMDSTS %#x still active after the write",
		     code, sts);
	return sts & 0xff;
}

void expect_cmd(struct guest *g, unsigned int code, __u32 operand,
		unsigned int want, const char *what)
{
	unsigned int got = dev_cmd(g, code, operand, false);

	if (got != want)
		fail("%s (command %u operand %#x): CMDSTS %#x, expected %#x",
		     what, code, operand, got, want);
}

unsigned int gensts(struct guest *g)
{
	return bar0_read32(g, R_GENSTS) & 0x3;
}

unsigned int wq_state(struct guest *g)
{
	return bar0_read32(g, R_WQCFG + 6 * 4) >> 30;
}

void set_bus_master(struct guest *g, bool on)
{
	__u16 cmd = cfg_read16(g, PCI_COMMAND);

	cmd = on ? cmd | PCI_CMD_MEM | PCI_CMD_MASTER : cmd & ~PCI_CMD_MASTER;
	cfg_write16(g, PCI_COMMAND, cmd);
}

/* enable_device: bus master, enable device, enable WQ 0 */
void enable_device(struct guest *g)
{
	int before = errors;

	set_bus_master(g, true);
	expect_cmd(g, CMD_ENABLE_DEV, 0, 0, "enable device");
	expect_eq("GENSTS after enable device", gensts(g), 1);
	expect_cmd(g, CMD_ENABLE_WQ, 0, 0, "enable WQ 0");
	expect_eq("WQCFG state after enable WQ", wq_state(g), 1);
	if (errors != before)
		die("cannot enable the virtual device");
}

void clear_swerr(struct guest *g)
{
	bar0_write64(g, R_SWERR, SWERR_VALID | SWERR_OVERFLOW);
	bar0_write32(g, R_INTCAUSE, INTC_SWERR | INTC_CMD);
}

/*
 * flr: a function level reset as Linux's pcie_flr() does it: no
 * transaction pending in DEVSTA, Initiate FLR set in DEVCTL with a
 * read-modify-write, then the configuration space must not read all ones
 * (pci_dev_wait()). Initiate FLR reads back as 0, the rest of DEVCTL as
 * it was.
 */
void flr(struct guest *g, const char *what)
{
	char name[128];
	__u16 ctl;

	snprintf(name, sizeof(name), "%s: DEVSTA Transactions Pending", what);
	expect_eq(name, cfg_read16(g, PCIE_DEVSTA) & PCIE_DEVSTA_TRPND, 0);
	ctl = cfg_read16(g, PCIE_DEVCTL);
	cfg_write16(g, PCIE_DEVCTL, ctl | PCIE_DEVCTL_FLR);
	snprintf(name, sizeof(name), "%s: DEVCTL read back", what);
	expect_eq(name, cfg_read16(g, PCIE_DEVCTL), ctl & ~PCIE_DEVCTL_FLR);
	if (cfg_read32(g, PCI_COMMAND) == 0xffffffff ||
	    cfg_read32(g, PCI_VENDOR) == 0xffffffff)
		fail("%s: the configuration space reads all ones", what);
}

/* expect_reset_state: BAR0 registers as a reset leaves them */
static void expect_reset_state(struct guest *g, const char *what)
{
	char name[128];
	unsigned int i;

	snprintf(name, sizeof(name), "%s: GENSTS", what);
	expect_eq(name, bar0_read32(g, R_GENSTS), 0);
	snprintf(name, sizeof(name), "%s: GENCTRL", what);
	expect_eq(name, bar0_read32(g, R_GENCTRL), 0);
	snprintf(name, sizeof(name), "%s: INTCAUSE", what);
	expect_eq(name, bar0_read32(g, R_INTCAUSE), 0);
	snprintf(name, sizeof(name), "%s: CMDSTS", what);
	expect_eq(name, bar0_read32(g, R_CMDSTS), 0);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "%s: SWERR quadword %u", what, i);
		expect_eq(name, bar0_read64(g, R_SWERR + 8 * i), 0);
	}
	snprintf(name, sizeof(name), "%s: WQCFG state", what);
	expect_eq(name, wq_state(g), 0);
}

/* --- descriptors --- */

void desc_init(struct dsa_hw_desc *d, unsigned int op, unsigned int rec,
	       __u32 size, bool irq)
{
	memset(d, 0, sizeof(*d));
	d->opcode = op;
	d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	if (irq)
		d->flags |= IDXD_OP_FLAG_RCI;
	d->completion_addr = record_iova(rec);
	d->xfer_size = size;
	d->int_handle = VEC_WQ;
}

/*
 * portal_write: one 64-byte write at BAR2 offset off; 0 or -errno. With -m
 * a store to the mapped portal instead (off in the descriptor pages), which
 * cannot fail: the consumer takes it, or records why not in SWERR.
 */
int portal_write(struct guest *g, unsigned int off,
		 const struct dsa_hw_desc *d)
{
	int ret;

	if (g->portal_map && off < PORTAL_MAPPED_SIZE) {
		mapped_write(g->portal_map + off / sizeof(__u64), d);
		portal_accepted++;
		return 0;
	}
	ret = region_rw(g, &g->bar2, true, off, (void *)d, sizeof(*d));

	if (ret)
		portal_refused++;
	else
		portal_accepted++;
	return ret;
}

void submit(struct guest *g, struct dsa_hw_desc *d, const char *what)
{
	int ret;

	memset(record(g, (d->completion_addr - record_iova(0)) / REC_SIZE), 0,
	       REC_SIZE);
	ret = portal_write(g, 0, d);
	if (ret)
		fail("%s: portal write failed: %s", what, strerror(-ret));
}

/* wait_record: poll a record's status byte; returns it, 0 on timeout */
__u8 wait_record(struct guest *g, struct dsa_completion_record *r)
{
	__u64 deadline = now_ns() + g->timeout_ms * 1000000ULL;
	struct timespec ts = { 0, 20000 };
	__u8 status;

	while (!(status = __atomic_load_n(&r->status, __ATOMIC_ACQUIRE)) &&
	       now_ns() < deadline)
		nanosleep(&ts, NULL);
	return status;
}

/*
 * run_irq: submit a descriptor asking for a completion interrupt, wait for
 * vector 1 and return its record, whose status must be set by then.
 */
static struct dsa_completion_record *run_irq(struct guest *g,
					     struct dsa_hw_desc *d,
					     const char *what)
{
	struct dsa_completion_record *r;

	r = record(g, (d->completion_addr - record_iova(0)) / REC_SIZE);
	submit(g, d, what);
	expect_signal(g, VEC_WQ, what);
	if (!__atomic_load_n(&r->status, __ATOMIC_ACQUIRE))
		fail("%s: no completion status after the interrupt", what);
	return r;
}

/* run_poll: submit without interrupt and poll the record */
struct dsa_completion_record *run_poll(struct guest *g,
				       struct dsa_hw_desc *d,
				       const char *what)
{
	struct dsa_completion_record *r;

	r = record(g, (d->completion_addr - record_iova(0)) / REC_SIZE);
	submit(g, d, what);
	if (!wait_record(g, r))
		fail("%s: no completion record within %d ms", what,
		     g->timeout_ms);
	return r;
}

void expect_status(struct dsa_completion_record *r, __u8 want,
		   const char *what)
{
	if (r->status != want)
		fail("%s: status %#x, expected %#x", what, r->status, want);
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

/* --- opening the device --- */

static void open_container(struct guest *g)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/iommu_group",
		 g->uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("%s", path);
	link[n] = '\0';
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));

	g->container = open("/dev/vfio/vfio", O_RDWR);
	if (g->container < 0) {
		info("SKIP: cannot open /dev/vfio/vfio: %s", strerror(errno));
		exit(KSFT_SKIP);
	}
	if (ioctl(g->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("VFIO API version mismatch");
	if (ioctl(g->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		info("SKIP: no VFIO type1v2 IOMMU");
		exit(KSFT_SKIP);
	}
	g->group = open(path, O_RDWR);
	if (g->group < 0)
		die("open %s", path);
	if (ioctl(g->group, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group %s is not viable", path);
	if (ioctl(g->group, VFIO_GROUP_SET_CONTAINER, &g->container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(g->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU type1v2");

	g->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		die("mmap");
	memset(g->mem, 0, MEM_SIZE);
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (unsigned long)g->mem;
	map.iova = IOVA_BASE;
	map.size = MEM_SIZE;
	if (ioctl(g->container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA");

	if (g->faults & FAULT_OPEN)
		g->device = fault_open_device(g);
	else
		g->device = ioctl(g->group, VFIO_GROUP_GET_DEVICE_FD, g->uuid);
	if (g->device < 0)
		die("VFIO_GROUP_GET_DEVICE_FD %s", g->uuid);
}

static void check_region(struct guest *g, unsigned int index,
			 struct region *r)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };
	__u64 size = 0;
	__u32 flags = 0;

	if (ioctl(g->device, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
		fail("VFIO_DEVICE_GET_REGION_INFO %u: %s", index, strerror(errno));
		return;
	}
	switch (index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		size = 4096;
		flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		size = BAR0_SIZE;
		flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		size = BAR2_SIZE;
		/* the descriptor pages can be mapped (scenario mapped) */
		flags = VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP;
		break;
	}
	if (ri.size != size)
		fail("region %u: size %#llx, expected %#llx", index,
		     (unsigned long long)ri.size, (unsigned long long)size);
	if (size && (ri.flags & (VFIO_REGION_INFO_FLAG_READ |
				 VFIO_REGION_INFO_FLAG_WRITE |
				 VFIO_REGION_INFO_FLAG_MMAP)) != flags)
		fail("region %u: flags %#x, expected %#x", index,
		     ri.flags & ~VFIO_REGION_INFO_FLAG_CAPS, flags);
	if (r) {
		r->offset = ri.offset;
		r->size = ri.size;
		r->flags = ri.flags;
	}
}

static void check_device_info(struct guest *g)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };
	__u32 want = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		     VFIO_IRQ_INFO_NORESIZE;
	unsigned int i;

	if (ioctl(g->device, VFIO_DEVICE_GET_INFO, &di))
		die("VFIO_DEVICE_GET_INFO");
	if ((di.flags & (VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET)) !=
	    (VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET))
		fail("device flags %#x lack PCI|RESET", di.flags);
	expect_eq("num_regions", di.num_regions, VFIO_PCI_NUM_REGIONS);
	expect_eq("num_irqs", di.num_irqs, VFIO_PCI_NUM_IRQS);

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct region *r = NULL;

		if (i == VFIO_PCI_CONFIG_REGION_INDEX)
			r = &g->cfg;
		else if (i == VFIO_PCI_BAR0_REGION_INDEX)
			r = &g->bar0;
		else if (i == VFIO_PCI_BAR2_REGION_INDEX)
			r = &g->bar2;
		check_region(g, i, r);
	}
	if (!g->cfg.size || !g->bar0.size || !g->bar2.size)
		die("config, BAR0 or BAR2 region missing");

	ii.index = VFIO_PCI_MSIX_IRQ_INDEX;
	if (ioctl(g->device, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		die("VFIO_DEVICE_GET_IRQ_INFO MSI-X");
	expect_eq("MSI-X irq count", ii.count, NR_VECS);
	if ((ii.flags & want) != want)
		fail("MSI-X irq flags %#x, expected %#x", ii.flags, want);
	ii.argsz = sizeof(ii);
	ii.index = VFIO_PCI_REQ_IRQ_INDEX;
	want = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
	if (ioctl(g->device, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		fail("VFIO_DEVICE_GET_IRQ_INFO REQ: %s", strerror(errno));
	else if (ii.count != 1 || (ii.flags & want) != want)
		fail("REQ irq: count %u flags %#x, expected 1 and %#x",
		     ii.count, ii.flags, want);
	for (i = VFIO_PCI_INTX_IRQ_INDEX; i <= VFIO_PCI_MSI_IRQ_INDEX; i++) {
		ii.argsz = sizeof(ii);
		ii.index = i;
		if (ioctl(g->device, VFIO_DEVICE_GET_IRQ_INFO, &ii))
			fail("VFIO_DEVICE_GET_IRQ_INFO %u: %s", i, strerror(errno));
		else
			expect_eq(i ? "MSI irq count" : "INTx irq count", ii.count, 0);
	}
}

/* --- configuration space --- */

/* check_bar: sizing and address programming of a 64-bit memory BAR */
static void check_bar(struct guest *g, unsigned int off, __u32 size,
		      const char *name)
{
	char what[64];
	__u32 lo = cfg_read32(g, off), hi = cfg_read32(g, off + 4);

	snprintf(what, sizeof(what), "%s type bits", name);
	expect_eq(what, lo & 0x7, 0x4);
	cfg_write32(g, off, 0xffffffff);
	cfg_write32(g, off + 4, 0xffffffff);
	snprintf(what, sizeof(what), "%s sizing, low dword", name);
	expect_eq(what, cfg_read32(g, off) & ~0xfU, ~(size - 1) & ~0xfU);
	snprintf(what, sizeof(what), "%s sizing, high dword", name);
	expect_eq(what, cfg_read32(g, off + 4), 0xffffffff);
	cfg_write32(g, off, 0xfe000000);
	cfg_write32(g, off + 4, 0x1);
	snprintf(what, sizeof(what), "%s programmed address", name);
	expect_eq(what, cfg_read32(g, off) & ~0xfU, 0xfe000000);
	expect_eq(what, cfg_read32(g, off + 4), 0x1);
	cfg_write32(g, off, lo);
	cfg_write32(g, off + 4, hi);
}

static void check_config(struct guest *g)
{
	char path[PATH_MAX + 32], parent[PATH_MAX];
	long devid, rev;
	__u32 v;
	__u16 ctrl;

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s", g->uuid);
	if (!realpath(path, parent))
		die("realpath %s", path);
	snprintf(path, sizeof(path), "%s/device", dirname(parent));
	devid = sysfs_read_num(path);
	snprintf(path, sizeof(path), "%s/revision", parent);
	rev = sysfs_read_num(path);

	expect_eq("config vendor", cfg_read16(g, PCI_VENDOR), 0x8086);
	expect_eq("config device = parent's", cfg_read16(g, PCI_DEVICE), devid);
	v = cfg_read32(g, PCI_REVISION);
	expect_eq("config revision = parent's", v & 0xff, rev);
	expect_eq("config class code", v >> 8, 0x088000);
	expect_eq("config status", cfg_read16(g, PCI_STATUS) & PCI_STATUS_CAPS,
		  PCI_STATUS_CAPS);
	expect_eq("config subsystem vendor", cfg_read16(g, PCI_SUBSYS_VENDOR),
		  0x8086);
	expect_eq("config capability pointer", cfg_read32(g, PCI_CAP_PTR) & 0xff,
		  PCIE_CAP);

	/* read-only fields stay, only the documented command bits move */
	cfg_write16(g, PCI_VENDOR, 0x1234);
	expect_eq("config vendor after a write", cfg_read16(g, PCI_VENDOR), 0x8086);
	cfg_write16(g, PCI_COMMAND, 0xffff);
	expect_eq("config command after writing 0xffff",
		  cfg_read16(g, PCI_COMMAND),
		  PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DIS);
	cfg_write16(g, PCI_COMMAND, 0);
	expect_eq("config command after writing 0", cfg_read16(g, PCI_COMMAND), 0);

	check_bar(g, PCI_BAR0, BAR0_SIZE, "BAR0");
	check_bar(g, PCI_BAR2, BAR2_SIZE, "BAR2");

	v = cfg_read32(g, PCIE_CAP);
	expect_eq("PCIe cap id", v & 0xff, 0x10);
	expect_eq("PCIe cap next", (v >> 8) & 0xff, MSIX_CAP);
	expect_eq("PCIe cap version", (v >> 16) & 0xf, 2);
	expect_eq("PCIe cap port type (endpoint)", (v >> 20) & 0xf, 0);
	expect_eq("PCIe DEVCAP Function Level Reset Capability",
		  cfg_read32(g, PCIE_DEVCAP) & PCIE_DEVCAP_FLR, PCIE_DEVCAP_FLR);
	expect_eq("PCIe DEVSTA Transactions Pending",
		  cfg_read16(g, PCIE_DEVSTA) & PCIE_DEVSTA_TRPND, 0);

	v = cfg_read32(g, MSIX_CAP);
	expect_eq("MSI-X cap id", v & 0xff, 0x11);
	expect_eq("MSI-X cap next", (v >> 8) & 0xff, 0);
	expect_eq("MSI-X table size field", (v >> 16) & MSIX_CTRL_SIZE, NR_VECS - 1);
	expect_eq("MSI-X table BIR/offset", cfg_read32(g, MSIX_CAP + 4), R_MSIX_TABLE);
	expect_eq("MSI-X PBA BIR/offset", cfg_read32(g, MSIX_CAP + 8), R_MSIX_PBA);
	cfg_write16(g, MSIX_CAP + 2, 0xffff);
	ctrl = cfg_read16(g, MSIX_CAP + 2);
	expect_eq("MSI-X control after writing 0xffff", ctrl,
		  MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL | (NR_VECS - 1));
	cfg_write16(g, MSIX_CAP + 2, MSIX_CTRL_ENABLE);
	expect_eq("MSI-X control enabled", cfg_read16(g, MSIX_CAP + 2),
		  MSIX_CTRL_ENABLE | (NR_VECS - 1));

	v = cfg_read32(g, PASID_ECAP);
	expect_eq("PASID ext cap id", v & 0xffff, 0x1b);
	expect_eq("PASID ext cap version", (v >> 16) & 0xf, 1);
	expect_eq("PASID ext cap next", v >> 20, 0);
	expect_eq("PASID max width", (cfg_read16(g, PASID_ECAP + 4) >> 8) & 0x1f, 20);
	cfg_write16(g, PASID_ECAP + 6, 1);
	expect_eq("PASID control enable", cfg_read16(g, PASID_ECAP + 6) & 1, 1);
	cfg_write16(g, PASID_ECAP + 6, 0);
	expect_eq("PASID control disable", cfg_read16(g, PASID_ECAP + 6) & 1, 0);
}

/* --- BAR0 capabilities --- */

/* host_wq_attr: a positive number attribute of the host WQ behind g */
static long host_wq_attr(struct guest *g, const char *name)
{
	char path[PATH_MAX], wq[64];
	long val;

	snprintf(path, sizeof(path), "/sys/bus/mdev/devices/%s/idxd_ims/wq",
		 g->uuid);
	if (sysfs_read(path, wq, sizeof(wq)))
		die("read %s", path);
	snprintf(path, sizeof(path), "/sys/bus/dsa/devices/%s/%s", wq, name);
	val = sysfs_read_num(path);
	if (val <= 0)
		die("read %s", path);
	return val;
}

static void check_bar0(struct guest *g)
{
	unsigned int want_size = host_wq_attr(g, "size");
	long host_xfer = host_wq_attr(g, "max_transfer_size");
	unsigned int xfer_shift = 0;
	__u64 gencap, wqcap, off;
	unsigned int i;

	/* the smaller of the slice's 64 KiB and what the host WQ takes */
	while (xfer_shift < 16 && (2L << xfer_shift) <= host_xfer)
		xfer_shift++;
	g->max_xfer = 1U << xfer_shift;
	expect_eq("VERSION", bar0_read32(g, R_VERSION), 0x100);
	gencap = bar0_read64(g, R_GENCAP);
	expect_eq("GENCAP max_xfer_shift", (gencap >> 16) & 0x1f, xfer_shift);
	expect_eq("GENCAP max_batch_shift", (gencap >> 21) & 0xf, 0);
	expect_eq("GENCAP max_ims_mult", (gencap >> 25) & 0x3f, 0);
	expect_eq("GENCAP config_en", (gencap >> 31) & 1, 0);
	expect_eq("GENCAP cmd_cap", (gencap >> 4) & 1, 0);
	expect_eq("GENCAP block_on_fault", gencap & 1, 0);

	wqcap = bar0_read64(g, R_WQCAP);
	g->wq_size = wqcap & 0xffff;
	expect_eq("WQCAP total_size = host WQ size", g->wq_size,
		  want_size < MAX_SLOTS ? want_size : MAX_SLOTS);
	expect_eq("WQCAP num_wqs", (wqcap >> 16) & 0xff, 1);
	expect_eq("WQCAP wqcfg_size", (wqcap >> 24) & 0xf, 0);
	expect_eq("WQCAP dedicated mode", (wqcap >> 49) & 1, 1);
	if (!g->wq_size || g->wq_size > MAX_SLOTS)
		die("WQCAP total_size %u out of range", g->wq_size);

	expect_eq("GRPCAP num_groups", bar0_read64(g, R_GRPCAP) & 0xff, 1);
	expect_eq("ENGCAP num_engines", bar0_read64(g, R_ENGCAP) & 0xff, 1);
	expect_eq("OPCAP qword 0", bar0_read64(g, R_OPCAP), OPCAP0_EXPECTED);
	for (i = 1; i < 4; i++)
		expect_eq("OPCAP upper qwords", bar0_read64(g, R_OPCAP + 8 * i), 0);

	off = bar0_read64(g, R_OFFSETS);
	expect_eq("GRPCFG offset", off & 0xffff, R_GRPCFG / 0x100);
	expect_eq("WQCFG offset", (off >> 16) & 0xffff, R_WQCFG / 0x100);
	expect_eq("MSI-X perm offset", (off >> 32) & 0xffff, R_MSIX_PERM / 0x100);
	expect_eq("IMS offset", off >> 48, 0);
	expect_eq("perfmon offset", bar0_read64(g, R_OFFSETS + 8) & 0xffff, 0);

	expect_eq("GRPCFG WQ bitmap", bar0_read64(g, R_GRPCFG), 1);
	expect_eq("GRPCFG engines", bar0_read64(g, R_GRPCFG + 0x20), 1);
	expect_eq("WQCFG size", bar0_read32(g, R_WQCFG) & 0xffff, g->wq_size);
	expect_eq("WQCFG dedicated", bar0_read32(g, R_WQCFG + 8) & 1, 1);
	expect_eq("WQCFG max_xfer_shift", bar0_read32(g, R_WQCFG + 12) & 0x1f,
		  xfer_shift);
}

/* --- scenario helpers --- */

static void open_guest(struct guest *g)
{
	int i;

	open_container(g);
	check_device_info(g);
	check_config(g);
	check_bar0(g);
	/* a VMM resets the device before its guest starts, so do we */
	if (gensts(g))
		info("GENSTS %#x at open, before VFIO_DEVICE_RESET", gensts(g));
	if (ioctl(g->device, VFIO_DEVICE_RESET))
		fail("VFIO_DEVICE_RESET at open: %s", strerror(errno));
	expect_eq("GENSTS after VFIO_DEVICE_RESET", gensts(g), 0);
	expect_eq("WQCFG state after VFIO_DEVICE_RESET", wq_state(g), 0);
	for (i = 0; i < NR_VECS; i++) {
		g->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (g->efd[i] < 0)
			die("eventfd");
	}
	if (g->faults & FAULT_IRQS)
		fault_attach_vectors(g);
	else
		attach_vectors(g);
	if (errors)
		info("%d check(s) failed while opening %s", errors, g->uuid);
}

/* memmove_once: copy len bytes src_off -> dst_off and check the data */
static void memmove_once(struct guest *g, unsigned long src_off,
			 unsigned long dst_off, __u32 len, __u32 seed,
			 const char *what)
{
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;

	fill_pattern(g->mem + src_off, len, seed);
	memset(g->mem + dst_off, 0xdb, len + 64);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, len, true);
	d.src_addr = iova_of(src_off);
	d.dst_addr = iova_of(dst_off);
	r = run_irq(g, &d, what);
	expect_status(r, DSA_COMP_SUCCESS, what);
	if (memcmp(g->mem + src_off, g->mem + dst_off, len))
		fail("%s: destination differs from source", what);
	if (g->mem[dst_off + len] != 0xdb)
		fail("%s: byte after the destination was written", what);
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

static int scenario_ops(struct guest *g, long n)
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

static int scenario_irq(struct guest *g, long n)
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
static void expect_portal_error(struct guest *g, unsigned int off,
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

static int scenario_bad(struct guest *g, long n)
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

static int scenario_storm(struct guest *g, long n)
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

/* --- lines --- */

#define LINES_BYTES		256
#define LINES_PIECE		8

/*
 * One thread's descriptor and the pipes that order the threads' writes:
 * the writer waits for a byte on go, writes, and answers on done.
 */
struct line_writer {
	struct guest *g;
	struct dsa_hw_desc d;
	unsigned int off;	/* BAR2 offset of its portal line */
	int ret;		/* the first failed piece, or 0 */
	int go[2];
	int done[2];
};

/* write_pieces: bytes [from, to) of w->d to its line, 8 bytes at a time */
static void write_pieces(struct line_writer *w, unsigned int from,
			 unsigned int to)
{
	unsigned int i;
	int ret;

	for (i = from; i < to; i += LINES_PIECE) {
		ret = region_rw(w->g, &w->g->bar2, true, w->off + i,
				(unsigned char *)&w->d + i, LINES_PIECE);
		if (ret && !w->ret)
			w->ret = ret;
	}
}

static void pipe_put(int fd)
{
	char c = 0;

	if (write(fd, &c, 1) != 1)
		die("pipe write");
}

/* pipe_get: false when the other end was closed */
static bool pipe_get(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

/* the second thread: its whole descriptor whenever the first says go */
static void *line_writer_thread(void *arg)
{
	struct line_writer *w = arg;

	while (pipe_get(w->go[0])) {
		write_pieces(w, 0, sizeof(w->d));
		pipe_put(w->done[1]);
	}
	return NULL;
}

/* lines_desc: writer k's memmove of data of its own in round r */
static void lines_desc(struct guest *g, struct line_writer *w, unsigned int k,
		       long r)
{
	unsigned long src = SRC_OFF + k * LINES_BYTES;
	unsigned long dst = DST_OFF + k * LINES_BYTES;

	fill_pattern(g->mem + src, LINES_BYTES, g->seed + r * 2 + k);
	memset(g->mem + dst, 0xdb, LINES_BYTES);
	desc_init(&w->d, DSA_OPCODE_MEMMOVE, k, LINES_BYTES, false);
	w->d.src_addr = iova_of(src);
	w->d.dst_addr = iova_of(dst);
	memset(record(g, k), 0, REC_SIZE);
	w->ret = 0;
}

static int scenario_lines(struct guest *g, long n)
{
	struct line_writer w[2] = { { .g = g }, { .g = g } };
	const unsigned int half = sizeof(w[0].d) / 2;
	pthread_t thread;
	char what[64];
	unsigned int k;
	long r;

	if (pipe(w[1].go) || pipe(w[1].done))
		die("pipe");
	if (pthread_create(&thread, NULL, line_writer_thread, &w[1]))
		die("pthread_create");
	enable_device(g);
	clear_swerr(g);
	bar0_write32(g, R_GENCTRL, GENCTRL_SWERR_INT);
	drain_vector(g, VEC_ERR);
	for (r = 0; r < n && errors < 5; r++) {
		/* two neighbouring lines, another pair and page each round */
		w[0].off = (r % 2) * PORTAL_LIMITED + (r % 32) * 128;
		w[1].off = w[0].off + 64;
		for (k = 0; k < 2; k++)
			lines_desc(g, &w[k], k, r);
		write_pieces(&w[0], 0, half);
		pipe_put(w[1].go[1]);
		if (!pipe_get(w[1].done[0]))
			die("lines: the second writer is gone");
		write_pieces(&w[0], half, sizeof(w[0].d));
		for (k = 0; k < 2; k++) {
			snprintf(what, sizeof(what),
				 "lines round %ld: descriptor %u at BAR2 %#x", r,
				 k, w[k].off);
			if (w[k].ret)
				fail("%s: a portal write failed: %s", what,
				     strerror(-w[k].ret));
			else if (wait_record(g, record(g, k)) != DSA_COMP_SUCCESS)
				fail("%s: status %#x", what, record(g, k)->status);
			else if (memcmp(g->mem + SRC_OFF + k * LINES_BYTES,
					g->mem + DST_OFF + k * LINES_BYTES,
					LINES_BYTES))
				fail("%s: destination differs from source", what);
		}
	}
	close(w[1].go[1]);
	pthread_join(thread, NULL);
	if (bar0_read64(g, R_SWERR) & SWERR_VALID)
		fail("lines: SWERR %#llx",
		     (unsigned long long)bar0_read64(g, R_SWERR));
	expect_quiet(g, VEC_ERR, "lines: error vector");
	info("lines: %ld rounds of two interleaved descriptors", r);
	return 0;
}

/* --- refill --- */

/* spin_record: busy-poll a record's status byte; returns it, 0 on timeout */
static __u8 spin_record(struct guest *g, struct dsa_completion_record *r)
{
	__u64 deadline = now_ns() + g->timeout_ms * 1000000ULL;
	__u8 status;

	while (!(status = __atomic_load_n(&r->status, __ATOMIC_ACQUIRE)) &&
	       now_ns() < deadline)
		;
	return status;
}

/*
 * refill N: with the WQ full, submit the next descriptor as soon as the
 * record of the oldest one appears, N times. The slot of a descriptor the
 * guest sees completed must be free by then, so every submission must be
 * taken: no EBUSY, no SWERR 0x41 (work queue full).
 */
static int scenario_refill(struct guest *g, long n)
{
	unsigned long i, total = n + g->wq_size;
	bool queued[MAX_SLOTS] = { false };
	struct dsa_hw_desc d;
	unsigned int rec;
	__u64 sw;
	__u8 st;
	int ret;

	enable_device(g);
	clear_swerr(g);
	for (i = 0; i < total && errors < 5; i++) {
		rec = i % g->wq_size;
		if (queued[rec]) {
			st = spin_record(g, record(g, rec));
			if (st != DSA_COMP_SUCCESS)
				fail("refill descriptor %lu: status %#x",
				     i - g->wq_size, st);
		}
		queued[rec] = false;
		if (i >= (unsigned long)n)
			continue;
		desc_init(&d, DSA_OPCODE_NOOP, rec, 0, true);
		memset(record(g, rec), 0, REC_SIZE);
		ret = portal_write(g, 0, &d);
		if (ret)
			fail("refill descriptor %lu: portal write: %s", i,
			     strerror(-ret));
		queued[rec] = !ret;
	}
	sw = bar0_read64(g, R_SWERR);
	if (sw & SWERR_VALID)
		fail("refill: SWERR %#llx, error code %#llx (0x41: work queue full)",
		     (unsigned long long)sw, (unsigned long long)(sw >> 8) & 0xff);
	info("refill: %lu descriptors, each written as soon as a slot's record appeared",
	     i < (unsigned long)n ? i : n);
	return 0;
}

/* --- inflight --- */

/* touch_file: create an empty file for the host to see */
static void touch_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		die("create %s", path);
	close(fd);
}

/*
 * queue_slots: a 64 KiB memmove in every slot, each to its own destination,
 * cleared first; returns how many the portal took (a full work queue
 * refuses the rest)
 */
static unsigned int queue_slots(struct guest *g)
{
	struct dsa_hw_desc d;
	unsigned int i, taken = 0;
	int ret;

	fill_pattern(g->mem + SRC_OFF, MAX_XFER, g->seed);
	for (i = 0; i < g->wq_size; i++) {
		desc_init(&d, DSA_OPCODE_MEMMOVE, i, MAX_XFER, true);
		d.src_addr = iova_of(SRC_OFF);
		d.dst_addr = iova_of(DST_OFF + i * MAX_XFER);
		memset(g->mem + DST_OFF + i * MAX_XFER, 0, MAX_XFER);
		memset(record(g, i), 0, REC_SIZE);
		ret = portal_write(g, 0, &d);
		if (!ret)
			taken++;
		else if (ret != -EBUSY)
			fail("inflight descriptor %u: %s", i, strerror(-ret));
	}
	return taken;
}

static void queue_all_slots(struct guest *g)
{
	queue_slots(g);
}

/*
 * check_records: every record is absent or a success with the data;
 * returns how many are there
 */
static unsigned int check_records(struct guest *g)
{
	unsigned int i, done = 0;
	__u8 st;

	for (i = 0; i < g->wq_size; i++) {
		st = __atomic_load_n(&record(g, i)->status, __ATOMIC_ACQUIRE);
		if (!st)
			continue;
		if (st != DSA_COMP_SUCCESS)
			fail("inflight descriptor %u: status %#x", i, st);
		else if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF + i * MAX_XFER,
				MAX_XFER))
			fail("inflight descriptor %u: success but wrong data", i);
		done++;
	}
	return done;
}

/* check_drained: check_records(), and say how many completed */
static void check_drained(struct guest *g)
{
	info("inflight: %u of %u descriptors completed before/at the reset",
	     check_records(g), g->wq_size);
}

/* round_done: every record of a round of @taken is written */
static bool round_done(struct guest *g, unsigned int taken)
{
	unsigned int i, done = 0;

	for (i = 0; i < g->wq_size; i++)
		if (__atomic_load_n(&record(g, i)->status, __ATOMIC_ACQUIRE))
			done++;
	return done >= taken;
}

/*
 * inflight_remove: keep every slot busy until the host asks for the device
 * back (someone wrote the mdev's remove, or its parent is going away), then
 * close it. The descriptors must have completed with their data or been
 * dropped by then, and the device must be gone from its group: opening it
 * again fails with ENODEV. With @busy the slots are filled again each time
 * a round has completed, and the -r FILE, if given, is created after the
 * first round; without, once every slot is queued.
 */
static void inflight_remove(struct guest *g, bool busy)
{
	struct pollfd pfd = { .events = POLLIN };
	__s32 req = eventfd(0, EFD_CLOEXEC);
	unsigned int taken, rounds = 0;
	__u64 deadline;
	int n, fd;

	if (req < 0)
		die("eventfd");
	if (set_irqs(g, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		     VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &req))
		die("VFIO_DEVICE_SET_IRQS: the request eventfd");
	enable_device(g);
	taken = queue_slots(g);
	info("inflight: %u descriptors queued, waiting for the removal request",
	     taken);
	if (g->ready && !busy)
		touch_file(g->ready);
	pfd.fd = req;
	deadline = now_ns() + 60000000000ULL;
	do {
		n = poll(&pfd, 1, busy ? 1 : 60000);
		if (n || !busy || !round_done(g, taken))
			continue;
		if (check_records(g) != taken)
			fail("inflight: round %u: %u descriptors taken, other records written",
			     rounds, taken);
		if (!rounds++ && g->ready)
			touch_file(g->ready);
		taken = queue_slots(g);
	} while ((n < 0 && errno == EINTR) ||
		 (!n && busy && now_ns() < deadline));
	if (n <= 0)
		fail("inflight: no removal request within 60 s");
	else if (busy)
		info("inflight: removal requested after %u rounds, closing the device",
		     rounds);
	else
		info("inflight: removal requested, closing the device");
	close(g->device);
	g->device = -1;
	close(req);
	check_drained(g);
	fd = ioctl(g->group, VFIO_GROUP_GET_DEVICE_FD, g->uuid);
	if (fd >= 0) {
		fail("inflight: the device opened again after its removal request");
		close(fd);
	} else if (errno != ENODEV) {
		fail("inflight: opening the device again failed with %s, not ENODEV",
		     strerror(errno));
	} else {
		info("inflight: the device is gone (ENODEV on opening it again)");
	}
}

static int scenario_inflight(struct guest *g, const char *how)
{
	bool reset = strcmp(how, "close");
	bool close_dev = strcmp(how, "reset");

	if (!strcmp(how, "remove") || !strcmp(how, "busy")) {
		inflight_remove(g, !strcmp(how, "busy"));
		return 0;
	}
	enable_device(g);
	queue_all_slots(g);
	if (reset) {
		if (ioctl(g->device, VFIO_DEVICE_RESET))
			fail("VFIO_DEVICE_RESET with descriptors in flight: %s",
			     strerror(errno));
		expect_eq("GENSTS after reset", gensts(g), 0);
		check_drained(g);
	}
	if (close_dev) {
		if (reset) {
			enable_device(g);
			queue_all_slots(g);
		}
		if (close(g->device))
			fail("close with descriptors in flight: %s", strerror(errno));
		g->device = -1;
	}
	return 0;
}

/* --- flr --- */

/*
 * flr: a function level reset of a busy device, with errors recorded and
 * interrupts enabled, leaves it as VFIO_DEVICE_RESET does: registers in
 * their reset state, the descriptors in flight completed or dropped, the
 * eventfds attached; the device works once enabled again.
 */
static int scenario_flr(struct guest *g, long n)
{
	struct dsa_hw_desc d;

	enable_device(g);
	bar0_write32(g, R_GENCTRL, GENCTRL_SWERR_INT | GENCTRL_HALT_INT);
	desc_init(&d, DSA_OPCODE_NOOP, 0, 0, true);
	if (portal_write(g, PORTAL_IMS, &d) != -EINVAL ||
	    !(bar0_read64(g, R_SWERR) & SWERR_VALID))
		fail("flr: no SWERR from an IMS portal write before the reset");
	expect_cmd(g, 0x1f, 0, 0x01, "flr: unknown command before the reset");
	queue_all_slots(g);
	flr(g, "flr");
	expect_reset_state(g, "after the FLR");
	check_drained(g);

	/* nothing is taken until the guest enables the device again */
	drain_vector(g, VEC_ERR);
	expect_portal_error(g, 0, &d, -EIO, false, "portal write after the FLR");
	drain_vector(g, VEC_WQ);
	trigger_vector(g, VEC_WQ);
	expect_signal(g, VEC_WQ, "vector 1 still attached after the FLR");
	enable_device(g);
	memmove_once(g, SRC_OFF, DST_OFF, 4096, g->seed, "memmove after the FLR");
	return 0;
}

/* --- loop and bench --- */

static int scenario_loop(struct guest *g, long n)
{
	char what[64];
	__u64 start;
	long i;

	if (g->bytes < 1 || g->bytes > MAX_XFER)
		die("loop: -b must be 1..%d", MAX_XFER);
	enable_device(g);
	/* any software error of this device would show on vector 0 */
	clear_swerr(g);
	bar0_write32(g, R_GENCTRL, GENCTRL_SWERR_INT);
	drain_vector(g, VEC_ERR);
	drain_vector(g, VEC_WQ);
	start = now_ns();
	if (g->ready)
		touch_file(g->ready);
	for (i = 0; (i < n || (g->until && access(g->until, F_OK))) &&
	     errors < 5; i++) {
		snprintf(what, sizeof(what), "loop %ld", i);
		memmove_once(g, SRC_OFF + (i % 61), DST_OFF + (i % 67) * 8,
			     g->bytes, g->seed ^ (i * 7919), what);
	}
	if (bar0_read64(g, R_SWERR) & SWERR_VALID)
		fail("loop: SWERR %#llx", (unsigned long long)bar0_read64(g, R_SWERR));
	expect_quiet(g, VEC_ERR, "loop: error vector");
	info("loop: %ld round trips of %u bytes, seed %u", i, g->bytes, g->seed);
	/* CLOCK_MONOTONIC is system-wide: the tests compare these windows */
	info("loop: window %llu %llu ns", (unsigned long long)start,
	     (unsigned long long)now_ns());
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int scenario_bench(struct guest *g, long n)
{
	struct dsa_completion_record *r = record(g, 0);
	struct dsa_hw_desc d;
	__u64 *lat, t0;
	long i;

	lat = calloc(n, sizeof(*lat));
	if (!lat)
		die("calloc");
	enable_device(g);
	drain_vector(g, VEC_WQ);
	desc_init(&d, DSA_OPCODE_NOOP, 0, 0, true);
	for (i = 0; i < n; i++) {
		r->status = 0;
		t0 = now_ns();
		if (portal_write(g, 0, &d)) {
			fail("bench: portal write %ld: %s", i, strerror(errno));
			break;
		}
		if (wait_vector(g, VEC_WQ, g->timeout_ms) != 1) {
			fail("bench: round trip %ld: no single interrupt", i);
			break;
		}
		lat[i] = now_ns() - t0;
		if (r->status != DSA_COMP_SUCCESS) {
			fail("bench: round trip %ld: status %#x", i, r->status);
			break;
		}
	}
	if (i == n) {
		qsort(lat, n, sizeof(*lat), cmp_u64);
		printf("bench: mdev noop round trip n=%ld median_us=%.1f p99_us=%.1f\n",
		       n, lat[n / 2] / 1000.0, lat[(n * 99) / 100] / 1000.0);
	}
	free(lat);
	return 0;
}

/* --- halt --- */

#define INTC_HALT		0x10
#define GENSTS_HALTED		3
/* GENSTS bits 3:2, the reset a halted device needs: 1 is FLR */
#define GENSTS_RESET_FLR	1
/* how long the guest waits for the host's halt, then for its recovery */
#define HALT_WAIT_MS		30000
#define RECOVERY_WAIT_MS	120000
/* records of the descriptors queued across the halt: 1..wq_size */
#define HALT_REC		1
/* the descriptor written to the portal of the halted device */
#define HALT_REFUSED_REC	(HALT_REC + MAX_SLOTS)
/* round trips after the reset copy here, away from the queued ones */
#define HALT_RT_OFF		(DST_OFF + MAX_SLOTS * MAX_XFER)

/* wait_file: wait up to timeout_ms for path to exist */
static bool wait_file(const char *path, int timeout_ms)
{
	__u64 deadline = now_ns() + timeout_ms * 1000000ULL;

	while (access(path, F_OK)) {
		if (now_ns() >= deadline)
			return false;
		usleep(50000);
	}
	return true;
}

/* halt_queue: one 64 KiB memmove per WQ slot, each with its record */
static void halt_queue(struct guest *g)
{
	struct dsa_hw_desc d;
	unsigned int i;
	int ret;

	fill_pattern(g->mem + SRC_OFF, MAX_XFER, g->seed);
	for (i = 0; i < g->wq_size; i++) {
		memset(g->mem + DST_OFF + i * MAX_XFER, 0xdb, MAX_XFER);
		desc_init(&d, DSA_OPCODE_MEMMOVE, HALT_REC + i, MAX_XFER, true);
		d.src_addr = iova_of(SRC_OFF);
		d.dst_addr = iova_of(DST_OFF + i * MAX_XFER);
		memset(record(g, HALT_REC + i), 0, REC_SIZE);
		ret = portal_write(g, 0, &d);
		if (ret)
			fail("halt: descriptor %u of %u: portal write: %s", i,
			     g->wq_size, strerror(-ret));
	}
}

static bool untouched(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0xdb)
			return false;
	return true;
}

/*
 * halt_lost: the descriptors queued before the halt either completed with
 * the data (before the halt) or are lost: no record, no data written.
 * Returns how many are lost.
 */
static unsigned int halt_lost(struct guest *g, const char *when)
{
	unsigned int i, lost = 0;
	__u8 st;

	for (i = 0; i < g->wq_size; i++) {
		st = __atomic_load_n(&record(g, HALT_REC + i)->status,
				     __ATOMIC_ACQUIRE);
		if (!st) {
			if (!untouched(g->mem + DST_OFF + i * MAX_XFER, MAX_XFER))
				fail("%s: descriptor %u: no record, destination written",
				     when, i);
			lost++;
		} else if (st != DSA_COMP_SUCCESS) {
			fail("%s: descriptor %u: status %#x", when, i, st);
		} else if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF + i * MAX_XFER,
				  MAX_XFER)) {
			fail("%s: descriptor %u: success but wrong data", when, i);
		}
	}
	return lost;
}

/* halt_refused: what the halted virtual device must refuse */
static void halt_refused(struct guest *g)
{
	static const struct {
		unsigned int code;
		__u32 operand;
		const char *what;
	} cmds[] = {
		{ CMD_ENABLE_WQ, 0, "enable WQ" },
		{ CMD_ENABLE_DEV, 0, "enable device" },
		{ CMD_DISABLE_WQ, 1, "disable WQ" },
		{ CMD_DRAIN_ALL, 0, "drain all" },
		{ CMD_DISABLE_DEV, 0, "disable device" },
	};
	struct dsa_hw_desc d;
	unsigned int i, sts;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		sts = dev_cmd(g, cmds[i].code, cmds[i].operand, false);
		if (!sts)
			fail("halted: %s (command %u) succeeded, expected an error in CMDSTS",
			     cmds[i].what, cmds[i].code);
		else
			info("halt: %s refused with CMDSTS %#x", cmds[i].what, sts);
	}
	expect_eq("GENSTS after the refused commands", gensts(g), GENSTS_HALTED);

	/* a descriptor for the halted device is refused and never runs */
	fill_pattern(g->mem + SRC2_OFF, 4096, g->seed + 1);
	memset(g->mem + HALT_RT_OFF, 0xdb, 4096);
	desc_init(&d, DSA_OPCODE_MEMMOVE, HALT_REFUSED_REC, 4096, true);
	d.src_addr = iova_of(SRC2_OFF);
	d.dst_addr = iova_of(HALT_RT_OFF);
	memset(record(g, HALT_REFUSED_REC), 0, REC_SIZE);
	ret = portal_write(g, 0, &d);
	if (ret != -EIO)
		fail("halted: portal write: %s, expected %s", errstr(ret),
		     strerror(EIO));
}

/* halt_refused_never_ran: the descriptor written while halted left no trace */
static void halt_refused_never_ran(struct guest *g, const char *when)
{
	if (__atomic_load_n(&record(g, HALT_REFUSED_REC)->status,
			    __ATOMIC_ACQUIRE))
		fail("%s: the descriptor written while halted got status %#x",
		     when, record(g, HALT_REFUSED_REC)->status);
}

/* expect_halted_flr: GENSTS halted, reset type FLR */
static void expect_halted_flr(struct guest *g, const char *what)
{
	__u32 sts = bar0_read32(g, R_GENSTS);
	char name[128];

	snprintf(name, sizeof(name), "%s: GENSTS state", what);
	expect_eq(name, sts & 0x3, GENSTS_HALTED);
	snprintf(name, sizeof(name), "%s: GENSTS reset type (1: FLR)", what);
	expect_eq(name, (sts >> 2) & 0x3, GENSTS_RESET_FLR);
}

/* halt_enable: enable the device with halt interrupts, vectors drained */
static void halt_enable(struct guest *g)
{
	enable_device(g);
	clear_swerr(g);
	bar0_write32(g, R_GENCTRL, GENCTRL_HALT_INT);
	expect_eq("GENCTRL read back", bar0_read32(g, R_GENCTRL) & 3,
		  GENCTRL_HALT_INT);
	drain_vector(g, VEC_ERR);
	drain_vector(g, VEC_WQ);
}

/*
 * halt_seen: tell the host we are ready (the -r FILE), then the parent
 * halts or is disabled: vector 0, GENSTS halted, INTCAUSE.HALT, commands
 * and portal writes refused. Returns false when vector 0 never came.
 */
static bool halt_seen(struct guest *g)
{
	__u32 cause;
	__u64 sigs;

	touch_file(g->ready);
	sigs = wait_vector(g, VEC_ERR, HALT_WAIT_MS);
	if (!sigs) {
		fail("halt: vector 0 not signalled within %d ms (GENSTS %#x, INTCAUSE %#x)",
		     HALT_WAIT_MS, gensts(g), bar0_read32(g, R_INTCAUSE));
		return false;
	}
	if (sigs != 1)
		fail("halt: vector 0 signalled %llu times, expected 1",
		     (unsigned long long)sigs);
	expect_halted_flr(g, "after the parent halted");
	cause = bar0_read32(g, R_INTCAUSE);
	if (!(cause & INTC_HALT))
		fail("halt: INTCAUSE %#x without the halt bit (%#x)", cause,
		     INTC_HALT);
	halt_refused(g);
	clear_swerr(g);
	return true;
}

/*
 * disabled: an idle virtual device whose parent is disabled sees a halt,
 * and a Reset Device cannot bring it back: its work queue stays without
 * hardware until the device is removed
 */
static int scenario_disabled(struct guest *g, long n)
{
	if (!g->ready) {
		fprintf(stderr, "mdev_guest: disabled needs -r FILE\n");
		exit(KSFT_FAIL);
	}
	halt_enable(g);
	info("disabled: device enabled, waiting for the parent's disable");
	if (!halt_seen(g))
		return 0;
	expect_quiet(g, VEC_WQ, "disabled: completion vector");
	expect_cmd(g, CMD_RESET_DEV, 0, CMDSTS_HW_ERR,
		   "reset device with the parent disabled");
	expect_halted_flr(g, "after the reset with the parent disabled");
	flr(g, "FLR with the parent disabled");
	expect_halted_flr(g, "after the FLR with the parent disabled");
	halt_refused(g);
	halt_refused_never_ran(g, "disabled");
	return 0;
}

static int scenario_halt(struct guest *g, long n)
{
	unsigned long i;
	unsigned int lost;
	char what[64];

	if (!g->ready || !g->until) {
		fprintf(stderr, "mdev_guest: halt needs -r FILE and -u FILE\n");
		exit(KSFT_FAIL);
	}
	halt_enable(g);
	halt_queue(g);
	info("halt: %u descriptors queued, waiting for the parent to halt",
	     g->wq_size);
	if (!halt_seen(g))
		return 0;

	/* the queued descriptors are lost: no record, no data, no interrupt */
	expect_quiet(g, VEC_WQ, "halt: completion vector");
	lost = halt_lost(g, "halt");
	if (!lost)
		fail("halt: all %u descriptors completed before the halt: none was in flight",
		     g->wq_size);
	info("halt: lost=%u of %u descriptors queued", lost, g->wq_size);

	/* the host recovers the parent; the guest still sees a halted device */
	info("halt: waiting for the host to recover the parent");
	if (!wait_file(g->until, RECOVERY_WAIT_MS)) {
		fail("halt: %s not created within %d ms", g->until,
		     RECOVERY_WAIT_MS);
		return 0;
	}
	expect_eq("GENSTS after the host recovered, before the reset",
		  gensts(g), GENSTS_HALTED);
	expect_quiet(g, VEC_WQ, "halt: completion vector during the recovery");
	expect_eq("halt: descriptors lost after the recovery",
		  halt_lost(g, "after the recovery"), lost);
	halt_refused_never_ran(g, "after the recovery");
	if (!untouched(g->mem + HALT_RT_OFF, 4096))
		fail("after the recovery: the refused descriptor's destination was written");

	/* Reset Device, or a function level reset, makes it usable again */
	if (g->flr) {
		flr(g, "FLR after the halt");
		expect_reset_state(g, "after the FLR after the halt");
	} else {
		expect_cmd(g, CMD_RESET_DEV, 0, 0, "reset device after the halt");
		expect_reset_state(g, "after reset device after the halt");
	}
	enable_device(g);
	bar0_write32(g, R_GENCTRL, GENCTRL_SWERR_INT | GENCTRL_HALT_INT);
	drain_vector(g, VEC_ERR);
	drain_vector(g, VEC_WQ);
	for (i = 0; i < (unsigned long)n && errors < 5; i++) {
		snprintf(what, sizeof(what), "memmove %lu after the halt", i);
		memmove_once(g, SRC2_OFF + (i % 61), HALT_RT_OFF + (i % 67) * 8,
			     g->bytes, g->seed ^ (i * 7919), what);
	}
	expect_eq("halt: descriptors lost after the round trips",
		  halt_lost(g, "after the round trips"), lost);
	halt_refused_never_ran(g, "after the round trips");

	/* every slot taken back from the halt works: a full round */
	halt_queue(g);
	for (i = 0; i < g->wq_size; i++) {
		if (wait_record(g, record(g, HALT_REC + i)) != DSA_COMP_SUCCESS)
			fail("full round after the halt: descriptor %lu: status %#x",
			     i, record(g, HALT_REC + i)->status);
		else if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF + i * MAX_XFER,
				MAX_XFER))
			fail("full round after the halt: descriptor %lu: wrong data",
			     i);
	}
	if (bar0_read64(g, R_SWERR) & SWERR_VALID)
		fail("halt: SWERR %#llx after the reset",
		     (unsigned long long)bar0_read64(g, R_SWERR));
	expect_quiet(g, VEC_ERR, "halt: error vector after the reset");
	expect_eq("GENSTS at the end", gensts(g), 1);
	info("halt: %ld round trips and %u full-size descriptors after the %s",
	     n, g->wq_size, g->flr ? "FLR" : "reset");
	return 0;
}

/* --- main --- */

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: mdev_guest [-s SEED] [-b BYTES] [-t TIMEOUT_MS] [-u FILE] [-r FILE] [-f] [-m]\n"
		"                  [-c CPU] [-F open|irqs]... UUID SCENARIO [N]\n"
		"  scenarios: ops, irq, bad, storm N, lines N, refill N,\n"
		"             inflight [reset|close|both|remove|busy],\n"
		"             flr, loop N, bench N, copybench N,\n"
		"             halt N (needs -r and -u; -f: recover with an FLR),\n"
		"             disabled (needs -r), handle N, busmaster, xfer,\n"
		"             cfgreset, mapped N, idle N, noncontig [N], unmap,\n"
		"             readonly, copyloop N, uffd, fuzz SEED COUNT\n");
	exit(KSFT_FAIL);
}

/*
 * cpu_busy_ticks: the time all CPUs spent not idle (user, nice, system,
 * irq, softirq), in clock ticks, from /proc/stat
 */
static unsigned long long cpu_busy_ticks(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq;
	FILE *f = fopen("/proc/stat", "r");
	int got;

	if (!f)
		die("cannot open /proc/stat");
	got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice,
		     &sys, &idle, &iowait, &irq, &softirq);
	fclose(f);
	if (got != 7)
		die("cannot parse /proc/stat");
	return user + nice + sys + irq + softirq;
}

/*
 * copybench N: N memmoves of -b BYTES, one at a time, each waited for on
 * vector 1 (the way one dmatest thread works); the data of the last one is
 * checked. Prints operations and kilobytes per second, and the CPU time
 * all CPUs spent busy during the loop per memmove (this program's, the
 * mediation's in the portal write, the completion thread's).
 */
static int scenario_copybench(struct guest *g, long n)
{
	struct dsa_completion_record *r = record(g, 0);
	unsigned long long busy;
	struct dsa_hw_desc d;
	double secs;
	__u64 t0;
	long i;

	if (!g->bytes || g->bytes > MAX_XFER)
		die("copybench: -b must be 1..%u", MAX_XFER);
	enable_device(g);
	drain_vector(g, VEC_WQ);
	fill_pattern(g->mem + SRC_OFF, g->bytes, g->seed);
	memset(g->mem + DST_OFF, 0, g->bytes);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, g->bytes, true);
	d.src_addr = iova_of(SRC_OFF);
	d.dst_addr = iova_of(DST_OFF);
	busy = cpu_busy_ticks();
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		r->status = 0;
		if (portal_write(g, 0, &d)) {
			fail("copybench: portal write %ld: %s", i,
			     strerror(errno));
			return 0;
		}
		if (wait_vector(g, VEC_WQ, g->timeout_ms) != 1) {
			fail("copybench: copy %ld: no single interrupt", i);
			return 0;
		}
		if (r->status != DSA_COMP_SUCCESS) {
			fail("copybench: copy %ld: status %#x", i, r->status);
			return 0;
		}
	}
	secs = (now_ns() - t0) / 1e9;
	busy = cpu_busy_ticks() - busy;
	if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF, g->bytes))
		fail("copybench: destination differs from source");
	printf("bench: mdev memmove n=%ld bytes=%u ops_per_s=%.0f kb_per_s=%.0f",
	       n, g->bytes, n / secs, n * (g->bytes / 1024.0) / secs);
	printf(" cpu_us_per_op=%.1f\n", busy * 1e6 / sysconf(_SC_CLK_TCK) / n);
	return 0;
}

/*
 * handle N: N memmoves with an interrupt; the host may revoke and renew
 * its interrupt handle meanwhile (the -r FILE says when the first one is
 * in flight). None of that may show: each completes, once, with its data.
 */
static int scenario_handle(struct guest *g, long n)
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

int main(int argc, char **argv)
{
	struct guest g = { .seed = 1, .bytes = 4096, .timeout_ms = 10000 };
	const char *scenario, *arg;
	bool mapped = false;
	cpu_set_t cpus;
	long n, fuzz_count = 0;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:b:t:u:r:fmc:F:")) != -1) {
		switch (opt) {
		case 's':
			g.seed = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			g.bytes = strtoul(optarg, NULL, 0);
			break;
		case 't':
			g.timeout_ms = strtol(optarg, NULL, 0);
			break;
		case 'u':
			g.until = optarg;
			break;
		case 'r':
			g.ready = optarg;
			break;
		case 'f':
			g.flr = true;
			break;
		case 'm':
			mapped = true;
			break;
		case 'c':
			CPU_ZERO(&cpus);
			CPU_SET(strtoul(optarg, NULL, 0), &cpus);
			if (sched_setaffinity(0, sizeof(cpus), &cpus))
				die("sched_setaffinity to CPU %s", optarg);
			break;
		case 'F':
			if (!strcmp(optarg, "open"))
				g.faults |= FAULT_OPEN;
			else if (!strcmp(optarg, "irqs"))
				g.faults |= FAULT_IRQS;
			else
				bad_usage();
			break;
		default:
			bad_usage();
		}
	}
	if (argc - optind < 2)
		bad_usage();
	g.uuid = argv[optind];
	scenario = argv[optind + 1];
	arg = argc - optind > 2 ? argv[optind + 2] : NULL;
	n = arg && strcmp(scenario, "inflight") ? strtol(arg, NULL, 0) : 1;
	if (!strcmp(scenario, "noncontig") && !arg)
		n = 0;
	else if (!strcmp(scenario, "fuzz"))
		fuzz_count = argc - optind > 3 ?
			     strtol(argv[optind + 3], NULL, 0) : 0;
	else if (n < 1)
		bad_usage();
	if (!strcmp(scenario, "fuzz") && (!arg || n < 0 || fuzz_count < 1))
		bad_usage();

	open_guest(&g);
	if (mapped)
		map_portal(&g);
	if (!strcmp(scenario, "ops"))
		scenario_ops(&g, n);
	else if (!strcmp(scenario, "irq"))
		scenario_irq(&g, n);
	else if (!strcmp(scenario, "bad"))
		scenario_bad(&g, n);
	else if (!strcmp(scenario, "storm"))
		scenario_storm(&g, n);
	else if (!strcmp(scenario, "lines"))
		scenario_lines(&g, n);
	else if (!strcmp(scenario, "refill"))
		scenario_refill(&g, n);
	else if (!strcmp(scenario, "inflight"))
		scenario_inflight(&g, arg ? arg : "both");
	else if (!strcmp(scenario, "flr"))
		scenario_flr(&g, n);
	else if (!strcmp(scenario, "loop"))
		scenario_loop(&g, n);
	else if (!strcmp(scenario, "bench"))
		scenario_bench(&g, n);
	else if (!strcmp(scenario, "copybench"))
		scenario_copybench(&g, n);
	else if (!strcmp(scenario, "halt"))
		scenario_halt(&g, n);
	else if (!strcmp(scenario, "disabled"))
		scenario_disabled(&g, n);
	else if (!strcmp(scenario, "handle"))
		scenario_handle(&g, n);
	else if (!strcmp(scenario, "busmaster"))
		scenario_busmaster(&g, n);
	else if (!strcmp(scenario, "xfer"))
		scenario_xfer(&g, n);
	else if (!strcmp(scenario, "cfgreset"))
		scenario_cfgreset(&g, n);
	else if (!strcmp(scenario, "mapped"))
		scenario_mapped(&g, n);
	else if (!strcmp(scenario, "idle"))
		scenario_idle(&g, n);
	else if (!strcmp(scenario, "noncontig"))
		scenario_noncontig(&g, n);
	else if (!strcmp(scenario, "unmap"))
		scenario_unmap(&g, n);
	else if (!strcmp(scenario, "copyloop"))
		scenario_copyloop(&g, n);
	else if (!strcmp(scenario, "uffd"))
		scenario_uffd(&g, n);
	else if (!strcmp(scenario, "readonly"))
		scenario_readonly(&g, n);
	else if (!strcmp(scenario, "fuzz"))
		scenario_fuzz(&g, n, fuzz_count);
	else
		bad_usage();

	info("%s: portal writes accepted=%lu refused=%lu", scenario,
	     portal_accepted, portal_refused);
	if (errors) {
		info("%s: %d check(s) failed", scenario, errors);
		return KSFT_FAIL;
	}
	info("%s: all checks passed", scenario);
	return KSFT_PASS;
}
