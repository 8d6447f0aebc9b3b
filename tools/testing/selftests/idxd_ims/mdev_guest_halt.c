// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: scenarios of the parent device halted or disabled by the
 * host under an open virtual device.
 *
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
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"

#include "mdev_guest.h"

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
int scenario_disabled(struct guest *g, long n)
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

int scenario_halt(struct guest *g, long n)
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
