#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the idxd_ims test VM (busybox ash). The kernel command line
# passes IDXD_IMS_MODE (test, run, bench or shell), IDXD_IMS_SETUP (vtd,
# noiommu or noopt), IDXD_IMS_MODEL_CTL (the serial port of the device model
# control channel) and optionally IDXD_IMS_TESTS (collection:test, comma
# separated; a list starting with "!" names the tests to leave out),
# IDXD_IMS_BENCH (the benchmarks to run, comma separated; all without it),
# IDXD_IMS_FUZZ (test_mdev_fuzz.sh's SECONDS[:SEED], for make fuzz),
# IDXD_IMS_STRESS (test_stress.sh's SECONDS, for make stress) and
# IDXD_IMS_FAULTS (test_fault_injection.sh's fault sites, for make faults) as
# environment variables. Kernel messages go to ttyS0; in test
# mode the kselftest TAP goes to ttyS1 and ends with the sentinel line
# "IDXD_IMS_DONE rc=<n>".

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export IDXD_IMS_SETUP IDXD_IMS_MODEL_CTL IDXD_IMS_FUZZ IDXD_IMS_STRESS IDXD_IMS_FAULTS

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin
ln -s fd/1 /dev/stdout
ln -s fd/2 /dev/stderr
hostname idxd-ims-vm
# The control channel carries lines both ways: no echo, no translation.
[ -n "$IDXD_IMS_MODEL_CTL" ] && stty -F "$IDXD_IMS_MODEL_CTL" raw -echo clocal 2>/dev/null

# kmemleak_report: scan for leaks and print them on the console. kmemleak
# reports an object that two scans in a row found unreferenced and
# unchanged, and only when it is older than 5 seconds at the second scan.
# The first scan (4 to 6 seconds of a TCG VM) runs while those seconds
# pass.
kmemleak_report() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	sleep 6 &
	echo scan > /sys/kernel/debug/kmemleak
	wait $!
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > /dev/console
}

case "$IDXD_IMS_MODE" in
test)
	tap=/dev/ttyS1
	stty -F $tap raw -echo 2>/dev/null
	cd /kselftest || exit 1
	# IDXD_IMS_TESTS: the collection:test entries to run or, when the
	# list starts with "!", the ones to leave out of all the others. The
	# runner gets them as its list rather than one -t option each, for
	# which it starts a grep per test.
	case "$IDXD_IMS_TESTS" in
	'')
		;;
	'!'*)
		echo "$IDXD_IMS_TESTS" | tr ',' '\n' | sed 's/^!//' > /tmp/skip
		grep -v -F -x -f /tmp/skip kselftest-list.txt > /tmp/list
		mv /tmp/list kselftest-list.txt
		;;
	*)
		echo "$IDXD_IMS_TESTS" | tr ',' '\n' > kselftest-list.txt
		;;
	esac
	# make fuzz, make stress: the test runs as long as asked, and some
	# more
	timeout=
	[ -n "$IDXD_IMS_FUZZ" ] &&
		timeout="--override-timeout $((${IDXD_IMS_FUZZ%%:*} + 600))"
	[ -n "$IDXD_IMS_STRESS" ] &&
		timeout="--override-timeout $((IDXD_IMS_STRESS + 600))"
	# shellcheck disable=SC2086 # no option, or an option and its value
	./run_kselftest.sh $timeout > $tap 2>&1
	rc=$?
	kmemleak_report
	echo "IDXD_IMS_DONE rc=$rc" > $tap
	;;
bench)
	cd /kselftest/idxd_ims || exit 1
	benches=$(echo "$IDXD_IMS_BENCH" | tr ',' ' ')
	for bench in ${benches:-bench_*}; do
		"./${bench%.sh}.sh"
	done
	echo "IDXD_IMS_DONE rc=$?"
	;;
run)
	/usr/share/idxd_ims/demo.sh
	kmemleak_report
	echo "IDXD_IMS_DONE rc=$?"
	;;
*)
	echo "idxd_ims VM ($IDXD_IMS_SETUP): tests in /kselftest, poweroff with 'reboot -f'"
	setsid cttyhack sh -l
	;;
esac
sync
reboot -f
