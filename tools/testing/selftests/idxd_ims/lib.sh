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

# at_exit CMD: run the function CMD (no arguments) when the test exits.
at_exit() {
	cleanup_cmds="$1 $cleanup_cmds"
}

skip() {
	echo "# SKIP $TEST: $*"
	exit $KSFT_SKIP
}

fail() {
	echo "# FAIL $TEST: $*"
	exit $KSFT_FAIL
}

pass() {
	echo "# PASS $TEST${1:+: $1}"
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

# ims_mode: print "ims" or "msix" (how completion vectors are provided).
ims_mode() {
	sed -n 's/^mode: //p' "$TDIR/vectors"
}

ims_size() {
	sed -n 's/^ims_size: //p' "$TDIR/vectors"
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

# vector_rows: vectors allocated by the test hook, one per line:
# index virq kind pasid_en pasid ctrl masked requested count name
vector_rows() {
	grep -v '^#' "$TDIR/vectors" | grep -v ':' | awk '$10 == "idxd_ims-test"'
}

# vector_field INDEX COLUMN: print one column of a test vector's row.
vector_field() {
	vector_rows | awk -v i="$1" -v c="$2" '$1 == i { print $c }'
}

free_test_vectors() {
	test_cmd free all
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

# sysfs_setup_kernel_wq ID SIZE: make WQ ID a dedicated kernel WQ of SIZE
# entries in group 0, served by engine 0, with plain sysfs writes.
sysfs_setup_kernel_wq() {
	echo 0 > "$(engine_dir 0)/group_id" &&
	echo 0 > "$(wq_dir "$1")/group_id" &&
	echo dedicated > "$(wq_dir "$1")/mode" &&
	echo "$2" > "$(wq_dir "$1")/size" &&
	echo 1 > "$(wq_dir "$1")/priority" &&
	echo kernel > "$(wq_dir "$1")/type" &&
	echo "idxd_ims_test$1" > "$(wq_dir "$1")/name" &&
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
