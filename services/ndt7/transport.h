/* One byte-stream interface for a connection, over plain TCP
 * (transport.c) or TLS (transport_tls.c): the protocol above never asks
 * which. Non-blocking; the caller's event loop waits for readiness. */
#ifndef NDT7_TRANSPORT_H
#define NDT7_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <openssl/ssl.h>

struct transport;

struct transport_ops {
	int (*handshake)(struct transport *t);
	ssize_t (*read)(struct transport *t, void *buf, size_t cap);
	ssize_t (*writev)(struct transport *t, const struct iovec *iov, int n);
	int (*flush)(struct transport *t);
	size_t (*pending)(const struct transport *t);
	void (*shutdown)(struct transport *t);
	int (*bulk)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	int fd;
	SSL_CTX *ctx;		/* TLS only: for the SSL made at the first byte */
	SSL *ssl;		/* TLS only, NULL until the client's first byte */
	int bulk;		/* writes go through a TLS_WRITE_BUFFER buffer */
	int ready;		/* handshake done */
	int want_write;		/* blocked until the socket takes bytes (EPOLLOUT) */
	int failed;		/* ended by an error: no orderly close */
	const char *why;	/* why it ended, once a call returned -1 */
};

/* Plain TCP on a connected non-blocking socket; never fails. */
void transport_plain(struct transport *t, int fd);

/* TLS server side on fd. Nothing is allocated until the handshake's
 * first call (when the client's first bytes have come): an idle socket
 * costs no TLS state. Returns 0 (-1 is kept for out of memory). */
int transport_tls(struct transport *t, SSL_CTX *ctx, int fd);

/* A bulk sender from now on (a download): TLS records are written through
 * a buffer that sends several at once, allocated here and freed at close.
 * Plain TCP: nothing to do. Returns -1 if out of memory (the transport
 * still works, unbuffered). */
static inline int transport_bulk(struct transport *t)
{
	return t->ops->bulk(t);
}

/* The calls below return -1 once the connection is over (t->why says
 * why; t->failed unless it was an orderly close by the peer). */

/* 1 the handshake is done (at once for plain TCP), 0 try again later. */
static inline int transport_handshake(struct transport *t)
{
	return t->ready ? 1 : t->ops->handshake(t);
}

/* Bytes read (> 0), or 0 if none are there yet. */
static inline ssize_t transport_read(struct transport *t, void *buf, size_t cap)
{
	return t->ops->read(t, buf, cap);
}

/* Bytes taken from the front of iov[0..n) (> 0), or 0 if the socket is
 * full. May take fewer than offered: TLS takes one buffer at a time, at
 * most TRANSPORT_TLS_CHUNK bytes. After a 0, offer the same bytes again. */
static inline ssize_t transport_writev(struct transport *t, const struct iovec *iov, int n)
{
	return t->ops->writev(t, iov, n);
}

/* Push out bytes the transport holds: 1 all gone, 0 the socket is full
 * (t->want_write is set). Follows every series of writes. */
static inline int transport_flush(struct transport *t)
{
	return t->ops->flush(t);
}

/* Bytes already read from the socket and not yet returned by
 * transport_read(): epoll will not report them. */
static inline size_t transport_pending(const struct transport *t)
{
	return t->ops->pending(t);
}

/* Whether the transport needs EPOLLOUT for its own sake (a handshake or
 * flush that the socket refused). */
static inline int transport_wants_write(const struct transport *t)
{
	return t->want_write;
}

/* Drop the connection with a TCP reset: what is unsent is discarded. */
void transport_abort(struct transport *t);

/* End the connection (an orderly TLS close if it is still sound, one try,
 * never waiting) and close the socket. */
void transport_close(struct transport *t);

/* One SSL_write at most this: larger writes gain nothing, and the
 * plaintext stays in the cache. */
#define TRANSPORT_TLS_CHUNK (64u << 10)

#endif
