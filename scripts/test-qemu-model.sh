#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host-side tests of the QEMU Intel DSA model: builds QEMU (cached) with
# scripts/build-qemu.sh, then runs the model's qtest (libqtest, no guest
# kernel) and a MOVDIR64B smoke check.  Output is TAP on stdout; the exit
# status is non-zero when a test fails.
#
# Usage: scripts/test-qemu-model.sh [--no-build]
#   --no-build   use the cached build; fail if there is none
set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ "${1:-}" = "--no-build" ]; then
	export IDXD_IMS_QEMU_NO_BUILD=1
fi

if ! bin=$("$TOP/scripts/build-qemu.sh" | tail -n 1) || [ ! -x "$bin" ]; then
	echo "1..1"
	echo "not ok 1 - build QEMU with the intel-dsa model"
	exit 1
fi
dir=$(dirname "$bin")
qtest="$dir/intel-dsa-test"

# libqtest runs "$QTEST_QEMU_BINARY" and derives the target from its name;
# a wrapper of that name adds the firmware search paths q35 needs.
wrap=$(mktemp -d)
trap 'rm -rf "$wrap"' EXIT
printf '#!/bin/sh\nexec "%s" -L /usr/share/seabios -L /usr/share/qemu "$@"\n' \
	"$bin" > "$wrap/qemu-system-x86_64"
chmod +x "$wrap/qemu-system-x86_64"

fail=0
n=0

# The qtest prints glib TAP ("ok N /path"); renumber it into one stream
# with the checks below and normalise to "ok N - name".
run_qtest() {
	local line status name
	if [ ! -x "$qtest" ]; then
		n=$((n + 1))
		echo "not ok $n - qtest binary $qtest missing"
		fail=1
		return
	fi
	while IFS= read -r line; do
		case "$line" in
		"ok "* | "not ok "*)
			n=$((n + 1))
			status=${line%%ok *}ok
			name=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ (- )?//')
			echo "$status $n - qtest $name"
			[ "$status" = "ok" ] || fail=1
			;;
		"qtest-exit "*)
			if [ "${line#qtest-exit }" != 0 ]; then
				n=$((n + 1))
				echo "not ok $n - qtest exited with status ${line#qtest-exit }"
				fail=1
			fi
			;;
		"1.."* | "# Start of"* | "# End of"* | "# starting QEMU"*) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done < <(QTEST_QEMU_BINARY="$wrap/qemu-system-x86_64" \
		QTEST_QEMU_STORAGE_DAEMON_BINARY=/bin/false \
		"$qtest" --tap -k 2>&1; echo "qtest-exit $?")
}

run_qtest

# MOVDIR64B advertised by -cpu max (CPUID.(7,0):ECX[28]) under TCG.  The
# instruction itself is exercised by the in-VM tests (the idxd driver
# submits every descriptor with it).
n=$((n + 1))
if out=$(echo '{"execute":"qmp_capabilities"}
{"execute":"query-cpu-model-expansion","arguments":{"type":"full","model":{"name":"max"}}}
{"execute":"quit"}' | timeout 60 "$bin" -machine none -accel tcg -nodefaults \
	-display none -qmp stdio 2>/dev/null) &&
	echo "$out" | grep -q '"movdir64b": true'; then
	echo "ok $n - -cpu max advertises movdir64b under TCG"
else
	echo "not ok $n - -cpu max advertises movdir64b under TCG"
	fail=1
fi

# MOVDIR64B executed by a guest: a multiboot program copies a line and
# checks that a misaligned destination faults; without the CPUID bit
# (-cpu qemu64) the instruction must be undefined.
# Usage: movdir64b_check <cpu model> <expected guest output> <test name>
movdir64b_check() {
	local out

	n=$((n + 1))
	out=$(timeout 120 "$bin" -machine q35 -accel tcg -cpu "$1" -nodefaults \
		-display none -no-reboot -serial stdio \
		-L /usr/share/seabios -L /usr/share/qemu \
		-kernel "$wrap/movdir64b.elf" 2>&1 | tr -d '\033' |
		grep -ao 'MOVDIR64B-[A-Z-]*' | tr '\n' ' ')
	if [ "$out" = "$2" ]; then
		echo "ok $n - $3 (-cpu $1)"
	else
		echo "not ok $n - $3 (-cpu $1)"
		echo "# guest printed: $out"
		fail=1
	fi
}

if command -v as >/dev/null && command -v ld >/dev/null &&
	as --32 -o "$wrap/movdir64b.o" "$TOP/qemu/host-tests/movdir64b.S" &&
	ld -m elf_i386 -Ttext=0x100000 -e _start -o "$wrap/movdir64b.elf" \
		"$wrap/movdir64b.o"; then
	movdir64b_check max "MOVDIR64B-COPY-OK MOVDIR64B-GP-OK " \
		"MOVDIR64B copies 64 bytes and #GPs on a misaligned destination"
	movdir64b_check qemu64 "MOVDIR64B-UD " \
		"MOVDIR64B is undefined without its CPUID bit"
else
	n=$((n + 1))
	echo "ok $n - MOVDIR64B guest program # SKIP binutils (as/ld) missing or failed"
fi

echo "1..$n"
exit $fail
