// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: the mapped portal, as a VMM that maps BAR2 into its guest
 * uses it.
 *
 *   mapped N  BAR2's region info announces one mappable area (the two
 *             descriptor pages) in a sparse mmap capability, also to a
 *             caller whose argsz is too small for it; mappings outside the
 *             area, of another region or private are refused; N memmoves
 *             written to lines of both mapped pages as MOVDIR64B writes
 *             them (first quadword last) complete with an interrupt and
 *             the right data, and the driver counts them as taken from the
 *             mapped portal with no trapped portal write; once the
 *             consumer has unmapped the idle portal, one more memmove
 *             faults it back in and completes
 *   idle N    a benchmark: after one memmove through the mapped portal,
 *             the CPU time the portal's consumer thread uses in the N
 *             seconds after it went to sleep, from /proc/<pid>/stat
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "mdev_guest.h"

#define PAGE			4096UL

/* whether the portal's consumer sleeps with the portal unmapped */
static bool portal_sleeping(struct guest *g)
{
	char path[256], state[32];

	vdev_attr_path(g, "portal_state", path, sizeof(path));
	if (sysfs_read(path, state, sizeof(state)))
		die("cannot read %s", path);
	return !strcmp(state, "sleeping");
}

/* the sparse mmap capability of BAR2, checked against the contract */
static void check_sparse_cap(struct guest *g)
{
	struct vfio_region_info small = {
		.argsz = sizeof(small), .index = VFIO_PCI_BAR2_REGION_INDEX,
	};
	struct vfio_region_info_cap_sparse_mmap *sparse;
	struct vfio_info_cap_header *hdr;
	struct vfio_region_info *ri;
	__u32 off;

	if (ioctl(g->device, VFIO_DEVICE_GET_REGION_INFO, &small))
		die("VFIO_DEVICE_GET_REGION_INFO BAR2: %s", strerror(errno));
	if (!(small.flags & VFIO_REGION_INFO_FLAG_CAPS))
		fail("mapped: BAR2 region info has no capabilities");
	if (small.argsz <= sizeof(small))
		fail("mapped: argsz %u not grown for the capabilities",
		     small.argsz);
	if (small.cap_offset)
		fail("mapped: cap_offset %u for a caller without room for it",
		     small.cap_offset);

	ri = calloc(1, small.argsz);
	if (!ri)
		die("calloc");
	ri->argsz = small.argsz;
	ri->index = VFIO_PCI_BAR2_REGION_INDEX;
	if (ioctl(g->device, VFIO_DEVICE_GET_REGION_INFO, ri))
		die("VFIO_DEVICE_GET_REGION_INFO BAR2: %s", strerror(errno));
	for (off = ri->cap_offset; off; off = hdr->next) {
		if (off + sizeof(*hdr) > ri->argsz)
			die("mapped: capability at %u past argsz %u", off,
			    ri->argsz);
		hdr = (void *)ri + off;
		if (hdr->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP)
			break;
	}
	if (!off) {
		fail("mapped: BAR2 has no sparse mmap capability");
		free(ri);
		return;
	}
	sparse = (void *)hdr;
	expect_eq("mapped: sparse areas", sparse->nr_areas, 1);
	expect_eq("mapped: sparse area offset", sparse->areas[0].offset, 0);
	expect_eq("mapped: sparse area size", sparse->areas[0].size,
		  PORTAL_MAPPED_SIZE);
	free(ri);
}

/* mmap of the device file that must be refused with EINVAL */
static void expect_mmap_refused(struct guest *g, size_t len, int flags,
				off_t off, const char *what)
{
	void *p = mmap(NULL, len, PROT_WRITE, flags, g->device, off);

	if (p != MAP_FAILED) {
		fail("mapped: mmap of %s succeeded", what);
		munmap(p, len);
	} else if (errno != EINVAL) {
		fail("mapped: mmap of %s: %s, expected EINVAL", what,
		     strerror(errno));
	}
}

/* write a descriptor to a mapped line as MOVDIR64B does: first quadword last */
void mapped_write(__u64 *line, const struct dsa_hw_desc *d)
{
	__u64 q[8];
	int i;

	memcpy(q, d, sizeof(q));
	for (i = 1; i < 8; i++)
		__atomic_store_n(&line[i], q[i], __ATOMIC_RELAXED);
	__atomic_store_n(&line[0], q[0], __ATOMIC_RELEASE);
}

/* one verified 4 KiB memmove through mapped line k */
static void mapped_memmove(struct guest *g, __u64 *portal,
			   unsigned int k, __u32 seed, const char *what)
{
	struct dsa_completion_record *r = record(g, 0);
	struct dsa_hw_desc d;

	fill_pattern(g->mem + SRC_OFF, 4096, seed);
	memset(g->mem + DST_OFF, 0, 4096);
	memset(r, 0, REC_SIZE);
	desc_init(&d, DSA_OPCODE_MEMMOVE, 0, 4096, true);
	d.src_addr = iova_of(SRC_OFF);
	d.dst_addr = iova_of(DST_OFF);
	mapped_write(portal + (k % MAPPED_LINES) * 8, &d);
	expect_signal(g, VEC_WQ, what);
	expect_status(r, DSA_COMP_SUCCESS, what);
	if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF, 4096))
		fail("%s: destination differs from source", what);
}

/* map_portal: map the descriptor pages for portal_write() (option -m) */
void map_portal(struct guest *g)
{
	g->portal_map = mmap(NULL, PORTAL_MAPPED_SIZE, PROT_WRITE, MAP_SHARED,
			     g->device, g->bar2.offset);
	if (g->portal_map == MAP_FAILED)
		die("mmap of the portal's descriptor pages: %s",
		    strerror(errno));
}

int scenario_mapped(struct guest *g, long n)
{
	long trapped0, taken0, wakeups;
	__u64 deadline;
	__u64 *portal;
	char what[64];
	long i;

	check_sparse_cap(g);
	expect_mmap_refused(g, PAGE, MAP_PRIVATE, g->bar2.offset,
			    "a private mapping of the portal");
	expect_mmap_refused(g, PAGE, MAP_SHARED,
			    g->bar2.offset + PORTAL_MAPPED_SIZE,
			    "an IMS portal page");
	expect_mmap_refused(g, PORTAL_MAPPED_SIZE + PAGE, MAP_SHARED,
			    g->bar2.offset, "three portal pages");
	expect_mmap_refused(g, PAGE, MAP_SHARED, g->bar0.offset, "BAR0");
	expect_mmap_refused(g, PAGE, MAP_SHARED, g->cfg.offset,
			    "the configuration space");

	if (!g->portal_map)
		map_portal(g);
	portal = g->portal_map;

	enable_device(g);
	drain_vector(g, VEC_WQ);
	trapped0 = vdev_counter(g, "portal_trapped");
	taken0 = vdev_counter(g, "portal_taken");
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "mapped: memmove %ld", i);
		mapped_memmove(g, portal, i, g->seed + i, what);
	}
	expect_eq("mapped: descriptors taken from the mapped portal",
		  vdev_counter(g, "portal_taken") - taken0, n);
	expect_eq("mapped: trapped portal writes",
		  vdev_counter(g, "portal_trapped") - trapped0, 0);
	if (vdev_counter(g, "portal_wakeups") < 1)
		fail("mapped: the first write to the portal woke no consumer");

	/*
	 * The consumer unmaps an idle portal and sleeps until the next write,
	 * which brings it back.
	 */
	deadline = now_ns() + g->timeout_ms * 1000000ULL;
	while (!portal_sleeping(g) && now_ns() < deadline)
		usleep(1000);
	if (!portal_sleeping(g)) {
		fail("mapped: the consumer did not sleep within %d ms of the last descriptor",
		     g->timeout_ms);
	} else {
		wakeups = vdev_counter(g, "portal_wakeups");
		mapped_memmove(g, portal, n, g->seed + n,
			       "mapped: memmove after the consumer slept");
		if (vdev_counter(g, "portal_wakeups") <= wakeups)
			fail("mapped: a write to the unmapped portal woke no consumer");
		expect_eq("mapped: trapped portal writes at the end",
			  vdev_counter(g, "portal_trapped") - trapped0, 0);
	}
	expect_quiet(g, VEC_WQ, "mapped: after the last memmove");
	return 0;
}

/* the CPU time (utime + stime, clock ticks) of the thread named comm */
static long thread_ticks(const char *comm)
{
	char path[300], buf[512], *p;
	unsigned long utime, stime;
	struct dirent *de;
	long ticks = -1;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		die("opendir /proc");
	while ((de = readdir(dir)) && ticks < 0) {
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (sysfs_read(path, buf, sizeof(buf)) || strcmp(buf, comm))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (sysfs_read(path, buf, sizeof(buf)))
			continue;
		/* fields 14 and 15, after the command in parentheses */
		p = strrchr(buf, ')');
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&utime, &stime) == 2)
			ticks = utime + stime;
	}
	closedir(dir);
	return ticks;
}

int scenario_idle(struct guest *g, long n)
{
	long before, after, hz = sysconf(_SC_CLK_TCK);
	__u64 deadline;
	char comm[16];

	if (!g->portal_map)
		map_portal(g);
	snprintf(comm, sizeof(comm), "portal-%.8s", g->uuid);
	enable_device(g);
	drain_vector(g, VEC_WQ);
	mapped_memmove(g, g->portal_map, 0, g->seed, "idle: memmove");
	deadline = now_ns() + g->timeout_ms * 1000000ULL;
	while (!portal_sleeping(g) && now_ns() < deadline)
		usleep(1000);
	if (!portal_sleeping(g))
		fail("idle: the consumer did not sleep within %d ms", g->timeout_ms);
	before = thread_ticks(comm);
	if (before < 0)
		die("idle: no thread %s", comm);
	sleep(n);
	after = thread_ticks(comm);
	printf("idle: consumer %s used %ld ticks (%.3f s) of CPU in %ld s asleep\n",
	       comm, after - before, (double)(after - before) / hz, n);
	return 0;
}
