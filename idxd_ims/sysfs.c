// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "dsa" bus of idxd_ims and the configuration ABI on it.
 *
 * Each device gets a dsaN (or iaxN) device on the bus with wqN.M, groupN.M
 * and engineN.M children carrying the attributes documented in
 * Documentation/ABI/stable/sysfs-driver-dma-idxd, so that accel-config
 * works unchanged. Binding dsaN to the "idxd" driver enables the device;
 * binding wqN.M to the "dmaengine" driver enables a kernel work queue and
 * its dmaengine channel; the "user" driver refuses every bind, saying why
 * (there are no user work queues). Writes are checked completely before anything
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

/* The dsaN device of a dsa bus object */
static struct idxd_ims_conf *dev_conf(struct device *dev)
{
	if (dev->type == &conf_device_type)
		return to_conf(dev);
	return to_conf(dev->parent);
}

/* The structure a dsa bus object's device is embedded in */
static void *dev_object(struct device *dev)
{
	if (dev->type == &wq_device_type)
		return to_wq(dev);
	if (dev->type == &group_device_type)
		return to_group(dev);
	if (dev->type == &engine_device_type)
		return to_engine(dev);
	return to_conf(dev);
}

static struct idxd_ims_caps *dev_caps(struct device *dev)
{
	return &dev_conf(dev)->idev->caps;
}

/*
 * cfg_refuse() - say why a write to attribute @name of @dev was refused.
 * Tools such as accel-config report only that a write failed, so the
 * reason goes to the log at the default level; rate limited, because
 * userspace can repeat the write at will.
 */
#define cfg_refuse(dev, name, fmt, ...)					\
	dev_warn_ratelimited(dev, "%s: write refused: " fmt, name,	\
			     ##__VA_ARGS__)

/*
 * Common check for writes to attribute @name; conf->lock must be held.
 */
static int conf_check_writable(struct idxd_ims_conf *conf, struct device *dev,
			       const char *name, bool need_device_disabled)
{
	lockdep_assert_held(&conf->lock);

	if (!conf->idev->caps.config_en) {
		cfg_refuse(dev, name, "the device's configuration is read-only\n");
		return -EINVAL;
	}
	if (need_device_disabled && conf->enabled) {
		cfg_refuse(dev, name, "disable %s first\n",
			   dev_name(&conf->dev));
		return -EBUSY;
	}
	return 0;
}

static int wq_check_writable(struct idxd_ims_wq *wq, const char *name,
			     bool need_device_disabled)
{
	int rc = conf_check_writable(wq->conf, &wq->dev, name,
				     need_device_disabled);

	if (rc)
		return rc;
	if (wq->enabled) {
		cfg_refuse(&wq->dev, name, "disable the work queue first\n");
		return -EBUSY;
	}
	if (wq->mdev) {
		cfg_refuse(&wq->dev, name,
			   "remove the virtual device using the work queue first\n");
		return -EBUSY;
	}
	return 0;
}

/* ---- configuration attributes, one mechanism for all objects ---- */

/**
 * enum cfg_kind - how a numeric configuration value is stored and written
 * @CFG_UINT: an unsigned int, written as a number
 * @CFG_U64: a u64, written as a number
 * @CFG_BOOL: a bool, written as kstrtobool() reads it ("0", "1", "y", ...)
 * @CFG_FLAG: a bool, written as a number (0..1, see &cfg_attribute.max)
 */
enum cfg_kind {
	CFG_UINT,
	CFG_U64,
	CFG_BOOL,
	CFG_FLAG,
};

/**
 * struct cfg_attribute - a writable configuration value of a dsa bus object
 * @attr: the sysfs attribute
 * @offset: offset of the value in its object: &struct idxd_ims_conf,
 *	&struct idxd_ims_wq, &struct idxd_ims_group or &struct idxd_ims_engine
 * @kind: how a number is stored and written
 * @need_device_disabled: writes need dsaN disabled, else -EBUSY. Writes to
 *	a work queue always need the work queue disabled and free of virtual
 *	devices
 * @min: smallest number accepted, when @max is set
 * @max: largest number accepted, 0 when only @check limits the number;
 *	for a string, the size of its char array
 * @check: the value's rules against the device's capabilities and the
 *	rest of the configuration; may round the value to what the device
 *	takes. NULL when @min and @max say all
 * @update: called once the value is stored, to adjust the values that
 *	depend on it; NULL when none do
 *
 * Three show/store pairs use it: cfg_show() and cfg_store() for numbers,
 * cfg_string_show() and cfg_string_store() for strings, group_id_show() and
 * group_id_store() for the group of a work queue or an engine. The last two
 * use only @offset, @need_device_disabled and, for strings, @max.
 *
 * A write is parsed first; a malformed value (or a string too long for its
 * array) fails with -EINVAL. Then,
 * under &idxd_ims_conf.lock, which protects every value behind these
 * attributes: the object must be writable (-EINVAL when the device's
 * configuration is read-only, -EBUSY in the wrong state), the value must
 * pass @min, @max and @check (-EINVAL), and only then is it stored, so a
 * refused write changes nothing. @check and @update run under the lock.
 */
struct cfg_attribute {
	struct device_attribute attr;
	size_t offset;
	enum cfg_kind kind;
	bool need_device_disabled;
	u64 min;
	u64 max;
	int (*check)(struct device *dev, u64 *val);
	void (*update)(struct device *dev);
};

/*
 * Define cfg_attr_<_var>: attribute _name of mode 0644 shown and stored by
 * _fn_show() and _fn_store(), for member _member of the object type _type.
 * The remaining arguments initialise the other fields.
 */
#define CFG_ATTR(_var, _name, _fn, _type, _member, ...)			\
	struct cfg_attribute cfg_attr_##_var = {			\
		.attr = __ATTR(_name, 0644, _fn##_show, _fn##_store),	\
		.offset = offsetof(_type, _member),			\
		__VA_ARGS__						\
	}

static const struct cfg_attribute *to_cfg_attr(struct device_attribute *attr)
{
	return container_of(attr, struct cfg_attribute, attr);
}

static void *cfg_value(struct device *dev, const struct cfg_attribute *ca)
{
	return dev_object(dev) + ca->offset;
}

/* Check that the object of @dev takes writes now; conf->lock must be held */
static int cfg_check_writable(struct device *dev,
			      const struct cfg_attribute *ca)
{
	const char *name = ca->attr.attr.name;

	if (dev->type == &wq_device_type)
		return wq_check_writable(to_wq(dev), name,
					 ca->need_device_disabled);
	return conf_check_writable(dev_conf(dev), dev, name,
				   ca->need_device_disabled);
}

static ssize_t cfg_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	const struct cfg_attribute *ca = to_cfg_attr(attr);
	struct idxd_ims_conf *conf = dev_conf(dev);
	const void *p = cfg_value(dev, ca);
	u64 val;

	mutex_lock(&conf->lock);
	switch (ca->kind) {
	case CFG_UINT:
		val = *(const unsigned int *)p;
		break;
	case CFG_U64:
		val = *(const u64 *)p;
		break;
	default:
		val = *(const bool *)p;
		break;
	}
	mutex_unlock(&conf->lock);
	return sysfs_emit(buf, "%llu\n", val);
}

static int cfg_parse(struct device *dev, const struct cfg_attribute *ca,
		     const char *buf, u64 *val)
{
	unsigned int num;
	bool flag;
	int rc;

	switch (ca->kind) {
	case CFG_BOOL:
		if (kstrtobool(buf, &flag)) {
			cfg_refuse(dev, ca->attr.attr.name, "must be 0 or 1\n");
			return -EINVAL;
		}
		*val = flag;
		return 0;
	case CFG_U64:
		rc = kstrtou64(buf, 0, val);
		break;
	default:
		rc = kstrtouint(buf, 0, &num);
		*val = num;
		break;
	}
	if (rc) {
		cfg_refuse(dev, ca->attr.attr.name, "not a number\n");
		return -EINVAL;
	}
	return 0;
}

static ssize_t cfg_store(struct device *dev, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	const struct cfg_attribute *ca = to_cfg_attr(attr);
	struct idxd_ims_conf *conf = dev_conf(dev);
	void *p = cfg_value(dev, ca);
	u64 val;
	int rc;

	rc = cfg_parse(dev, ca, buf, &val);
	if (rc)
		return rc;

	mutex_lock(&conf->lock);
	rc = cfg_check_writable(dev, ca);
	if (rc)
		goto out_unlock;
	if (ca->max && (val < ca->min || val > ca->max)) {
		cfg_refuse(dev, ca->attr.attr.name, "%llu is not %llu..%llu\n",
			   val, ca->min, ca->max);
		rc = -EINVAL;
		goto out_unlock;
	}
	if (ca->check) {
		rc = ca->check(dev, &val);
		if (rc)
			goto out_unlock;
	}
	switch (ca->kind) {
	case CFG_UINT:
		*(unsigned int *)p = val;
		break;
	case CFG_U64:
		*(u64 *)p = val;
		break;
	default:
		*(bool *)p = val;
		break;
	}
	if (ca->update)
		ca->update(dev);
out_unlock:
	mutex_unlock(&conf->lock);
	return rc ? rc : count;
}

static ssize_t cfg_string_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	const struct cfg_attribute *ca = to_cfg_attr(attr);
	struct idxd_ims_conf *conf = dev_conf(dev);
	ssize_t len;

	mutex_lock(&conf->lock);
	len = sysfs_emit(buf, "%s\n", (const char *)cfg_value(dev, ca));
	mutex_unlock(&conf->lock);
	return len;
}

/*
 * Store a string without its trailing newline. A lone newline clears the
 * value (as upstream allows); strings longer than the value holds are
 * refused.
 */
static ssize_t cfg_string_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	const struct cfg_attribute *ca = to_cfg_attr(attr);
	struct idxd_ims_conf *conf = dev_conf(dev);
	size_t len = count;
	int rc;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= ca->max) {
		cfg_refuse(dev, ca->attr.attr.name,
			   "longer than %llu characters\n", ca->max - 1);
		return -EINVAL;
	}

	mutex_lock(&conf->lock);
	rc = cfg_check_writable(dev, ca);
	if (!rc) {
		char *p = cfg_value(dev, ca);

		memcpy(p, buf, len);
		p[len] = '\0';
	}
	mutex_unlock(&conf->lock);
	return rc ? rc : count;
}

/* group_id of a work queue or an engine: the id of its group, -1 for none */
static ssize_t group_id_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	const struct cfg_attribute *ca = to_cfg_attr(attr);
	struct idxd_ims_conf *conf = dev_conf(dev);
	struct idxd_ims_group *group;
	int id;

	mutex_lock(&conf->lock);
	group = *(struct idxd_ims_group **)cfg_value(dev, ca);
	id = group ? group->id : -1;
	mutex_unlock(&conf->lock);
	return sysfs_emit(buf, "%d\n", id);
}

static ssize_t group_id_store(struct device *dev,
			      struct device_attribute *attr,
			      const char *buf, size_t count)
{
	const struct cfg_attribute *ca = to_cfg_attr(attr);
	struct idxd_ims_conf *conf = dev_conf(dev);
	int id, rc;

	if (kstrtoint(buf, 0, &id)) {
		cfg_refuse(dev, "group_id", "not a number\n");
		return -EINVAL;
	}

	mutex_lock(&conf->lock);
	rc = cfg_check_writable(dev, ca);
	if (rc)
		goto out_unlock;
	if (id < -1 || id >= (int)conf->num_groups) {
		cfg_refuse(dev, "group_id", "%d is not -1..%u\n", id,
			   conf->num_groups - 1);
		rc = -EINVAL;
		goto out_unlock;
	}
	/*
	 * A work queue of an enabled device is enabled on its own later (or
	 * taken by a virtual device): its group must have an engine by
	 * then, and engines do not move while the device is enabled.
	 */
	if (dev->type == &wq_device_type && conf->enabled && id >= 0 &&
	    !idxd_ims_group_has_engine(conf->groups[id])) {
		cfg_refuse(dev, "group_id", "%s has no engine and %s is enabled\n",
			   dev_name(&conf->groups[id]->dev),
			   dev_name(&conf->dev));
		rc = -EINVAL;
		goto out_unlock;
	}
	*(struct idxd_ims_group **)cfg_value(dev, ca) =
		id < 0 ? NULL : conf->groups[id];
out_unlock:
	mutex_unlock(&conf->lock);
	return rc ? rc : count;
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
	return sysfs_emit(buf, "%u\n", to_conf(dev)->idev->caps.max_batch_size);
}
static DEVICE_ATTR_RO(max_batch_size);

static ssize_t max_transfer_size_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_conf(dev)->idev->caps.max_xfer_bytes);
}
static DEVICE_ATTR_RO(max_transfer_size);

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

static int conf_rdbuf_limit_check(struct device *dev, u64 *val)
{
	struct idxd_ims_caps *caps = dev_caps(dev);

	if (!(caps->grpcap & IDXD_GRPCAP_RDBUF_LIMIT) && *val) {
		cfg_refuse(dev, "read_buffer_limit", "the device has no read buffer limit\n");
		return -EINVAL;
	}
	if (*val > caps->max_rdbufs) {
		cfg_refuse(dev, "read_buffer_limit", "%llu exceeds %u\n",
			   *val, caps->max_rdbufs);
		return -EINVAL;
	}
	return 0;
}

static CFG_ATTR(read_buffer_limit, read_buffer_limit, cfg,
		struct idxd_ims_conf, rdbuf_limit, .kind = CFG_UINT,
		.need_device_disabled = true, .check = conf_rdbuf_limit_check);
/* Deprecated name kept by upstream and still used by accel-config */
static CFG_ATTR(token_limit, token_limit, cfg, struct idxd_ims_conf,
		rdbuf_limit, .kind = CFG_UINT, .need_device_disabled = true,
		.check = conf_rdbuf_limit_check);

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
	&dev_attr_max_batch_size.attr,
	&dev_attr_max_transfer_size.attr,
	&dev_attr_op_cap.attr,
	&dev_attr_gen_cap.attr,
	&dev_attr_configurable.attr,
	&dev_attr_dev_clients.attr,
	&dev_attr_pasid_enabled.attr,
	&dev_attr_dev_state.attr,
	&dev_attr_errors.attr,
	&dev_attr_max_tokens.attr,
	&dev_attr_max_read_buffers.attr,
	&cfg_attr_token_limit.attr.attr,
	&cfg_attr_read_buffer_limit.attr.attr,
	&dev_attr_cdev_major.attr,
	&dev_attr_cmd_status.attr,
	&dev_attr_ims_size.attr,
	&dev_attr_ims_in_use.attr,
	&dev_attr_completion_irqs.attr,
	NULL,
};
ATTRIBUTE_GROUPS(conf);

/* ---- wqN.M attributes ---- */

static CFG_ATTR(wq_group_id, group_id, group_id, struct idxd_ims_wq, group);

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
		cfg_refuse(dev, "mode",
			   "shared work queues need ENQCMDS and PASIDs; not supported\n");
		return -EINVAL;
	}
	if (!sysfs_streq(buf, "dedicated")) {
		cfg_refuse(dev, "mode", "must be \"dedicated\" or \"shared\"\n");
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, "mode", false);
	if (!rc)
		wq->dedicated = true;
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(mode);

/* The work queues share the device's entries; the threshold must fit */
static int wq_size_check(struct device *dev, u64 *val)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	struct idxd_ims_conf *conf = wq->conf;
	unsigned int max = conf->idev->caps.max_wq_size;
	unsigned int total = 0, i;

	for (i = 0; i < conf->num_wqs; i++)
		if (conf->wqs[i] != wq)
			total += conf->wqs[i]->size;
	if (*val > max - total) {
		cfg_refuse(dev, "size", "%llu: other work queues use %u of %u entries\n",
			   *val, total, max);
		return -EINVAL;
	}
	if (wq->threshold > *val) {
		cfg_refuse(dev, "size", "%llu is below the threshold %u\n",
			   *val, wq->threshold);
		return -EINVAL;
	}
	return 0;
}

static CFG_ATTR(wq_size, size, cfg, struct idxd_ims_wq, size,
		.kind = CFG_UINT, .need_device_disabled = true,
		.check = wq_size_check);
static CFG_ATTR(wq_priority, priority, cfg, struct idxd_ims_wq, priority,
		.kind = CFG_UINT, .min = 1, .max = IDXD_WQ_PRIORITY_MAX);

/* Block on fault needs the capability and page requests (prs_disable=0) */
static int wq_block_on_fault_check(struct device *dev, u64 *val)
{
	if (!*val)
		return 0;
	if (!(dev_caps(dev)->gencap & IDXD_GENCAP_BLOCK_ON_FAULT)) {
		cfg_refuse(dev, "block_on_fault", "the device does not support block on fault\n");
		return -EINVAL;
	}
	if (to_wq(dev)->prs_disable) {
		cfg_refuse(dev, "block_on_fault", "needs page requests (prs_disable=0)\n");
		return -EINVAL;
	}
	return 0;
}

static CFG_ATTR(wq_block_on_fault, block_on_fault, cfg, struct idxd_ims_wq,
		block_on_fault, .kind = CFG_BOOL,
		.check = wq_block_on_fault_check);

static int wq_threshold_check(struct device *dev, u64 *val)
{
	struct idxd_ims_wq *wq = to_wq(dev);

	if (wq->dedicated) {
		cfg_refuse(dev, "threshold", "applies to shared work queues only\n");
		return -EINVAL;
	}
	if (!*val || *val > wq->size) {
		cfg_refuse(dev, "threshold", "must be 1..size (%u)\n",
			   wq->size);
		return -EINVAL;
	}
	return 0;
}

static CFG_ATTR(wq_threshold, threshold, cfg, struct idxd_ims_wq, threshold,
		.kind = CFG_UINT, .check = wq_threshold_check);

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
		cfg_refuse(dev, "type", "must be none, kernel, user or mdev\n");
		return -EINVAL;
	}
	if (type == IDXD_WQT_MDEV && !idxd_ims_offers_vdevs(wq->conf->idev)) {
		cfg_refuse(dev, "type",
			   "mdev: this device backs no virtual devices (only a DSA does, with vfio-mdev)\n");
		return -EINVAL;
	}
	mutex_lock(&wq->conf->lock);
	rc = wq_check_writable(wq, "type", false);
	if (!rc)
		wq->type = type;
	mutex_unlock(&wq->conf->lock);
	return rc ? rc : count;
}
static DEVICE_ATTR_RW(type);

static CFG_ATTR(wq_name, name, cfg_string, struct idxd_ims_wq, name,
		.max = sizeof_field(struct idxd_ims_wq, name));
static CFG_ATTR(wq_driver_name, driver_name, cfg_string, struct idxd_ims_wq,
		driver_name,
		.max = sizeof_field(struct idxd_ims_wq, driver_name));

/* No character devices: user work queues are not offered */
static ssize_t cdev_minor_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "-1\n");
}
static DEVICE_ATTR_RO(cdev_minor);

/* Up to the device's maximum, rounded up to a power of two */
static int wq_max_transfer_size_check(struct device *dev, u64 *val)
{
	u64 max = dev_caps(dev)->max_xfer_bytes;

	if (!*val || *val > max) {
		cfg_refuse(dev, "max_transfer_size", "must be 1..%llu\n", max);
		return -EINVAL;
	}
	*val = roundup_pow_of_two(*val);
	return 0;
}

static CFG_ATTR(wq_max_transfer_size, max_transfer_size, cfg,
		struct idxd_ims_wq, max_xfer_bytes, .kind = CFG_U64,
		.check = wq_max_transfer_size_check);

/* Up to the device's maximum, rounded up to a power of two */
static int wq_max_batch_size_check(struct device *dev, u64 *val)
{
	u32 max = dev_caps(dev)->max_batch_size;

	if (!*val || *val > max) {
		cfg_refuse(dev, "max_batch_size", "must be 1..%u\n", max);
		return -EINVAL;
	}
	*val = roundup_pow_of_two(*val);
	return 0;
}

static CFG_ATTR(wq_max_batch_size, max_batch_size, cfg, struct idxd_ims_wq,
		max_batch_size, .kind = CFG_UINT,
		.check = wq_max_batch_size_check);

static int wq_ats_disable_check(struct device *dev, u64 *val)
{
	if (*val && !(dev_caps(dev)->wqcap & IDXD_WQCAP_ATS)) {
		cfg_refuse(dev, "ats_disable", "the device cannot disable ATS per work queue\n");
		return -EINVAL;
	}
	return 0;
}

static CFG_ATTR(wq_ats_disable, ats_disable, cfg, struct idxd_ims_wq,
		ats_disable, .kind = CFG_BOOL, .check = wq_ats_disable_check);

static int wq_prs_disable_check(struct device *dev, u64 *val)
{
	if (*val && !(dev_caps(dev)->wqcap & IDXD_WQCAP_PRS)) {
		cfg_refuse(dev, "prs_disable", "the device cannot disable PRS per work queue\n");
		return -EINVAL;
	}
	return 0;
}

/* Block on fault relies on page requests */
static void wq_prs_disable_update(struct device *dev)
{
	struct idxd_ims_wq *wq = to_wq(dev);

	if (wq->prs_disable)
		wq->block_on_fault = false;
}

static CFG_ATTR(wq_prs_disable, prs_disable, cfg, struct idxd_ims_wq,
		prs_disable, .kind = CFG_BOOL, .check = wq_prs_disable_check,
		.update = wq_prs_disable_update);

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
	&cfg_attr_wq_group_id.attr.attr,
	&dev_attr_mode.attr,
	&cfg_attr_wq_size.attr.attr,
	&cfg_attr_wq_priority.attr.attr,
	&cfg_attr_wq_block_on_fault.attr.attr,
	&cfg_attr_wq_threshold.attr.attr,
	&dev_attr_type.attr,
	&cfg_attr_wq_name.attr.attr,
	&cfg_attr_wq_driver_name.attr.attr,
	&dev_attr_cdev_minor.attr,
	&cfg_attr_wq_max_transfer_size.attr.attr,
	&cfg_attr_wq_max_batch_size.attr.attr,
	&cfg_attr_wq_ats_disable.attr.attr,
	&cfg_attr_wq_prs_disable.attr.attr,
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
	if (attr == &cfg_attr_wq_max_batch_size.attr.attr &&
	    !caps->max_batch_size)
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

/* Read buffer counts change only with GRPCAP read buffer control */
static int group_rdbufs_check(struct device *dev, const char *name,
			      unsigned int old, u64 val)
{
	struct idxd_ims_caps *caps = dev_caps(dev);

	if (!(caps->grpcap & IDXD_GRPCAP_RDBUF_CTRL) && val != old) {
		cfg_refuse(dev, name, "the device has no read buffer control\n");
		return -EINVAL;
	}
	if (val > caps->max_rdbufs) {
		cfg_refuse(dev, name, "%llu read buffers exceed %u\n", val,
			   caps->max_rdbufs);
		return -EINVAL;
	}
	return 0;
}

static int group_rdbufs_reserved_check(struct device *dev, u64 *val)
{
	struct idxd_ims_group *group = to_group(dev);
	int rc = group_rdbufs_check(dev, "read_buffers_reserved",
				    group->rdbufs_reserved, *val);

	if (!rc && *val > group->rdbufs_allowed) {
		cfg_refuse(dev, "read_buffers_reserved", "above the %u allowed\n",
			   group->rdbufs_allowed);
		rc = -EINVAL;
	}
	return rc;
}

static int group_rdbufs_allowed_check(struct device *dev, u64 *val)
{
	struct idxd_ims_group *group = to_group(dev);
	int rc = group_rdbufs_check(dev, "read_buffers_allowed",
				    group->rdbufs_allowed, *val);

	if (!rc && *val < group->rdbufs_reserved) {
		cfg_refuse(dev, "read_buffers_allowed", "below the %u reserved\n",
			   group->rdbufs_reserved);
		rc = -EINVAL;
	}
	return rc;
}

static int group_use_rdbuf_limit_check(struct device *dev, u64 *val)
{
	if (*val && !dev_conf(dev)->rdbuf_limit) {
		cfg_refuse(dev, "use_read_buffer_limit",
			   "set the device's read_buffer_limit first\n");
		return -EINVAL;
	}
	return 0;
}

static CFG_ATTR(group_rdbufs_reserved, read_buffers_reserved, cfg,
		struct idxd_ims_group, rdbufs_reserved, .kind = CFG_UINT,
		.need_device_disabled = true,
		.check = group_rdbufs_reserved_check);
static CFG_ATTR(group_rdbufs_allowed, read_buffers_allowed, cfg,
		struct idxd_ims_group, rdbufs_allowed, .kind = CFG_UINT,
		.need_device_disabled = true,
		.check = group_rdbufs_allowed_check);
static CFG_ATTR(group_use_rdbuf_limit, use_read_buffer_limit, cfg,
		struct idxd_ims_group, use_rdbuf_limit, .kind = CFG_FLAG,
		.need_device_disabled = true, .max = 1,
		.check = group_use_rdbuf_limit_check);
static CFG_ATTR(group_tc_a, traffic_class_a, cfg, struct idxd_ims_group, tc_a,
		.kind = CFG_UINT, .need_device_disabled = true,
		.max = IDXD_TRAFFIC_CLASS_MAX);
static CFG_ATTR(group_tc_b, traffic_class_b, cfg, struct idxd_ims_group, tc_b,
		.kind = CFG_UINT, .need_device_disabled = true,
		.max = IDXD_TRAFFIC_CLASS_MAX);
/* Deprecated names kept by upstream and still used by accel-config */
static CFG_ATTR(group_tokens_reserved, tokens_reserved, cfg,
		struct idxd_ims_group, rdbufs_reserved, .kind = CFG_UINT,
		.need_device_disabled = true,
		.check = group_rdbufs_reserved_check);
static CFG_ATTR(group_tokens_allowed, tokens_allowed, cfg,
		struct idxd_ims_group, rdbufs_allowed, .kind = CFG_UINT,
		.need_device_disabled = true,
		.check = group_rdbufs_allowed_check);
static CFG_ATTR(group_use_token_limit, use_token_limit, cfg,
		struct idxd_ims_group, use_rdbuf_limit, .kind = CFG_FLAG,
		.need_device_disabled = true, .max = 1,
		.check = group_use_rdbuf_limit_check);

static struct attribute *group_attrs[] = {
	&dev_attr_engines.attr,
	&dev_attr_work_queues.attr,
	&cfg_attr_group_rdbufs_reserved.attr.attr,
	&cfg_attr_group_rdbufs_allowed.attr.attr,
	&cfg_attr_group_use_rdbuf_limit.attr.attr,
	&cfg_attr_group_tokens_reserved.attr.attr,
	&cfg_attr_group_tokens_allowed.attr.attr,
	&cfg_attr_group_use_token_limit.attr.attr,
	&cfg_attr_group_tc_a.attr.attr,
	&cfg_attr_group_tc_b.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(group);

/* ---- engineN.M attributes ---- */

static CFG_ATTR(engine_group_id, group_id, group_id, struct idxd_ims_engine,
		group, .need_device_disabled = true);

static struct attribute *engine_attrs[] = {
	&cfg_attr_engine_group_id.attr.attr,
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

/* A child's release drops the reference to dsaN of conf_init_child() */
static void wq_release(struct device *dev)
{
	struct idxd_ims_wq *wq = to_wq(dev);
	struct idxd_ims_conf *conf = wq->conf;

	kfree(wq);
	put_device(&conf->dev);
}

static void group_release(struct device *dev)
{
	struct idxd_ims_group *group = to_group(dev);
	struct idxd_ims_conf *conf = group->conf;

	kfree(group);
	put_device(&conf->dev);
}

static void engine_release(struct device *dev)
{
	struct idxd_ims_engine *engine = to_engine(dev);
	struct idxd_ims_conf *conf = engine->conf;

	kfree(engine);
	put_device(&conf->dev);
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
 * @remove: disable it (none for a driver that binds nothing)
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
	if (!match)
		dev_warn_ratelimited(dev, "not bound to driver %s: driver_name is \"%s\"\n",
				     drv->name, wq->driver_name);
	mutex_unlock(&wq->conf->lock);
	return match;
}

static int dsa_bus_probe(struct device *dev)
{
	return to_bus_driver(dev->driver)->probe(dev);
}

static void dsa_bus_remove(struct device *dev)
{
	const struct idxd_ims_bus_driver *bdrv = to_bus_driver(dev->driver);

	if (bdrv->remove)
		bdrv->remove(dev);
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

	/*
	 * Work queues go first; their removal takes conf->lock itself. None
	 * may be bound again meanwhile: the device disable that follows
	 * takes their dmaengine device away.
	 */
	idxd_ims_device_disabling(conf);
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

static int user_drv_probe(struct device *dev)
{
	return idxd_ims_wq_refuse_user(to_wq(dev));
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

/* binds nothing: see idxd_ims_wq_refuse_user() */
static struct idxd_ims_bus_driver user_wq_drv = {
	.drv = {
		.name = IDXD_DRV_NAME_USER,
		.bus = &dsa_bus_type,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.type = &wq_device_type,
	.probe = user_drv_probe,
};

/*
 * accel-config refuses to run unless /sys/module/idxd exists, that is
 * unless the upstream driver is loaded. While this driver owns the dsa bus
 * it provides that directory (empty) so the tool works unchanged; loading
 * the upstream idxd module meanwhile fails cleanly ("already loaded").
 */
static struct kobject *accel_config_marker;

static int accel_config_marker_add(void)
{
	accel_config_marker = kobject_create_and_add("idxd",
						     THIS_MODULE->mkobj.kobj.parent);
	if (!accel_config_marker) {
		pr_err(IDXD_IMS_DRV_NAME ": cannot create /sys/module/idxd, which accel-config needs\n");
		return -ENOMEM;
	}
	return 0;
}

/**
 * idxd_ims_bus_init() - register the dsa bus and its drivers, and set up
 *	the dmaengine provider
 *
 * Return: 0 or a negative errno; on failure nothing stays registered.
 */
int idxd_ims_bus_init(void)
{
	int rc;

	rc = idxd_ims_dma_init();
	if (rc)
		return rc;
	rc = bus_register(&dsa_bus_type);
	if (rc) {
		pr_err(IDXD_IMS_DRV_NAME ": cannot register bus \"dsa\": %d\n",
		       rc);
		goto err_dma;
	}
	rc = driver_register(&idxd_device_drv.drv);
	if (rc)
		goto err_bus;
	rc = driver_register(&dmaengine_wq_drv.drv);
	if (rc)
		goto err_device_driver;
	rc = driver_register(&user_wq_drv.drv);
	if (rc)
		goto err_dmaengine_driver;
	rc = accel_config_marker_add();
	if (rc)
		goto err_user_driver;
	return 0;

err_user_driver:
	driver_unregister(&user_wq_drv.drv);
err_dmaengine_driver:
	driver_unregister(&dmaengine_wq_drv.drv);
err_device_driver:
	driver_unregister(&idxd_device_drv.drv);
err_bus:
	bus_unregister(&dsa_bus_type);
err_dma:
	idxd_ims_dma_exit();
	return rc;
}

/**
 * idxd_ims_bus_exit() - unregister the dsa bus and its drivers, and let
 *	the dmaengine provider finish
 */
void idxd_ims_bus_exit(void)
{
	kobject_put(accel_config_marker);
	accel_config_marker = NULL;
	driver_unregister(&user_wq_drv.drv);
	driver_unregister(&dmaengine_wq_drv.drv);
	driver_unregister(&idxd_device_drv.drv);
	bus_unregister(&dsa_bus_type);
	idxd_ims_dma_exit();
}

/* ---- per-device objects ---- */

/*
 * A child holds a reference to dsaN until it is released, not only while
 * it is registered: a write to a dsa bus driver's "bind" finds the child
 * and holds it (bus_find_device_by_name()), and dsa_bus_match() then takes
 * the configuration lock in dsaN, which the removal of the PCI function
 * may have unregistered meanwhile.
 */
static void conf_init_child(struct idxd_ims_conf *conf, struct device *dev,
			    const struct device_type *type)
{
	device_initialize(dev);
	dev->parent = get_device(&conf->dev);
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

	mutex_lock(&conf->lock);
	conf->adding = true;
	mutex_unlock(&conf->lock);
	rc = device_add(&conf->dev);
	if (rc)
		goto err_put_children;
	rc = conf_add_children(conf);
	if (rc)
		goto err_del_conf;
	mutex_lock(&conf->lock);
	conf->adding = false;
	mutex_unlock(&conf->lock);

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

	/* Nothing binds the device again while its objects go away */
	mutex_lock(&conf->lock);
	conf->removing = true;
	mutex_unlock(&conf->lock);
	device_release_driver(&conf->dev);
	conf_put_children(conf, true);
	device_unregister(&conf->dev);
}
