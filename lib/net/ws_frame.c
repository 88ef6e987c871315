/* The WebSocket (RFC 6455) frame codec of the client side: masked frames
 * out, unmasked server frames in, with every rule a server frame must
 * follow checked (wsclient.h: ws_client_frame, ws_client_parse). */
#include <stdint.h>
#include <string.h>

#include "lib/net/wsclient.h"

size_t ws_client_frame(int op, const void *p, size_t n, const unsigned char mask[4],
		       unsigned char *out, size_t cap)
{
	const unsigned char *src = p;
	size_t h = n < 126 ? 6 : n <= 0xffff ? 8 : 14;

	if (op < 0 || op > 15 || cap < h || cap - h < n)
		return 0;
	out[0] = (unsigned char)(0x80 | op);
	if (n < 126) {
		out[1] = (unsigned char)(0x80 | n);
	} else if (n <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(n >> 8);
		out[3] = (unsigned char)n;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
	}
	memcpy(out + h - 4, mask, 4);
	for (size_t i = 0; i < n; i++)
		out[h + i] = src[i] ^ mask[i & 3];
	return h + n;
}

int ws_client_parse_fin(const unsigned char *buf, size_t n, size_t max, int *op, int *fin,
			const unsigned char **payload, size_t *plen, size_t *used)
{
	uint64_t len;
	size_t h = 2;

	if (n < 2)
		return 0;
	*op = buf[0] & 0x0f;
	*fin = (buf[0] & 0x80) != 0;
	if ((buf[0] & 0x70) || (buf[1] & 0x80))
		return -1;	/* reserved bits (no extension agreed), or masked */
	if ((*op > 2 && *op < 8) || *op > 10)
		return -1;
	len = buf[1] & 0x7f;
	if (*op >= 8 && (len > 125 || !*fin))
		return -1;
	if (len == 126) {
		if (n < 4)
			return 0;
		len = (uint64_t)buf[2] << 8 | buf[3];
		if (len < 126)
			return -1;	/* not the shortest encoding */
		h = 4;
	} else if (len == 127) {
		if (n < 10)
			return 0;
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | buf[2 + i];
		if (len <= 0xffff || len >> 63)
			return -1;
		h = 10;
	}
	if (len > max)
		return -1;
	if (n - h < len)
		return 0;
	*payload = buf + h;
	*plen = (size_t)len;
	*used = h + (size_t)len;
	return 1;
}

int ws_client_parse(const unsigned char *buf, size_t n, size_t max, int *op,
		    const unsigned char **payload, size_t *plen, size_t *used)
{
	int fin;

	return ws_client_parse_fin(buf, n, max, op, &fin, payload, plen, used);
}
