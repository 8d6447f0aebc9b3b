// SPDX-License-Identifier: GPL-2.0-only
/*
 * idxd_ims: debugfs view of completion vectors and an IMS test hook.
 *
 * /sys/kernel/debug/idxd_ims/<pci-device>/
 *   vectors  (read)  completion vectors in use: index, Linux irq, kind,
 *                    PASID, IMS control word, mask state, interrupt count
 *   fired    (read)  "<index> <interrupts>" for each vector the last
 *                    fire_all fired
 *   test     (write) one command per write:
 *            alloc <n> [<pasid>]   allocate n test vectors (optionally
 *                                  bound to <pasid>; default: driver
 *                                  policy) without requesting their
 *                                  Linux interrupts, so that every IMS
 *                                  entry can be held at once
 *            request <index> / release <index>
 *                                  request_irq()/free_irq() for a vector
 *            free <index>|all      free test vectors
 *            fire <index>          submit a NOOP requesting a completion
 *                                  interrupt on that (requested) vector,
 *                                  wait for its completion record, then
 *                                  up to 1 s for the interrupt count to
 *                                  move, plus 2 ms for a duplicate; the
 *                                  count itself is not checked
 *            fire_all              fire every (unrequested) test vector
 *                                  once, 128 at a time, each then freed
 *                                  and allocated again; what each took
 *                                  is in "fired"
 *            mask <index> / unmask <index>
 *                                  mask or unmask a requested vector in the
 *                                  device; repeating either changes nothing
 *            bad_handle <n>        submit n (1..8) NOOPs back to back whose
 *                                  completion interrupt names an entry
 *                                  that does not exist; succeeds when all
 *                                  complete with "invalid interrupt
 *                                  handle" (the device also reports them
 *                                  as software errors)
 *            stall / unstall       make the threaded handlers of test
 *                                  vectors wait, or let them go (unstall
 *                                  does not wait for another command)
 *            fail_cmds <mask>      device commands whose code is a bit of
 *                                  <mask> fail without reaching the device
 *                                  (0: none)
 *            revoke <index>        give the IMS vector <index> (any user's)
 *                                  a handle the device refuses, as a
 *                                  revocation of interrupt handles leaves
 *                                  it until renew_handles
 *            renew_handles         what the driver does after the device
 *                                  revoked its handles: request them again
 *                                  and run each vector's threaded handler
 *            bad_template          try to create an IMS domain from a
 *                                  broken template (needs no vectors in use)
 *            bench_alloc <n> [<held>]
 *                                  benchmark: n allocations and frees of an
 *                                  IMS vector and of a dynamic MSI-X vector,
 *                                  interleaved, while <held> (default 0)
 *                                  vectors of each kind stay allocated; the
 *                                  kernel log gets median, 99th percentile,
 *                                  mean and minimum per kind
 *            bench_latency <n>     benchmark: n NOOPs with a completion
 *                                  interrupt on an IMS vector and on a
 *                                  dynamic MSI-X vector, interleaved; time
 *                                  from submission to the interrupt handler
 *                                  (needs an enabled kernel WQ)
 */
#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "idxd_ims.h"

#define IDXD_IMS_TEST_CMD_MAX		64
#define IDXD_IMS_FIRE_TIMEOUT_MS	5000
#define IDXD_IMS_FIRE_IRQ_WAIT_MS	1000
#define IDXD_IMS_FIRE_SETTLE_US		2000
#define IDXD_IMS_FIRE_BATCH		128U
#define IDXD_IMS_FIRED_INDEX		GENMASK(31, 16)
#define IDXD_IMS_FIRED_COUNT		GENMASK(15, 0)
#define IDXD_IMS_BAD_HANDLE_MAX		8
#define IDXD_IMS_BENCH_MAX_SAMPLES	10000
#define IDXD_IMS_BENCH_MAX_HELD		4096
#define IDXD_IMS_BENCH_WARMUP		8
#define IDXD_IMS_BENCH_IRQ_TIMEOUT_NS	NSEC_PER_SEC
/* IMS and dynamic MSI-X */
#define IDXD_IMS_BENCH_KINDS		2

static struct dentry *idxd_ims_debugfs_root;

/**
 * struct idxd_ims_test_vec - a vector allocated through the test hook
 * @irq: the completion vector
 * @node: entry in idxd_ims_dev.test_irqs, protected by
 *	idxd_ims_dev.test_irq_lock
 */
struct idxd_ims_test_vec {
	struct idxd_ims_irq *irq;
	struct list_head node;
};

static int idxd_ims_vectors_show(struct seq_file *s, void *unused)
{
	struct idxd_ims_dev *idev = s->private;
	struct idxd_ims_irq *irq;
	u32 ctrl;

	seq_printf(s, "mode: %s\n", idev->ims_active ? "ims" : "msix");
	seq_printf(s, "ims_size: %u\n", idev->caps.ims_size);
	seq_printf(s, "msix_size: %d\n", pci_msix_vec_count(idev->pdev));
	if (idev->pasid_enabled)
		seq_printf(s, "system_pasid: %u\n", idev->pasid);
	else
		seq_puts(s, "system_pasid: none\n");
	seq_puts(s, "# index virq kind pasid_en pasid ctrl masked requested count name\n");

	mutex_lock(&idev->irq_lock);
	list_for_each_entry(irq, &idev->irq_list, node) {
		seq_printf(s, "%u %u %s %d %u ", irq->index, irq->virq,
			   irq->kind == IDXD_IMS_IRQ_IMS ? "ims" : "msix",
			   irq->pasid_en, irq->pasid);
		if (!idxd_ims_irq_read_ctrl(irq, &ctrl))
			seq_printf(s, "%#010x %d ", ctrl,
				   !!(ctrl & IDXD_IMS_CTRL_MASKED));
		else
			seq_printf(s, "- %d ", idxd_ims_irq_masked(irq));
		seq_printf(s, "%d %lld %s\n", irq->requested,
			   (long long)atomic64_read(&irq->count), irq->name);
	}
	mutex_unlock(&idev->irq_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(idxd_ims_vectors);

static struct idxd_ims_test_vec *idxd_ims_find_test_vec(struct idxd_ims_dev *idev,
							unsigned int index)
{
	struct idxd_ims_test_vec *vec;

	lockdep_assert_held(&idev->test_irq_lock);

	list_for_each_entry(vec, &idev->test_irqs, node)
		if (vec->irq->index == index)
			return vec;
	return NULL;
}

static void idxd_ims_free_test_vec(struct idxd_ims_dev *idev,
				   struct idxd_ims_test_vec *vec)
{
	lockdep_assert_held(&idev->test_irq_lock);

	list_del(&vec->node);
	idxd_ims_irq_free(vec->irq);
	kfree(vec);
}

/* Threaded handler of test vectors: waits while the hook stalls them. */
static irqreturn_t idxd_ims_test_thread(int virq, void *dev_id)
{
	struct idxd_ims_irq *irq = dev_id;
	struct idxd_ims_dev *idev = irq->idev;

	wait_event(idev->test_unstall, !READ_ONCE(idev->test_stall));
	return IRQ_HANDLED;
}

/* stall / unstall: hold the threaded handlers of test vectors, or not */
static void idxd_ims_test_set_stall(struct idxd_ims_dev *idev, bool stall)
{
	WRITE_ONCE(idev->test_stall, stall);
	if (!stall)
		wake_up_all(&idev->test_unstall);
}

static int idxd_ims_test_alloc(struct idxd_ims_dev *idev, unsigned int count,
			       bool pasid_en, u32 pasid)
{
	struct idxd_ims_test_vec *vec;
	struct idxd_ims_irq *irq;
	unsigned int i;

	lockdep_assert_held(&idev->test_irq_lock);

	for (i = 0; i < count; i++) {
		vec = kzalloc(sizeof(*vec), GFP_KERNEL);
		if (!vec)
			return -ENOMEM;
		if (!pasid_en) {
			pasid_en = idev->pasid_enabled;
			pasid = idev->pasid;
		}
		irq = idxd_ims_irq_alloc_pasid(idev, "idxd_ims-test",
					       idxd_ims_test_thread, NULL,
					       pasid_en, pasid, false);
		if (IS_ERR(irq)) {
			kfree(vec);
			return PTR_ERR(irq);
		}
		vec->irq = irq;
		list_add_tail(&vec->node, &idev->test_irqs);
	}
	return 0;
}

/*
 * A NOOP that asks for a completion record and a completion interrupt; the
 * caller fills in the record address and the interrupt handle.
 */
static void idxd_ims_test_prep_noop(struct idxd_ims_dev *idev,
				    struct idxd_hw_desc *desc)
{
	if (idev->pasid_enabled)
		desc->pasid_priv = FIELD_PREP(IDXD_DESC_PASID, idev->pasid);
	desc->flags_opcode = FIELD_PREP(IDXD_DESC_FLAGS, IDXD_DESC_FLAG_CRAV |
					IDXD_DESC_FLAG_RCR | IDXD_DESC_FLAG_RCI) |
			     FIELD_PREP(IDXD_DESC_OPCODE, IDXD_OP_NOOP);
}

/*
 * Submit a NOOP with a completion interrupt on @irq and wait for its record
 * at @comp. A descriptor that timed out may still write the record: on
 * -ETIMEDOUT the caller must keep @comp.
 */
static int idxd_ims_test_noop(struct idxd_ims_dev *idev,
			      struct idxd_ims_irq *irq,
			      struct idxd_hw_completion *comp,
			      dma_addr_t comp_dma)
{
	struct device *dev = &idev->pdev->dev;
	struct idxd_hw_desc desc = { };
	unsigned long timeout;
	u8 status;
	int ret;

	WRITE_ONCE(comp->status, 0);
	idxd_ims_test_prep_noop(idev, &desc);
	desc.completion_addr = comp_dma;
	desc.int_handle = READ_ONCE(irq->int_handle);

	ret = idxd_ims_wq_submit_desc(idev, &desc, irq->kind);
	if (ret) {
		dev_info(dev, "test hook: cannot submit a NOOP (%d); is a kernel WQ enabled?\n",
			 ret);
		return ret;
	}

	timeout = jiffies + msecs_to_jiffies(IDXD_IMS_FIRE_TIMEOUT_MS);
	while (!(status = READ_ONCE(comp->status))) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		usleep_range(50, 200);
	}
	status &= IDXD_COMP_STATUS_MASK;
	if (status != IDXD_COMP_SUCCESS) {
		dev_info(dev, "test hook: NOOP on vector %u completed with status %#x\n",
			 irq->index, status);
		return -EIO;
	}
	return 0;
}

/*
 * Wait until the interrupt count of @irq is no longer @count, or until the
 * jiffies deadline @timeout (which several waits may share) has passed.
 */
static void idxd_ims_test_wait_count(struct idxd_ims_irq *irq, s64 count,
				     unsigned long timeout)
{
	while (atomic64_read(&irq->count) == count &&
	       time_before(jiffies, timeout))
		usleep_range(50, 200);
}

/* leave room for a duplicate interrupt to show up in the counts */
static void idxd_ims_test_settle(void)
{
	usleep_range(IDXD_IMS_FIRE_SETTLE_US, 2 * IDXD_IMS_FIRE_SETTLE_US);
}

/* fire <index>: a NOOP with a completion interrupt on a requested vector */
static int idxd_ims_test_fire(struct idxd_ims_dev *idev,
			      struct idxd_ims_irq *irq)
{
	struct device *dev = &idev->pdev->dev;
	struct idxd_hw_completion *comp;
	dma_addr_t comp_dma;
	s64 count;
	int ret;

	if (!READ_ONCE(irq->requested))
		return -EINVAL;

	comp = dma_alloc_coherent(dev, IDXD_IAX_COMP_SIZE, &comp_dma,
				  GFP_KERNEL);
	if (!comp)
		return -ENOMEM;

	count = atomic64_read(&irq->count);
	ret = idxd_ims_test_noop(idev, irq, comp, comp_dma);
	if (!ret) {
		idxd_ims_test_wait_count(irq, count, jiffies +
				msecs_to_jiffies(IDXD_IMS_FIRE_IRQ_WAIT_MS));
		idxd_ims_test_settle();
	}

	if (ret != -ETIMEDOUT)
		dma_free_coherent(dev, IDXD_IAX_COMP_SIZE, comp, comp_dma);
	return ret;
}

/*
 * Fire the first @n vectors of the test list, which are not requested:
 * request each, submit a NOOP with a completion interrupt on each, wait
 * for all the interrupts and a duplicate, and store each vector's index
 * and the interrupts it took in @fired.
 */
static int idxd_ims_test_fire_batch(struct idxd_ims_dev *idev,
				    unsigned int n, u32 *fired,
				    struct idxd_hw_completion *comp,
				    dma_addr_t comp_dma)
{
	struct idxd_ims_test_vec *vec;
	unsigned long timeout;
	unsigned int i;
	s64 taken;
	int ret;

	lockdep_assert_held(&idev->test_irq_lock);

	/* @fired holds the counts before the NOOPs until they are in */
	i = 0;
	list_for_each_entry(vec, &idev->test_irqs, node) {
		if (i == n)
			break;
		ret = idxd_ims_irq_request(vec->irq);
		if (ret)
			return ret;
		fired[i++] = atomic64_read(&vec->irq->count);
		ret = idxd_ims_test_noop(idev, vec->irq, comp, comp_dma);
		if (ret)
			return ret;
	}

	timeout = jiffies + msecs_to_jiffies(IDXD_IMS_FIRE_IRQ_WAIT_MS);
	i = 0;
	list_for_each_entry(vec, &idev->test_irqs, node) {
		if (i == n)
			break;
		idxd_ims_test_wait_count(vec->irq, fired[i++], timeout);
	}
	idxd_ims_test_settle();

	i = 0;
	list_for_each_entry(vec, &idev->test_irqs, node) {
		if (i == n)
			break;
		taken = atomic64_read(&vec->irq->count) - fired[i];
		fired[i++] = FIELD_PREP(IDXD_IMS_FIRED_INDEX, vec->irq->index) |
			     FIELD_PREP(IDXD_IMS_FIRED_COUNT,
					clamp_t(s64, taken, 0, U16_MAX));
	}
	return 0;
}

/*
 * Free the first @n test vectors and allocate as many (with the same PASID
 * binding) at the end of the list.
 */
static int idxd_ims_test_replace(struct idxd_ims_dev *idev, unsigned int n)
{
	struct idxd_ims_test_vec *vec;
	bool pasid_en;
	u32 pasid;
	int ret;

	lockdep_assert_held(&idev->test_irq_lock);

	while (n--) {
		vec = list_first_entry(&idev->test_irqs,
				       struct idxd_ims_test_vec, node);
		pasid_en = vec->irq->pasid_en;
		pasid = vec->irq->pasid;
		idxd_ims_free_test_vec(idev, vec);
		ret = idxd_ims_test_alloc(idev, 1, pasid_en, pasid);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * fire_all: fire every test vector once, none of which may be requested.
 * The CPUs have far fewer interrupt vectors than the IMS table has
 * entries, and a Linux interrupt keeps its CPU vector from its first
 * request until it is freed; so the vectors are fired
 * IDXD_IMS_FIRE_BATCH at a time, and each fired one is then freed and
 * allocated again (in a full table it gets its index back) as a
 * never-requested vector at the end of the list. @test_fired gets what
 * each fired vector took, also when a batch fails.
 */
static int idxd_ims_test_fire_all(struct idxd_ims_dev *idev)
{
	struct device *dev = &idev->pdev->dev;
	struct idxd_hw_completion *comp;
	struct idxd_ims_test_vec *vec;
	unsigned int total = 0, done, n;
	dma_addr_t comp_dma;
	u32 *fired;
	int ret = 0;

	lockdep_assert_held(&idev->test_irq_lock);

	list_for_each_entry(vec, &idev->test_irqs, node) {
		if (READ_ONCE(vec->irq->requested))
			return -EBUSY;
		total++;
	}
	if (!total)
		return -ENOENT;

	fired = kvcalloc(total, sizeof(*fired), GFP_KERNEL);
	if (!fired)
		return -ENOMEM;
	comp = dma_alloc_coherent(dev, IDXD_IAX_COMP_SIZE, &comp_dma,
				  GFP_KERNEL);
	if (!comp) {
		kvfree(fired);
		return -ENOMEM;
	}
	kvfree(idev->test_fired);
	idev->test_fired = fired;
	idev->test_nfired = 0;

	for (done = 0; done < total; done += n) {
		n = min(total - done, IDXD_IMS_FIRE_BATCH);
		ret = idxd_ims_test_fire_batch(idev, n, fired + done, comp,
					       comp_dma);
		if (ret)
			break;
		idev->test_nfired = done + n;
		ret = idxd_ims_test_replace(idev, n);
		if (ret)
			break;
	}

	if (ret != -ETIMEDOUT)
		dma_free_coherent(dev, IDXD_IAX_COMP_SIZE, comp, comp_dma);
	return ret;
}

/*
 * Submit @count NOOPs requesting a completion interrupt through an entry
 * past the end of the table, and check that each completes with
 * "invalid interrupt handle". Exercises the software error reporting of
 * the misc interrupt.
 */
static int idxd_ims_test_bad_handle(struct idxd_ims_dev *idev,
				    unsigned int count)
{
	enum idxd_ims_irq_kind kind = idev->ims_active ? IDXD_IMS_IRQ_IMS :
							 IDXD_IMS_IRQ_MSIX;
	struct device *dev = &idev->pdev->dev;
	struct idxd_hw_desc desc = { };
	size_t size = count * IDXD_IAX_COMP_SIZE;
	unsigned long timeout;
	unsigned int i, done;
	u8 *records;
	dma_addr_t comp_dma;
	u8 status;
	int ret = 0;

	/* one completion record every IDXD_IAX_COMP_SIZE bytes, status first */
	records = dma_alloc_coherent(dev, size, &comp_dma, GFP_KERNEL);
	if (!records)
		return -ENOMEM;

	idxd_ims_test_prep_noop(idev, &desc);
	desc.int_handle = U16_MAX;
	for (i = 0; i < count; i++) {
		desc.completion_addr = comp_dma + i * IDXD_IAX_COMP_SIZE;
		ret = idxd_ims_wq_submit_desc(idev, &desc, kind);
		if (ret)
			break;
	}
	count = i;

	timeout = jiffies + msecs_to_jiffies(IDXD_IMS_FIRE_TIMEOUT_MS);
	do {
		for (i = 0, done = 0; i < count; i++)
			done += !!READ_ONCE(records[i * IDXD_IAX_COMP_SIZE]);
		if (done == count)
			break;
		usleep_range(50, 200);
	} while (time_before(jiffies, timeout));
	if (done != count) {
		/* records may still be written: keep the buffer */
		return -ETIMEDOUT;
	}

	for (i = 0; i < count && !ret; i++) {
		status = records[i * IDXD_IAX_COMP_SIZE] & IDXD_COMP_STATUS_MASK;
		if (status != IDXD_COMP_INT_HANDLE_INVAL) {
			dev_info(dev, "test hook: bad-handle NOOP %u completed with status %#x\n",
				 i, status);
			ret = -EIO;
		}
	}
	dma_free_coherent(dev, size, records, comp_dma);
	return ret;
}

static const char *idxd_ims_kind_name(enum idxd_ims_irq_kind kind)
{
	return kind == IDXD_IMS_IRQ_IMS ? "ims" : "msix";
}

/* The kinds of completion vector this device can benchmark side by side. */
static unsigned int idxd_ims_bench_kinds(struct idxd_ims_dev *idev,
					 enum idxd_ims_irq_kind *kinds)
{
	unsigned int n = 0;

	if (idev->ims_active)
		kinds[n++] = IDXD_IMS_IRQ_IMS;
	if (pci_msix_can_alloc_dyn(idev->pdev))
		kinds[n++] = IDXD_IMS_IRQ_MSIX;
	return n;
}

static struct idxd_ims_irq *idxd_ims_bench_vec(struct idxd_ims_dev *idev,
					       enum idxd_ims_irq_kind kind,
					       bool request)
{
	if (kind == IDXD_IMS_IRQ_MSIX)
		return idxd_ims_irq_alloc_msix(idev, "idxd_ims-bench", request);
	return idxd_ims_irq_alloc_pasid(idev, "idxd_ims-bench", NULL, NULL,
					idev->pasid_enabled, idev->pasid,
					request);
}

/* Free the first @n vectors of @held, an array of idxd_ims_bench_hold(). */
static void idxd_ims_bench_unhold(struct idxd_ims_irq **held, unsigned int n)
{
	while (n--)
		idxd_ims_irq_free(held[n]);
}

/*
 * Allocate @n vectors of @kind into @held (not timed, Linux interrupts not
 * requested) and check that one more still fits, so that every sample of
 * the benchmark finds @n vectors of its kind in use. On error nothing
 * stays allocated.
 */
static int idxd_ims_bench_hold(struct idxd_ims_dev *idev,
			       enum idxd_ims_irq_kind kind,
			       struct idxd_ims_irq **held, unsigned int n)
{
	struct idxd_ims_irq *irq;
	unsigned int i;

	for (i = 0; i <= n; i++) {
		irq = idxd_ims_bench_vec(idev, kind, false);
		if (IS_ERR(irq)) {
			idxd_ims_bench_unhold(held, i);
			return PTR_ERR(irq);
		}
		if (i == n)
			idxd_ims_irq_free(irq);
		else
			held[i] = irq;
	}
	return 0;
}

/*
 * Hold @n vectors of each kind in @kinds (@held[k * n ...] for kind k).
 * A kind whose table cannot give n + 1 vectors is left out of @kinds with
 * a message; the number of kinds left is returned, or the last error when
 * no kind is left.
 */
static int idxd_ims_bench_hold_kinds(struct idxd_ims_dev *idev,
				     enum idxd_ims_irq_kind *kinds,
				     unsigned int nkinds,
				     struct idxd_ims_irq **held,
				     unsigned int n)
{
	unsigned int k, kept = 0;
	int ret = 0;

	for (k = 0; k < nkinds; k++) {
		ret = idxd_ims_bench_hold(idev, kinds[k], held + kept * n, n);
		if (ret) {
			dev_info(&idev->pdev->dev,
				 "test hook: bench_alloc: no room for %u + 1 %s vectors (%d), left out\n",
				 n, idxd_ims_kind_name(kinds[k]), ret);
			continue;
		}
		kinds[kept++] = kinds[k];
	}
	return kept ? kept : ret;
}

/* @ns[k * count + i]: sample i of kind k */
static int idxd_ims_bench_alloc(struct idxd_ims_dev *idev,
				const enum idxd_ims_irq_kind *kinds,
				unsigned int nkinds, u64 *ns,
				unsigned int count)
{
	struct idxd_ims_irq *irq;
	unsigned int i, k;
	u64 start;

	for (i = 0; i < count; i++) {
		for (k = 0; k < nkinds; k++) {
			start = ktime_get_ns();
			irq = idxd_ims_bench_vec(idev, kinds[k], false);
			if (IS_ERR(irq))
				return PTR_ERR(irq);
			idxd_ims_irq_free(irq);
			ns[k * count + i] = ktime_get_ns() - start;
		}
		cond_resched();
	}
	return 0;
}

/*
 * Submit a NOOP requesting a completion interrupt on @irq and spin until
 * the vector's handler has counted it; @ns gets the time from just before
 * the submission.
 */
static int idxd_ims_bench_fire(struct idxd_ims_dev *idev,
			       struct idxd_ims_irq *irq,
			       struct idxd_hw_completion *comp,
			       dma_addr_t comp_dma, u64 *ns)
{
	struct device *dev = &idev->pdev->dev;
	struct idxd_hw_desc desc = { };
	u64 start;
	s64 count;
	u8 status;
	int ret;

	idxd_ims_test_prep_noop(idev, &desc);
	desc.completion_addr = comp_dma;
	desc.int_handle = READ_ONCE(irq->int_handle);
	WRITE_ONCE(comp->status, 0);
	count = atomic64_read(&irq->count);

	start = ktime_get_ns();
	ret = idxd_ims_wq_submit_desc(idev, &desc, irq->kind);
	if (ret) {
		dev_info(dev, "test hook: cannot submit a NOOP (%d); is a kernel WQ enabled?\n",
			 ret);
		return ret;
	}
	while (atomic64_read(&irq->count) == count) {
		if (ktime_get_ns() - start > IDXD_IMS_BENCH_IRQ_TIMEOUT_NS)
			return -ETIMEDOUT;
		cpu_relax();
	}
	*ns = ktime_get_ns() - start;

	/* the device writes the completion record before the interrupt */
	status = READ_ONCE(comp->status) & IDXD_COMP_STATUS_MASK;
	if (status != IDXD_COMP_SUCCESS) {
		dev_info(dev, "test hook: NOOP on vector %u completed with status %#x\n",
			 irq->index, status);
		return -EIO;
	}
	return 0;
}

/*
 * One requested vector of each kind, both delivered to the CPU this task
 * is kept on, fired alternately after a few warm-up rounds (which also let
 * a lazy affinity change take effect).
 */
static int idxd_ims_bench_latency(struct idxd_ims_dev *idev,
				  const enum idxd_ims_irq_kind *kinds,
				  unsigned int nkinds, u64 *ns,
				  unsigned int count)
{
	struct idxd_ims_irq *irqs[IDXD_IMS_BENCH_KINDS] = { };
	struct device *dev = &idev->pdev->dev;
	struct idxd_hw_completion *comp;
	dma_addr_t comp_dma;
	unsigned int i, k;
	u64 sample;
	int ret = 0;

	comp = dma_alloc_coherent(dev, IDXD_IAX_COMP_SIZE, &comp_dma,
				  GFP_KERNEL);
	if (!comp)
		return -ENOMEM;

	migrate_disable();
	for (k = 0; k < nkinds; k++) {
		irqs[k] = idxd_ims_bench_vec(idev, kinds[k], true);
		if (IS_ERR(irqs[k])) {
			ret = PTR_ERR(irqs[k]);
			irqs[k] = NULL;
			goto out_free;
		}
		ret = irq_set_affinity(irqs[k]->virq,
				       cpumask_of(smp_processor_id()));
		if (ret)
			goto out_free;
	}

	for (i = 0; i < IDXD_IMS_BENCH_WARMUP + count; i++) {
		for (k = 0; k < nkinds; k++) {
			ret = idxd_ims_bench_fire(idev, irqs[k], comp, comp_dma,
						  &sample);
			if (ret)
				goto out_free;
			if (i >= IDXD_IMS_BENCH_WARMUP)
				ns[k * count + i - IDXD_IMS_BENCH_WARMUP] = sample;
		}
		cond_resched();
	}

out_free:
	for (k = 0; k < nkinds; k++)
		if (irqs[k])
			idxd_ims_irq_free(irqs[k]);
	migrate_enable();
	/* a timed-out descriptor may still write its record: keep the buffer */
	if (ret != -ETIMEDOUT)
		dma_free_coherent(dev, IDXD_IAX_COMP_SIZE, comp, comp_dma);
	return ret;
}

static int idxd_ims_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void idxd_ims_bench_report(struct idxd_ims_dev *idev, const char *what,
				  enum idxd_ims_irq_kind kind, u64 *ns,
				  unsigned int count)
{
	unsigned int i;
	u64 sum = 0;

	sort(ns, count, sizeof(*ns), idxd_ims_cmp_u64, NULL);
	for (i = 0; i < count; i++)
		sum += ns[i];
	dev_info(&idev->pdev->dev,
		 "bench %s %s: %u samples, median %llu ns, p99 %llu ns, mean %llu ns, min %llu ns\n",
		 what, idxd_ims_kind_name(kind), count, ns[count / 2],
		 ns[min(count - 1, count * 99 / 100)], div_u64(sum, count),
		 ns[0]);
}

/*
 * bench_alloc <n> [<held>] / bench_latency <n>: results go to the kernel
 * log.
 */
static int idxd_ims_test_bench(struct idxd_ims_dev *idev, const char *verb,
			       const char *arg, const char *arg2)
{
	enum idxd_ims_irq_kind kinds[IDXD_IMS_BENCH_KINDS];
	bool latency = !strcmp(verb, "bench_latency");
	struct device *dev = &idev->pdev->dev;
	unsigned int count, nkinds, k, n = 0;
	struct idxd_ims_irq **held = NULL;
	u64 *ns;
	int ret;

	if (!arg || kstrtouint(arg, 0, &count) || !count ||
	    count > IDXD_IMS_BENCH_MAX_SAMPLES) {
		dev_err(dev, "test hook: %s takes a sample count of 1 to %u\n",
			verb, IDXD_IMS_BENCH_MAX_SAMPLES);
		return -EINVAL;
	}
	if (arg2 && (latency || kstrtouint(arg2, 0, &n) ||
		     n > IDXD_IMS_BENCH_MAX_HELD)) {
		dev_err(dev, "test hook: only bench_alloc takes a second number, vectors held of each kind: 0 to %u\n",
			IDXD_IMS_BENCH_MAX_HELD);
		return -EINVAL;
	}
	nkinds = idxd_ims_bench_kinds(idev, kinds);
	if (!nkinds) {
		dev_err(dev, "test hook: %s: neither IMS nor dynamic MSI-X vectors\n",
			verb);
		return -EOPNOTSUPP;
	}
	if (!idev->ims_active)
		dev_info(dev, "test hook: %s: IMS not in use, measuring MSI-X only\n",
			 verb);

	ns = kvcalloc(nkinds * count, sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return -ENOMEM;
	if (n) {
		held = kvcalloc(nkinds * n, sizeof(*held), GFP_KERNEL);
		if (!held) {
			ret = -ENOMEM;
			goto out_free_ns;
		}
		ret = idxd_ims_bench_hold_kinds(idev, kinds, nkinds, held, n);
		if (ret < 0)
			goto out_free_held;
		nkinds = ret;
	}

	if (latency)
		ret = idxd_ims_bench_latency(idev, kinds, nkinds, ns, count);
	else
		ret = idxd_ims_bench_alloc(idev, kinds, nkinds, ns, count);
	if (!ret)
		for (k = 0; k < nkinds; k++)
			idxd_ims_bench_report(idev, latency ? "irq-latency" :
					      "alloc-free", kinds[k],
					      ns + k * count, count);

	for (k = 0; k < nkinds && n; k++)
		idxd_ims_bench_unhold(held + k * n, n);
out_free_held:
	kvfree(held);
out_free_ns:
	kvfree(ns);
	return ret;
}

static int idxd_ims_test_vec_cmd(struct idxd_ims_dev *idev, const char *verb,
				 const char *arg)
{
	struct idxd_ims_test_vec *vec, *next;
	unsigned int index;
	int ret;

	lockdep_assert_held(&idev->test_irq_lock);

	if (!strcmp(verb, "free") && arg && !strcmp(arg, "all")) {
		list_for_each_entry_safe(vec, next, &idev->test_irqs, node)
			idxd_ims_free_test_vec(idev, vec);
		return 0;
	}
	if (!arg || kstrtouint(arg, 0, &index))
		return -EINVAL;
	vec = idxd_ims_find_test_vec(idev, index);
	if (!vec)
		return -ENOENT;

	if (!strcmp(verb, "free")) {
		idxd_ims_free_test_vec(idev, vec);
		ret = 0;
	} else if (!strcmp(verb, "request")) {
		ret = idxd_ims_irq_request(vec->irq);
	} else if (!strcmp(verb, "release")) {
		ret = idxd_ims_irq_release(vec->irq);
	} else if (!strcmp(verb, "fire")) {
		ret = idxd_ims_test_fire(idev, vec->irq);
	} else if (!strcmp(verb, "mask")) {
		ret = idxd_ims_irq_set_masked(vec->irq, true);
	} else if (!strcmp(verb, "unmask")) {
		ret = idxd_ims_irq_set_masked(vec->irq, false);
	} else {
		ret = -EINVAL;
	}
	return ret;
}

static int idxd_ims_test_cmd(struct idxd_ims_dev *idev, char *line)
{
	char *verb, *arg, *arg2;
	unsigned int count;
	u32 pasid, mask;

	lockdep_assert_held(&idev->test_irq_lock);

	line = strim(line);
	verb = strsep(&line, " \t");
	arg = strsep(&line, " \t");
	arg2 = strsep(&line, " \t");
	if (!verb || line)
		return -EINVAL;

	if (!strcmp(verb, "alloc")) {
		if (!arg || kstrtouint(arg, 0, &count) || !count)
			return -EINVAL;
		if (!arg2)
			return idxd_ims_test_alloc(idev, count, false, 0);
		if (kstrtou32(arg2, 0, &pasid) ||
		    pasid > FIELD_MAX(IDXD_IMS_CTRL_PASID))
			return -EINVAL;
		return idxd_ims_test_alloc(idev, count, true, pasid);
	}
	if (!strcmp(verb, "bench_alloc") || !strcmp(verb, "bench_latency"))
		return idxd_ims_test_bench(idev, verb, arg, arg2);
	if (arg2)
		return -EINVAL;
	if (!strcmp(verb, "bad_handle")) {
		if (!arg || kstrtouint(arg, 0, &count) || !count ||
		    count > IDXD_IMS_BAD_HANDLE_MAX)
			return -EINVAL;
		return idxd_ims_test_bad_handle(idev, count);
	}
	if (!strcmp(verb, "stall")) {
		if (arg)
			return -EINVAL;
		idxd_ims_test_set_stall(idev, true);
		return 0;
	}
	if (!strcmp(verb, "fail_cmds")) {
		if (!arg || kstrtou32(arg, 0, &mask))
			return -EINVAL;
		WRITE_ONCE(idev->test_fail_cmds, mask);
		return 0;
	}
	if (!strcmp(verb, "revoke")) {
		if (!arg || kstrtouint(arg, 0, &count))
			return -EINVAL;
		return idxd_ims_irq_test_revoke(idev, count);
	}
	if (!strcmp(verb, "renew_handles")) {
		if (arg)
			return -EINVAL;
		idxd_ims_irq_renew_handles(idev);
		return 0;
	}
	if (!strcmp(verb, "bad_template"))
		return arg ? -EINVAL : idxd_ims_try_bad_template(idev);
	if (!strcmp(verb, "fire_all"))
		return arg ? -EINVAL : idxd_ims_test_fire_all(idev);
	return idxd_ims_test_vec_cmd(idev, verb, arg);
}

static ssize_t idxd_ims_test_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	struct idxd_ims_dev *idev = file->private_data;
	char buf[IDXD_IMS_TEST_CMD_MAX];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	/* not behind a command that waits for a stalled handler */
	if (!strcmp(strim(buf), "unstall")) {
		idxd_ims_test_set_stall(idev, false);
		return len;
	}
	mutex_lock(&idev->test_irq_lock);
	ret = idxd_ims_test_cmd(idev, buf);
	mutex_unlock(&idev->test_irq_lock);

	return ret ? ret : len;
}

/* fired: "<index> <interrupts>" per vector fired by the last fire_all */
static int idxd_ims_fired_show(struct seq_file *s, void *unused)
{
	struct idxd_ims_dev *idev = s->private;
	unsigned int i;
	u32 fired;

	mutex_lock(&idev->test_irq_lock);
	for (i = 0; i < idev->test_nfired; i++) {
		fired = idev->test_fired[i];
		seq_printf(s, "%lu %lu\n",
			   FIELD_GET(IDXD_IMS_FIRED_INDEX, fired),
			   FIELD_GET(IDXD_IMS_FIRED_COUNT, fired));
	}
	mutex_unlock(&idev->test_irq_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(idxd_ims_fired);

static const struct file_operations idxd_ims_test_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= idxd_ims_test_write,
};

/**
 * idxd_ims_debugfs_add() - create the per-device debugfs directory
 * @idev: the device
 */
void idxd_ims_debugfs_add(struct idxd_ims_dev *idev)
{
	idev->dbgfs = debugfs_create_dir(pci_name(idev->pdev),
					 idxd_ims_debugfs_root);
	debugfs_create_file("vectors", 0400, idev->dbgfs, idev,
			    &idxd_ims_vectors_fops);
	debugfs_create_file("test", 0200, idev->dbgfs, idev,
			    &idxd_ims_test_fops);
	debugfs_create_file("fired", 0400, idev->dbgfs, idev,
			    &idxd_ims_fired_fops);
}

/**
 * idxd_ims_debugfs_remove() - remove the per-device directory
 * @idev: the device
 *
 * Also frees every vector the test hook still holds, and what fire_all
 * recorded.
 */
void idxd_ims_debugfs_remove(struct idxd_ims_dev *idev)
{
	struct idxd_ims_test_vec *vec, *next;

	debugfs_remove_recursive(idev->dbgfs);
	idev->dbgfs = NULL;
	idxd_ims_test_set_stall(idev, false);
	WRITE_ONCE(idev->test_fail_cmds, 0);

	mutex_lock(&idev->test_irq_lock);
	list_for_each_entry_safe(vec, next, &idev->test_irqs, node)
		idxd_ims_free_test_vec(idev, vec);
	kvfree(idev->test_fired);
	idev->test_fired = NULL;
	idev->test_nfired = 0;
	mutex_unlock(&idev->test_irq_lock);
}

/**
 * idxd_ims_debugfs_init() - create /sys/kernel/debug/idxd_ims
 */
void idxd_ims_debugfs_init(void)
{
	idxd_ims_debugfs_root = debugfs_create_dir(IDXD_IMS_DRV_NAME, NULL);
}

/**
 * idxd_ims_debugfs_exit() - remove /sys/kernel/debug/idxd_ims
 */
void idxd_ims_debugfs_exit(void)
{
	debugfs_remove_recursive(idxd_ims_debugfs_root);
	idxd_ims_debugfs_root = NULL;
}
