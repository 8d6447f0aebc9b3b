#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# One completion vector whose threaded handler is stuck must not stop the
# vectors of everybody else. The test hook holds the threaded handlers of
# its vectors ("stall") and fires one:
#
# - while free_irq() of that vector waits for its handler, the vectors
#   table can be read and a kernel work queue disabled and enabled again
#   (its vector freed and allocated);
# - while the stuck vector is requested, the device halts: the recovery,
#   which reprograms every vector, must complete.
#
# "unstall" lets the handler go; it is also run at exit. Each step that
# should not wait gets 30 s, and waits forever without the fix.
TEST=test_irq_stuck_handler
. "$(dirname "$0")/lib.sh"

setup_device
require_model_ctl
enable_kernel_wq
at_exit free_test_vectors
at_exit unstall_handlers
at_exit model_clear_faults

unstall_handlers() {
	test_cmd unstall
}

# bounded WHAT CMD...: run CMD in the background, output in $bounded_out;
# fail the test unless it ends within 30 s.
bounded_out=$(mktemp)
bounded() {
	_what=$1
	shift
	"$@" > "$bounded_out" 2>&1 &
	_pid=$!
	_n=0
	while kill -0 $_pid 2> /dev/null; do
		[ $_n -lt 300 ] ||
			fail "$_what: still waiting after 30 s behind the stuck handler"
		sleep 0.1
		_n=$((_n + 1))
	done
	wait $_pid || fail "$_what failed: $(cat "$bounded_out")"
}

# requested INDEX: set REQ to the requested column of a test vector's row
requested() {
	bounded "reading the vectors table" cat "$TDIR/vectors"
	REQ=$(grep -v '^#' "$bounded_out" |
		awk -v i="$1" '$1 == i && $10 == "idxd_ims-test" { print $8 }')
}

test_cmd alloc 1 || fail "cannot allocate a vector"
idx=$(vector_rows | awk '{ print $1 }')
test_cmd request "$idx" || fail "request_irq failed"

# 1. free_irq() waiting for the stuck handler
test_cmd stall || fail "test hook: stall refused"
test_cmd fire "$idx" || fail "NOOP did not complete"
wait_count "$idx" 1
test_cmd release "$idx" &
release=$!
n=0
until requested "$idx"; [ "$REQ" = 0 ]; do
	[ $n -lt 300 ] || fail "the release of vector $idx never started"
	sleep 0.1
	n=$((n + 1))
done
kill -0 $release 2> /dev/null ||
	fail "the release of vector $idx did not wait for its stuck handler"
wq="$CONF/wq${CONF#???}.0"
bounded "disable-wq" accel-config disable-wq "$wq"
bounded "enable-wq" accel-config enable-wq "$wq"
test_cmd unstall
wait $release || fail "the release of vector $idx failed"

# 2. a halt while the stuck vector is requested
test_cmd request "$idx" || fail "request_irq after the release failed"
test_cmd stall || fail "test hook: stall refused"
test_cmd fire "$idx" || fail "NOOP did not complete"
wait_count "$idx" 2
mark=$(log_mark)
model_set halt true
wait_log "$mark" "recovered from halt by software reset" 30 ||
	fail "no recovery from the halt while vector $idx's handler is stuck"
test_cmd unstall
rm -f "$bounded_out"
pass "a stuck handler held neither free_irq() of another user, nor a work queue, nor the halt recovery"
