#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The parent halts under a virtual device with guest descriptors in flight
# (Documentation/mdev.rst, "Reset, close, removal and host events"). The DSA
# model holds every descriptor for DELAY_US while mdev_guest (scenario halt)
# fills all the slots of its virtual device with halt interrupts enabled;
# the host then halts the device over the model control channel. Passes
# when:
# - the guest sees vector 0, GENSTS halted with reset type FLR and
#   INTCAUSE.HALT, commands other than Reset Device and portal writes are
#   refused, and the descriptors in flight are lost (no record, no data, no
#   completion interrupt);
# - the host driver logs the halt and its recovery by software reset, the
#   model is no longer halted, the device and the mdev's WQ are enabled
#   again;
# - after the recovery a guest Reset Device makes the virtual device usable:
#   it enables again, round trips and a full round of every slot give the
#   right data; in a second cycle, a function level reset (Initiate FLR in
#   the configuration space) does the same;
# - the counters account for exactly the lost descriptors: submitted is the
#   guest's accepted portal writes, nothing rejected, and submitted -
#   completed is what the guest lost;
# - removal gives the WQ back (available_instances returns).

TEST=test_mdev_halt
. "$(dirname "$0")/lib.sh"

WQ_SIZE=16
# held until the halt, which discards them; the timer armed by the last
# submission must not run them first
DELAY_US=60000000
ROUND_TRIPS=8

require_model_ctl
setup_device
require_ims
require_mdev


# stop_guest: the guest must not keep the mdev open when the test ends
# early (removal waits for the device to be closed)
stop_guest() {
	[ -n "$guest" ] && kill "$guest" && wait "$guest"
}

remove_files() {
	rm -rf "$tmp"
}

guest_output() {
	sed 's/^/#   /' "$tmp/out"
}

mdev_setup_wq 0 $WQ_SIZE
mdev_enable_device
start=$(mdev_available)
[ "$start" = 1 ] || fail "available_instances is $start, expected 1"
tmp=$(mktemp -d) || fail "mktemp -d failed"
at_exit remove_files
at_exit model_clear_faults
guest=
at_exit stop_guest

# halt_cycle HOW [OPTION]: a new mdev, the guest's halt scenario with
# OPTION, the host's halt and recovery, the counters, removal; HOW names
# the guest's recovery in the messages
halt_cycle() {
	mdev_create || fail "cannot create an mdev"
	uuid=$MDEV_UUID
	log "$1: created $uuid on $(mdev_attr "$uuid" wq)"
	rm -f "$tmp/ready" "$tmp/recovered"
	model_set delay-us $DELAY_US

	# shellcheck disable=SC2086 # OPTION is empty or one word
	"$MDEV_GUEST" -s 7 -r "$tmp/ready" -u "$tmp/recovered" $2 "$uuid" halt \
		$ROUND_TRIPS > "$tmp/out" 2>&1 &
	guest=$!

	wait_file "$tmp/ready" "$guest" 60 ||
		{ guest_output; fail "mdev_guest did not queue its descriptors (it ended, or took over 60 s)"; }
	log "before the halt: submitted $(mdev_attr "$uuid" submitted), completed $(mdev_attr "$uuid" completed)"

	halt_log=$(log_mark)
	model_set halt true
	wait_log "$halt_log" "device halted, trying a software reset" 10 ||
		{ guest_output; fail "the driver did not report the halt"; }
	wait_log "$halt_log" "recovered from halt by software reset" 20 ||
		{ guest_output; fail "the driver did not recover: $(dmesg | tail -n +$((halt_log + 1)) | grep "$BDF" | tail -n 3)"; }
	model_get halt
	[ "$MODEL_VALUE" = false ] || fail "the model is still halted after recovery"
	[ "$(cat "$(conf_dir)/state")" = enabled ] ||
		fail "$CONF is '$(cat "$(conf_dir)/state")' after recovery, expected enabled"
	[ "$(cat "$(wq_dir 0)/state")" = enabled ] ||
		fail "the mdev's WQ is '$(cat "$(wq_dir 0)/state")' after recovery, expected enabled"
	log "host recovered: $(dmesg | tail -n +$((halt_log + 1)) | grep -c "$BDF") kernel log lines since the halt"

	model_set delay-us 0
	touch "$tmp/recovered"
	wait "$guest"
	rc=$?
	guest=
	guest_output
	guest_out=$(cat "$tmp/out")
	[ $rc -eq 0 ] || fail "mdev_guest halt exited with $rc: $(echo "$guest_out" | grep -m 3 FAIL)"

	# counters: the lost descriptors count as submitted, neither completed nor
	# rejected
	accepted=$(guest_accepted)
	lost=$(echo "$guest_out" | sed -n 's/.*halt: lost=\([0-9]*\) of.*/\1/p')
	submitted=$(mdev_attr "$uuid" submitted)
	completed=$(mdev_attr "$uuid" completed)
	rejected=$(mdev_attr "$uuid" rejected)
	log "counters: submitted $submitted completed $completed rejected $rejected; guest accepted $accepted, lost $lost"
	[ -n "$accepted" ] && [ -n "$lost" ] ||
		fail "mdev_guest did not report its accepted portal writes and lost descriptors"
	[ "$lost" -ge 1 ] || fail "no descriptor was in flight when the parent halted"
	[ "$submitted" = "$accepted" ] ||
		fail "submitted is $submitted, the guest's accepted portal writes $accepted"
	[ "$rejected" = 0 ] || fail "rejected is $rejected, expected 0"
	[ $((submitted - completed)) -eq "$lost" ] ||
		fail "submitted - completed is $((submitted - completed)), the guest lost $lost"

	mdev_remove "$uuid" || fail "cannot remove the mdev"
	[ "$(mdev_available)" = "$start" ] ||
		fail "available_instances is $(mdev_available) after removal, expected $start"
	[ "$(cat "$(wq_dir 0)/state")" != enabled ] ||
		fail "the mdev's WQ is still enabled after removal"
	log "$1: $lost descriptors lost in the halt, guest recovered with $1"
}

halt_cycle "Reset Device"
halt_cycle "a function level reset" -f
pass "descriptors lost in each halt, guest reset after recovery by Reset Device and by FLR, $ROUND_TRIPS round trips and a full round clean each time"
