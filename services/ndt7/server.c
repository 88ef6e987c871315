#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "json.h"
#include "log.h"
#include "measure.h"
#include "spool.h"
#include "tls.h"
#include "ws.h"

#define NS 1000000000LL
#define MS 1000000LL
#define HANDSHAKE_NS (5 * NS)	/* TCP accept to complete upgrade request */
#define TEST_NS (10 * NS)	/* then we send close 1000 */
#define DEADLINE_NS (15 * NS)	/* then the connection is dropped */
#define TICK_NS (10 * MS)	/* timer resolution */
#define PEND_CAP 8192		/* frames waiting for a message boundary */
#define PEND_CLOSE_RESERVE 16	/* room always kept for a close frame */
#define WIRE_CAP (PEND_CAP + 512)
#define TEXT_MAX 16384		/* client text messages */
#define IO_BUDGET (4u << 20)	/* bytes per connection per event */
#define TLS_CHUNK (64u << 10)
#define RECORD_MEASUREMENTS 200	/* kept per direction in the result */
#define RECORD_MAX (4u << 20)

enum phase { PH_TLS, PH_REQUEST, PH_TEST };

struct conn {
	int fd, slot, tls_ok;
	SSL *ssl;
	enum phase phase;
	uint32_t events;		/* registered with epoll */
	int64_t t_accept, t_start, t_next_measure, deadline;
	struct timespec wall_accept, wall_start;
	char client_ip[64], server_ip[64];
	unsigned client_port, server_port;
	char client[80], server[80], uuid[96];

	char *req;			/* HTTP request, until upgraded */
	size_t req_len;

	enum ndt7_test test;
	struct ws_reader rd;
	uint8_t *text;
	struct ndt7_meta *meta;
	int nmeta;

	uint8_t wire[WIRE_CAP];		/* bytes being written, then... */
	size_t wire_off, wire_len;
	uint32_t msg_len;		/* ...payload_left bytes of a binary message */
	uint64_t payload_left;
	uint8_t pend[PEND_CAP];
	size_t pend_len;
	int pend_close, wire_close;	/* the close frame is in pend / wire */

	uint32_t msg_size;
	uint64_t queued, app_sent, app_recv;
	int sending, close_queued, close_sent, peer_closed, drain, want_write, read_again;
	int bbr, measurements, client_measurements, error_seen;
	struct json server_meas, client_meas;
	const char *end_reason;
};

struct worker {
	const struct ndt7_config *cfg;
	const struct listener *ls;
	int nls, epfd, nconns, accept_paused, any_again;
	SSL_CTX *tls;
	struct conn **conns;
	int64_t now, last_tick, accept_resume;
	char host[64];
	unsigned long counter;
	time_t started;
};

static uint8_t payload[NDT7_MSG_MAX];
static uint8_t scratch[256u << 10];

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

/* --- listening ---------------------------------------------------------- */

static int listen_on(const char *addr, int port, int tls, struct listener *l)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char portstr[16];
	int one = 1, zero = 0, fd, rc;

	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(addr, portstr, &hints, &ai);
	if (rc) {
		ndt7_log(LOG_ERR, "listen %s: not a numeric address: %s (use e.g. :: or 192.0.2.10)",
			 addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)	/* "::" also takes IPv4 */
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		ndt7_log(LOG_ERR, "listen %s port %d (%s): %s%s", addr, port, tls ? "wss" : "ws",
			 strerror(errno), errno == EACCES ? " (ports below 1024 need "
			 "CAP_NET_BIND_SERVICE)" : errno == EADDRINUSE ? " (another server "
			 "has this port: choose another with --ws-port/--wss-port)" : "");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	l->fd = fd;
	l->tls = tls;
	snprintf(l->name, sizeof(l->name), "%s://%s%s%s:%d", tls ? "wss" : "ws",
		 strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "", port);
	return 0;
}

int server_listen(const struct ndt7_config *cfg, struct listener *out)
{
	static const char *const dual[] = { "::" };
	const char *const *addrs = cfg->naddrs ? cfg->addrs : dual;
	int naddrs = cfg->naddrs ? cfg->naddrs : 1, n = 0, i, p;

	for (i = 0; i < naddrs; i++)
		for (p = 0; p < 2; p++) {
			int port = p ? cfg->wss_port : cfg->ws_port;

			if (port == 0)
				continue;
			if (listen_on(addrs[i], port, p, &out[n]) < 0)
				return -1;
			ndt7_log(LOG_INFO, "listening on %s", out[n].name);
			n++;
		}
	return n;
}

/* --- output ------------------------------------------------------------- */

static void conn_events(struct worker *w, struct conn *c)
{
	uint32_t ev = EPOLLIN;
	struct epoll_event e;

	if (c->wire_off < c->wire_len || c->payload_left || c->pend_len || c->sending ||
	    c->want_write || (c->ssl && tls_unflushed(c->ssl)))
		ev |= EPOLLOUT;
	if (ev == c->events)
		return;
	e.events = ev;
	e.data.u64 = (uint64_t)c->slot;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->events = ev;
}

/* Queue a frame for the next message boundary. */
static int queue_frame(struct conn *c, int opcode, const void *p, size_t n)
{
	uint8_t h[WS_MAX_HEADER];
	size_t hl = ws_frame_header(h, opcode, n);
	size_t room = PEND_CAP - c->pend_len - (opcode == WS_CLOSE ? 0 : PEND_CLOSE_RESERVE);

	if (c->close_queued || hl + n > room || c->pend_len > PEND_CAP)
		return -1;
	memcpy(c->pend + c->pend_len, h, hl);
	memcpy(c->pend + c->pend_len + hl, p, n);
	c->pend_len += hl + n;
	return 0;
}

/* Send close with code; drain: drop the connection once it is written
 * rather than waiting for the client's close. */
static void queue_close(struct conn *c, int code, int drain)
{
	uint8_t body[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	c->sending = 0;
	c->drain |= drain;
	if (queue_frame(c, WS_CLOSE, body, sizeof(body)) == 0) {
		c->close_queued = 1;
		c->pend_close = 1;
	}
}

/* At a message boundary: what to write next. Returns 0 if nothing. */
static int refill_wire(struct conn *c)
{
	uint8_t h[WS_MAX_HEADER];
	size_t hl;

	c->wire_off = c->wire_len = 0;
	if (c->wire_close) {
		c->wire_close = 0;
		c->close_sent = 1;
	}
	if (c->pend_len) {
		memcpy(c->wire, c->pend, c->pend_len);
		c->wire_len = c->pend_len;
		c->wire_close = c->pend_close;
		c->pend_len = 0;
		c->pend_close = 0;
	}
	if (c->sending) {
		hl = ws_frame_header(h, WS_BINARY, c->msg_size);
		memcpy(c->wire + c->wire_len, h, hl);
		c->wire_len += hl;
		c->msg_len = c->msg_size;
		c->payload_left = c->msg_size;
		c->queued += c->msg_size;
		c->msg_size = ndt7_next_message_size(c->msg_size, c->queued);
	}
	return c->wire_len > 0;
}

/* Result of one I/O call: > 0 bytes, 0 would block, -1 connection over. */
static ssize_t io_result(struct conn *c, int rc, int writing)
{
	int err;

	if (!c->ssl) {
		if (rc > 0)
			return rc;
		if (rc < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (!c->end_reason)
			c->end_reason = rc == 0 ? "client closed the connection" : strerror(errno);
		c->error_seen = rc < 0;
		return -1;
	}
	if (rc > 0)
		return rc;
	err = SSL_get_error(c->ssl, rc);
	if (err == SSL_ERROR_WANT_READ)
		return 0;
	if (err == SSL_ERROR_WANT_WRITE) {
		c->want_write = 1;
		return 0;
	}
	(void)writing;
	c->error_seen = err != SSL_ERROR_ZERO_RETURN;
	if (!c->end_reason)
		c->end_reason = err == SSL_ERROR_ZERO_RETURN ? "client sent TLS close_notify" :
			err == SSL_ERROR_SYSCALL ? (errno ? strerror(errno) : "client closed the connection") :
			"TLS error";
	ERR_clear_error();
	return -1;
}

/* Write what is queued, up to IO_BUDGET. Returns -1 when the connection
 * is over. */
static int conn_write(struct conn *c)
{
	size_t budget = IO_BUDGET;

	c->want_write = 0;
	while (budget) {
		size_t wrem = c->wire_len - c->wire_off, prem, chunk;
		const uint8_t *pp = payload + (c->msg_len - c->payload_left);
		ssize_t n;

		if (wrem == 0 && c->payload_left == 0 && !refill_wire(c))
			break;
		wrem = c->wire_len - c->wire_off;
		prem = c->payload_left < budget ? (size_t)c->payload_left : budget;
		pp = payload + (c->msg_len - c->payload_left);
		if (!c->ssl) {
			struct iovec iov[2] = {
				{ c->wire + c->wire_off, wrem }, { (void *)pp, prem },
			};
			struct msghdr mh = { .msg_iov = wrem ? iov : iov + 1,
					     .msg_iovlen = wrem ? 2 : 1 };

			n = io_result(c, (int)sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT), 1);
		} else if (wrem) {
			n = io_result(c, SSL_write(c->ssl, c->wire + c->wire_off, (int)wrem), 1);
		} else {
			/* The plaintext never reaches the wire: encrypting the
			 * same first TLS_CHUNK bytes each time keeps them in cache. */
			chunk = prem < TLS_CHUNK ? prem : TLS_CHUNK;
			n = io_result(c, SSL_write(c->ssl, payload, (int)chunk), 1);
		}
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		if ((size_t)n <= wrem) {
			c->wire_off += (size_t)n;
		} else {
			c->app_sent += (size_t)n - wrem;
			c->payload_left -= (size_t)n - wrem;
			c->wire_off = c->wire_len;
		}
		if (c->wire_off == c->wire_len && c->payload_left == 0 && c->wire_close) {
			c->wire_close = 0;
			c->close_sent = 1;
		}
	}
	if (c->ssl) {
		int rc = tls_flush(c->ssl);

		if (rc < 0) {
			c->error_seen = 1;
			if (!c->end_reason)
				c->end_reason = errno ? strerror(errno) : "TLS write error";
			return -1;
		}
		if (rc == 0) {
			c->want_write = 1;
			return 0;
		}
	}
	if (c->wire_off == c->wire_len && c->payload_left == 0 && c->pend_len == 0 &&
	    !c->sending && (c->drain || (c->close_sent && c->peer_closed))) {
		if (!c->end_reason)
			c->end_reason = c->drain ? "closed by the server" : "completed";
		return -1;
	}
	return 0;
}

/* --- measurements and results ------------------------------------------- */

static double exp_sample(void)
{
	double u = drand48();

	return -log(1.0 - u);	/* u in [0,1): argument in (0,1] */
}

static void conn_measure(struct worker *w, struct conn *c)
{
	struct tcp_info ti;
	union tcp_cc_info cc;
	socklen_t tlen = sizeof(ti), clen = sizeof(cc);
	struct measure_input in = {
		.test = c->test,
		.elapsed_us = (uint64_t)(w->now - c->t_start) / 1000,
		.num_bytes = c->test == TEST_DOWNLOAD ? c->app_sent : c->app_recv,
		.uuid = c->uuid,
	};
	struct json j;
	int64_t ping_us = w->now / 1000;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) == 0) {
		in.ti = &ti;
		in.ti_len = tlen;
	}
	if (c->bbr && getsockopt(c->fd, IPPROTO_TCP, TCP_CC_INFO, &cc, &clen) == 0 &&
	    clen >= sizeof(cc.bbr))
		in.bbr = &cc.bbr;
	json_init(&j, 0);
	if (c->measurements == 0) {	/* ConnectionInfo goes out exactly once */
		in.client = c->client;
		in.server = c->server;
	}
	ndt7_measure_json(&j, &in);
	if (json_ok(&j) && queue_frame(c, WS_TEXT, j.buf, j.len) == 0) {
		queue_frame(c, WS_PING, &ping_us, sizeof(ping_us));
		if (c->measurements < RECORD_MEASUREMENTS) {
			/* The record has ConnectionInfo at top level already. */
			in.client = in.server = NULL;
			json_free(&j);
			if (c->measurements)
				json_lit(&c->server_meas, ",");
			ndt7_measure_json(&c->server_meas, &in);
		}
		c->measurements++;
	}
	json_free(&j);
	c->t_next_measure = w->now + (int64_t)ndt7_measure_interval_ms(exp_sample()) * MS;
}

static void conn_record(struct worker *w, struct conn *c)
{
	struct ndt7_result r = {
		.test = c->test, .version = NDT7_VERSION,
		.client_port = c->client_port, .server_port = c->server_port,
		.conn_start = c->wall_accept, .test_start = c->wall_start, .uuid = c->uuid,
		.client_meta = c->meta, .n_client_meta = c->nmeta,
		.server_meta = w->cfg->labels, .n_server_meta = w->cfg->nlabels,
		.client_measurements = c->client_meas.buf ? c->client_meas.buf : "",
		.server_measurements = c->server_meas.buf ? c->server_meas.buf : "",
	};
	char name[256];
	struct json j;

	memcpy(r.client_ip, c->client_ip, sizeof(r.client_ip));
	memcpy(r.server_ip, c->server_ip, sizeof(r.server_ip));
	clock_gettime(CLOCK_REALTIME, &r.test_end);
	json_init(&j, RECORD_MAX);
	ndt7_result_json(&j, &r);
	ndt7_result_name(name, sizeof(name), &r);
	if (!json_ok(&j))
		ndt7_log(LOG_ERR, "%s: result record too large or out of memory; not stored", c->uuid);
	else
		spool_write(w->cfg->spool_dir, name, j.buf, j.len, w->cfg->spool_max);
	json_free(&j);
}

static void conn_free(struct worker *w, struct conn *c)
{
	if (c->ssl) {
		if (c->tls_ok && !c->error_seen && SSL_shutdown(c->ssl) >= 0)
			tls_flush(c->ssl);	/* one try: close_notify, never wait */
		SSL_free(c->ssl);
	}
	close(c->fd);
	w->conns[c->slot] = NULL;
	w->nconns--;
	free(c->req);
	free(c->text);
	free(c->meta);
	json_free(&c->server_meas);
	json_free(&c->client_meas);
	free(c);
}

static void conn_end(struct worker *w, struct conn *c)
{
	if (c->phase == PH_TEST) {
		double secs = (double)(w->now - c->t_start) / NS;
		uint64_t bytes = c->test == TEST_DOWNLOAD ? c->app_sent : c->app_recv;

		ndt7_log(LOG_INFO, "%s %s from %s: %s after %.1f s, %llu bytes (%.1f Mbit/s)%s",
			 c->test == TEST_DOWNLOAD ? "download" : "upload", c->uuid, c->client,
			 c->end_reason ? c->end_reason : "ended", secs, (unsigned long long)bytes,
			 secs > 0 ? (double)bytes * 8 / secs / 1e6 : 0.0, c->bbr ? ", BBR" : "");
		conn_record(w, c);
	} else {
		ndt7_log(LOG_DEBUG, "connection from %s: %s", c->client,
			 c->end_reason ? c->end_reason : "ended");
	}
	conn_free(w, c);
}

/* --- input -------------------------------------------------------------- */

static void on_message(void *ctx, int opcode, const uint8_t *p, size_t n)
{
	struct conn *c = ctx;

	switch (opcode) {
	case WS_PING:
		queue_frame(c, WS_PONG, p, n);
		break;
	case WS_CLOSE:
		c->peer_closed = 1;
		if (!c->end_reason)
			c->end_reason = "client sent close";
		if (!c->close_queued)
			queue_close(c, n >= 2 ? (p[0] << 8 | p[1]) : WS_CLOSE_NORMAL, 1);
		else if (c->close_sent)
			c->drain = 1;
		break;
	case WS_TEXT:
		/* Client measurements: kept if they are JSON objects. */
		if (c->client_measurements < RECORD_MEASUREMENTS &&
		    json_is_object((const char *)p, n, 16)) {
			if (c->client_measurements++)
				json_lit(&c->client_meas, ",");
			json_raw(&c->client_meas, (const char *)p, n);
		}
		break;
	default:	/* pong: nothing to do */
		break;
	}
}

static void on_binary(void *ctx, uint64_t n)
{
	((struct conn *)ctx)->app_recv += n;
}

static int on_binary_start(void *ctx)
{
	return ((struct conn *)ctx)->test != TEST_UPLOAD;
}

static void feed_frames(struct conn *c, uint8_t *p, size_t n)
{
	const struct ws_events ev = { on_message, on_binary, on_binary_start, c };

	if (c->rd.error || c->peer_closed)
		return;
	if (ws_reader_feed(&c->rd, p, n, &ev)) {
		ndt7_log(LOG_INFO, "%s from %s: closing: %s", c->uuid, c->client, c->rd.why);
		c->end_reason = c->rd.why;
		if (!c->close_queued)
			queue_close(c, c->rd.error, 1);
		else
			c->drain = 1;
	}
}

static void accept_key(const char *key, char out[32])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char md[SHA_DIGEST_LENGTH];
	char buf[64 + sizeof(guid)];
	size_t kl = strlen(key);

	memcpy(buf, key, kl);
	memcpy(buf + kl, guid, sizeof(guid) - 1);
	SHA1((const unsigned char *)buf, kl + sizeof(guid) - 1, md);
	EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
}

static void conn_upgrade(struct worker *w, struct conn *c, const struct http_request *req)
{
	char acc[32];
	int n;

	c->text = malloc(TEXT_MAX);
	c->meta = calloc(NDT7_META_MAX, sizeof(*c->meta));
	if (!c->text || !c->meta) {
		ndt7_log(LOG_ERR, "out of memory for a new test from %s; dropping it", c->client);
		c->drain = 1;
		return;
	}
	c->nmeta = ndt7_query_parse(req->query, req->query_len, c->meta, NDT7_META_MAX);
	if (c->nmeta < 0)
		c->nmeta = 0;
	accept_key(req->key, acc);
	n = snprintf((char *)c->wire, WIRE_CAP,
		     "HTTP/1.1 101 Switching Protocols\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Accept: %s\r\n"
		     "Sec-WebSocket-Protocol: " NDT7_PROTOCOL "\r\n"
		     "\r\n", acc);
	c->wire_off = 0;
	c->wire_len = (size_t)n;
	c->phase = PH_TEST;
	c->test = req->test;
	c->t_start = w->now;
	c->deadline = w->now + DEADLINE_NS;
	clock_gettime(CLOCK_REALTIME, &c->wall_start);
	ws_reader_init(&c->rd, req->test == TEST_UPLOAD ? NDT7_UPLOAD_MSG_MAX : 0, c->text, TEXT_MAX);
	json_init(&c->server_meas, RECORD_MAX / 2);
	json_init(&c->client_meas, RECORD_MAX / 4);
	c->msg_size = NDT7_MSG_INITIAL;
	c->sending = req->test == TEST_DOWNLOAD;
	conn_measure(w, c);	/* ConnectionInfo (and a ping) right away */
	ndt7_log(LOG_DEBUG, "%s %s from %s", req->test == TEST_DOWNLOAD ? "download" : "upload",
		 c->uuid, c->client);
}

/* The request is complete or broken: upgrade or answer with an error. */
static void conn_request(struct worker *w, struct conn *c)
{
	struct http_request req;
	struct http_verdict v;
	size_t hl;

	if (!http_parse_request(c->req, c->req_len, &req, &v))
		return;
	if (v.status != 101) {
		ndt7_log(LOG_INFO, "request from %s refused: %d %s", c->client, v.status, v.reason);
		c->wire_len = http_error_response((char *)c->wire, WIRE_CAP, &v);
		c->wire_off = 0;
		c->drain = 1;
		c->end_reason = v.reason;
		return;
	}
	hl = req.header_len;
	conn_upgrade(w, c, &req);
	if (c->phase == PH_TEST && c->req_len > hl)	/* frames right behind the request */
		feed_frames(c, (uint8_t *)c->req + hl, c->req_len - hl);
	free(c->req);
	c->req = NULL;
}

/* Read what is there, up to IO_BUDGET. Returns -1 when the connection is over. */
static int conn_read(struct worker *w, struct conn *c)
{
	size_t budget = IO_BUDGET;

	c->read_again = 0;
	if (c->phase == PH_TLS) {
		int rc = SSL_accept(c->ssl);

		if (rc != 1)
			return io_result(c, rc, 0) < 0 ? -1 : 0;
		c->tls_ok = 1;
		c->phase = PH_REQUEST;
	}
	while (budget) {
		uint8_t *buf = scratch;
		size_t cap = sizeof(scratch);
		ssize_t n;

		if (c->phase == PH_REQUEST) {
			if (c->drain)
				break;	/* answered: read no more */
			buf = (uint8_t *)c->req + c->req_len;
			cap = HTTP_REQUEST_MAX - c->req_len;
		}
		if (c->ssl)
			n = io_result(c, SSL_read(c->ssl, buf, (int)cap), 0);
		else
			n = io_result(c, (int)recv(c->fd, buf, cap, MSG_DONTWAIT), 0);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		if (c->phase == PH_REQUEST) {
			c->req_len += (size_t)n;
			conn_request(w, c);
		} else {
			feed_frames(c, buf, (size_t)n);
		}
	}
	if (budget == 0 || (c->ssl && SSL_pending(c->ssl) > 0))
		c->read_again = w->any_again = 1;
	return 0;
}

/* --- connections -------------------------------------------------------- */

static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t cap, unsigned *port)
{
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), ip, (socklen_t)cap, NULL, 0,
			NI_NUMERICHOST))
		snprintf(ip, cap, "?");
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		*port = ntohs(s6->sin6_port);
		/* v4 clients on a dual-stack socket: report plain IPv4 */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && strncmp(ip, "::ffff:", 7) == 0)
			memmove(ip, ip + 7, strlen(ip + 7) + 1);
	} else {
		*port = ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	}
}

static void conn_setup_tcp(struct conn *c)
{
	static const char bbr[] = "bbr";
	char cc[16] = "";
	socklen_t len = sizeof(cc) - 1;

	/* BBR if the kernel lets us; otherwise the default, silently. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_CONGESTION, bbr, sizeof(bbr) - 1);
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_CONGESTION, cc, &len) == 0)
		c->bbr = strcmp(cc, bbr) == 0;
}

static void conn_new(struct worker *w, int fd, const struct listener *l)
{
	struct sockaddr_storage peer, local;
	socklen_t plen = sizeof(peer), llen = sizeof(local);
	struct epoll_event e;
	struct conn *c;
	int slot;

	for (slot = 0; slot < w->cfg->max_conns && w->conns[slot]; slot++)
		;
	c = slot < w->cfg->max_conns ? calloc(1, sizeof(*c)) : NULL;
	if (c)
		c->req = malloc(HTTP_REQUEST_MAX);
	if (!c || !c->req) {
		ndt7_log(LOG_WARN, "%s: %d connections open (--max-conns) or out of memory: "
			 "refusing a connection", l->name, w->nconns);
		if (c)
			free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->slot = slot;
	c->t_accept = w->now;
	c->deadline = w->now + HANDSHAKE_NS;
	clock_gettime(CLOCK_REALTIME, &c->wall_accept);
	getpeername(fd, (struct sockaddr *)&peer, &plen);
	getsockname(fd, (struct sockaddr *)&local, &llen);
	addr_text(&peer, c->client_ip, sizeof(c->client_ip), &c->client_port);
	addr_text(&local, c->server_ip, sizeof(c->server_ip), &c->server_port);
	ndt7_endpoint(c->client, sizeof(c->client), c->client_ip, c->client_port);
	ndt7_endpoint(c->server, sizeof(c->server), c->server_ip, c->server_port);
	snprintf(c->uuid, sizeof(c->uuid), "%s_%lld_%x_%08lX", w->host, (long long)w->started,
		 (unsigned)getpid(), ++w->counter);
	conn_setup_tcp(c);
	c->phase = PH_REQUEST;
	if (l->tls) {
		c->ssl = tls_conn_new(w->tls, fd);
		if (!c->ssl) {
			ndt7_log(LOG_ERR, "tls: cannot set up a connection from %s", c->client);
			SSL_free(c->ssl);
			free(c->req);
			free(c);
			close(fd);
			return;
		}
		c->phase = PH_TLS;
	}
	w->conns[slot] = c;
	w->nconns++;
	e.events = c->events = EPOLLIN;
	e.data.u64 = (uint64_t)slot;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		ndt7_log(LOG_ERR, "epoll: cannot watch a connection: %s", strerror(errno));
		conn_free(w, c);
	}
}

static void accept_all(struct worker *w, const struct listener *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_new(w, fd, l);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* Stop listening for a moment rather than spin. */
			ndt7_log(LOG_WARN, "%s: cannot accept: %s (raise limit.nofile or lower "
				 "--max-conns); pausing 100 ms", l->name, strerror(errno));
			w->accept_paused = 1;
			w->accept_resume = w->now + 100 * MS;
		}
		return;
	}
}

static void listeners_watch(struct worker *w, int on)
{
	int i;

	for (i = 0; i < w->nls; i++) {
		struct epoll_event e = { .events = EPOLLIN | (w->nls && w->cfg->workers > 1 ?
							     EPOLLEXCLUSIVE : 0),
					 .data.u64 = (1ULL << 32) | (unsigned)i };

		if (on)
			epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ls[i].fd, &e);
		else
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->ls[i].fd, NULL);
	}
}

/* Deadlines, measurements, the end of the test. */
static void conn_tick(struct worker *w, struct conn *c)
{
	if (w->now >= c->deadline) {
		c->end_reason = c->phase == PH_TEST ? "dropped at the 15 s deadline" :
			"dropped: no complete upgrade request within 5 s";
		if (c->phase == PH_TEST) {
			/* Reset: a stalled client's unsent data is not kept by the kernel. */
			struct linger lg = { 1, 0 };

			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			c->error_seen = 1;
			ndt7_log(LOG_WARN, "%s from %s: %s", c->uuid, c->client, c->end_reason);
		}
		conn_end(w, c);
		return;
	}
	if (c->phase != PH_TEST || c->close_queued)
		return;
	if (w->now - c->t_start >= TEST_NS) {
		conn_measure(w, c);	/* the last one has the final counters */
		c->end_reason = "completed";
		queue_close(c, WS_CLOSE_NORMAL, 0);
	} else if (w->now >= c->t_next_measure) {
		conn_measure(w, c);
	}
	conn_events(w, c);
}

static void conn_io(struct worker *w, struct conn *c, uint32_t ev)
{
	if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) || c->read_again) {
		if (conn_read(w, c) < 0) {
			conn_end(w, c);
			return;
		}
	}
	if (c->phase != PH_TLS && conn_write(c) < 0) {
		conn_end(w, c);
		return;
	}
	if (c->phase == PH_TLS && c->want_write) {
		c->want_write = 0;
		if (conn_read(w, c) < 0) {	/* SSL_accept wants to write */
			conn_end(w, c);
			return;
		}
	}
	conn_events(w, c);
}

int server_run(const struct ndt7_config *cfg, const struct listener *ls, int nls,
	       SSL_CTX *tls, int worker)
{
	struct worker w = { .cfg = cfg, .ls = ls, .nls = nls, .tls = tls };
	struct epoll_event evs[256];
	int i, n, again = 0;

	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	w.conns = calloc((size_t)cfg->max_conns, sizeof(*w.conns));
	if (w.epfd < 0 || !w.conns) {
		ndt7_log(LOG_ERR, "worker %d: cannot start: %s", worker, strerror(errno));
		return -1;
	}
	if (gethostname(w.host, sizeof(w.host)) < 0 || !w.host[0])
		snprintf(w.host, sizeof(w.host), "localhost");
	w.host[sizeof(w.host) - 1] = '\0';
	w.started = time(NULL);
	srand48((long)w.started ^ (long)getpid() << 16);
	if (RAND_bytes(payload, sizeof(payload)) != 1)
		for (i = 0; i < (int)sizeof(payload); i++)
			payload[i] = (uint8_t)lrand48();
	listeners_watch(&w, 1);
	for (;;) {
		n = epoll_wait(w.epfd, evs, 256, again ? 0 : (int)(TICK_NS / MS));
		if (n < 0 && errno != EINTR) {
			ndt7_log(LOG_ERR, "worker %d: epoll_wait: %s", worker, strerror(errno));
			return -1;
		}
		w.now = mono_ns();
		for (i = 0; i < n; i++) {
			uint64_t id = evs[i].data.u64;

			if (id >> 32) {
				if (!w.accept_paused)
					accept_all(&w, &ls[id & 0xffffffffu]);
			} else if (w.conns[id]) {
				conn_io(&w, w.conns[id], evs[i].events);
			}
		}
		/* Connections with bytes still buffered inside OpenSSL or over
		 * their budget: epoll will not tell us again. */
		again = 0;
		for (i = 0; w.any_again && i < cfg->max_conns; i++)
			if (w.conns[i] && w.conns[i]->read_again) {
				conn_io(&w, w.conns[i], 0);
				again |= w.conns[i] && w.conns[i]->read_again;
			}
		w.any_again = again;
		if (w.accept_paused == 1) {
			listeners_watch(&w, 0);
			w.accept_paused = 2;
		} else if (w.accept_paused == 2 && w.now >= w.accept_resume) {
			listeners_watch(&w, 1);
			w.accept_paused = 0;
		}
		if (w.now - w.last_tick >= TICK_NS) {
			w.last_tick = w.now;
			for (i = 0; i < cfg->max_conns; i++)
				if (w.conns[i])
					conn_tick(&w, w.conns[i]);
		}
	}
}
