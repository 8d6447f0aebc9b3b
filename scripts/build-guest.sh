#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build what goes into the VM: the idxd_ims module against the test kernel,
# the kselftests (installed as a kselftest tree), and the initramfs.
#   build-guest.sh WORKDIR [QEMU]
# WORKDIR/kernel.env holds the output of build-kernel.sh --env; the result
# is WORKDIR/initramfs.cpio. With QEMU (the path of the project's QEMU)
# it also makes WORKDIR/initramfs-nested.cpio: the same initramfs with
# what a nested guest on a virtual device needs appended (the guest setup),
# the guest's kernel and modules from build-kernel.sh's guest build.
# Images built from the same inputs before are reused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

work=$1 qemu=${2:-}
. "$work/kernel.env"
ksft=$work/kselftest obj=$work/ksft-build
selftests=$IDXD_IMS_TOP/tools/testing/selftests/idxd_ims
ksft_make=(make -s -C "$selftests" KSFT_DIR="$KSRC/tools/testing/selftests"
	   KHDR_INCLUDES="-isystem $HDRS" OUTPUT="$obj")

# The images are kept in $IDXD_IMS_CACHE/vm-image under a hash of what goes
# into them: the kernel and QEMU (their cache paths carry the hashes of
# their inputs), the driver's and the tests' sources, these scripts and
# the host packages copied in. Building them anew takes about 20 s.
scripts=$IDXD_IMS_TOP/scripts
cache=$IDXD_IMS_CACHE/vm-image
mapfile -t driver_sources < <(find "$IDXD_IMS_TOP/idxd_ims" -name '*.[ch]' \
	-o -name Kbuild | LC_ALL=C sort)
key=$(printf '%s\n' "$BZIMAGE" "$MODROOT" "${GUEST_BZIMAGE:-}" \
	"${GUEST_MODROOT:-}" "$qemu" \
	"$(dpkg-query -W accel-config busybox busybox-static libc6 libglib2.0-0 \
		libpixman-1-0 libfdt1 zlib1g 2> /dev/null)" \
	"$(hash_inputs "${driver_sources[@]}" "$IDXD_IMS_TOP/Kbuild" \
		"$selftests" "$0" "$scripts/lib.sh" "$scripts/mkinitramfs.sh" \
		"$scripts/mkinitramfs-nested.sh" "$scripts/vm-init.sh" \
		"$scripts/vm-timeout.sh" "$scripts/vm-demo.sh")" |
	sha256sum | cut -c1-16)
images=(initramfs.cpio)
[ -n "$qemu" ] && images+=(initramfs-nested.cpio)
kept=1
[ "$(cat "$cache/key" 2> /dev/null)" = "$key" ] || kept=0
for image in "${images[@]}"; do
	[ -f "$cache/$image" ] || kept=0
done
if [ $kept = 1 ]; then
	log "VM images unchanged ($key): reusing $cache"
	for image in "${images[@]}"; do
		cp "$cache/$image" "$work/$image"
	done
	exit 0
fi

make -s -C "$KBUILD" M="$IDXD_IMS_TOP" modules >&2
rm -rf "$ksft" "$obj"
mkdir -p "$ksft/idxd_ims" "$obj"
"${ksft_make[@]}" INSTALL_PATH="$ksft/idxd_ims" install >&2
cp -a "$KSRC/tools/testing/selftests/run_kselftest.sh" \
	"$KSRC/tools/testing/selftests/kselftest" "$ksft/"
"${ksft_make[@]}" COLLECTION=idxd_ims emit_tests > "$ksft/kselftest-list.txt"
mapfile -t modules < <(find "$IDXD_IMS_TOP/idxd_ims" -name '*.ko')
"$IDXD_IMS_TOP/scripts/mkinitramfs.sh" "$work/initramfs.cpio" \
	"$MODROOT" "$KVER" "$ksft" "${modules[@]}"
if [ -n "$qemu" ]; then
	"$IDXD_IMS_TOP/scripts/mkinitramfs-nested.sh" "$work/nested.cpio" \
		"$qemu" "$GUEST_BZIMAGE" "$GUEST_MODROOT" "$KVER"
	cat "$work/initramfs.cpio" "$work/nested.cpio" \
		> "$work/initramfs-nested.cpio"
fi
rm -rf "$cache"
mkdir -p "$cache"
for image in "${images[@]}"; do
	cp "$work/$image" "$cache/$image"
done
echo "$key" > "$cache/key"
