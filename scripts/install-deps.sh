#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install what the test platform needs on a Debian 12 machine: the 6.12
# kernel source and its build dependencies, Debian's QEMU source package and
# its build dependencies, firmware, busybox, accel-config, sparse.
# Idempotent: does nothing when everything is already present.
set -euo pipefail

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves cpio
	python3 rsync kmod xz-utils zstd git
	linux-source-6.12
	busybox-static
	dpkg-dev fakeroot
	ninja-build meson pkg-config libglib2.0-dev libpixman-1-dev
	libfdt-dev zlib1g-dev python3-venv
	qemu-system-data seabios ipxe-qemu
	sparse ccache
	accel-config libaccel-config1
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

have_src() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/
}

if ! have_src; then
	echo "install-deps: adding deb-src for Debian's main archive"
	cat > /etc/apt/sources.list.d/idxd-ims-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

if [ ${#missing[@]} -gt 0 ] || [ -n "${need_update:-}" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	if [ ${#missing[@]} -gt 0 ]; then
		echo "install-deps: installing ${missing[*]}"
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
else
	echo "install-deps: all packages present"
fi
