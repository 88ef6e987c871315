/* The pure HTTP/1.1 response parser of lib/net (http_response_parse in
 * https.h): status line, the headers the clients need, and a body
 * delimited by Content-Length, chunked coding or the end of the stream,
 * bounded by max_body. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/net/conn.h"

static const char *find_crlf(const char *p, const char *end)
{
	for (; p + 1 < end; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	return NULL;
}

static int token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Copy value v[0..n) into dst (cap bytes): -1 if it does not fit. */
static int value_copy(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int status_parse(const char *p, const char *eol, struct https_response *r)
{
	if (eol - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ')
		return -1;
	p += 9;
	for (int i = 0; i < 3; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	if (p + 3 < eol && p[3] != ' ')
		return -1;
	r->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	return r->status >= 100 && r->status <= 599 ? 0 : -1;
}

static int content_length_parse(const char *v, size_t n, long long *out)
{
	long long x = 0;

	if (n == 0 || n > 15)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	if (*out >= 0 && *out != x)
		return -1;	/* two different lengths */
	*out = x;
	return 0;
}

/* One header line p[0..eol): the ones we need go into r and the flags. */
static int header_parse(const char *p, const char *eol, const char *want,
			struct https_response *r, long long *clen, int *chunked, const char **why)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p)), *v;
	size_t nlen, vlen;

	if (!colon || colon == p) {
		*why = "malformed header line";
		return -1;
	}
	nlen = (size_t)(colon - p);
	for (size_t i = 0; i < nlen; i++)
		if (!token_char(p[i])) {
			*why = "malformed header name";
			return -1;
		}
	for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
		;
	vlen = (size_t)(eol - v);
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	for (size_t i = 0; i < vlen; i++)
		if ((unsigned char)v[i] < ' ' && v[i] != '\t') {
			*why = "control character in header value";
			return -1;
		}
#define IS(name) (nlen == strlen(name) && strncasecmp(p, name, nlen) == 0)
	if (IS("Content-Length") && content_length_parse(v, vlen, clen) < 0) {
		*why = "bad Content-Length";
		return -1;
	}
	if (IS("Transfer-Encoding")) {
		if (vlen != 7 || strncasecmp(v, "chunked", 7) != 0) {
			*why = "unsupported Transfer-Encoding";
			return -1;
		}
		*chunked = 1;
	}
	if (IS("Content-Type"))
		value_copy(r->content_type, sizeof(r->content_type), v,
			   vlen < sizeof(r->content_type) ? vlen : sizeof(r->content_type) - 1);
	if (IS("Location") && value_copy(r->location, sizeof(r->location), v, vlen) < 0) {
		*why = "Location header too long";
		return -1;
	}
	if (IS("Retry-After"))	/* ACME's rate limits, 503s: the caller interprets it */
		value_copy(r->retry_after, sizeof(r->retry_after), v,
			   vlen < sizeof(r->retry_after) ? vlen : sizeof(r->retry_after) - 1);
	if (want && IS(want) &&
	    value_copy(r->header_extra, sizeof(r->header_extra), v, vlen) < 0) {
		*why = "wanted header too long";
		return -1;
	}
#undef IS
	return 0;
}

int http_response_head(const char *buf, size_t n, const char *want_header,
		       struct https_response *r, size_t *head_len, long long *content_length,
		       int *chunked, const char **why)
{
	const char *end = buf + n, *p = buf, *eol;

	memset(r, 0, sizeof(*r));
	*content_length = -1;
	*chunked = 0;
	for (size_t i = 0; i + 3 < n; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i + 4;
			break;
		}
	if (end == buf + n && (n < 4 || memcmp(end - 4, "\r\n\r\n", 4) != 0)) {
		if (n > HTTP_HEAD_MAX) {
			*why = "response head over 16384 bytes";
			return -1;
		}
		return 0;
	}
	if ((size_t)(end - buf) > HTTP_HEAD_MAX) {
		*why = "response head over 16384 bytes";
		return -1;
	}
	eol = find_crlf(p, end);
	if (status_parse(p, eol, r) < 0) {
		*why = "malformed status line";
		return -1;
	}
	for (p = eol + 2; p < end - 2; p = eol + 2) {
		eol = find_crlf(p, end);
		if (*p == ' ' || *p == '\t') {
			*why = "folded header line";
			return -1;
		}
		if (header_parse(p, eol, want_header, r, content_length, chunked, why) < 0)
			return -1;
	}
	if (*chunked && *content_length >= 0) {
		*why = "both Content-Length and Transfer-Encoding";
		return -1;
	}
	*head_len = (size_t)(end - buf);
	return 1;
}

/* Walk the chunks in b[0..n): 1 complete (*total decoded bytes), 0 need
 * more, -1 malformed or over max. With out, copy the data there. */
static int chunked_walk(const char *b, size_t n, size_t max, char *out, size_t *total,
			const char **why)
{
	const char *p = b, *end = b + n;

	*total = 0;
	for (;;) {
		const char *eol = find_crlf(p, end);
		unsigned long long size = 0;
		const char *q = p;

		if (!eol)
			return (size_t)(end - p) > 1024 ? (*why = "chunk size line too long", -1) : 0;
		for (; q < eol && *q != ';'; q++) {
			int d = (*q >= '0' && *q <= '9')   ? *q - '0'
				: (*q >= 'a' && *q <= 'f') ? *q - 'a' + 10
				: (*q >= 'A' && *q <= 'F') ? *q - 'A' + 10
							   : -1;
			if (d < 0 || size > max || size >> 56) {
				*why = d < 0 ? "bad chunk size" : "response body over max_body";
				return -1;
			}
			size = size * 16 + (unsigned)d;
		}
		if (q == p) {
			*why = "bad chunk size";
			return -1;
		}
		if (size > max - *total) {
			*why = "response body over max_body";
			return -1;
		}
		p = eol + 2;
		if (size == 0)
			break;
		if ((size_t)(end - p) < size + 2)
			return 0;
		if (p[size] != '\r' || p[size + 1] != '\n') {
			*why = "chunk not followed by CRLF";
			return -1;
		}
		if (out)
			memcpy(out + *total, p, size);
		*total += size;
		p += size + 2;
	}
	/* Trailers, up to the empty line. */
	for (;;) {
		const char *eol = find_crlf(p, end);

		if (!eol)
			return (size_t)(end - p) > HTTP_HEAD_MAX ? (*why = "trailers too long", -1) : 0;
		if (eol == p)
			return 1;
		p = eol + 2;
	}
}

static int body_set(struct https_response *r, const char *src, size_t len, const char **why)
{
	r->body = malloc(len + 1);
	if (!r->body) {
		*why = "out of memory";
		return -1;
	}
	if (len)
		memcpy(r->body, src, len);
	r->body[len] = '\0';
	r->len = len;
	return 1;
}

int http_response_parse_eof(const char *buf, size_t n, size_t max_body, const char *want_header,
			    struct https_response *r, int eof, const char **why)
{
	size_t head, total;
	long long clen;
	int chunked, rc = http_response_head(buf, n, want_header, r, &head, &clen, &chunked, why);
	const char *b = buf + head;
	size_t avail;

	if (rc <= 0)
		return rc == 0 && eof ? (*why = "connection closed in the response head", -1) : rc;
	avail = n - head;
	if ((r->status >= 100 && r->status < 200) || r->status == 204 || r->status == 304)
		return body_set(r, b, 0, why);
	if (clen >= 0) {
		if ((unsigned long long)clen > max_body) {
			*why = "response body over max_body";
			return -1;
		}
		if (avail < (size_t)clen)
			return eof ? (*why = "connection closed before the end of the body", -1) : 0;
		return body_set(r, b, (size_t)clen, why);
	}
	if (chunked) {
		rc = chunked_walk(b, avail, max_body, NULL, &total, why);
		if (rc <= 0)
			return rc == 0 && eof ? (*why = "connection closed in a chunked body", -1) : rc;
		r->body = malloc(total + 1);
		if (!r->body) {
			*why = "out of memory";
			return -1;
		}
		chunked_walk(b, avail, max_body, r->body, &total, why);
		r->body[total] = '\0';
		r->len = total;
		return 1;
	}
	if (avail > max_body) {
		*why = "response body over max_body";
		return -1;
	}
	return eof ? body_set(r, b, avail, why) : 0;
}

int http_response_parse(const char *buf, size_t n, size_t max_body, const char *want_header,
			struct https_response *r, const char **why)
{
	return http_response_parse_eof(buf, n, max_body, want_header, r, 0, why);
}

void https_response_free(struct https_response *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}
