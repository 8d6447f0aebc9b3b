#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The PASID given in the allocation cookie reaches the IMS entry: the
# control word has PASID enable (bit 3) set and the PASID in bits 31:12.
# Vectors allocated with the driver's policy carry the system PASID when
# there is one and no PASID otherwise. A system PASID is only used when the
# device's PCIe PASID capability is enabled.
TEST=test_ims_pasid
. "$(dirname "$0")/lib.sh"

# pasid_ctrl: print the device's PASID Control register (extended
# capability 0x1b), nothing when the device has no PASID capability.
pasid_ctrl() {
	_cfg=/sys/bus/pci/devices/$BDF/config
	_off=256
	while [ "$_off" -ge 256 ]; do
		_hdr=$(od -An -tu4 -j "$_off" -N 4 "$_cfg" | tr -d ' ')
		[ -n "$_hdr" ] && [ "$_hdr" -ne 0 ] || return 0
		if [ $((_hdr & 0xffff)) -eq 27 ]; then
			od -An -tu2 -j $((_off + 6)) -N 2 "$_cfg" | tr -d ' '
			return 0
		fi
		_off=$((_hdr >> 20))
	done
}

setup_device
require_ims
at_exit free_test_vectors

for p in 1 42 74565 1048575; do
	test_cmd alloc 1 $p || fail "allocation with PASID $p failed"
done
test_cmd alloc 1 || fail "allocation with the default policy failed"

checked=0
for i in $(vector_rows | awk '{ print $1 }'); do
	pasid_en=$(vector_field "$i" 4)
	pasid=$(vector_field "$i" 5)
	ctrl=$(vector_field "$i" 6)
	hw_en=$(((ctrl >> 3) & 1))
	hw_pasid=$(((ctrl >> 12) & 0xfffff))
	[ "$hw_en" -eq "$pasid_en" ] ||
		fail "entry $i: PASID enable is $hw_en in hardware, $pasid_en in the cookie"
	if [ "$pasid_en" -eq 1 ] && [ "$hw_pasid" -ne "$pasid" ]; then
		fail "entry $i: PASID $hw_pasid in hardware, $pasid in the cookie"
	fi
	checked=$((checked + 1))
done
[ $checked -eq 5 ] || fail "expected 5 test vectors, found $checked"

for p in 1 42 74565 1048575; do
	vector_rows | awk -v p=$p '$4 == 1 && $5 == p { f = 1 } END { exit !f }' ||
		fail "no entry carries PASID $p"
done

spasid=$(system_pasid)
ctrl=$(pasid_ctrl)
if [ "$spasid" != none ]; then
	[ -n "$ctrl" ] && [ $((ctrl & 1)) -eq 1 ] ||
		fail "system PASID $spasid but the PASID capability is not enabled (control '$ctrl')"
fi
def=$(vector_rows | tail -n 1)
if [ "$spasid" = none ]; then
	echo "$def" | awk '{ exit !($4 == 0) }' ||
		fail "default vector has a PASID although the system PASID is off"
else
	echo "$def" | awk -v p="$spasid" '{ exit !($4 == 1 && $5 == p) }' ||
		fail "default vector does not carry system PASID $spasid"
fi
pass "PASID of every entry matches its cookie (system PASID: $spasid, PASID control: ${ctrl:-none})"
