#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Tear the driver down while kernel work queues are enabled: unbind the PCI
# function, bind it again, then unload the module, each time with two
# enabled work queues and their dmaengine channels. The dsa bus objects,
# channels and completion vectors must go away and come back unconfigured,
# and the kernel must stay free of splats and leaks (checked by the runner).

TEST=test_wq_teardown
. "$(dirname "$0")/lib.sh"

setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"

# enable_two_wqs: configure wq 0 and 1 with sysfs writes and enable them
enable_two_wqs() {
	bind_kernel_wqs 4 0 1
	[ "$(dma_channels | grep -c chan)" -eq 2 ] || fail "expected 2 channels"
	[ "$(cat "$(conf_dir)/ims_in_use")" -ge 0 ] || fail "ims_in_use unreadable"
}

enable_two_wqs
vectors=$(grep -c "idxd_ims-wq${CONF#???}\." /proc/interrupts)
[ "$vectors" -eq 2 ] || fail "expected 2 WQ completion vectors, found $vectors"

echo "$BDF" > /sys/bus/pci/drivers/$DRV/unbind || fail "PCI unbind failed"
[ -e "$(conf_dir)" ] && fail "$CONF still present after PCI unbind"
[ -z "$(dma_channels)" ] || fail "dmaengine channels left after PCI unbind"
grep -q "idxd_ims-wq" /proc/interrupts && fail "WQ vectors left after PCI unbind"

echo "$BDF" > /sys/bus/pci/drivers/$DRV/bind || fail "PCI bind failed"
CONF=$(conf_name) || fail "no dsa bus device after PCI bind"
[ "$(cat "$(conf_dir)/state")" = disabled ] || fail "$CONF not disabled after bind"
[ "$(cat "$(wq_dir 0)/size")" = 0 ] || fail "configuration survived PCI unbind"

enable_two_wqs
modprobe -r $DRV || fail "cannot unload $DRV with enabled work queues"
[ -d /sys/bus/dsa ] && fail "dsa bus left after unloading $DRV"
grep -q "idxd_ims-wq" /proc/interrupts && fail "WQ vectors left after unload"
modprobe $DRV || fail "cannot load $DRV again"
CONF=$(conf_name) || fail "no dsa bus device after reload"

pass "PCI unbind and module unload with 2 enabled work queues"
