#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Two virtual devices on two type-mdev WQs, each opened by its own
# mdev_guest in its own VFIO container, used at the same time: each guest
# checks its own data (distinct patterns) and that only its own vectors
# fire; then one guest runs the error paths and a storm of bad descriptors
# while the other keeps copying. Both must pass, and each mdev's counters
# must match what its guest did.
TEST=test_mdev_isolation
. "$(dirname "$0")/lib.sh"

WQ_SIZE=8
LOOPS=${MDEV_LOOPS:-1000}
STORM=${MDEV_STORM:-2000}

setup_device
require_ims
require_mdev

# guest_window NAME: the CLOCK_MONOTONIC window (start end, ns) a guest's
# loop ran in
guest_window() {
	sed -n 's/.*loop: window \([0-9]*\) \([0-9]*\) ns.*/\1 \2/p' "$BG_DIR/$1"
}

mdev_setup_wq 0 $WQ_SIZE
mdev_setup_wq 1 $WQ_SIZE
mdev_enable_device
[ "$(mdev_available)" = 2 ] ||
	fail "available_instances is $(mdev_available) with two free type-mdev WQs, expected 2"
mdev_create || fail "cannot create the first mdev"
a=$MDEV_UUID
mdev_create || fail "cannot create the second mdev"
b=$MDEV_UUID
[ "$(mdev_available)" = 0 ] || fail "available_instances is $(mdev_available) with both WQs used"
[ "$(mdev_attr "$a" wq)" != "$(mdev_attr "$b" wq)" ] ||
	fail "both mdevs are on $(mdev_attr "$a" wq)"
[ "$(readlink "$MDEV_DEVS/$a/iommu_group")" != "$(readlink "$MDEV_DEVS/$b/iommu_group")" ] ||
	fail "both mdevs are in the same IOMMU group"
ims_a=$(mdev_attr "$a" vectors | awk '{ print $2 }')
ims_b=$(mdev_attr "$b" vectors | awk '{ print $2 }')
[ "$ims_a" != "$ims_b" ] || fail "both mdevs' vector 1 on IMS entry $ims_a"
log "A $a on $(mdev_attr "$a" wq) (IMS $ims_a), B $b on $(mdev_attr "$b" wq) (IMS $ims_b)"

# --- each IMS entry carries its own mdev's PASID, when there are PASIDs ---
spasid=$(system_pasid)
for u in "$a" "$b"; do
	p=$(mdev_attr "$u" pasid)
	rows=$(mdev_ims_rows "$u")
	[ "$(echo "$rows" | grep -c .)" -eq 1 ] ||
		fail "$u: its IMS entry is not in $TDIR/vectors"
	set -- $rows
	if [ "$p" = none ]; then
		[ "$spasid" = none ] ||
			fail "$u has no PASID although kernel work has system PASID $spasid"
		[ "$4" = 0 ] || fail "$u: IMS entry $1 has PASID $5, the mdev has none"
	else
		[ "$p" != "$spasid" ] || fail "$u shares the system PASID $p"
		[ "$4" = 1 ] && [ "$5" = "$p" ] &&
			[ $((($6 >> 3) & 1)) -eq 1 ] && [ $((($6 >> 12) & 0xfffff)) -eq "$p" ] ||
			fail "$u: IMS entry $1 (pasid_en $4 pasid $5 control $6) does not carry its PASID $p"
	fi
done
pasid_a=$(mdev_attr "$a" pasid)
pasid_b=$(mdev_attr "$b" pasid)
[ "$pasid_a" = none ] || [ "$pasid_a" != "$pasid_b" ] ||
	fail "both mdevs have PASID $pasid_a"
log "PASIDs: system $spasid, A $pasid_a, B $pasid_b"

# --- both copying at the same time, different patterns and sizes ---
# each loop goes on until both have started: the windows overlap whatever
# the scheduling
bg_guests_init
bg_guest A1 -s 1111 -b 8192 -r "$BG_DIR/A1-started" -u "$BG_DIR/loops-stop" \
	"$a" loop "$LOOPS"
bg_guest B1 -s 2222 -b 3000 -r "$BG_DIR/B1-started" -u "$BG_DIR/loops-stop" \
	"$b" loop "$LOOPS"
for g in A1 B1; do
	bg_guest_started $g ||
		fail "guest $g's loop did not start (it ended, or took over 60 s)"
done
touch "$BG_DIR/loops-stop"
bg_guest_wait A1 || fail "guest A: loop failed while B was copying"
bg_guest_wait B1 || fail "guest B: loop failed while A was copying"
set -- $(guest_window A1) $(guest_window B1)
[ $# -eq 4 ] || fail "no loop windows in the guests' output"
[ "$1" -lt "$4" ] && [ "$3" -lt "$2" ] ||
	fail "the two loops did not overlap in time (A $1..$2, B $3..$4 ns)"
log "the loops overlapped for $(( ($2 < $4 ? $2 : $4) - ($1 > $3 ? $1 : $3) )) ns"

# --- A misbehaves while B copies (B goes on until A is done) ---
bg_guest B2 -s 3333 -b 4096 -u "$BG_DIR/A-done" "$b" loop 10
run_guest -s 4444 "$a" bad || fail "guest A: bad failed while B was copying"
bad_a=$(guest_accepted)
run_guest -s 5555 "$a" storm "$STORM" || fail "guest A: storm failed while B was copying"
storm_a=$(guest_accepted)
kill -0 "$(bg_guest_pid B2)" 2> /dev/null ||
	{ bg_guest_wait B2; fail "guest B stopped before A's bad and storm were done"; }
touch "$BG_DIR/A-done"
bg_guest_wait B2 || fail "guest B: loop failed while A ran bad and storm"

# --- the counters match what each guest did ---
good_a=$(($(guest_accepted "$(cat "$BG_DIR/A1")")))
good_b=$(($(guest_accepted "$(cat "$BG_DIR/B1")") + $(guest_accepted "$(cat "$BG_DIR/B2")")))
for u in "$a" "$b"; do
	log "$u: submitted $(mdev_attr "$u" submitted) completed $(mdev_attr "$u" completed) rejected $(mdev_attr "$u" rejected)"
done
[ "$(mdev_attr "$b" submitted)" -eq $good_b ] &&
[ "$(mdev_attr "$b" completed)" -eq $good_b ] &&
[ "$(mdev_attr "$b" rejected)" -eq 0 ] ||
	fail "B's counters do not match its $good_b good descriptors"
sub=$(mdev_attr "$a" submitted)
comp=$(mdev_attr "$a" completed)
rej=$(mdev_attr "$a" rejected)
[ "$sub" -eq $((good_a + bad_a + storm_a)) ] ||
	fail "A's submitted is $sub, its guest had $((good_a + bad_a + storm_a)) descriptors accepted"
[ $((comp + rej)) -eq "$sub" ] || fail "A: completed $comp + rejected $rej != submitted $sub"
[ "$rej" -ge $((STORM / 5 * 2)) ] ||
	fail "A: rejected $rej, fewer than the $((STORM / 5 * 2)) storm descriptors with unmapped IOVAs"

# --- and B still works after all that ---
run_guest -s 6666 "$b" loop 10 || fail "guest B: loop failed after A's storm"
pass "two mdevs used concurrently without cross-talk; counters match"
