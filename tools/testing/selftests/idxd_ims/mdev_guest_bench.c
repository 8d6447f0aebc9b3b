// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: scenarios that run memmoves or NOOPs back to back and
 * report on them: a load for other tests, latency and throughput.
 *
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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdev_guest.h"

/* --- loop and bench --- */

int scenario_loop(struct guest *g, long n)
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

int scenario_bench(struct guest *g, long n)
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
int scenario_copybench(struct guest *g, long n)
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
