// SPDX-License-Identifier: GPL-2.0-only
/*
 * cpu_profile: where the CPUs' time goes, by who is responsible for it.
 *
 *   cpu_profile PERIOD_US MODULE...
 *
 * Samples every online CPU with perf's cpu-clock software event, asking
 * for a sample every PERIOD_US microseconds, with the kernel call chain of
 * what the CPU was doing, until SIGINT or SIGTERM. The event runs on a
 * kernel timer: without high-resolution timers (the test kernel) it fires
 * at the scheduler tick at the fastest. So each sample stands for the
 * time since the CPU's previous one, whatever was asked, and is counted
 * with that weight (a CPU's first sample only starts its clock). A CPU
 * that is idle or busy in the kernel is sampled alike.
 *
 * Each sample then goes to one owner, the first that applies, walking the
 * call chain from the sampled function outwards:
 *
 *   MODULE    a function of one of the MODULEs (so a kernel function
 *             called by a module, a lock say, is the module's, and a
 *             module's callback called by another module is the
 *             callback's)
 *   irq       the walk reached an interrupt entry (asm_*) first: kernel
 *             interrupt and softirq code that no MODULE called
 *   idle      the idle task outside any interrupt
 *   irqthread a threaded interrupt handler's kernel code (irq/...)
 *   kernel    any other kernel code
 *   user      user space
 *
 * It prints "sampling N CPUs" once it samples, and when it stops "samples
 * N lost L us T" (T: the microseconds the samples stand for, all CPUs),
 * then "owner NAME US" for each owner and "func OWNER US SYMBOL [MODULE]"
 * for the functions under each owner, most time first: for a MODULE all
 * of its functions that own samples (each with the kernel functions it
 * called), for the others the TOP_FUNCS sampled functions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>

#define MAX_CPUS	64
#define MAX_OWNERS	16
/* data pages of each CPU's ring buffer (a power of two) */
#define RING_PAGES	64
#define TOP_FUNCS	8
#define TID_SLOTS	4096

enum {
	OWNER_IRQ, OWNER_IDLE, OWNER_IRQTHREAD, OWNER_KERNEL, OWNER_USER,
	OWNER_MODULES
};

static const char * const fixed_owners[] = {
	"irq", "idle", "irqthread", "kernel", "user",
};

struct ksym {
	__u64 addr;
	char *name;
	char *module;		/* NULL for the kernel's own */
	int owner_module;	/* index into the MODULEs, or -1 */
	__u64 *ns;		/* per owner, allocated on first hit */
};

struct cpu_ring {
	int fd;
	struct perf_event_mmap_page *meta;
	char *data;
	size_t size;
	__u64 last_time;	/* of the CPU's previous sample, 0 before */
};

static struct ksym *syms;
static size_t nsyms;
static char **modules;
static int nmodules;
static __u64 owner_ns[MAX_OWNERS], total_ns;
static unsigned long total_samples, lost_samples;

/* tid -> 1 (a threaded interrupt handler) or 2 (anything else); 0 unknown */
static struct {
	__u32 tid;
	__u8 kind;
} tids[TID_SLOTS];

static void die(const char *what)
{
	fprintf(stderr, "cpu_profile: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Read the kernel's and the modules' text symbols from /proc/kallsyms. */
static void load_symbols(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t cap = 0;
	char line[512];

	if (!f)
		die("/proc/kallsyms");
	while (fgets(line, sizeof(line), f)) {
		char name[256], module[128] = "", type;
		unsigned long long addr;
		int i;

		if (sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type,
			   name, module) < 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (nsyms == cap) {
			cap = cap ? 2 * cap : 65536;
			syms = realloc(syms, cap * sizeof(*syms));
			if (!syms)
				die("symbols");
		}
		syms[nsyms].addr = addr;
		syms[nsyms].name = strdup(name);
		syms[nsyms].module = module[0] ? strdup(module) : NULL;
		syms[nsyms].owner_module = -1;
		syms[nsyms].ns = NULL;
		for (i = 0; module[0] && i < nmodules; i++)
			if (!strcmp(module, modules[i]))
				syms[nsyms].owner_module = i;
		nsyms++;
	}
	fclose(f);
	if (!nsyms || !syms[0].addr) {
		fprintf(stderr, "cpu_profile: no kernel symbol addresses (kptr_restrict?)\n");
		exit(2);
	}
	qsort(syms, nsyms, sizeof(*syms), sym_cmp);
}

static struct ksym *sym_of(__u64 ip)
{
	size_t lo = 0, hi = nsyms;

	if (!nsyms || ip < syms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (syms[mid].addr <= ip)
			lo = mid;
		else
			hi = mid;
	}
	return &syms[lo];
}

/* Whether thread TID is a threaded interrupt handler, by its name. */
static int tid_is_irq_thread(__u32 tid)
{
	unsigned int slot = tid % TID_SLOTS, probes = 0;
	char path[64], comm[32] = "";
	__u8 kind;
	FILE *f;

	/* remembered, or the free slot to remember it in (none when full) */
	while (tids[slot].kind && tids[slot].tid != tid && ++probes < TID_SLOTS)
		slot = (slot + 1) % TID_SLOTS;
	if (tids[slot].kind && tids[slot].tid == tid)
		return tids[slot].kind == 1;
	snprintf(path, sizeof(path), "/proc/%u/comm", tid);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	kind = strncmp(comm, "irq/", 4) ? 2 : 1;
	if (!tids[slot].kind) {
		tids[slot].tid = tid;
		tids[slot].kind = kind;
	}
	return kind == 1;
}

static void count(int owner, struct ksym *sym, __u64 ns)
{
	owner_ns[owner] += ns;
	total_ns += ns;
	total_samples++;
	if (!sym)
		return;
	if (!sym->ns) {
		sym->ns = calloc(MAX_OWNERS, sizeof(*sym->ns));
		if (!sym->ns)
			die("per-function times");
	}
	sym->ns[owner] += ns;
}

/*
 * One sample: its pid and tid, its call chain from the sampled IP, and the
 * time since the CPU's previous sample, which it stands for.
 */
static void account(__u32 pid, __u32 tid, const __u64 *chain, __u64 nr,
		    __u64 ns)
{
	struct ksym *leaf = NULL;
	__u64 i;

	for (i = 0; i < nr; i++) {
		struct ksym *s;

		if (chain[i] >= (__u64)PERF_CONTEXT_MAX)
			continue;
		s = sym_of(chain[i]);
		if (!s)
			continue;
		if (!leaf)
			leaf = s;
		if (s->owner_module >= 0) {
			count(OWNER_MODULES + s->owner_module, s, ns);
			return;
		}
		if (!strncmp(s->name, "asm_", 4)) {
			count(OWNER_IRQ, leaf, ns);
			return;
		}
	}
	if (!leaf)
		count(OWNER_USER, NULL, ns);
	else if (!pid)
		count(OWNER_IDLE, leaf, ns);
	else if (tid_is_irq_thread(tid))
		count(OWNER_IRQTHREAD, leaf, ns);
	else
		count(OWNER_KERNEL, leaf, ns);
}

/* Copy LEN bytes at OFFSET of a ring buffer, which may wrap. */
static void ring_copy(struct cpu_ring *r, __u64 offset, void *to,
		      size_t len)
{
	size_t at = offset & (r->size - 1);
	size_t first = len < r->size - at ? len : r->size - at;

	memcpy(to, r->data + at, first);
	memcpy((char *)to + first, r->data, len - first);
}

static void drain(struct cpu_ring *r)
{
	__u64 head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	__u64 tail = r->meta->data_tail;
	static __u64 rec[8192];

	while (tail < head) {
		struct perf_event_header hdr;

		ring_copy(r, tail, &hdr, sizeof(hdr));
		if (hdr.size < sizeof(hdr))
			break;
		ring_copy(r, tail, rec, hdr.size);
		if (hdr.type == PERF_RECORD_SAMPLE) {
			/* header, ip, pid/tid, time, nr, ips[nr] */
			__u32 *ids = (__u32 *)&rec[2];
			__u64 time = rec[3], nr = rec[4];

			if ((nr + 5) * 8 <= hdr.size && r->last_time)
				account(ids[0], ids[1], &rec[5], nr,
					time - r->last_time);
			r->last_time = time;
		} else if (hdr.type == PERF_RECORD_LOST) {
			lost_samples += rec[2];
		}
		tail += hdr.size;
	}
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

static const char *owner_name(int owner)
{
	return owner < OWNER_MODULES ? fixed_owners[owner] :
	       modules[owner - OWNER_MODULES];
}

/* qsort_r() order of symbols: most time under the owner *OWNER first */
static int time_cmp(const void *a, const void *b, void *owner)
{
	const struct ksym *x = *(struct ksym * const *)a;
	const struct ksym *y = *(struct ksym * const *)b;
	int o = *(int *)owner;

	return x->ns[o] < y->ns[o] ? 1 : x->ns[o] > y->ns[o] ? -1 : 0;
}

static void report(void)
{
	int owner, nowners = OWNER_MODULES + nmodules;
	struct ksym **hit = calloc(nsyms, sizeof(*hit));
	size_t i, n;

	if (!hit)
		die("report");
	printf("samples %lu lost %lu us %llu\n", total_samples, lost_samples,
	       total_ns / 1000);
	for (owner = 0; owner < nowners; owner++)
		printf("owner %s %llu\n", owner_name(owner),
		       owner_ns[owner] / 1000);
	for (owner = 0; owner < nowners; owner++) {
		for (i = 0, n = 0; i < nsyms; i++)
			if (syms[i].ns && syms[i].ns[owner] >= 1000)
				hit[n++] = &syms[i];
		qsort_r(hit, n, sizeof(*hit), time_cmp, &owner);
		for (i = 0; i < n && (owner >= OWNER_MODULES || i < TOP_FUNCS); i++)
			printf("func %s %llu %s%s%s\n", owner_name(owner),
			       hit[i]->ns[owner] / 1000, hit[i]->name,
			       hit[i]->module ? " " : "",
			       hit[i]->module ? hit[i]->module : "");
	}
	free(hit);
}

/* Open and map the sampling event of CPU. */
static void open_cpu(struct cpu_ring *r, int cpu, unsigned int period_us)
{
	long page = sysconf(_SC_PAGESIZE);
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = period_us * 1000ULL,
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			       PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN,
		.exclude_callchain_user = 1,
		.wakeup_events = 64,
		.disabled = 1,
	};
	void *map;

	r->fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1,
			PERF_FLAG_FD_CLOEXEC);
	if (r->fd < 0)
		die("perf_event_open");
	r->size = RING_PAGES * page;
	map = mmap(NULL, page + r->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   r->fd, 0);
	if (map == MAP_FAILED)
		die("mmap of the ring buffer");
	r->meta = map;
	r->data = (char *)map + page;
}

int main(int argc, char **argv)
{
	static struct cpu_ring rings[MAX_CPUS];
	static struct pollfd fds[MAX_CPUS + 1];
	unsigned int period_us = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	sigset_t stop;
	long ncpus;
	int cpu;

	if (!period_us || argc - 2 > MAX_OWNERS - OWNER_MODULES) {
		fprintf(stderr, "usage: cpu_profile PERIOD_US MODULE...\n");
		return 2;
	}
	modules = argv + 2;
	nmodules = argc - 2;
	load_symbols();

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 1 || ncpus > MAX_CPUS) {
		fprintf(stderr, "cpu_profile: %ld CPUs, at most %d\n", ncpus,
			MAX_CPUS);
		return 2;
	}
	/* SIGINT and SIGTERM end the sampling, read from a signalfd */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &stop, NULL))
		die("sigprocmask");
	fds[ncpus].fd = signalfd(-1, &stop, SFD_CLOEXEC);
	if (fds[ncpus].fd < 0)
		die("signalfd");
	fds[ncpus].events = POLLIN;
	for (cpu = 0; cpu < ncpus; cpu++) {
		open_cpu(&rings[cpu], cpu, period_us);
		fds[cpu].fd = rings[cpu].fd;
		fds[cpu].events = POLLIN;
	}
	for (cpu = 0; cpu < ncpus; cpu++)
		if (ioctl(rings[cpu].fd, PERF_EVENT_IOC_ENABLE, 0))
			die("enabling the event");
	printf("sampling %ld CPUs\n", ncpus);
	fflush(stdout);
	while (!fds[ncpus].revents) {
		if (poll(fds, ncpus + 1, 100) < 0)
			die("poll");
		for (cpu = 0; cpu < ncpus; cpu++)
			drain(&rings[cpu]);
	}
	for (cpu = 0; cpu < ncpus; cpu++) {
		ioctl(rings[cpu].fd, PERF_EVENT_IOC_DISABLE, 0);
		drain(&rings[cpu]);
	}
	report();
	return 0;
}
