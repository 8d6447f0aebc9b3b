// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest: play the guest of an idxd_ims virtual DSA device (vfio-mdev).
 *
 *   mdev_guest [-s SEED] [-b BYTES] [-t TIMEOUT_MS] [-u FILE] [-r FILE] [-f]
 *              [-m] [-c CPU] [-F open|irqs]... UUID SCENARIO [N]
 *
 * Opens the mdev UUID through a VFIO container (type1 IOMMU), maps a buffer
 * into it, checks the VFIO device, region and IRQ information, the PCI
 * configuration space and the BAR0 capability registers against the
 * interface contract, enables the virtual device and its WQ 0 through
 * CMD/CMDSTS, attaches one eventfd per MSI-X vector and runs a scenario:
 *
 *   ops, irq, handle N
 *              a working device's operations and interrupts, in
 *              mdev_guest_ops.c
 *   bad, storm N
 *              bad input, in mdev_guest_bad.c
 *   lines N, refill N, inflight [reset|close|both|remove|busy], flr
 *              many descriptors in flight, in mdev_guest_inflight.c
 *   loop N, bench N, copybench N
 *              memmoves or NOOPs back to back, in mdev_guest_bench.c
 *   halt N, disabled
 *              the parent halted or disabled under the guest, in
 *              mdev_guest_halt.c
 *   busmaster, xfer, cfgreset
 *              the PCI function's emulation, in mdev_guest_emul.c
 *   mapped N, idle N
 *              the mapped portal, in mdev_guest_portal.c
 *   noncontig [N], unmap, readonly, copyloop N, uffd
 *              the zero-copy data path, in mdev_guest_zerocopy.c
 *   fuzz SEED COUNT
 *              random operations on every part of the guest interface
 *              from several threads, in mdev_guest_fuzz.c
 *
 * With -c CPU the program runs on that CPU only. With -m descriptors go to
 * the mapped portal (stores to the descriptor pages, mmapped) instead of
 * pwrite()s of the BAR2 region, for scenarios that expect every portal
 * write to be taken (ops, irq, bench, copybench). With -F open the device
 * is opened, and with -F irqs its eventfds are attached, with each fault
 * site of the call failing in turn first (mdev_guest_fault.c).
 *
 * This file holds the command line and the scenario table; the VFIO and
 * DSA guest library the scenarios share is in mdev_guest_vfio.c, and
 * mdev_guest.h declares what the files share.
 *
 * Prints one line per failed check and exits 0 when everything matched,
 * 1 on any mismatch and 4 (KSFT_SKIP) when VFIO is not available.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"

#include "mdev_guest.h"

/* --- main --- */

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: mdev_guest [-s SEED] [-b BYTES] [-t TIMEOUT_MS] [-u FILE] [-r FILE] [-f] [-m]\n"
		"                  [-c CPU] [-F open|irqs]... UUID SCENARIO [N]\n"
		"  scenarios: ops, irq, bad, storm N, lines N, refill N,\n"
		"             inflight [reset|close|both|remove|busy],\n"
		"             flr, loop N, bench N, copybench N,\n"
		"             halt N (needs -r and -u; -f: recover with an FLR),\n"
		"             disabled (needs -r), handle N, busmaster, xfer,\n"
		"             cfgreset, mapped N, idle N, noncontig [N], unmap,\n"
		"             readonly, copyloop N, uffd, fuzz SEED COUNT\n");
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	struct guest g = { .seed = 1, .bytes = 4096, .timeout_ms = 10000 };
	const char *scenario, *arg;
	bool mapped = false;
	cpu_set_t cpus;
	long n, fuzz_count = 0;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:b:t:u:r:fmc:F:")) != -1) {
		switch (opt) {
		case 's':
			g.seed = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			g.bytes = strtoul(optarg, NULL, 0);
			break;
		case 't':
			g.timeout_ms = strtol(optarg, NULL, 0);
			break;
		case 'u':
			g.until = optarg;
			break;
		case 'r':
			g.ready = optarg;
			break;
		case 'f':
			g.flr = true;
			break;
		case 'm':
			mapped = true;
			break;
		case 'c':
			CPU_ZERO(&cpus);
			CPU_SET(strtoul(optarg, NULL, 0), &cpus);
			if (sched_setaffinity(0, sizeof(cpus), &cpus))
				die("sched_setaffinity to CPU %s", optarg);
			break;
		case 'F':
			if (!strcmp(optarg, "open"))
				g.faults |= FAULT_OPEN;
			else if (!strcmp(optarg, "irqs"))
				g.faults |= FAULT_IRQS;
			else
				bad_usage();
			break;
		default:
			bad_usage();
		}
	}
	if (argc - optind < 2)
		bad_usage();
	g.uuid = argv[optind];
	scenario = argv[optind + 1];
	arg = argc - optind > 2 ? argv[optind + 2] : NULL;
	n = arg && strcmp(scenario, "inflight") ? strtol(arg, NULL, 0) : 1;
	if (!strcmp(scenario, "noncontig") && !arg)
		n = 0;
	else if (!strcmp(scenario, "fuzz"))
		fuzz_count = argc - optind > 3 ?
			     strtol(argv[optind + 3], NULL, 0) : 0;
	else if (n < 1)
		bad_usage();
	if (!strcmp(scenario, "fuzz") && (!arg || n < 0 || fuzz_count < 1))
		bad_usage();

	open_guest(&g);
	if (mapped)
		map_portal(&g);
	if (!strcmp(scenario, "ops"))
		scenario_ops(&g, n);
	else if (!strcmp(scenario, "irq"))
		scenario_irq(&g, n);
	else if (!strcmp(scenario, "bad"))
		scenario_bad(&g, n);
	else if (!strcmp(scenario, "storm"))
		scenario_storm(&g, n);
	else if (!strcmp(scenario, "lines"))
		scenario_lines(&g, n);
	else if (!strcmp(scenario, "refill"))
		scenario_refill(&g, n);
	else if (!strcmp(scenario, "inflight"))
		scenario_inflight(&g, arg ? arg : "both");
	else if (!strcmp(scenario, "flr"))
		scenario_flr(&g, n);
	else if (!strcmp(scenario, "loop"))
		scenario_loop(&g, n);
	else if (!strcmp(scenario, "bench"))
		scenario_bench(&g, n);
	else if (!strcmp(scenario, "copybench"))
		scenario_copybench(&g, n);
	else if (!strcmp(scenario, "halt"))
		scenario_halt(&g, n);
	else if (!strcmp(scenario, "disabled"))
		scenario_disabled(&g, n);
	else if (!strcmp(scenario, "handle"))
		scenario_handle(&g, n);
	else if (!strcmp(scenario, "busmaster"))
		scenario_busmaster(&g, n);
	else if (!strcmp(scenario, "xfer"))
		scenario_xfer(&g, n);
	else if (!strcmp(scenario, "cfgreset"))
		scenario_cfgreset(&g, n);
	else if (!strcmp(scenario, "mapped"))
		scenario_mapped(&g, n);
	else if (!strcmp(scenario, "idle"))
		scenario_idle(&g, n);
	else if (!strcmp(scenario, "noncontig"))
		scenario_noncontig(&g, n);
	else if (!strcmp(scenario, "unmap"))
		scenario_unmap(&g, n);
	else if (!strcmp(scenario, "copyloop"))
		scenario_copyloop(&g, n);
	else if (!strcmp(scenario, "uffd"))
		scenario_uffd(&g, n);
	else if (!strcmp(scenario, "readonly"))
		scenario_readonly(&g, n);
	else if (!strcmp(scenario, "fuzz"))
		scenario_fuzz(&g, n, fuzz_count);
	else
		bad_usage();

	info("%s: portal writes accepted=%lu refused=%lu", scenario,
	     portal_accepted, portal_refused);
	if (errors) {
		info("%s: %d check(s) failed", scenario, errors);
		return KSFT_FAIL;
	}
	info("%s: all checks passed", scenario);
	return KSFT_PASS;
}
