#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A real VM on a virtual device: QEMU's vfio-pci gives a vfio-mdev slice to
# a nested guest that runs the stock upstream idxd driver, accel-config and
# dmatest (guest_agent.sh is its /init). Checked in the guest and on the
# host, step by step:
#   boot     idxd probes the slice, accel-config enables the device and a
#            dmaengine WQ, COPIES verified dmatest copies, the guest's WQ
#            vector and the host IMS entry behind it count every one; QEMU
#            maps the portal (its default), and no descriptor reaches the
#            driver through a trapped portal write
#   reboot   the guest reboots (QEMU resets the device through VFIO), idxd
#            probes and enables the slice again, accel-config enables the WQ,
#            then STEP_COPIES copies counted the same way, as after the
#            next step
#   flr      a function level reset from inside the guest (sysfs reset),
#            then the guest unbinds idxd and binds it again (it has no
#            reset handlers in 6.12) and accel-config enables the WQ
#   kill     QEMU killed with SIGKILL during dmatest: the host log stays
#            clean, the mdev is removed, a new one is created and a guest
#            boots on it with a trapped portal (vfio-pci x-no-mmap=on) and
#            runs STEP_COPIES copies, every descriptor a trapped write
# Any kernel warning in the guest's or the host's log fails the test.
TEST=test_guest
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest_lib.sh"

# verified copies after boot, and after each later step
COPIES=${GUEST_COPIES:-300}
STEP_COPIES=${GUEST_STEP_COPIES:-50}
WQ_SIZE=16

setup_device
require_ims
require_mdev
require_nested_guest

# host_ims_count: interrupts taken so far on the IMS entry behind guest
# vector 1 of the mdev
host_ims_count() {
	mdev_ims_rows "$uuid" | awk '{ print $9 }'
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

# guest_dmatest STEP N: N verified copies in the guest, each counted by the
# guest's WQ vector and by the host IMS entry
guest_dmatest() {
	_host0=$(host_ims_count)
	guest_cmd dmatest "$2" || fail "$1: dmatest in the guest failed"
	[ "$(guest_value failures)" = 0 ] ||
		fail "$1: dmatest in the guest counted $(guest_value failures) failures"
	_guest=$(($(guest_value wq_irqs) - $(guest_value wq_irqs_before)))
	_host=$(($(host_ims_count) - _host0))
	log "$1: $2 copies, guest WQ vector +$_guest, host IMS entry +$_host"
	[ "$_guest" -eq "$2" ] ||
		fail "$1: the guest's WQ vector counted $_guest interrupts for $2 copies"
	[ "$_host" -eq "$2" ] ||
		fail "$1: the host IMS entry counted $_host interrupts for $2 copies"
}

# portal_check STEP COPIES mapped|trapped: after COPIES copies in a guest
# whose QEMU maps the portal (or not), the mdev's portal consumer took at
# least COPIES descriptors and no portal write was trapped (or the other
# way round)
portal_check() {
	_taken=$(mdev_attr "$uuid" portal_taken)
	_trapped=$(mdev_attr "$uuid" portal_trapped)
	log "$1: $_taken descriptors taken from the mapped portal, $_trapped trapped writes"
	if [ "$3" = mapped ]; then
		_none=$_trapped _some=$_taken
	else
		_none=$_taken _some=$_trapped
	fi
	[ "$_none" -eq 0 ] && [ "$_some" -ge "$2" ] ||
		fail "$1: portal $3 for $2 copies, but $_taken descriptors taken from the mapping and $_trapped writes trapped"
}

# guest_bringup STEP N [wq]: probe and enable in a freshly booted guest (the
# WQ only with "wq"), then N copies
guest_bringup() {
	guest_cmd probe || fail "$1: the guest's idxd did not probe the slice"
	guest_cmd enable $3 || fail "$1: accel-config could not enable the slice"
	guest_dmatest "$1" "$2"
}

host_mark=$(log_mark)
steps=0
mdev_setup_wq 0 $WQ_SIZE
mdev_enable_device
mdev_create || fail "cannot create an mdev: $MDEV_ERR"
uuid=$MDEV_UUID
ims_idx=$(mdev_attr "$uuid" vectors | awk '{ print $2 }')
log "mdev $uuid, guest vector 1 on IMS entry $ims_idx, pasid $(mdev_attr "$uuid" pasid)"

# --- boot ---
guest_start "$uuid"
guest_wait_ready
guest_bringup boot $COPIES
portal_check boot $COPIES mapped
step_ok boot

# --- reboot: QEMU resets the device on the way ---
guest_cmd reboot || fail "reboot: the guest refused to reboot"
guest_wait_ready
guest_bringup reboot $STEP_COPIES wq
step_ok reboot

# --- a function level reset from inside the guest; idxd in 6.12 has no
# reset handlers, so the guest unbinds and binds it again to use the
# device after it (the guest's rebind of idxd, checked on the way) ---
guest_cmd flr || fail "flr: the guest could not reset the slice"
case "$(guest_value reset_method)" in
*flr*) ;;
*) fail "flr: the slice's reset methods are '$(guest_value reset_method)', no flr" ;;
esac
guest_cmd rebind || fail "flr: unbinding and binding idxd again after the reset failed"
guest_cmd enable wq || fail "flr: accel-config could not enable the WQ after the reset"
guest_dmatest flr $STEP_COPIES
step_ok "flr, rebind"

# --- QEMU killed during dmatest ---
submitted=$(mdev_attr "$uuid" submitted)
guest_send dmatest 100000
n=0
until [ "$(mdev_attr "$uuid" submitted)" -gt $((submitted + 10)) ]; do
	[ $n -lt 1200 ] || fail "kill: the guest's dmatest did not start within 600 s"
	guest_running || fail "kill: the guest's QEMU exited before it was killed"
	sleep 0.5
	n=$((n + 1))
done
guest_kill
log "kill: QEMU killed after $(mdev_attr "$uuid" submitted) descriptors"
host_clean kill
guest_clean kill
mdev_remove "$uuid" || fail "kill: cannot remove $uuid after its QEMU was killed"
vector_rows_all | awk -v i="$ims_idx" '$1 == i && $3 == "ims" { exit 1 }' ||
	fail "kill: IMS entry $ims_idx still in use after removal"
mdev_create || fail "kill: cannot create a new mdev: $MDEV_ERR"
uuid=$MDEV_UUID
step_ok kill

# --- a guest on the new mdev with a trapped portal ---
guest_start "$uuid" ,x-no-mmap=on
guest_wait_ready
guest_bringup trapped $STEP_COPIES wq
portal_check trapped $STEP_COPIES trapped
step_ok "trapped portal"

pass "upstream idxd in a nested guest: boot, reboot, flr and rebind, kill, trapped portal ($steps steps)"
