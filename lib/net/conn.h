/* lib/net's internals shared by https.c and wsclient.c: one TCP (or TLS
 * over TCP) connection whose every step ends by an absolute deadline, and
 * the response-head parser the WebSocket upgrade reuses. Not for callers
 * outside lib/net. */
#ifndef LIB_NET_CONN_H
#define LIB_NET_CONN_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/net/https.h"

#define NET_TIMEOUT_DEFAULT 30000
#define NET_MAX_BODY_DEFAULT (1024 * 1024)
#define HTTP_HEAD_MAX 16384

struct net_conn {
	int fd;
	void *ctx;			/* SSL_CTX *, NULL for plain TCP */
	void *ssl;			/* SSL * */
	int timeout_ms;			/* the whole budget, for "timeout after N s" */
};

/* Monotonic milliseconds. */
long long net_now_ms(void);

/* Resolve (numeric first), connect, and for u->tls the TLS handshake with
 * verification of u->host against o->ca_file and o->pin_sha256, all by
 * deadline. 0, or -1 with err (the connection is then closed). */
int net_conn_open(struct net_conn *c, const struct url *u, const struct https_opts *o,
		  long long deadline, char *err, size_t errlen);

/* Write all n bytes by deadline. 0, or -1 with err. */
int net_conn_write(struct net_conn *c, const void *buf, size_t n, long long deadline,
		   char *err, size_t errlen);

/* Read up to cap bytes by deadline: >0 bytes, 0 end of stream, -1 error
 * (err), -2 deadline passed (err says "timeout after ..."). A TLS stream
 * ended without close_notify is an error. */
ssize_t net_conn_read(struct net_conn *c, void *buf, size_t cap, long long deadline,
		      char *err, size_t errlen);

/* Send close_notify (best effort, no waiting) and free everything. */
void net_conn_close(struct net_conn *c);

/* "timeout after 30 s" (or "... 250 ms") for the budget of c. */
void net_timeout_err(int timeout_ms, char *err, size_t errlen);

/* The status line and headers in buf[0..n): 1 with *head_len (bytes up to
 * and including the blank line), r's status, content_type, location and
 * header_extra, *content_length (-1 if none) and *chunked; 0 need more; -1
 * malformed (why). r->body is left NULL. */
int http_response_head(const char *buf, size_t n, const char *want_header,
		       struct https_response *r, size_t *head_len, long long *content_length,
		       int *chunked, const char **why);

/* http_response_parse, where eof says the stream has ended (a response
 * with neither Content-Length nor chunked ends there). */
int http_response_parse_eof(const char *buf, size_t n, size_t max_body, const char *want_header,
			    struct https_response *r, int eof, const char **why);

#endif
