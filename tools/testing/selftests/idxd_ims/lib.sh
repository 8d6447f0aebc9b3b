#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers shared by the idxd_ims kselftests (POSIX sh, busybox ash).
# Source it after setting TEST to the test's name.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

DBGFS=/sys/kernel/debug
DRV=idxd_ims
# DSA and IAX device IDs the driver binds to (vendor 0x8086)
IDXD_IMS_DEVIDS="0x0b25 0x11fb 0x1212 0x0cfe 0x1216"

# Cleanup steps registered by the test, run in reverse order on exit.
cleanup_cmds=""

# uptime_s: this machine's uptime in whole seconds (empty where /proc is
# not mounted: a nested guest's agent sources this file before it mounts it)
uptime_s() {
	read -r _up _ 2> /dev/null < /proc/uptime || return 1
	echo "${_up%%.*}"
}

# when the test started, for the time its verdict shows
TEST_STARTED=$(uptime_s)

# test_seconds: seconds since the test started
test_seconds() {
	echo $(($(uptime_s) - ${TEST_STARTED:-0}))
}

log() {
	echo "# $TEST: $*"
}

on_exit() {
	# run the registered steps, newest first, even after a failure
	for cmd in $cleanup_cmds; do
		eval "$cmd" > /dev/null 2>&1
	done
}
trap on_exit EXIT

# at_exit CMD: run the function CMD (no arguments) when the test exits,
# once however often it is registered (at its first registration's place).
at_exit() {
	case " $cleanup_cmds " in
	*" $1 "*) ;;
	*) cleanup_cmds="$1 $cleanup_cmds" ;;
	esac
}

skip() {
	echo "# SKIP $TEST: $* ($(test_seconds) s)"
	exit $KSFT_SKIP
}

# A test may set FAIL_CONTEXT to a function that prints what helps to read
# a failure (a nested guest's console, say); fail runs it first.
FAIL_CONTEXT=

fail() {
	[ -n "$FAIL_CONTEXT" ] && $FAIL_CONTEXT
	echo "# FAIL $TEST: $* ($(test_seconds) s)"
	exit $KSFT_FAIL
}

# The kernel's reports of a problem (the same as scripts/run-vm.sh looks
# for in the console log), as an extended regular expression.
SPLAT_ERE='WARNING:|BUG:|Oops|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|KASAN|UBSAN|sleeping function called from invalid context|blocked for more than|Call Trace:'

# A failed allocation is reported by the kernel with a stack dump
# ("<task>: page allocation failure: ..." or "<task>: vmalloc error: ...",
# then "Call Trace:"). In the task of fail_nth, the helper of
# test_fault_injection.sh that makes its system call with a fault
# injected, that is the injected fault, not a problem: drop_injected_faults
# leaves those dumps' "Call Trace:" lines out of the kernel log it filters.
# (scripts/run-vm.sh does the same with the VM's console.)
drop_injected_faults() {
	awk '/ fail_nth: (page allocation failure|vmalloc error): / { f = 1 }
	     f && /Call Trace:/ { f = 0; next }
	     { print }'
}

# log_splats MARK: the kernel's reports of a problem after the first MARK
# lines of the kernel log
log_splats() {
	dmesg | tail -n +$(($1 + 1)) | drop_injected_faults | grep -E "$SPLAT_ERE"
}

pass() {
	echo "# PASS $TEST${1:+: $1} ($(test_seconds) s)"
	exit $KSFT_PASS
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "must run as root"
}

# find_idxd_pci: print the PCI address of the first DSA/IAX function.
find_idxd_pci() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor" 2>/dev/null)" = 0x8086 ] || continue
		devid=$(cat "$d/device" 2>/dev/null)
		for id in $IDXD_IMS_DEVIDS; do
			if [ "$devid" = "$id" ]; then
				basename "$d"
				return 0
			fi
		done
	done
	return 1
}

# setup_device: set BDF and TDIR (the device's debugfs directory), loading
# idxd_ims; skips when there is no device or the module cannot load.
setup_device() {
	require_root
	[ -d "$DBGFS/$DRV" ] || [ -d "$DBGFS" ] || skip "debugfs not mounted"
	BDF=$(find_idxd_pci) || skip "no DSA/IAX PCI function found"
	if grep -qw '^idxd' /proc/modules; then
		modprobe -r idxd > /dev/null 2>&1 ||
			skip "upstream idxd driver loaded and cannot be removed"
	fi
	if ! grep -qw "^$DRV" /proc/modules; then
		modprobe $DRV || skip "modprobe $DRV failed"
		at_exit unload_driver
	fi
	TDIR=$DBGFS/$DRV/$BDF
	[ -d "$TDIR" ] || fail "$BDF not probed by $DRV (no $TDIR)"
}

unload_driver() {
	modprobe -r $DRV
}

# load_driver_fallback: (re)load the driver with its completion vectors on
# MSI-X (force_msix=1 when the module has the parameter), unloaded at exit.
# Does not check the mode: a driver without the parameter only falls back
# where the platform refuses IMS.
load_driver_fallback() {
	require_root
	find_idxd_pci > /dev/null || skip "no DSA/IAX PCI function found"
	if grep -qw '^idxd' /proc/modules; then
		modprobe -r idxd > /dev/null 2>&1 ||
			skip "upstream idxd driver loaded and cannot be removed"
	fi
	modprobe -r $DRV 2> /dev/null
	modprobe $DRV || skip "modprobe $DRV failed"
	at_exit unload_driver
	if [ -e /sys/module/$DRV/parameters/force_msix ]; then
		if ! modprobe -r $DRV || ! modprobe $DRV force_msix=1; then
			fail "cannot reload $DRV with force_msix=1"
		fi
	fi
}

# log_mark: print the number of kernel log lines so far, for wait_log
log_mark() {
	dmesg | wc -l
}

# wait_file FILE PID SECONDS: wait for a background program (PID) to
# create FILE; returns 1 when the program ended without creating it or
# SECONDS passed.
wait_file() {
	_n=0
	until [ -e "$1" ]; do
		kill -0 "$2" 2> /dev/null || { [ -e "$1" ]; return; }
		[ $_n -lt $(($3 * 10)) ] || return 1
		sleep 0.1
		_n=$((_n + 1))
	done
}

# wait_log MARK PATTERN SECONDS: wait up to SECONDS for a kernel log line
# matching PATTERN after the first MARK lines; fails (returns 1) on timeout.
wait_log() {
	_n=0
	until dmesg | tail -n +$(($1 + 1)) | grep -q "$2"; do
		[ $_n -lt $(($3 * 10)) ] || return 1
		sleep 0.1
		_n=$((_n + 1))
	done
}

# ims_mode: print "ims" or "msix" (how completion vectors are provided).
ims_mode() {
	sed -n 's/^mode: //p' "$TDIR/vectors"
}

ims_size() {
	sed -n 's/^ims_size: //p' "$TDIR/vectors"
}

# msix_size: MSI-X table entries of the device (entry 0: misc interrupt)
msix_size() {
	sed -n 's/^msix_size: //p' "$TDIR/vectors"
}

system_pasid() {
	sed -n 's/^system_pasid: //p' "$TDIR/vectors"
}

require_ims() {
	[ "$(ims_mode)" = ims ] ||
		skip "completion vectors use MSI-X: PCI/IMS not available ($(dmesg | grep -m1 -o 'IMS: .*\|PCI/IMS.*\|kernel has no PCI/IMS.*'))"
}

# test_cmd CMD...: write one command to the test hook.
test_cmd() {
	echo "$*" > "$TDIR/test"
}

# vector_rows_all: every vector row of the debugfs vectors table, one per
# line: index virq kind pasid_en pasid ctrl masked requested count name
vector_rows_all() {
	grep -v '^#' "$TDIR/vectors" | grep -v ':'
}

# vector_rows: the rows of the vectors allocated by the test hook
vector_rows() {
	vector_rows_all | awk '$10 == "idxd_ims-test"'
}

# vector_field INDEX COLUMN: print one column of a test vector's row.
vector_field() {
	vector_rows | awk -v i="$1" -v c="$2" '$1 == i { print $c }'
}

free_test_vectors() {
	test_cmd free all
}

# --- kmemleak ---

KMEMLEAK=$DBGFS/kmemleak

# kmemleak_clear: forget what kmemleak has found so far, for a test that
# looks for its own leaks with kmemleak_expect_clean; fails (returns 1)
# where the kernel has no kmemleak, or it is off.
kmemleak_clear() {
	[ -w $KMEMLEAK ] && echo clear > $KMEMLEAK 2> /dev/null
}

# kmemleak_expect_clean SINCE_UPTIME WHAT: fail the test if kmemleak finds
# a leak, printing its report. SINCE_UPTIME is the uptime (uptime_s) at
# which the test had done everything the check is about: the objects it
# could have leaked were allocated by then. kmemleak reports an object
# that two scans in a row found unreferenced and unchanged, and only when
# it is older than 5 seconds at the second: that starts once uptime_s
# reads SINCE_UPTIME + 6, and the first scan (4 to 6 seconds in a TCG
# VM) runs while the seconds not yet spent since SINCE_UPTIME pass.
kmemleak_expect_clean() {
	_wait=$(($1 + 6 - $(uptime_s)))
	sleep $((_wait > 0 ? _wait : 0)) &
	_sleeper=$!
	echo scan > $KMEMLEAK
	wait $_sleeper
	echo scan > $KMEMLEAK
	_report=$(cat $KMEMLEAK)
	[ -z "$_report" ] && return 0
	echo "$_report" | sed 's/^/# /' | head -n 60
	fail "kmemleak reported leaks $2"
}

# --- kernel work queue, needed to fire completion interrupts ---

# conf_name: name of the dsa bus device for BDF (dsa0, iax0, ...).
conf_name() {
	for c in "/sys/bus/pci/devices/$BDF"/dsa* "/sys/bus/pci/devices/$BDF"/iax*; do
		[ -e "$c" ] && basename "$c" && return 0
	done
	return 1
}

# enable_kernel_wq: configure and enable one dedicated kernel WQ (wq 0,
# group 0, engine 0) with accel-config; skips if that is not possible.
enable_kernel_wq() {
	command -v accel-config > /dev/null || skip "accel-config not found"
	CONF=$(conf_name) || skip "no dsa bus device under $BDF"
	accel-config config-engine "$CONF/engine${CONF#???}.0" --group-id=0 ||
		skip "accel-config cannot configure an engine"
	accel-config config-wq "$CONF/wq${CONF#???}.0" --group-id=0 \
		--mode=dedicated --type=kernel --name=idxd_ims_test \
		--driver-name=dmaengine --wq-size=16 --priority=1 ||
		skip "accel-config cannot configure a kernel WQ"
	accel-config enable-device "$CONF" ||
		skip "accel-config cannot enable $CONF"
	at_exit disable_kernel_wq
	accel-config enable-wq "$CONF/wq${CONF#???}.0" ||
		skip "accel-config cannot enable a kernel WQ"
}

disable_kernel_wq() {
	accel-config disable-wq "$CONF/wq${CONF#???}.0"
	accel-config disable-device "$CONF"
}

# wait_count INDEX WANT: wait up to 5 s for a vector's count to reach WANT.
wait_count() {
	n=0
	while [ "$(vector_field "$1" 9)" -lt "$2" ] && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}

# --- work queue side: dsa bus configuration and dmaengine (wq.c, sysfs.c) ---

# conf_dir: sysfs directory of the dsa bus device (needs CONF, see conf_name)
conf_dir() {
	echo "/sys/bus/dsa/devices/$CONF"
}

# wq_dir ID / engine_dir ID / group_dir ID: sysfs directories of children
wq_dir() {
	echo "$(conf_dir)/wq${CONF#???}.$1"
}

engine_dir() {
	echo "$(conf_dir)/engine${CONF#???}.$1"
}

group_dir() {
	echo "$(conf_dir)/group${CONF#???}.$1"
}

# sysfs_setup_wq ID SIZE TYPE NAME: make WQ ID a dedicated WQ of TYPE and
# SIZE entries in group 0, served by engine 0, with plain sysfs writes.
sysfs_setup_wq() {
	echo 0 > "$(engine_dir 0)/group_id" &&
	echo 0 > "$(wq_dir "$1")/group_id" &&
	echo dedicated > "$(wq_dir "$1")/mode" &&
	echo "$2" > "$(wq_dir "$1")/size" &&
	echo 1 > "$(wq_dir "$1")/priority" &&
	echo "$3" > "$(wq_dir "$1")/type" &&
	echo "$4" > "$(wq_dir "$1")/name"
}

# sysfs_setup_kernel_wq ID SIZE: sysfs_setup_wq for a dmaengine kernel WQ
sysfs_setup_kernel_wq() {
	sysfs_setup_wq "$1" "$2" kernel "idxd_ims_test$1" &&
	echo dmaengine > "$(wq_dir "$1")/driver_name"
}

# sysfs_reset_config: unbind everything and return every WQ and engine to
# the unconfigured state (used as cleanup).
sysfs_reset_config() {
	for w in "$(conf_dir)"/wq*; do
		[ -e "$w/driver" ] && echo "$(basename "$w")" > /sys/bus/dsa/drivers/dmaengine/unbind
	done
	[ -e "$(conf_dir)/driver" ] && echo "$CONF" > /sys/bus/dsa/drivers/idxd/unbind
	for w in "$(conf_dir)"/wq*; do
		echo 0 > "$w/size"
		echo -1 > "$w/group_id"
	done
	for e in "$(conf_dir)"/engine*; do
		echo -1 > "$e/group_id"
	done
}

# dma_channels: dmaengine channels (dmaXchanY) provided by BDF
dma_channels() {
	for c in /sys/class/dma/dma*chan*; do
		[ -e "$c" ] || continue
		case "$(readlink -f "$c/device")" in
		*/"$BDF") basename "$c" ;;
		esac
	done
}

# irq_count NAME: interrupts taken so far on the vector named NAME
irq_count() {
	awk -v n="$1" '$NF == n {
		s = 0
		for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break
		print s; found = 1
	} END { if (!found) print 0 }' /proc/interrupts
}

# accel_config_json DEV NWQS NENGINES NAME: print an accel-config
# configuration for device DEV (dsa0, ...): group 0 with engines 0 to
# NENGINES-1 and NWQS dedicated kernel WQs of size 16, named NAME0, NAME1,
# ..., bound to the dmaengine driver.
accel_config_json() {
	_id=${1#dsa}
	_wqs= _engines=
	_n=0
	while [ $_n -lt "$2" ]; do
		_wqs="$_wqs${_wqs:+,}
      { \"dev\":\"wq$_id.$_n\", \"group_id\":0, \"mode\":\"dedicated\",
        \"size\":16, \"priority\":10, \"type\":\"kernel\",
        \"name\":\"$4$_n\", \"driver_name\":\"dmaengine\" }"
		_n=$((_n + 1))
	done
	_n=0
	while [ $_n -lt "$3" ]; do
		_engines="$_engines${_engines:+, }{ \"dev\":\"engine$_id.$_n\", \"group_id\":0 }"
		_n=$((_n + 1))
	done
	cat <<JSON
[ { "dev":"$1", "groups":[ { "dev":"group$_id.0",
    "grouped_workqueues":[$_wqs ],
    "grouped_engines":[ $_engines ] } ] } ]
JSON
}

# --- device model control channel (test VM only) ---
#
# In the test VM the host relays one-line requests written to the serial
# port named by IDXD_IMS_MODEL_CTL to the QEMU DSA model (scripts/
# model-relay.py): "<seq> qom-set <property> <value>", "<seq> qom-get
# <property>", "<seq> unplug" or "<seq> plug", answered by "<seq> ok
# [<value>]" or "<seq> error <reason>".
# Answers to an earlier, timed-out request are told apart by <seq>.

MODEL_CTL=${IDXD_IMS_MODEL_CTL:-}
MODEL_TIMEOUT=20
model_seq=0

# have_model_ctl: succeed when the host can change the device model's fault
# injection properties, for tests that use them only where they exist.
have_model_ctl() {
	[ -n "$MODEL_CTL" ] && [ -c "$MODEL_CTL" ]
}

# require_model_ctl: skip unless the host can change the device model's
# fault injection properties (it cannot on real hardware).
require_model_ctl() {
	have_model_ctl ||
		skip "no device model control channel (IDXD_IMS_MODEL_CTL${MODEL_CTL:+=$MODEL_CTL} is not a character device: not in the test VM)"
}

# model_request REQUEST...: send one request and wait for its answer. On
# "ok" sets MODEL_VALUE to what follows it and returns 0; otherwise sets
# MODEL_ERROR and returns 1.
model_request() {
	model_seq=$((model_seq + 1))
	MODEL_VALUE= MODEL_ERROR="no answer from the host within ${MODEL_TIMEOUT}s"
	exec 9<> "$MODEL_CTL" || {
		MODEL_ERROR="cannot open $MODEL_CTL"
		return 1
	}
	echo "$model_seq $*" >&9
	while read -r -t $MODEL_TIMEOUT _seq _status _rest <&9; do
		[ "$_seq" = "$model_seq" ] || continue
		if [ "$_status" = ok ]; then
			MODEL_VALUE=$_rest MODEL_ERROR=
		else
			MODEL_ERROR=$_rest
		fi
		break
	done
	exec 9<&-
	[ -z "$MODEL_ERROR" ]
}

# model_set PROPERTY VALUE: set a property of the DSA model (fail-count,
# fail-status, delay-us, drop-irqs, halt); fails the test if the host says
# no. The host has applied it when this returns.
model_set() {
	require_model_ctl
	model_request qom-set "$1" "$2" ||
		fail "host could not set model property $1 to $2: $MODEL_ERROR"
	log "model: $1 = $2"
}

# model_get PROPERTY: set MODEL_VALUE to a property of the DSA model.
model_get() {
	require_model_ctl
	model_request qom-get "$1" ||
		fail "host could not read model property $1: $MODEL_ERROR"
}

# model_clear_faults: stop injecting faults (for at_exit).
model_clear_faults() {
	model_request qom-set fail-count 0
	model_request qom-set delay-us 0
}

# How long the host may take to answer "unplug": QEMU reports the device
# deleted once the guest has ejected it, after the driver's remove; the
# relay gives up after 90 s and says so.
MODEL_HOTPLUG_TIMEOUT=100

# require_hotplug_slot: skip unless BDF sits in a PCI hotplug slot the
# kernel drives (its /sys/bus/pci/slots entry); sets HOTPLUG_SLOT to it.
require_hotplug_slot() {
	for _s in /sys/bus/pci/slots/*; do
		[ "$(cat "$_s/address" 2> /dev/null)" = "${BDF%.*}" ] || continue
		HOTPLUG_SLOT=$_s
		return 0
	done
	skip "$BDF is not in a hotplug slot (no /sys/bus/pci/slots entry with address ${BDF%.*}): not behind a PCIe root port with ACPI hotplug"
}

# model_hotplug unplug|plug: have the host remove the DSA model from its
# hotplug slot (QMP device_del; answered once QEMU reports the device
# deleted, that is once the guest has let it go) or add it back
# (device_add, same type and id); fails the test when the host says no or
# does not answer within MODEL_HOTPLUG_TIMEOUT seconds.
model_hotplug() {
	require_model_ctl
	_saved_timeout=$MODEL_TIMEOUT
	MODEL_TIMEOUT=$MODEL_HOTPLUG_TIMEOUT
	model_request "$1"
	_hotplug_rc=$?
	MODEL_TIMEOUT=$_saved_timeout
	[ $_hotplug_rc -eq 0 ] || fail "host could not $1 the device: $MODEL_ERROR"
	log "model: $1 done"
}

# --- dmatest (drivers/dma/dmatest.c) ---

DMATEST=/sys/module/dmatest/parameters

# load_dmatest: load the dmatest module (skip without it), unloaded at exit.
load_dmatest() {
	modprobe dmatest 2> /dev/null || skip "dmatest module not available"
	at_exit unload_dmatest
}

unload_dmatest() {
	echo 0 > $DMATEST/run
	modprobe -r dmatest
}

# bind_kernel_wqs SIZE ID...: configure each WQ ID as a dedicated kernel WQ
# of SIZE entries with sysfs writes, then enable the device and the WQs
# through the dsa bus (needs CONF); the configuration is reset at exit.
bind_kernel_wqs() {
	_size=$1
	shift
	at_exit sysfs_reset_config
	for _w in "$@"; do
		sysfs_setup_kernel_wq "$_w" "$_size" ||
			fail "cannot configure wq $_w through sysfs"
	done
	echo "$CONF" > /sys/bus/dsa/drivers/idxd/bind || fail "cannot enable $CONF"
	[ "$(cat "$(conf_dir)/state")" = enabled ] ||
		fail "$CONF not enabled after bind"
	for _w in "$@"; do
		basename "$(wq_dir "$_w")" > /sys/bus/dsa/drivers/dmaengine/bind ||
			fail "cannot enable wq $_w"
		[ "$(cat "$(wq_dir "$_w")/state")" = enabled ] ||
			fail "wq $_w not enabled after bind"
	done
}

# dmatest_start CHANNELS ITERATIONS THREADS [TIMEOUT_MS [BUF_SIZE]]: start
# a run of dmatest (memcpy, or what $DMATEST/dmatest says) with THREADS
# threads on each of CHANNELS (a list), buffers of BUF_SIZE bytes (default
# 4 KiB) and a completion timeout per transfer (default 5 s); remembers
# where the kernel log stood and how many threads will report.
dmatest_start() {
	dmatest_log_start=$(log_mark)
	dmatest_threads=0
	echo 0 > $DMATEST/run
	echo "${4:-5000}" > $DMATEST/timeout
	echo "$2" > $DMATEST/iterations
	echo "$3" > $DMATEST/threads_per_chan
	echo "${5:-4096}" > $DMATEST/test_buf_size
	for _c in $1; do
		echo "$_c" > $DMATEST/channel || fail "dmatest refused channel $_c"
		dmatest_threads=$((dmatest_threads + $3))
	done
	echo 1 > $DMATEST/run
}

# dmatest_log: the dmatest lines the kernel logged since dmatest_start.
dmatest_log() {
	dmesg | tail -n +$((dmatest_log_start + 1)) | grep 'dmatest: '
}

# dmatest_over [THREADS]: the run is over: "run" reads N and THREADS
# threads (default: as many as dmatest said it started, "Started N
# threads", when run was set) have logged their summaries; leaves the
# run's dmatest log lines in dmatest_out. dmatest's "run" alone cannot
# tell: it reads N until a woken thread has started. "run" is read with a
# shell built-in, the log only when it says N (where every program started
# is dear: a nested guest's agent uses this).
dmatest_over() {
	read -r _running < $DMATEST/run
	[ "$_running" = N ] || return 1
	dmatest_out=$(dmatest_log)
	_threads=${1:-$(echo "$dmatest_out" |
		sed -n 's/.*Started \([0-9]*\) threads.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')}
	[ "$(echo "$dmatest_out" | grep -c ': summary ')" -ge "$_threads" ]
}

# dmatest_finish SECONDS: wait until the run has ended and every thread
# dmatest_start asked for has logged its summary, failing the test if that
# takes more than SECONDS; leaves the run's dmatest log lines in
# dmatest_out.
dmatest_finish() {
	_n=0
	until dmatest_over "$dmatest_threads"; do
		[ $_n -lt $(($1 * 2)) ] || fail "dmatest still running after $1 s"
		sleep 0.5
		_n=$((_n + 1))
	done
	echo "$dmatest_out" | sed 's/^/# /'
}

# dmatest_count ERE: number of dmatest lines of the last run matching ERE.
dmatest_count() {
	echo "$dmatest_out" | grep -cE "$1"
}

# dmatest_failures: transfers the last run counted as failed, all threads.
dmatest_failures() {
	echo "$dmatest_out" | sed -n 's/.*summary [0-9]* tests, \([0-9]*\) failures.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }'
}

# dmatest_iops: the last run's ops/s (dmatest's "iops"), summed over its
# threads and rounded
dmatest_iops() {
	echo "$dmatest_out" | sed -n 's/.* failures \([0-9.]*\) iops .*/\1/p' |
		awk '{ s += $1 } END { printf "%.0f", s }'
}

# --- copy-rate benchmarks (bench_mdev.sh, bench_guest.sh) ---

# bench_host_copies COUNT: COUNT memmoves of 4 KiB one at a time by one
# dmatest thread on the host's channel (no verification, fixed size); sets
# host_ops to the operations per second
bench_host_copies() {
	load_dmatest
	echo 1 > $DMATEST/norandom
	echo 1 > $DMATEST/noverify
	dmatest_start "$(dma_channels)" "$1" 1
	dmatest_finish 600
	host_ops=$(echo "$dmatest_out" | sed -n 's/.*summary [0-9]* tests, 0 failures \([0-9.]*\) iops.*/\1/p')
	[ -n "$host_ops" ] || fail "no clean dmatest summary: $dmatest_out"
}

# bench_mdev_copies UUID COUNT: the same through the mdev UUID from user
# space (mdev_guest copybench); sets mdev_ops
bench_mdev_copies() {
	run_guest -b 4096 "$1" copybench "$2" > /dev/null ||
		fail "mdev_guest copybench failed"
	mdev_ops=$(echo "$guest_out" | sed -n 's/.*ops_per_s=\([0-9.]*\).*/\1/p')
	[ -n "$mdev_ops" ] || fail "no result from mdev_guest copybench: $guest_out"
}

# bench_mdev_copy_cpu UUID COUNT BYTES: COUNT memmoves of BYTES through
# mdev UUID one at a time (mdev_guest copybench); sets mdev_cpu_us to the
# busy CPU time per memmove, in microseconds.
bench_mdev_copy_cpu() {
	run_guest -b "$3" "$1" copybench "$2" > /dev/null ||
		fail "mdev_guest copybench of $3 bytes failed"
	mdev_cpu_us=$(echo "$guest_out" | sed -n 's/.*cpu_us_per_op=\([0-9.]*\).*/\1/p')
	[ -n "$mdev_cpu_us" ] || fail "no result from mdev_guest copybench: $guest_out"
}

# bench_dmatest_rate CHANNELS ITERATIONS BYTES: one dmatest thread on each
# channel of CHANNELS (a list), ITERATIONS memcpys of exactly BYTES each
# (norandom, noverify), then dmatest unloaded; sets bench_ops and
# bench_kbs to the sums over the threads of their operations per second
# and KB/s. Each thread's rate is over its own run time, so the sum is the
# aggregate rate while the threads run together (they start together and
# have the same work).
bench_dmatest_rate() {
	load_dmatest
	echo 1 > $DMATEST/norandom
	echo 1 > $DMATEST/noverify
	dmatest_start "$1" "$2" 1 10000 "$3"
	dmatest_finish 600 > /dev/null
	unload_dmatest
	_sums=$(echo "$dmatest_out" |
		sed -n 's/.*summary [0-9]* tests, 0 failures \([0-9.]*\) iops \([0-9]*\) KB\/s.*/\1 \2/p' |
		awk '{ o += $1; k += $2; n++ } END { print n + 0, o, k }')
	# shellcheck disable=SC2086 # three numbers
	set -- $_sums
	[ "$1" -eq "$dmatest_threads" ] ||
		fail "$1 of $dmatest_threads dmatest threads ended without failures: $dmatest_out"
	# shellcheck disable=SC2034 # read by the benchmarks
	bench_ops=$2 bench_kbs=$3
}

# --- benchmarks against the upstream idxd driver (bench_dmatest.sh, ...) ---

BENCH_CONF=/tmp/bench.json

# bench_configure DRIVER NWQS: load DRIVER (idxd_ims or idxd), set up one
# group with one engine and NWQS dedicated kernel WQs of size 16 with
# accel-config and enable them; sets bench_dev to the device and
# bench_chans to its dmaengine channels, one per WQ.
bench_configure() {
	modprobe "$1" || fail "cannot load $1"
	bench_dev=
	for _d in /sys/bus/dsa/devices/dsa*; do
		[ -e "$_d" ] && bench_dev=${_d##*/} && break
	done
	[ -n "$bench_dev" ] || fail "$1 did not probe a DSA device"
	accel_config_json "$bench_dev" "$2" 1 bench > $BENCH_CONF
	accel-config load-config -c $BENCH_CONF > /dev/null 2>&1 &&
		accel-config enable-device "$bench_dev" > /dev/null 2>&1 ||
		fail "accel-config could not configure $bench_dev under $1"
	_n=0
	while [ $_n -lt "$2" ]; do
		accel-config enable-wq "$bench_dev/wq${bench_dev#dsa}.$_n" \
			> /dev/null 2>&1 ||
			fail "accel-config could not enable wq$_n of $bench_dev under $1"
		_n=$((_n + 1))
	done
	bench_chans=$(ls /sys/class/dma | head -n "$2")
	[ "$(echo "$bench_chans" | wc -w)" -eq "$2" ] ||
		fail "$1 registered $(echo "$bench_chans" | wc -w) dmaengine channels, not $2"
}

# bench_teardown DRIVER: disable the device bench_configure set up and
# unload DRIVER
bench_teardown() {
	accel-config disable-device "$bench_dev" > /dev/null 2>&1 ||
		fail "accel-config could not disable $bench_dev under $1"
	modprobe -r "$1" || fail "cannot unload $1"
}

# cpu_ticks: the busy and the idle time of all CPUs so far, in USER_HZ
# ticks (/proc/stat)
cpu_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat
}

# pin_dmatest_threads N: pin the N threads dmatest started, in the order
# of their names (channel, then thread), the Nth to CPU N modulo the CPUs
pin_dmatest_threads() {
	_pids=$(for _comm in /proc/[0-9]*/comm; do
		read -r _name < "$_comm" 2> /dev/null || continue
		case "$_name" in
		dma*chan*-copy*) echo "$_name ${_comm%/comm}" ;;
		esac
	done | sort | awk '{ sub("/proc/", "", $2); print $2 }')
	[ "$(echo "$_pids" | wc -w)" -eq "$1" ] ||
		fail "found $(echo "$_pids" | wc -w) dmatest threads to pin, not $1"
	_n=0
	_ncpus=$(nproc)
	for _pid in $_pids; do
		taskset -p $((1 << (_n % _ncpus))) "$_pid" > /dev/null ||
			fail "cannot pin dmatest thread $_pid"
		_n=$((_n + 1))
	done
}

CPU_PROFILE=$(dirname "$0")/cpu_profile

# bench_dmatest_placed DRIVER NCHANS THREADS BUF VERIFY ITERATIONS:
# dmatest memcpy on NCHANS dedicated WQs of DRIVER with THREADS threads
# each, ITERATIONS transfers per thread of up to BUF bytes, VERIFY 1
# (dmatest fills and checks the buffers, random sizes and offsets) or 0
# (every transfer the whole buffer, unchecked). The WQ vectors are
# created with CPU 0 as their affinity and dmatest's threads are pinned
# (pin_dmatest_threads). Sets result to the ops/s summed over the
# threads, failed to the transfers dmatest counted as failed, cpu_us to
# the guest CPU microseconds per transfer (/proc/stat, from the start of
# the run to when its end was seen) and idle to the vCPUs' idle
# percentage over the same time. With bench_profile_period set, cpu_profile
# samples the CPUs every that many microseconds over the same time and
# its report goes to bench_profile_out.
bench_dmatest_placed() {
	read -r _affinity < /proc/irq/default_smp_affinity
	echo 1 > /proc/irq/default_smp_affinity
	bench_configure "$1" "$2"
	echo "$_affinity" > /proc/irq/default_smp_affinity
	modprobe dmatest || fail "cannot load dmatest"
	echo $((1 - $5)) > $DMATEST/noverify
	echo $((1 - $5)) > $DMATEST/norandom
	if [ -n "$bench_profile_period" ]; then
		"$CPU_PROFILE" "$bench_profile_period" idxd_ims idxd dmatest \
			> "$bench_profile_out" &
		_profiler=$!
		# its first line says it samples
		until [ -s "$bench_profile_out" ]; do
			kill -0 "$_profiler" 2> /dev/null ||
				fail "cpu_profile did not start"
			sleep 0.1
		done
	fi
	_before=$(cpu_ticks)
	dmatest_start "$bench_chans" "$6" "$3" 10000 "$4"
	pin_dmatest_threads $(($2 * $3))
	dmatest_finish 900 > /dev/null
	_after=$(cpu_ticks)
	if [ -n "$bench_profile_period" ]; then
		kill -TERM "$_profiler"
		wait "$_profiler" || fail "cpu_profile failed"
	fi
	rmmod dmatest
	bench_teardown "$1"
	[ "$(dmatest_count ': summary ')" -eq $(($2 * $3)) ] ||
		fail "$1: not every dmatest thread reported: $dmatest_out"
	failed=$(dmatest_failures)
	result=$(dmatest_iops)
	# /proc/stat counts in USER_HZ, 100 on x86
	set -- $_before $_after $(($2 * $3 * $6))
	cpu_us=$(awk -v b="$(($3 - $1))" -v n="$5" \
		'BEGIN { printf "%.0f", b * 1000000 / 100 / n }')
	idle=$(awk -v b="$(($3 - $1))" -v i="$(($4 - $2))" \
		'BEGIN { printf "%.0f", b + i ? 100 * i / (b + i) : 0 }')
}

# --- benchmarks through the debugfs test hook ---

# bench_run HOOK ARGS: run the test hook's benchmark HOOK (bench_alloc,
# bench_latency) with ARGS and keep its result lines ("bench WHAT KIND: N
# samples, median X ns, p99 Y ns, mean Z ns, min W ns") in bench_out.
bench_run() {
	_mark=$(dmesg | wc -l)
	test_cmd "$1" "$2" || fail "the $1 hook failed"
	bench_out=$(dmesg | tail -n +$((_mark + 1)) | grep "$BDF: bench ")
}

# bench_fields: the last bench_run's results, "kind samples median p99
# mean min" per line, times in microseconds
bench_fields() {
	echo "$bench_out" | awk '/ samples, median / {
		for (i = 1; i < NF; i++) {
			if ($(i + 1) == "samples,") {
				kind = $(i - 1); sub(":", "", kind); n = $i
			}
			if ($i == "median" || $i == "p99" || $i == "mean" || $i == "min")
				v[$i] = $(i + 1) / 1000
		}
		print kind, n, v["median"], v["p99"], v["mean"], v["min"]
	}'
}

# bench_table TITLE: print the results of the last bench_run in
# microseconds, with the ratio IMS / MSI-X.
bench_table() {
	bench_fields | awk -v title="$1" '
	{
		kind = $1; n = $2; med[kind] = $3; p99[kind] = $4
		mean[kind] = $5; min[kind] = $6; order[++rows] = kind
	}
	END {
		if (!rows) { print "no results"; exit 1 }
		printf "%s, %d samples per kind, interleaved (microseconds)\n", title, n
		printf "%-6s %10s %10s %10s %10s\n", "kind", "median", "p99", "mean", "min"
		for (i = 1; i <= rows; i++) {
			k = order[i]
			printf "%-6s %10.1f %10.1f %10.1f %10.1f\n", k, med[k], p99[k],
			       mean[k], min[k]
		}
		if (("ims" in med) && ("msix" in med) && med["msix"] > 0)
			printf "ratio ims/msix: %.2f (median), %.2f (p99), %.2f (mean), %.2f (min)\n",
			       med["ims"] / med["msix"], p99["ims"] / p99["msix"],
			       mean["ims"] / mean["msix"], min["ims"] / min["msix"]
		else
			print "IMS not in use on this device: no ratio"
	}'
}

# --- mdev: virtual devices through vfio-mdev (mdev.c) ---
#
# A WQ of type "mdev" backs one virtual device; creating the mdev enables
# it, removing the mdev disables it. mdev_guest (built from mdev_guest*.c)
# opens an mdev through VFIO and plays its guest.

MDEV_TYPE=idxd_ims-1dwq
MDEV_DEVS=/sys/bus/mdev/devices
MDEV_GUEST=$(dirname "$0")/mdev_guest
# UUIDs of the mdevs created by this test, removed at exit
mdev_created=""

# mdev_type_dir: the parent's type directory (needs BDF)
mdev_type_dir() {
	echo "/sys/class/mdev_bus/$BDF/mdev_supported_types/$MDEV_TYPE"
}

# require_mdev: skip unless VFIO containers work and BDF is an mdev parent
# (needs BDF, see setup_device); sets CONF.
require_mdev() {
	[ -x "$MDEV_GUEST" ] || skip "mdev_guest is not built"
	[ -c /dev/vfio/vfio ] ||
		skip "no /dev/vfio/vfio: VFIO container (VFIO_CONTAINER) support missing"
	modprobe mdev > /dev/null 2>&1
	[ -d "/sys/class/mdev_bus/$BDF" ] ||
		skip "$BDF has no mdev_bus parent: $DRV built without mdev support or vfio-mdev missing"
	[ -d "$(mdev_type_dir)" ] ||
		fail "$BDF is an mdev parent without the type $MDEV_TYPE"
	CONF=$(conf_name) || fail "no dsa bus device under $BDF"
}

# mdev_type_attr NAME: print an attribute of the mdev type
mdev_type_attr() {
	cat "$(mdev_type_dir)/$1"
}

# mdev_available: available_instances of the mdev type
mdev_available() {
	mdev_type_attr available_instances
}

# mdev_setup_wq ID SIZE: make WQ ID a dedicated type-mdev WQ of SIZE
# entries in group 0 with plain sysfs writes (accel-config does not know
# type mdev); register the configuration reset for the exit first.
mdev_setup_wq() {
	at_exit sysfs_reset_config
	sysfs_setup_wq "$1" "$2" mdev "idxd_ims_mdev$1" ||
		fail "cannot configure wq $1 as a type-mdev WQ through sysfs"
}

# mdev_enable_device: enable CONF through the dsa bus
mdev_enable_device() {
	echo "$CONF" > /sys/bus/dsa/drivers/idxd/bind || fail "cannot enable $CONF"
}

# mdev_new_uuid: print a random UUID
mdev_new_uuid() {
	if [ -r /proc/sys/kernel/random/uuid ]; then
		cat /proc/sys/kernel/random/uuid
	else
		od -An -N16 -tx1 /dev/urandom | tr -d ' \n' |
			sed 's/\(.\{8\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)/\1-\2-\3-\4-/'
	fi
}

# mdev_create: create one mdev of MDEV_TYPE; sets MDEV_UUID, and MDEV_ERR
# to the shell's error message when the write fails. Returns the write's
# status (the test decides whether a failure is expected); an mdev created
# is removed at exit.
mdev_create() {
	MDEV_UUID=$(mdev_new_uuid)
	MDEV_ERR=$( (echo "$MDEV_UUID" > "$(mdev_type_dir)/create") 2>&1) || {
		log "mdev create refused: $MDEV_ERR"
		return 1
	}
	mdev_created="$mdev_created $MDEV_UUID"
	at_exit mdev_remove_all
}

# mdev_remove UUID: remove an mdev; returns the write's status
mdev_remove() {
	[ -e "$MDEV_DEVS/$1" ] || return 1
	echo 1 > "$MDEV_DEVS/$1/remove" || return 1
	_left=
	for _u in $mdev_created; do
		[ "$_u" = "$1" ] || _left="$_left $_u"
	done
	mdev_created=$_left
}

# mdev_remove_all: remove every mdev this test created (for at_exit)
mdev_remove_all() {
	for _u in $mdev_created; do
		[ -e "$MDEV_DEVS/$_u" ] && echo 1 > "$MDEV_DEVS/$_u/remove"
	done
	mdev_created=""
}

# mdev_attr UUID NAME: print one of the mdev's idxd_ims/ attributes
mdev_attr() {
	cat "$MDEV_DEVS/$1/idxd_ims/$2"
}

# mdev_expect_unpinned UUID WHAT: no guest page of the mdev UUID stays
# pinned once its VFIO device is closed (WHAT names the step)
mdev_expect_unpinned() {
	_pinned=$(mdev_attr "$1" pinned_pages)
	[ "$_pinned" = 0 ] ||
		fail "$2: $_pinned guest pages of $1 still pinned after the close"
}

# zero_copy_set Y|N: set the module's zero_copy parameter, back to its
# default Y at exit
zero_copy_set() {
	at_exit zero_copy_restore
	echo "$1" > "/sys/module/$DRV/parameters/zero_copy" ||
		fail "zero_copy refused $1"
}

# shellcheck disable=SC2317 # called through at_exit
zero_copy_restore() {
	echo Y > "/sys/module/$DRV/parameters/zero_copy"
}

# mdev_ims_rows UUID: the debugfs vectors rows of the IMS entries backing
# the mdev's guest vectors, one per line (index virq kind pasid_en pasid ...)
mdev_ims_rows() {
	mdev_attr "$1" vectors | while read -r _k _idx; do
		vector_rows_all | awk -v i="$_idx" '$1 == i && $3 == "ims"'
	done
}

# run_guest ARGS...: run mdev_guest ARGS ([options] UUID SCENARIO [N]) in
# the foreground, its output shown as TAP comments and kept in guest_out;
# returns its exit status.
run_guest() {
	_out=$(mktemp)
	"$MDEV_GUEST" "$@" > "$_out" 2>&1
	_rc=$?
	sed 's/^/#   /' "$_out"
	guest_out=$(cat "$_out")
	rm -f "$_out"
	return $_rc
}

# --- mdev_guest in the background ---
# A background guest has a NAME: its output goes to $BG_DIR/NAME, its pid
# to $BG_DIR/NAME.pid until bg_guest_wait. BG_DIR also holds the files a
# test gives mdev_guest's -r (started) and -u (stop) options.

# bg_guests_init: make BG_DIR; at exit the guests still running are
# stopped (a guest keeps its mdev open, and removing the mdev waits for
# the close) and BG_DIR is removed
bg_guests_init() {
	BG_DIR=$(mktemp -d) || fail "mktemp -d failed"
	at_exit bg_guests_stop
}

# shellcheck disable=SC2317 # called through at_exit
bg_guests_stop() {
	for _pid in "$BG_DIR"/*.pid; do
		[ -e "$_pid" ] && kill "$(cat "$_pid")" 2> /dev/null
	done
	rm -rf "$BG_DIR"
}

# bg_guest NAME ARGS...: start mdev_guest ARGS in the background
bg_guest() {
	_name=$1
	shift
	"$MDEV_GUEST" "$@" > "$BG_DIR/$_name" 2>&1 &
	echo $! > "$BG_DIR/$_name.pid"
}

# bg_guest_pid NAME: the pid of a background guest still waited for
bg_guest_pid() {
	cat "$BG_DIR/$1.pid"
}

# bg_guest_started NAME: wait up to 60 s for a background guest started
# with -r "$BG_DIR/NAME-started" to create that file; when it does not
# (it ended, or took longer) shows its output and returns 1
bg_guest_started() {
	wait_file "$BG_DIR/$1-started" "$(bg_guest_pid "$1")" 60 && return 0
	sed "s/^/#   $1: /" "$BG_DIR/$1"
	return 1
}

# bg_guest_wait NAME: wait for a background guest and show its output;
# returns its exit status
bg_guest_wait() {
	wait "$(bg_guest_pid "$1")"
	_rc=$?
	rm -f "$BG_DIR/$1.pid"
	sed "s/^/#   $1: /" "$BG_DIR/$1"
	return $_rc
}

# guest_accepted [OUTPUT]: portal writes the guest run reported as accepted
# (from OUTPUT, default the last run_guest)
guest_accepted() {
	echo "${1:-$guest_out}" | sed -n 's/.*portal writes accepted=\([0-9]*\).*/\1/p' |
		tail -n 1
}

# mdev_write_err FILE VALUE: write VALUE to FILE; print the shell's error
# message (empty when the write succeeded)
mdev_write_err() {
	( echo "$2" > "$1" ) 2>&1
}
