/* Unit tests for services/ndt7/ws_out.c: a download's output stream
 * written through the plain transport over a socketpair and read back by
 * ws.c's client-side reader: the response first, frames only at message
 * boundaries, the close last; a page's file (headers, then a body far
 * larger than the wire buffer) byte for byte; and the queue's limits. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "measure.h"
#include "tap.h"
#include "transport.h"
#include "ws.h"
#include "ws_out.h"

static const char response[] = "HTTP/1.1 101 Switching Protocols\r\n\r\n";

struct peer {
	int fd;
	size_t raw;		/* response bytes still expected */
	struct ws_reader r;
	uint8_t text[256];
	int texts, pings, close_code, broken;
	int text_after_binary;	/* a text frame came after binary payload */
	uint64_t binary;
};

static void on_message(void *ctx, int op, const uint8_t *p, size_t n)
{
	struct peer *s = ctx;

	if (op == WS_TEXT) {
		s->texts++;
		s->text_after_binary |= s->binary > 0;
	} else if (op == WS_PING) {
		s->pings++;
	} else if (op == WS_CLOSE && n == 2) {
		s->close_code = p[0] << 8 | p[1];
	}
}

static void on_binary(void *ctx, uint64_t n)
{
	((struct peer *)ctx)->binary += n;
}

/* Read what the socket has: the response, then frames. */
static void peer_read(struct peer *s)
{
	static uint8_t buf[1 << 16];
	const struct ws_events ev = { on_message, on_binary, NULL, s };
	ssize_t n;

	while ((n = read(s->fd, buf, sizeof(buf))) > 0) {
		size_t skip = (size_t)n < s->raw ? (size_t)n : s->raw;

		if (skip && memcmp(buf, response + sizeof(response) - 1 - s->raw, skip) != 0)
			s->broken = 1;
		s->raw -= skip;
		if (ws_reader_feed(&s->r, buf + skip, (size_t)n - skip, &ev))
			s->broken = 1;
	}
}

/* Write and read until the output is idle; returns ws_out_write's last result. */
static int pump(struct ws_out *q, struct transport *t, struct peer *s, uint64_t until_sent)
{
	int rc = 0, i;

	for (i = 0; i < 100000 && rc == 0 && q->sent < until_sent; i++) {
		rc = ws_out_write(q, t, 1 << 16);
		peer_read(s);
	}
	return rc;
}

static void test_download(void)
{
	static struct ws_out q;
	struct transport t;
	struct peer s;
	uint64_t ping = 42;
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		exit(1);
	memset(&s, 0, sizeof(s));
	s.fd = sv[1];
	s.raw = sizeof(response) - 1;
	ws_reader_init_client(&s.r, NDT7_MSG_MAX, s.text, sizeof(s.text));
	transport_plain(&t, sv[0]);
	ws_out_init(&q);
	CHECK(ws_out_raw(&q, response, sizeof(response) - 1) == 0 && ws_out_busy(&q),
	      "the response is queued");
	CHECK(ws_out_frame(&q, WS_TEXT, "{}", 2) == 0 &&
	      ws_out_frame(&q, WS_PING, &ping, sizeof(ping)) == 0, "a measurement and a ping");
	ws_out_stream(&q, NDT7_MSG_INITIAL);
	CHECK(ws_out_raw(&q, "x", 1) == -1, "no raw bytes once frames are queued");
	CHECK(pump(&q, &t, &s, 1) == 0 && s.raw == 0 && s.texts == 1 && s.pings == 1 &&
	      !s.text_after_binary && !s.broken, "response, then the measurement, then binary");
	pump(&q, &t, &s, 3u << 20);
	CHECK(ws_out_frame(&q, WS_TEXT, "{\"m\":2}", 7) == 0, "a measurement mid-message");
	ws_out_close(&q, WS_CLOSE_NORMAL);
	CHECK(ws_out_frame(&q, WS_PONG, "", 0) == -1 && q.closed,
	      "nothing is queued after the close");
	rc = pump(&q, &t, &s, UINT64_MAX);
	CHECK(rc == 1 && !ws_out_busy(&q), "written: idle after the close");
	peer_read(&s);
	CHECK(!s.broken && s.texts == 2 && s.close_code == WS_CLOSE_NORMAL &&
	      s.binary == q.sent && q.sent == q.queued && q.sent >= (3u << 20),
	      "the reader saw whole messages (%llu bytes), the measurement, close 1000 (%d)",
	      (unsigned long long)s.binary, s.close_code);
	CHECK(q.msg_size >= NDT7_MSG_INITIAL * 2 && q.msg_size <= NDT7_MSG_MAX,
	      "messages grew from %u to %u bytes", NDT7_MSG_INITIAL, q.msg_size);
	transport_close(&t);
	close(sv[1]);
}

/* A response and a 200 KB body, written with a small budget per call so
 * that writes end anywhere: the peer gets exactly those bytes. */
static void test_body(void)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n";
	static uint8_t body[200000], got[sizeof(head) - 1 + sizeof(body) + 1];
	static struct ws_out q;
	struct transport t;
	size_t i, have = 0;
	int sv[2], rc = 0, rounds = 0;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7 + i / 251);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	transport_plain(&t, sv[0]);
	ws_out_init(&q);
	CHECK(ws_out_raw(&q, head, sizeof(head) - 1) == 0 &&
	      ws_out_body(&q, body, sizeof(body)) == 0, "response and body queued");
	while (rc != 1 && rounds++ < 100000) {
		ssize_t n;

		rc = ws_out_write(&q, &t, 1000 + (size_t)rounds % 3001);
		while ((n = read(sv[1], got + have, sizeof(got) - have)) > 0)
			have += (size_t)n;
		if (rc < 0)
			break;
	}
	CHECK(rc == 1 && !ws_out_busy(&q) && have == sizeof(head) - 1 + sizeof(body) &&
	      memcmp(got, head, sizeof(head) - 1) == 0 &&
	      memcmp(got + sizeof(head) - 1, body, sizeof(body)) == 0,
	      "the peer reads the headers and the body exactly (%zu bytes)", have);
	close(sv[1]);
	transport_close(&t);
}

static void test_limits(void)
{
	static struct ws_out q;
	static uint8_t big[WS_OUT_PEND_CAP];
	int n = 0;

	ws_out_init(&q);
	CHECK(ws_out_raw(&q, big, sizeof(big) + 1024) == -1, "a response larger than the wire");
	while (ws_out_frame(&q, WS_TEXT, big, 100) == 0)
		n++;
	CHECK(n > 0 && q.pend_len <= WS_OUT_PEND_CAP - 16, "%d frames fill the queue", n);
	ws_out_close(&q, WS_CLOSE_POLICY);
	CHECK(q.closed && q.pend[q.pend_len - 4] == 0x88 &&
	      (q.pend[q.pend_len - 2] << 8 | q.pend[q.pend_len - 1]) == WS_CLOSE_POLICY,
	      "a close frame still fits, last");
	CHECK(ws_out_frame(&q, WS_PING, "", 0) == -1 && ws_out_busy(&q), "closed and busy");
	CHECK(ws_out_body(&q, big, 1) == -1, "no body after frames");
	ws_out_init(&q);
	ws_out_stream(&q, 8192);
	CHECK(ws_out_body(&q, big, 1) == -1, "no body in a download's stream");
}

int main(void)
{
	ws_out_payload_init();
	test_download();
	test_body();
	test_limits();
	return tap_done();
}
