// SPDX-License-Identifier: GPL-2.0-only
/*
 * fail_nth: sweep the fault sites of one system call (fail-nth, see
 * Documentation/fault-injection/fault-injection.rst).
 *
 *   fail_nth [-kv] [-f FIRST] [-s PATH]... [-x PATH]... [-i WORD]
 *            [-d PATH[=TEXT]]... (-u FILE=TEXT | -U MODULE) CALL
 *   fail_nth -c CALL
 *   CALL:    write FILE TEXT      one write() of TEXT to FILE
 *            load MODULE_FILE     finit_module()
 *
 * The call is made once with no fault (a clean attempt: it must succeed,
 * and its undo must give the state back), then with its 1st, 2nd, ...
 * fault site failing (from the FIRST with -f), until an attempt that
 * does not reach its Nth site. This task's fail-nth is written right
 * before the call and read back and cleared right after it, so that only
 * the call's own sites count; whatever the call needs is opened first.
 *
 * The state is the content of each -s file, the entries of each -s
 * directory ("-" for a missing path) and, with -i, the names of the
 * interrupts in /proc/interrupts whose line holds WORD. An attempt that
 *  - failed at its Nth site must fail with an errno and leave the state
 *    as it was before the call;
 *  - succeeded although its Nth site failed (a fallback absorbed the
 *    fault) must have done its work (each -d PATH exists, and its first
 *    line is TEXT when given), leave the state a clean attempt leaves but
 *    in the -x paths (what a documented fallback may leave out: such an
 *    attempt counts as degraded), and be undone by the undo (-u writes
 *    TEXT to FILE, -U removes MODULE);
 *  - did not reach its Nth site must succeed and leave the state a clean
 *    attempt leaves. Its work is kept.
 *
 * Prints "sites=S clean=C failed=F absorbed=A degraded=D errnos=NAME:N,...
 * ms=T": S fault sites in the last attempt, C in the clean one, T the
 * milliseconds of the sweep. The first attempt that does not behave is
 * described on lines starting with "FAIL:" and ends the sweep: exit 1.
 * With -k the sweep goes on after such an attempt, from the state it
 * left, to find them all in one run (exit 1 at the end). With -v each
 * attempt is listed on standard error: its fault site, its result (an
 * errno name, ok, or - when the site was not reached) and how many
 * milliseconds it took. With -c the call is made once, with no fault, and
 * "rc=NAME sites=C" printed (rc=0 when it succeeded).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define FAIL_NTH	"/proc/thread-self/fail-nth"
/* fail-nth of the clean attempt: more sites than any call has */
#define CLEAN_NTH	1000000
/* a sweep past this many sites is stuck */
#define MAX_SITES	20000
#define MAX_PATHS	32
#define MAX_ERRNO	256
#define STATE_MAX	(256 * 1024)

struct sweep {
	const char *call;		/* "write" or "load" */
	const char *target;		/* FILE or MODULE_FILE */
	const char *text;		/* TEXT of write */
	int fd;
	int nth_w;
	int nth_r;
	const char *state[MAX_PATHS];
	int nstate;
	const char *loose[MAX_PATHS];	/* -x */
	int nloose;
	const char *irq_word;		/* -i */
	const char *done[MAX_PATHS];	/* -d */
	int ndone;
	const char *undo_file;		/* -u */
	const char *undo_text;
	const char *undo_module;	/* -U */
	bool verbose;			/* -v */
	bool count;			/* -c */
	unsigned int errnos[MAX_ERRNO];
};

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: fail_nth [-kv] [-f FIRST] [-s PATH]... [-x PATH]... [-i WORD]\n"
		"                [-d PATH[=TEXT]]... (-u FILE=TEXT | -U MODULE)\n"
		"                (write FILE TEXT | load MODULE_FILE)\n"
		"       fail_nth -c (write FILE TEXT | load MODULE_FILE)\n");
	exit(2);
}

/* print one "FAIL:" line */
static void vreport(const char *fmt, va_list ap)
{
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
}

static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	exit(1);
}

/* -k: attempts that did not behave, and the sweep went on */
static bool keep_going;
static unsigned int misbehaved;

/* an attempt did not behave: say how; the sweep ends unless -k */
static void misbehaving(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	if (!keep_going)
		exit(1);
	misbehaved++;
}

static void die(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* --- the state --- */

struct buf {
	char *p;
	size_t len;
};

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, STATE_MAX - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= STATE_MAX - b->len)
		bad("the state is larger than %d bytes", STATE_MAX);
	b->len += n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static void put_dir(struct buf *b, const char *path)
{
	char *names[1024];
	struct dirent *e;
	int n = 0, i;
	DIR *d;

	d = opendir(path);
	if (!d) {
		put(b, " -");
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == 1024)
			bad("%s has more than 1024 entries", path);
		names[n] = strdup(e->d_name);
		if (!names[n++])
			die("strdup");
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		put(b, " %s", names[i]);
		free(names[i]);
	}
}

static void put_file(struct buf *b, const char *path)
{
	char data[16384];
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		put(b, " -");
		return;
	}
	len = read(fd, data, sizeof(data) - 1);
	close(fd);
	if (len < 0) {
		put(b, " (unreadable: %s)", strerror(errno));
		return;
	}
	data[len] = '\0';
	put(b, " %s", data);
}

/* the names (last word) of the interrupts whose line holds @word */
static void put_irqs(struct buf *b, const char *word)
{
	char line[1024], *name;
	FILE *f;

	f = fopen("/proc/interrupts", "r");
	if (!f)
		die("/proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, word))
			continue;
		line[strcspn(line, "\n")] = '\0';
		name = strrchr(line, ' ');
		put(b, " %s", name ? name + 1 : line);
	}
	fclose(f);
}

/* One section per path: "<path>:<content>\n" */
static void snapshot(struct sweep *s, struct buf *b, bool loose_too)
{
	struct stat st;
	int i, j;

	b->len = 0;
	b->p[0] = '\0';
	for (i = 0; i < s->nstate; i++) {
		for (j = 0; !loose_too && j < s->nloose; j++)
			if (!strcmp(s->state[i], s->loose[j]))
				break;
		if (!loose_too && j < s->nloose)
			continue;
		put(b, "%s:", s->state[i]);
		if (stat(s->state[i], &st))
			put(b, " -");
		else if (S_ISDIR(st.st_mode))
			put_dir(b, s->state[i]);
		else
			put_file(b, s->state[i]);
		put(b, "\n");
	}
	if (s->irq_word) {
		put(b, "interrupts:");
		put_irqs(b, s->irq_word);
		put(b, "\n");
	}
}

/* the first line of @got that differs from @want, with @want's */
static void show_diff(const char *want, const char *got)
{
	size_t w, g;

	while (*want || *got) {
		w = strcspn(want, "\n");
		g = strcspn(got, "\n");
		if (w != g || strncmp(want, got, w)) {
			printf("  expected: %.*s\n  found:    %.*s\n",
			       (int)w, want, (int)g, got);
			return;
		}
		want += w + !!want[w];
		got += g + !!got[g];
	}
}

/*
 * The state must be @want; with -k, what it is instead becomes @want for
 * the next attempts.
 */
static void expect_state(struct sweep *s, struct buf *want, struct buf *now,
			 bool loose_too, const char *what, unsigned int n)
{
	snapshot(s, now, loose_too);
	if (!strcmp(want->p, now->p))
		return;
	printf("FAIL: %s: %s %s at fault site %u changed the state\n",
	       s->call, s->target, what, n);
	show_diff(want->p, now->p);
	if (!keep_going)
		exit(1);
	misbehaved++;
	memcpy(want->p, now->p, now->len + 1);
	want->len = now->len;
}

/* --- the call --- */

static void nth_set(struct sweep *s, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (write(s->nth_w, buf, len) != len)
		die("writing " FAIL_NTH);
}

/* read fail-nth back and clear it */
static unsigned int nth_left(struct sweep *s)
{
	char buf[16];
	ssize_t len;

	len = pread(s->nth_r, buf, sizeof(buf) - 1, 0);
	if (len <= 0 || write(s->nth_w, "0", 1) != 1)
		die("reading back " FAIL_NTH);
	buf[len] = '\0';
	return strtoul(buf, NULL, 10);
}

/*
 * attempt(): the call with its @n-th site failing; returns 0 or the
 * errno, -1 for a write() that took less than its text; sets *@left.
 */
static int attempt(struct sweep *s, unsigned int n, unsigned int *left)
{
	ssize_t ret;
	int err;

	nth_set(s, n);
	if (s->text)
		ret = pwrite(s->fd, s->text, strlen(s->text), 0);
	else
		ret = syscall(SYS_finit_module, s->fd, "", 0);
	err = errno;
	*left = nth_left(s);
	if (ret < 0)
		return err;
	if (s->text && ret != (ssize_t)strlen(s->text))
		return -1;
	return 0;
}

static void undo_call(struct sweep *s)
{
	int fd;

	if (s->undo_module) {
		if (syscall(SYS_delete_module, s->undo_module, O_NONBLOCK))
			die("undo: removing the module");
		return;
	}
	fd = open(s->undo_file, O_WRONLY);
	if (fd < 0 || write(fd, s->undo_text, strlen(s->undo_text)) < 0)
		die("undo");
	close(fd);
}

/* each -d PATH[=TEXT] exists (and its first line is TEXT) */
static const char *not_done(struct sweep *s)
{
	char path[4096], line[256];
	const char *text;
	int i, fd;
	ssize_t len;

	for (i = 0; i < s->ndone; i++) {
		text = strchr(s->done[i], '=');
		snprintf(path, sizeof(path), "%.*s",
			 text ? (int)(text - s->done[i]) : (int)strlen(s->done[i]),
			 s->done[i]);
		if (!text) {
			if (access(path, F_OK))
				return s->done[i];
			continue;
		}
		fd = open(path, O_RDONLY);
		len = fd < 0 ? -1 : read(fd, line, sizeof(line) - 1);
		if (fd >= 0)
			close(fd);
		if (len < 0)
			return s->done[i];
		line[len] = '\0';
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, text + 1))
			return s->done[i];
	}
	return NULL;
}

static const char *errname(int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	return name ?: (err < 0 ? "a short write" : "an unknown errno");
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sweep(struct sweep *s, unsigned int first)
{
	struct buf before, clean, clean_strict, now;
	unsigned int n, left, failed = 0, absorbed = 0, degraded = 0;
	unsigned int clean_sites, seen;
	const char *sep = "";
	long t0 = now_ms(), t;
	const char *what;
	int rc, e;

	before.p = malloc(STATE_MAX);
	clean.p = malloc(STATE_MAX);
	clean_strict.p = malloc(STATE_MAX);
	now.p = malloc(STATE_MAX);
	if (!before.p || !clean.p || !clean_strict.p || !now.p)
		die("malloc");
	snapshot(s, &before, true);

	rc = attempt(s, CLEAN_NTH, &left);
	if (rc)
		bad("%s %s: the clean attempt failed with %s", s->call,
		    s->target, errname(rc));
	if (!left)
		bad("%s %s: the clean attempt reached %u fault sites",
		    s->call, s->target, CLEAN_NTH);
	clean_sites = CLEAN_NTH - left;
	what = not_done(s);
	if (what)
		bad("%s %s: the clean attempt did not do its work (%s)",
		    s->call, s->target, what);
	snapshot(s, &clean, true);
	snapshot(s, &clean_strict, false);
	undo_call(s);
	expect_state(s, &before, &now, true, "undone after the clean attempt",
		     0);

	for (n = first; ; n++) {
		if (n > MAX_SITES)
			bad("%s %s: still reaching fault site %u", s->call,
			    s->target, n);
		t = now_ms();
		rc = attempt(s, n, &left);
		if (s->verbose)
			fprintf(stderr, "%u %s %ld\n", n,
				left ? "-" : rc ? errname(rc) : "ok", now_ms() - t);
		if (left)
			break;
		if (rc) {
			failed++;
			if (rc > 0 && rc < MAX_ERRNO)
				s->errnos[rc]++;
			else
				misbehaving("%s %s: fault site %u failed the call with %s",
					    s->call, s->target, n, errname(rc));
			expect_state(s, &before, &now, true, "failing", n);
			continue;
		}
		absorbed++;
		what = not_done(s);
		if (what)
			misbehaving("%s %s: succeeded despite fault site %u, without its work (%s)",
				    s->call, s->target, n, what);
		snapshot(s, &now, true);
		if (strcmp(now.p, clean.p)) {
			seen = misbehaved;
			expect_state(s, &clean_strict, &now, false,
				     "succeeding despite its failure", n);
			if (seen == misbehaved)
				degraded++;
			else
				snapshot(s, &clean, true);
		}
		undo_call(s);
		expect_state(s, &before, &now, true,
			     "undone after absorbing its failure", n);
	}
	if (rc)
		bad("%s %s: %s with no fault injected (site %u not reached): left by a failure?",
		    s->call, s->target, errname(rc), n);
	what = not_done(s);
	if (what)
		bad("%s %s: the attempt that reached no fault site did not do its work (%s)",
		    s->call, s->target, what);
	expect_state(s, &clean, &now, true,
		     "reaching no fault site (unlike the clean attempt)", n);

	printf("sites=%u clean=%u failed=%u absorbed=%u degraded=%u errnos=",
	       n - left, clean_sites, failed, absorbed, degraded);
	for (e = 1; e < MAX_ERRNO; e++) {
		if (!s->errnos[e])
			continue;
		printf("%s%s:%u", sep, errname(e), s->errnos[e]);
		sep = ",";
	}
	printf("%s ms=%ld\n", *sep ? "" : "none", now_ms() - t0);
	if (misbehaved)
		bad("%u attempts did not behave", misbehaved);
}

int main(int argc, char **argv)
{
	struct sweep s = { 0 };
	unsigned int first = 1;
	char *eq;
	int opt;

	while ((opt = getopt(argc, argv, "ckvf:s:x:i:d:u:U:")) != -1) {
		switch (opt) {
		case 'k':
			keep_going = true;
			break;
		case 'c':
			s.count = true;
			break;
		case 'v':
			s.verbose = true;
			break;
		case 'f':
			first = strtoul(optarg, NULL, 10);
			break;
		case 's':
		case 'x':
			if (s.nstate == MAX_PATHS)
				bad_usage();
			s.state[s.nstate++] = optarg;
			if (opt == 'x')
				s.loose[s.nloose++] = optarg;
			break;
		case 'i':
			s.irq_word = optarg;
			break;
		case 'd':
			if (s.ndone == MAX_PATHS)
				bad_usage();
			s.done[s.ndone++] = optarg;
			break;
		case 'u':
			eq = strchr(optarg, '=');
			if (!eq)
				bad_usage();
			*eq = '\0';
			s.undo_file = optarg;
			s.undo_text = eq + 1;
			break;
		case 'U':
			s.undo_module = optarg;
			break;
		default:
			bad_usage();
		}
	}
	if (!first || argc - optind < 2 ||
	    (!s.count && !!s.undo_file == !!s.undo_module))
		bad_usage();
	s.call = argv[optind];
	s.target = argv[optind + 1];
	if (!strcmp(s.call, "write") && argc - optind == 3) {
		s.text = argv[optind + 2];
		s.fd = open(s.target, O_WRONLY);
	} else if (!strcmp(s.call, "load") && argc - optind == 2) {
		s.fd = open(s.target, O_RDONLY | O_CLOEXEC);
	} else {
		bad_usage();
	}
	if (s.fd < 0)
		die(s.target);
	s.nth_w = open(FAIL_NTH, O_WRONLY | O_CLOEXEC);
	s.nth_r = open(FAIL_NTH, O_RDONLY | O_CLOEXEC);
	if (s.nth_w < 0 || s.nth_r < 0)
		die(FAIL_NTH);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (s.count) {
		unsigned int left;
		int rc = attempt(&s, CLEAN_NTH, &left);

		printf("rc=%s sites=%u\n", rc ? errname(rc) : "0",
		       CLEAN_NTH - left);
		return 0;
	}
	sweep(&s, first);
	return 0;
}
