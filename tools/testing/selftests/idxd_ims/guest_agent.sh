#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The agent inside a nested guest that was given a virtual DSA device
# (QEMU vfio-pci on an idxd_ims vfio-mdev). It is the guest's /init: it
# mounts what the tools need, then serves one-line commands from the host
# test (test_guest.sh) on the serial port GUEST_AGENT_TTY (default
# /dev/ttyS1) with the stock upstream idxd driver, accel-config and dmatest.
#
# Protocol, one line each way per step:
#   host:  "<seq> <command> [<arg>...]"
#   guest: "<seq>| <output line>"   any number of them, then
#          "<seq> rc=<status>"      0 for success
# and "agent ready uptime <seconds>" each time the guest has booted.
# Commands, each on every slice the guest has (dsaN, in PCI order):
#   probe            load idxd, print "device <dsaN> <pci address>" for each
#   enable [wq]      accel-config: wqN.0 a dedicated dmaengine kernel WQ,
#                    enable the device and the WQ; with "wq" only the WQ
#                    (the device is enabled by idxd's probe, see below)
#   dmatest N [noverify]
#                    N verified dmatest copies of 4 KiB on each WQ's channel,
#                    one thread per channel, all at once (not verified, of a
#                    fixed size, with noverify); prints for each device
#                    "wq_irqs_before <dsaN> <count>", the channel's summary,
#                    "failures <dsaN> <n>", "iops <dsaN> <rate>" and
#                    "wq_irqs <dsaN> <count>"
#   wq_irqs          print "wq_irqs <dsaN> <count>" (WQ vector,
#                    /proc/interrupts)
#   flr              function reset of each device through its sysfs reset
#                    (idxd in Linux 6.12 has no reset handlers: it must be
#                    bound again afterwards, see rebind)
#   rebind           unbind idxd from each device and bind it again
#   dmesg            print the guest's kernel log
#   reboot           reboot the guest (the VMM resets the devices); no answer
# The devices found by probe (name and PCI address, one per line) are kept
# in a file under /tmp (the initramfs itself when the agent is /init).

TEST=guest_agent
. "${0%/*}/lib.sh"
trap - EXIT

TTY=${GUEST_AGENT_TTY:-/dev/ttyS1}
STATE=/tmp/guest_agent
WQ_NAME=guest

# guest_mounts: what /init must set up before anything runs (no more: in
# a nested guest every program started costs seconds)
guest_mounts() {
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
}

# devices: the "<dsaN> <pci address>" lines of the devices probe found
devices() {
	[ -s "$STATE/devs" ] || fail "no device: run probe first"
	cat "$STATE/devs"
}

cmd_probe() {
	modprobe idxd || fail "modprobe idxd failed"
	: > "$STATE/devs"
	for d in /sys/bus/dsa/devices/dsa*; do
		[ -e "$d" ] || continue
		cd -P "$d/.." || fail "no parent device for ${d##*/}"
		echo "${d##*/} ${PWD##*/}" >> "$STATE/devs"
	done
	cd /
	[ -s "$STATE/devs" ] || fail "idxd probed no DSA device"
	sed 's/^/device /' "$STATE/devs"
}

# enable_device DEV [wq]: idxd enables a device that is not configurable
# (the slice) when it probes it: the dsa bus binds it to the idxd device
# driver at once. accel-config enable-device refuses a device that is
# enabled already, so it is disabled first, which accel-config also does.
# With "wq" the device is left as the probe enabled it and only the WQ is
# configured and enabled (two runs of accel-config instead of four).
enable_device() {
	dev=$1
	wq=wq${dev#dsa}.0
	read -r state < "/sys/bus/dsa/devices/$dev/state"
	if [ "$2" = wq ]; then
		[ "$state" = enabled ] || fail "$dev is '$state' after its probe"
	elif [ "$state" = enabled ]; then
		accel-config disable-device "$dev" ||
			fail "accel-config disable-device $dev"
	fi
	accel-config config-wq "$dev/$wq" --type=kernel --name=$WQ_NAME \
		--driver-name=dmaengine || fail "accel-config config-wq $dev/$wq"
	if [ "$2" != wq ]; then
		accel-config enable-device "$dev" ||
			fail "accel-config enable-device $dev"
	fi
	accel-config enable-wq "$dev/$wq" || fail "accel-config enable-wq $dev/$wq"
	read -r state < "/sys/bus/dsa/devices/$wq/state"
	[ "$state" = enabled ] || fail "$wq is '$state' after enable-wq"
	echo "enabled $dev $wq"
}

cmd_enable() {
	devices > "$STATE/list"
	while read -r dev _bdf; do
		enable_device "$dev" "$1"
	done < "$STATE/list"
}

# wq_chan BDF: the dmaengine channel of the device at BDF (of its wqN.0,
# its only one)
wq_chan() {
	for c in /sys/bus/pci/devices/$1/dma/dma*chan*; do
		[ -e "$c" ] && echo "${c##*/}" && return 0
	done
	return 1
}

# wq_irq_count BDF: interrupts of the WQ vector of the device at BDF in
# /proc/interrupts, summed over the CPUs (upstream names its WQ vectors
# idxd-portal, the misc interrupt idxd-misc; the chip column names the
# device); shell built-ins only, like the rest of the hot paths here: in a
# nested guest every program started costs seconds
wq_irq_count() {
	_bdf=$1
	_sum=0
	while read -r _irq _fields; do
		case "$_fields" in
		*"$_bdf"*idxd-portal*) ;;
		*) continue ;;
		esac
		# shellcheck disable=SC2086 # split into the per-CPU counts
		set -- $_fields
		for _f in "$@"; do
			case "$_f" in
			*[!0-9]*) break ;;
			esac
			_sum=$((_sum + _f))
		done
	done < /proc/interrupts
	echo "$_sum"
}

cmd_wq_irqs() {
	devices > "$STATE/list"
	while read -r dev bdf; do
		echo "wq_irqs $dev $(wq_irq_count "$bdf")"
	done < "$STATE/list"
}

# cmd_dmatest N [noverify]: N copies of 4 KiB by one dmatest thread on
# each device's channel, all at once, each verified unless "noverify"
# (then of a fixed size, for a benchmark); prints each WQ vector's count
# before and after
cmd_dmatest() {
	devices > "$STATE/list"
	[ -d $DMATEST ] || modprobe dmatest || fail "modprobe dmatest failed"
	_bench=0
	[ "$2" = noverify ] && _bench=1
	echo 0 > $DMATEST/run
	echo $_bench > $DMATEST/noverify
	echo $_bench > $DMATEST/norandom
	_chans=
	while read -r dev bdf; do
		chan=$(wq_chan "$bdf") || fail "$dev's wq has no dmaengine channel"
		_chans="$_chans $chan"
		echo "wq_irqs_before $dev $(wq_irq_count "$bdf")"
	done < "$STATE/list"
	dmatest_start "$_chans" "$1" 1 10000
	dmatest_finish 600 > /dev/null
	_rc=0
	while read -r dev bdf; do
		chan=$(wq_chan "$bdf")
		summary=$(echo "$dmatest_out" | grep -F "$chan-copy0: summary ")
		echo "# $summary"
		_tests=${summary#*summary }
		_failures=${_tests#* tests, }
		_iops=${_failures#* failures }
		echo "failures $dev ${_failures%% failures*}"
		echo "iops $dev ${_iops%% iops*}"
		echo "wq_irqs $dev $(wq_irq_count "$bdf")"
		[ "${_tests%% tests,*}" = "$1" ] &&
			[ "${_failures%% failures*}" = 0 ] || _rc=1
	done < "$STATE/list"
	[ $_rc = 0 ] || fail "dmatest: not every channel ran $1 copies without a failure"
}

cmd_flr() {
	devices > "$STATE/list"
	while read -r dev bdf; do
		grep -q . /sys/bus/pci/devices/$bdf/reset_method ||
			fail "$bdf offers no reset method"
		echo "reset_method $dev $(cat /sys/bus/pci/devices/$bdf/reset_method)"
		echo 1 > /sys/bus/pci/devices/$bdf/reset ||
			fail "reset of $bdf failed"
		echo "after reset: $dev $(cat /sys/bus/dsa/devices/$dev/state), wq $(cat /sys/bus/dsa/devices/wq${dev#dsa}.0/state)"
	done < "$STATE/list"
}

cmd_rebind() {
	devices > "$STATE/list"
	while read -r dev bdf; do
		echo "$bdf" > /sys/bus/pci/drivers/idxd/unbind ||
			fail "unbind $bdf"
		[ ! -e /sys/bus/pci/devices/$bdf/driver ] ||
			fail "$bdf still bound"
		echo "$bdf" > /sys/bus/pci/drivers/idxd/bind || fail "bind $bdf"
	done < "$STATE/list"
	cmd_probe
}

cmd_dmesg() {
	dmesg
}

# run_command SEQ COMMAND ARGS...: run one command in a subshell (fail and
# skip end the subshell, not the agent) and answer
run_command() {
	_seq=$1
	shift
	case "$1" in
	probe | enable | dmatest | wq_irqs | flr | rebind | dmesg) ;;
	reboot)
		echo "$_seq rc=0"
		sync
		reboot -f
		;;
	*)
		echo "$_seq| unknown command '$1'"
		echo "$_seq rc=2"
		return
		;;
	esac
	_cmd=cmd_$1
	shift
	# a subshell, so that fail and skip end the command, not the agent
	( $_cmd "$@" ) > "$STATE/out" 2>&1
	_rc=$?
	while IFS= read -r _l; do
		echo "$_seq| $_l"
	done < "$STATE/out"
	echo "$_seq rc=$_rc"
}

[ "$$" = 1 ] && guest_mounts
mkdir -p "$STATE"
stty -F "$TTY" raw -echo clocal 2> /dev/null
exec < "$TTY" > "$TTY" 2>&1
read -r uptime _ < /proc/uptime
echo "agent ready uptime $uptime"
while read -r seq cmd args; do
	[ -n "$seq" ] || continue
	run_command "$seq" "$cmd" $args
done
