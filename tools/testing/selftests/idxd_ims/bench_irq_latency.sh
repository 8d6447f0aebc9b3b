#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: completion interrupt latency, from the submission
# of a NOOP descriptor requesting a completion interrupt to the vector's
# interrupt handler, for an IMS vector against a dynamic MSI-X vector on
# the same device in the same boot. Measured in the kernel with ktime by
# the debugfs hook "bench_latency" on one dedicated kernel work queue: both
# vectors are delivered to the CPU that submits and spins for the
# handler, and IMS and MSI-X samples alternate. Prints a table and the
# ratio IMS / MSI-X. Run by "make bench"; under TCG the numbers measure the
# software path (driver, interrupt delivery, device model), not hardware.

TEST=bench_irq_latency
. "$(dirname "$0")/lib.sh"

SAMPLES=${SAMPLES:-2000}

setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
bind_kernel_wqs 16 0
bench_run bench_latency "$SAMPLES"
bench_table "completion interrupt latency, submission to handler"
