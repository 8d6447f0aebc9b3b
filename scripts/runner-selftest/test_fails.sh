#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runner self-test: a test that fails on purpose.
echo "# failing on purpose"
exit 1
