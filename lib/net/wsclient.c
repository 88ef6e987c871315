/* The WebSocket client of lib/net (wsclient.h): the HTTP upgrade over a
 * verified connection, then masked text messages out and whole messages
 * in, answering pings and the peer's close, each call bounded in time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "lib/net/conn.h"
#include "lib/net/wsclient.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_RX_MAX (1024 * 1024 + 16)

struct wsc {
	struct net_conn conn;
	int timeout_ms;
	int closed;		/* a close frame was received (or sent) */
	unsigned char *rx;	/* bytes received, not yet consumed */
	size_t rxlen, rxcap;
	size_t msglen;	/* bytes of it already in the caller's buf */
	int in_msg;
};

static int send_frame(struct wsc *c, int op, const void *p, size_t n, char *err, size_t errlen)
{
	unsigned char mask[4], *out;
	size_t cap = n + 14, len;
	int rc;

	if (RAND_bytes(mask, sizeof(mask)) != 1) {
		snprintf(err, errlen, "WebSocket: no random bytes for the mask");
		return -1;
	}
	out = malloc(cap);
	if (!out) {
		snprintf(err, errlen, "WebSocket: out of memory");
		return -1;
	}
	len = ws_client_frame(op, p, n, mask, out, cap);
	rc = net_conn_write(&c->conn, out, len, net_now_ms() + c->timeout_ms, err, errlen);
	free(out);
	return rc;
}

/* Read more into c->rx by deadline: as net_conn_read. */
static ssize_t rx_fill(struct wsc *c, long long deadline, char *err, size_t errlen)
{
	ssize_t k;

	if (c->rxlen == c->rxcap) {
		size_t ncap = c->rxcap ? c->rxcap * 2 : 16384;
		unsigned char *nb = ncap > 2 * WS_RX_MAX ? NULL : realloc(c->rx, ncap);

		if (!nb) {
			snprintf(err, errlen, "WebSocket: receive buffer full");
			return -1;
		}
		c->rx = nb;
		c->rxcap = ncap;
	}
	k = net_conn_read(&c->conn, c->rx + c->rxlen, c->rxcap - c->rxlen, deadline, err, errlen);
	if (k > 0)
		c->rxlen += (size_t)k;
	return k;
}

static void accept_expected(const char *key, char out[64])
{
	unsigned char sha[SHA_DIGEST_LENGTH];
	char cat[128];

	snprintf(cat, sizeof(cat), "%s%s", key, WS_GUID);
	SHA1((const unsigned char *)cat, strlen(cat), sha);
	EVP_EncodeBlock((unsigned char *)out, sha, sizeof(sha));
}

static int upgrade(struct wsc *c, const struct url *u, const char *const *headers,
		   long long deadline, char *err, size_t errlen)
{
	unsigned char raw[16];
	char key[32], want[64], req[8192];
	int v6 = strchr(u->host, ':') != NULL, off;
	struct https_response r;
	const char *why = NULL;
	size_t head = 0;
	long long clen;
	int chunked, rc = 0;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		snprintf(err, errlen, "WebSocket: no random bytes for the key");
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof(raw));
	accept_expected(key, want);
	off = snprintf(req, sizeof(req),
		       "GET %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: fathom\r\n"
		       "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
		       "Sec-WebSocket-Version: 13\r\n",
		       u->target, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, key);
	for (size_t i = 0; headers && headers[i]; i++) {
		if (strpbrk(headers[i], "\r\n") || !strchr(headers[i], ':')) {
			snprintf(err, errlen, "request header %zu: not one \"Name: value\" line", i + 1);
			return -1;
		}
		off += snprintf(req + off, sizeof(req) - (size_t)off, "%s\r\n", headers[i]);
		if ((size_t)off >= sizeof(req) - 2)
			break;
	}
	if ((size_t)off >= sizeof(req) - 2) {
		snprintf(err, errlen, "WebSocket: request headers over %zu bytes", sizeof(req));
		return -1;
	}
	off += snprintf(req + off, sizeof(req) - (size_t)off, "\r\n");
	rc = net_conn_write(&c->conn, req, (size_t)off, deadline, err, errlen);
	explicit_bzero(req, sizeof(req));	/* may hold a token */
	if (rc < 0)
		return -1;
	while ((rc = http_response_head((const char *)c->rx, c->rxlen, "Sec-WebSocket-Accept", &r,
					&head, &clen, &chunked, &why)) == 0) {
		ssize_t k = rx_fill(c, deadline, err, errlen);

		if (k == 0)
			snprintf(err, errlen, "WebSocket: connection closed in the upgrade response");
		if (k <= 0)
			return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "WebSocket: bad upgrade response: %s", why);
		return -1;
	}
	if (r.status != 101) {
		snprintf(err, errlen, "upgrade refused: %d", r.status);
		return -1;
	}
	if (strcmp(r.header_extra, want) != 0) {
		snprintf(err, errlen, "WebSocket: wrong Sec-WebSocket-Accept in the upgrade response");
		return -1;
	}
	c->rxlen -= head;
	memmove(c->rx, c->rx + head, c->rxlen);
	return 0;
}

struct wsc *wsc_connect(const char *url, const char *const *headers,
			const struct https_opts *o, char *err, size_t errlen)
{
	struct https_opts dflt = { 0 };
	struct wsc *c;
	struct url u;
	const char *why;
	long long deadline;

	if (!o)
		o = &dflt;
	if (url_parse(url, &u, &why) < 0) {
		snprintf(err, errlen, "URL: %s", why);
		return NULL;
	}
	if (strncasecmp(url, "ws", 2) != 0) {
		snprintf(err, errlen, "URL: not a ws:// or wss:// URL");
		return NULL;
	}
	if (!u.tls && !o->allow_plain) {
		snprintf(err, errlen, "URL: ws:// refused, wss:// required");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "WebSocket: out of memory");
		return NULL;
	}
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : NET_TIMEOUT_DEFAULT;
	deadline = net_now_ms() + c->timeout_ms;
	if (net_conn_open(&c->conn, &u, o, deadline, err, errlen) < 0) {
		free(c);
		return NULL;
	}
	if (upgrade(c, &u, headers, deadline, err, errlen) < 0) {
		c->closed = 1;
		wsc_close(c, 0);
		return NULL;
	}
	return c;
}

int wsc_send_text(struct wsc *c, const char *msg, size_t n, char *err, size_t errlen)
{
	if (c->closed) {
		snprintf(err, errlen, "WebSocket: connection closed");
		return -1;
	}
	return send_frame(c, 1, msg, n, err, errlen);
}

/* The peer's close frame p[0..n): answer it and say why in err. */
static int peer_closed(struct wsc *c, const unsigned char *p, size_t n, char *err, size_t errlen)
{
	char reason[126] = "", tmp[64];
	int code = n >= 2 ? p[0] << 8 | p[1] : 0;

	for (size_t i = 2; i < n && i - 2 < sizeof(reason) - 1; i++)
		reason[i - 2] = p[i] >= ' ' && p[i] < 0x7f ? (char)p[i] : '?';
	if (!c->closed)
		send_frame(c, 8, p, n >= 2 ? 2 : 0, tmp, sizeof(tmp));
	c->closed = 1;
	if (code)
		snprintf(err, errlen, "WebSocket: closed by the peer: code %d%s%s", code,
			 reason[0] ? ": " : "", reason);
	else
		snprintf(err, errlen, "WebSocket: closed by the peer (no code)");
	return -1;
}

/* One complete frame from c->rx: 1 a message in buf, 0 consumed (ping,
 * pong, a fragment), -1 error or close. */
static int frame_handle(struct wsc *c, int op, int fin, const unsigned char *p, size_t plen,
			char *buf, size_t cap, size_t *n, char *err, size_t errlen)
{
	if (op == 8)
		return peer_closed(c, p, plen, err, errlen);
	if (op == 9)
		return send_frame(c, 10, p, plen, err, errlen);
	if (op == 10)
		return 0;
	if ((op == 0) != c->in_msg) {
		snprintf(err, errlen, "WebSocket: bad fragmentation from the server");
		return -1;
	}
	if (c->msglen + plen > cap - 1) {
		snprintf(err, errlen, "WebSocket: message over %zu bytes", cap - 1);
		return -1;
	}
	memcpy(buf + c->msglen, p, plen);
	c->msglen += plen;
	c->in_msg = !fin;
	if (!fin)
		return 0;
	buf[c->msglen] = '\0';
	*n = c->msglen;
	c->msglen = 0;
	return 1;
}

int wsc_recv(struct wsc *c, int timeout_ms, char *buf, size_t cap, size_t *n, char *err,
	     size_t errlen)
{
	long long deadline = net_now_ms() + timeout_ms;

	if (c->closed || cap == 0) {
		snprintf(err, errlen, "WebSocket: connection closed");
		return -1;
	}
	for (;;) {
		const unsigned char *p;
		size_t plen, used, max = cap - 1 < 125 ? 125 : cap - 1;
		int op, fin, rc = ws_client_parse_fin(c->rx, c->rxlen, max, &op, &fin, &p, &plen,
						      &used);
		ssize_t k;

		if (rc < 0) {
			/* Valid but for its size: say so. */
			if (ws_client_parse_fin(c->rx, c->rxlen, SIZE_MAX, &op, &fin, &p, &plen,
						&used) >= 0)
				snprintf(err, errlen, "WebSocket: message over %zu bytes", cap - 1);
			else
				snprintf(err, errlen, "WebSocket: invalid frame from the server");
			return -1;
		}
		if (rc > 0) {
			rc = frame_handle(c, op, fin, p, plen, buf, cap, n, err, errlen);
			c->rxlen -= used;
			memmove(c->rx, c->rx + used, c->rxlen);
			if (rc != 0)
				return rc;
			continue;
		}
		k = rx_fill(c, deadline, err, errlen);
		if (k == -2)
			return 0;
		if (k == 0)
			snprintf(err, errlen, "WebSocket: connection closed without a close frame");
		if (k <= 0)
			return -1;
	}
}

void wsc_close(struct wsc *c, int code)
{
	char err[128];

	if (!c)
		return;
	if (!c->closed && code > 0) {
		unsigned char p[2] = { (unsigned char)(code >> 8), (unsigned char)code };
		long long deadline = net_now_ms() + (c->timeout_ms < 2000 ? c->timeout_ms : 2000);

		/* Wait briefly for the server's close frame (the handshake). */
		if (send_frame(c, 8, p, 2, err, sizeof(err)) == 0) {
			c->closed = 1;
			while (rx_fill(c, deadline, err, sizeof(err)) > 0) {
				const unsigned char *pl;
				size_t plen, used;
				int op;

				if (ws_client_parse(c->rx, c->rxlen, WS_RX_MAX, &op, &pl, &plen,
						    &used) != 0)
					break;
			}
		}
	}
	net_conn_close(&c->conn);
	free(c->rx);
	free(c);
}
