#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# One virtual DSA device (vfio-mdev) from a type-mdev WQ: the mdev type's
# attributes follow the free WQs, the mdev's idxd_ims/ attributes describe
# it, each guest vector is backed by an IMS entry carrying the mdev's PASID,
# mdev_guest runs every operation and the error paths through VFIO, two
# threads writing descriptors in pieces to two portal lines, interleaved,
# get both taken, a descriptor written as soon as another's record appears
# in a full WQ is taken, a function level reset through the configuration
# space resets the device, and removal gives everything back.
TEST=test_mdev_basic
. "$(dirname "$0")/lib.sh"

WQ_SIZE=8

setup_device
require_ims
require_mdev

# --- the type before and after the device is enabled ---
mdev_setup_wq 0 $WQ_SIZE
[ "$(mdev_available)" = 0 ] ||
	fail "available_instances is $(mdev_available) with $CONF disabled, expected 0"
mdev_enable_device
[ "$(mdev_available)" = 1 ] ||
	fail "available_instances is $(mdev_available) with one free type-mdev WQ, expected 1"
[ "$(mdev_type_attr device_api)" = vfio-pci ] ||
	fail "device_api is '$(mdev_type_attr device_api)', expected vfio-pci"
[ -n "$(mdev_type_attr name)" ] || fail "the type's name is empty"
log "type $MDEV_TYPE: name '$(mdev_type_attr name)', 1 instance available"

# --- create ---
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID
log "created $uuid"
[ "$(mdev_available)" = 0 ] ||
	fail "available_instances is $(mdev_available) after creating the only mdev"
mdev_create && fail "a second mdev was created with no free WQ"
echo "$MDEV_ERR" | grep -q "No space left on device" ||
	fail "creating a second mdev with no free WQ: '$MDEV_ERR', expected ENOSPC"
[ -e "$MDEV_DEVS/$uuid/iommu_group" ] || fail "$uuid has no IOMMU group"

# --- the mdev's attributes ---
wq=$(mdev_attr "$uuid" wq)
[ "$wq" = "$(basename "$(wq_dir 0)")" ] ||
	fail "mdev wq is '$wq', expected $(basename "$(wq_dir 0)")"
[ "$(cat "$(wq_dir 0)/state")" = enabled ] ||
	fail "$wq is '$(cat "$(wq_dir 0)/state")' with an mdev on it, expected enabled"
err=$(mdev_write_err "$(wq_dir 0)/size" 4)
[ -n "$err" ] || fail "the size of $wq could be changed while an mdev owns it"
for c in submitted completed rejected; do
	[ "$(mdev_attr "$uuid" $c)" = 0 ] ||
		fail "counter $c is $(mdev_attr "$uuid" $c) before any use"
done
pasid=$(mdev_attr "$uuid" pasid)
case "$pasid" in
none | [0-9]*) ;;
*) fail "mdev pasid is '$pasid', expected a number or none" ;;
esac
[ "$(mdev_attr "$uuid" vectors | wc -l)" -eq 1 ] ||
	fail "vectors has $(mdev_attr "$uuid" vectors | wc -l) lines, expected 1 (guest vector 1)"
[ "$(mdev_attr "$uuid" vectors | awk '{ print $1 }')" = 1 ] ||
	fail "vectors does not list guest vector 1: '$(mdev_attr "$uuid" vectors)'"
ims_idx=$(mdev_attr "$uuid" vectors | awk '{ print $2 }')
log "wq $wq, pasid $pasid, guest vector 1 on IMS entry $ims_idx"

# --- the IMS entries backing the guest vectors ---
rows=$(mdev_ims_rows "$uuid")
[ "$(echo "$rows" | grep -c .)" -eq 1 ] ||
	fail "IMS entry $ims_idx not in $TDIR/vectors: $(vector_rows_all | tr '\n' ';')"
set -- $rows
virq=$2 pasid_en=$4 row_pasid=$5 ctrl=$6
if [ "$pasid" = none ]; then
	[ "$pasid_en" = 0 ] || fail "IMS entry $ims_idx has PASID $row_pasid, the mdev has none"
else
	[ "$pasid_en" = 1 ] && [ "$row_pasid" = "$pasid" ] ||
		fail "IMS entry $ims_idx: pasid_en $pasid_en pasid $row_pasid, expected the mdev's PASID $pasid"
	[ $(((ctrl >> 3) & 1)) -eq 1 ] && [ $(((ctrl >> 12) & 0xfffff)) -eq "$pasid" ] ||
		fail "IMS entry $ims_idx: control word $ctrl does not carry PASID $pasid"
fi
# a PASID of its own exactly when kernel work has a system PASID
spasid=$(system_pasid)
if [ "$spasid" = none ]; then
	[ "$pasid" = none ] ||
		fail "the mdev has PASID $pasid although kernel work runs without PASID"
else
	[ "$pasid" != none ] ||
		fail "kernel work has system PASID $spasid but the mdev has no PASID"
	[ "$pasid" != "$spasid" ] || fail "the mdev shares the system PASID $spasid"
fi

# --- the guest: run every scenario, report all failures, fail after ---
failed_scenarios=""
run_guest "$uuid" ops || failed_scenarios="$failed_scenarios ops"
ops=$(guest_accepted)
run_guest "$uuid" irq || failed_scenarios="$failed_scenarios irq"
irq=$(guest_accepted)
good=$((ops + irq))
sub=$(mdev_attr "$uuid" submitted)
comp=$(mdev_attr "$uuid" completed)
rej=$(mdev_attr "$uuid" rejected)
[ "$sub" -eq $good ] && [ "$comp" -eq $good ] && [ "$rej" -eq 0 ] ||
	failed_scenarios="$failed_scenarios counters(good:submitted=$sub,completed=$comp,rejected=$rej,want=$good)"
run_guest "$uuid" bad || failed_scenarios="$failed_scenarios bad"
bad=$(guest_accepted)
sub=$(mdev_attr "$uuid" submitted)
comp=$(mdev_attr "$uuid" completed)
rej=$(mdev_attr "$uuid" rejected)
log "counters: submitted $sub completed $comp rejected $rej"
[ "$sub" -eq $((good + bad)) ] ||
	failed_scenarios="$failed_scenarios counters(submitted=$sub,want=$((good + bad)))"
[ $((comp + rej)) -eq "$sub" ] ||
	failed_scenarios="$failed_scenarios counters(completed+rejected!=submitted)"
[ "$rej" -gt 0 ] || failed_scenarios="$failed_scenarios counters(rejected=0)"
# descriptors written in pieces to two portal lines at once
run_guest "$uuid" lines 64 || failed_scenarios="$failed_scenarios lines"
# a slot is free before the guest sees its descriptor complete. With two
# CPUs the completion thread runs on CPU 0 and the guest on CPU 1, where
# its next portal write meets a slot given back late; on one CPU, or
# unpinned, that shows far less often.
cpu=
if [ "$(nproc)" -lt 2 ]; then
	log "refill: one CPU, the guest and the completion thread share it"
elif echo 0 2> /dev/null > "/proc/irq/$virq/smp_affinity_list"; then
	cpu="-c 1"
	log "refill: completion IRQ $virq on CPU 0, the guest on CPU 1"
else
	log "refill: IRQ $virq (IMS entry $ims_idx) cannot move to CPU 0, not pinned"
fi
# shellcheck disable=SC2086 # cpu is empty or an option and its value
run_guest $cpu "$uuid" refill 4000 || failed_scenarios="$failed_scenarios refill"
# a function level reset through the configuration space
run_guest "$uuid" flr || failed_scenarios="$failed_scenarios flr"
[ -z "$failed_scenarios" ] || fail "failed:$failed_scenarios"

# --- remove ---
mdev_remove "$uuid" || fail "cannot remove $uuid"
[ ! -e "$MDEV_DEVS/$uuid" ] || fail "$uuid still exists after remove"
[ "$(mdev_available)" = 1 ] ||
	fail "available_instances is $(mdev_available) after removal, expected 1"
[ "$(cat "$(wq_dir 0)/state")" != enabled ] || fail "$wq still enabled after removal"
vector_rows_all | awk -v i="$ims_idx" '$1 == i && $3 == "ims" { exit 1 }' ||
	fail "IMS entry $ims_idx still in use after removal"
pass "mdev created, used through VFIO (ops, irq, bad, lines, refill, flr) and removed"
