/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev_guest: what its source files share: the guest's memory layout, the
 * registers of the virtual device, the state of one guest, the helpers
 * the scenarios use (mdev_guest_vfio.c) and the scenarios main() runs.
 */
#ifndef MDEV_GUEST_H
#define MDEV_GUEST_H

#include <stdbool.h>
#include <stdio.h>

#include <linux/idxd.h>
#include <linux/types.h>

/* Guest memory: one buffer mapped at IOVA_BASE */
#define IOVA_BASE		0x10000000ULL
#define MEM_SIZE		(4UL << 20)
#define REC_OFF			0x0		/* completion records */
#define REC_SIZE		32
#define NR_RECS			2048
#define SRC_OFF			0x10000		/* 64 KiB source */
#define SRC2_OFF		0x20000		/* 64 KiB second source */
#define DST_OFF			0x40000		/* up to 32 x 64 KiB */
#define MAX_XFER		0x10000
#define MAX_SLOTS		32
/* IOVAs no mapping covers */
#define IOVA_BELOW		(IOVA_BASE - 0x2000)
#define IOVA_ABOVE		(IOVA_BASE + MEM_SIZE + 0x100000)

/* PCI configuration space */
#define PCI_VENDOR		0x00
#define PCI_DEVICE		0x02
#define PCI_COMMAND		0x04
#define PCI_CMD_MEM		0x0002
#define PCI_CMD_MASTER		0x0004
#define PCI_CMD_INTX_DIS	0x0400
#define PCI_STATUS		0x06
#define PCI_STATUS_CAPS		0x0010
#define PCI_REVISION		0x08
#define PCI_BAR0		0x10
#define PCI_BAR2		0x18
#define PCI_SUBSYS_VENDOR	0x2c
#define PCI_CAP_PTR		0x34
#define PCIE_CAP		0x40
#define PCIE_DEVCAP		(PCIE_CAP + 4)
#define PCIE_DEVCAP_FLR		0x10000000
#define PCIE_DEVCTL		(PCIE_CAP + 8)
#define PCIE_DEVCTL_FLR		0x8000
#define PCIE_DEVSTA		(PCIE_CAP + 10)
#define PCIE_DEVSTA_TRPND	0x0020
#define MSIX_CAP		0x80
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_MASKALL	0x4000
#define MSIX_CTRL_SIZE		0x07ff
#define PASID_ECAP		0x100

/* BAR0 registers (see idxd_ims/registers.h) */
#define R_VERSION		0x00
#define R_GENCAP		0x10
#define R_WQCAP			0x20
#define R_GRPCAP		0x30
#define R_ENGCAP		0x38
#define R_OPCAP			0x40
#define R_OFFSETS		0x60
#define R_GENCFG		0x80
#define R_GENCTRL		0x88
#define R_GENSTS		0x90
#define R_INTCAUSE		0x98
#define R_CMD			0xa0
#define R_CMDSTS		0xa8
#define R_SWERR			0xc0
#define R_GRPCFG		0x400
#define R_WQCFG			0x500
#define R_MSIX_PERM		0x600
#define R_MSIX_TABLE		0x2000
#define R_MSIX_PBA		0x3000
#define BAR0_SIZE		0x10000
#define BAR2_SIZE		0x4000
#define PORTAL_LIMITED		0x1000
#define PORTAL_IMS		0x2000
/* the mappable part of BAR2: the descriptor pages before the IMS portals */
#define PORTAL_MAPPED_SIZE	PORTAL_IMS
#define MAPPED_LINES		(PORTAL_MAPPED_SIZE / 64)

#define GENCTRL_SWERR_INT	0x1
#define GENCTRL_HALT_INT	0x2
#define INTC_SWERR		0x01
#define INTC_CMD		0x02
/* SWERR error code of a line left incomplete by trapped pieces */
#define SWERR_PARTIAL_WRITE	0x43
#define SWERR_VALID		0x1ULL
#define SWERR_OVERFLOW		0x2ULL

enum cmd_code {
	CMD_ENABLE_DEV = 1,
	CMD_DISABLE_DEV = 2,
	CMD_DRAIN_ALL = 3,
	CMD_ABORT_ALL = 4,
	CMD_RESET_DEV = 5,
	CMD_ENABLE_WQ = 6,
	CMD_DISABLE_WQ = 7,
	CMD_DRAIN_WQ = 8,
	CMD_ABORT_WQ = 9,
	CMD_RESET_WQ = 10,
};

#define CMD_INT_REQ		0x80000000U
#define CMDSTS_ACTIVE		0x80000000U
/* CMDSTS error: the device is halted and a reset cannot bring it back */
#define CMDSTS_HW_ERR		0x03

/* The opcodes the slice supports, as OPCAP bits */
#define OPCAP0_EXPECTED		((1ULL << DSA_OPCODE_NOOP) | \
				 (1ULL << DSA_OPCODE_MEMMOVE) | \
				 (1ULL << DSA_OPCODE_MEMFILL) | \
				 (1ULL << DSA_OPCODE_COMPARE) | \
				 (1ULL << DSA_OPCODE_COMPVAL) | \
				 (1ULL << DSA_OPCODE_CRCGEN))

#define VEC_ERR			0
#define VEC_WQ			1
#define NR_VECS			2
#define QUIET_MS		200

struct region {
	__u64 offset;
	__u64 size;
	__u32 flags;
};

struct guest {
	const char *uuid;
	int container;
	int group;
	int device;
	struct region cfg;
	struct region bar0;
	struct region bar2;
	int efd[NR_VECS];
	unsigned char *mem;
	unsigned int wq_size;
	/* largest transfer GENCAP offers, checked against the host WQ */
	unsigned int max_xfer;
	unsigned int seed;
	unsigned int bytes;
	int timeout_ms;
	/* loop: go on until this file exists; halt: wait for it */
	const char *until;
	/* halt, disabled: ready for the host; loop: started */
	const char *ready;
	/* halt: recover with a function level reset, not Reset Device */
	bool flr;
	/* -m: portal_write() stores to these mapped descriptor pages */
	__u64 *portal_map;
	/* -F: the calls opening the guest made with fault injection */
	unsigned int faults;
};

/* struct guest.faults */
#define FAULT_OPEN		0x1	/* VFIO_GROUP_GET_DEVICE_FD */
#define FAULT_IRQS		0x2	/* VFIO_DEVICE_SET_IRQS, eventfds */

/* expect_eq: count a failure when a value read differs from the contract */
#define expect_eq(what, got, want)					\
	do {								\
		unsigned long long _g = (got), _w = (want);		\
		if (_g != _w)						\
			fail("%s: got %#llx, expected %#llx", what, _g, _w); \
	} while (0)

/* mdev_guest_vfio.c: the VFIO and DSA guest library */

/* checks that failed so far */
extern int errors;
/* portal writes that succeeded and that failed, reported at exit */
extern unsigned long portal_accepted, portal_refused;

/* fail: print a failed check and count it */
void fail(const char *fmt, ...);
/* info: print a line of progress */
void info(const char *fmt, ...);
/* die: print a fatal error with errno and exit with KSFT_FAIL */
void die(const char *fmt, ...);
/* now_ns: CLOCK_MONOTONIC in nanoseconds */
__u64 now_ns(void);
/* errstr: "success" or the message of a negative errno */
const char *errstr(int ret);
/* sysfs_read: the first line of a file, without its newline; 0 or -errno */
int sysfs_read(const char *path, char *buf, size_t len);
/* sysfs_read_num: a file's number, -1 when it cannot be read */
long sysfs_read_num(const char *path);
/* vdev_attr_path: the path of a file of the mdev's idxd_ims directory */
void vdev_attr_path(struct guest *g, const char *name, char *path,
		    size_t len);
/* vdev_counter: a counter of the mdev's idxd_ims directory; dies if absent */
long vdev_counter(struct guest *g, const char *name);
/* iova_of: the IOVA of an offset in guest memory */
__u64 iova_of(unsigned long off);
/* record: completion record i in guest memory */
struct dsa_completion_record *record(struct guest *g, unsigned int i);
/* record_iova: the IOVA of completion record i */
__u64 record_iova(unsigned int i);
/* fill_pattern: deterministic bytes from a seed (xorshift) */
void fill_pattern(unsigned char *p, size_t len, __u32 seed);
/* region_rw: read or write len bytes of a VFIO region; 0 or -errno */
int region_rw(struct guest *g, struct region *r, bool write,
	      __u64 off, void *buf, size_t len);
/* cfg_read16: a configuration space read; a failed access fails a check */
__u16 cfg_read16(struct guest *g, unsigned int off);
/* cfg_write16: a configuration space write */
void cfg_write16(struct guest *g, unsigned int off, __u16 v);
/* cfg_read32: a configuration space read */
__u32 cfg_read32(struct guest *g, unsigned int off);
/* cfg_write32: a configuration space write */
void cfg_write32(struct guest *g, unsigned int off, __u32 v);
/* bar0_read32: a BAR0 register read; a failed access fails a check */
__u32 bar0_read32(struct guest *g, unsigned int off);
/* bar0_read64: a BAR0 register read */
__u64 bar0_read64(struct guest *g, unsigned int off);
/* bar0_write32: a BAR0 register write */
void bar0_write32(struct guest *g, unsigned int off, __u32 v);
/* bar0_write64: a BAR0 register write */
void bar0_write64(struct guest *g, unsigned int off, __u64 v);
/* wait_vector: wait for vector v; returns its eventfd count, 0 on timeout */
__u64 wait_vector(struct guest *g, int v, int timeout_ms);
/* drain_vector: forget signals already counted on vector v */
void drain_vector(struct guest *g, int v);
/* expect_quiet: vector v must not be signalled within QUIET_MS */
void expect_quiet(struct guest *g, int v, const char *what);
/* expect_signal: vector v must be signalled exactly once */
void expect_signal(struct guest *g, int v, const char *what);
/* set_irqs: VFIO_DEVICE_SET_IRQS with count eventfds or none; 0 or -errno */
int set_irqs(struct guest *g, __u32 flags, __u32 index, __u32 start,
	     __u32 count, const __s32 *fds);
/* attach_vectors: attach g->efd to the MSI-X vectors; dies on failure */
void attach_vectors(struct guest *g);
/* trigger_vector: fire vector v from software (loopback) */
int trigger_vector(struct guest *g, int v);
/* dev_cmd: run one command; returns the CMDSTS error code */
unsigned int dev_cmd(struct guest *g, unsigned int code, __u32 operand,
		     bool irq);
/* expect_cmd: run one command; its CMDSTS error code must be want */
void expect_cmd(struct guest *g, unsigned int code, __u32 operand,
		unsigned int want, const char *what);
/* gensts: the device state field of GENSTS */
unsigned int gensts(struct guest *g);
/* wq_state: the state field of WQ 0's WQCFG */
unsigned int wq_state(struct guest *g);
/* set_bus_master: set (with memory space) or clear Bus Master */
void set_bus_master(struct guest *g, bool on);
/* enable_device: bus master, enable device, enable WQ 0 */
void enable_device(struct guest *g);
/* clear_swerr: clear SWERR and INTCAUSE's software error and command bits */
void clear_swerr(struct guest *g);
/* flr: a function level reset as Linux's pcie_flr() does it */
void flr(struct guest *g, const char *what);
/* expect_reset_state: BAR0 registers as a reset leaves them */
void expect_reset_state(struct guest *g, const char *what);
/* desc_init: a descriptor with record rec, asking for vector 1 when irq */
void desc_init(struct dsa_hw_desc *d, unsigned int op, unsigned int rec,
	       __u32 size, bool irq);
/* portal_write: one 64-byte write at BAR2 offset off; 0 or -errno */
int portal_write(struct guest *g, unsigned int off,
		 const struct dsa_hw_desc *d);
/* submit: clear the descriptor's record and write it to the portal */
void submit(struct guest *g, struct dsa_hw_desc *d, const char *what);
/* wait_record: poll a record's status byte; returns it, 0 on timeout */
__u8 wait_record(struct guest *g, struct dsa_completion_record *r);
/* run_irq: submit with an interrupt, wait for vector 1; returns the record */
struct dsa_completion_record *run_irq(struct guest *g,
				      struct dsa_hw_desc *d,
				      const char *what);
/* run_poll: submit without interrupt and poll the record */
struct dsa_completion_record *run_poll(struct guest *g,
				       struct dsa_hw_desc *d,
				       const char *what);
/* expect_status: a record's status must be want */
void expect_status(struct dsa_completion_record *r, __u8 want,
		   const char *what);
/* open_guest: open and check the device, reset it, attach its eventfds */
void open_guest(struct guest *g);
/* memmove_once: copy len bytes src_off -> dst_off and check the data */
void memmove_once(struct guest *g, unsigned long src_off,
		  unsigned long dst_off, __u32 len, __u32 seed,
		  const char *what);
/* touch_file: create an empty file for the host to see */
void touch_file(const char *path);

/* mdev_guest_ops.c: a working device's operations and interrupts */
int scenario_ops(struct guest *g, long n);
int scenario_irq(struct guest *g, long n);
int scenario_handle(struct guest *g, long n);

/* mdev_guest_bad.c: bad input */
/* expect_portal_error: a portal write must fail with err and record SWERR */
void expect_portal_error(struct guest *g, unsigned int off,
			 const struct dsa_hw_desc *d, int err, bool irq,
			 const char *what);
int scenario_bad(struct guest *g, long n);
int scenario_storm(struct guest *g, long n);

/* mdev_guest_inflight.c: many descriptors in flight */
int scenario_lines(struct guest *g, long n);
int scenario_refill(struct guest *g, long n);
int scenario_inflight(struct guest *g, const char *how);
int scenario_flr(struct guest *g, long n);

/* mdev_guest_bench.c: memmoves or NOOPs back to back */
int scenario_loop(struct guest *g, long n);
int scenario_bench(struct guest *g, long n);
int scenario_copybench(struct guest *g, long n);

/* mdev_guest_halt.c: the parent halted or disabled under the guest */
int scenario_halt(struct guest *g, long n);
int scenario_disabled(struct guest *g, long n);

/* mdev_guest_emul.c: the slice's PCI function emulation */
int scenario_busmaster(struct guest *g, long n);
int scenario_xfer(struct guest *g, long n);
int scenario_cfgreset(struct guest *g, long n);

/* mdev_guest_portal.c: the mapped portal */
void mapped_write(__u64 *line, const struct dsa_hw_desc *d);
void map_portal(struct guest *g);
int scenario_mapped(struct guest *g, long n);
int scenario_idle(struct guest *g, long n);

/* mdev_guest_zerocopy.c */
int scenario_noncontig(struct guest *g, long n);
int scenario_unmap(struct guest *g, long n);
int scenario_copyloop(struct guest *g, long n);
int scenario_uffd(struct guest *g, long n);
int scenario_readonly(struct guest *g, long n);

/* mdev_guest_fault.c: fault injection while opening the guest */
int fault_open_device(struct guest *g);
void fault_attach_vectors(struct guest *g);

/* mdev_guest_fuzz.c */
int scenario_fuzz(struct guest *g, long seed, long count);

#endif /* MDEV_GUEST_H */
