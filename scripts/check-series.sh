#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Check that kernel/patches/series is bisectable: for every k in 1..N,
# patches 1..k apply to Debian's linux-source-6.12 and the objects the
# series touches compile with the project's test kernel configuration
# (x86_64 tinyconfig + kernel/idxd_ims.config, then olddefconfig).
#
#   check-series.sh          prints TAP: "ok K - prefix K builds" per prefix
#
# The source is taken from /usr/src/linux-source-6.12.tar.xz (override with
# IDXD_IMS_TARBALL), never from a developer's tree. One source tree and one
# object directory live under $IDXD_IMS_CACHE/series-check/ and are reused:
# the applied patches are reverted instead of unpacking again, and make only
# rebuilds what the patches change. When the series, the config fragment,
# the tarball and this script are unchanged since the last successful run,
# nothing is rebuilt and that run's results are printed again.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

TARBALL=${IDXD_IMS_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
FRAGMENT=$IDXD_IMS_TOP/kernel/idxd_ims.config
PATCHES=$IDXD_IMS_TOP/kernel/patches
dir=$IDXD_IMS_CACHE/series-check
src=$dir/src
obj=$dir/obj
applied=$dir/applied

# Objects compiled at every prefix in addition to the .c files the series
# touches: the genirq MSI core, which consumes the MSI and irqdomain
# headers the series changes but is not patched itself.
BASE_OBJS="kernel/irq/msi.o kernel/irq/irqdomain.o"

export ARCH=x86_64

[ -f "$PATCHES/series" ] || {
	echo "1..0 # SKIP no kernel/patches/series"
	exit 0
}
[ -f "$TARBALL" ] || die "$TARBALL missing: run scripts/install-deps.sh"

mapfile -t series < <(grep -vE '^[[:space:]]*(#|$)' "$PATCHES/series")
n=${#series[@]}
[ "$n" -gt 0 ] || {
	echo "1..0 # SKIP kernel/patches/series lists no patches"
	exit 0
}
for p in "${series[@]}"; do
	[ -f "$PATCHES/$p" ] || die "kernel/patches/series names $p, which does not exist"
done

mkdir -p "$dir"
exec 9> "$dir/lock"
flock 9

tarball_id=$(stat -L -c '%s %Y' "$TARBALL")
key=$(printf '%s\n%s\n' "$tarball_id" \
	"$(hash_inputs "$PATCHES" "$FRAGMENT" "$0")" | sha256sum | cut -c1-16)

if [ -f "$dir/passed" ] && [ "$(cat "$dir/passed")" = "$key" ] &&
   [ -f "$dir/result.tap" ]; then
	echo "# series, config fragment, tarball and check unchanged since the last successful run ($key): not rebuilding"
	cat "$dir/result.tap"
	exit 0
fi
rm -f "$dir/passed"

# The objects: every .c file a patch touches, plus BASE_OBJS.
objs=$BASE_OBJS
for p in "${series[@]}"; do
	objs="$objs $(sed -n 's|^+++ b/\(.*\)\.c$|\1.o|p' "$PATCHES/$p")"
done
# shellcheck disable=SC2086 # split the list into one name per line
objs=$(printf '%s\n' $objs | sort -u | tr '\n' ' ')

unpack() {
	rm -rf "$src" "$obj" "$applied" "$dir/config.key" "$dir/tarball.id"
	mkdir -p "$src" "$applied"
	tar -xf "$TARBALL" -C "$src" --strip-components=1
	echo "$tarball_id" > "$dir/tarball.id"
}

# Revert what the previous run applied, newest first, so the tree is
# pristine again. Unpack afresh when that is not possible.
reset_tree() {
	local p
	if [ ! -f "$dir/tarball.id" ] ||
	   [ "$(cat "$dir/tarball.id")" != "$tarball_id" ]; then
		log "unpacking $TARBALL"
		unpack
		return
	fi
	mkdir -p "$applied"
	for p in $(cd "$applied" && ls -r); do
		if ! patch -d "$src" -p1 -R -s --dry-run < "$applied/$p" > /dev/null ||
		   ! patch -d "$src" -p1 -R -s --no-backup-if-mismatch \
			< "$applied/$p" > /dev/null; then
			log "cannot revert $p: unpacking $TARBALL again"
			unpack
			return
		fi
		rm -f "$applied/$p"
	done
}

kmake() {
	nice make -C "$src" O="$obj" -j"$(nproc)" "$@"
}

configure() {
	local ckey
	ckey=$(hash_inputs "$FRAGMENT")
	if [ -f "$obj/.config" ] && [ -f "$dir/config.key" ] &&
	   [ "$(cat "$dir/config.key")" = "$ckey" ]; then
		return
	fi
	mkdir -p "$obj"
	kmake -s tinyconfig > /dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "$FRAGMENT" > "$obj/merge.log"
	kmake -s olddefconfig > /dev/null
	echo "$ckey" > "$dir/config.key"
}

stage series-reset reset_tree
stage series-config configure

tap=$dir/result.tap.new
echo "1..$n" | tee "$tap"
emit() {
	echo "$*"
	echo "$*" >> "$tap"
}

failed=0
for ((k = 1; k <= n; k++)); do
	p=${series[k - 1]}
	if [ $failed -ne 0 ]; then
		emit "ok $k - prefix $k builds # SKIP an earlier prefix failed"
		continue
	fi
	if ! patch -d "$src" -p1 -s --dry-run < "$PATCHES/$p" > "$dir/patch.log" 2>&1; then
		emit "not ok $k - prefix $k builds: $p does not apply"
		sed 's/^/# /' "$dir/patch.log"
		failed=1
		continue
	fi
	patch -d "$src" -p1 -s --no-backup-if-mismatch < "$PATCHES/$p" > /dev/null
	cp "$PATCHES/$p" "$applied/$(printf '%04d' "$k")-$p"
	# shellcheck disable=SC2086 # objs is a list of make targets
	if kmake -s $objs > "$dir/build-$k.log" 2>&1; then
		emit "ok $k - prefix $k builds ($p)"
	else
		emit "not ok $k - prefix $k builds ($p)"
		tail -n 40 "$dir/build-$k.log" | sed 's/^/# /'
		failed=1
	fi
done

if [ $failed -eq 0 ]; then
	mv "$tap" "$dir/result.tap"
	echo "$key" > "$dir/passed"
fi
exit $failed
