#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the test VM once and judge the run.
#   run-vm.sh QEMU BZIMAGE INITRD SETUP MODE OUTDIR [TESTS]
# SETUP: vtd (q35 + emulated VT-d with interrupt remapping), noiommu (q35,
# no IOMMU, IMS allowed on the vector domain with pci_ims=noremap) or noopt
# (no IOMMU and no opt-in: the kernel must refuse IMS).
# MODE: test (kselftests, TAP streamed to stdout), run (demo), bench
# (benchmarks), shell.
# In test mode the counts go to OUTDIR/result as "passed failed skipped" and
# the exit status is non-zero on a failed test, a kernel splat in the
# console log, or a VM that did not finish (no sentinel) in time.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

qemu=$1 kernel=$2 initrd=$3 setup=$4 mode=$5 outdir=$6 tests=${7:-}
timeout=${IDXD_IMS_VM_TIMEOUT:-1800}
mkdir -p "$outdir"
console=$outdir/console.log tap=$outdir/tap.log
: > "$console"
: > "$tap"

cmdline="console=ttyS0 panic=-1 oops=panic nokaslr"
cmdline+=" IDXD_IMS_MODE=$mode IDXD_IMS_SETUP=$setup"
[ -n "$tests" ] && cmdline+=" IDXD_IMS_TESTS=$tests"
args=(-machine q35 -accel tcg -cpu max -smp 2 -m 2048
      -nodefaults -display none -no-reboot
      -L /usr/share/seabios -L /usr/share/qemu)
case "$setup" in
vtd)
	args+=(-device intel-iommu,intremap=on)
	cmdline+=" intel_iommu=on"
	;;
noiommu)
	cmdline+=" pci_ims=noremap"
	;;
noopt)
	;;
*)
	die "unknown setup '$setup' (vtd, noiommu or noopt)"
	;;
esac
args+=(-device intel-dsa -kernel "$kernel" -initrd "$initrd")

if [ "$mode" != test ]; then
	[ "$mode" != shell ] && cmdline+=" quiet"
	exec "$qemu" "${args[@]}" -append "$cmdline" -serial stdio
fi

timeout -s KILL "$timeout" "$qemu" "${args[@]}" -append "$cmdline" \
	-serial "file:$console" -serial "file:$tap" &
qpid=$!
start=$SECONDS
tail -n +1 --pid=$qpid -f "$tap" | while IFS= read -r line; do
	printf '[%s %4ds] %s\n' "$setup" $((SECONDS - start)) "$line"
done
wait $qpid
qrc=$?

read -r passed failed skipped <<< "$(tap_counts "$tap")"
verdict=0
if ! grep -q '^IDXD_IMS_DONE rc=' "$tap"; then
	log "[$setup] the VM did not finish (QEMU exit $qrc): no sentinel line"
	failed=$((failed + 1))
	verdict=1
fi
splat='(WARNING:|BUG:|Oops|general protection fault|Kernel panic|'
splat+='possible circular locking|possible recursive locking|'
splat+='inconsistent lock state|suspicious RCU usage|KASAN|UBSAN|'
splat+='unreferenced object 0x|sleeping function called from invalid context|'
splat+='blocked for more than|Call Trace:)'
if grep -qE "$splat" "$console"; then
	log "[$setup] kernel reported a problem; console excerpt:"
	grep -nE -B2 -A20 "$splat" "$console" | head -80 >&2
	failed=$((failed + 1))
	verdict=1
fi
[ "$failed" -eq 0 ] || verdict=1
echo "$passed $failed $skipped" > "$outdir/result"
if [ $verdict -ne 0 ]; then
	log "[$setup] console log: $console"
fi
exit $verdict
