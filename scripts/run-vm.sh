#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the test VM once and judge the run.
#   run-vm.sh QEMU BZIMAGE INITRD SETUP MODE OUTDIR [TESTS]
# SETUP: vtd (q35 + emulated VT-d with interrupt remapping), vtdpasid (the
# same VT-d in scalable mode with PASID support), noiommu (q35, no IOMMU,
# IMS allowed on the vector domain with pci_ims=noremap) or noopt (no IOMMU
# and no opt-in: the kernel must refuse IMS).
# MODE: test (kselftests, TAP streamed to stdout), run (demo), bench
# (benchmarks: all, or those named in IDXD_IMS_BENCH, comma separated),
# shell.
# In test mode the counts go to OUTDIR/result as "passed failed skipped" and
# the exit status is non-zero on a failed test, a kernel splat in the
# console log, or a VM that did not finish (no sentinel) in time.
# In every mode the guest's third serial port (ttyS2) is the device model
# control channel: scripts/model-relay.py, started here, takes one-line
# requests from it and sets fault injection properties of the DSA model
# through the VM's QMP socket, and in vtdpasid and vtd removes the model from
# its PCIe root port and adds it back (see Documentation/testing.rst).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

qemu=$1 kernel=$2 initrd=$3 setup=$4 mode=$5 outdir=$6 tests=${7:-}
# the nested guest of the guest setup needs longer, on a loaded machine
timeout=${IDXD_IMS_VM_TIMEOUT:-1800}
[ "$setup" = guest ] && timeout=${IDXD_IMS_VM_TIMEOUT:-3000}
mkdir -p "$outdir"
console=$outdir/console.log tap=$outdir/tap.log
: > "$console"
: > "$tap"

# log_buf_len: the tests find their messages by kernel log line numbers,
# which must not shift because the ring wrapped during a run. norandmaps:
# every run of a program maps it and its libraries at the same addresses,
# so that TCG finds the code it translated for the last run (a quarter less
# CPU time for the shell-driven tests). no_timer_check: a VM that gets
# little CPU early in its boot (make check runs several at once) misses the
# timer ticks the kernel counts to trust the IO-APIC and panics.
cmdline="console=ttyS0 panic=-1 oops=panic nokaslr norandmaps no_timer_check"
cmdline+=" log_buf_len=4M"
# The kmalloc caches may fail on their own (failslab's cache filter): with
# it, test_fault_injection.sh fails the allocations of the kmalloc family
# and leaves out the object caches of other subsystems and kmemleak's own
# bookkeeping. Without cache-filter set (the default) the flag does
# nothing; it keeps those caches apart from the caches that would merge
# into them.
cmdline+=" slab_debug=A,kmalloc-*"
cmdline+=" IDXD_IMS_MODE=$mode IDXD_IMS_SETUP=$setup"
cmdline+=" IDXD_IMS_MODEL_CTL=/dev/ttyS2"
[ -n "$tests" ] && cmdline+=" IDXD_IMS_TESTS=$tests"
[ -n "${IDXD_IMS_BENCH:-}" ] && cmdline+=" IDXD_IMS_BENCH=$IDXD_IMS_BENCH"
[ -n "${IDXD_IMS_FUZZ:-}" ] && cmdline+=" IDXD_IMS_FUZZ=$IDXD_IMS_FUZZ"
[ -n "${IDXD_IMS_STRESS:-}" ] && cmdline+=" IDXD_IMS_STRESS=$IDXD_IMS_STRESS"
[ -n "${IDXD_IMS_FAULTS:-}" ] && cmdline+=" IDXD_IMS_FAULTS=$IDXD_IMS_FAULTS"
# In test mode one host thread runs both vCPUs (thread=single), in every
# setup but the nested guest's. make check runs two VMs at a time on two
# cores: with a thread per vCPU, the work one vCPU asks of the other (a
# TLB flush, a section where the other must stop) waits for the other's
# thread, which the other VM's threads keep from the cores. Measured in a
# full make check: the vtd VM took 311 s of CPU instead of 372,
# test_ims_all_entries 40 s instead of 58. The nested guest's VM keeps a
# thread per vCPU (the inner QEMU runs its vCPU and its I/O in two
# threads there), and so does a VM that runs alone (make run, bench,
# shell).
mem=2048 accel=tcg
[ "$mode" = test ] && accel=tcg,thread=single
# where the DSA sits: on the root bus (a root complex integrated endpoint,
# as on real hardware) or, in vtdpasid and vtd, behind a PCIe root port,
# where test_hotplug.sh can remove it and add it back (ACPI hotplug, q35's
# default for root ports)
dsa_bus=
args=(-machine q35 -cpu max -smp 2
      -nodefaults -display none -no-reboot
      -L /usr/share/seabios -L /usr/share/qemu)
case "$setup" in
vtd)
	args+=(-device intel-iommu,intremap=on)
	cmdline+=" intel_iommu=on"
	args+=(-device pcie-root-port,id=rp0,chassis=1,slot=1)
	dsa_bus=rp0
	;;
guest)
	args+=(-device intel-iommu,intremap=on)
	cmdline+=" intel_iommu=on"
	mem=3072
	# the nested QEMU's translations are code that this QEMU has to
	# translate once more: room for them all, so that they are not
	# thrown away and translated again (2 GiB is TCG's most)
	accel=tcg,thread=multi,tb-size=2048
	;;
vtdpasid)
	# Scalable mode with PASID: the kernel gets a system PASID and one
	# PASID per virtual device (needs qemu/patches/0003 for ECAP.PSS).
	args+=(-device intel-iommu,intremap=on,x-scalable-mode=on,x-pasid-mode=on)
	cmdline+=" intel_iommu=on,sm_on"
	args+=(-device pcie-root-port,id=rp0,chassis=1,slot=1)
	dsa_bus=rp0
	;;
noiommu)
	cmdline+=" pci_ims=noremap"
	;;
noopt)
	;;
*)
	die "unknown setup '$setup' (vtd, vtdpasid, noiommu, noopt or guest)"
	;;
esac
args+=(-accel "$accel" -m "$mem")
args+=(-device "intel-dsa,id=dsa0${dsa_bus:+,bus=$dsa_bus}"
      -kernel "$kernel" -initrd "$initrd")

# The QMP and control sockets live in OUTDIR, one pair per VM, unless that
# path is too long for a unix socket name.
sockdir=$outdir
if [ ${#sockdir} -gt 90 ]; then
	sockdir=$(mktemp -d /tmp/idxd_ims-vm.XXXXXX)
fi
qmp_sock=$sockdir/qmp.sock ctl_sock=$sockdir/model-ctl.sock
rm -f "$qmp_sock" "$ctl_sock"
args+=(-qmp "unix:$qmp_sock,server=on,wait=off"
       -chardev "socket,id=modelctl,path=$ctl_sock,server=on,wait=off"
       -device "isa-serial,index=2,chardev=modelctl")

# The host end of the control channel. It waits for QEMU's sockets, ends
# when QEMU closes them, and is stopped with the VM in any case; it never
# outlives the VM time limit.
relay_opts=()
[ -n "$dsa_bus" ] && relay_opts=(--hotplug-bus "$dsa_bus")
timeout -s KILL $((timeout + 60)) python3 \
	"$IDXD_IMS_TOP/scripts/model-relay.py" "${relay_opts[@]}" \
	"$qmp_sock" "$ctl_sock" /machine/peripheral/dsa0 \
	"$outdir/model-relay.log" < /dev/null &
relay_pid=$!
stop_relay() {
	kill "$relay_pid" 2> /dev/null
	wait "$relay_pid" 2> /dev/null
	rm -f "$qmp_sock" "$ctl_sock"
	[ "$sockdir" = "$outdir" ] || rmdir "$sockdir"
}
trap stop_relay EXIT

if [ "$mode" != test ]; then
	[ "$mode" != shell ] && cmdline+=" quiet"
	"$qemu" "${args[@]}" -append "$cmdline" -serial stdio
	exit
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
# the CPU time of this script's children, QEMU's nearly all: with the VMs
# of make check sharing the cores, this is what a setup costs
times > "$outdir/times"
log "[$setup] VM: $((SECONDS - start)) s, CPU user and system: $(tail -n 1 "$outdir/times")"

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
# The stack dump of an allocation failure in the task of fail_nth (the
# helper that makes a system call with a fault injected, for
# test_fault_injection.sh) is the injected fault, not a problem: its
# "Call Trace:" line is left out (as lib.sh's drop_injected_faults does).
reports=$outdir/console-reports.log
awk '/ fail_nth: (page allocation failure|vmalloc error): / { f = 1 }
     f && /Call Trace:/ { f = 0; $0 = "(the stack dump of an injected fault)" }
     { print }' "$console" > "$reports"
if grep -qE "$splat" "$reports"; then
	log "[$setup] kernel reported a problem; console excerpt:"
	grep -nE -B2 -A20 "$splat" "$reports" | head -80 >&2
	failed=$((failed + 1))
	verdict=1
fi
[ "$failed" -eq 0 ] || verdict=1
echo "$passed $failed $skipped" > "$outdir/result"
if [ $verdict -ne 0 ]; then
	log "[$setup] console log: $console"
fi
exit $verdict
