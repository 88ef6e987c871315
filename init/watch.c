/* The fd-watch registry (watch.h): one poll over every registered fd. A
 * handler may add or remove entries; an entry removed during a dispatch is
 * not called with the events polled before. */
#define _GNU_SOURCE
#include "watch.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "log.h"

struct watch {
	int fd;
	short events;
	watch_fn fn;
	void *ctx;
};

static struct watch watches[WATCH_MAX];
static int nwatches;

int watch_add(int fd, short events, watch_fn fn, void *ctx)
{
	if (fd < 0)
		return -1;
	if (nwatches >= WATCH_MAX) {
		log_err("watch: more than %d descriptors to watch; fd %d ignored", WATCH_MAX, fd);
		return -1;
	}
	watches[nwatches++] = (struct watch){ fd, events, fn, ctx };
	return 0;
}

void watch_remove(int fd)
{
	int i;

	for (i = 0; i < nwatches; i++)
		if (watches[i].fd == fd) {
			watches[i] = watches[--nwatches];
			return;
		}
}

/* Still registered with the same handler (not removed, fd not reused). */
static int watch_current(const struct watch *w)
{
	int i;

	for (i = 0; i < nwatches; i++)
		if (watches[i].fd == w->fd && watches[i].fn == w->fn && watches[i].ctx == w->ctx)
			return 1;
	return 0;
}

/* A descriptor that hung up or failed with nothing left to read would be
 * reported by every poll: if its handler kept it, the loop would spin. Its
 * owner closes it; here it only stops being watched, and that is said. */
static void watch_hangup_check(const struct watch *w, short revents)
{
	const char *why;

	if (revents & POLLNVAL)
		why = "not open";
	else if ((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN))
		why = revents & POLLERR ? "error" : "hung up";
	else
		return;
	if (!watch_current(w))
		return;
	log_err("watch: fd %d: %s, and its handler kept it; no longer watched", w->fd, why);
	watch_remove(w->fd);
}

void watch_poll(int timeout_ms)
{
	struct pollfd fds[WATCH_MAX];
	struct watch polled[WATCH_MAX];
	int i, n = nwatches;

	memcpy(polled, watches, sizeof(watches[0]) * (size_t)n);
	for (i = 0; i < n; i++)
		fds[i] = (struct pollfd){ .fd = polled[i].fd, .events = polled[i].events };
	if (poll(fds, (nfds_t)n, timeout_ms) < 0) {
		if (errno != EINTR)
			log_err("poll: %s", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++)
		if (fds[i].revents && watch_current(&polled[i])) {
			polled[i].fn(fds[i].fd, fds[i].revents, polled[i].ctx);
			watch_hangup_check(&polled[i], fds[i].revents);
		}
}
