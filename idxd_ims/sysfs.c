// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "dsa" bus of idxd_ims and the configuration ABI on it.
 *
 * Each device gets a dsaN (or iaxN) device on the bus with wqN.M, groupN.M
 * and engineN.M children carrying the attributes documented in
 * Documentation/ABI/stable/sysfs-driver-dma-idxd, so that accel-config
 * works unchanged. Binding dsaN to the "idxd" driver enables the device;
 * binding wqN.M to the "dmaengine" driver enables a kernel work queue and
 * its dmaengine channel. Writes are checked completely before anything
 * changes; a refused write leaves the configuration untouched.
 */
#include <linux/bitfield.h>
#include <linux/device.h>
#include <linux/dmaengine.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "idxd_ims.h"
#include "wq.h"

static const char * const wq_type_names[] = {
	[IDXD_WQT_NONE] = "none",
	[IDXD_WQT_KERNEL] = "kernel",
	[IDXD_WQT_USER] = "user",
	[IDXD_WQT_MDEV] = "mdev",
};

static const struct device_type conf_device_type;
static const struct device_type wq_device_type;
static const struct device_type group_device_type;
static const struct device_type engine_device_type;

static struct idxd_ims_conf *to_conf(struct device *dev)
{
	return container_of(dev, struct idxd_ims_conf, dev);
}

static struct idxd_ims_wq *to_wq(struct device *dev)
{
	return container_of(dev, struct idxd_ims_wq, dev);
}

static struct idxd_ims_group *to_group(struct device *dev)
{
	return container_of(dev, struct idxd_ims_group, dev);
}

static struct idxd_ims_engine *to_engine(struct device *dev)
{
	return container_of(dev, struct idxd_ims_engine, dev);
}

/* Common check for configuration writes; conf->lock must be held. */
static int conf_check_writable(struct idxd_ims_conf *conf, struct device *dev,
			       bool need_device_disabled)
{
	lockdep_assert_held(&conf->lock);

	if (!conf->idev->caps.config_en) {
		dev_dbg(dev, "device configuration is read-only\n");
		return -EINVAL;
	}
	if (need_device_disabled && conf->enabled) {
		dev_dbg(dev, "disable %s first\n", dev_name(&conf->dev));
		return -EBUSY;
	}
	return 0;
}

static int wq_check_writable(struct idxd_ims_wq *wq, bool need_device_disabled)
{
	int rc = conf_check_writable(wq->conf, &wq->dev, need_device_disabled);

	if (rc)
		return rc;
	if (wq->enabled) {
		dev_dbg(&wq->dev, "disable the work queue first\n");
		return -EBUSY;
	}
	if (wq->mdev) {
		dev_dbg(&wq->dev, "remove the virtual device using it first\n");
		return -EBUSY;
	}
	return 0;
}

/* ---- dsaN attributes ---- */

static ssize_t version_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%#x\n", to_conf(dev)->idev->caps.version);
}
static DEVICE_ATTR_RO(version);

static ssize_t max_groups_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.max_groups);
}
static DEVICE_ATTR_RO(max_groups);

static ssize_t max_work_queues_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.max_wqs);
}
static DEVICE_ATTR_RO(max_work_queues);

static ssize_t max_work_queues_size_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.max_wq_size);
}
static DEVICE_ATTR_RO(max_work_queues_size);

static ssize_t max_engines_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.max_engines);
}
static DEVICE_ATTR_RO(max_engines);

static ssize_t numa_node_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", dev_to_node(&to_conf(dev)->idev->pdev->dev));
}
static DEVICE_ATTR_RO(numa_node);

static ssize_t max_batch_size_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	if (dev->type == &wq_device_type)
		return sysfs_emit(buf, "%u\n", to_wq(dev)->max_batch_size);
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.max_batch_size);
}

static ssize_t max_transfer_size_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	if (dev->type == &wq_device_type)
		return sysfs_emit(buf, "%llu\n", to_wq(dev)->max_xfer_bytes);
	return sysfs_emit(buf, "%llu\n", to_conf(dev)->idev->caps.max_xfer_bytes);
}

static struct device_attribute dev_attr_dev_max_batch_size =
	__ATTR(max_batch_size, 0444, max_batch_size_show, NULL);
static struct device_attribute dev_attr_dev_max_transfer_size =
	__ATTR(max_transfer_size, 0444, max_transfer_size_show, NULL);

static ssize_t op_cap_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	const u64 *opcap = to_conf(dev)->idev->caps.opcap;
	ssize_t pos = 0;
	int i;

	/* Same layout as upstream: highest 64 bits first, 32-bit groups */
	for (i = IDXD_OPCAP_QWORDS - 1; i >= 0; i--)
		pos += sysfs_emit_at(buf, pos, "%08x,%08x%c",
				     upper_32_bits(opcap[i]),
				     lower_32_bits(opcap[i]),
				     i ? ',' : '\n');
	return pos;
}
static DEVICE_ATTR_RO(op_cap);

static ssize_t gen_cap_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%#llx\n", to_conf(dev)->idev->caps.gencap);
}
static DEVICE_ATTR_RO(gen_cap);

static ssize_t configurable_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.config_en);
}
static DEVICE_ATTR_RO(configurable);

/* Clients of a work queue: users of its dmaengine channel */
static int wq_clients(struct idxd_ims_wq *wq)
{
	lockdep_assert_held(&wq->conf->lock);

	return wq->wq_dma ? wq->wq_dma->chan.client_count : 0;
}

static ssize_t clients_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct idxd_ims_conf *conf;
	unsigned int i;
	int count = 0;

	if (dev->type == &wq_device_type) {
		struct idxd_ims_wq *wq = to_wq(dev);

		mutex_lock(&wq->conf->lock);
		count = wq_clients(wq);
		mutex_unlock(&wq->conf->lock);
		return sysfs_emit(buf, "%d\n", count);
	}

	conf = to_conf(dev);
	mutex_lock(&conf->lock);
	for (i = 0; i < conf->num_wqs; i++)
		count += wq_clients(conf->wqs[i]);
	mutex_unlock(&conf->lock);
	return sysfs_emit(buf, "%d\n", count);
}

static struct device_attribute dev_attr_dev_clients =
	__ATTR(clients, 0444, clients_show, NULL);

/* User PASIDs (shared virtual memory for user work queues) are not offered */
static ssize_t pasid_enabled_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0\n");
}
static DEVICE_ATTR_RO(pasid_enabled);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct idxd_ims_conf *conf;
	bool enabled;

	if (dev->type == &wq_device_type) {
		struct idxd_ims_wq *wq = to_wq(dev);

		mutex_lock(&wq->conf->lock);
		enabled = wq->enabled;
		mutex_unlock(&wq->conf->lock);
		return sysfs_emit(buf, "%s\n", enabled ? "enabled" : "disabled");
	}

	conf = to_conf(dev);
	if (!idxd_ims_dev_usable(conf->idev))
		return sysfs_emit(buf, "halted\n");
	mutex_lock(&conf->lock);
	enabled = conf->enabled;
	mutex_unlock(&conf->lock);
	return sysfs_emit(buf, "%s\n", enabled ? "enabled" : "disabled");
}

static struct device_attribute dev_attr_dev_state =
	__ATTR(state, 0444, state_show, NULL);

static ssize_t errors_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct idxd_ims_dev *idev = to_conf(dev)->idev;
	u64 swerr[IDXD_SWERR_QWORDS];
	ssize_t pos = 0;
	int i;

	spin_lock(&idev->state_lock);
	memcpy(swerr, idev->swerr, sizeof(swerr));
	spin_unlock(&idev->state_lock);

	for (i = IDXD_SWERR_QWORDS - 1; i >= 0; i--)
		pos += sysfs_emit_at(buf, pos, "%08x,%08x%c",
				     upper_32_bits(swerr[i]),
				     lower_32_bits(swerr[i]),
				     i ? ',' : '\n');
	return pos;
}
static DEVICE_ATTR_RO(errors);

static ssize_t max_read_buffers_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.max_rdbufs);
}
static DEVICE_ATTR_RO(max_read_buffers);
static struct device_attribute dev_attr_max_tokens =
	__ATTR(max_tokens, 0444, max_read_buffers_show, NULL);

static ssize_t read_buffer_limit_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct idxd_ims_conf *conf = to_conf(dev);
	unsigned int limit;

	mutex_lock(&conf->lock);
	limit = conf->rdbuf_limit;
	mutex_unlock(&conf->lock);
	return sysfs_emit(buf, "%u\n", limit);
}

static ssize_t read_buffer_limit_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct idxd_ims_conf *conf = to_conf(dev);
	struct idxd_ims_caps *caps = &conf->idev->caps;
	unsigned int val;
	int rc;

	rc = kstrtouint(buf, 0, &val);
	if (rc) {
		dev_dbg(dev, "read_buffer_limit: not a number\n");
		return -EINVAL;
	}
	mutex_lock(&conf->lock);
	rc = conf_check_writable(conf, dev, true);
	if (rc)
		goto out_unlock;
	if (!(caps->grpcap & IDXD_GRPCAP_RDBUF_LIMIT) && val) {
		dev_dbg(dev, "device has no read buffer limit\n");
		rc = -EINVAL;
		goto out_unlock;
	}
	if (val > caps->max_rdbufs) {
		dev_dbg(dev, "read_buffer_limit %u exceeds %u\n", val,
			caps->max_rdbufs);
		rc = -EINVAL;
		goto out_unlock;
	}
	conf->rdbuf_limit = val;
out_unlock:
	mutex_unlock(&conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(read_buffer_limit);
static struct device_attribute dev_attr_token_limit =
	__ATTR(token_limit, 0644, read_buffer_limit_show,
	       read_buffer_limit_store);

/* No character devices: user work queues are not offered */
static ssize_t cdev_major_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0\n");
}
static DEVICE_ATTR_RO(cdev_major);

static ssize_t cmd_status_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct idxd_ims_conf *conf = to_conf(dev);
	u32 status;

	mutex_lock(&conf->lock);
	status = conf->cmd_status;
	mutex_unlock(&conf->lock);
	return sysfs_emit(buf, "%#x\n", status);
}

static ssize_t cmd_status_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct idxd_ims_conf *conf = to_conf(dev);

	mutex_lock(&conf->lock);
	conf->cmd_status = 0;
	mutex_unlock(&conf->lock);
	return count;
}
static DEVICE_ATTR_RW(cmd_status);

static ssize_t ims_size_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.ims_size);
}
static DEVICE_ATTR_RO(ims_size);

static ssize_t ims_in_use_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct idxd_ims_dev *idev = to_conf(dev)->idev;
	struct idxd_ims_irq *irq;
	unsigned int count = 0;

	mutex_lock(&idev->irq_lock);
	list_for_each_entry(irq, &idev->irq_list, node)
		if (irq->kind == IDXD_IMS_IRQ_IMS)
			count++;
	mutex_unlock(&idev->irq_lock);
	return sysfs_emit(buf, "%u\n", count);
}
static DEVICE_ATTR_RO(ims_in_use);

static ssize_t completion_irqs_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  to_conf(dev)->idev->ims_active ? "ims" : "msix");
}
static DEVICE_ATTR_RO(completion_irqs);

static struct attribute *conf_attrs[] = {
	&dev_attr_version.attr,
	&dev_attr_max_groups.attr,
	&dev_attr_max_work_queues.attr,
	&dev_attr_max_work_queues_size.attr,
	&dev_attr_max_engines.attr,
	&dev_attr_numa_node.attr,
	&dev_attr_dev_max_batch_size.attr,
	&dev_attr_dev_max_transfer_size.attr,
	&dev_attr_op_cap.attr,
	&dev_attr_gen_cap.attr,
	&dev_attr_configurable.attr,
	&dev_attr_dev_clients.attr,
	&dev_attr_pasid_enabled.attr,
	&dev_attr_dev_state.attr,
	&dev_attr_errors.attr,
	&dev_attr_max_tokens.attr,
	&dev_attr_max_read_buffers.attr,
	&dev_attr_token_limit.attr,
	&dev_attr_read_buffer_limit.attr,
	&dev_attr_cdev_major.attr,
	&dev_attr_cmd_status.attr,
	&dev_attr_ims_size.attr,
	&dev_attr_ims_in_use.attr,
	&dev_attr_completion_irqs.attr,
	NULL,
};
ATTRIBUTE_GROUPS(conf);

/* ---- wqN.M attributes ---- */

static ssize_t wq_group_id_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	int id;

	mutex_lock(&wq->conf->lock);
	id = wq->group ? wq->group->id : -1;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%d\n", id);
}

/* Parse a group id: -1 (none) or a valid index; NULL group for -1 */
static int parse_group(struct idxd_ims_conf *conf, struct device *dev,
		       const char *buf, struct idxd_ims_group **group)
{
	int id;

	if (kstrtoint(buf, 0, &id)) {
		dev_dbg(dev, "group_id: not a number\n");
		return -EINVAL;
	}
	if (id < -1 || id >= (int)conf->num_groups) {
		dev_dbg(dev, "group_id %d is not -1..%u\n", id,
			conf->num_groups - 1);
		return -EINVAL;
	}
	*group = id < 0 ? NULL : conf->groups[id];
	return 0;
}

static ssize_t wq_group_id_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	struct idxd_ims_group *group;
	int rc;

	rc = parse_group(wq->conf, dev, buf, &group);
	if (rc)
		return rc;
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		wq->group = group;
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}

static struct device_attribute dev_attr_wq_group_id =
	__ATTR(group_id, 0644, wq_group_id_show, wq_group_id_store);

static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	bool dedicated;

	mutex_lock(&wq->conf->lock);
	dedicated = wq->dedicated;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%s\n", dedicated ? "dedicated" : "shared");
}

static ssize_t mode_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	int rc;

	if (sysfs_streq(buf, "shared")) {
		dev_dbg(dev, "shared work queues need ENQCMDS and PASIDs; not supported\n");
		return -EINVAL;
	}
	if (!sysfs_streq(buf, "dedicated")) {
		dev_dbg(dev, "mode must be \"dedicated\" or \"shared\"\n");
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		wq->dedicated = true;
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(mode);

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	unsigned int size;

	mutex_lock(&wq->conf->lock);
	size = wq->size;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%u\n", size);
}

static ssize_t size_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	struct idxd_ims_conf *conf = wq->conf;
	unsigned int size, total = 0, i;
	int rc;

	if (kstrtouint(buf, 0, &size)) {
		dev_dbg(dev, "size: not a number\n");
		return -EINVAL;
	}
	mutex_lock(&conf->lock);
	rc = wq_check_writable(wq, true);
	if (rc)
		goto out_unlock;
	for (i = 0; i < conf->num_wqs; i++)
		if (conf->wqs[i] != wq)
			total += conf->wqs[i]->size;
	/* total <= max_wq_size; size + total could wrap */
	if (size > conf->idev->caps.max_wq_size - total) {
		dev_dbg(dev, "size %u: other work queues use %u of %u entries\n",
			size, total, conf->idev->caps.max_wq_size);
		rc = -EINVAL;
		goto out_unlock;
	}
	if (wq->threshold > size) {
		dev_dbg(dev, "size %u is below the threshold %u\n", size,
			wq->threshold);
		rc = -EINVAL;
		goto out_unlock;
	}
	wq->size = size;
out_unlock:
	mutex_unlock(&conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(size);

static ssize_t priority_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	unsigned int prio;

	mutex_lock(&wq->conf->lock);
	prio = wq->priority;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%u\n", prio);
}

static ssize_t priority_store(struct device *dev,
			      struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	unsigned int prio;
	int rc;

	if (kstrtouint(buf, 0, &prio) || !prio ||
	    prio > IDXD_WQ_PRIORITY_MAX) {
		dev_dbg(dev, "priority must be 1..%d\n", IDXD_WQ_PRIORITY_MAX);
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		wq->priority = prio;
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(priority);

static ssize_t block_on_fault_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	bool bof;

	mutex_lock(&wq->conf->lock);
	bof = wq->block_on_fault;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%u\n", bof);
}

static ssize_t block_on_fault_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	bool bof;
	int rc;

	if (kstrtobool(buf, &bof)) {
		dev_dbg(dev, "block_on_fault must be 0 or 1\n");
		return -EINVAL;
	}
	if (bof && !(wq->conf->idev->caps.gencap & IDXD_GENCAP_BLOCK_ON_FAULT)) {
		dev_dbg(dev, "device does not support block on fault\n");
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc && bof && wq->prs_disable) {
		dev_dbg(dev, "block on fault needs page requests (prs_disable=0)\n");
		rc = -EINVAL;
	}
	if (!rc)
		wq->block_on_fault = bof;
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(block_on_fault);

static ssize_t threshold_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	unsigned int threshold;

	mutex_lock(&wq->conf->lock);
	threshold = wq->threshold;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%u\n", threshold);
}

static ssize_t threshold_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	unsigned int threshold;
	int rc;

	if (kstrtouint(buf, 0, &threshold)) {
		dev_dbg(dev, "threshold: not a number\n");
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (rc)
		goto out_unlock;
	if (wq->dedicated) {
		dev_dbg(dev, "threshold applies to shared work queues only\n");
		rc = -EINVAL;
		goto out_unlock;
	}
	if (!threshold || threshold > wq->size) {
		dev_dbg(dev, "threshold must be 1..size (%u)\n", wq->size);
		rc = -EINVAL;
		goto out_unlock;
	}
	wq->threshold = threshold;
out_unlock:
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(threshold);

static ssize_t type_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	enum idxd_wq_type type;

	mutex_lock(&wq->conf->lock);
	type = wq->type;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%s\n", wq_type_names[type]);
}

static ssize_t type_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	int type, rc;

	type = sysfs_match_string(wq_type_names, buf);
	if (type < 0) {
		dev_dbg(dev, "type must be none, kernel, user or mdev\n");
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		wq->type = type;
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(type);

static ssize_t name_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	ssize_t len;

	mutex_lock(&wq->conf->lock);
	len = sysfs_emit(buf, "%s\n", wq->name);
	mutex_unlock(&wq->conf->lock);
	return len;
}

/*
 * Copy a sysfs string without its trailing newline. A lone newline clears
 * the value (as upstream allows); longer strings than @dst holds are
 * refused.
 */
static int copy_sysfs_string(struct device *dev, const char *what, char *dst,
			     size_t dst_size, const char *buf, size_t count)
{
	size_t len = count;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= dst_size) {
		dev_dbg(dev, "%s is longer than %zu characters\n", what,
			dst_size - 1);
		return -EINVAL;
	}
	memcpy(dst, buf, len);
	dst[len] = '\0';
	return 0;
}

static ssize_t name_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	char name[IDXD_WQ_NAME_MAX];
	int rc;

	rc = copy_sysfs_string(dev, "name", name, sizeof(name), buf, count);
	if (rc)
		return rc;
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		strscpy(wq->name, name, sizeof(wq->name));
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(name);

static ssize_t driver_name_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	ssize_t len;

	mutex_lock(&wq->conf->lock);
	len = sysfs_emit(buf, "%s\n", wq->driver_name);
	mutex_unlock(&wq->conf->lock);
	return len;
}

static ssize_t driver_name_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	char name[IDXD_WQ_DRIVER_NAME_MAX];
	int rc;

	rc = copy_sysfs_string(dev, "driver_name", name, sizeof(name), buf,
			       count);
	if (rc)
		return rc;
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		strscpy(wq->driver_name, name, sizeof(wq->driver_name));
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(driver_name);

/* No character devices: user work queues are not offered */
static ssize_t cdev_minor_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "-1\n");
}
static DEVICE_ATTR_RO(cdev_minor);

static ssize_t wq_max_transfer_size_store(struct device *dev,
					  struct device_attribute *attr,
					  const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	u64 max = wq->conf->idev->caps.max_xfer_bytes;
	u64 val;
	int rc;

	if (kstrtou64(buf, 0, &val) || !val || val > max) {
		dev_dbg(dev, "max_transfer_size must be 1..%llu\n", max);
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		wq->max_xfer_bytes = roundup_pow_of_two(val);
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}

static struct device_attribute dev_attr_wq_max_transfer_size =
	__ATTR(max_transfer_size, 0644, max_transfer_size_show,
	       wq_max_transfer_size_store);

static ssize_t wq_max_batch_size_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	u32 max = wq->conf->idev->caps.max_batch_size;
	u32 val;
	int rc;

	if (kstrtou32(buf, 0, &val) || !val || val > max) {
		dev_dbg(dev, "max_batch_size must be 1..%u\n", max);
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		wq->max_batch_size = roundup_pow_of_two(val);
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}

static struct device_attribute dev_attr_wq_max_batch_size =
	__ATTR(max_batch_size, 0644, max_batch_size_show,
	       wq_max_batch_size_store);

static ssize_t ats_disable_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	bool val;

	mutex_lock(&wq->conf->lock);
	val = wq->ats_disable;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%u\n", val);
}

static ssize_t ats_disable_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	bool val;
	int rc;

	if (kstrtobool(buf, &val)) {
		dev_dbg(dev, "ats_disable must be 0 or 1\n");
		return -EINVAL;
	}
	if (val && !(wq->conf->idev->caps.wqcap & IDXD_WQCAP_ATS)) {
		dev_dbg(dev, "device cannot disable ATS per work queue\n");
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc)
		wq->ats_disable = val;
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(ats_disable);

static ssize_t prs_disable_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	bool val;

	mutex_lock(&wq->conf->lock);
	val = wq->prs_disable;
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%u\n", val);
}

static ssize_t prs_disable_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	bool val;
	int rc;

	if (kstrtobool(buf, &val)) {
		dev_dbg(dev, "prs_disable must be 0 or 1\n");
		return -EINVAL;
	}
	if (val && !(wq->conf->idev->caps.wqcap & IDXD_WQCAP_PRS)) {
		dev_dbg(dev, "device cannot disable PRS per work queue\n");
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, false);
	if (!rc) {
		wq->prs_disable = val;
		/* Block on fault relies on page requests */
		if (val)
			wq->block_on_fault = false;
	}
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(prs_disable);

static ssize_t occupancy_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", idxd_ims_wq_occupancy(to_wq(dev)));
}
static DEVICE_ATTR_RO(occupancy);

static ssize_t irq_kind_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	const char *kind = "none";

	mutex_lock(&wq->conf->lock);
	if (wq->vector)
		kind = wq->vector->kind == IDXD_IMS_IRQ_IMS ? "ims" : "msix";
	mutex_unlock(&wq->conf->lock);
	return sysfs_emit(buf, "%s\n", kind);
}
static DEVICE_ATTR_RO(irq_kind);

enum wq_vector_field {
	WQ_VECTOR_VIRQ,
	WQ_VECTOR_INDEX,
	WQ_VECTOR_INT_HANDLE,
};

/* Show one field of a WQ's completion vector, or -1 when it has none. */
static ssize_t wq_vector_field_show(struct device *dev, char *buf,
				    enum wq_vector_field field)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	const struct idxd_ims_irq *vec;
	unsigned int val = 0;
	ssize_t len;

	mutex_lock(&wq->conf->lock);
	vec = wq->vector;
	if (vec) {
		switch (field) {
		case WQ_VECTOR_VIRQ:
			val = vec->virq;
			break;
		case WQ_VECTOR_INDEX:
			val = vec->index;
			break;
		case WQ_VECTOR_INT_HANDLE:
			val = vec->int_handle;
			break;
		}
		len = sysfs_emit(buf, "%u\n", val);
	} else {
		len = sysfs_emit(buf, "-1\n");
	}
	mutex_unlock(&wq->conf->lock);
	return len;
}

static ssize_t irq_vector_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return wq_vector_field_show(dev, buf, WQ_VECTOR_VIRQ);
}
static DEVICE_ATTR_RO(irq_vector);

static ssize_t irq_index_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return wq_vector_field_show(dev, buf, WQ_VECTOR_INDEX);
}
static DEVICE_ATTR_RO(irq_index);

static ssize_t int_handle_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return wq_vector_field_show(dev, buf, WQ_VECTOR_INT_HANDLE);
}
static DEVICE_ATTR_RO(int_handle);

static struct device_attribute dev_attr_wq_clients =
	__ATTR(clients, 0444, clients_show, NULL);
static struct device_attribute dev_attr_wq_state =
	__ATTR(state, 0444, state_show, NULL);

static struct attribute *wq_attrs[] = {
	&dev_attr_wq_clients.attr,
	&dev_attr_wq_state.attr,
	&dev_attr_wq_group_id.attr,
	&dev_attr_mode.attr,
	&dev_attr_size.attr,
	&dev_attr_priority.attr,
	&dev_attr_block_on_fault.attr,
	&dev_attr_threshold.attr,
	&dev_attr_type.attr,
	&dev_attr_name.attr,
	&dev_attr_driver_name.attr,
	&dev_attr_cdev_minor.attr,
	&dev_attr_wq_max_transfer_size.attr,
	&dev_attr_wq_max_batch_size.attr,
	&dev_attr_ats_disable.attr,
	&dev_attr_prs_disable.attr,
	&dev_attr_occupancy.attr,
	&dev_attr_irq_kind.attr,
	&dev_attr_irq_vector.attr,
	&dev_attr_irq_index.attr,
	&dev_attr_int_handle.attr,
	NULL,
};

static umode_t wq_attr_visible(struct kobject *kobj, struct attribute *attr,
			       int n)
{
	struct idxd_ims_wq *wq = to_wq(kobj_to_dev(kobj));
	struct idxd_ims_caps *caps = &wq->conf->idev->caps;

	if (attr == &dev_attr_occupancy.attr &&
	    !(caps->wqcap & IDXD_WQCAP_OCCUPANCY))
		return 0;
	if (attr == &dev_attr_wq_max_batch_size.attr && !caps->max_batch_size)
		return 0;
	return attr->mode;
}

static const struct attribute_group wq_group = {
	.attrs = wq_attrs,
	.is_visible = wq_attr_visible,
};
__ATTRIBUTE_GROUPS(wq);

/* ---- groupN.M attributes ---- */

static ssize_t engines_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct idxd_ims_group *group = to_group(dev);
	struct idxd_ims_conf *conf = group->conf;
	ssize_t pos = 0;
	unsigned int i;

	mutex_lock(&conf->lock);
	for (i = 0; i < conf->num_engines; i++)
		if (conf->engines[i]->group == group)
			pos += sysfs_emit_at(buf, pos, "engine%d.%d ", conf->id,
					     conf->engines[i]->id);
	mutex_unlock(&conf->lock);
	pos += sysfs_emit_at(buf, pos, "\n");
	return pos;
}
static DEVICE_ATTR_RO(engines);

static ssize_t work_queues_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct idxd_ims_group *group = to_group(dev);
	struct idxd_ims_conf *conf = group->conf;
	ssize_t pos = 0;
	unsigned int i;

	mutex_lock(&conf->lock);
	for (i = 0; i < conf->num_wqs; i++)
		if (conf->wqs[i]->group == group)
			pos += sysfs_emit_at(buf, pos, "wq%d.%d ", conf->id,
					     conf->wqs[i]->id);
	mutex_unlock(&conf->lock);
	pos += sysfs_emit_at(buf, pos, "\n");
	return pos;
}
static DEVICE_ATTR_RO(work_queues);

enum group_field {
	GROUP_RDBUFS_RESERVED,
	GROUP_RDBUFS_ALLOWED,
	GROUP_USE_RDBUF_LIMIT,
	GROUP_TC_A,
	GROUP_TC_B,
};

static unsigned int *group_field_ptr(struct idxd_ims_group *group,
				     enum group_field field)
{
	switch (field) {
	case GROUP_RDBUFS_RESERVED:
		return &group->rdbufs_reserved;
	case GROUP_RDBUFS_ALLOWED:
		return &group->rdbufs_allowed;
	case GROUP_TC_A:
		return &group->tc_a;
	default:
		return &group->tc_b;
	}
}

/**
 * struct group_field_attribute - a numeric group attribute
 * @attr: the sysfs attribute
 * @field: the group field it shows and sets
 */
struct group_field_attribute {
	struct device_attribute attr;
	enum group_field field;
};

static enum group_field to_group_field(struct device_attribute *attr)
{
	return container_of(attr, struct group_field_attribute, attr)->field;
}

static ssize_t group_field_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct idxd_ims_group *group = to_group(dev);
	enum group_field field = to_group_field(attr);
	unsigned int val;

	mutex_lock(&group->conf->lock);
	if (field == GROUP_USE_RDBUF_LIMIT)
		val = group->use_rdbuf_limit;
	else
		val = *group_field_ptr(group, field);
	mutex_unlock(&group->conf->lock);
	return sysfs_emit(buf, "%u\n", val);
}

/* Validate @val for @field; returns 0 or -EINVAL with a reason logged */
static int group_field_check(struct idxd_ims_group *group,
			     enum group_field field, unsigned int val)
{
	struct idxd_ims_caps *caps = &group->conf->idev->caps;
	struct device *dev = &group->dev;

	switch (field) {
	case GROUP_RDBUFS_RESERVED:
	case GROUP_RDBUFS_ALLOWED:
		if (!(caps->grpcap & IDXD_GRPCAP_RDBUF_CTRL) &&
		    val != *group_field_ptr(group, field)) {
			dev_dbg(dev, "device has no read buffer control\n");
			return -EINVAL;
		}
		if (val > caps->max_rdbufs) {
			dev_dbg(dev, "%u read buffers exceed %u\n", val,
				caps->max_rdbufs);
			return -EINVAL;
		}
		if (field == GROUP_RDBUFS_ALLOWED &&
		    val < group->rdbufs_reserved) {
			dev_dbg(dev, "allowed read buffers below the %u reserved\n",
				group->rdbufs_reserved);
			return -EINVAL;
		}
		if (field == GROUP_RDBUFS_RESERVED &&
		    val > group->rdbufs_allowed) {
			dev_dbg(dev, "reserved read buffers above the %u allowed\n",
				group->rdbufs_allowed);
			return -EINVAL;
		}
		return 0;
	case GROUP_USE_RDBUF_LIMIT:
		if (val > 1) {
			dev_dbg(dev, "use_read_buffer_limit must be 0 or 1\n");
			return -EINVAL;
		}
		if (val && !group->conf->rdbuf_limit) {
			dev_dbg(dev, "set the device read_buffer_limit first\n");
			return -EINVAL;
		}
		return 0;
	default:
		if (val > IDXD_TRAFFIC_CLASS_MAX) {
			dev_dbg(dev, "traffic class must be 0..%d\n",
				IDXD_TRAFFIC_CLASS_MAX);
			return -EINVAL;
		}
		return 0;
	}
}

static ssize_t group_field_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct idxd_ims_group *group = to_group(dev);
	enum group_field field = to_group_field(attr);
	unsigned int val;
	int rc;

	if (kstrtouint(buf, 0, &val)) {
		dev_dbg(dev, "not a number\n");
		return -EINVAL;
	}
	mutex_lock(&group->conf->lock);
	rc = conf_check_writable(group->conf, dev, true);
	if (!rc)
		rc = group_field_check(group, field, val);
	if (!rc) {
		if (field == GROUP_USE_RDBUF_LIMIT)
			group->use_rdbuf_limit = val;
		else
			*group_field_ptr(group, field) = val;
	}
	mutex_unlock(&group->conf->lock);
	return rc ? rc : count;
}

#define GROUP_FIELD_ATTR(_name, _field)					\
	struct group_field_attribute group_attr_##_name = {		\
		.attr = __ATTR(_name, 0644, group_field_show,		\
			       group_field_store),			\
		.field = (_field),					\
	}

static GROUP_FIELD_ATTR(read_buffers_reserved, GROUP_RDBUFS_RESERVED);
static GROUP_FIELD_ATTR(read_buffers_allowed, GROUP_RDBUFS_ALLOWED);
static GROUP_FIELD_ATTR(use_read_buffer_limit, GROUP_USE_RDBUF_LIMIT);
static GROUP_FIELD_ATTR(traffic_class_a, GROUP_TC_A);
static GROUP_FIELD_ATTR(traffic_class_b, GROUP_TC_B);
/* Deprecated names kept by upstream and still used by accel-config */
static GROUP_FIELD_ATTR(tokens_reserved, GROUP_RDBUFS_RESERVED);
static GROUP_FIELD_ATTR(tokens_allowed, GROUP_RDBUFS_ALLOWED);
static GROUP_FIELD_ATTR(use_token_limit, GROUP_USE_RDBUF_LIMIT);

static struct attribute *group_attrs[] = {
	&dev_attr_engines.attr,
	&dev_attr_work_queues.attr,
	&group_attr_read_buffers_reserved.attr.attr,
	&group_attr_read_buffers_allowed.attr.attr,
	&group_attr_use_read_buffer_limit.attr.attr,
	&group_attr_tokens_reserved.attr.attr,
	&group_attr_tokens_allowed.attr.attr,
	&group_attr_use_token_limit.attr.attr,
	&group_attr_traffic_class_a.attr.attr,
	&group_attr_traffic_class_b.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(group);

/* ---- engineN.M attributes ---- */

static ssize_t engine_group_id_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct idxd_ims_engine *engine = to_engine(dev);
	int id;

	mutex_lock(&engine->conf->lock);
	id = engine->group ? engine->group->id : -1;
	mutex_unlock(&engine->conf->lock);
	return sysfs_emit(buf, "%d\n", id);
}

static ssize_t engine_group_id_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct idxd_ims_engine *engine = to_engine(dev);
	struct idxd_ims_group *group;
	int rc;

	rc = parse_group(engine->conf, dev, buf, &group);
	if (rc)
		return rc;
	mutex_lock(&engine->conf->lock);
	rc = conf_check_writable(engine->conf, dev, true);
	if (!rc)
		engine->group = group;
	mutex_unlock(&engine->conf->lock);
	return rc ? rc : count;
}

static struct device_attribute dev_attr_engine_group_id =
	__ATTR(group_id, 0644, engine_group_id_show, engine_group_id_store);

static struct attribute *engine_attrs[] = {
	&dev_attr_engine_group_id.attr,
	NULL,
};
ATTRIBUTE_GROUPS(engine);

/* ---- device types ---- */

static void conf_release(struct device *dev)
{
	struct idxd_ims_conf *conf = to_conf(dev);

	kfree(conf->wqs);
	kfree(conf->groups);
	kfree(conf->engines);
	kfree(conf);
}

static void wq_release(struct device *dev)
{
	kfree(to_wq(dev));
}

static void group_release(struct device *dev)
{
	kfree(to_group(dev));
}

static void engine_release(struct device *dev)
{
	kfree(to_engine(dev));
}

static const struct device_type conf_device_type = {
	.name = "dsa",
	.release = conf_release,
	.groups = conf_groups,
};

static const struct device_type wq_device_type = {
	.name = "wq",
	.release = wq_release,
	.groups = wq_groups,
};

static const struct device_type group_device_type = {
	.name = "group",
	.release = group_release,
	.groups = group_groups,
};

static const struct device_type engine_device_type = {
	.name = "engine",
	.release = engine_release,
	.groups = engine_groups,
};

/* ---- the bus and its drivers ---- */

/**
 * struct idxd_ims_bus_driver - a driver on the dsa bus
 * @drv: the driver
 * @type: device type it binds to
 * @probe: enable the bound object
 * @remove: disable it
 */
struct idxd_ims_bus_driver {
	struct device_driver drv;
	const struct device_type *type;
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
};

static const struct idxd_ims_bus_driver *
to_bus_driver(const struct device_driver *drv)
{
	return container_of_const(drv, struct idxd_ims_bus_driver, drv);
}

static int dsa_bus_match(struct device *dev, const struct device_driver *drv)
{
	const struct idxd_ims_bus_driver *bdrv = to_bus_driver(drv);
	struct idxd_ims_wq *wq;
	bool match;

	if (dev->type != bdrv->type)
		return 0;
	if (dev->type != &wq_device_type)
		return 1;

	/* A work queue binds only to the driver it names, if it names one */
	wq = to_wq(dev);
	mutex_lock(&wq->conf->lock);
	match = !wq->driver_name[0] || !strcmp(wq->driver_name, drv->name);
	mutex_unlock(&wq->conf->lock);
	if (!match)
		dev_dbg(dev, "driver_name \"%s\" does not name driver %s\n",
			wq->driver_name, drv->name);
	return match;
}

static int dsa_bus_probe(struct device *dev)
{
	return to_bus_driver(dev->driver)->probe(dev);
}

static void dsa_bus_remove(struct device *dev)
{
	to_bus_driver(dev->driver)->remove(dev);
}

static const struct bus_type dsa_bus_type = {
	.name = "dsa",
	.match = dsa_bus_match,
	.probe = dsa_bus_probe,
	.remove = dsa_bus_remove,
};

static int device_drv_probe(struct device *dev)
{
	return idxd_ims_device_enable(to_conf(dev));
}

static void device_drv_remove(struct device *dev)
{
	struct idxd_ims_conf *conf = to_conf(dev);
	unsigned int i;

	/* Work queues go first; their removal takes conf->lock itself */
	for (i = 0; i < conf->num_wqs; i++)
		device_release_driver(&conf->wqs[i]->dev);
	idxd_ims_device_disable(conf);
}

static int dmaengine_drv_probe(struct device *dev)
{
	return idxd_ims_wq_enable(to_wq(dev));
}

static void dmaengine_drv_remove(struct device *dev)
{
	idxd_ims_wq_disable(to_wq(dev));
}

static struct idxd_ims_bus_driver idxd_device_drv = {
	.drv = {
		.name = IDXD_DRV_NAME_DEVICE,
		.bus = &dsa_bus_type,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.type = &conf_device_type,
	.probe = device_drv_probe,
	.remove = device_drv_remove,
};

static struct idxd_ims_bus_driver dmaengine_wq_drv = {
	.drv = {
		.name = IDXD_DRV_NAME_DMAENGINE,
		.bus = &dsa_bus_type,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.type = &wq_device_type,
	.probe = dmaengine_drv_probe,
	.remove = dmaengine_drv_remove,
};

/*
 * accel-config refuses to run unless /sys/module/idxd exists, that is
 * unless the upstream driver is loaded. While this driver owns the dsa bus
 * it provides that directory (empty) so the tool works unchanged; loading
 * the upstream idxd module meanwhile fails cleanly ("already loaded").
 */
static struct kobject *accel_config_marker;

static void accel_config_marker_add(void)
{
	accel_config_marker = kobject_create_and_add("idxd",
						     THIS_MODULE->mkobj.kobj.parent);
	if (!accel_config_marker)
		pr_warn(IDXD_IMS_DRV_NAME ": cannot create /sys/module/idxd; accel-config will not run\n");
}

/**
 * idxd_ims_bus_init() - register the dsa bus and its drivers
 *
 * Return: 0 or a negative errno; on failure nothing stays registered.
 */
int idxd_ims_bus_init(void)
{
	int rc;

	rc = bus_register(&dsa_bus_type);
	if (rc) {
		pr_err(IDXD_IMS_DRV_NAME ": cannot register bus \"dsa\": %d\n",
		       rc);
		return rc;
	}
	rc = driver_register(&idxd_device_drv.drv);
	if (rc)
		goto err_bus;
	rc = driver_register(&dmaengine_wq_drv.drv);
	if (rc)
		goto err_device_driver;
	accel_config_marker_add();
	return 0;

err_device_driver:
	driver_unregister(&idxd_device_drv.drv);
err_bus:
	bus_unregister(&dsa_bus_type);
	return rc;
}

/**
 * idxd_ims_bus_exit() - unregister the dsa bus and its drivers
 */
void idxd_ims_bus_exit(void)
{
	kobject_put(accel_config_marker);
	accel_config_marker = NULL;
	driver_unregister(&dmaengine_wq_drv.drv);
	driver_unregister(&idxd_device_drv.drv);
	bus_unregister(&dsa_bus_type);
}

/* ---- per-device objects ---- */

static void conf_init_child(struct idxd_ims_conf *conf, struct device *dev,
			    const struct device_type *type)
{
	device_initialize(dev);
	dev->parent = &conf->dev;
	dev->bus = &dsa_bus_type;
	dev->type = type;
}

static int conf_alloc_children(struct idxd_ims_conf *conf)
{
	struct idxd_ims_caps *caps = &conf->idev->caps;
	unsigned int i;

	conf->wqs = kcalloc(caps->max_wqs, sizeof(*conf->wqs), GFP_KERNEL);
	conf->groups = kcalloc(caps->max_groups, sizeof(*conf->groups),
			       GFP_KERNEL);
	conf->engines = kcalloc(caps->max_engines, sizeof(*conf->engines),
				GFP_KERNEL);
	if (!conf->wqs || !conf->groups || !conf->engines)
		return -ENOMEM;

	for (i = 0; i < caps->max_groups; i++) {
		struct idxd_ims_group *group = kzalloc(sizeof(*group),
						       GFP_KERNEL);

		if (!group)
			return -ENOMEM;
		group->conf = conf;
		group->id = i;
		group->rdbufs_allowed = caps->max_rdbufs;
		group->tc_a = IDXD_TRAFFIC_CLASS_DEFAULT;
		group->tc_b = IDXD_TRAFFIC_CLASS_DEFAULT;
		conf_init_child(conf, &group->dev, &group_device_type);
		conf->groups[i] = group;
		conf->num_groups++;
		if (dev_set_name(&group->dev, "group%d.%u", conf->id, i))
			return -ENOMEM;
	}
	for (i = 0; i < caps->max_engines; i++) {
		struct idxd_ims_engine *engine = kzalloc(sizeof(*engine),
							 GFP_KERNEL);

		if (!engine)
			return -ENOMEM;
		engine->conf = conf;
		engine->id = i;
		conf_init_child(conf, &engine->dev, &engine_device_type);
		conf->engines[i] = engine;
		conf->num_engines++;
		if (dev_set_name(&engine->dev, "engine%d.%u", conf->id, i))
			return -ENOMEM;
	}
	for (i = 0; i < caps->max_wqs; i++) {
		struct idxd_ims_wq *wq = kzalloc(sizeof(*wq), GFP_KERNEL);

		if (!wq)
			return -ENOMEM;
		wq->conf = conf;
		wq->id = i;
		wq->dedicated = true;
		wq->priority = IDXD_WQ_DEFAULT_PRIORITY;
		wq->max_xfer_bytes = min_t(u64, IDXD_WQ_DEFAULT_MAX_XFER,
					   caps->max_xfer_bytes);
		wq->max_batch_size = min_t(u32, IDXD_WQ_DEFAULT_MAX_BATCH,
					   caps->max_batch_size);
		conf_init_child(conf, &wq->dev, &wq_device_type);
		conf->wqs[i] = wq;
		conf->num_wqs++;
		if (dev_set_name(&wq->dev, "wq%d.%u", conf->id, i))
			return -ENOMEM;
	}
	return 0;
}

/* Drop children: unregister those added, put the references of all */
static void conf_put_children(struct idxd_ims_conf *conf, bool added)
{
	unsigned int i;

	for (i = 0; i < conf->num_wqs; i++) {
		if (added)
			device_del(&conf->wqs[i]->dev);
		put_device(&conf->wqs[i]->dev);
	}
	for (i = 0; i < conf->num_engines; i++) {
		if (added)
			device_del(&conf->engines[i]->dev);
		put_device(&conf->engines[i]->dev);
	}
	for (i = 0; i < conf->num_groups; i++) {
		if (added)
			device_del(&conf->groups[i]->dev);
		put_device(&conf->groups[i]->dev);
	}
	conf->num_wqs = 0;
	conf->num_engines = 0;
	conf->num_groups = 0;
}

static int conf_add_children(struct idxd_ims_conf *conf)
{
	unsigned int g = 0, e = 0, w = 0;
	int rc = 0;

	for (; g < conf->num_groups && !rc; g++)
		rc = device_add(&conf->groups[g]->dev);
	for (; e < conf->num_engines && !rc; e++)
		rc = device_add(&conf->engines[e]->dev);
	for (; w < conf->num_wqs && !rc; w++)
		rc = device_add(&conf->wqs[w]->dev);
	if (!rc)
		return 0;

	/* The failing device_add() was the last one counted; skip it */
	dev_err(&conf->dev, "cannot add configuration devices: %d\n", rc);
	if (w)
		w--;
	else if (e)
		e--;
	else
		g--;
	while (w--)
		device_del(&conf->wqs[w]->dev);
	while (e--)
		device_del(&conf->engines[e]->dev);
	while (g--)
		device_del(&conf->groups[g]->dev);
	return rc;
}

/**
 * idxd_ims_wq_probe() - create the dsa bus objects of a device
 * @idev: device, with capabilities read and interrupts set up
 *
 * Creates dsaN (or iaxN) with its groups, engines and work queues, all
 * disabled and unconfigured.
 *
 * Context: process context (PCI probe).
 * Return: 0 or a negative errno.
 */
int idxd_ims_wq_probe(struct idxd_ims_dev *idev)
{
	struct idxd_ims_conf *conf;
	int rc;

	conf = kzalloc(sizeof(*conf), GFP_KERNEL);
	if (!conf)
		return -ENOMEM;
	conf->idev = idev;
	conf->id = idev->id;
	mutex_init(&conf->lock);
	spin_lock_init(&conf->wq_dma_lock);
	device_initialize(&conf->dev);
	conf->dev.parent = &idev->pdev->dev;
	conf->dev.bus = &dsa_bus_type;
	conf->dev.type = &conf_device_type;
	rc = dev_set_name(&conf->dev, "%s%d",
			  idev->type == IDXD_IMS_TYPE_IAX ? "iax" : "dsa",
			  idev->id);
	if (rc)
		goto err_put_conf;

	rc = conf_alloc_children(conf);
	if (rc)
		goto err_put_children;

	rc = device_add(&conf->dev);
	if (rc)
		goto err_put_children;
	rc = conf_add_children(conf);
	if (rc)
		goto err_del_conf;

	idev->wq_priv = conf;
	return 0;

err_del_conf:
	device_del(&conf->dev);
err_put_children:
	conf_put_children(conf, false);
err_put_conf:
	put_device(&conf->dev);
	return rc;
}

/**
 * idxd_ims_wq_remove() - disable everything and remove the dsa bus objects
 * @idev: device
 *
 * Unbinding disables the work queues (freeing their completion vectors)
 * and then the device.
 *
 * Context: process context (PCI remove).
 */
void idxd_ims_wq_remove(struct idxd_ims_dev *idev)
{
	struct idxd_ims_conf *conf = idev->wq_priv;

	if (!conf)
		return;
	/* Stop the halt handler from finding us; wait for a running one */
	idev->wq_priv = NULL;
	synchronize_irq(idev->misc_irq);

	device_release_driver(&conf->dev);
	conf_put_children(conf, true);
	device_unregister(&conf->dev);
}
