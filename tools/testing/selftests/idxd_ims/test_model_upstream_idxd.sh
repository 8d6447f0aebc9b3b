#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The QEMU DSA model is validated by software written against real silicon:
# the upstream idxd driver probes it, accel-config configures a dedicated
# kernel WQ on it, and dmatest runs copies with verification through that
# channel with no failure: first from one thread, then from four threads
# at once. idxd submits without a lock, so the four threads' MOVDIR64Bs
# meet at the one portal from both vCPUs; each must arrive as its own
# whole descriptor (a MOVDIR64B that TCG splits into stores other vCPUs
# can interleave with loses descriptors, and dmatest times them out).

TEST=test_model_upstream_idxd
. "$(dirname "$0")/lib.sh"

ITERATIONS=1000
THREADS=4
conf=/tmp/upstream-idxd.json

cleanup() {
	[ -n "$dev" ] && accel-config disable-device "$dev" >/dev/null 2>&1
	rmmod idxd 2>/dev/null
	rmmod idxd_bus 2>/dev/null
	rm -f "$conf"
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

load_dmatest
dmatest_start "$chan" $ITERATIONS 1 10000
dmatest_finish 900

summary=$(echo "$dmatest_out" | grep "$chan-copy0: summary")
[ -n "$summary" ] || fail "dmatest printed no summary for $chan"
echo "$summary" | grep -q "summary $ITERATIONS tests, 0 failures" ||
	fail "dmatest: $summary"
[ "$(dmatest_count 'result #')" -eq 0 ] || fail "dmatest reported failed results"

[ "$(nproc)" -ge 2 ] ||
	skip "$ITERATIONS copies from one thread passed, but with one CPU no two submissions meet at the portal"
dmatest_start "$chan" $ITERATIONS $THREADS 10000
dmatest_finish 900
[ "$(dmatest_count "$chan-copy[0-9]+: summary $ITERATIONS tests, 0 failures")" -eq $THREADS ] ||
	fail "dmatest with $THREADS threads: $(dmatest_failures) failures"
[ "$(dmatest_count 'result #')" -eq 0 ] || fail "dmatest reported failed results"

pass "upstream idxd + accel-config + dmatest: $ITERATIONS copies from one thread, then $ITERATIONS from each of $THREADS at once, 0 failures"
