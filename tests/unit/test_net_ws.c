/* Unit tests for lib/net/ws_frame.c: encoded client frames byte by byte,
 * a table of server frames (valid and each way one can be invalid), and
 * round trips of every length class split at every byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/wsclient.h"
#include "tap.h"

static const unsigned char mask[4] = { 0x11, 0x22, 0x33, 0x44 };

static void test_encode(void)
{
	unsigned char out[70000];
	size_t n = ws_client_frame(1, "Hi", 2, mask, out, sizeof(out));
	static const unsigned char want[] = { 0x81, 0x82, 0x11, 0x22, 0x33, 0x44, 'H' ^ 0x11,
					      'i' ^ 0x22 };

	CHECK(n == sizeof(want) && memcmp(out, want, n) == 0, "text \"Hi\": FIN, masked, 2 bytes");
	n = ws_client_frame(8, "\x03\xe8", 2, mask, out, sizeof(out));
	CHECK(n == 8 && out[0] == 0x88 && out[1] == 0x82 && (out[6] ^ 0x11) == 0x03 &&
		      (out[7] ^ 0x22) == 0xe8,
	      "close 1000");
	memset(out + 1000, 0, 200);
	n = ws_client_frame(2, out + 1000, 200, mask, out, sizeof(out));
	CHECK(n == 208 && out[1] == (0x80 | 126) && out[2] == 0 && out[3] == 200 && out[4] == 0x11,
	      "200 bytes: 16-bit length, mask after it");
	{
		static unsigned char big[65536];

		n = ws_client_frame(2, big, sizeof(big), mask, out, sizeof(out));
		CHECK(n == 65536 + 14 && out[1] == (0x80 | 127) && out[7] == 1 && out[8] == 0 &&
			      out[9] == 0 && out[10] == 0x11,
		      "65536 bytes: 64-bit length");
	}
	CHECK(ws_client_frame(1, "Hi", 2, mask, out, 7) == 0, "no room: 0");
	CHECK(ws_client_frame(1, "", 0, mask, out, 6) == 6, "empty frame fits in 6 bytes");
}

struct parse_case {
	const char *name;
	unsigned char in[16];
	size_t n, max;
	int rc, op;
	size_t plen, used;
};

static const struct parse_case parse_cases[] = {
	{ "text hello", { 0x81, 5, 'h', 'e', 'l', 'l', 'o' }, 7, 100, 1, 1, 5, 7 },
	{ "binary empty", { 0x82, 0 }, 2, 100, 1, 2, 0, 2 },
	{ "ping 2", { 0x89, 2, 'p', 'q' }, 4, 100, 1, 9, 2, 4 },
	{ "pong", { 0x8a, 0 }, 2, 100, 1, 10, 0, 2 },
	{ "close 1001", { 0x88, 2, 0x03, 0xe9 }, 4, 100, 1, 8, 2, 4 },
	{ "continuation", { 0x00, 1, 'x' }, 3, 100, 1, 0, 1, 3 },
	{ "first fragment", { 0x01, 1, 'x' }, 3, 100, 1, 1, 1, 3 },
	{ "16-bit length 126", { 0x82, 126, 0, 126 }, 4, 200, 0, 0, 0, 0 },
	{ "trailing bytes not used", { 0x81, 1, 'a', 0x81 }, 4, 100, 1, 1, 1, 3 },
	{ "empty", { 0 }, 0, 100, 0, 0, 0, 0 },
	{ "one byte", { 0x81 }, 1, 100, 0, 0, 0, 0 },
	{ "payload incomplete", { 0x81, 5, 'h' }, 3, 100, 0, 0, 0, 0 },
	{ "16-bit incomplete", { 0x82, 126, 0 }, 3, 200, 0, 0, 0, 0 },
	{ "64-bit incomplete", { 0x82, 127, 0, 0, 0 }, 5, 200, 0, 0, 0, 0 },
	{ "masked server frame", { 0x81, 0x81, 1, 2, 3, 4, 'x' }, 7, 100, -1, 0, 0, 0 },
	{ "RSV1", { 0xc1, 0 }, 2, 100, -1, 0, 0, 0 },
	{ "RSV3", { 0x91, 0 }, 2, 100, -1, 0, 0, 0 },
	{ "opcode 3", { 0x83, 0 }, 2, 100, -1, 0, 0, 0 },
	{ "opcode 0xb", { 0x8b, 0 }, 2, 100, -1, 0, 0, 0 },
	{ "fragmented ping", { 0x09, 0 }, 2, 100, -1, 0, 0, 0 },
	{ "close 126", { 0x88, 126, 0, 126 }, 4, 1000, -1, 0, 0, 0 },
	{ "over max", { 0x81, 5, 'h', 'e', 'l', 'l', 'o' }, 7, 4, -1, 0, 0, 0 },
	{ "over max before the payload", { 0x82, 127, 0, 0, 0, 0, 1, 0, 0, 0 }, 10, 65536, -1, 0, 0,
	  0 },
	{ "16-bit length below 126", { 0x82, 126, 0, 125 }, 4, 1000, -1, 0, 0, 0 },
	{ "64-bit length below 65536", { 0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 10, 1 << 20, -1,
	  0, 0, 0 },
	{ "64-bit length top bit", { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 10, (size_t)-1, -1, 0,
	  0, 0 },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		const unsigned char *p = NULL;
		size_t plen = 0, used = 0;
		int op = -1, rc = ws_client_parse(c->in, c->n, c->max, &op, &p, &plen, &used);
		int ok = rc == c->rc;

		if (ok && rc == 1)
			ok = op == c->op && plen == c->plen && used == c->used && p == c->in + used - plen;
		CHECK(ok, "%s: rc %d (want %d)", c->name, rc, c->rc);
	}
}

/* A server frame of n bytes, as a server would send it (unmasked). */
static size_t server_frame(int op, size_t n, unsigned char *out)
{
	size_t h = n < 126 ? 2 : n <= 0xffff ? 4 : 10;

	out[0] = (unsigned char)(0x80 | op);
	if (h == 2) {
		out[1] = (unsigned char)n;
	} else if (h == 4) {
		out[1] = 126;
		out[2] = (unsigned char)(n >> 8);
		out[3] = (unsigned char)n;
	} else {
		out[1] = 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
	}
	for (size_t i = 0; i < n; i++)
		out[h + i] = (unsigned char)(i * 7);
	return h + n;
}

static void test_round_trips(void)
{
	static const size_t lens[] = { 0, 1, 125, 126, 65535, 65536, 70000 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t total;
		unsigned char *buf = malloc(80000);
		int ok = 1, fin;

		total = server_frame(2, lens[i], buf);
		/* Each prefix needs more; the whole frame parses to the same bytes. */
		for (size_t k = 0; k <= total; k += k < 20 || total - k < 20 ? 1 : 997) {
			const unsigned char *p;
			size_t plen, used;
			int op, rc = ws_client_parse_fin(buf, k, 1 << 20, &op, &fin, &p, &plen, &used);

			if (k < total && rc != 0)
				ok = 0;
			if (k == total && (rc != 1 || op != 2 || !fin || plen != lens[i] ||
					   used != total || (plen && p[plen - 1] != (unsigned char)((plen - 1) * 7))))
				ok = 0;
		}
		CHECK(ok, "server frame of %zu bytes: prefixes need more, the whole parses", lens[i]);
		free(buf);
	}
}

int main(void)
{
	test_encode();
	test_parse();
	test_round_trips();
	return tap_done();
}
