/* One ndt7 connection: the protocol from the first byte to the result
 * record (TLS handshake, HTTP upgrade, the test over WebSocket, the
 * closing handshake), driven by the worker's event loop (loop.c), which
 * owns the sockets' readiness and the clock. */
#ifndef NDT7_CONN_H
#define NDT7_CONN_H

#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "peers.h"
#include "server.h"
#include "uuid.h"

/* What a worker's connections share. */
struct conn_ctx {
	const struct ndt7_config *cfg;
	SSL_CTX *tls;
	struct peers *peers;		/* limits per address, shared */
	int worker;			/* this worker's column in peers */
	int64_t now;			/* monotonic ns, set by the loop */
	char host[65];			/* gethostname(), up to HOST_NAME_MAX */
	char uuid_prefix[NDT7_UUID_MAX];	/* "<host>_<boot time>" (uuid.h) */
	time_t started;
	unsigned long counter;		/* connections accepted */
};

struct conn;

/* What a connection needs from the loop after a call. */
enum {
	CONN_WRITE = 1,		/* wake it when the socket is writable */
	CONN_AGAIN = 2,		/* run it again at once: input is buffered or over budget */
	CONN_OVER = 4,		/* it has ended: conn_close() it */
};

/* Once per worker: host name and UUID prefix, start time, random payload. */
void conn_ctx_init(struct conn_ctx *x, const struct ndt7_config *cfg, SSL_CTX *tls,
		   struct peers *peers, int worker);

/* A connection on accepted socket fd (TLS if tls) from peer, which holds
 * a PEER_PENDING count in x->peers: the connection takes it over (a
 * PEER_TEST once upgraded) and gives it back at conn_close(). NULL if it
 * cannot be set up: errno ENOMEM (not logged), else logged; fd is closed
 * and the count given back either way. */
struct conn *conn_open(struct conn_ctx *x, int fd, int tls, const struct peer_key *peer);

int conn_fd(const struct conn *c);

/* Run c after epoll reported it (readable: input, error or hangup), or
 * because it asked for CONN_AGAIN (then readable too). */
unsigned conn_io(struct conn *c, int readable);

/* Every tick: deadlines, measurements, the end of the test. */
unsigned conn_tick(struct conn *c);

/* Log the end, write the result record of a test, free c. */
void conn_close(struct conn *c);

#endif
