#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A guest queueing 64 KiB copies in a loop for COPYLOOP_S seconds (15) on a
# virtual DSA device (mdev_guest copyloop): every descriptor is moved by
# the device, none copied by a host CPU; the completion interrupt thread
# of the virtual device's IMS entry, which runs at real-time priority, is
# not pinned to a CPU (at most IRQ_THREAD_MAX_PCT percent of one), and a
# normal-priority shell loop running alongside gets at least
# BUSY_MIN_PCT percent of one. Behaves alike in every setup: runs in
# one, noiommu (MOVED_TESTS in scripts/check.sh).
TEST=test_mdev_copyloop
. "$(dirname "$0")/lib.sh"

COPYLOOP_S=${COPYLOOP_S:-15}
IRQ_THREAD_MAX_PCT=50
BUSY_MIN_PCT=10
# clock ticks per second of /proc/PID/stat (USER_HZ, 100 on x86)
HZ_USER=100

setup_device
require_ims
require_mdev

# stat_ticks STAT: CPU time (clock ticks, user and system) of the
# /proc/PID/stat line STAT
stat_ticks() {
	# shellcheck disable=SC2086 # split the fields after the command name
	set -- ${1#*) }
	echo $((${12} + ${13}))
}

# irq_thread_ticks VIRQ: CPU time (clock ticks) of the interrupt thread of
# Linux interrupt VIRQ
irq_thread_ticks() {
	for _s in /proc/[0-9]*/stat; do
		read -r _stat < "$_s" 2> /dev/null || continue
		case "$_stat" in
		*"(irq/$1-"*)
			stat_ticks "$_stat"
			return 0
			;;
		esac
	done
	fail "no interrupt thread for Linux interrupt $1"
}

# busy_loop FILE: spin at normal priority until FILE exists
busy_loop() {
	while [ ! -e "$1" ]; do
		:
	done
}

mdev_setup_wq 0 16
mdev_enable_device
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID

virq=$(mdev_ims_rows "$uuid" | awk '{ print $2 }')
[ -n "$virq" ] || fail "no Linux interrupt for the IMS entry of $uuid"
stop=$(mktemp -u)
busy_loop "$stop" &
busy=$!
before=$(irq_thread_ticks "$virq")
run_guest "$uuid" copyloop "$COPYLOOP_S"
rc=$?
ticks=$(($(irq_thread_ticks "$virq") - before))
read -r busy_stat < "/proc/$busy/stat"
touch "$stop"
wait $busy
rm -f "$stop"
[ $rc -eq 0 ] || fail "mdev_guest copyloop failed"
busy_ticks=$(stat_ticks "$busy_stat")
log "copyloop: $(echo "$guest_out" | grep 'rounds'); in $((COPYLOOP_S * HZ_USER)) ticks, interrupt thread $ticks, shell loop $busy_ticks"
[ "$(mdev_attr "$uuid" copied)" = 0 ] ||
	fail "the host copied $(mdev_attr "$uuid" copied) descriptors of the loop"
[ $((ticks * 100)) -le $((COPYLOOP_S * HZ_USER * IRQ_THREAD_MAX_PCT)) ] ||
	fail "the completion thread ran $ticks ticks in $COPYLOOP_S s (more than $IRQ_THREAD_MAX_PCT%)"
[ $((busy_ticks * 100)) -ge $((COPYLOOP_S * HZ_USER * BUSY_MIN_PCT)) ] ||
	fail "a normal-priority loop got $busy_ticks ticks in $COPYLOOP_S s (less than $BUSY_MIN_PCT%)"
mdev_expect_unpinned "$uuid" copyloop
pass "$COPYLOOP_S s of 64 KiB copies: no host copy, completion thread $ticks ticks, a shell loop $busy_ticks"
