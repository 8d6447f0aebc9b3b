#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make run: the demo workload inside the VM. Loads idxd_ims, configures the
# first DSA device with accel-config (one group, all engines, two dedicated
# kernel WQs), runs dmatest copies on every channel and prints what an
# operator wants to see: device and WQ state, the IMS vectors in use with
# their interrupt counts, operations and throughput.

TEST=demo
. /kselftest/idxd_ims/lib.sh

ITERATIONS=${ITERATIONS:-2000}
conf=/tmp/idxd_ims-demo.json

say() {
	printf '\n== %s ==\n' "$*"
}

die() {
	echo "demo: $*" >&2
	exit 1
}

dmesg -n 1
modprobe idxd_ims || die "cannot load idxd_ims"
dev=$(ls /sys/bus/dsa/devices 2>/dev/null | grep -m1 '^dsa')
[ -n "$dev" ] || die "no DSA device bound to idxd_ims"
id=${dev#dsa}

accel_config_json "$dev" 2 4 demo > $conf

accel-config load-config -c $conf || die "accel-config load-config"
accel-config enable-device "$dev" || die "accel-config enable-device"
accel-config enable-wq "$dev/wq$id.0" "$dev/wq$id.1" ||
	die "accel-config enable-wq"

say "device and work queues"
sysfs=/sys/bus/dsa/devices
printf '%-8s %-9s %s\n' "$dev" "$(cat $sysfs/$dev/state)" \
	"ims_size=$(cat $sysfs/$dev/ims_size 2>/dev/null)"
for wq in $sysfs/wq$id.*; do
	[ "$(cat "$wq/size")" -gt 0 ] || continue
	printf '%-8s %-9s mode=%s size=%s type=%s name=%s\n' "${wq##*/}" \
		"$(cat "$wq/state")" "$(cat "$wq/mode")" "$(cat "$wq/size")" \
		"$(cat "$wq/type")" "$(cat "$wq/name")"
done

modprobe dmatest timeout=10000 iterations="$ITERATIONS" test_buf_size=4096
nchan=0
for chan in $(ls /sys/class/dma); do
	echo "$chan" > /sys/module/dmatest/parameters/channel
	nchan=$((nchan + 1))
done
start=$(cut -d' ' -f1 /proc/uptime)
echo 1 > /sys/module/dmatest/parameters/run
# "run" reads N until the woken threads have started: the run is over once
# every channel's thread has logged its summary and "run" reads N
until [ "$(dmesg | grep -c 'dmatest: .*summary')" -ge $nchan ] &&
	[ "$(cat /sys/module/dmatest/parameters/run)" = N ]; do
	sleep 0.2
done
end=$(cut -d' ' -f1 /proc/uptime)

say "workload: dmatest, $ITERATIONS copies of up to 4 KiB per channel"
dmesg | grep 'dmatest: .*summary' | sed 's/.*dmatest: //'
dmesg | grep 'dmatest: .*summary' | awk -v t0="$start" -v t1="$end" '
	match($0, /summary [0-9]+/) { ops += substr($0, RSTART + 8, RLENGTH - 8) }
	END { s = t1 - t0; printf "total: %d copies in %.2f s, %.0f copies/s\n", ops, s, ops / s }'

say "IMS vectors in use"
cat /sys/kernel/debug/idxd_ims/*/vectors 2>/dev/null ||
	echo "(debugfs IMS table not available)"

say "interrupts of idxd_ims (/proc/interrupts)"
grep -E 'CPU|idxd' /proc/interrupts

rmmod dmatest
accel-config disable-device "$dev" > /dev/null
rmmod idxd_ims
