#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Invalid and wrong-state writes to the dsa bus configuration ABI must fail
# with the documented error (EINVAL, EBUSY or ENXIO), leave the attribute
# unchanged and say in the kernel log, at the default level, what was
# refused; binds that cannot work must be refused, say why and leave
# everything disabled. A work queue of an enabled device cannot move to a
# group without an engine, where its descriptors would never run.

TEST=test_sysfs_bad_input
. "$(dirname "$0")/lib.sh"

setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
at_exit sysfs_reset_config

C=$(conf_dir)
W=$(wq_dir 0)
E=$(engine_dir 0)
G=$(group_dir 0)
checked=0

# refuse ERRNO_TEXT FILE VALUE: writing VALUE to FILE must fail with the
# error whose strerror() text is ERRNO_TEXT, and FILE must not change. The
# kernel log must say what was refused: "<attribute>: write refused:
# <why>" for an attribute, "enable refused: <why>" or "not bound to driver
# ..." for a bind. A permission error, and a bind of an object already
# bound, are refused before the driver sees them.
refuse() {
	before=$(cat "$2" 2> /dev/null)
	mark=$(log_mark)
	err=$( (echo "$3" > "$2") 2>&1) &&
		fail "writing '$3' to ${2#"$C"/} succeeded"
	echo "$err" | grep -q "$1\$" ||
		fail "writing '$3' to ${2#"$C"/}: expected '$1', got '$err'"
	after=$(cat "$2" 2> /dev/null)
	[ "$before" = "$after" ] ||
		fail "${2#"$C"/} changed from '$before' to '$after' on a refused write"
	case "$1:$2" in
	"$EACCES":* | "$EBUSY":*/bind) said= ;;
	*:*/bind) said="enable refused: |not bound to driver " ;;
	*) said="$(basename "$2"): write refused: " ;;
	esac
	[ -z "$said" ] ||
		dmesg | tail -n +$((mark + 1)) | grep -Eq "$said" ||
		fail "writing '$3' to ${2#"$C"/}: no kernel message '$said'"
	checked=$((checked + 1))
}

EACCES="Permission denied"
EINVAL="Invalid argument"
EBUSY="Device or resource busy"
ENODEV="No such device"
ENXIO="No such device or address"

max_size=$(cat "$C/max_work_queues_size")
max_groups=$(cat "$C/max_groups")
max_xfer=$(cat "$C/max_transfer_size")
max_rdbufs=$(cat "$C/max_read_buffers")
long=$(printf '%080d' 0)

# values out of range or malformed
refuse "$EINVAL" "$W/size" $((max_size + 1))
refuse "$EINVAL" "$W/size" -1
refuse "$EINVAL" "$W/size" twelve
refuse "$EINVAL" "$W/priority" 0
refuse "$EINVAL" "$W/priority" 16
refuse "$EINVAL" "$W/mode" bogus
refuse "$EINVAL" "$W/mode" shared
refuse "$EINVAL" "$W/type" bogus
refuse "$EINVAL" "$W/group_id" "$max_groups"
refuse "$EINVAL" "$W/group_id" -2
refuse "$EINVAL" "$W/group_id" x
refuse "$EINVAL" "$W/name" "$long"
refuse "$EINVAL" "$W/driver_name" "$long"
refuse "$EINVAL" "$W/threshold" 4
refuse "$EINVAL" "$W/max_transfer_size" 0
refuse "$EINVAL" "$W/max_transfer_size" $((max_xfer * 2))
refuse "$EINVAL" "$W/block_on_fault" maybe
refuse "$EINVAL" "$E/group_id" "$max_groups"
refuse "$EINVAL" "$G/traffic_class_a" 8
refuse "$EINVAL" "$G/read_buffers_allowed" $((max_rdbufs + 1))
refuse "$EINVAL" "$G/read_buffers_reserved" $((max_rdbufs + 1))
refuse "$EINVAL" "$C/read_buffer_limit" $((max_rdbufs + 1))

# the sum of all work queue sizes is bounded
echo "$max_size" > "$(wq_dir 1)/size" || fail "cannot give wq 1 all entries"
refuse "$EINVAL" "$W/size" 1
echo 0 > "$(wq_dir 1)/size" || fail "cannot reset wq 1 size"

# binds that cannot work: nothing configured, device disabled, wrong driver
refuse "$ENXIO" /sys/bus/dsa/drivers/idxd/bind "$CONF"
sysfs_setup_kernel_wq 0 8 || fail "cannot configure wq 0 through sysfs"
refuse "$ENXIO" /sys/bus/dsa/drivers/dmaengine/bind "$(basename "$W")"
echo user > "$W/driver_name" || fail "cannot set driver_name"
echo "$CONF" > /sys/bus/dsa/drivers/idxd/bind || fail "cannot enable $CONF"
refuse "$ENODEV" /sys/bus/dsa/drivers/dmaengine/bind "$(basename "$W")"
[ "$(cat "$W/state")" = disabled ] || fail "wq enabled despite driver_name user"
echo dmaengine > "$W/driver_name" || fail "cannot set driver_name"

# wrong state: device enabled
refuse "$EBUSY" "$W/size" 4
# group 1 has no engine, and engines cannot move while the device is enabled
refuse "$EINVAL" "$(wq_dir 1)/group_id" 1
refuse "$EBUSY" "$E/group_id" 1
refuse "$EBUSY" "$G/traffic_class_b" 2
refuse "$EBUSY" "$C/read_buffer_limit" 0

# wrong state: work queue enabled
basename "$W" > /sys/bus/dsa/drivers/dmaengine/bind ||
	fail "cannot enable $(basename "$W")"
refuse "$EBUSY" "$W/priority" 3
refuse "$EBUSY" "$W/name" other
refuse "$EBUSY" "$W/group_id" 1
refuse "$EBUSY" "$W/type" user
refuse "$EBUSY" /sys/bus/dsa/drivers/idxd/bind "$CONF"

# read-only attributes cannot even be opened for writing
for a in version max_groups state ims_size ims_in_use completion_irqs; do
	refuse "$EACCES" "$C/$a" 1
done
for a in state irq_vector irq_kind int_handle; do
	refuse "$EACCES" "$W/$a" 1
done

pass "$checked refused writes left the configuration unchanged"
