#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Concurrency stress: for STRESS seconds (20 by default; IDXD_IMS_STRESS,
# set by "make stress STRESS=SECONDS", for longer runs) seven actors work
# on one device at once, each in a loop until a stop file appears:
#   dmatest  verified dmatest runs on the kernel WQs' channels there are
#   wqs      kernel WQs 0 and 1 enabled, then disabled (under dmatest,
#            or after a run of it)
#   config   configuration writes and reads through sysfs and debugfs
#   guest_a  an mdev created, its guest (mdev_guest loop) run, removed
#   guest_b  the same, on another mdev WQ
#   mdevs    mdevs created and removed without a guest
#   rebind   the PCI function unbound and bound again, then configured
# Each actor logs every outcome and judges it: a write refused with an
# errno the object's state explains, a dmatest transfer failed with an
# error the client sees ("prep error", "submit error", "completion error
# status"), a guest that could not open an mdev the unbind removed, are
# allowed; anything else (a "data error", a transfer timed out, a guest
# check failed, another errno, an actor that does not come back) fails
# the test. The stop file appears once the time is up and every actor has
# done a full cycle, so that each actor's work overlaps the others'
# whatever the scheduling. Then the kernel log must have no report, a
# verified dmatest and a new mdev must work, the debugfs vector table
# must be empty once nothing is enabled, and the module must unload.
#
# The actors avoid starting programs where a shell built-in does (each
# program started is dear under TCG).
# shellcheck disable=SC2317 # the actors' steps are called as "${actor}_cycle"
TEST=test_stress
. "$(dirname "$0")/lib.sh"

STRESS=${IDXD_IMS_STRESS:-20}
case "$STRESS" in
'' | *[!0-9]*) fail "IDXD_IMS_STRESS is '$STRESS', expected SECONDS" ;;
esac
# how long an actor may take to do its first full cycle once the time is
# up, or to stop once told: beyond that it is taken for hung
GRACE=120
# the kernel WQs (dmatest), the WQs for mdevs, a WQ that only the config
# actor writes (always writable: no channel or mdev uses it)
KWQS="0 1"
MWQS="2 3 4"
FREE_WQ=7
WQ_SIZE=8
DMATEST_ITERATIONS=20
DMATEST_TIMEOUT_MS=20000
GUEST_LOOPS=16
ACTORS="dmatest wqs config guest_a guest_b mdevs rebind"
DMAENGINE_DRV=/sys/bus/dsa/drivers/dmaengine

setup_device
require_ims
require_mdev
load_dmatest
pdrv=/sys/bus/pci/drivers/$DRV
mark=$(log_mark)

# --- outcomes ---
#
# An actor's log ($S/NAME) has one line per outcome, after the uptime in
# seconds: "cycle" for a full cycle, "ok WHAT", "err WHAT: ERRNO" for an
# allowed refusal, "FAIL WHAT" for anything else. $S/NAME.n counts the
# full cycles.

rec() {
	read -r _up _ < /proc/uptime
	echo "${_up%.*} $*" >> "$S/$actor"
}

bad() {
	rec "FAIL $*"
}

cycle_done() {
	n_cycles=$((n_cycles + 1))
	# replaced whole, so that a reader never sees it empty
	echo "$n_cycles" > "$S/$actor.n.new"
	mv -f "$S/$actor.n.new" "$S/$actor.n"
	rec cycle
}

# cycles NAME: full cycles an actor has done so far
cycles() {
	_c=0
	[ -e "$S/$1.n" ] && read -r _c < "$S/$1.n"
	echo "$_c"
}

# summary NAME: an actor's full cycles, and how often each other outcome
# but a failure came
summary() {
	awk '{ $1 = ""; l = substr($0, 2) }
	     l == "cycle" { c++; next }
	     l == "end" || l ~ /^FAIL/ { next }
	     { sub(/ [0-9]+ transfers.*/, "", l); if (!(l in n)) o[k++] = l; n[l]++ }
	     END {
		printf "%d cycles", c
		for (i = 0; i < k; i++)
			printf "%s %s x%d", i ? "," : ";", o[i], n[o[i]]
	     }' "$S/$1"
}

# put FILE VALUE: write VALUE to FILE in this shell; sets E to OK or to
# the name of the errno the write failed with
put() {
	if { echo "$2" > "$1"; } 2> "$S/$actor.err"; then
		E=OK
		return 0
	fi
	read -r _msg < "$S/$actor.err"
	case "$_msg" in
	*'No such device or address'*) E=ENXIO ;;
	*'No such device'*) E=ENODEV ;;
	*'Device or resource busy'*) E=EBUSY ;;
	*'Invalid argument'*) E=EINVAL ;;
	*'No space left on device'*) E=ENOSPC ;;
	*'nonexistent directory'* | *'No such file or directory'*) E=ENOENT ;;
	# the directory is there, the attribute not (yet, or any more):
	# sysfs refuses to create it
	*'Permission denied'*) E=EACCES ;;
	*) E="'$_msg'" ;;
	esac
	return 1
}

# expect WHAT ERRNO...: judge the last put: OK, or one of the errnos
expect() {
	_what=$1
	shift
	[ "$E" = OK ] && return 0
	for _e in "$@"; do
		if [ "$E" = "$_e" ]; then
			rec "err $_what: $E"
			return 1
		fi
	done
	bad "$_what: $E"
	return 1
}

# --- the device and its configuration ---

# find_conf: set CONF, CD (its sysfs directory) and the prefixes of its
# children's directories; fails while the function is unbound
find_conf() {
	for _c in "/sys/bus/pci/devices/$BDF"/dsa*; do
		[ -e "$_c" ] || return 1
		CONF=${_c##*/}
		CD=/sys/bus/dsa/devices/$CONF
		WQ=$CD/wq${CONF#dsa}.
		ENGINE=$CD/engine${CONF#dsa}.
		GROUP=$CD/group${CONF#dsa}.
		return 0
	done
}

# stress_configure: engines 0 and 1 in group 0, KWQS kernel WQs and MWQS
# mdev WQs of WQ_SIZE (the config actor writes the same values, or is
# refused); needs find_conf
stress_configure() {
	echo 0 > "${ENGINE}0/group_id" && echo 0 > "${ENGINE}1/group_id" ||
		return 1
	for _w in $KWQS $MWQS; do
		_type=kernel
		_name=idxd_ims_test$_w
		case " $MWQS " in
		*" $_w "*)
			_type=mdev
			_name=idxd_ims_mdev$_w
			;;
		esac
		echo 0 > "$WQ$_w/group_id" &&
			echo dedicated > "$WQ$_w/mode" &&
			echo "$WQ_SIZE" > "$WQ$_w/size" &&
			echo 1 > "$WQ$_w/priority" &&
			echo "$_type" > "$WQ$_w/type" &&
			echo "$_name" > "$WQ$_w/name" || return 1
		[ "$_type" = mdev ] || echo dmaengine > "$WQ$_w/driver_name" ||
			return 1
	done
}

# --- actor dmatest: verified runs on the channels there are ---

dmatest_cycle() {
	_chans=
	for _c in "/sys/bus/pci/devices/$BDF/dma"/dma*chan*; do
		[ -e "$_c" ] && _chans="$_chans ${_c##*/}"
	done
	if [ -z "$_chans" ]; then
		sleep 0.1
		return
	fi
	echo 0 > "$DMATEST/run"
	echo "$DMATEST_TIMEOUT_MS" > "$DMATEST/timeout"
	echo "$DMATEST_ITERATIONS" > "$DMATEST/iterations"
	echo 1 > "$DMATEST/threads_per_chan"
	echo 4096 > "$DMATEST/test_buf_size"
	dmatest_log_start=$(log_mark)
	_n=0
	for _c in $_chans; do
		# a channel may be gone (WQ disabled, function unbound) already
		put "$DMATEST/channel" "$_c" && _n=$((_n + 1))
		expect "dmatest channel $_c" EINVAL EBUSY ENODEV
	done
	[ "$_n" -gt 0 ] || return
	: > "$S/dmatest.running"
	put "$DMATEST/run" 1
	expect "dmatest run" || return
	# over once every thread dmatest started (channels may have gone
	# meanwhile) logged its summary
	_t=0
	until dmatest_over; do
		if [ "$_t" -ge $((GRACE * 10)) ]; then
			bad "dmatest run on$_chans not over after $GRACE s"
			rm -f "$S/dmatest.running"
			exit 1
		fi
		sleep 0.1
		_t=$((_t + 1))
	done
	rm -f "$S/dmatest.running"
	# each failure is one the client was told of, and was counted
	_res=$(echo "$dmatest_out" | grep 'result #')
	_nres=$(echo "$_res" | grep -c 'result #')
	_other=$(echo "$_res" | grep 'result #' |
		grep -vE "'(prep error|submit error|completion error status)'")
	if [ -n "$_other" ]; then
		bad "dmatest on$_chans: $(echo "$_other" | head -n 3)"
		return
	fi
	# shellcheck disable=SC2046 # two numbers
	set -- $(echo "$dmatest_out" | sed -n 's/.*summary \([0-9]*\) tests, \([0-9]*\) failures.*/\1 \2/p' |
		awk '{ t += $1; f += $2 } END { print t + 0, f + 0 }')
	if [ "$2" -ne "$_nres" ]; then
		bad "dmatest on$_chans: $2 failures counted, $_nres reported"
		return
	fi
	rec "ok dmatest: $1 transfers, $(($1 - $2)) verified, $2 failed"
	echo "$_res" | sed -n "s/.*'\(.*\)'.*/err dmatest transfer: \1/p" |
		while read -r _l; do rec "$_l"; done
	cycle_done
}

# --- actor wqs: kernel WQs enabled, then disabled ---
#
# Every other cycle disables them as soon as dmatest runs, the others
# once dmatest has done a run that started after they were enabled.

wqs_cycle() {
	_on=0
	_off=0
	_dmatest=$(cycles dmatest)
	for _w in $KWQS; do
		find_conf || { sleep 0.1; return; }
		# refused while the device is not enabled, or when enabled already
		put "$DMAENGINE_DRV/bind" "${WQ##*/}$_w" && _on=$((_on + 1))
		expect "enable wq $_w" ENXIO EBUSY ENODEV
	done
	if [ $((n_cycles % 2)) -eq 0 ]; then
		# while dmatest runs (a few seconds at most)
		_t=0
		while [ ! -e "$S/dmatest.running" ] && [ ! -e "$S/stop" ] &&
		      [ "$_t" -lt 30 ]; do
			sleep 0.1
			_t=$((_t + 1))
		done
	elif [ "$_on" -gt 0 ]; then
		while [ "$(cycles dmatest)" -le $((_dmatest + 1)) ] &&
		      [ ! -e "$S/stop" ]; do
			sleep 0.2
		done
	fi
	for _w in $KWQS; do
		find_conf || return
		put "$DMAENGINE_DRV/unbind" "${WQ##*/}$_w" && _off=$((_off + 1))
		expect "disable wq $_w" ENODEV
	done
	if [ "$_on" -eq 0 ]; then
		sleep 0.2
	elif [ "$_off" -gt 0 ]; then
		cycle_done
	fi
}

# --- actor config: writes and reads through sysfs and debugfs ---

# config_put WHAT FILE VALUE: a write that keeps the configuration as it
# is: refused while its object is in use, fails while the function is
# unbound
config_put() {
	put "$2" "$3"
	expect "$1" EBUSY ENOENT EACCES ENODEV
}

config_prio=1

config_cycle() {
	find_conf || { sleep 0.1; return; }
	config_prio=$((config_prio % 15 + 1))
	_xfer=65536
	[ $((config_prio % 2)) -eq 0 ] || _xfer=2097152
	# the free WQ takes any valid priority, refuses 0 and keeps its value
	_full=1
	put "$WQ$FREE_WQ/priority" "$config_prio"
	expect "wq $FREE_WQ priority" ENOENT EACCES ENODEV || _full=0
	put "$WQ$FREE_WQ/priority" 0
	if [ "$E" != EINVAL ]; then
		expect "wq $FREE_WQ priority 0" ENOENT EACCES ENODEV &&
			bad "wq $FREE_WQ took priority 0"
		_full=0
	fi
	if [ "$_full" -eq 1 ] && read -r _p < "$WQ$FREE_WQ/priority" &&
	   [ "$_p" != "$config_prio" ]; then
		bad "wq $FREE_WQ priority is $_p after a refused 0, not $config_prio"
	fi
	for _w in $KWQS; do
		config_put "wq $_w priority" "$WQ$_w/priority" "$config_prio"
		config_put "wq $_w name" "$WQ$_w/name" "idxd_ims_test$_w"
		config_put "wq $_w driver_name" "$WQ$_w/driver_name" dmaengine
		config_put "wq $_w type" "$WQ$_w/type" kernel
		config_put "wq $_w mode" "$WQ$_w/mode" dedicated
		config_put "wq $_w size" "$WQ$_w/size" "$WQ_SIZE"
		config_put "wq $_w group_id" "$WQ$_w/group_id" 0
		config_put "wq $_w max_transfer_size" "$WQ$_w/max_transfer_size" "$_xfer"
	done
	for _w in $MWQS; do
		config_put "wq $_w priority" "$WQ$_w/priority" "$config_prio"
		config_put "wq $_w type" "$WQ$_w/type" mdev
		config_put "wq $_w size" "$WQ$_w/size" "$WQ_SIZE"
		config_put "wq $_w max_transfer_size" "$WQ$_w/max_transfer_size" "$_xfer"
	done
	config_put "engine 0 group_id" "${ENGINE}0/group_id" 0
	config_put "engine 1 group_id" "${ENGINE}1/group_id" 0
	config_put "group 0 traffic_class_a" "${GROUP}0/traffic_class_a" 1
	config_put "read_buffer_limit" "$CD/read_buffer_limit" 0
	config_put "cmd_status" "$CD/cmd_status" 0
	# and everything readable, while it changes
	cat "$CD"/* "$CD"/*/* "$TDIR/vectors" "$MDEV_DEVS"/*/idxd_ims/* \
		> /dev/null 2>&1
	[ "$_full" -eq 1 ] && cycle_done
}

# --- actors guest_a, guest_b and mdevs: mdevs come and go ---

# new_mdev: create an mdev, refused while the device is not enabled, all
# mdev WQs are taken or the function is unbound; sets U
new_mdev() {
	read -r U < /proc/sys/kernel/random/uuid
	put "/sys/class/mdev_bus/$BDF/mdev_supported_types/$MDEV_TYPE/create" "$U"
	expect "mdev create" ENODEV ENOSPC ENOENT EACCES
}

# del_mdev: remove mdev U (the function's unbind may have done it)
del_mdev() {
	put "$MDEV_DEVS/$U/remove" 1
	expect "mdev remove" ENOENT EACCES ENODEV
}

# how mdev_guest fails to open an mdev that is gone: its IOMMU group is
# gone, or was detached from the guest's container (which then has no
# IOMMU to map with), or the device is; or, with the device open, the
# attributes it reads at open are gone (the removal takes them away
# before it waits for the guest to close the device)
GUEST_OPEN_FATAL='FATAL: (/sys/bus/mdev/devices/.*/iommu_group|open /dev/vfio/|VFIO_GROUP_|group .* is not viable|VFIO_SET_IOMMU|VFIO_IOMMU_MAP_DMA|(realpath|read) /sys/bus/mdev/devices/)'

# guest_cycle SEED: an mdev, its guest's loop, the mdev removed. The
# guest must pass, unless it could not open an mdev that the function's
# unbind removed meanwhile.
guest_cycle() {
	new_mdev || { sleep 0.1; return; }
	"$MDEV_GUEST" -s "$1" -b 4096 "$U" loop "$GUEST_LOOPS" \
		> "$S/$actor.out" 2>&1
	_rc=$?
	_ran=0
	if [ "$_rc" -eq 0 ]; then
		_ran=1
		rec "ok guest"
	elif [ ! -e "$MDEV_DEVS/$U" ] &&
	     _fatal=$(grep -m 1 -E "$GUEST_OPEN_FATAL" "$S/$actor.out"); then
		_fatal=${_fatal#*FATAL: }
		case "$_fatal" in
		*"$U"*) _fatal="${_fatal%%"$U"*}UUID${_fatal#*"$U"}" ;;
		esac
		rec "err guest open of a removed mdev: $_fatal"
	else
		bad "guest on $U (exit $_rc): $(grep -E 'FAIL|FATAL' "$S/$actor.out" | head -n 3 | tr '\n' ' ')"
	fi
	del_mdev
	[ "$_ran" -eq 1 ] && cycle_done
}

guest_a_cycle() {
	guest_cycle $((n_cycles * 2 + 1))
}

guest_b_cycle() {
	guest_cycle $((n_cycles * 2 + 2))
}

mdevs_cycle() {
	new_mdev || { sleep 0.1; return; }
	cat "$MDEV_DEVS/$U"/idxd_ims/* > /dev/null 2>&1
	del_mdev && cycle_done
}

# --- actor rebind: the PCI function unbound, bound and configured ---

# rebind_wait_others: wait until dmatest, wqs and both guests did one more
# cycle, so that they work between two unbinds whatever the scheduling.
# wqs needs a WQ enable and a disable to succeed between two unbinds;
# without the wait it once took 77 s after the time was up to get one.
rebind_wait_others() {
	_dmatest=$(cycles dmatest)
	_wqs=$(cycles wqs)
	_guest_a=$(cycles guest_a)
	_guest_b=$(cycles guest_b)
	while { [ "$(cycles dmatest)" -le "$_dmatest" ] ||
		[ "$(cycles wqs)" -le "$_wqs" ] ||
		[ "$(cycles guest_a)" -le "$_guest_a" ] ||
		[ "$(cycles guest_b)" -le "$_guest_b" ]; } &&
	      [ ! -e "$S/stop" ]; do
		sleep 0.2
	done
}

rebind_cycle() {
	put "$pdrv/unbind" "$BDF" || { bad "PCI unbind: $E"; exit 1; }
	[ ! -d "$TDIR" ] || bad "debugfs directory $TDIR left after the unbind"
	! grep -q "$DRV" /proc/interrupts ||
		bad "interrupts left after the unbind: $(grep "$DRV" /proc/interrupts | tr '\n' ';')"
	put "$pdrv/bind" "$BDF" || { bad "PCI bind: $E"; exit 1; }
	find_conf || { bad "no dsa bus device after the bind"; exit 1; }
	stress_configure 2>> "$S/$actor" ||
		{ bad "configuration after the bind"; exit 1; }
	put /sys/bus/dsa/drivers/idxd/bind "$CONF" ||
		{ bad "enable $CONF: $E"; exit 1; }
	for _w in $KWQS; do
		# the actor wqs may have been first
		put "$DMAENGINE_DRV/bind" "${WQ##*/}$_w"
		expect "enable wq $_w" EBUSY
	done
	cycle_done
	rebind_wait_others
}

# --- running the actors ---

# run_actor NAME: NAME_cycle until the stop file appears
run_actor() {
	actor=$1
	n_cycles=0
	while [ ! -e "$S/stop" ]; do
		"${actor}_cycle"
	done
	rec end
}

# start_actor NAME: run_actor in the background; $S/NAME.done appears
# when it has ended, however
start_actor() {
	: > "$S/$1"
	{
		(run_actor "$1") > /dev/null 2>> "$S/$1"
		: > "$S/$1.done"
	} &
}

# stop_actors: create the stop file and wait up to GRACE s for the
# actors to end; sets STUCK to those that did not
stop_actors() {
	: > "$S/stop"
	STUCK=
	_t=0
	for _a in $ACTORS; do
		[ -e "$S/$_a" ] || continue
		while [ ! -e "$S/$_a.done" ] && [ $_t -lt $((GRACE * 10)) ]; do
			sleep 0.1
			_t=$((_t + 1))
		done
		[ -e "$S/$_a.done" ] || STUCK="$STUCK $_a"
	done
}

# shellcheck disable=SC2317 # called through at_exit
stop_all() {
	stop_actors
	[ -z "$STUCK" ] || return
	echo 0 > "$DMATEST/run"
	read -r _r < "$DMATEST/run"
	for _u in "$(mdev_type_dir)"/devices/*; do
		[ -e "$_u/remove" ] && echo 1 > "$_u/remove"
	done
	rm -rf "$S"
}

# show_actors: the last outcomes of each actor, and the tasks stuck in
# the kernel (for fail)
show_actors() {
	for _a in $ACTORS; do
		echo "# $_a: $(cycles "$_a") cycles, last outcomes:"
		tail -n 8 "$S/$_a" | sed 's/^/#   /'
	done
	for _p in /proc/[0-9]*; do
		grep -q '^State:.*D (disk sleep)' "$_p/status" 2> /dev/null ||
			continue
		echo "# stuck: $(cat "$_p/comm") (${_p#/proc/}):"
		sed 's/^/#   /' "$_p/stack" 2> /dev/null
	done
}

S=$(mktemp -d) || fail "mktemp -d failed"
find_conf || fail "no dsa bus device under $BDF"
at_exit sysfs_reset_config
at_exit stop_all
stress_configure || fail "cannot configure $CONF through sysfs"
echo "$CONF" > /sys/bus/dsa/drivers/idxd/bind || fail "cannot enable $CONF"
FAIL_CONTEXT=show_actors
for a in $ACTORS; do
	start_actor "$a"
done
log "actors $ACTORS started for $STRESS s ($(test_seconds) s)"

# until the time is up and every actor did a full cycle
end=$(($(uptime_s) + STRESS))
while :; do
	for a in $ACTORS; do
		[ ! -e "$S/$a.done" ] || fail "actor $a ended early"
	done
	if [ "$(uptime_s)" -ge $end ]; then
		idle=
		for a in $ACTORS; do
			[ "$(cycles "$a")" -gt 0 ] || idle="$idle $a"
		done
		[ -n "$idle" ] || break
		[ "$(uptime_s)" -lt $((end + GRACE)) ] ||
			fail "no full cycle in $((STRESS + GRACE)) s:$idle"
	fi
	sleep 1
done
log "stop after $(($(uptime_s) - end + STRESS)) s"
stop_actors
[ -z "$STUCK" ] || fail "actors still running $GRACE s after the stop:$STUCK"
log "actors stopped ($(test_seconds) s)"

# --- what each actor did, and what went wrong ---
for a in $ACTORS; do
	log "$a: $(summary "$a")"
done
# shellcheck disable=SC2086 # one file per actor
failures=$(cd "$S" && grep -h ' FAIL ' $ACTORS)
if [ -n "$failures" ]; then
	echo "$failures" | head -n 20 | sed 's/^/# /'
	fail "$(echo "$failures" | grep -c .) actor outcome(s) not allowed"
fi
transfers=$(grep -h ' ok dmatest' "$S/dmatest" |
	awk '{ t += $4; v += $6; f += $8 } END { print t + 0, v + 0, f + 0 }')
log "dmatest: transfers, verified, failed with an error: $transfers"
splats=$(log_splats "$mark")
[ -z "$splats" ] || fail "the kernel reported: $splats"
FAIL_CONTEXT=

# --- the device still works ---
find_conf || fail "no dsa bus device after the stress"
for w in $KWQS; do
	[ -e "$WQ$w/driver" ] || echo "${WQ##*/}$w" > "$DMAENGINE_DRV/bind" ||
		fail "cannot enable wq $w after the stress"
done
# a channel that dmatest held when its WQ was disabled goes once the
# driver's teardown work has run after dmatest let go of it
t=0
while [ "$(dma_channels | grep -c .)" -ne 2 ]; do
	[ $t -lt 100 ] || fail "channels after the stress: $(dma_channels | tr '\n' ' ')"
	sleep 0.1
	t=$((t + 1))
done
dmatest_start "$(dma_channels)" $DMATEST_ITERATIONS 1 $DMATEST_TIMEOUT_MS
dmatest_finish 300
if [ "$(dmatest_failures)" != 0 ] ||
   [ "$(dmatest_count "summary $DMATEST_ITERATIONS tests")" != 2 ]; then
	fail "dmatest after the stress: $(echo "$dmatest_out" | grep summary)"
fi
read -r _r < "$DMATEST/run"
mdev_create || fail "cannot create an mdev after the stress"
run_guest "$MDEV_UUID" loop 8 || fail "a new mdev does not work after the stress"
mdev_remove "$MDEV_UUID" || fail "cannot remove the mdev"

# --- everything comes back ---
log "the device works ($(test_seconds) s)"
sysfs_reset_config
rows=$(vector_rows_all)
[ -z "$rows" ] ||
	fail "vectors still allocated with nothing enabled: $(echo "$rows" | tr '\n' ';')"
modprobe -r dmatest || fail "cannot unload dmatest"
modprobe -r $DRV || fail "cannot unload $DRV after the stress"
! grep -q "$DRV" /proc/interrupts || fail "interrupts left after unloading $DRV"
splats=$(log_splats "$mark")
[ -z "$splats" ] || fail "the kernel reported: $splats"
pass "$STRESS s of seven actors at once; $(echo "$transfers" |
	awk '{ print $1 " dmatest transfers, " $2 " verified" }')"
