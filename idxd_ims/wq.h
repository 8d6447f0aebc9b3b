/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Work queues, groups and engines of an idxd_ims device: their software
 * configuration, the `dsa` bus objects that expose it, the dmaengine
 * channel of a kernel work queue and the descriptor submission path.
 */
#ifndef _IDXD_IMS_WQ_H_
#define _IDXD_IMS_WQ_H_

#include <linux/bits.h>
#include <linux/device.h>
#include <linux/dmaengine.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "registers.h"

struct idxd_ims_dev;
struct idxd_ims_irq;
struct pci_dev;

/* WQCFG dwords and fields not described by registers.h */
#define IDXD_WQCFG_DW_SIZE		0
#define IDXD_WQCFG_SIZE			GENMASK(15, 0)
#define IDXD_WQCFG_DW_THRESHOLD		1
#define IDXD_WQCFG_THRESHOLD		GENMASK(15, 0)
#define IDXD_WQCFG_BOF			BIT(1)
#define IDXD_WQCFG_ATS_DISABLE		BIT(2)
#define IDXD_WQCFG_PRS_DISABLE		BIT(3)
#define IDXD_WQCFG_PRIORITY		GENMASK(7, 4)
#define IDXD_WQCFG_DW_LIMITS		3
#define IDXD_WQCFG_MAX_XFER_SHIFT	GENMASK(4, 0)
#define IDXD_WQCFG_MAX_BATCH_SHIFT	GENMASK(8, 5)
#define IDXD_WQCFG_DW_OCCUPANCY_INT	4	/* occupancy interrupt handle */
#define IDXD_WQCFG_DW_OCCUPANCY_LIMIT	5	/* and its threshold/enable */
#define IDXD_WQCFG_DW_STATUS		6
#define IDXD_WQCFG_OCCUPANCY		GENMASK(15, 0)

/* GRPCFG: 64 bytes per group */
#define IDXD_GRPCFG_STRIDE		64
#define IDXD_GRPCFG_WQS			0x00
#define IDXD_GRPCFG_WQ_QWORDS		4
#define IDXD_GRPCFG_ENGINES		0x20
#define IDXD_GRPCFG_FLAGS		0x28
#define IDXD_GRPFLAGS_TC_A		GENMASK_ULL(2, 0)
#define IDXD_GRPFLAGS_TC_B		GENMASK_ULL(5, 3)
#define IDXD_GRPFLAGS_USE_RDBUF_LIMIT	BIT_ULL(7)
#define IDXD_GRPFLAGS_RDBUFS_RESERVED	GENMASK_ULL(15, 8)
#define IDXD_GRPFLAGS_RDBUFS_ALLOWED	GENMASK_ULL(27, 20)

#define IDXD_OP_MEMFILL			0x04

/* Completion record status bit 7: the fault happened on a write */
#define IDXD_COMP_STATUS_FAULT_WRITE	BIT(7)

#define IDXD_WQ_NAME_MAX		64
#define IDXD_WQ_DRIVER_NAME_MAX		32
#define IDXD_WQ_PRIORITY_MAX		15
#define IDXD_WQ_DEFAULT_PRIORITY	1
#define IDXD_WQ_DEFAULT_MAX_XFER	SZ_2M
#define IDXD_WQ_DEFAULT_MAX_BATCH	32
#define IDXD_TRAFFIC_CLASS_MAX		7
#define IDXD_TRAFFIC_CLASS_DEFAULT	1

/* Names of the drivers on the dsa bus; accel-config looks for these */
#define IDXD_DRV_NAME_DEVICE		"idxd"
#define IDXD_DRV_NAME_DMAENGINE		"dmaengine"
#define IDXD_DRV_NAME_USER		"user"

/**
 * enum idxd_wq_type - what a work queue is for
 * @IDXD_WQT_NONE: unused
 * @IDXD_WQT_KERNEL: dmaengine channel of the host kernel
 * @IDXD_WQT_USER: user-space portal (accepted in the configuration, not
 *	enabled by this driver)
 * @IDXD_WQT_MDEV: backs a virtual device; enabled when a vfio-mdev is
 *	created on it, disabled when the mdev is removed
 */
enum idxd_wq_type {
	IDXD_WQT_NONE = 0,
	IDXD_WQT_KERNEL,
	IDXD_WQT_USER,
	IDXD_WQT_MDEV,
};

struct idxd_ims_conf;

/**
 * struct idxd_ims_group - a group: work queues served by a set of engines
 * @dev: the groupN.M device on the dsa bus
 * @conf: configuration this group belongs to
 * @id: group index
 * @rdbufs_reserved: read buffers reserved for this group
 * @rdbufs_allowed: read buffers this group may use
 * @use_rdbuf_limit: apply the device-wide read buffer limit to this group
 * @tc_a: traffic class for descriptor and completion accesses
 * @tc_b: traffic class for data accesses
 *
 * All fields but @dev, @conf and @id are protected by &idxd_ims_conf.lock.
 */
struct idxd_ims_group {
	struct device dev;
	struct idxd_ims_conf *conf;
	int id;
	unsigned int rdbufs_reserved;
	unsigned int rdbufs_allowed;
	bool use_rdbuf_limit;
	unsigned int tc_a;
	unsigned int tc_b;
};

/**
 * struct idxd_ims_engine - a processing engine
 * @dev: the engineN.M device on the dsa bus
 * @conf: configuration this engine belongs to
 * @id: engine index
 * @group: group the engine serves, NULL when unassigned
 *	(protected by &idxd_ims_conf.lock)
 */
struct idxd_ims_engine {
	struct device dev;
	struct idxd_ims_conf *conf;
	int id;
	struct idxd_ims_group *group;
};

/**
 * struct idxd_ims_desc - a software descriptor of a kernel work queue
 * @txd: dmaengine transaction handed to clients
 * @hw: the 64-byte hardware descriptor, built here and copied to the portal
 * @comp: completion record written by the device (DMA coherent)
 * @comp_dma: bus address of @comp
 * @len: bytes requested, used to report the residue of a failed transfer
 * @terminated: the client terminated the channel while the descriptor was
 *	in flight; its callback is detached (protected by
 *	&idxd_ims_wq_dma.lock)
 * @node: link in &idxd_ims_wq_dma.free_descs or
 *	&idxd_ims_wq_dma.active_descs
 */
struct idxd_ims_desc {
	struct dma_async_tx_descriptor txd;
	struct idxd_hw_desc hw;
	struct idxd_hw_completion *comp;
	dma_addr_t comp_dma;
	u32 len;
	bool terminated;
	struct list_head node;
};

/**
 * struct idxd_ims_dma_dev - the dmaengine device of one enabled device
 * @dma: the dma_device; one channel per enabled kernel work queue. Its
 *	device_release callback frees this structure once the device is
 *	disabled and the last client reference is gone
 * @idev: the device; holds one of its &idxd_ims_dev.dma_refs until
 *	released
 * @pdev: PCI function the channels' DMA is mapped for (reference held)
 * @lock: protects @lingering, @dead and each channel's
 *	&idxd_ims_wq_dma.held and &idxd_ims_wq_dma.gone. Taken in the
 *	dmaengine core's channel callbacks, which hold the core's
 *	dma_list_mutex, and under &idxd_ims_conf.lock: innermost, never
 *	held while calling into the dmaengine core
 * @lingering: channels whose work queue was disabled while a client held
 *	them, not torn down yet
 * @dead: the device was disabled: the dma_device is unregistered once
 *	@lingering is 0 (see idxd_ims_dma_dev_unregister())
 */
struct idxd_ims_dma_dev {
	struct dma_device dma;
	struct idxd_ims_dev *idev;
	struct pci_dev *pdev;
	spinlock_t lock; /* see @lock above */
	unsigned int lingering;
	bool dead;
};

/**
 * struct idxd_ims_wq_dma - submission state and dmaengine channel of one
 *	enabled kernel work queue
 * @chan: the work queue's channel on &idxd_ims_conf.dma_dev
 * @pdev: PCI function the descriptors and completion records belong to
 *	(reference held until freed)
 * @wq_id: index of the work queue, for messages
 * @max_xfer_bytes: largest transfer accepted by the work queue
 * @num_descs: entries of @descs (the work queue size)
 * @descs: descriptor pool
 * @comp_size: bytes per completion record (32 on DSA, 64 on IAX)
 * @comps: completion records of @descs, one DMA coherent block
 * @comps_dma: bus address of @comps
 * @held: a client holds the channel (protected by &idxd_ims_dma_dev.lock)
 * @gone: the work queue was disabled: the channel takes no new client,
 *	and lingers until its client lets go (protected by
 *	&idxd_ims_dma_dev.lock)
 * @teardown_work: unregisters and frees a channel that lingered, once its
 *	client let go
 * @complete_tasklet: finishes completed descriptors; scheduled by the
 *	completion interrupt, so it runs in softirq context
 * @lock: protects @accepting, @portal, @vector, @free_descs and
 *	@active_descs; taken from @complete_tasklet (softirq). Not held
 *	across a portal write (see @portal_writes)
 * @accepting: the work queue is enabled and takes descriptors
 * @portal: submission portal of the work queue (valid while @accepting)
 * @vector: completion vector of the work queue (valid while @accepting);
 *	its interrupt handle is read at each submission because the driver
 *	core renews handles after the device revokes them
 * @pasid_priv: first dword of every descriptor (PASID, privilege)
 * @free_descs: descriptors a client may take
 * @active_descs: descriptors submitted to the device, not yet completed
 * @terminated_done: woken when terminated descriptors complete, for a client
 *	waiting in dmaengine_synchronize() for them
 * @portal_writes: submissions past the check of @accepting whose portal
 *	write has not ended. A submission puts its descriptor on
 *	@active_descs and counts itself under @lock, then writes the portal
 *	without it, so that other submitters and the completion do not wait
 *	for the write; whoever clears @accepting waits for this to reach 0
 *	(idxd_ims_wq_dma_stop(), or idxd_ims_wq_dma_wait_portal_writes()
 *	after the halt handler, which cannot wait) before disabling or
 *	re-enabling the work queue in hardware
 */
struct idxd_ims_wq_dma {
	struct dma_chan chan;
	struct pci_dev *pdev;
	int wq_id;
	u64 max_xfer_bytes;
	unsigned int num_descs;
	struct idxd_ims_desc *descs;
	size_t comp_size;
	void *comps;
	dma_addr_t comps_dma;
	bool held;
	bool gone;
	struct work_struct teardown_work;
	struct tasklet_struct complete_tasklet;

	spinlock_t lock; /* see @lock above */
	bool accepting;
	void __iomem *portal;
	const struct idxd_ims_irq *vector;
	u32 pasid_priv;
	struct list_head free_descs;
	struct list_head active_descs;
	wait_queue_head_t terminated_done;
	atomic_t portal_writes;
};

/**
 * struct idxd_ims_wq - a work queue
 * @dev: the wqN.M device on the dsa bus
 * @conf: configuration this work queue belongs to
 * @id: work queue index
 * @group: group of the work queue, NULL when unassigned
 * @size: number of descriptor slots
 * @threshold: limited-portal threshold (shared mode only)
 * @priority: arbitration priority 1..15
 * @block_on_fault: WQCFG block-on-fault
 * @ats_disable: WQCFG ATS disable
 * @prs_disable: WQCFG PRS disable
 * @dedicated: dedicated mode (shared mode is not supported)
 * @type: none, kernel or user
 * @name: client-chosen name
 * @driver_name: dsa bus driver this work queue may bind to
 * @max_xfer_bytes: largest transfer a descriptor may carry
 * @max_batch_size: largest batch
 * @enabled: the work queue is enabled in hardware
 * @vector: completion interrupt, NULL while disabled
 * @irq_name: name shown in /proc/interrupts
 * @wq_dma: submission state while enabled, NULL otherwise
 * @mdev: virtual device this work queue backs, NULL when free (type
 *	%IDXD_WQT_MDEV only); also read by the halt handler, under
 *	&idxd_ims_conf.wq_dma_lock
 * @mdev_halted: called when the device halts or is disabled under @mdev:
 *	descriptors in flight on the work queue will not complete
 * @mdev_pasid: PASID the work queue runs with for @mdev
 * @mdev_pasid_en: WQCFG carries @mdev_pasid
 * @mdev_live: descriptors of @mdev can be executed: the work queue is
 *	enabled in a working device. Cleared before @mdev_halted is called
 *	and set again when a software reset brought the work queue back;
 *	written with WRITE_ONCE() under &idxd_ims_conf.lock or in the halt
 *	handler, read locklessly by the virtual device
 *
 * Fields from @group on are protected by &idxd_ims_conf.lock. @wq_dma and
 * @mdev are also written under &idxd_ims_conf.wq_dma_lock, under which the
 * halt handler reads them. The completion interrupt does not look at
 * @wq_dma: its tasklet is part of it (&idxd_ims_wq_dma.complete_tasklet),
 * flushed after @vector has been freed and before @wq_dma is cleared.
 */
struct idxd_ims_wq {
	struct device dev;
	struct idxd_ims_conf *conf;
	int id;
	struct idxd_ims_group *group;
	unsigned int size;
	unsigned int threshold;
	unsigned int priority;
	bool block_on_fault;
	bool ats_disable;
	bool prs_disable;
	bool dedicated;
	enum idxd_wq_type type;
	char name[IDXD_WQ_NAME_MAX];
	char driver_name[IDXD_WQ_DRIVER_NAME_MAX];
	u64 max_xfer_bytes;
	unsigned int max_batch_size;
	bool enabled;
	struct idxd_ims_irq *vector;
	char irq_name[32];
	struct idxd_ims_wq_dma *wq_dma;
	void *mdev;
	void (*mdev_halted)(void *mdev);
	u32 mdev_pasid;
	bool mdev_pasid_en;
	bool mdev_live;
};

/**
 * struct idxd_ims_conf - software configuration of one device
 * @dev: the dsaN device on the dsa bus
 * @idev: the PCI-level device; only used while @dev is registered
 * @id: N of dsaN
 * @lock: serialises configuration changes, enabling and disabling
 * @enabled: the device is enabled in hardware (protected by @lock)
 * @disabling: the device is being disabled: its kernel work queues are
 *	being unbound, and none may be enabled again until the device is
 *	disabled (protected by @lock)
 * @removing: the PCI function is going away: the device may not be enabled
 *	again (protected by @lock)
 * @adding: the dsa bus objects are being added, and the driver core tries
 *	to bind each, unconfigured, as it comes (protected by @lock)
 * @cmd_status: status of the last failed device command (protected by @lock)
 * @rdbuf_limit: device-wide read buffer limit (protected by @lock)
 * @wq_dma_lock: protects publishing and clearing &idxd_ims_wq.wq_dma, so
 *	that the halt handler, which cannot take @lock, sees only live state
 * @dma_dev: dmaengine device while the device is enabled (protected by
 *	@lock)
 * @num_wqs: entries of @wqs
 * @num_groups: entries of @groups
 * @num_engines: entries of @engines
 * @wqs: work queues
 * @groups: groups
 * @engines: engines
 */
struct idxd_ims_conf {
	struct device dev;
	struct idxd_ims_dev *idev;
	int id;
	struct mutex lock; /* see @lock above */
	bool enabled;
	bool disabling;
	bool removing;
	bool adding;
	u32 cmd_status;
	unsigned int rdbuf_limit;
	spinlock_t wq_dma_lock; /* see @wq_dma_lock above */
	struct idxd_ims_dma_dev *dma_dev;
	unsigned int num_wqs;
	unsigned int num_groups;
	unsigned int num_engines;
	struct idxd_ims_wq **wqs;
	struct idxd_ims_group **groups;
	struct idxd_ims_engine **engines;
};

/*
 * The entry points called by the driver core (idxd_ims_bus_init(),
 * idxd_ims_wq_probe(), idxd_ims_wq_halted(), ...) are declared in
 * idxd_ims.h.
 */

/* wq.c: hardware configuration and submission */
bool idxd_ims_group_has_engine(struct idxd_ims_group *group);
int idxd_ims_device_enable(struct idxd_ims_conf *conf);
void idxd_ims_device_disabling(struct idxd_ims_conf *conf);
void idxd_ims_device_disable(struct idxd_ims_conf *conf);
int idxd_ims_wq_enable(struct idxd_ims_wq *wq);
int idxd_ims_wq_refuse_user(struct idxd_ims_wq *wq);
void idxd_ims_wq_disable(struct idxd_ims_wq *wq);
u32 idxd_ims_wq_occupancy(struct idxd_ims_wq *wq);
void idxd_ims_wq_dma_wait_portal_writes(struct idxd_ims_wq_dma *wq_dma);
void idxd_ims_wq_dma_stop(struct idxd_ims_wq_dma *wq_dma);
struct idxd_ims_desc *idxd_ims_wq_dma_get_desc(struct idxd_ims_wq_dma *wq_dma);
void idxd_ims_wq_dma_put_desc(struct idxd_ims_wq_dma *wq_dma,
			      struct idxd_ims_desc *desc);
void idxd_ims_wq_dma_complete(struct idxd_ims_wq_dma *wq_dma, bool abort);
void idxd_ims_wq_dma_complete_tasklet(struct tasklet_struct *t);

/* wq.c: work queues backing virtual devices (mdev.c) */
struct idxd_ims_wq *idxd_ims_wq_mdev_get(struct idxd_ims_dev *idev,
					 void *mdev,
					 void (*halted)(void *mdev),
					 bool pasid_en, u32 pasid);
int idxd_ims_wq_mdev_put(struct idxd_ims_wq *wq);
unsigned int idxd_ims_wq_mdev_available(struct idxd_ims_dev *idev);
void idxd_ims_wq_mdev_submit(struct idxd_ims_wq *wq,
			     const struct idxd_hw_desc *desc);
bool idxd_ims_wq_mdev_live(const struct idxd_ims_wq *wq);

/* dma.c: dmaengine provider */
int idxd_ims_dma_init(void);
void idxd_ims_dma_exit(void);
struct idxd_ims_dma_dev *idxd_ims_dma_dev_register(struct idxd_ims_conf *conf);
void idxd_ims_dma_dev_unregister(struct idxd_ims_dma_dev *dma_dev);
struct idxd_ims_wq_dma *idxd_ims_wq_dma_alloc(struct idxd_ims_wq *wq);
void idxd_ims_wq_dma_free(struct idxd_ims_wq_dma *wq_dma);
int idxd_ims_wq_dma_register(struct idxd_ims_dma_dev *dma_dev,
			     struct idxd_ims_wq_dma *wq_dma);
void idxd_ims_wq_dma_unregister(struct idxd_ims_dma_dev *dma_dev,
				struct idxd_ims_wq_dma *wq_dma);
dma_cookie_t idxd_ims_wq_dma_submit(struct idxd_ims_wq_dma *wq_dma,
				    struct idxd_ims_desc *desc);

#endif /* _IDXD_IMS_WQ_H_ */
