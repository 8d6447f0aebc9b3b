// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: scenarios with many descriptors in flight at once: portal
 * lines written concurrently, a full work queue refilled, and a full work
 * queue across reset, close, function level reset and removal.
 *
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
 *   flr        with errors, interrupt enables and every WQ slot busy, a
 *              function level reset through the configuration space (as
 *              Linux's pcie_flr()): registers back in their reset state,
 *              then the device works
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "mdev_guest.h"

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

int scenario_lines(struct guest *g, long n)
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
int scenario_refill(struct guest *g, long n)
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

int scenario_inflight(struct guest *g, const char *how)
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
int scenario_flr(struct guest *g, long n)
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
