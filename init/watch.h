/* The fd-watch registry: each module registers the descriptors it wants
 * watched (signals, timers, power buttons, pipes from children, the BMC)
 * with a handler; the event loop polls them all and calls the handlers. */
#ifndef FATHOM_INIT_WATCH_H
#define FATHOM_INIT_WATCH_H

#define WATCH_MAX 64

/* Called with the poll revents of fd. */
typedef void (*watch_fn)(int fd, short revents, void *ctx);

/* Watch fd for events (POLLIN...). 0, or -1 (logged) if the table is full. */
int watch_add(int fd, short events, watch_fn fn, void *ctx);
/* Stop watching fd (before closing it). */
void watch_remove(int fd);
/* Wait for events (at most timeout_ms, -1: forever) and dispatch them;
 * EINTR is not an error. */
void watch_poll(int timeout_ms);

#endif
