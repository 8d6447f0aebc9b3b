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
set -euo pipefail
. "$(dirname "$0")/lib.sh"

work=$1 qemu=${2:-}
. "$work/kernel.env"
ksft=$work/kselftest obj=$work/ksft-build
selftests=$IDXD_IMS_TOP/tools/testing/selftests/idxd_ims
ksft_make=(make -s -C "$selftests" KSFT_DIR="$KSRC/tools/testing/selftests"
	   KHDR_INCLUDES="-isystem $HDRS" OUTPUT="$obj")

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
