/* One ndt7 connection (conn.h): a short handler per state, every state
 * change in conn_fire(), bytes in and out through the transport. */
#define _GNU_SOURCE
#include "conn.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "conn_state.h"
#include "http.h"
#include "log.h"
#include "measure.h"
#include "metrics.h"
#include "record.h"
#include "token.h"
#include "transport.h"
#include "ws.h"
#include "ws_out.h"
#include "www.h"

#define NS 1000000000LL
#define MS 1000000LL
#define HANDSHAKE_NS (5 * NS)	/* TCP accept to complete upgrade request */
#define TEST_NS (10 * NS)	/* then we send close 1000 */
#define DEADLINE_NS (15 * NS)	/* then the connection is dropped */
#define TEXT_MAX 16384		/* client text messages */
#define IO_BUDGET (4u << 20)	/* bytes per connection per event */
#define REQ_FIRST 2048		/* request buffer at first, doubled as needed */

struct conn {
	struct conn_ctx *x;
	struct transport t;
	enum conn_state state;
	int64_t t_start, t_next_measure, deadline;
	char *req;			/* HTTP request, from its first byte until upgraded */
	size_t req_len, req_cap;
	struct ws_reader rd;
	uint8_t *text;			/* the reader's text message buffer */
	struct ws_out *out;		/* from the response on: after the request */
	uint64_t app_recv;		/* binary payload bytes received */
	struct record rec;
	const char *end_reason;
	struct peer_key peer;		/* its count in x->peers... */
	enum peer_kind held;		/* ...of this kind (PEER_NONE: none) */
	int tls;			/* for the metrics' protocol label */
	int okay;			/* the test ended with the closing handshake */
	int running;			/* counted in metrics_tests() */
	int monitoring;			/* a valid token with sub "monitoring": no rate limit */
};

static uint8_t scratch[256u << 10];

/* The one place the state changes. Leaving CONN_MEASURING for the
 * closing handshake queues our close frame with close_code. */
static void conn_fire(struct conn *c, enum conn_event ev, int close_code)
{
	enum conn_state to = conn_state_next(c->state, ev);

	if (to == c->state)
		return;
	if (c->state == CONN_MEASURING && to != CONN_DONE)
		ws_out_close(c->out, close_code);
	ndt7_log(LOG_DEBUG, "%s: %s -> %s on %s", c->rec.client, conn_state_name(c->state),
		 conn_state_name(to), conn_event_name(ev));
	c->state = to;
}

/* The transport is over. */
static void conn_gone(struct conn *c)
{
	if (!c->end_reason)
		c->end_reason = c->t.why;
	conn_fire(c, EV_GONE, 0);
}

static enum m_proto conn_proto(const struct conn *c)
{
	return c->tls ? M_WSS : M_WS;
}

static enum m_dir conn_dir(const struct conn *c)
{
	return c->rec.test == TEST_DOWNLOAD ? M_DOWNLOAD : M_UPLOAD;
}

/* A failure while the test runs, for the metrics: reading or writing. */
static void conn_test_error(struct conn *c, int writing)
{
	if (c->state != CONN_MEASURING)
		return;
	if (writing)
		metrics_sender_error(conn_proto(c), conn_dir(c), c->rec.test == TEST_DOWNLOAD ?
				     M_SEND_WRITE_PREPARED : M_SEND_WRITE_JSON);
	else
		metrics_receiver_error(conn_proto(c), conn_dir(c), M_RECV_READ_MESSAGE);
}

/* --- measurements ------------------------------------------------------- */

static double exp_sample(void)
{
	double u = drand48();

	return -log(1.0 - u);	/* u in [0,1): argument in (0,1] */
}

/* A measurement message and a ping to the client, kept in the record. */
static void conn_measure(struct conn *c)
{
	int64_t now = c->x->now, ping_us = now / 1000;
	uint64_t bytes = c->rec.test == TEST_DOWNLOAD ? c->out->sent : c->app_recv;
	struct measurement m;
	struct json j;

	record_sample(&c->rec, &m, c->t.fd, (uint64_t)(now - c->t_start) / 1000, bytes);
	json_init(&j, 0);
	ndt7_measure_json(&j, &m.in);
	if (json_ok(&j) && ws_out_frame(c->out, WS_TEXT, j.buf, j.len) == 0) {
		ws_out_frame(c->out, WS_PING, &ping_us, sizeof(ping_us));
		record_keep(&c->rec, &m);
	}
	json_free(&j);
	c->t_next_measure = now + (int64_t)ndt7_measure_interval_ms(exp_sample()) * MS;
}

/* --- WebSocket input ---------------------------------------------------- */

static void on_message(void *ctx, int opcode, const uint8_t *p, size_t n)
{
	struct conn *c = ctx;

	switch (opcode) {
	case WS_PING:
		ws_out_frame(c->out, WS_PONG, p, n);
		break;
	case WS_CLOSE:
		if (!c->end_reason)
			c->end_reason = "client sent close";
		c->okay |= c->state == CONN_MEASURING || c->state == CONN_CLOSE_SENT;
		conn_fire(c, EV_PEER_CLOSE, n >= 2 ? (p[0] << 8 | p[1]) : WS_CLOSE_NORMAL);
		break;
	case WS_TEXT:	/* client measurements */
		record_client_text(&c->rec, p, n);
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
	return ((struct conn *)ctx)->rec.test != TEST_UPLOAD;
}

static void on_frames(struct conn *c, uint8_t *p, size_t n)
{
	const struct ws_events ev = { on_message, on_binary, on_binary_start, c };

	if (!conn_state_parses_frames(c->state) || !ws_reader_feed(&c->rd, p, n, &ev))
		return;
	ndt7_log(LOG_INFO, "%s from %s: closing: %s", c->rec.uuid, c->rec.client, c->rd.why);
	if (c->state == CONN_MEASURING)
		metrics_receiver_error(conn_proto(c), conn_dir(c), c->rd.error == WS_CLOSE_POLICY ?
				       M_RECV_WRONG_MESSAGE_TYPE : M_RECV_READ_MESSAGE);
	c->end_reason = c->rd.why;
	conn_fire(c, EV_PEER_ERROR, c->rd.error);
}

/* --- the upgrade request ------------------------------------------------ */

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

/* The outgoing stream, made when there is a response to send. */
static int conn_out(struct conn *c)
{
	if (!c->out && (c->out = malloc(sizeof(*c->out))))
		ws_out_init(c->out);
	return c->out ? 0 : -1;
}

/* Out of memory for this connection: end it (logged, rate-limited). */
static void conn_no_memory(struct conn *c)
{
	ndt7_log(LOG_ERR, "out of memory for a new test from %s; dropping it", c->rec.client);
	c->end_reason = "closed by the server: out of memory";
	conn_fire(c, EV_GONE, 0);
}

static void conn_refuse(struct conn *c, const struct http_verdict *v)
{
	char resp[WS_OUT_WIRE_CAP];

	if (conn_out(c) < 0) {
		conn_no_memory(c);
		return;
	}
	ndt7_log(LOG_INFO, "request from %s refused: %d %s", c->rec.client, v->status, v->reason);
	ws_out_raw(c->out, resp, http_error_response(resp, sizeof(resp), v));
	c->end_reason = v->reason;
	conn_fire(c, EV_REFUSE, 0);
}

/* A file of the test page (www.c), then done: not a test, no record. */
static void conn_page(struct conn *c, const struct http_request *req)
{
	if (conn_out(c) < 0) {
		conn_no_memory(c);
		return;
	}
	if (req->acme_token[0])	/* HTTP-01 is plain http (port 80) only */
		ndt7_log(LOG_INFO, "acme challenge %s to %s: %d", req->acme_token, c->rec.client,
			 www_acme_respond(c->out, c->tls ? NULL : c->x->cfg->acme_challenge_dir,
					  req->acme_token, req->head));
	else
		ndt7_log(LOG_DEBUG, "%s %s to %s: %d", req->head ? "HEAD" : "GET",
			 www_file_name(req->page), c->rec.client,
			 www_respond(c->out, req->page, req->head));
	c->end_reason = "test page served";
	conn_fire(c, EV_REFUSE, 0);
}

/* 101, then the test: returns -1 if it could not start. */
static int conn_upgrade(struct conn *c, const struct http_request *req)
{
	char acc[32], resp[256];
	int n;

	c->text = malloc(TEXT_MAX);
	if (!c->text || conn_out(c) < 0 ||
	    record_start(&c->rec, req->test, req->query, req->query_len) < 0) {
		conn_no_memory(c);
		return -1;
	}
	/* A download's bulk buffers; without them it runs, slower. */
	if (req->test == TEST_DOWNLOAD)
		transport_bulk(&c->t);
	accept_key(req->key, acc);
	n = snprintf(resp, sizeof(resp),
		     "HTTP/1.1 101 Switching Protocols\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Accept: %s\r\n"
		     "Sec-WebSocket-Protocol: " NDT7_PROTOCOL "\r\n"
		     "\r\n", acc);
	ws_out_raw(c->out, resp, (size_t)n);
	c->t_start = c->x->now;
	c->deadline = c->x->now + DEADLINE_NS;
	ws_reader_init(&c->rd, req->test == TEST_UPLOAD ? NDT7_UPLOAD_MSG_MAX : 0, c->text, TEXT_MAX);
	if (req->test == TEST_DOWNLOAD)
		ws_out_stream(c->out, NDT7_MSG_INITIAL);
	conn_fire(c, EV_UPGRADE, 0);
	metrics_connection(conn_dir(c), M_CONN_RESULT);
	metrics_tests(1);
	c->running = 1;
	conn_measure(c);	/* ConnectionInfo (and a ping) right away */
	ndt7_log(LOG_DEBUG, "%s %s from %s", req->test == TEST_DOWNLOAD ? "download" : "upload",
		 c->rec.uuid, c->rec.client);
	return 0;
}

/* The access token (token.h): 1 to go on, or 0 with v set to 401. */
static int conn_token_admit(struct conn *c, const struct http_request *req,
			    struct http_verdict *v)
{
	const struct ndt7_config *cfg = c->x->cfg;
	int given;
	enum token_reason r = token_admit(cfg->token_keys, cfg->token_machine,
					  cfg->token_required, req->query, req->query_len,
					  time(NULL), &c->monitoring, &given);

	/* Accepted: "locate" with a token, "empty" without (as upstream). */
	metrics_token_request(req->test == TEST_DOWNLOAD ? "/ndt/v7/download" : "/ndt/v7/upload",
			      r == TOKEN_OK, r != TOKEN_OK ? token_reason_name(r) :
			      given ? "locate" : "empty");
	if (r == TOKEN_OK)
		return 1;
	v->status = 401;
	v->reason = token_reason_message(r);
	return 0;
}

/* A new test, unless the server is in lame duck, or (a download) its
 * egress is above --txcontroller-max-rate, or this address runs as many
 * tests as it may: then 503 with Retry-After. */
static int conn_test_admit(struct conn *c, const struct http_request *req,
			   struct http_verdict *v)
{
	if (metrics_lame_duck()) {
		v->status = 503;
		v->reason = "the server is shutting down (lame duck); try another server";
		return 0;
	}
	if (c->x->cfg->tx_device) {
		int over = req->test == TEST_DOWNLOAD && !c->monitoring && metrics_tx_over();

		metrics_tx_request(!over);
		if (over) {
			v->status = 503;
			v->reason = "the server sends above its egress limit "
				"(--txcontroller-max-rate); try again later";
			return 0;
		}
	}
	if (c->monitoring) {
		peers_release(c->x->peers, c->x->worker, &c->peer, PEER_PENDING);
		c->held = PEER_NONE;
		return 1;
	}
	if (peers_acquire(c->x->peers, c->x->worker, &c->peer, PEER_TEST) < 0) {
		v->status = 503;
		v->reason = "too many tests from this address at once (--max-tests-per-addr); "
			"try again later";
		return 0;
	}
	peers_release(c->x->peers, c->x->worker, &c->peer, PEER_PENDING);
	c->held = PEER_TEST;
	return 1;
}

/* More of the request arrived: upgrade or refuse once it is complete. */
static void on_request(struct conn *c)
{
	struct http_request req;
	struct http_verdict v;

	if (!http_parse_request(c->req, c->req_len, &req, &v))
		return;
	if (v.status != 101 && v.status != 200 && req.test != TEST_NONE)
		metrics_connection(req.test == TEST_DOWNLOAD ? M_DOWNLOAD : M_UPLOAD,
				   M_CONN_WEBSOCKET_ERROR);
	if (v.status == 200)
		conn_page(c, &req);
	else if (v.status != 101 || !conn_token_admit(c, &req, &v) ||
		 !conn_test_admit(c, &req, &v))
		conn_refuse(c, &v);
	else if (conn_upgrade(c, &req) == 0 && c->req_len > req.header_len)
		on_frames(c, (uint8_t *)c->req + req.header_len,	/* right behind it */
			  c->req_len - req.header_len);
	free(c->req);
	c->req = NULL;
	c->req_len = c->req_cap = 0;
}

/* --- I/O ---------------------------------------------------------------- */

/* Returns 1 once the transport's handshake (TLS; none for TCP) is done. */
static int conn_handshake(struct conn *c)
{
	int rc = transport_handshake(&c->t);

	if (rc < 0)
		conn_gone(c);
	else if (rc == 1)
		conn_fire(c, EV_READY, 0);
	return rc == 1;
}

/* Room for more of the request: it grows from REQ_FIRST bytes to
 * HTTP_REQUEST_MAX as it comes. 0 if out of memory. */
static size_t conn_req_room(struct conn *c)
{
	size_t cap = c->req_cap ? 2 * c->req_cap : REQ_FIRST;
	char *p;

	if (c->req_len < c->req_cap)
		return c->req_cap - c->req_len;
	if (cap > HTTP_REQUEST_MAX)
		cap = HTTP_REQUEST_MAX;
	p = realloc(c->req, cap);
	if (!p)
		return 0;
	c->req = p;
	c->req_cap = cap;
	return cap - c->req_len;
}

/* Read what is there, up to IO_BUDGET, into the request or the frame
 * reader. Returns CONN_AGAIN if more may be waiting. */
static unsigned conn_read(struct conn *c)
{
	size_t budget = IO_BUDGET;

	while (budget && conn_state_reads(c->state)) {
		int request = c->state == CONN_REQUEST;
		size_t cap = request ? conn_req_room(c) : sizeof(scratch);
		uint8_t *buf = request ? (uint8_t *)c->req + c->req_len : scratch;
		ssize_t n;

		if (cap == 0) {
			conn_no_memory(c);
			return 0;
		}
		n = transport_read(&c->t, buf, cap);

		if (n < 0) {
			conn_test_error(c, 0);
			conn_gone(c);
			return 0;
		}
		if (n == 0)
			break;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		if (request) {
			c->req_len += (size_t)n;
			on_request(c);
		} else {
			on_frames(c, buf, (size_t)n);
		}
	}
	return budget == 0 || transport_pending(&c->t) > 0 ? CONN_AGAIN : 0;
}

/* Write what is queued, up to IO_BUDGET. */
static void conn_write(struct conn *c)
{
	int rc;

	if (!c->out)
		return;		/* no response yet */
	rc = ws_out_write(c->out, &c->t, IO_BUDGET);
	if (rc < 0) {
		conn_test_error(c, 1);
		conn_gone(c);
	} else if (rc == 1) {
		if (c->out->closed)
			conn_fire(c, EV_CLOSE_SENT, 0);
		conn_fire(c, EV_WRITTEN, 0);
	}
}

static unsigned conn_wants(const struct conn *c)
{
	if (c->state == CONN_DONE)
		return CONN_OVER;
	return (c->out && ws_out_busy(c->out)) || transport_wants_write(&c->t) ? CONN_WRITE : 0;
}

unsigned conn_io(struct conn *c, int readable)
{
	unsigned again = 0;

	if (c->state == CONN_HANDSHAKE) {
		if (!conn_handshake(c))
			return conn_wants(c);
		readable = 1;	/* the request may follow at once */
	}
	if (readable)
		again = conn_read(c);
	if (c->state != CONN_DONE)
		conn_write(c);
	return conn_wants(c) | (c->state == CONN_DONE ? 0 : again);
}

static void conn_deadline(struct conn *c)
{
	int upgraded = c->rec.test != TEST_NONE;

	c->end_reason = upgraded ? "dropped at the 15 s deadline" :
		"dropped: no complete upgrade request within 5 s";
	if (upgraded) {
		if (c->state == CONN_MEASURING)
			metrics_receiver_error(conn_proto(c), conn_dir(c), M_RECV_CONTEXT_EXPIRED);
		transport_abort(&c->t);
		ndt7_log(LOG_WARN, "%s from %s: %s", c->rec.uuid, c->rec.client, c->end_reason);
	}
	conn_fire(c, EV_DEADLINE, 0);
}

unsigned conn_tick(struct conn *c)
{
	int64_t now = c->x->now;

	if (now >= c->deadline) {
		conn_deadline(c);
	} else if (c->state == CONN_MEASURING && now - c->t_start >= TEST_NS) {
		conn_measure(c);	/* the last one has the final counters */
		c->end_reason = "completed";
		c->okay = 1;
		conn_fire(c, EV_TEST_OVER, WS_CLOSE_NORMAL);
	} else if (c->state == CONN_MEASURING && now >= c->t_next_measure) {
		conn_measure(c);
	}
	return conn_wants(c);
}

/* --- connections -------------------------------------------------------- */

/* BBR if the kernel lets us; otherwise the default, silently. */
static int use_bbr(int fd)
{
	static const char bbr[] = "bbr";
	char cc[16] = "";
	socklen_t len = sizeof(cc) - 1;

	setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, bbr, sizeof(bbr) - 1);
	return getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &len) == 0 && strcmp(cc, bbr) == 0;
}

struct conn *conn_open(struct conn_ctx *x, int fd, int tls, const struct peer_key *peer)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		peers_release(x->peers, x->worker, peer, PEER_PENDING);
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	c->peer = *peer;
	c->held = PEER_PENDING;
	c->x = x;
	c->deadline = x->now + HANDSHAKE_NS;
	record_init(&c->rec, fd, x->uuid_prefix, ++x->counter);
	c->rec.bbr = use_bbr(fd);
	c->tls = tls;
	c->state = CONN_HANDSHAKE;
	if (!tls) {
		transport_plain(&c->t, fd);
	} else if (transport_tls(&c->t, x->tls, fd) < 0) {
		ndt7_log(LOG_ERR, "tls: cannot set up a connection from %s", c->rec.client);
		peers_release(x->peers, x->worker, peer, PEER_PENDING);
		free(c);
		close(fd);
		errno = EPROTO;
		return NULL;
	}
	metrics_bbr(c->rec.bbr);
	metrics_open_conns(1);
	return c;
}

int conn_fd(const struct conn *c)
{
	return c->t.fd;
}

void conn_close(struct conn *c)
{
	const char *why = c->end_reason ? c->end_reason : "ended";

	if (c->rec.test != TEST_NONE) {
		double secs = (double)(c->x->now - c->t_start) / NS;
		uint64_t bytes = c->rec.test == TEST_DOWNLOAD ? c->out->sent : c->app_recv;

		ndt7_log(LOG_INFO, "%s %s from %s: %s after %.1f s, %llu bytes (%.1f Mbit/s)%s%s",
			 c->rec.test == TEST_DOWNLOAD ? "download" : "upload", c->rec.uuid,
			 c->rec.client, why, secs, (unsigned long long)bytes,
			 secs > 0 ? (double)bytes * 8 / secs / 1e6 : 0.0, c->rec.bbr ? ", BBR" : "",
			 c->monitoring ? ", monitoring" : "");
		record_write(&c->rec, c->x->cfg);
		metrics_test_result(conn_proto(c), conn_dir(c), c->okay,
				    secs > 0 ? (double)bytes * 8 / secs / 1e6 : 0.0, c->monitoring);
	} else {
		ndt7_log(LOG_DEBUG, "connection from %s: %s", c->rec.client, why);
	}
	if (c->held != PEER_NONE)
		peers_release(c->x->peers, c->x->worker, &c->peer, c->held);
	metrics_open_conns(-1);
	if (c->running)
		metrics_tests(-1);
	transport_close(&c->t);
	free(c->req);
	free(c->text);
	free(c->out);
	record_free(&c->rec);
	free(c);
}

void conn_ctx_init(struct conn_ctx *x, const struct ndt7_config *cfg, SSL_CTX *tls,
		   struct peers *peers, int worker)
{
	memset(x, 0, sizeof(*x));
	x->cfg = cfg;
	x->tls = tls;
	x->peers = peers;
	x->worker = worker;
	if (gethostname(x->host, sizeof(x->host)) < 0 || !x->host[0])
		snprintf(x->host, sizeof(x->host), "localhost");
	x->host[sizeof(x->host) - 1] = '\0';
	ndt7_uuid_prefix(x->uuid_prefix, sizeof(x->uuid_prefix), x->host, ndt7_btime());
	x->started = time(NULL);
	srand48((long)x->started ^ (long)getpid() << 16);
	ws_out_payload_init();
}
