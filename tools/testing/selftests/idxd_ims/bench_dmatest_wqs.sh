#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: dmatest throughput as the number of work queues
# grows, 1, 2, 4 and 8 dedicated kernel WQs (size 16 each, all in one group
# with every engine, configured with accel-config) with one dmatest thread
# per WQ's channel, ITERATIONS memcpys of BUF bytes per thread (norandom,
# noverify), through idxd_ims and through the upstream idxd driver with
# the same configuration, in the same boot: idxd_ims with the counts up,
# idxd up, idxd down, idxd_ims down. Prints the aggregate operations per
# second (the mean of the two passes), each driver's rate relative to its
# own with one WQ, and the ratio idxd_ims / idxd. Run by "make bench"; under TCG the
# numbers measure the software path (two vCPUs, driver, interrupt delivery
# and the device model, which runs every WQ in one QEMU thread), not DSA
# hardware.

TEST=bench_dmatest_wqs
. "$(dirname "$0")/lib.sh"

ITERATIONS=${ITERATIONS:-500}
BUF=${BUF:-4096}
WQS="1 2 4 8"
WQS_DOWN="8 4 2 1"
MAX_WQS=8
conf=/tmp/bench_dmatest_wqs.json

require_root
command -v accel-config > /dev/null || skip "accel-config not found"
BDF=$(find_idxd_pci) || skip "no DSA/IAX PCI function found"

# configure DRIVER: load DRIVER, configure MAX_WQS WQs and enable them
configure() {
	modprobe "$1" || fail "cannot load $1"
	CONF=$(conf_name) || fail "$1 did not probe $BDF"
	engines=0
	for e in "$(conf_dir)"/engine*; do
		[ -e "$e" ] && engines=$((engines + 1))
	done
	accel_config_json "$CONF" $MAX_WQS $engines bench > $conf
	accel-config load-config -c $conf > /dev/null 2>&1 ||
		fail "accel-config could not load a configuration under $1"
	accel-config enable-device "$CONF" > /dev/null 2>&1 ||
		fail "accel-config could not enable $CONF under $1"
	w=0
	while [ $w -lt $MAX_WQS ]; do
		accel-config enable-wq "$CONF/wq${CONF#dsa}.$w" > /dev/null 2>&1 ||
			fail "accel-config could not enable wq $w under $1"
		w=$((w + 1))
	done
	chans=$(for c in /sys/class/dma/*; do basename "$c"; done | sort)
	[ "$(echo "$chans" | wc -l)" -eq $MAX_WQS ] ||
		fail "$1 registered $(echo "$chans" | wc -l) channels, not $MAX_WQS"
}

# teardown DRIVER: disable the device, unload DRIVER
teardown() {
	accel-config disable-device "$CONF" > /dev/null 2>&1 ||
		fail "accel-config could not disable $CONF under $1"
	modprobe -r "$1" || fail "cannot unload $1"
}

# curve DRIVER COUNT...: configure DRIVER, measure each count of WQs in
# turn; appends "driver count ops" per count to rows
rows=''
curve() {
	_drv=$1
	shift
	configure "$_drv"
	for n in "$@"; do
		bench_dmatest_rate "$(echo "$chans" | head -n "$n")" "$ITERATIONS" "$BUF"
		rows="$rows$_drv $n $bench_ops
"
	done
	teardown "$_drv"
}

dmesg -n 1
modprobe -r idxd_ims idxd 2> /dev/null
# idxd_ims, idxd, idxd, idxd_ims with the counts up then down: a load
# that changes steadily over the run weighs the same on every figure
started=$(uptime_s)
# shellcheck disable=SC2086 # one count per word
curve idxd_ims $WQS
# shellcheck disable=SC2086 # one count per word
curve idxd $WQS
# shellcheck disable=SC2086 # one count per word
curve idxd $WQS_DOWN
# shellcheck disable=SC2086 # one count per word
curve idxd_ims $WQS_DOWN
log "4 curves in $(($(uptime_s) - started)) s"

echo "dmatest memcpy, one thread per WQ, $ITERATIONS x $BUF bytes per thread and pass"
echo "(norandom, noverify), dedicated kernel WQs of size 16; ops/s: sum over the"
echo "threads, mean of two passes (idxd_ims, idxd, idxd, idxd_ims)"
echo "$rows" | awk '
	NF == 3 {
		if (!seen[$2]++) order[++nk] = $2
		ops[$1, $2] += $3; n[$1, $2]++
	}
	END {
		printf "%-4s %10s %8s %10s %8s %8s\n", "WQs", "idxd_ims", "/1 WQ",
		       "idxd", "/1 WQ", "ratio"
		for (i = 1; i <= nk; i++) {
			c = order[i]
			a = ops["idxd_ims", c] / n["idxd_ims", c]
			b = ops["idxd", c] / n["idxd", c]
			if (i == 1) { a1 = a; b1 = b }
			printf "%-4d %10.0f %8.2f %10.0f %8.2f %8.2f\n", c, a, a / a1,
			       b, b / b1, a / b
		}
	}'
