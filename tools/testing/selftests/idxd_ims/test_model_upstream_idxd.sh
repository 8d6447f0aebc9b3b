#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The QEMU DSA model is validated by software written against real silicon:
# the upstream idxd driver probes it, accel-config configures a dedicated
# kernel WQ on it, and dmatest runs copies with verification through that
# channel with no failure.

ITERATIONS=1000
KSFT_SKIP=4
conf=/tmp/upstream-idxd.json
log=/tmp/upstream-idxd.dmesg

skip() {
	echo "# SKIP: $*"
	exit $KSFT_SKIP
}

fail() {
	echo "# FAIL: $*"
	cleanup
	exit 1
}

cleanup() {
	rmmod dmatest 2>/dev/null
	[ -n "$dev" ] && accel-config disable-device "$dev" >/dev/null 2>&1
	rmmod idxd 2>/dev/null
	rmmod idxd_bus 2>/dev/null
}

command -v accel-config > /dev/null || skip "accel-config is not installed"
[ -d /sys/module/idxd_ims ] && skip "idxd_ims is loaded; it excludes idxd"
modprobe idxd || skip "the upstream idxd module is not available"

dev=
for d in /sys/bus/dsa/devices/dsa*; do
	[ -e "$d" ] && dev=${d##*/} && break
done
[ -n "$dev" ] || fail "idxd did not probe any DSA device"
echo "# idxd probed $dev"
id=${dev#dsa}

cat > $conf <<JSON
[
  {
    "dev":"$dev",
    "groups":[
      {
        "dev":"group$id.0",
        "grouped_workqueues":[
          { "dev":"wq$id.0", "group_id":0, "mode":"dedicated", "size":16, "priority":10,
            "type":"kernel", "name":"model-test", "driver_name":"dmaengine" }
        ],
        "grouped_engines":[ { "dev":"engine$id.0", "group_id":0 } ]
      }
    ]
  }
]
JSON

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
echo "# testing channel $chan"

dmesg -c > /dev/null
modprobe dmatest timeout=10000 iterations=$ITERATIONS test_buf_size=4096 ||
	fail "modprobe dmatest"
echo "$chan" > /sys/module/dmatest/parameters/channel
echo 1 > /sys/module/dmatest/parameters/run
cat /sys/module/dmatest/parameters/wait > /dev/null
dmesg > $log
grep 'dmatest: ' $log | sed 's/^/# /'

summary=$(grep "$chan-copy0: summary" $log)
[ -n "$summary" ] || fail "dmatest printed no summary for $chan"
echo "$summary" | grep -q "summary $ITERATIONS tests, 0 failures" ||
	fail "dmatest: $summary"
grep -q 'dmatest: .*result #' $log && fail "dmatest reported failed results"

cleanup
echo "# upstream idxd + accel-config + dmatest: $ITERATIONS copies, 0 failures"
exit 0
