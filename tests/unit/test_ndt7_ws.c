/* Unit tests for services/ndt7/ws.c: a table of frame headers, header
 * encoding round trips, then the stream reader on whole and split input. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ws.h"

struct hdr_case {
	const char *name;
	uint8_t bytes[14];
	size_t n;
	int rc, opcode, fin, masked;
	uint64_t len;
};

static const struct hdr_case hdr_cases[] = {
	{ "empty", { 0 }, 0, 0, 0, 0, 0, 0 },
	{ "one byte", { 0x81 }, 1, 0, 0, 0, 0, 0 },
	{ "masked text 5", { 0x81, 0x85, 1, 2, 3, 4 }, 6, 6, WS_TEXT, 1, 1, 5 },
	{ "mask incomplete", { 0x81, 0x85, 1, 2, 3 }, 5, 0, 0, 0, 0, 0 },
	{ "unmasked binary 0", { 0x82, 0x00 }, 2, 2, WS_BINARY, 1, 0, 0 },
	{ "16-bit length", { 0x02, 0xfe, 0x01, 0x00, 9, 9, 9, 9 }, 8, 8, WS_BINARY, 0, 1, 256 },
	{ "64-bit length", { 0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 9, 9, 9, 9 }, 14, 14, WS_BINARY, 1, 1,
	  1u << 16 },
	{ "64-bit length incomplete", { 0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 9 }, 11, 0, 0, 0, 0, 0 },
	{ "close 2", { 0x88, 0x82, 0, 0, 0, 0 }, 6, 6, WS_CLOSE, 1, 1, 2 },
	{ "ping 125", { 0x89, 0xfd, 0, 0, 0, 0 }, 6, 6, WS_PING, 1, 1, 125 },
	{ "RSV1", { 0xc1, 0x80 }, 2, -1, 0, 0, 0, 0 },
	{ "RSV3", { 0x91, 0x80 }, 2, -1, 0, 0, 0, 0 },
	{ "opcode 3", { 0x83, 0x80 }, 2, -1, 0, 0, 0, 0 },
	{ "opcode 0xb", { 0x8b, 0x80 }, 2, -1, 0, 0, 0, 0 },
	{ "opcode 0xf", { 0x8f, 0x80 }, 2, -1, 0, 0, 0, 0 },
	{ "fragmented ping", { 0x09, 0x80 }, 2, -1, 0, 0, 0, 0 },
	{ "ping 126", { 0x89, 0xfe, 0, 126 }, 4, -1, 0, 0, 0, 0 },
	{ "16-bit length below 126", { 0x82, 0xfe, 0, 125, 0, 0, 0, 0 }, 8, -1, 0, 0, 0, 0 },
	{ "64-bit length below 65536", { 0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0 }, 14,
	  -1, 0, 0, 0, 0 },
	{ "64-bit length top bit", { 0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 14, -1, 0, 0, 0,
	  0 },
};

static void test_headers(void)
{
	size_t i;

	for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *c = &hdr_cases[i];
		struct ws_frame f;
		const char *why = NULL;
		int rc = ws_frame_parse(c->bytes, c->n, &f, &why);
		int ok = rc == c->rc;

		if (ok && rc > 0)
			ok = f.opcode == c->opcode && f.fin == c->fin && f.masked == c->masked &&
			     f.len == c->len && f.header_len == (size_t)rc;
		if (ok && rc < 0)
			ok = why != NULL;
		CHECK(ok, "header %s: %d (got %d%s%s)", c->name, c->rc, rc, why ? ": " : "",
		      why ? why : "");
	}
}

static void test_encode(void)
{
	static const uint64_t lens[] = { 0, 1, 125, 126, 65535, 65536, 1u << 20, 1u << 24 };
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t h[WS_MAX_HEADER];
		size_t n = ws_frame_header(h, WS_BINARY, lens[i]);
		struct ws_frame f;
		const char *why;

		CHECK(ws_frame_parse(h, n, &f, &why) == (int)n && f.len == lens[i] && f.fin &&
		      !f.masked && f.opcode == WS_BINARY && n == (lens[i] < 126 ? 2u :
							       lens[i] < 65536 ? 4u : 10u),
		      "encode and parse length %llu in %zu bytes", (unsigned long long)lens[i], n);
	}
}

/* What the reader reported. */
struct seen {
	char text[256];
	int texts, pings, closes, pongs;
	uint64_t binary;
	int refuse_binary;
	uint8_t ping[WS_CONTROL_MAX];
	size_t ping_len;
};

static void on_message(void *ctx, int op, const uint8_t *p, size_t n)
{
	struct seen *s = ctx;

	if (op == WS_TEXT) {
		s->texts++;
		snprintf(s->text, sizeof(s->text), "%.*s", (int)n, (const char *)p);
	} else if (op == WS_PING) {
		s->pings++;
		memcpy(s->ping, p, n);
		s->ping_len = n;
	} else if (op == WS_CLOSE) {
		s->closes++;
	} else if (op == WS_PONG) {
		s->pongs++;
	}
}

static void on_binary(void *ctx, uint64_t n)
{
	((struct seen *)ctx)->binary += n;
}

static int on_binary_start(void *ctx)
{
	return ((struct seen *)ctx)->refuse_binary;
}

/* Append a masked client frame to out. */
static size_t client_frame(uint8_t *out, int fin, int opcode, const char *payload, size_t n)
{
	static const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	uint8_t h[WS_MAX_HEADER];
	size_t hl = ws_frame_header(h, opcode, n), i;

	h[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	h[1] |= 0x80;
	memcpy(out, h, hl);
	memcpy(out + hl, mask, 4);
	for (i = 0; i < n; i++)
		out[hl + 4 + i] = (uint8_t)payload[i] ^ mask[i & 3];
	return hl + 4 + n;
}

struct stream_case {
	const char *name;
	int refuse_binary;
	uint64_t max_binary;
	int error;		/* expected close code, 0 for none */
	int texts, pings, closes;
	uint64_t binary;
	const char *text;
};

/* Build the byte stream for case i. */
static size_t build_stream(size_t i, uint8_t *s)
{
	static char big[70000];
	size_t n = 0;

	memset(big, 'x', sizeof(big));
	switch (i) {
	case 0:	/* text, ping, close */
		n += client_frame(s + n, 1, WS_TEXT, "{\"a\":1}", 7);
		n += client_frame(s + n, 1, WS_PING, "1234", 4);
		n += client_frame(s + n, 1, WS_CLOSE, "\x03\xe8", 2);
		break;
	case 1:	/* fragmented text with a ping in the middle */
		n += client_frame(s + n, 0, WS_TEXT, "hel", 3);
		n += client_frame(s + n, 1, WS_PING, "", 0);
		n += client_frame(s + n, 1, WS_CONT, "lo", 2);
		break;
	case 2:	/* binary 70000 in two fragments, accepted */
	case 3:	/* the same, refused (download) */
	case 4:	/* the same, over max_binary */
		n += client_frame(s + n, 0, WS_BINARY, big, 60000);
		n += client_frame(s + n, 1, WS_CONT, big, 10000);
		break;
	case 5:	/* unmasked frame */
		n += ws_frame_header(s, WS_TEXT, 0);
		break;
	case 6:	/* continuation without a message */
		n += client_frame(s + n, 1, WS_CONT, "x", 1);
		break;
	case 7:	/* new message inside a fragmented one */
		n += client_frame(s + n, 0, WS_TEXT, "a", 1);
		n += client_frame(s + n, 1, WS_TEXT, "b", 1);
		break;
	case 8:	/* text longer than the buffer */
		n += client_frame(s + n, 1, WS_TEXT, big, 300);
		break;
	}
	return n;
}

static const struct stream_case stream_cases[] = {
	{ "text, ping, close", 0, 1 << 24, 0, 1, 1, 1, 0, "{\"a\":1}" },
	{ "fragmented text around a ping", 0, 1 << 24, 0, 1, 1, 0, 0, "hello" },
	{ "binary in fragments", 0, 1 << 24, 0, 0, 0, 0, 70000, "" },
	{ "binary refused", 1, 1 << 24, WS_CLOSE_POLICY, 0, 0, 0, 0, "" },
	{ "binary over the limit", 0, 65536, WS_CLOSE_TOO_BIG, 0, 0, 0, 60000, "" },
	{ "unmasked", 0, 1 << 24, WS_CLOSE_PROTOCOL, 0, 0, 0, 0, "" },
	{ "stray continuation", 0, 1 << 24, WS_CLOSE_PROTOCOL, 0, 0, 0, 0, "" },
	{ "interleaved messages", 0, 1 << 24, WS_CLOSE_PROTOCOL, 0, 0, 0, 0, "" },
	{ "text too long", 0, 1 << 24, WS_CLOSE_TOO_BIG, 0, 0, 0, 0, "" },
};

/* Feed case i in pieces of step bytes (0: all at once). */
static void run_stream(size_t i, size_t step)
{
	static uint8_t stream[80000];
	const struct stream_case *c = &stream_cases[i];
	uint8_t text[256];
	struct seen s;
	struct ws_reader r;
	struct ws_events ev = { on_message, on_binary, on_binary_start, &s };
	size_t n = build_stream(i, stream), off = 0;
	int rc = 0;

	memset(&s, 0, sizeof(s));
	s.refuse_binary = c->refuse_binary;
	ws_reader_init(&r, c->max_binary, text, sizeof(text));
	while (off < n && !rc) {
		size_t k = step && n - off > step ? step : n - off;

		rc = ws_reader_feed(&r, stream + off, k, &ev);
		off += k;
	}
	CHECK(rc == c->error && s.texts == c->texts && s.pings == c->pings &&
	      s.closes == c->closes && (c->error || s.binary == c->binary) &&
	      strcmp(s.text, c->text) == 0,
	      "stream %s in steps of %zu: error %d (got %d: %s), %d texts, %llu binary bytes",
	      c->name, step, c->error, rc, r.why ? r.why : "-", s.texts,
	      (unsigned long long)s.binary);
}

static void test_streams(void)
{
	static const size_t steps[] = { 0, 1, 3, 1000 };
	size_t i, k;

	for (i = 0; i < sizeof(stream_cases) / sizeof(stream_cases[0]); i++)
		for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++)
			run_stream(i, steps[k]);
}

/* The reader unmasks control payloads; after an error it takes nothing. */
static void test_unmask_and_stop(void)
{
	uint8_t s[64], text[16];
	struct seen seen;
	struct ws_reader r;
	struct ws_events ev = { on_message, on_binary, on_binary_start, &seen };
	size_t n = client_frame(s, 1, WS_PING, "abcd", 4);

	memset(&seen, 0, sizeof(seen));
	ws_reader_init(&r, 0, text, sizeof(text));
	CHECK(ws_reader_feed(&r, s, n, &ev) == 0 && seen.ping_len == 4 &&
	      memcmp(seen.ping, "abcd", 4) == 0, "ping payload unmasked");
	n = client_frame(s, 1, WS_BINARY, "x", 1);
	seen.refuse_binary = 1;
	CHECK(ws_reader_feed(&r, s, n, &ev) == WS_CLOSE_POLICY, "binary with max 0 refused");
	n = client_frame(s, 1, WS_PING, "z", 1);
	CHECK(ws_reader_feed(&r, s, n, &ev) == WS_CLOSE_POLICY && seen.pings == 1,
	      "nothing is read after an error");
}

/* A client's reader: unmasked server frames (text, binary, close) are
 * taken, a masked one is refused; a masked client frame header parses
 * back as what was encoded. */
static void test_client_side(void)
{
	static const uint8_t mask[4] = { 1, 2, 3, 4 };
	uint8_t s[256], text[64], body[2] = { 0x03, 0xe8 };
	struct seen seen;
	struct ws_reader r;
	struct ws_events ev = { on_message, on_binary, NULL, &seen };
	struct ws_frame f;
	const char *why;
	size_t n = 0, hl;

	n += ws_frame_header(s + n, WS_TEXT, 7);
	memcpy(s + n, "{\"b\":2}", 7);
	n += 7;
	n += ws_frame_header(s + n, WS_BINARY, 100);
	memset(s + n, 'z', 100);
	n += 100;
	n += ws_frame_header(s + n, WS_CLOSE, 2);
	memcpy(s + n, body, 2);
	n += 2;
	memset(&seen, 0, sizeof(seen));
	ws_reader_init_client(&r, 1 << 20, text, sizeof(text));
	CHECK(ws_reader_feed(&r, s, n, &ev) == 0 && seen.texts == 1 &&
	      strcmp(seen.text, "{\"b\":2}") == 0 && seen.binary == 100 && seen.closes == 1,
	      "client reader takes unmasked server frames");
	ws_reader_init_client(&r, 1 << 20, text, sizeof(text));
	n = client_frame(s, 1, WS_TEXT, "x", 1);
	CHECK(ws_reader_feed(&r, s, n, &ev) == WS_CLOSE_PROTOCOL &&
	      strcmp(r.why, "server frame masked") == 0, "client reader refuses a masked frame");
	hl = ws_client_frame_header(s, WS_CLOSE, 2, mask);
	memcpy(s + hl, body, 2);
	ws_unmask(s + hl, 2, mask, 0);
	ws_reader_init(&r, 0, text, sizeof(text));
	memset(&seen, 0, sizeof(seen));
	CHECK(hl == 6 && ws_frame_parse(s, hl + 2, &f, &why) == 6 && f.masked &&
	      f.opcode == WS_CLOSE && f.len == 2 && memcmp(f.mask, mask, 4) == 0 &&
	      ws_reader_feed(&r, s, hl + 2, &ev) == 0 && seen.closes == 1,
	      "a client frame header round-trips through the server's reader");
	CHECK(ws_client_frame_header(s, WS_BINARY, 70000, mask) == 14 && s[1] == 0xff,
	      "a client frame with a 64-bit length is 14 header bytes");
}

/* RFC 6455 7.4: what a peer's close frame may carry. */
static const struct close_case {
	const char *name;
	const char *body;
	size_t len;
	int error;		/* expected close code of the reader, 0: accepted */
} close_cases[] = {
	{ "empty body", "", 0, 0 },
	{ "1000", "\x03\xe8", 2, 0 },
	{ "1001 with a reason", "\x03\xe9" "bye", 5, 0 },
	{ "1003", "\x03\xeb", 2, 0 },
	{ "1007", "\x03\xef", 2, 0 },
	{ "1011", "\x03\xf3", 2, 0 },
	{ "1014 (IANA)", "\x03\xf6", 2, 0 },
	{ "3000", "\x0b\xb8", 2, 0 },
	{ "4999", "\x13\x87", 2, 0 },
	{ "one byte", "\x03", 1, WS_CLOSE_PROTOCOL },
	{ "0", "\x00\x00", 2, WS_CLOSE_PROTOCOL },
	{ "999", "\x03\xe7", 2, WS_CLOSE_PROTOCOL },
	{ "1004 (reserved)", "\x03\xec", 2, WS_CLOSE_PROTOCOL },
	{ "1005 (never on the wire)", "\x03\xed", 2, WS_CLOSE_PROTOCOL },
	{ "1006 (never on the wire)", "\x03\xee", 2, WS_CLOSE_PROTOCOL },
	{ "1015 (never on the wire)", "\x03\xf7", 2, WS_CLOSE_PROTOCOL },
	{ "1016 (unassigned)", "\x03\xf8", 2, WS_CLOSE_PROTOCOL },
	{ "2999 (unassigned)", "\x0b\xb7", 2, WS_CLOSE_PROTOCOL },
	{ "5000", "\x13\x88", 2, WS_CLOSE_PROTOCOL },
	{ "65535", "\xff\xff", 2, WS_CLOSE_PROTOCOL },
	{ "1000, reason not UTF-8", "\x03\xe8\xff", 3, WS_CLOSE_INVALID_DATA },
	{ "1000, reason a lone surrogate", "\x03\xe8\xed\xa0\x80", 5, WS_CLOSE_INVALID_DATA },
};

static void test_close_codes(void)
{
	size_t i;

	for (i = 0; i < sizeof(close_cases) / sizeof(close_cases[0]); i++) {
		const struct close_case *c = &close_cases[i];
		uint8_t s[64], text[16];
		struct seen seen;
		struct ws_reader r;
		struct ws_events ev = { on_message, on_binary, on_binary_start, &seen };
		size_t n = client_frame(s, 1, WS_CLOSE, c->body, c->len);
		int rc;

		memset(&seen, 0, sizeof(seen));
		ws_reader_init(&r, 0, text, sizeof(text));
		rc = ws_reader_feed(&r, s, n, &ev);
		CHECK(rc == c->error && seen.closes == !c->error,
		      "close %s: %s (got %d, %d reported)", c->name,
		      c->error ? "refused" : "reported", rc, seen.closes);
	}
}

/* RFC 6455 8.1: text messages must be UTF-8, checked across fragments. */
static const struct utf8_case {
	const char *name;
	const char *a, *b;	/* two fragments; b NULL: one frame */
	int error;
} utf8_cases[] = {
	{ "ASCII", "{\"a\":1}", NULL, 0 },
	{ "2, 3 and 4 bytes", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", NULL, 0 },
	{ "a character split across fragments", "x\xe2\x82", "\xac", 0 },
	{ "a lone continuation byte", "\x80", NULL, WS_CLOSE_INVALID_DATA },
	{ "overlong '/'", "\xc0\xaf", NULL, WS_CLOSE_INVALID_DATA },
	{ "a surrogate", "\xed\xa0\x80", NULL, WS_CLOSE_INVALID_DATA },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", NULL, WS_CLOSE_INVALID_DATA },
	{ "truncated at the end", "ab\xe2\x82", NULL, WS_CLOSE_INVALID_DATA },
	{ "invalid in the second fragment", "ok", "\xff", WS_CLOSE_INVALID_DATA },
};

static void test_text_utf8(void)
{
	size_t i;

	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		uint8_t s[64], text[64];
		struct seen seen;
		struct ws_reader r;
		struct ws_events ev = { on_message, on_binary, on_binary_start, &seen };
		size_t n = client_frame(s, !c->b, WS_TEXT, c->a, strlen(c->a));
		int rc;

		if (c->b)
			n += client_frame(s + n, 1, WS_CONT, c->b, strlen(c->b));
		memset(&seen, 0, sizeof(seen));
		ws_reader_init(&r, 0, text, sizeof(text));
		rc = ws_reader_feed(&r, s, n, &ev);
		CHECK(rc == c->error && seen.texts == !c->error, "text %s: %s (got %d)", c->name,
		      c->error ? "close 1007" : "reported", rc);
	}
}

int main(void)
{
	test_close_codes();
	test_text_utf8();
	test_client_side();
	test_headers();
	test_encode();
	test_streams();
	test_unmask_and_stop();
	return tap_done();
}
