#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runner self-test: passes itself, but makes the kernel print a WARN.
modprobe warn_on_load && rmmod warn_on_load
