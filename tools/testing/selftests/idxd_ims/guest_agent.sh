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
# Commands:
#   probe            load idxd, print "device <dsaN> <pci address>"
#   enable           accel-config: wq0.0 a dedicated dmaengine kernel WQ,
#                    enable the device and the WQ
#   dmatest N [noverify]
#                    N verified dmatest copies of 4 KiB on the WQ's channel
#                    (not verified, of a fixed size, with noverify); prints
#                    the summary, "failures <n>", "iops <rate>" and
#                    "wq_irqs <count>"
#   wq_irqs          print "wq_irqs <count>" (WQ vector, /proc/interrupts)
#   flr              function reset of the device through its sysfs reset
#                    (idxd in Linux 6.12 has no reset handlers: it must be
#                    bound again afterwards, see rebind)
#   rebind           unbind idxd from the device and bind it again
#   dmesg            print the guest's kernel log
#   reboot           reboot the guest (the VMM resets the device); no answer
# A command's state (device name, PCI address) is kept in files under /tmp
# (the initramfs itself when the agent is /init).

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

state_get() {
	cat "$STATE/$1" 2> /dev/null
}

cmd_probe() {
	modprobe idxd || fail "modprobe idxd failed"
	dev=
	for d in /sys/bus/dsa/devices/dsa*; do
		[ -e "$d" ] && dev=${d##*/} && break
	done
	[ -n "$dev" ] || fail "idxd probed no DSA device: $(dmesg | grep -i idxd | tail -n 3)"
	bdf=$(basename "$(readlink -f /sys/bus/dsa/devices/$dev/..)")
	echo "$dev" > "$STATE/dev"
	echo "$bdf" > "$STATE/bdf"
	echo "device $dev $bdf"
}

# cmd_enable: idxd enables a device that is not configurable (the slice)
# when it probes it: the dsa bus binds it to the idxd device driver at once.
# accel-config enable-device refuses a device that is enabled already, so
# it is disabled first, which accel-config also does.
cmd_enable() {
	dev=$(state_get dev)
	[ -n "$dev" ] || fail "no device: run probe first"
	id=${dev#dsa}
	wq=wq$id.0
	if [ "$(cat /sys/bus/dsa/devices/$dev/state)" = enabled ]; then
		accel-config disable-device "$dev" ||
			fail "accel-config disable-device $dev"
	fi
	accel-config config-wq "$dev/$wq" --type=kernel --name=$WQ_NAME \
		--driver-name=dmaengine || fail "accel-config config-wq $dev/$wq"
	accel-config enable-device "$dev" || fail "accel-config enable-device $dev"
	accel-config enable-wq "$dev/$wq" || fail "accel-config enable-wq $dev/$wq"
	state=$(cat /sys/bus/dsa/devices/$wq/state)
	[ "$state" = enabled ] || fail "$wq is '$state' after enable-wq"
	echo "enabled $dev $wq"
}

# wq_chan: the dmaengine channel of wq0.0, the guest's only one
wq_chan() {
	for c in /sys/class/dma/dma*chan*; do
		[ -e "$c" ] && basename "$c" && return 0
	done
	return 1
}

# cmd_wq_irqs: interrupts of the WQ's vector (upstream names its WQ
# vectors idxd-portal; the misc interrupt is idxd-misc)
cmd_wq_irqs() {
	echo "wq_irqs $(irq_count idxd-portal)"
}

# cmd_dmatest N [noverify]: N copies of 4 KiB by one dmatest thread, each
# verified unless "noverify" (then of a fixed size, for a benchmark)
cmd_dmatest() {
	chan=$(wq_chan) || fail "wq0.0 has no dmaengine channel"
	load_dmatest
	_bench=0
	[ "$2" = noverify ] && _bench=1
	echo $_bench > $DMATEST/noverify
	echo $_bench > $DMATEST/norandom
	dmatest_start "$chan" "$1" 1 10000
	dmatest_finish 900
	summary=$(echo "$dmatest_out" | grep "$chan-copy0: summary")
	[ -n "$summary" ] || fail "dmatest printed no summary for $chan"
	echo "failures $(dmatest_failures)"
	echo "iops $(echo "$summary" | sed -n 's/.* failures \([0-9.]*\) iops.*/\1/p')"
	cmd_wq_irqs
	echo "$summary" | grep -q "summary $1 tests, 0 failures" ||
		fail "dmatest: $summary"
}

cmd_flr() {
	bdf=$(state_get bdf)
	grep -q . /sys/bus/pci/devices/$bdf/reset_method ||
		fail "$bdf offers no reset method"
	echo "reset_method $(cat /sys/bus/pci/devices/$bdf/reset_method)"
	echo 1 > /sys/bus/pci/devices/$bdf/reset || fail "reset of $bdf failed"
	dev=$(state_get dev)
	echo "after reset: $dev $(cat /sys/bus/dsa/devices/$dev/state), wq $(cat /sys/bus/dsa/devices/wq${dev#dsa}.0/state)"
}

cmd_rebind() {
	bdf=$(state_get bdf)
	echo "$bdf" > /sys/bus/pci/drivers/idxd/unbind || fail "unbind $bdf"
	[ ! -e /sys/bus/pci/devices/$bdf/driver ] || fail "$bdf still bound"
	echo "$bdf" > /sys/bus/pci/drivers/idxd/bind || fail "bind $bdf"
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
	# the status of the command, not of sed
	( ( $_cmd "$@" ); echo $? > "$STATE/rc" ) 2>&1 | sed "s/^/$_seq| /"
	echo "$_seq rc=$(cat "$STATE/rc")"
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
