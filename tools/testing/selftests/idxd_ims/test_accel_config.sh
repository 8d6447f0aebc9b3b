#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# accel-config round trip on idxd_ims: configure an engine and a dedicated
# kernel work queue with config-engine/config-wq, enable-device and
# enable-wq, check them with list, save-config, disable everything and
# wipe the configuration, then load-config -e the saved file and check
# that the same work queue comes back enabled with the same settings.
# Finally disable-wq and disable-device must leave both disabled.

TEST=test_accel_config
. "$(dirname "$0")/lib.sh"

SAVED=/tmp/idxd_ims_accel_config.json

setup_device
command -v accel-config > /dev/null || skip "accel-config not found"
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
at_exit sysfs_reset_config
# shellcheck disable=SC2317 # called through at_exit
remove_saved() {
	rm -f "$SAVED"
}
at_exit remove_saved

N=${CONF#???}
WQ=$CONF/wq$N.1
WQDIR=$(wq_dir 1)

# run CMD...: run an accel-config command, fail the test if it fails
run() {
	log "accel-config $*"
	out=$(accel-config "$@" 2>&1) || fail "accel-config $* failed: $out"
}

run config-engine "$CONF/engine$N.1" --group-id=1
run config-wq "$WQ" --group-id=1 --mode=dedicated --type=kernel \
	--name=roundtrip --driver-name=dmaengine --wq-size=12 --priority=7 \
	--max-transfer-size=1048576
run enable-device "$CONF"
run enable-wq "$WQ"

[ "$(cat "$(conf_dir)/state")" = enabled ] || fail "$CONF not enabled"
[ "$(cat "$WQDIR/state")" = enabled ] || fail "$WQ not enabled"
[ -n "$(dma_channels)" ] || fail "no dmaengine channel after enable-wq"

list=$(accel-config list 2>&1) || fail "accel-config list failed: $list"
flat=$(echo "$list" | tr -d ' \n')
for want in "\"dev\":\"$CONF\"" "\"dev\":\"wq$N.1\"" '"state":"enabled"' \
	    '"size":12' '"priority":7' '"name":"roundtrip"'; do
	case "$flat" in
	*"$want"*) ;;
	*) fail "list lacks $want: $list" ;;
	esac
done

run save-config -s "$SAVED"
grep -q "wq$N.1" "$SAVED" || fail "save-config did not save wq$N.1"

run disable-wq "$WQ"
run disable-device "$CONF"
[ "$(cat "$WQDIR/state")" = disabled ] || fail "$WQ still enabled"
[ "$(cat "$(conf_dir)/state")" = disabled ] || fail "$CONF still enabled"
[ -z "$(dma_channels)" ] || fail "dmaengine channel left after disable-wq"

sysfs_reset_config
[ "$(cat "$WQDIR/size")" = 0 ] || fail "configuration not wiped"
[ "$(cat "$WQDIR/group_id")" = -1 ] || fail "configuration not wiped"

run load-config -c "$SAVED" -e
[ "$(cat "$(conf_dir)/state")" = enabled ] || fail "$CONF not enabled by load-config"
[ "$(cat "$WQDIR/state")" = enabled ] || fail "$WQ not enabled by load-config"
for attr in size:12 priority:7 group_id:1 name:roundtrip type:kernel \
	    mode:dedicated max_transfer_size:1048576; do
	got=$(cat "$WQDIR/${attr%%:*}")
	[ "$got" = "${attr#*:}" ] ||
		fail "after load-config ${attr%%:*} is '$got', saved '${attr#*:}'"
done
[ "$(cat "$(engine_dir 1)/group_id")" = 1 ] ||
	fail "engine$N.1 not back in group 1 after load-config"

run disable-wq "$WQ"
run disable-device "$CONF"
[ "$(cat "$(conf_dir)/state")" = disabled ] || fail "$CONF still enabled at the end"

pass "config, enable, list, save, disable, load -e round trip"
