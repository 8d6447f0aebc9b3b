#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A virtual device's descriptor that the device refuses for its interrupt
# handle (status 0x19) was built with a handle the host, not the guest,
# got wrong: the guest must get its result and one interrupt all the same.
#
# - The model fails one memmove with status 0x19 (fail-status, which also
#   raises the interrupt): the slice resubmits it with the vector's handle.
# - The test hook gives the virtual device's IMS vector a handle the device
#   refuses, as a revocation of the device's interrupt handles leaves it
#   (revoke); the guest submits a memmove, which the device refuses
#   without an interrupt; then the hook runs what the driver does after a
#   revocation (renew_handles): the memmove must be resubmitted with the
#   new handle although no interrupt came for it.
TEST=test_mdev_int_handle
. "$(dirname "$0")/lib.sh"

setup_device
require_ims
require_mdev
require_model_ctl

mdev_setup_wq 0 8
mdev_enable_device
mdev_create || fail "cannot create an mdev of type $MDEV_TYPE"
uuid=$MDEV_UUID
index=$(mdev_attr "$uuid" vectors | awk '$1 == 1 { print $2 }')
[ -n "$index" ] || fail "no IMS entry behind the guest's vector 1"
at_exit model_clear_faults

# 1. a completion with status 0x19 and an interrupt
model_set fail-status 0x19
model_set fail-count 1
run_guest "$uuid" handle 3 ||
	fail "a memmove the device completed with 0x19 reached the guest as a failure"
model_get fail-count
[ "$MODEL_VALUE" = 0 ] ||
	fail "the model still has $MODEL_VALUE failure(s) to inject: nothing was refused"

# 2. a descriptor built with a revoked handle, then the handles renewed
ready=$(mktemp -u)
out=$(mktemp)
mark=$(log_mark)
test_cmd revoke "$index" || fail "test hook: cannot revoke the handle of IMS entry $index"
"$MDEV_GUEST" -t 60000 -r "$ready" "$uuid" handle 3 > "$out" 2>&1 &
guest=$!
wait_file "$ready" $guest 60 ||
	{ sed 's/^/#   /' "$out"; fail "the guest did not submit its memmove"; }
wait_log "$mark" "software error 0x19: op 0x3" 60 ||
	{ kill $guest; fail "the device did not refuse the memmove built with the revoked handle"; }
# The model reports the error and then writes the record, in one run of
# its queue on QEMU's main loop, which also answers this request: once it
# is answered the record is written.
model_get fail-count
test_cmd renew_handles || fail "test hook: renew_handles failed"
wait $guest
rc=$?
sed 's/^/#   /' "$out"
rm -f "$out" "$ready"
[ $rc -eq 0 ] ||
	fail "a memmove refused for a revoked host handle did not reach the guest after the renewal"
pass "descriptors refused for the host's interrupt handle are resubmitted, with or without an interrupt"
