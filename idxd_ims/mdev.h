/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual DSA devices (vfio-mdev): the state of one virtual device, shared
 * by the VFIO device (mdev.c), its register emulation (mdev_regs.c) and
 * its descriptor mediation (mdev_desc.c).
 */
#ifndef _IDXD_IMS_MDEV_H_
#define _IDXD_IMS_MDEV_H_

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/dma-direction.h>
#include <linux/eventfd.h>
#include <linux/hashtable.h>
#include <linux/irqreturn.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "registers.h"

struct idxd_ims_dev;
struct idxd_ims_irq;
struct idxd_ims_wq;
struct page;
struct task_struct;
struct vm_area_struct;

/* Guest MSI-X: vector 0 for device errors and commands, 1 for the WQ */
#define IDXD_VDEV_VECTOR_MISC		0
#define IDXD_VDEV_VECTOR_WQ		1
#define IDXD_VDEV_NUM_VECTORS		2

#define IDXD_VDEV_CONFIG_SIZE		SZ_4K
#define IDXD_VDEV_BAR0_SIZE		SZ_64K
#define IDXD_VDEV_BAR2_SIZE		(IDXD_PORTAL_PAGES_PER_WQ * SZ_4K)
/* Largest transfer of a guest descriptor, when the host WQ allows it */
#define IDXD_VDEV_MAX_XFER_SHIFT	16
#define IDXD_VDEV_MAX_XFER		BIT(IDXD_VDEV_MAX_XFER_SHIFT)
#define IDXD_VDEV_MAX_SLOTS		16
/* Pages a guest buffer of the largest transfer can touch */
#define IDXD_VDEV_XFER_PAGES		(IDXD_VDEV_MAX_XFER / PAGE_SIZE + 1)
/* Pinned pages one descriptor can use: two buffers and the record */
#define IDXD_VDEV_SLOT_PINS		(2 * IDXD_VDEV_XFER_PAGES + 1)
/*
 * Host descriptors one guest descriptor can need: a new one at every page
 * boundary of either buffer where the host pages are not contiguous
 */
#define IDXD_VDEV_MAX_PIECES		(2 * IDXD_VDEV_XFER_PAGES - 1)
/* Guest pages a virtual device keeps pinned, in use or cached */
#define IDXD_VDEV_PIN_CACHE_PAGES	1024
/* The portal pages that take descriptors (not IMS): the mappable part */
#define IDXD_VDEV_PORTAL_SIZE		(IDXD_PORTAL_IRQ_IMS * SZ_4K)
/* 64-byte lines of those pages */
#define IDXD_VDEV_PORTAL_LINES		(IDXD_VDEV_PORTAL_SIZE / IDXD_DESC_SIZE)

/* Operations a guest may submit besides NOOP, MEMMOVE and FILL */
#define IDXD_OP_COMPARE			0x05
#define IDXD_OP_COMPVAL			0x06
#define IDXD_OP_CRCGEN			0x10

/* Operations the mediation knows (see mdev_desc.c) */
#define IDXD_VDEV_OPCAP	(BIT_ULL(IDXD_OP_NOOP) | BIT_ULL(IDXD_OP_MEMMOVE) | \
			 BIT_ULL(IDXD_OP_MEMFILL) | BIT_ULL(IDXD_OP_COMPARE) | \
			 BIT_ULL(IDXD_OP_COMPVAL) | BIT_ULL(IDXD_OP_CRCGEN))

/* Guest's BAR0 layout: fixed table offsets of the slice */
#define IDXD_VDEV_GRPCFG_OFFSET		0x400
#define IDXD_VDEV_WQCFG_OFFSET		0x500
#define IDXD_VDEV_WQCFG_SIZE		32
#define IDXD_VDEV_PERM_OFFSET		0x600
#define IDXD_VDEV_MSIX_TABLE_OFFSET	0x2000
#define IDXD_VDEV_MSIX_PBA_OFFSET	0x3000

/* Guest WQCFG dword 6, bits 31:30: work queue state */
#define IDXD_VDEV_WQCFG_STATE		GENMASK(31, 30)

/* VFIO region offsets: region index in bits 63:40 of the file offset */
#define IDXD_VDEV_REGION_SHIFT		40
#define IDXD_VDEV_REGION_OFFSET(index)	((u64)(index) << IDXD_VDEV_REGION_SHIFT)
#define IDXD_VDEV_REGION_MASK		(IDXD_VDEV_REGION_OFFSET(1) - 1)

/**
 * struct idxd_vdev_pin - a guest page pinned and mapped for the parent
 * @gfn: guest IOVA of the page, shifted by PAGE_SHIFT
 * @page: the pinned page
 * @dma: its bus address for the parent
 * @writable: pinned for writing (the VMM's mapping allows it)
 * @need_sync: the DMA API wants the page synced around the parent's
 *	accesses (not on a coherent parent without bounce buffering)
 * @users: descriptors in flight using the page
 * @hnode: link in &idxd_vdev_pins.table
 * @node: link in &idxd_vdev_pins.lru
 */
struct idxd_vdev_pin {
	u64 gfn;
	struct page *page;
	dma_addr_t dma;
	bool writable;
	bool need_sync;
	atomic_t users;
	struct hlist_node hnode;
	struct list_head node;
};

/* &idxd_vdev_pins.table has a bucket for each page the cache can hold */
#define IDXD_VDEV_PIN_HASH_BITS		ilog2(IDXD_VDEV_PIN_CACHE_PAGES)

/* How the parent may access a pinned page: it writes only writable ones */
static inline enum dma_data_direction
idxd_vdev_pin_dir(const struct idxd_vdev_pin *pin)
{
	return pin->writable ? DMA_BIDIRECTIONAL : DMA_TO_DEVICE;
}

/**
 * struct idxd_vdev_unmap_range - IOVA pages the VMM is unmapping
 * @first: first page (IOVA shifted by PAGE_SHIFT)
 * @last: last page
 * @node: link in &idxd_vdev_pins.unmapping
 */
struct idxd_vdev_unmap_range {
	u64 first;
	u64 last;
	struct list_head node;
};

/**
 * struct idxd_vdev_pins - the guest pages a virtual device keeps pinned
 *	(see mdev_pin.c)
 * @lock: protects @table, @lru, @count and @unmapping; never held across
 *	a call into VFIO or a wait
 * @table: the pinned pages by &idxd_vdev_pin.gfn (a hash table rather
 *	than an xarray: every access holds @lock, and a lookup per page of
 *	every descriptor should take no other lock)
 * @lru: the pinned pages, least recently used first
 * @count: pages in @table, at most %IDXD_VDEV_PIN_CACHE_PAGES
 * @unmapping: ranges the VMM is unmapping: not pinned again until done
 * @pinning: vfio_pin_pages() calls in progress, with the pages they pin
 *	not yet in @table or given back
 * @released: woken when a page's users, or @pinning, drop to 0
 * @misses: pages pinned because the cache did not have them
 * @evictions: unused pages unpinned to make room
 */
struct idxd_vdev_pins {
	struct mutex lock;		/* see @lock above */
	DECLARE_HASHTABLE(table, IDXD_VDEV_PIN_HASH_BITS);
	struct list_head lru;
	unsigned int count;
	struct list_head unmapping;
	atomic_t pinning;
	wait_queue_head_t released;
	atomic64_t misses;
	atomic64_t evictions;
};

/**
 * struct idxd_vdev_buf - a guest buffer of a descriptor, its pages pinned
 * @iova: guest IOVA of the first byte
 * @len: bytes pinned (less than the transfer after a fault)
 * @pins: the pinned pages, in &idxd_vdev_slot.pins
 */
struct idxd_vdev_buf {
	u64 iova;
	u32 len;
	struct idxd_vdev_pin **pins;
};

/**
 * struct idxd_vdev_piece - one host descriptor of a split guest descriptor
 * @off: offset of the piece in the guest transfer
 * @len: bytes of the piece
 * @src: host bus address of the piece's source, 0 for none
 * @dst: host bus address of its destination or second source, 0 for none
 */
struct idxd_vdev_piece {
	u32 off;
	u32 len;
	u64 src;
	u64 dst;
};

/**
 * struct idxd_vdev_batch - the host descriptors and records of a guest
 *	descriptor split into a batch (DMA coherent, one per slot)
 * @desc: the pieces' descriptors, the batch's descriptor list
 * @comp: the pieces' completion records
 */
struct idxd_vdev_batch {
	struct idxd_hw_desc desc[IDXD_VDEV_MAX_PIECES];
	struct idxd_hw_completion comp[IDXD_VDEV_MAX_PIECES];
};

/**
 * struct idxd_vdev_slot - one guest descriptor in flight on the host
 * @hw: host copy of the descriptor, with host addresses
 * @comp: host completion record written by the device, in
 *	&idxd_ims_vdev.comps
 * @comp_dma: bus address of @comp
 * @bounce: source (0) and destination or second source (1) buffers of
 *	the copying data path
 * @bounce_dma: bus addresses of @bounce
 * @batch: host descriptors of the pieces when the descriptor is split
 * @batch_dma: bus address of @batch
 * @piece: the pieces of the transfer, in guest order
 * @num_pieces: entries of @piece; 0 when the data goes through @bounce
 * @pins: the guest pages the descriptor uses
 * @num_pins: entries of @pins
 * @src: the guest's source (or first source) buffer
 * @dst: the guest's destination (or second source) buffer
 * @comp_pin: the page of the guest's completion record, NULL when it
 *	could not be pinned (the record is then refused with SWERR 0x1a)
 * @guest_comp: guest IOVA of the guest's completion record, 0 for none
 * @copy_back: bytes of @bounce[1] copied to @dst on success
 * @dst_fault: when not 0, the bytes of the destination before its
 *	first page that cannot be written: the transfer stops there, as on
 *	the device, and completes with a write fault
 * @opcode: the guest descriptor's operation
 * @want_record: the guest asked for a record on success (RCR)
 * @want_irq: the guest asked for a completion interrupt (valid handle)
 * @check_result: the guest asked to check a compare's result (CR)
 * @expect_result: the result the guest expects when @check_result
 * @session: &idxd_ims_vdev.session when submitted; a completion from an
 *	older session is not reported to the guest
 * @node: link in &idxd_ims_vdev.free_slots or &idxd_ims_vdev.inflight
 */
struct idxd_vdev_slot {
	struct idxd_hw_desc hw;
	struct idxd_hw_completion *comp;
	dma_addr_t comp_dma;
	void *bounce[2];
	dma_addr_t bounce_dma[2];
	struct idxd_vdev_batch *batch;
	dma_addr_t batch_dma;
	struct idxd_vdev_piece piece[IDXD_VDEV_MAX_PIECES];
	unsigned int num_pieces;
	struct idxd_vdev_pin *pins[IDXD_VDEV_SLOT_PINS];
	unsigned int num_pins;
	struct idxd_vdev_buf src;
	struct idxd_vdev_buf dst;
	struct idxd_vdev_pin *comp_pin;
	u64 guest_comp;
	u32 copy_back;
	u32 dst_fault;
	u8 opcode;
	bool want_record;
	bool want_irq;
	bool check_result;
	u8 expect_result;
	unsigned int session;
	struct list_head node;
};

/**
 * struct idxd_vdev_line - a descriptor written to one portal line in pieces
 * @desc: the bytes written so far
 * @written: bitmap of the bytes of @desc written
 */
struct idxd_vdev_line {
	u8 desc[IDXD_DESC_SIZE] __aligned(8);
	u64 written;
};

/**
 * struct idxd_vdev_portal - the mapped portal of a virtual device
 * @pages: host pages behind the descriptor pages of BAR2, which the VMM
 *	maps into the guest (see mdev_portal.c)
 * @lock: protects @polling; @sleeps and @wakeups count its changes
 * @polling: the consumer scans @pages; false while they are unmapped
 *	from the VMM and the consumer sleeps until a fault maps one again
 * @wait: the consumer sleeps here while not @polling
 * @consumer: the consumer thread, while the device is open
 * @taken: descriptors the consumer took from @pages
 * @trapped: writes to BAR2 through the VFIO device file (the trapped
 *	portal: a VMM that does not map it, or mdev_guest)
 * @wakeups: faults that mapped a page again and woke the consumer
 * @sleeps: times the consumer unmapped @pages and went to sleep
 */
struct idxd_vdev_portal {
	struct page *pages[IDXD_PORTAL_IRQ_IMS];
	spinlock_t lock;		/* see @lock above */
	bool polling;
	wait_queue_head_t wait;
	struct task_struct *consumer;
	atomic64_t taken;
	atomic64_t trapped;
	atomic64_t wakeups;
	atomic64_t sleeps;
};

/**
 * struct idxd_vdev_regs - the guest-visible register state
 * @config: PCI configuration space
 * @config_wmask: bits of @config the guest may write
 * @genctrl: GENCTRL (protected by &idxd_ims_vdev.status_lock)
 * @gensts: GENSTS (protected by &idxd_ims_vdev.status_lock)
 * @intcause: INTCAUSE (protected by &idxd_ims_vdev.status_lock)
 * @cmdsts: CMDSTS of the last command
 * @swerr: SWERR registers (protected by &idxd_ims_vdev.status_lock)
 * @wq_enabled: WQ 0 is enabled
 * @perm: MSI-X permission table (stored only)
 * @lines: each portal line's descriptor being written in pieces, so that
 *	vCPUs writing to different lines at once do not disturb each other
 */
struct idxd_vdev_regs {
	u8 config[IDXD_VDEV_CONFIG_SIZE];
	u8 config_wmask[IDXD_VDEV_CONFIG_SIZE];
	u32 genctrl;
	u32 gensts;
	u32 intcause;
	u32 cmdsts;
	u64 swerr[IDXD_SWERR_QWORDS];
	bool wq_enabled;
	u64 perm[IDXD_VDEV_NUM_VECTORS];
	struct idxd_vdev_line lines[IDXD_VDEV_PORTAL_LINES];
};

/**
 * struct idxd_ims_vdev - a virtual DSA device backed by one host work queue
 * @vdev: the VFIO device (emulated IOMMU)
 * @idev: parent device
 * @wq: host work queue backing WQ 0 of the guest
 * @pasid: PASID of the virtual device (valid when @pasid_en)
 * @pasid_en: @wq and the IMS entries of @vectors carry @pasid
 * @opcap: operations offered to the guest (OPCAP bits 63:0): those the
 *	mediation knows and the parent has
 * @max_xfer: largest transfer of a guest descriptor, a power of two: the
 *	smaller of %IDXD_VDEV_MAX_XFER and the host work queue's
 *	max_transfer_size; also the size of each bounce buffer
 * @vectors: host IMS vectors backing guest MSI-X vectors; entry 0 is NULL
 *	because vector 0 is raised by the mediation, never by the device
 * @max_pieces: most pieces a split descriptor may have: the host work
 *	queue's max_batch_size, at most %IDXD_VDEV_MAX_PIECES; 0 or 1 when
 *	the work queue takes no batches (every transfer is copied)
 * @num_slots: entries of @slots, the slice's WQ size
 * @slots: descriptors the guest can have in flight
 * @comps: host completion records of @slots (DMA coherent)
 * @comps_dma: bus address of @comps
 * @portal: the mapped portal (BAR2's descriptor pages in host memory)
 * @pins: guest pages pinned for the parent
 * @reg_lock: serialises guest register accesses, commands and portal
 *	writes (trapped or taken from @portal), open and close; protects
 *	@regs (but see @status_lock)
 * @status_lock: protects the registers that also change from the
 *	completion thread and the halt work (GENCTRL, GENSTS, INTCAUSE,
 *	SWERR); taken inside @reg_lock
 * @regs: guest-visible registers
 * @bus_master: Bus Master Enable of the guest's command register: without
 *	it the slice reads and writes no guest memory. Written under
 *	@reg_lock, read without it by the completion thread
 * @slot_lock: protects @free_slots, @inflight, @num_busy, @session and
 *	@halted; taken inside @reg_lock and in the completion thread
 * @free_slots: slots a portal write may take
 * @inflight: slots submitted to the host work queue
 * @num_busy: slots not on @free_slots plus results being reported (a
 *	slot goes back to @free_slots before its result reaches the guest)
 * @session: counts opens and resets, see &idxd_vdev_slot.session
 * @halted: the parent halted or was disabled; set by the halt callback,
 *	cleared by a reset or open once the backing work queue executes
 *	descriptors again
 * @idle: woken when @num_busy drops to 0
 * @halt_work: reports a halt to the guest (the callback cannot sleep)
 * @trigger_lock: protects @trigger, @masked, @pending and @req_trigger
 * @trigger: eventfd of each guest MSI-X vector, NULL when not set
 * @masked: the vector is masked (VFIO_IRQ_SET_ACTION_MASK)
 * @pending: a signal arrived while masked
 * @req_trigger: eventfd signalled when the host wants the device back
 *	(VFIO_PCI_REQ_IRQ_INDEX), NULL when not set
 * @submitted: descriptors taken from the portal (writes that succeeded);
 *	each is either completed by the host work queue or rejected, or
 *	lost in a halt of the parent
 * @completed: descriptors the host work queue executed and completed
 * @copied: descriptors whose data the host CPU copied through bounce
 *	buffers (zero_copy off, or a transfer split into more pieces than
 *	the host work queue's batches take)
 * @split: descriptors the host ran as a batch of several pieces
 * @rejected: descriptors the mediation completed itself with an error
 *	status (bad handle, size or opcode, address outside the mappings).
 *	Portal writes that fail (work queue disabled or full, IMS portal)
 *	count nowhere; they set SWERR.
 */
struct idxd_ims_vdev {
	struct vfio_device vdev;
	struct idxd_ims_dev *idev;
	struct idxd_ims_wq *wq;
	u32 pasid;
	bool pasid_en;
	u64 opcap;
	u32 max_xfer;
	unsigned int max_pieces;
	struct idxd_ims_irq *vectors[IDXD_VDEV_NUM_VECTORS];
	unsigned int num_slots;
	struct idxd_vdev_slot *slots;
	struct idxd_hw_completion *comps;
	dma_addr_t comps_dma;
	struct idxd_vdev_portal portal;
	struct idxd_vdev_pins pins;

	struct mutex reg_lock;		/* see @reg_lock above */
	struct idxd_vdev_regs regs;
	bool bus_master;
	spinlock_t status_lock;		/* see @status_lock above */

	spinlock_t slot_lock;		/* see @slot_lock above */
	struct list_head free_slots;
	struct list_head inflight;
	unsigned int num_busy;
	unsigned int session;
	bool halted;
	wait_queue_head_t idle;
	struct work_struct halt_work;

	spinlock_t trigger_lock;	/* see @trigger_lock above */
	struct eventfd_ctx *trigger[IDXD_VDEV_NUM_VECTORS];
	bool masked[IDXD_VDEV_NUM_VECTORS];
	bool pending[IDXD_VDEV_NUM_VECTORS];
	struct eventfd_ctx *req_trigger;

	atomic64_t submitted;
	atomic64_t completed;
	atomic64_t copied;
	atomic64_t split;
	atomic64_t rejected;
};

/* mdev.c: interrupts towards the guest */
void idxd_vdev_signal(struct idxd_ims_vdev *vdev, unsigned int vector);

/* mdev_regs.c: configuration space and BAR0 */
void idxd_vdev_regs_init(struct idxd_ims_vdev *vdev);
bool idxd_vdev_reset(struct idxd_ims_vdev *vdev);
void idxd_vdev_flr(struct idxd_ims_vdev *vdev);
int idxd_vdev_config_rw(struct idxd_ims_vdev *vdev, u64 off, void *buf,
			size_t len, bool write);
int idxd_vdev_bar0_rw(struct idxd_ims_vdev *vdev, u64 off, void *buf,
		      size_t len, bool write);
void idxd_vdev_swerr(struct idxd_ims_vdev *vdev, u8 error, u8 opcode,
		     u64 addr);
void idxd_vdev_report_halt(struct idxd_ims_vdev *vdev);

/* mdev_desc.c: portal and descriptor mediation */
int idxd_vdev_slots_alloc(struct idxd_ims_vdev *vdev);
void idxd_vdev_slots_free(struct idxd_ims_vdev *vdev);
void idxd_vdev_slots_abandon(struct idxd_ims_vdev *vdev);
int idxd_vdev_portal_write(struct idxd_ims_vdev *vdev, u64 off,
			   const void *buf, size_t len);
int idxd_vdev_submit(struct idxd_ims_vdev *vdev, const void *desc);
void idxd_vdev_drain(struct idxd_ims_vdev *vdev);
bool idxd_vdev_new_session(struct idxd_ims_vdev *vdev);
irqreturn_t idxd_vdev_wq_irq_thread(int virq, void *dev_id);
void idxd_vdev_halted(void *data);

/* mdev_pin.c: guest pages pinned for the parent */
void idxd_vdev_pins_init(struct idxd_ims_vdev *vdev);
void idxd_vdev_pins_destroy(struct idxd_ims_vdev *vdev);
u32 idxd_vdev_pin_range(struct idxd_ims_vdev *vdev, u64 iova, u32 len,
			bool write, struct idxd_vdev_pin **out);
void idxd_vdev_pin_put(struct idxd_ims_vdev *vdev, struct idxd_vdev_pin *pin);
void idxd_vdev_pins_unmap(struct idxd_ims_vdev *vdev, u64 iova, u64 length);
void idxd_vdev_pins_release(struct idxd_ims_vdev *vdev);

/* mdev_portal.c: the mapped portal and its consumer */
int idxd_vdev_portal_alloc(struct idxd_ims_vdev *vdev);
void idxd_vdev_portal_free(struct idxd_ims_vdev *vdev);
void idxd_vdev_portal_clear(struct idxd_ims_vdev *vdev);
int idxd_vdev_portal_start(struct idxd_ims_vdev *vdev);
void idxd_vdev_portal_stop(struct idxd_ims_vdev *vdev);
int idxd_vdev_portal_mmap(struct idxd_ims_vdev *vdev,
			  struct vm_area_struct *vma);
int idxd_vdev_portal_add_cap(struct vfio_info_cap *caps);
bool idxd_vdev_portal_sleeping(struct idxd_ims_vdev *vdev);

#endif /* _IDXD_IMS_MDEV_H_ */
