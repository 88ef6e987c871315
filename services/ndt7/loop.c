/* A worker's event loop: epoll over the listening sockets and the
 * connections, accepting, the 10 ms tick; the protocol is conn.c's. */
#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "peers.h"
#include "reload.h"

#define NS 1000000000LL
#define MS 1000000LL
#define TICK_NS (10 * MS)	/* timer resolution */
#define LISTENER_ID (1ULL << 32)	/* epoll data: listener index, else slot */

struct slot {
	struct conn *c;
	uint32_t events;		/* registered with epoll */
	int again;			/* run again without waiting for epoll */
};

struct worker {
	const struct ndt7_config *cfg;
	const struct listener *ls;
	int nls, epfd, nconns, accept_paused, any_again;
	struct slot *slots;
	int64_t last_tick, accept_resume;
	struct conn_ctx ctx;
};

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

static void slot_free(struct worker *w, int i)
{
	conn_close(w->slots[i].c);	/* closing the socket leaves epoll too */
	w->slots[i].c = NULL;
	w->nconns--;
}

/* Act on what a connection call returned: epoll interest, again, end. */
static void slot_update(struct worker *w, int i, unsigned wants)
{
	struct slot *s = &w->slots[i];
	uint32_t ev = EPOLLIN | (wants & CONN_WRITE ? EPOLLOUT : 0);
	struct epoll_event e = { .events = ev, .data.u64 = (uint64_t)i };

	if (wants & CONN_OVER) {
		slot_free(w, i);
		return;
	}
	s->again = !!(wants & CONN_AGAIN);
	w->any_again |= s->again;
	if (ev != s->events && epoll_ctl(w->epfd, EPOLL_CTL_MOD, conn_fd(s->c), &e) == 0)
		s->events = ev;
}

/* Whether the client at sa may have one more connection pending: if not,
 * it is closed at once (no request read: nothing to answer yet). */
static int peer_admit(struct worker *w, int fd, const struct sockaddr *sa,
		      const struct listener *l, struct peer_key *k)
{
	char addr[INET6_ADDRSTRLEN] = "?";

	peer_key_of(sa, k);
	if (peers_acquire(w->ctx.peers, w->ctx.worker, k, PEER_PENDING) == 0)
		return 1;
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  addr, sizeof(addr));
	else if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  addr, sizeof(addr));
	ndt7_log(LOG_WARN, "%s: refusing a connection from %s: %u pending from that address "
		 "(--max-pending-per-addr)", l->name, addr, w->cfg->max_pending_per_addr);
	close(fd);
	return 0;
}

static void slot_open(struct worker *w, int fd, const struct sockaddr *sa,
		      const struct listener *l)
{
	struct epoll_event e = { .events = EPOLLIN };
	struct conn *c = NULL;
	struct peer_key k;
	int i;

	for (i = 0; i < w->cfg->max_conns && w->slots[i].c; i++)
		;
	if (i == w->cfg->max_conns)
		close(fd);
	else if (!peer_admit(w, fd, sa, l, &k))
		return;
	else
		c = conn_open(&w->ctx, fd, l->tls, &k);
	if (!c) {
		if (i == w->cfg->max_conns || errno == ENOMEM)
			ndt7_log(LOG_WARN, "%s: %d connections open (--max-conns) or out of memory: "
				 "refusing a connection", l->name, w->nconns);
		return;
	}
	w->slots[i] = (struct slot){ .c = c, .events = EPOLLIN };
	w->nconns++;
	e.data.u64 = (uint64_t)i;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		ndt7_log(LOG_ERR, "epoll: cannot watch a connection: %s", strerror(errno));
		slot_free(w, i);
	}
}

static void accept_all(struct worker *w, const struct listener *l)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			slot_open(w, fd, (struct sockaddr *)&ss, l);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* Stop listening for a moment rather than spin. */
			ndt7_log(LOG_WARN, "%s: cannot accept: %s (raise limit.nofile or lower "
				 "--max-conns); pausing 100 ms", l->name, strerror(errno));
			w->accept_paused = 1;
			w->accept_resume = w->ctx.now + 100 * MS;
		}
		return;
	}
}

static void listeners_watch(struct worker *w, int on)
{
	int i;

	for (i = 0; i < w->nls; i++) {
		struct epoll_event e = { .events = EPOLLIN | (w->cfg->workers > 1 ?
							     EPOLLEXCLUSIVE : 0),
					 .data.u64 = LISTENER_ID | (unsigned)i };

		if (on)
			epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ls[i].fd, &e);
		else
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->ls[i].fd, NULL);
	}
}

/* After EMFILE and the like: stop accepting for a while, then resume. */
static void accept_pause_step(struct worker *w)
{
	if (w->accept_paused == 1) {
		listeners_watch(w, 0);
		w->accept_paused = 2;
	} else if (w->accept_paused == 2 && w->ctx.now >= w->accept_resume) {
		listeners_watch(w, 1);
		w->accept_paused = 0;
	}
}

static void on_events(struct worker *w, const struct epoll_event *evs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint64_t id = evs[i].data.u64;
		uint32_t ev = evs[i].events;

		if (id & LISTENER_ID) {
			if (!w->accept_paused)
				accept_all(w, &w->ls[id & 0xffffffffu]);
		} else if (w->slots[id].c) {
			slot_update(w, (int)id, conn_io(w->slots[id].c,
							(ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) ||
							w->slots[id].again));
		}
	}
}

/* Connections with bytes still buffered inside the transport or over
 * their budget: epoll will not tell us again. */
static void run_again(struct worker *w)
{
	int i;

	w->any_again = 0;
	for (i = 0; i < w->cfg->max_conns; i++)
		if (w->slots[i].c && w->slots[i].again)
			slot_update(w, i, conn_io(w->slots[i].c, 1));
}

static void tick(struct worker *w)
{
	int i;

	if (w->ctx.now - w->last_tick < TICK_NS)
		return;
	w->last_tick = w->ctx.now;
	ndt7_log_tick(w->ctx.now);
	reload_check(&w->ctx);
	for (i = 0; i < w->cfg->max_conns; i++)
		if (w->slots[i].c)
			slot_update(w, i, conn_tick(w->slots[i].c) |
				    (w->slots[i].again ? CONN_AGAIN : 0));
}

/* Stopping: every connection closed (a test in progress gets its record)
 * and everything freed, so that a leak check at exit sees only leaks. */
static int worker_end(struct worker *w, int worker)
{
	int i, n = w->nconns;

	for (i = 0; i < w->cfg->max_conns; i++)
		if (w->slots[i].c)
			slot_free(w, i);
	free(w->slots);
	close(w->epfd);
	reload_end();
	ndt7_log(LOG_INFO, "worker %d: stopped: %d connection(s) closed", worker, n);
	return 0;
}

/* Between events: what the signal handlers asked for; memory back to the
 * system when idle. */
static void requests(struct worker *w, int worker)
{
	char who[32];

	memory_idle(w->nconns);
	if (memory_report_requested) {
		memory_report_requested = 0;
		snprintf(who, sizeof(who), "worker %d", worker);
		memory_report(who, w->nconns);
	}
}

int server_run(const struct ndt7_config *cfg, const struct listener *ls, int nls,
	       SSL_CTX *tls, struct peers *peers, int worker)
{
	struct worker w = { .cfg = cfg, .ls = ls, .nls = nls };
	struct epoll_event evs[256];
	int n;

	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	w.slots = calloc((size_t)cfg->max_conns, sizeof(*w.slots));
	if (w.epfd < 0 || !w.slots) {
		ndt7_log(LOG_ERR, "worker %d: cannot start: %s", worker, strerror(errno));
		return -1;
	}
	peers_worker_reset(peers, worker);	/* what a predecessor held */
	conn_ctx_init(&w.ctx, cfg, tls, peers, worker);
	listeners_watch(&w, 1);
	while (!metrics_stop()) {
		n = epoll_wait(w.epfd, evs, 256, w.any_again ? 0 : (int)(TICK_NS / MS));
		if (n < 0 && errno != EINTR) {
			ndt7_log(LOG_ERR, "worker %d: epoll_wait: %s", worker, strerror(errno));
			return -1;
		}
		w.ctx.now = mono_ns();
		on_events(&w, evs, n);
		if (w.any_again)
			run_again(&w);
		accept_pause_step(&w);
		tick(&w);
		requests(&w, worker);
	}
	return worker_end(&w, worker);
}
