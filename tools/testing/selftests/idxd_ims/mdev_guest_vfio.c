// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: the small VFIO and DSA guest library the scenarios share:
 * output and failure counting, sysfs, guest memory, VFIO region access,
 * eventfds and VFIO_DEVICE_SET_IRQS, device commands and state, descriptors
 * and their submission, and opening the device with the checks of its VFIO
 * information, configuration space and BAR0 capabilities against the
 * interface contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
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
const char *errstr(int ret)
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

int region_rw(struct guest *g, struct region *r, bool write,
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
__u64 wait_vector(struct guest *g, int v, int timeout_ms)
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

/* --- commands and device state --- */

/* dev_cmd: run one command; returns the CMDSTS error code */
unsigned int dev_cmd(struct guest *g, unsigned int code, __u32 operand,
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
void expect_reset_state(struct guest *g, const char *what)
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
struct dsa_completion_record *run_irq(struct guest *g,
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

void open_guest(struct guest *g)
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
void memmove_once(struct guest *g, unsigned long src_off,
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

/* touch_file: create an empty file for the host to see */
void touch_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		die("create %s", path);
	close(fd);
}
