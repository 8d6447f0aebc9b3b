#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault injection into every step that brings a device up: module load,
# probe (bind through sysfs), enable-device and enable-wq (binds on the dsa
# bus), creation of a virtual device (mdev create), its open and the
# VFIO_DEVICE_SET_IRQS that attaches its eventfds. Each step is made with
# its 1st, 2nd, ... fault site failing, through the fail-nth of the task
# making the call (fail_nth, mdev_guest -F), until an attempt that reaches
# none of its sites; with failslab, and fail_page_alloc where the kernel
# has it. An attempt failed by its injected fault must fail with an errno
# and leave the state (sysfs, the debugfs vector table, interrupts) as it
# was; one that succeeded all the same (a fallback absorbed the fault)
# must have done the step, leave what a clean attempt leaves but for the
# documented fallbacks, and be undone; the one that reached no site must
# succeed. No kernel report of a problem, no kmemleak report at the end.
# Prints the fault sites of each step.
TEST=test_fault_injection
. "$(dirname "$0")/lib.sh"

FAIL_NTH=$(dirname "$0")/fail_nth
FAILSLAB=$DBGFS/failslab
FAILPAGE=$DBGFS/fail_page_alloc

setup_device
require_ims
require_mdev
[ -x "$FAIL_NTH" ] || skip "fail_nth is not built"
[ -w /proc/self/fail-nth ] ||
	skip "no /proc/self/fail-nth: kernel without CONFIG_FAULT_INJECTION"
[ -d $FAILSLAB ] ||
	skip "no $FAILSLAB: kernel without CONFIG_FAILSLAB or CONFIG_FAULT_INJECTION_DEBUG_FS"
[ "$(cat $FAILSLAB/probability)" = 0 ] ||
	skip "failslab already injects faults at random (probability $(cat $FAILSLAB/probability))"
KO=/lib/modules/$(uname -r)/$(sed -n "s|^\(.*/$DRV\.ko\):.*|\1|p" \
	"/lib/modules/$(uname -r)/modules.dep")
[ -f "$KO" ] || fail "cannot find $DRV.ko in modules.dep"

PDEV=/sys/bus/pci/devices/$BDF
PDRV=/sys/bus/pci/drivers/$DRV
UUID=$(mdev_new_uuid)
# the kernel work queue and the one that backs the virtual device
KWQ=0
MWQ=1

# --- fault injection settings ---

# fi_set FILE VALUE: set a fault injection attribute, restored at exit
fi_saved=
fi_set() {
	fi_saved="$fi_saved $1=$(cat "$1")"
	echo "$2" > "$1" || fail "cannot set $1 to $2"
}

# shellcheck disable=SC2317 # called through at_exit
fi_restore() {
	for _s in $fi_saved; do
		echo "${_s#*=}" > "${_s%%=*}"
	done
}

# The probability stays 0, so no task but the one with fail-nth set sees
# an injected fault. Sleeping allocations are not ignored (nearly all of
# the driver's are GFP_KERNEL); verbose 0: the default stack dump of each
# injected fault would read as a kernel problem. fail_page_alloc, when the
# kernel has it, also fails order-0 pages (min-order 0), not user pages
# (ignore-gfp-highmem).
at_exit fi_restore
fi_set $FAILSLAB/ignore-gfp-wait N
fi_set $FAILSLAB/verbose 0
# With the kmalloc caches flagged for failslab (the test VM boots with
# slab_debug=A,kmalloc-*), only their allocations fail: every slab
# allocation of the driver is a kmalloc family one, and kmemleak's own
# bookkeeping (an allocation for each one tracked, absorbed when it fails:
# half the sites, each a whole step and its undo) stays out. IDXD_IMS_FAULTS=all
# sweeps every slab cache.
if [ "${IDXD_IMS_FAULTS:-}" != all ] &&
   [ "$(cat /sys/kernel/slab/kmalloc-64/failslab 2> /dev/null)" = 1 ]; then
	fi_set $FAILSLAB/cache-filter Y
	log "fault sites: the kmalloc caches (failslab's cache filter)"
else
	fi_set $FAILSLAB/cache-filter N
	log "fault sites: every slab cache"
fi
if [ -d $FAILPAGE ]; then
	fi_set $FAILPAGE/ignore-gfp-wait N
	fi_set $FAILPAGE/ignore-gfp-highmem Y
	fi_set $FAILPAGE/min-order 0
	fi_set $FAILPAGE/verbose 0
	log "fault sites: page allocations too (fail_page_alloc)"
else
	log "fault sites: no page allocation (the kernel has no fail_page_alloc)"
fi

have_kmemleak=0
kmemleak_clear && have_kmemleak=1

# sweep STEP FAIL_NTH_ARGS...: run fail_nth's sweep for the step; logs
# its fault sites, fails on its verdict and on kernel reports of a problem
summary=
sweep() {
	_step=$1
	shift
	_mark=$(log_mark)
	_out=$("$FAIL_NTH" "$@" 2>&1) || {
		echo "$_out" | sed 's/^/# /'
		fail "$_step: an attempt did not behave"
	}
	_splats=$(log_splats "$_mark")
	[ -z "$_splats" ] || fail "$_step: the kernel reported a problem: $_splats"
	log "$_step: $_out"
	_sites=${_out#sites=}
	summary="$summary $_step=${_sites%% *}"
}

# shellcheck disable=SC2317 # called through at_exit
restore_device() {
	echo > "$PDEV/driver_override"
	grep -qw "^$DRV" /proc/modules || modprobe $DRV
	[ -e "$PDEV/driver" ] || echo "$BDF" > "$PDRV/bind"
}

at_exit restore_device
at_exit sysfs_reset_config
at_exit mdev_remove_all

# --- module load ---
# The device is held back (driver_override) so that the load does not
# probe it: the probe's sites are swept by the bind. The module loader's
# own sites come before the module's init, which refuses at once while
# the upstream dsa bus (idxd_bus) is loaded: a load then reaches only
# those (and the unload's); the sweep starts a few sites before the init.
rmmod $DRV || fail "cannot unload $DRV"
echo none > "$PDEV/driver_override" || fail "cannot set $BDF's driver_override"
first=1
if modprobe idxd_bus 2> /dev/null; then
	out=$("$FAIL_NTH" -c load "$KO")
	rmmod idxd_bus
	case $out in
	rc=EBUSY\ *) ;;
	*) fail "the load with idxd_bus loaded did not fail with EBUSY: $out" ;;
	esac
	prefix=${out#*sites=}
	first=$((prefix > 8 ? prefix - 8 : 1))
	log "load: the module loader has about $prefix fault sites before the module's init: sweeping from $first"
fi
sweep load -f $first -s /sys/module/$DRV -s /sys/module/idxd -s /sys/bus/dsa \
	-x $DBGFS/$DRV -s /sys/bus/mdev/drivers -s /sys/bus/pci/drivers \
	-d /sys/module/$DRV -U $DRV load "$KO"

# --- probe ---
# A probe that absorbed a fault may leave out what the kernel lets fail:
# the debugfs files, the IMS domain (pci_create_ims_domain() only says
# "no", and the device then uses MSI-X: "mode: msix" in the vector
# table), the system PASID (iommu_alloc_global_pasid() does not say why
# either, and kernel work then runs without PASID: "system_pasid: none")
# and the mdev core's link in /sys/class/mdev_bus.
# Unlike the load's, the probe's sweep starts at its first site: only two
# sites of the bind come before the driver's probe (the buffer of the
# write, the device's link in the driver's sysfs directory); all the
# others are reached while the probe runs, most of them in the kernel
# code it calls to register the dsa bus devices, and the sweep must reach
# every one of them (Documentation/testing.rst).
echo > "$PDEV/driver_override" || fail "cannot clear $BDF's driver_override"
CONF=$(conf_name) && fail "$BDF has $CONF before it is probed"
mark=$(log_mark)
sweep probe -s "$PDEV/driver" -s "$PDEV/msi_irqs" -s "$PDEV/enable" \
	-s /sys/bus/dsa/devices -s "$PDEV/mdev_supported_types" \
	-s /sys/class/dma -x /sys/class/mdev_bus -x $DBGFS/$DRV \
	-x "$TDIR/vectors" -i idxd_ims \
	-d "$PDEV/driver" -u "$PDRV/unbind=$BDF" write "$PDRV/bind" "$BDF"
# the probe's own faults failed the bind: it ran in the writer's task
probe_failed=$(dmesg | tail -n +$((mark + 1)) |
	grep -c "probe with driver $DRV failed with error")
[ "$probe_failed" -gt 0 ] ||
	fail "no injected fault failed the probe: it does not run in the task that writes bind"
log "probe: $probe_failed attempts failed in the probe, in the writer's task"
CONF=$(conf_name) || fail "no dsa bus device under $BDF"

# --- enable-device, enable-wq ---
sysfs_setup_kernel_wq $KWQ 16 || fail "cannot configure wq $KWQ"
sysfs_setup_wq $MWQ 16 mdev "idxd_ims_mdev$MWQ" || fail "cannot configure wq $MWQ"
KWQ_NAME=$(basename "$(wq_dir $KWQ)")
dsa_state="-s $(conf_dir)/state -s $(wq_dir $KWQ)/state -s $(wq_dir $MWQ)/state
	-s /sys/class/dma -s $TDIR/vectors -s $(mdev_type_dir)/available_instances
	-i idxd_ims"
# shellcheck disable=SC2086 # one option or path per word
sweep enable_device $dsa_state -d "$(conf_dir)/state=enabled" \
	-u "/sys/bus/dsa/drivers/idxd/unbind=$CONF" \
	write /sys/bus/dsa/drivers/idxd/bind "$CONF"
# shellcheck disable=SC2086 # one option or path per word
sweep enable_wq $dsa_state -d "$(wq_dir $KWQ)/state=enabled" \
	-u "/sys/bus/dsa/drivers/dmaengine/unbind=$KWQ_NAME" \
	write /sys/bus/dsa/drivers/dmaengine/bind "$KWQ_NAME"

# --- virtual device creation ---
# shellcheck disable=SC2086 # one option or path per word
sweep mdev_create $dsa_state -s "$MDEV_DEVS" -s /sys/kernel/iommu_groups \
	-d "$MDEV_DEVS/$UUID" -u "$MDEV_DEVS/$UUID/remove=1" \
	write "$(mdev_type_dir)/create" "$UUID"
mdev_created=$UUID

# --- open and SET_IRQS ---
# mdev_guest sweeps them; then a memmove with its interrupt must work. The
# vector table is the same after the close (but for the interrupt counts),
# and no guest page stays pinned.
mark=$(log_mark)
before=$(vector_rows_all | awk '{ $9 = ""; print }')
run_guest -F open -F irqs "$UUID" handle 1 || fail "mdev_guest -F open -F irqs failed"
after=$(vector_rows_all | awk '{ $9 = ""; print }')
[ "$after" = "$before" ] ||
	fail "the vector table changed across open, SET_IRQS and close: $before / $after"
mdev_expect_unpinned "$UUID" "open, SET_IRQS"
splats=$(log_splats "$mark")
[ -z "$splats" ] || fail "open, SET_IRQS: the kernel reported a problem: $splats"
for call in open irqs; do
	line=$(echo "$guest_out" | grep "fault sweep $call:") ||
		fail "mdev_guest did not report its $call sweep"
	log "${line#mdev_guest: }"
	sites=${line#*sites=}
	summary="$summary $call=${sites%% *}"
done

# Everything down and the module unloaded: what the sweeps leaked is
# unreferenced now
mdev_remove_all
sysfs_reset_config
rmmod $DRV || fail "cannot unload $DRV at the end"
if [ $have_kmemleak -eq 1 ]; then
	kmemleak_expect_clean "$(uptime_s)" "after the sweeps"
else
	log "kmemleak is not available: no leak check"
fi
restore_device
pass "fault sites:$summary"
