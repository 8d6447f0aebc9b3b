#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# CYCLES unbind/bind cycles and CYCLES module unload/load cycles (3 each,
# PROBE_CYCLES for more) each leave the device probed again, leave no
# idxd_ims interrupt behind after removal, and produce no kmemleak report
# (skipped if kmemleak is unavailable). One leak per cycle is enough for
# kmemleak to report; more cycles only help to hit rarer paths.
TEST=test_probe_unbind
. "$(dirname "$0")/lib.sh"

CYCLES=${PROBE_CYCLES:-3}

setup_device
pdrv=/sys/bus/pci/drivers/$DRV

have_kmemleak=0
kmemleak_clear && have_kmemleak=1

no_irqs_left() {
	! grep -q 'idxd_ims' /proc/interrupts
}

i=0
while [ $i -lt $CYCLES ]; do
	echo "$BDF" > $pdrv/unbind || fail "unbind $i failed"
	[ ! -d "$TDIR" ] || fail "debugfs directory survived unbind $i"
	no_irqs_left || fail "interrupts left after unbind $i"
	echo "$BDF" > $pdrv/bind || fail "bind $i failed"
	[ -d "$TDIR" ] || fail "device not probed after bind $i"
	i=$((i + 1))
done
log "$CYCLES unbind/bind cycles done"

i=0
while [ $i -lt $CYCLES ]; do
	modprobe -r $DRV || fail "unload $i failed"
	no_irqs_left || fail "interrupts left after unload $i"
	modprobe $DRV || fail "load $i failed"
	[ -d "$TDIR" ] || fail "device not probed after load $i"
	i=$((i + 1))
done
log "$CYCLES unload/load cycles done"

[ $have_kmemleak -eq 1 ] ||
	skip "cycles passed, but kmemleak is not available: no leak check"
modprobe -r $DRV || fail "final unload failed"
kmemleak_expect_clean "$(uptime_s)" "after the cycles"
pass "$CYCLES unbind/bind and $CYCLES unload/load cycles, no leaks"
