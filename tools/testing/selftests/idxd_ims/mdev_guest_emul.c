// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: scenarios on the emulation of the slice's PCI function
 * rather than on its descriptors.
 *
 *   busmaster  with Bus Master cleared after Enable Device, a memmove
 *              written to the portal reads and writes no guest memory: no
 *              data, no record, SWERR 0x1a naming the record; with Bus
 *              Master set again the same memmove works
 *   xfer       GENCAP's largest transfer (checked at open against the host
 *              work queue's max_transfer_size) is taken, one byte more is
 *              refused with status 0x13 and nothing written
 *   cfgreset   VFIO_DEVICE_RESET, then a function level reset, puts the
 *              configuration space back in its reset state: command
 *              register, BAR addresses, MSI-X and PASID enables
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "mdev_guest.h"

#define STATUS_SUCCESS		0x01
#define STATUS_XFER_ERANGE	0x13
#define SWERR_CRA_XLAT		0x1a
#define FILLER			0xdb

/* untouched_bytes: whether every byte of p is still the filler */
static bool untouched_bytes(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != FILLER)
			return false;
	return true;
}

/* memmove_desc: a 4 KiB-aligned memmove SRC_OFF -> DST_OFF, record rec */
static void memmove_desc(struct dsa_hw_desc *d, unsigned int rec, __u32 len)
{
	desc_init(d, DSA_OPCODE_MEMMOVE, rec, len, false);
	d->src_addr = iova_of(SRC_OFF);
	d->dst_addr = iova_of(DST_OFF);
}

int scenario_busmaster(struct guest *g, long n)
{
	struct dsa_completion_record *r = record(g, 0);
	const __u32 len = 4096;
	struct dsa_hw_desc d;
	__u64 sw;

	enable_device(g);
	fill_pattern(g->mem + SRC_OFF, len, g->seed);
	memset(g->mem + DST_OFF, FILLER, len);
	clear_swerr(g);

	set_bus_master(g, false);
	memmove_desc(&d, 0, len);
	submit(g, &d, "memmove without bus master");
	/* once the drain returns, every descriptor taken is done */
	expect_cmd(g, CMD_DRAIN_WQ, 1, 0, "drain WQ 0 without bus master");
	expect_eq("record status without bus master", r->status, 0);
	if (!untouched_bytes(g->mem + DST_OFF, len))
		fail("memmove without bus master wrote the destination");
	sw = bar0_read64(g, R_SWERR);
	expect_eq("SWERR valid without bus master", sw & SWERR_VALID, 1);
	expect_eq("SWERR error without bus master", (sw >> 8) & 0xff,
		  SWERR_CRA_XLAT);
	expect_eq("SWERR fault address without bus master",
		  bar0_read64(g, R_SWERR + 16), record_iova(0));
	clear_swerr(g);

	set_bus_master(g, true);
	r = run_poll(g, &d, "memmove with bus master again");
	expect_status(r, STATUS_SUCCESS, "memmove with bus master again");
	if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF, len))
		fail("memmove with bus master again: data mismatch");
	return 0;
}

int scenario_xfer(struct guest *g, long n)
{
	struct dsa_completion_record *r;
	struct dsa_hw_desc d;

	info("xfer: GENCAP offers transfers up to %u bytes", g->max_xfer);
	enable_device(g);
	fill_pattern(g->mem + SRC_OFF, g->max_xfer, g->seed);
	memset(g->mem + DST_OFF, FILLER, g->max_xfer + 1);

	memmove_desc(&d, 0, g->max_xfer);
	r = run_poll(g, &d, "memmove of the largest transfer");
	expect_status(r, STATUS_SUCCESS, "memmove of the largest transfer");
	if (memcmp(g->mem + SRC_OFF, g->mem + DST_OFF, g->max_xfer))
		fail("memmove of the largest transfer: data mismatch");

	memset(g->mem + DST_OFF, FILLER, g->max_xfer + 1);
	memmove_desc(&d, 1, g->max_xfer + 1);
	r = run_poll(g, &d, "memmove one byte above the largest transfer");
	expect_status(r, STATUS_XFER_ERANGE,
		      "memmove one byte above the largest transfer");
	if (!untouched_bytes(g->mem + DST_OFF, g->max_xfer + 1))
		fail("a memmove above the largest transfer wrote the destination");
	return 0;
}

/* dirty_config: set everything of the configuration space a reset clears */
static void dirty_config(struct guest *g)
{
	cfg_write16(g, PCI_COMMAND, PCI_CMD_MEM | PCI_CMD_MASTER);
	cfg_write32(g, PCI_BAR0, 0xfe000000);
	cfg_write16(g, MSIX_CAP + 2, MSIX_CTRL_ENABLE);
	cfg_write16(g, PASID_ECAP + 6, 1);
	expect_eq("command register before the reset",
		  cfg_read16(g, PCI_COMMAND), PCI_CMD_MEM | PCI_CMD_MASTER);
	expect_eq("BAR0 before the reset", cfg_read32(g, PCI_BAR0),
		  0xfe000000 | 0x4);
}

/* expect_config_reset: the configuration space as a reset leaves it */
static void expect_config_reset(struct guest *g, const char *what)
{
	char name[128];

	snprintf(name, sizeof(name), "%s: command register", what);
	expect_eq(name, cfg_read16(g, PCI_COMMAND), 0);
	snprintf(name, sizeof(name), "%s: BAR0", what);
	expect_eq(name, cfg_read32(g, PCI_BAR0), 0x4);
	snprintf(name, sizeof(name), "%s: MSI-X enable", what);
	expect_eq(name, cfg_read16(g, MSIX_CAP + 2) & MSIX_CTRL_ENABLE, 0);
	snprintf(name, sizeof(name), "%s: PASID enable", what);
	expect_eq(name, cfg_read16(g, PASID_ECAP + 6) & 1, 0);
	snprintf(name, sizeof(name), "%s: vendor ID", what);
	expect_eq(name, cfg_read16(g, PCI_VENDOR), 0x8086);
}

int scenario_cfgreset(struct guest *g, long n)
{
	dirty_config(g);
	if (ioctl(g->device, VFIO_DEVICE_RESET))
		fail("VFIO_DEVICE_RESET: %s", strerror(errno));
	expect_config_reset(g, "after VFIO_DEVICE_RESET");

	dirty_config(g);
	flr(g, "cfgreset");
	expect_config_reset(g, "after a function level reset");

	/* a guest driver sets Bus Master again and the device works */
	enable_device(g);
	return 0;
}
