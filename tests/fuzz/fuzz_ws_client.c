/* libFuzzer target for lib/net/ws_frame.c: arbitrary bytes as a stream of
 * server frames, parsed frame after frame as wsclient.c does, and as the
 * payload of a client frame, encoded and unmasked again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/wsclient.h"

static void check_stream(const unsigned char *buf, size_t n, size_t max)
{
	while (n > 0) {
		const unsigned char *p = NULL;
		size_t plen = 0, used = 0;
		int op = -1, fin = -1;
		int rc = ws_client_parse_fin(buf, n, max, &op, &fin, &p, &plen, &used);

		if (rc < -1 || rc > 1)
			abort();
		if (rc != 1)
			return;
		if (used > n || used < 2 || plen > max || p < buf || p + plen != buf + used ||
		    (op >= 8 && (plen > 125 || !fin)) || (op > 2 && op < 8) || op > 10)
			abort();
		buf += used;
		n -= used;
	}
}

static void check_encode(const unsigned char *p, size_t n)
{
	static const unsigned char mask[4] = { 0xa5, 0x5a, 0x0f, 0xf0 };
	size_t cap = n + 14, h, len;
	unsigned char *out = malloc(cap);

	len = ws_client_frame(2, p, n, mask, out, cap);
	h = n < 126 ? 6 : n <= 0xffff ? 8 : 14;
	if (len != h + n || out[0] != 0x82 || !(out[1] & 0x80) || memcmp(out + h - 4, mask, 4))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((out[h + i] ^ mask[i & 3]) != p[i])
			abort();
	if (ws_client_frame(2, p, n, mask, out, len - 1) != 0)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_stream(data, size, 125);
	check_stream(data, size, 1 << 20);
	check_encode(data, size);
	return 0;
}
