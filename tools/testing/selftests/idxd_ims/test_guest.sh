#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A real VM on virtual devices: QEMU's vfio-pci gives two vfio-mdev slices
# to a nested guest that runs the stock upstream idxd driver, accel-config
# and dmatest (guest_agent.sh is its /init). QEMU maps the first slice's
# portal (its default) and traps every write to the second's (vfio-pci
# x-no-mmap=on). Checked in the guest and on the host, step by step, on
# both slices at once:
#   boot     idxd probes the slices, accel-config enables each device and a
#            dmaengine WQ, COPIES verified dmatest copies on each, the
#            guest's WQ vector and the host IMS entry behind it count every
#            one; no descriptor reaches the driver through a trapped portal
#            write of the first slice, every one does on the second
#   reboot   the guest reboots (QEMU resets the devices through VFIO), idxd
#            probes and enables the slices again, accel-config enables the
#            WQs, then STEP_COPIES copies on each counted the same way, as
#            after the next step
#   flr      a function level reset from inside the guest (sysfs reset),
#            then the guest unbinds idxd and binds it again (it has no
#            reset handlers in 6.12) and accel-config enables the WQs
#   kill     QEMU killed with SIGKILL during dmatest: the host log stays
#            clean, both mdevs are removed and their IMS entries freed, and
#            a new mdev is created and used (mdev_guest's ops scenario)
# Any kernel warning in the guest's or the host's log fails the test.
TEST=test_guest
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest_lib.sh"

# verified copies on each slice after boot (300 in all), and after each
# later step
COPIES=${GUEST_COPIES:-150}
STEP_COPIES=${GUEST_STEP_COPIES:-50}
WQ_SIZE=16

setup_device
require_ims
require_mdev
require_nested_guest

# host_ims_count UUID: interrupts taken so far on the IMS entry behind
# guest vector 1 of the mdev UUID
host_ims_count() {
	mdev_ims_rows "$1" | awk '{ print $9 }'
}

# host_clean STEP: no kernel warning on the host since the test started
host_clean() {
	_splat=$(log_splats "$host_mark")
	[ -z "$_splat" ] || fail "$1: the host kernel reported: $_splat"
}

# guest_clean STEP: no kernel warning in the guest's console so far
guest_clean() {
	_splat=$(guest_console_splats)
	[ -z "$_splat" ] || fail "$1: the guest kernel reported: $_splat"
}

# step_ok STEP: the step passed (a nested TAP line) after both logs are clean
step_ok() {
	host_clean "$1"
	guest_clean "$1"
	steps=$((steps + 1))
	echo "# ok $steps $1"
}

# guest_dmatest STEP N: N verified copies in the guest on each slice, each
# counted by the slice's WQ vector in the guest and by the host IMS entry
# behind it
guest_dmatest() {
	_host0_m=$(host_ims_count "$uuid_mapped")
	_host0_t=$(host_ims_count "$uuid_trapped")
	guest_cmd dmatest "$2" || fail "$1: dmatest in the guest failed"
	dmatest_check "$1" "$2" "$dev_mapped" "$uuid_mapped" "$_host0_m"
	dmatest_check "$1" "$2" "$dev_trapped" "$uuid_trapped" "$_host0_t"
}

# dmatest_check STEP N DEV UUID HOST0: the guest's dmatest answer shows N
# copies on DEV without a failure, DEV's WQ vector took N interrupts, and
# so did the host IMS entry of UUID since it counted HOST0
dmatest_check() {
	[ "$(guest_value "failures $3")" = 0 ] ||
		fail "$1: dmatest on $3 in the guest counted $(guest_value "failures $3") failures"
	_guest=$(($(guest_value "wq_irqs $3") - $(guest_value "wq_irqs_before $3")))
	_host=$(($(host_ims_count "$4") - $5))
	log "$1: $3: $2 copies, guest WQ vector +$_guest, host IMS entry +$_host"
	[ "$_guest" -eq "$2" ] ||
		fail "$1: $3's WQ vector in the guest counted $_guest interrupts for $2 copies"
	[ "$_host" -eq "$2" ] ||
		fail "$1: the host IMS entry of $3 counted $_host interrupts for $2 copies"
}

# portal_check STEP COPIES UUID mapped|trapped: after COPIES copies on the
# mdev UUID, whose portal QEMU maps (or not), its portal consumer took at
# least COPIES descriptors and no portal write was trapped (or the other
# way round)
portal_check() {
	_taken=$(mdev_attr "$3" portal_taken)
	_trapped=$(mdev_attr "$3" portal_trapped)
	log "$1: $4 portal: $_taken descriptors taken from the mapping, $_trapped trapped writes"
	if [ "$4" = mapped ]; then
		_none=$_trapped _some=$_taken
	else
		_none=$_taken _some=$_trapped
	fi
	[ "$_none" -eq 0 ] && [ "$_some" -ge "$2" ] ||
		fail "$1: portal $4 for $2 copies, but $_taken descriptors taken from the mapping and $_trapped writes trapped"
}

# guest_probe STEP: idxd in the guest probes both slices; sets dev_mapped
# and dev_trapped to their names in the guest
guest_probe() {
	guest_cmd probe || fail "$1: the guest's idxd did not probe the slices"
	dev_mapped=$(guest_dev "$(guest_bdf 0)")
	dev_trapped=$(guest_dev "$(guest_bdf 1)")
	[ -n "$dev_mapped" ] && [ -n "$dev_trapped" ] ||
		fail "$1: the guest's idxd probed '$(guest_value device)', not both slices"
}

# guest_bringup STEP N [wq]: probe and enable in a freshly booted guest (the
# WQs only with "wq"), then N copies on each slice
guest_bringup() {
	guest_probe "$1"
	guest_cmd enable $3 || fail "$1: accel-config could not enable the slices"
	guest_dmatest "$1" "$2"
}

# mdev_ims_index UUID: the IMS entry behind guest vector 1 of the mdev
mdev_ims_index() {
	mdev_attr "$1" vectors | awk '{ print $2 }'
}

host_mark=$(log_mark)
steps=0
mdev_setup_wq 0 $WQ_SIZE
mdev_setup_wq 1 $WQ_SIZE
mdev_enable_device
mdev_create || fail "cannot create an mdev: $MDEV_ERR"
uuid_mapped=$MDEV_UUID
mdev_create || fail "cannot create a second mdev: $MDEV_ERR"
uuid_trapped=$MDEV_UUID
for uuid in $uuid_mapped $uuid_trapped; do
	log "mdev $uuid, guest vector 1 on IMS entry $(mdev_ims_index "$uuid"), pasid $(mdev_attr "$uuid" pasid)"
done
ims_mapped=$(mdev_ims_index "$uuid_mapped")
ims_trapped=$(mdev_ims_index "$uuid_trapped")

# --- boot ---
guest_start "$uuid_mapped" "$uuid_trapped,x-no-mmap=on"
guest_wait_ready
guest_bringup boot $COPIES
portal_check boot $COPIES "$uuid_mapped" mapped
portal_check boot $COPIES "$uuid_trapped" trapped
step_ok boot

# --- reboot: QEMU resets the devices on the way ---
guest_cmd reboot || fail "reboot: the guest refused to reboot"
guest_wait_ready
guest_bringup reboot $STEP_COPIES wq
step_ok reboot

# --- a function level reset from inside the guest; idxd in 6.12 has no
# reset handlers, so the guest unbinds and binds it again to use the
# devices after it (the guest's rebind of idxd, checked on the way) ---
guest_cmd flr || fail "flr: the guest could not reset the slices"
for dev in $dev_mapped $dev_trapped; do
	case "$(guest_value "reset_method $dev")" in
	*flr*) ;;
	*) fail "flr: $dev's reset methods are '$(guest_value "reset_method $dev")', no flr" ;;
	esac
done
guest_cmd rebind || fail "flr: unbinding and binding idxd again after the reset failed"
guest_probe flr
guest_cmd enable wq || fail "flr: accel-config could not enable the WQs after the reset"
guest_dmatest flr $STEP_COPIES
step_ok "flr, rebind"

# --- QEMU killed during dmatest on both slices ---
submitted_m=$(mdev_attr "$uuid_mapped" submitted)
submitted_t=$(mdev_attr "$uuid_trapped" submitted)
guest_send dmatest 100000
n=0
until [ "$(mdev_attr "$uuid_mapped" submitted)" -gt $((submitted_m + 10)) ] &&
	[ "$(mdev_attr "$uuid_trapped" submitted)" -gt $((submitted_t + 10)) ]; do
	[ $n -lt 1200 ] || fail "kill: the guest's dmatest did not start within 600 s"
	guest_running || fail "kill: the guest's QEMU exited before it was killed"
	sleep 0.5
	n=$((n + 1))
done
guest_kill
log "kill: QEMU killed after $(mdev_attr "$uuid_mapped" submitted) and $(mdev_attr "$uuid_trapped" submitted) descriptors"
host_clean kill
guest_clean kill
for uuid in $uuid_mapped $uuid_trapped; do
	mdev_remove "$uuid" || fail "kill: cannot remove $uuid after its QEMU was killed"
done
vector_rows_all | awk -v m="$ims_mapped" -v t="$ims_trapped" \
	'($1 == m || $1 == t) && $3 == "ims" { exit 1 }' ||
	fail "kill: IMS entry $ims_mapped or $ims_trapped still in use after removal"
mdev_create || fail "kill: cannot create a new mdev: $MDEV_ERR"
run_guest "$MDEV_UUID" ops || fail "kill: the new mdev does not work"
step_ok kill

pass "upstream idxd in a nested guest on two slices (portal mapped, trapped): boot, reboot, flr and rebind, kill ($steps steps)"
