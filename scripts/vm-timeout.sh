#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /usr/bin/timeout for the VM: the kselftest runner calls coreutils'
# "timeout --foreground N cmd", which busybox rejects, and expects 124 on
# expiry where busybox returns 143.
[ "$1" = "--foreground" ] && shift
busybox timeout "$@"
rc=$?
[ $rc -eq 143 ] && rc=124
exit $rc
