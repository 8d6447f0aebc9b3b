#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The QEMU DSA model is validated by software written against real silicon:
# the upstream idxd driver probes it, accel-config configures a dedicated
# kernel WQ on it, and dmatest runs copies with verification through that
# channel with no failure.

TEST=test_model_upstream_idxd
. "$(dirname "$0")/lib.sh"

ITERATIONS=1000
conf=/tmp/upstream-idxd.json
dmesg_log=/tmp/upstream-idxd.dmesg

cleanup() {
	rmmod dmatest 2>/dev/null
	[ -n "$dev" ] && accel-config disable-device "$dev" >/dev/null 2>&1
	rmmod idxd 2>/dev/null
	rmmod idxd_bus 2>/dev/null
}

require_root
command -v accel-config > /dev/null || skip "accel-config is not installed"
[ -d /sys/module/$DRV ] && skip "$DRV is loaded; it excludes idxd"
modprobe idxd || skip "the upstream idxd module is not available"
at_exit cleanup

dev=
for d in /sys/bus/dsa/devices/dsa*; do
	[ -e "$d" ] && dev=${d##*/} && break
done
[ -n "$dev" ] || fail "idxd did not probe any DSA device"
log "idxd probed $dev"
id=${dev#dsa}
accel_config_json "$dev" 1 1 model-test > $conf

accel-config load-config -c $conf || fail "accel-config load-config"
accel-config enable-device "$dev" || fail "accel-config enable-device $dev"
accel-config enable-wq "$dev/wq$id.0" || fail "accel-config enable-wq"
state=$(cat /sys/bus/dsa/devices/wq$id.0/state)
[ "$state" = enabled ] || fail "wq$id.0 is '$state' after enable-wq"

chan=
for c in /sys/bus/dsa/devices/wq$id.0/dma*chan*; do
	[ -e "$c" ] && chan=${c##*/} && break
done
[ -n "$chan" ] || chan=$(ls /sys/class/dma | head -n 1)
[ -n "$chan" ] || fail "no dmaengine channel after enabling wq$id.0"
log "testing channel $chan"

dmesg -c > /dev/null
modprobe dmatest timeout=10000 iterations=$ITERATIONS test_buf_size=4096 ||
	fail "modprobe dmatest"
echo "$chan" > /sys/module/dmatest/parameters/channel
echo 1 > /sys/module/dmatest/parameters/run
cat /sys/module/dmatest/parameters/wait > /dev/null
dmesg > $dmesg_log
grep 'dmatest: ' $dmesg_log | sed 's/^/# /'

summary=$(grep "$chan-copy0: summary" $dmesg_log)
[ -n "$summary" ] || fail "dmatest printed no summary for $chan"
echo "$summary" | grep -q "summary $ITERATIONS tests, 0 failures" ||
	fail "dmatest: $summary"
grep -q 'dmatest: .*result #' $dmesg_log && fail "dmatest reported failed results"

pass "upstream idxd + accel-config + dmatest: $ITERATIONS copies, 0 failures"
