#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: dmatest throughput through idxd_ims and through the
# upstream idxd driver on the same device, same WQ configuration and same
# dmatest parameters, in the same VM boot. Prints a table and the ratio
# idxd_ims / idxd. Run by "make bench"; numbers under TCG measure the
# software path (driver + model), not DSA hardware.

TEST=bench_dmatest
. "$(dirname "$0")/lib.sh"

ITERATIONS=${ITERATIONS:-3000}
BUF=${BUF:-4096}
conf=/tmp/bench.json

# configure DRIVER: load DRIVER, set up one group, one engine and one
# dedicated kernel WQ with accel-config and enable them; sets dev and chan.
configure() {
	modprobe "$1" || fail "cannot load $1"
	dev=
	for d in /sys/bus/dsa/devices/dsa*; do
		[ -e "$d" ] && dev=${d##*/} && break
	done
	[ -n "$dev" ] || fail "$1 did not probe a DSA device"
	id=${dev#dsa}
	accel_config_json "$dev" 1 1 bench > $conf
	accel-config load-config -c $conf > /dev/null 2>&1 &&
		accel-config enable-device "$dev" > /dev/null 2>&1 &&
		accel-config enable-wq "$dev/wq$id.0" > /dev/null 2>&1 ||
		fail "accel-config could not configure $dev under $1"
	chan=$(ls /sys/class/dma | head -n 1)
	[ -n "$chan" ] || fail "$1 registered no dmaengine channel"
}

# run_dmatest CHANNEL: one dmatest thread on CHANNEL; sets result to
# "iops KB/s".
run_dmatest() {
	modprobe dmatest || fail "cannot load dmatest"
	dmatest_start "$1" "$ITERATIONS" 1 10000 "$BUF"
	dmatest_finish 900 > /dev/null
	rmmod dmatest
	line=$(echo "$dmatest_out" | grep "$1-copy0: summary")
	echo "$line" | grep -q ", 0 failures" || fail "dmatest failed: $line"
	result=$(echo "$line" |
		sed 's/.* failures \([0-9.]*\) iops \([0-9]*\) KB\/s.*/\1 \2/')
}

# teardown DRIVER: disable the device configured by configure, unload DRIVER
teardown() {
	accel-config disable-device "$dev" > /dev/null 2>&1 ||
		fail "accel-config could not disable $dev under $1"
	modprobe -r "$1" || fail "cannot unload $1"
}

dmesg -n 1
configure idxd_ims
run_dmatest "$chan"
ims=$result
teardown idxd_ims
configure idxd
run_dmatest "$chan"
upstream=$result
teardown idxd

echo "dmatest memcpy, $ITERATIONS x up to $BUF bytes, 1 thread, 1 dedicated WQ"
printf '%-10s %12s %12s\n' driver ops/s KB/s
printf '%-10s %12s %12s\n' idxd_ims $ims
printf '%-10s %12s %12s\n' idxd $upstream
echo "$ims $upstream" | awk '{ printf "ratio idxd_ims/idxd: %.2f (ops/s), %.2f (KB/s)\n", $1 / $3, $2 / $4 }'
