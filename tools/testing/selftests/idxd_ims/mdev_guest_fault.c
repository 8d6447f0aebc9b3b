// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev_guest -F open, -F irqs: fault injection into the call that opens
 * the virtual device (VFIO_GROUP_GET_DEVICE_FD) and into the one that
 * attaches its MSI-X eventfds (VFIO_DEVICE_SET_IRQS).
 *
 * The call is made with its 1st, 2nd, ... fault site failing: this
 * thread's fail-nth (Documentation/fault-injection/fault-injection.rst)
 * is written right before the call and read back and cleared right after
 * it, until a call that does not reach its Nth site, which must succeed.
 * A call that failed with the injected fault must fail with an errno and
 * change nothing (the next one gets further; a failed SET_IRQS attached
 * no eventfd); one that succeeded all the same (a fallback absorbed the
 * fault) must have done its work. Prints, per call:
 *
 *   fault sweep CALL: sites=S failed=F absorbed=A errnos=NAME:COUNT,...
 *
 * S: the fault sites of the call that reached none of its own; F: calls
 * that failed at the injected site; A: calls that succeeded although
 * their Nth site failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "mdev_guest.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"
/* more fault sites than either call has: a sweep that gets here is stuck */
#define MAX_SITES	10000
#define MAX_ERRNO	256

struct sweep {
	const char *call;
	int wfd;
	int rfd;
	unsigned int n;
	unsigned int left;
	unsigned int failed;
	unsigned int absorbed;
	unsigned int errnos[MAX_ERRNO];
};

static void sweep_start(struct sweep *s, const char *call)
{
	memset(s, 0, sizeof(*s));
	s->call = call;
	s->wfd = open(FAIL_NTH, O_WRONLY | O_CLOEXEC);
	s->rfd = open(FAIL_NTH, O_RDONLY | O_CLOEXEC);
	if (s->wfd < 0 || s->rfd < 0)
		die("cannot open %s (kernel without CONFIG_FAULT_INJECTION?)",
		    FAIL_NTH);
}

/* sweep_arm: the call made next fails at the sweep's next site */
static void sweep_arm(struct sweep *s)
{
	char buf[16];
	int len;

	if (++s->n > MAX_SITES)
		die("fault sweep %s: still reaching site %u", s->call, s->n);
	len = snprintf(buf, sizeof(buf), "%u", s->n);
	if (write(s->wfd, buf, len) != len)
		die("writing %s", FAIL_NTH);
}

/*
 * sweep_disarm: read fail-nth back and clear it; true when the call
 * reached its Nth site, which failed
 */
static bool sweep_disarm(struct sweep *s)
{
	char buf[16];
	ssize_t len;

	len = pread(s->rfd, buf, sizeof(buf) - 1, 0);
	if (len <= 0 || write(s->wfd, "0", 1) != 1)
		die("reading back %s", FAIL_NTH);
	buf[len] = '\0';
	s->left = strtoul(buf, NULL, 10);
	return !s->left;
}

/* sweep_failed: the call failed with @err at the injected site */
static void sweep_failed(struct sweep *s, int err)
{
	s->failed++;
	if (err > 0 && err < MAX_ERRNO)
		s->errnos[err]++;
	else
		fail("fault sweep %s: site %u failed the call with errno %d",
		     s->call, s->n, err);
}

static void sweep_report(struct sweep *s)
{
	const char *sep = "";
	int e;

	printf("mdev_guest: fault sweep %s: sites=%u failed=%u absorbed=%u errnos=",
	       s->call, s->n - s->left, s->failed, s->absorbed);
	for (e = 1; e < MAX_ERRNO; e++) {
		if (!s->errnos[e])
			continue;
		printf("%s%s:%u", sep, strerrorname_np(e), s->errnos[e]);
		sep = ",";
	}
	printf("%s\n", *sep ? "" : "none");
	close(s->wfd);
	close(s->rfd);
}

/**
 * fault_open_device() - VFIO_GROUP_GET_DEVICE_FD with each fault site
 *	failing in turn
 * @g: guest with its group in a container
 *
 * Return: the device's file descriptor, from the call that reached none
 * of its sites.
 */
int fault_open_device(struct guest *g)
{
	struct sweep s;
	int fd, err;

	sweep_start(&s, "open");
	for (;;) {
		sweep_arm(&s);
		fd = ioctl(g->group, VFIO_GROUP_GET_DEVICE_FD, g->uuid);
		err = errno;
		if (!sweep_disarm(&s))
			break;
		if (fd < 0) {
			sweep_failed(&s, err);
			continue;
		}
		/* absorbed: the device is open, and closes again */
		s.absorbed++;
		close(fd);
	}
	if (fd < 0) {
		errno = err;
		die("VFIO_GROUP_GET_DEVICE_FD %s failed with no fault injected",
		    g->uuid);
	}
	sweep_report(&s);
	return fd;
}

/* loopback_count: signals vector @v saw when triggered from software */
static __u64 loopback_count(struct guest *g, int v)
{
	__u64 count = 0;

	drain_vector(g, v);
	if (trigger_vector(g, v))
		fail("loopback trigger of vector %d: %s", v, strerror(errno));
	if (read(g->efd[v], &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

/**
 * fault_attach_vectors() - attach the MSI-X eventfds with each fault site
 *	of VFIO_DEVICE_SET_IRQS failing in turn
 * @g: guest with its device open and its eventfds created
 *
 * A failed call must leave both vectors detached (a loopback trigger
 * signals nothing, synchronously); an absorbed one must have attached
 * both, and they are detached again for the next call. The eventfds are
 * attached when this returns.
 */
void fault_attach_vectors(struct guest *g)
{
	struct sweep s;
	int rc, v;

	sweep_start(&s, "irqs");
	for (;;) {
		sweep_arm(&s);
		rc = set_irqs(g, VFIO_IRQ_SET_DATA_EVENTFD |
			      VFIO_IRQ_SET_ACTION_TRIGGER,
			      VFIO_PCI_MSIX_IRQ_INDEX, 0, NR_VECS, g->efd);
		if (!sweep_disarm(&s))
			break;
		if (rc) {
			sweep_failed(&s, -rc);
			for (v = 0; v < NR_VECS; v++)
				if (loopback_count(g, v))
					fail("SET_IRQS failed at site %u, vector %d attached",
					     s.n, v);
			continue;
		}
		s.absorbed++;
		for (v = 0; v < NR_VECS; v++)
			if (loopback_count(g, v) != 1)
				fail("SET_IRQS absorbed site %u, vector %d detached",
				     s.n, v);
		if (set_irqs(g, VFIO_IRQ_SET_DATA_NONE |
			     VFIO_IRQ_SET_ACTION_TRIGGER,
			     VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL))
			die("VFIO_DEVICE_SET_IRQS: detaching the MSI-X eventfds");
	}
	if (rc) {
		errno = -rc;
		die("VFIO_DEVICE_SET_IRQS failed with no fault injected");
	}
	sweep_report(&s);
}
