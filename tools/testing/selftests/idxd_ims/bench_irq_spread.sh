#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: how completion interrupts spread over the CPUs
# with many vectors in use. Six dedicated kernel WQs (size 16) each get
# their IMS vector; two WQs of type mdev back two virtual devices, each
# opened by mdev_guest looping 4 KiB memmoves (one at a time, an interrupt
# each) until told to stop (without vfio-mdev, all eight WQs are kernel
# WQs). While the guests run, one dmatest thread per kernel WQ's channel
# does ITERATIONS memcpys of 4 KiB (norandom, noverify). Prints, for each
# completion vector, its affinity (/proc/irq/N/smp_affinity_list) and the
# CPU its interrupts go to (effective_affinity_list), the interrupts each
# CPU took in that window (/proc/interrupts before and after), and per
# CPU the vectors, the interrupts and their rate per second, with the
# dmatest rate. Run by "make bench"; under TCG the numbers measure the
# software path on the VM's vCPUs, not DSA hardware.

TEST=bench_irq_spread
. "$(dirname "$0")/lib.sh"

ITERATIONS=${ITERATIONS:-1000}
WQ_SIZE=16
KERNEL_WQS="0 1 2 3 4 5"
MDEV_WQS="6 7"

setup_device
CONF=$(conf_name) || fail "no dsa bus device under $BDF"
NCPU=$(head -n 1 /proc/interrupts | wc -w)

if [ -x "$MDEV_GUEST" ] && [ -c /dev/vfio/vfio ] &&
   modprobe mdev > /dev/null 2>&1 && [ -d "$(mdev_type_dir)" ]; then
	for w in $MDEV_WQS; do
		mdev_setup_wq "$w" $WQ_SIZE
	done
else
	log "no virtual devices (mdev_guest, VFIO or vfio-mdev missing): 8 kernel WQs"
	KERNEL_WQS="$KERNEL_WQS $MDEV_WQS" MDEV_WQS=
fi
# shellcheck disable=SC2086 # one WQ per word
bind_kernel_wqs $WQ_SIZE $KERNEL_WQS
chans=$(dma_channels)

uuids='' guests=''
if [ -n "$MDEV_WQS" ]; then
	bg_guests_init
	g=0
	for w in $MDEV_WQS; do
		mdev_create || fail "cannot create an mdev: $MDEV_ERR"
		bg_guest "g$g" -b 4096 -r "$BG_DIR/g$g-started" -u "$BG_DIR/stop" \
			"$MDEV_UUID" loop 1
		bg_guest_started "g$g" || fail "guest g$g did not start"
		uuids="$uuids $MDEV_UUID" guests="$guests g$g"
		g=$((g + 1))
	done
fi

# irq_snapshot: "virq name affinity effective count0 count1 ..." for each
# requested completion vector
irq_snapshot() {
	vector_rows_all | while read -r _ virq _ _ _ _ _ req _ name; do
		[ "$req" = 1 ] || continue
		aff=$(cat "/proc/irq/$virq/smp_affinity_list")
		eff=$(cat "/proc/irq/$virq/effective_affinity_list")
		awk -v v="$virq:" -v n="$NCPU" -v rest="$name $aff $eff" '
			$1 == v {
				printf "%s %s", substr(v, 1, length(v) - 1), rest
				for (i = 2; i <= n + 1; i++)
					printf " %s", $i
				print ""
			}' /proc/interrupts
	done
}

# centiseconds of uptime
uptime_cs() {
	read -r _up _ < /proc/uptime
	echo "${_up%.*}${_up#*.}"
}

dmesg -n 1
load_dmatest
echo 1 > $DMATEST/norandom
echo 1 > $DMATEST/noverify
before=$(irq_snapshot)
t0=$(uptime_cs)
dmatest_start "$chans" "$ITERATIONS" 1 10000 4096
n=0
until dmatest_over "$dmatest_threads"; do
	[ $n -lt 6000 ] || fail "dmatest still running after 600 s"
	sleep 0.1
	n=$((n + 1))
done
t1=$(uptime_cs)
after=$(irq_snapshot)
[ "$(dmatest_failures)" -eq 0 ] || fail "dmatest failed: $dmatest_out"
ops=$(echo "$dmatest_out" | sed -n 's/.*summary [0-9]* tests, 0 failures \([0-9.]*\) iops.*/\1/p' |
	awk '{ s += $1 } END { print s }')
if [ -n "$uuids" ]; then
	touch "$BG_DIR/stop"
	for g in $guests; do
		bg_guest_wait "$g" > /dev/null || fail "guest $g failed"
	done
fi
log "set up, measured and stopped in $(test_seconds) s"

echo "completion interrupts of $(echo "$after" | wc -l) vectors over $NCPU CPUs in $((t1 - t0))0 ms:"
echo "dmatest, one thread per kernel WQ ($(echo "$chans" | wc -l)), $ITERATIONS x 4 KiB each,"
echo "$(echo "$uuids" | wc -w) virtual devices looping 4 KiB memmoves; dmatest: $ops ops/s (sum)"
{ echo "$before" | sed 's/^/b /'; echo "$after" | sed 's/^/a /'; } |
awk -v ncpu="$NCPU" -v cs=$((t1 - t0)) '
	$1 == "b" { for (i = 0; i < ncpu; i++) b[$2, i] = $(6 + i); next }
	{
		v = $2; order[++nv] = v; name[v] = $3; aff[v] = $4; eff[v] = $5
		for (i = 0; i < ncpu; i++) {
			d[v, i] = $(6 + i) - b[v, i]
			cpu_irqs[i] += d[v, i]
		}
		cpu_vecs[eff[v]]++
	}
	END {
		printf "%-24s %5s %9s %9s", "vector", "virq", "affinity", "effective"
		for (i = 0; i < ncpu; i++)
			printf " %8s", "CPU" i
		print ""
		for (j = 1; j <= nv; j++) {
			v = order[j]
			printf "%-24s %5d %9s %9s", name[v], v, aff[v], eff[v]
			for (i = 0; i < ncpu; i++)
				printf " %8d", d[v, i]
			print ""
		}
		printf "%-5s %8s %12s %12s\n", "CPU", "vectors", "interrupts", "per second"
		for (i = 0; i < ncpu; i++)
			printf "%-5d %8d %12d %12.0f\n", i, cpu_vecs[i], cpu_irqs[i],
			       cpu_irqs[i] * 100 / cs
	}'
