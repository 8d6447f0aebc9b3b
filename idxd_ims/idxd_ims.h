/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * idxd_ims: shared device structure and driver-core interfaces.
 *
 * One struct idxd_ims_dev exists per bound PCI function. The driver core
 * (main.c, ims_domain.c, pasid.c, debugfs.c) owns everything in it except
 * the block marked "work queue side", which belongs to wq.c/sysfs.c/dma.c
 * and is described in wq.h.
 */
#ifndef _IDXD_IMS_H_
#define _IDXD_IMS_H_

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "registers.h"

#define IDXD_IMS_DRV_NAME	"idxd_ims"

struct dentry;
struct idxd_ims_dev;

/**
 * enum idxd_ims_type - accelerator kind
 * @IDXD_IMS_TYPE_DSA: Data Streaming Accelerator
 * @IDXD_IMS_TYPE_IAX: In-memory Analytics Accelerator
 */
enum idxd_ims_type {
	IDXD_IMS_TYPE_DSA,
	IDXD_IMS_TYPE_IAX,
};

/**
 * enum idxd_ims_dev_state - driver view of the device
 * @IDXD_IMS_DEV_READY: reset, configurable, interrupts set up
 * @IDXD_IMS_DEV_HALTED: halted; a software reset is being attempted
 * @IDXD_IMS_DEV_FAILED: halted and not recoverable by the driver; only
 *	removal (or an FLR from outside) helps
 */
enum idxd_ims_dev_state {
	IDXD_IMS_DEV_READY,
	IDXD_IMS_DEV_HALTED,
	IDXD_IMS_DEV_FAILED,
};

/**
 * enum idxd_ims_irq_kind - where a completion vector lives
 * @IDXD_IMS_IRQ_IMS: an entry of the device's IMS table
 * @IDXD_IMS_IRQ_MSIX: a dynamically allocated MSI-X vector (fallback)
 */
enum idxd_ims_irq_kind {
	IDXD_IMS_IRQ_IMS,
	IDXD_IMS_IRQ_MSIX,
};

/**
 * struct idxd_ims_caps - capabilities read from the device at probe
 * @version: VERSION register
 * @gencap: GENCAP register
 * @wqcap: WQCAP register
 * @grpcap: GRPCAP register
 * @engcap: ENGCAP register
 * @opcap: OPCAP bitmap (bit n = opcode n supported)
 * @cmdcap: CMDCAP register, 0 when GENCAP.cmd_cap is clear
 * @max_wqs: number of work queues
 * @max_wq_size: total WQ entries shared by all WQs
 * @max_groups: number of groups
 * @max_engines: number of engines
 * @max_rdbufs: total read buffers
 * @wqcfg_size: bytes per WQCFG block
 * @max_xfer_bytes: maximum transfer size
 * @max_batch_size: maximum batch size (0 for IAX)
 * @grpcfg_offset: byte offset of the GRPCFG table in BAR0
 * @wqcfg_offset: byte offset of the WQCFG table in BAR0
 * @msix_perm_offset: byte offset of the MSI-X permission table in BAR0
 * @ims_offset: byte offset of the IMS table in BAR0 (0: none)
 * @perfmon_offset: byte offset of the perfmon block in BAR0 (0: none)
 * @ims_size: number of IMS entries (0: no IMS table)
 * @config_en: device configuration is writable
 */
struct idxd_ims_caps {
	u32 version;
	u64 gencap;
	u64 wqcap;
	u64 grpcap;
	u64 engcap;
	u64 opcap[IDXD_OPCAP_QWORDS];
	u32 cmdcap;
	unsigned int max_wqs;
	unsigned int max_wq_size;
	unsigned int max_groups;
	unsigned int max_engines;
	unsigned int max_rdbufs;
	unsigned int wqcfg_size;
	u64 max_xfer_bytes;
	u32 max_batch_size;
	u32 grpcfg_offset;
	u32 wqcfg_offset;
	u32 msix_perm_offset;
	u32 ims_offset;
	u32 perfmon_offset;
	unsigned int ims_size;
	bool config_en;
};

/**
 * struct idxd_ims_irq - one completion interrupt vector (IMS or MSI-X)
 * @idev: owning device
 * @kind: IMS entry or fallback MSI-X vector
 * @index: IMS table index or MSI-X table index
 * @virq: Linux interrupt number
 * @int_handle: value to put in a descriptor's int_handle field; written
 *	with WRITE_ONCE() at allocation, before the vector is published,
 *	then only under idxd_ims_dev.irq_lock (handle renewal, the test
 *	hook's revoke); read with READ_ONCE() without the lock when a
 *	descriptor is built
 * @pasid: PASID programmed into the IMS entry (valid when @pasid_en)
 * @pasid_en: the IMS entry is bound to @pasid
 * @requested: the Linux interrupt is requested (protected by
 *	idxd_ims_dev.irq_lock)
 * @masked: masked through idxd_ims_irq_set_masked() while requested
 *	(protected by idxd_ims_dev.irq_lock)
 * @count: interrupts taken on this vector
 * @thread_fn: threaded handler supplied by the user, may be NULL; it is
 *	called with @dev_id pointing at this structure; set at allocation,
 *	constant after
 * @tasklet: instead of @thread_fn, a tasklet of the user's that the hard
 *	interrupt handler schedules, so that it runs in softirq context as
 *	the interrupt returns; set at allocation, constant after; killed
 *	when the vector is freed
 * @data: opaque pointer for the user of the vector
 * @name: interrupt name shown in /proc/interrupts
 * @node: entry in idxd_ims_dev.irq_list, protected by
 *	idxd_ims_dev.irq_lock
 */
struct idxd_ims_irq {
	struct idxd_ims_dev *idev;
	enum idxd_ims_irq_kind kind;
	unsigned int index;
	unsigned int virq;
	u16 int_handle;
	u32 pasid;
	bool pasid_en;
	bool requested;
	bool masked;
	atomic64_t count;
	irq_handler_t thread_fn;
	struct tasklet_struct *tasklet;
	void *data;
	char name[32];
	struct list_head node;
};

/**
 * struct idxd_ims_dev - one DSA/IAX PCI function driven by idxd_ims
 * @pdev: the PCI function
 * @type: DSA or IAX
 * @id: instance number (dsa<id>/iax<id>)
 * @reg_base: BAR0 mapping (registers and IMS table)
 * @portal_base: BAR2 mapping (submission portals)
 * @caps: capabilities read at probe
 * @misc_irq: Linux interrupt number of MSI-X vector 0
 * @cmd_lock: serialises device commands; held from the write of CMD until
 *	the status has been read
 * @cmd_done: completed by the misc interrupt when INTCAUSE.CMD is seen;
 *	only waited on with @cmd_lock held
 * @state_lock: protects @state, @swerr, @swerr_overflow_seen and
 *	@swerr_last
 * @state: driver view of the device
 * @swerr: last software error record read from the device
 * @swerr_overflow_seen: an overflowed SWERR was reported in the current
 *	burst of software errors (one message per burst)
 * @swerr_last: jiffies of the last software error; a gap ends a burst
 * @halt_work: software reset and restore after a halt
 * @irq_lock: protects @irq_list, @ims_active after probe, the requested
 *	and masked state of each vector, and the IMS/MSI-X index allocation
 *	done through the wrappers in ims_domain.c; taken before @cmd_lock
 *	when both are needed. Never held while waiting for an interrupt
 *	handler (free_irq(), disable_irq(), synchronize_irq()): one stuck
 *	handler must not stop the vectors of every other user
 * @revoke_work: renews interrupt handles after the device revoked them
 * @irq_list: allocated completion vectors (struct idxd_ims_irq.node)
 * @ims_active: completion vectors come from the IMS table; false means
 *	the dynamic MSI-X fallback is in use
 * @pasid: system PASID used for kernel work (valid when @pasid_enabled)
 * @pasid_enabled: kernel descriptors and IMS entries carry @pasid
 * @dbgfs: per-device debugfs directory
 * @test_irq_lock: protects @test_irqs, @test_fired and @test_nfired
 *	(debugfs test hook)
 * @test_irqs: vectors allocated through the debugfs test hook
 * @test_fired: what the last "fire_all" saw, one entry per vector fired:
 *	IMS index in the upper 16 bits, interrupts counted in the lower 16
 * @test_nfired: number of entries in @test_fired
 * @test_stall: the threaded handlers of @test_irqs wait while it is set
 *	(test hook "stall"; READ_ONCE()/WRITE_ONCE(), no lock)
 * @test_unstall: woken when @test_stall is cleared
 * @test_fail_cmds: device commands (bit N: command code N) that fail
 *	with a hardware error without reaching the device (test hook
 *	"fail_cmds"; READ_ONCE()/WRITE_ONCE(), no lock)
 * @wq_priv: work queue side state, owned by wq.c (see wq.h)
 * @dma_refs: one for each dmaengine device registered for the function
 *	and not released yet (a client may hold its channel past the
 *	disable of the work queue), plus one that remove drops
 * @dma_released: completed when @dma_refs drops to zero
 * @mdev_parent: vfio-mdev parent of the device, owned by mdev.c; NULL
 *	when the kernel has no vfio-mdev
 */
struct idxd_ims_dev {
	struct pci_dev *pdev;
	enum idxd_ims_type type;
	int id;
	void __iomem *reg_base;
	void __iomem *portal_base;
	struct idxd_ims_caps caps;

	int misc_irq;
	struct mutex cmd_lock;		/* serialises device commands */
	struct completion cmd_done;

	spinlock_t state_lock;		/* @state, @swerr, overflow flag */
	enum idxd_ims_dev_state state;
	u64 swerr[IDXD_SWERR_QWORDS];
	bool swerr_overflow_seen;
	unsigned long swerr_last;
	struct work_struct halt_work;

	struct mutex irq_lock;		/* @irq_list, vector allocation */
	struct work_struct revoke_work;
	struct list_head irq_list;
	bool ims_active;

	u32 pasid;
	bool pasid_enabled;

	struct dentry *dbgfs;
	struct mutex test_irq_lock;	/* @test_irqs, @test_fired */
	struct list_head test_irqs;
	u32 *test_fired;
	unsigned int test_nfired;
	bool test_stall;
	wait_queue_head_t test_unstall;
	u32 test_fail_cmds;

	/* ---- work queue side: owned by wq.c / sysfs.c / dma.c ---- */
	void *wq_priv;
	refcount_t dma_refs;
	struct completion dma_released;
	/* ---- end of work queue side ---- */

	void *mdev_parent;
};

/* main.c: command interface */
int idxd_ims_cmd(struct idxd_ims_dev *idev, enum idxd_cmd_code code,
		 u32 operand, u32 *status);
u32 idxd_ims_cmd_wq_mask_operand(unsigned int wq_id);
bool idxd_ims_dev_usable(struct idxd_ims_dev *idev);
const char *idxd_ims_type_name(struct idxd_ims_dev *idev);

/* ims_domain.c: completion interrupt vectors */
int idxd_ims_irq_setup(struct idxd_ims_dev *idev);
void idxd_ims_irq_teardown(struct idxd_ims_dev *idev);
struct idxd_ims_irq *idxd_ims_irq_alloc(struct idxd_ims_dev *idev,
					const char *name,
					struct tasklet_struct *tasklet,
					void *data);
struct idxd_ims_irq *idxd_ims_irq_alloc_pasid(struct idxd_ims_dev *idev,
					      const char *name,
					      irq_handler_t thread_fn,
					      void *data, bool pasid_en,
					      u32 pasid, bool request);
int idxd_ims_irq_request(struct idxd_ims_irq *irq);
int idxd_ims_irq_release(struct idxd_ims_irq *irq);
void idxd_ims_irq_free(struct idxd_ims_irq *irq);
int idxd_ims_irq_set_masked(struct idxd_ims_irq *irq, bool masked);
bool idxd_ims_irq_masked(struct idxd_ims_irq *irq);
int idxd_ims_irq_read_ctrl(struct idxd_ims_irq *irq, u32 *ctrl);
void idxd_ims_irq_restore(struct idxd_ims_dev *idev);
void idxd_ims_irq_handles_revoked(struct idxd_ims_dev *idev);
void idxd_ims_irq_renew_handles(struct idxd_ims_dev *idev);
int idxd_ims_irq_test_revoke(struct idxd_ims_dev *idev, unsigned int index);
int idxd_ims_try_bad_template(struct idxd_ims_dev *idev);
struct idxd_ims_irq *idxd_ims_irq_alloc_msix(struct idxd_ims_dev *idev,
					     const char *name, bool request);
unsigned int idxd_ims_irq_ims_free(struct idxd_ims_dev *idev);

/* pasid.c: PASID policy */
int idxd_ims_pasid_setup(struct idxd_ims_dev *idev);
void idxd_ims_pasid_restore(struct idxd_ims_dev *idev);
void idxd_ims_pasid_teardown(struct idxd_ims_dev *idev);
int idxd_ims_pasid_vdev_alloc(struct idxd_ims_dev *idev, bool *pasid_en,
			      u32 *pasid);
void idxd_ims_pasid_vdev_free(struct idxd_ims_dev *idev, u32 pasid);

/* debugfs.c */
void idxd_ims_debugfs_init(void);
void idxd_ims_debugfs_exit(void);
void idxd_ims_debugfs_add(struct idxd_ims_dev *idev);
void idxd_ims_debugfs_remove(struct idxd_ims_dev *idev);

/**
 * idxd_ims_offers_vdevs() - whether a device can back virtual devices
 * @idev: device
 *
 * A virtual device is a slice of a DSA (its operations are DSA
 * operations), and needs a kernel with vfio-mdev.
 *
 * Return: true for a DSA when the module was built with vfio-mdev.
 */
static inline bool idxd_ims_offers_vdevs(const struct idxd_ims_dev *idev)
{
	return IS_ENABLED(CONFIG_VFIO_MDEV) && idev->type == IDXD_IMS_TYPE_DSA;
}

/* mdev.c: vfio-mdev virtual devices, when the kernel has vfio-mdev */
#if IS_ENABLED(CONFIG_VFIO_MDEV)
int idxd_ims_mdev_init(void);
void idxd_ims_mdev_exit(void);
int idxd_ims_mdev_parent_add(struct idxd_ims_dev *idev);
void idxd_ims_mdev_parent_remove(struct idxd_ims_dev *idev);
#else
static inline int idxd_ims_mdev_init(void)
{
	return 0;
}

static inline void idxd_ims_mdev_exit(void)
{
}

static inline int idxd_ims_mdev_parent_add(struct idxd_ims_dev *idev)
{
	return 0;
}

static inline void idxd_ims_mdev_parent_remove(struct idxd_ims_dev *idev)
{
}
#endif

/*
 * Work queue side entry points, implemented by wq.c/sysfs.c and called by
 * the driver core:
 *
 * idxd_ims_bus_init()/idxd_ims_bus_exit(): register/unregister the "dsa"
 *	bus and its drivers, and set up/tear down the dmaengine provider, at
 *	module load/unload.
 * idxd_ims_wq_probe(): after the misc interrupt, PASID and completion
 *	vector setup; creates groups, engines and WQs for @idev.
 * idxd_ims_wq_remove(): undo idxd_ims_wq_probe(); must free every
 *	completion vector the WQ side allocated.
 * idxd_ims_dma_wait_released(): after idxd_ims_wq_remove(), wait until
 *	no dmaengine client holds a channel of the device any more.
 * idxd_ims_wq_halted(): the device halted; stop submitting and fail
 *	outstanding descriptors. Called from the misc interrupt thread.
 * idxd_ims_wq_restore(): the device was reset after a halt; rewrite the
 *	configuration and re-enable what was enabled. Process context.
 * idxd_ims_wq_submit_desc(): submit one descriptor on any enabled kernel
 *	WQ through the portal page matching @kind (IMS or MSI-X interrupt
 *	routing). Returns -ENODEV when no kernel WQ is enabled. Used by the
 *	debugfs test hook to fire completion vectors.
 */
int idxd_ims_bus_init(void);
void idxd_ims_bus_exit(void);
int idxd_ims_wq_probe(struct idxd_ims_dev *idev);
void idxd_ims_wq_remove(struct idxd_ims_dev *idev);
void idxd_ims_dma_wait_released(struct idxd_ims_dev *idev);
void idxd_ims_wq_halted(struct idxd_ims_dev *idev);
int idxd_ims_wq_restore(struct idxd_ims_dev *idev);
int idxd_ims_wq_submit_desc(struct idxd_ims_dev *idev,
			    const struct idxd_hw_desc *desc,
			    enum idxd_ims_irq_kind kind);

#endif /* _IDXD_IMS_H_ */
