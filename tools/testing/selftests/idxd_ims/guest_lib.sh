#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for tests that boot a nested guest (QEMU with vfio-pci) on a
# virtual DSA device and talk to guest_agent.sh inside it. Source after
# lib.sh.
#
# The guest comes from GUEST_DIR (default /usr/share/idxd_ims/guest, where
# the test VM of make check has it): bzImage, initramfs.cpio (with
# guest_agent.sh as /init) and firmware/ (qboot.rom and the option ROMs
# QEMU loads for -kernel). QEMU is GUEST_QEMU (default
# qemu-system-x86_64 from PATH); it must have vfio-pci. On a host with KVM
# set GUEST_ACCEL=kvm. GUEST_MEM is the guest's memory in MiB (256), and
# GUEST_EXTRA_CMDLINE is added to its kernel command line.

GUEST_DIR=${GUEST_DIR:-/usr/share/idxd_ims/guest}
GUEST_QEMU=${GUEST_QEMU:-qemu-system-x86_64}
# TCG's code buffer defaults to an eighth of the memory of the machine
# QEMU runs on (384 MiB in the test VM). Filled, it is thrown away and all
# code translated again, and in a test VM that is itself emulated the outer
# QEMU has to translate all the new inner translations again too: the
# guest's second boot took twice as long as its first. 1 GiB holds all
# that the test runs.
GUEST_ACCEL=${GUEST_ACCEL:-tcg,tb-size=1024}
GUEST_MEM=${GUEST_MEM:-256}
# how long the guest may take to boot to its agent, and a command to answer
GUEST_BOOT_TIMEOUT=${GUEST_BOOT_TIMEOUT:-600}
GUEST_CMD_TIMEOUT=${GUEST_CMD_TIMEOUT:-900}
# The guest kernel's console prints warnings and worse, so that a splat
# shows. What the guest does not need is left out, which matters when it is
# emulated inside an emulated machine, where its boot runs about 45 times
# slower than in the test VM: the 256 legacy ptys, the PS/2 keyboard and
# mouse probes, and ACPI, whose tables take a quarter of the boot to
# interpret there (make check's guest kernel, kernel/idxd_ims-guest.config,
# has no debugging options either). Programs are mapped at the
# same addresses at every run (norandmaps), so that TCG reuses what it
# translated for accel-config's last run. Nor does the guest count timer
# ticks to trust its IO-APIC (no_timer_check): emulated twice over, it
# misses some. Without ACPI the guest reaches configuration
# space through type 1 accesses, the first 256 bytes: it does not see the
# slice's PCI Express extended capabilities (PASID), which idxd does not use
# in a guest without an IOMMU anyway.
GUEST_CMDLINE="console=ttyS0 loglevel=5 panic=-1 oops=panic nokaslr"
GUEST_CMDLINE="$GUEST_CMDLINE norandmaps no_timer_check"
GUEST_CMDLINE="$GUEST_CMDLINE pty.legacy_count=0 i8042.nokbd=1 i8042.noaux=1"
GUEST_CMDLINE="$GUEST_CMDLINE acpi=off${GUEST_EXTRA_CMDLINE:+ $GUEST_EXTRA_CMDLINE}"

# guest_fail_context: the end of the guest's console and QEMU's messages,
# shown by fail (lib.sh's FAIL_CONTEXT)
guest_fail_context() {
	if [ -n "$GRUN" ] && [ -s "$GRUN/console.log" ]; then
		tail -n 30 "$GRUN/console.log" | sed 's/^/# guest console: /'
	fi
	if [ -n "$GRUN" ] && [ -s "$GRUN/qemu.log" ]; then
		sed 's/^/# guest QEMU: /' "$GRUN/qemu.log"
	fi
}
FAIL_CONTEXT=guest_fail_context

# the kselftest runner ends a test that runs too long with SIGTERM: stop
# the guest on the way out then too
trap 'exit 143' TERM

guest_seq=0
guest_qemu_pid=
guest_reader_pid=

# require_nested_guest: skip unless a guest image and a QEMU with vfio-pci
# are there
require_nested_guest() {
	for _f in bzImage initramfs.cpio firmware; do
		[ -e "$GUEST_DIR/$_f" ] ||
			skip "no nested guest image: $GUEST_DIR/$_f missing (set GUEST_DIR)"
	done
	command -v "$GUEST_QEMU" > /dev/null ||
		skip "$GUEST_QEMU not found (set GUEST_QEMU)"
	"$GUEST_QEMU" -device help 2> /dev/null | grep -q '"vfio-pci"' ||
		skip "$GUEST_QEMU has no vfio-pci device"
}

# guest_start UUID[,PROPERTIES]...: boot the guest in the background on
# the mdevs UUID, each a vfio-pci device with its PROPERTIES (",x-no-mmap=on",
# say) at guest PCI address 0000:00:03.0, 0000:00:04.0 and so on (in the
# order given); the run's files (console.log, agent.log) are in GRUN.
# Stopped at exit.
guest_start() {
	[ -n "$GRUN" ] || GRUN=$(mktemp -d /tmp/idxd_ims-guest.XXXXXX)
	at_exit guest_kill
	rm -f "$GRUN/agent.in" "$GRUN/agent.out"
	mkfifo "$GRUN/agent.in" "$GRUN/agent.out" || fail "mkfifo in $GRUN"
	: > "$GRUN/agent.log"
	_devices=
	_slot=3
	for _d in "$@"; do
		_devices="$_devices -device vfio-pci,sysfsdev=$MDEV_DEVS/$_d,addr=$_slot"
		_slot=$((_slot + 1))
	done
	# QEMU opens both ends read-write; the reader ends when QEMU does.
	# Neither holds the test's output open: the runner waits for that.
	cat "$GRUN/agent.out" >> "$GRUN/agent.log" 2> /dev/null &
	guest_reader_pid=$!
	# shellcheck disable=SC2086 # one -device option and its value each
	"$GUEST_QEMU" -machine q35 -accel "$GUEST_ACCEL" -cpu max -smp 1 \
		-m "$GUEST_MEM" -nodefaults -display none -L "$GUEST_DIR/firmware" \
		-bios "$GUEST_DIR/firmware/qboot.rom" \
		-kernel "$GUEST_DIR/bzImage" -initrd "$GUEST_DIR/initramfs.cpio" \
		-append "$GUEST_CMDLINE" \
		-serial "file:$GRUN/console.log" \
		-chardev "pipe,id=agent,path=$GRUN/agent" -serial chardev:agent \
		$_devices < /dev/null > "$GRUN/qemu.log" 2>&1 &
	guest_qemu_pid=$!
	# held open read-write, so that writing never blocks on a dead QEMU
	exec 8<> "$GRUN/agent.in"
	guest_boots=0
	log "guest on $*: QEMU pid $guest_qemu_pid, files in $GRUN"
}

# guest_bdf N: the guest's PCI address of the Nth device (from 0) given to
# guest_start
guest_bdf() {
	printf '0000:00:%02x.0\n' $(($1 + 3))
}

# guest_dev BDF: the guest's name (dsaN) of the device at BDF, from the
# last answer, which must be probe's
guest_dev() {
	echo "$GUEST_OUT" | awk -v b="$1" '$1 == "device" && $3 == b { print $2 }'
}

# guest_running: the guest's QEMU is still there
guest_running() {
	[ -n "$guest_qemu_pid" ] && kill -0 "$guest_qemu_pid" 2> /dev/null
}

# guest_wait_ready: wait until the guest has booted once more than it had
# (the agent prints "agent ready" at every boot)
guest_wait_ready() {
	guest_boots=$((guest_boots + 1))
	_start=$(uptime_s)
	_n=0
	while [ "$(grep -c '^agent ready' "$GRUN/agent.log")" -lt $guest_boots ]; do
		guest_running ||
			fail "the guest's QEMU exited before boot $guest_boots: $(tail -n 5 "$GRUN/qemu.log" | tr '\n' ' ')"
		[ $_n -lt $((GUEST_BOOT_TIMEOUT * 2)) ] ||
			fail "the guest did not boot to its agent within ${GUEST_BOOT_TIMEOUT}s (boot $guest_boots)"
		sleep 0.5
		_n=$((_n + 1))
	done
	log "guest boot $guest_boots: agent ready after $(($(uptime_s) - _start)) s ($(grep '^agent ready' "$GRUN/agent.log" | tail -n 1 | sed 's/agent ready uptime/guest uptime/') s)"
}

# guest_send COMMAND...: send a command to the agent; sets guest_seq
guest_send() {
	guest_seq=$((guest_seq + 1))
	guest_sent=$(uptime_s)
	echo "$guest_seq $*" >&8
}

# guest_wait_answer: wait for the answer to the last command sent; its
# output lines are in GUEST_OUT (also shown as TAP comments), the status is
# returned.
guest_wait_answer() {
	_n=0
	until grep -q "^$guest_seq rc=" "$GRUN/agent.log"; do
		guest_running || fail "the guest's QEMU exited during command $guest_seq"
		[ $_n -lt $((GUEST_CMD_TIMEOUT * 2)) ] ||
			fail "no answer from the guest to command $guest_seq within ${GUEST_CMD_TIMEOUT}s"
		sleep 0.5
		_n=$((_n + 1))
	done
	GUEST_OUT=$(sed -n "s/^$guest_seq| //p" "$GRUN/agent.log")
	echo "$GUEST_OUT" | sed 's/^/#   guest: /'
	echo "#   guest: (answered in $(($(uptime_s) - guest_sent)) s)"
	return "$(sed -n "s/^$guest_seq rc=//p" "$GRUN/agent.log")"
}

# guest_cmd COMMAND...: run a command in the guest and wait for it
guest_cmd() {
	guest_send "$@"
	guest_wait_answer
}

# guest_value KEY: the value of the "KEY value" line of the last answer
# (KEY may be several words: "failures dsa0")
guest_value() {
	echo "$GUEST_OUT" | sed -n "s/^$1 //p" | tail -n 1
}

# guest_kill: SIGKILL the guest's QEMU, if there is one, and wait for it
# (also for at_exit)
guest_kill() {
	guest_running || return 0
	kill -9 "$guest_qemu_pid"
	wait "$guest_qemu_pid" 2> /dev/null
	guest_qemu_pid=
	exec 8>&-
	wait "$guest_reader_pid" 2> /dev/null
}

# guest_console_splats: the guest kernel's reports of a problem so far
guest_console_splats() {
	grep -E "$SPLAT_ERE" "$GRUN/console.log"
}
