#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# An IMS domain template without irq_write_msi_msg is rejected by
# pci_create_ims_domain() with an error and a kernel message, not a crash;
# the real domain works again afterwards.
TEST=test_ims_bad_template
. "$(dirname "$0")/lib.sh"

setup_device
require_ims
at_exit free_test_vectors

mark=$(log_mark)
if out=$(test_cmd bad_template 2>&1); then
	fail "the broken template was accepted"
fi
case "$out" in
*"Invalid argument"*) ;;
*) fail "unexpected result of the broken template: $out" ;;
esac
wait_log "$mark" "IMS: template chip has no irq_write_msi_msg" 1 ||
	fail "PCI/IMS core gave no message about the missing callback"
wait_log "$mark" "irq_write_msi_msg rejected as expected" 1 ||
	fail "driver did not report the rejection"
[ "$(ims_mode)" = ims ] || fail "driver lost its IMS domain"
test_cmd alloc 1 || fail "IMS domain unusable after the rejected template"
pass "broken template rejected, IMS still works"
