#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# accel-config's own configuration profiles (os, app, net, storage in
# /etc/accel-config/contrib/configs), each loaded with load-config -e the
# way an operator would. accel-config only says which step failed ("Parse
# json and set device fail", "Enabling wq ..."), so every refusal by the
# driver must come with a kernel message at the default log level that
# names what was refused and why ("<attribute>: write refused: <why>" or
# "enable refused: <why>"). A profile that loads must leave its work
# queues enabled. Between profiles the configuration is wiped.

TEST=test_accel_config_profiles
. "$(dirname "$0")/lib.sh"

PROFILES=${ACCEL_CONFIG_PROFILES:-/etc/accel-config/contrib/configs}

setup_device
command -v accel-config > /dev/null || skip "accel-config not found"
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
at_exit sysfs_reset_config

set -- "$PROFILES"/*_profile.conf
[ -e "$1" ] || skip "no accel-config profiles in $PROFILES"

# the profiles are written for dsa0 and its children
[ "$CONF" = dsa0 ] || skip "the profiles configure dsa0, the device here is $CONF"

# profile_wqs FILE: the work queues (wqN.M) FILE configures, one per line
profile_wqs() {
	tr -d ' \n\t' < "$1" | grep -o '"dev":"wq[0-9]*\.[0-9]*"' |
		sed 's/.*"\(wq[^"]*\)"/\1/'
}

start=$(log_mark)
loaded=0
refused=0
for profile; do
	name=${profile##*/}
	sysfs_reset_config
	mark=$(log_mark)
	if out=$(accel-config load-config -c "$profile" -e 2>&1); then
		wqs=$(profile_wqs "$profile")
		[ -n "$wqs" ] || fail "$name: loaded, but it names no work queue"
		for wq in $wqs; do
			state=$(cat "$(conf_dir)/$wq/state")
			[ "$state" = enabled ] ||
				fail "$name: loaded, but $wq is $state"
		done
		log "$name: loaded, $(echo "$wqs" | wc -l) work queue(s) enabled"
		loaded=$((loaded + 1))
		continue
	fi
	said=$(dmesg | tail -n +$((mark + 1)) |
		grep -E ': write refused: |: enable refused: ')
	[ -n "$said" ] ||
		fail "$name: accel-config failed ($(echo "$out" | tail -n 1)) and the kernel did not say why"
	# each message names what it refused: an attribute or the enable
	echo "$said" | grep -vEq '(^| )[a-z_]+: write refused: .|enable refused: .' &&
		fail "$name: a refusal that names nothing: $said"
	log "$name: accel-config: $(echo "$out" | tail -n 1)"
	echo "$said" | sed 's/^\[[^]]*\] */#   kernel: /'
	refused=$((refused + 1))
done
[ -z "$(log_splats "$start")" ] || fail "kernel warning: $(log_splats "$start")"
pass "$((loaded + refused)) profiles: $loaded loaded, $refused refused with the kernel saying why"
