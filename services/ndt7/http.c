/* The HTTP side of ndt7: parsing a request (the WebSocket upgrade of a
 * test and its query, the client metadata; or a plain GET of the test
 * page), and the error responses; pure, fuzzed. */
#include "http.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "lib/span.h"

static const char *status_text(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

/* The test page's files: a fixed list. A URL path names one of them or
 * nothing (no file system lookup, so "/../x" and the like name nothing). */
static const struct {
	const char *name, *type;
} www_files[WWW_NFILES] = {
	[WWW_INDEX] = { "index.html", "text/html; charset=utf-8" },
	[WWW_PAGE_JS] = { "page.js", "text/javascript; charset=utf-8" },
	[WWW_PAGE_CSS] = { "page.css", "text/css; charset=utf-8" },
	[WWW_NDT7_JS] = { "ndt7.js", "text/javascript; charset=utf-8" },
	[WWW_DOWNLOAD_WORKER] = { "ndt7-download-worker.js", "text/javascript; charset=utf-8" },
	[WWW_UPLOAD_WORKER] = { "ndt7-upload-worker.js", "text/javascript; charset=utf-8" },
};

const char *www_file_name(enum www_file f)
{
	return www_files[f].name;
}

const char *www_file_type(enum www_file f)
{
	return www_files[f].type;
}

/* The file that path[0..n) names: 1 with *f set, or 0. */
static int www_path(const char *path, size_t n, enum www_file *f)
{
	int i;

	if (n == 1 && path[0] == '/') {
		*f = WWW_INDEX;
		return 1;
	}
	for (i = 0; i < WWW_NFILES; i++)
		if (n == strlen(www_files[i].name) + 1 && path[0] == '/' &&
		    memcmp(path + 1, www_files[i].name, n - 1) == 0) {
			*f = (enum www_file)i;
			return 1;
		}
	return 0;
}

/* An ACME HTTP-01 path: 1 with the token copied to out (NUL-terminated),
 * or 0. Only [A-Za-z0-9_-], so no '/', '.' or '%': never a path elsewhere. */
static int acme_token(const char *path, size_t n, char *out)
{
	size_t plen = strlen(HTTP_ACME_PREFIX), i;

	if (n <= plen || n - plen > HTTP_ACME_TOKEN_MAX || memcmp(path, HTTP_ACME_PREFIX, plen) != 0)
		return 0;
	for (i = plen; i < n; i++) {
		char ch = path[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return 0;
	}
	memcpy(out, path + plen, n - plen);
	out[n - plen] = '\0';
	return 1;
}

static int verdict(struct http_verdict *v, int status, const char *reason)
{
	v->status = status;
	v->reason = reason;
	return 1;
}

/* Whether the comma-separated header value list contains token
 * (case-insensitively if nocase). */
static int list_has(const char *list, size_t n, const char *token, int nocase)
{
	size_t tlen = strlen(token), i = 0;

	while (i < n) {
		size_t start, end;

		while (i < n && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
			i++;
		start = i;
		while (i < n && list[i] != ',')
			i++;
		end = i;
		while (end > start && (list[end - 1] == ' ' || list[end - 1] == '\t'))
			end--;
		if (end - start == tlen &&
		    (nocase ? strncasecmp(list + start, token, tlen) == 0 :
			      memcmp(list + start, token, tlen) == 0))
			return 1;
	}
	return 0;
}

/* Headers seen, as pointers into the request. */
struct headers {
	int upgrade, connection, version13, protocol, version_seen;
	const char *key;
	size_t key_len;
};

static void header_line(const char *name, size_t nlen, const char *val, size_t vlen,
			struct headers *h)
{
#define IS(s) (nlen == sizeof(s) - 1 && strncasecmp(name, s, nlen) == 0)
	if (IS("Upgrade"))
		h->upgrade |= list_has(val, vlen, "websocket", 1);
	else if (IS("Connection"))
		h->connection |= list_has(val, vlen, "upgrade", 1);
	else if (IS("Sec-WebSocket-Version")) {
		h->version_seen = 1;
		h->version13 |= vlen == 2 && memcmp(val, "13", 2) == 0;
	} else if (IS("Sec-WebSocket-Protocol"))
		h->protocol |= list_has(val, vlen, NDT7_PROTOCOL, 0);
	else if (IS("Sec-WebSocket-Key")) {
		h->key = val;
		h->key_len = vlen;
	}
#undef IS
}

/* A Sec-WebSocket-Key is base64 of 16 bytes: 22 characters and "==". */
static int key_valid(const char *k, size_t n)
{
	size_t i;

	if (n != 24 || k[22] != '=' || k[23] != '=')
		return 0;
	for (i = 0; i < 22; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", k[i]) ||
		    !k[i])
			return 0;
	return 1;
}

/* Header lines from p to end (the blank line excluded); 0 or -1 if malformed. */
static int parse_headers(const char *p, const char *end, struct headers *h)
{
	while (p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		const char *colon, *val, *vend;

		if (!eol || eol + 1 >= end || eol[1] != '\n')
			return -1;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p || memchr(p, ' ', (size_t)(colon - p)) ||
		    memchr(p, '\t', (size_t)(colon - p)))
			return -1;
		val = colon + 1;
		while (val < eol && (*val == ' ' || *val == '\t'))
			val++;
		vend = eol;
		while (vend > val && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		if (memchr(p, '\0', (size_t)(eol - p)))
			return -1;
		header_line(p, (size_t)(colon - p), val, (size_t)(vend - val), h);
		p = eol + 2;
	}
	return 0;
}

int http_parse_request(const char *buf, size_t n, struct http_request *req,
		       struct http_verdict *v)
{
	const char *end = NULL, *line_end, *sp1, *sp2, *target, *q;
	struct headers h = { 0 };
	size_t i, path_len;

	memset(req, 0, sizeof(*req));
	v->head = 0;
	for (i = 0; i + 3 < n; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i;
			break;
		}
	if (!end)
		return n >= HTTP_REQUEST_MAX ? verdict(v, 431, "request headers too large") : 0;
	req->header_len = (size_t)(end - buf) + 4;

	line_end = memchr(buf, '\r', (size_t)(end - buf + 2));
	sp1 = memchr(buf, ' ', (size_t)(line_end - buf));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
	if (line_end[1] != '\n' || !sp1 || !sp2 || line_end - sp2 != 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '1' && sp2[8] != '0') || memchr(buf, '\0', (size_t)(line_end - buf)))
		return verdict(v, 400, "malformed request line");
	if (parse_headers(line_end + 2, end + 2, &h) < 0)
		return verdict(v, 400, "malformed header line");
	req->head = v->head = sp1 - buf == 4 && memcmp(buf, "HEAD", 4) == 0;
	if (!req->head && (sp1 - buf != 3 || memcmp(buf, "GET", 3) != 0))
		return verdict(v, 405, "only GET and HEAD are supported");

	target = sp1 + 1;
	q = memchr(target, '?', (size_t)(sp2 - target));
	path_len = (size_t)((q ? q : sp2) - target);
	if (!h.upgrade && acme_token(target, path_len, req->acme_token))
		return verdict(v, 200, "acme challenge");
	if (path_len == 16 && memcmp(target, "/ndt/v7/download", 16) == 0)
		req->test = TEST_DOWNLOAD;
	else if (path_len == 14 && memcmp(target, "/ndt/v7/upload", 14) == 0)
		req->test = TEST_UPLOAD;
	else if (!h.upgrade && www_path(target, path_len, &req->page))
		return verdict(v, 200, "test page");
	else
		return verdict(v, 404, "unknown path (ndt7 serves /ndt/v7/download and /ndt/v7/upload)");
	if (req->head)
		return verdict(v, 405, "a test is a WebSocket upgrade: GET, not HEAD");

	if (!h.upgrade || !h.connection)
		return verdict(v, 400, "not a WebSocket upgrade (Upgrade: websocket, Connection: Upgrade)");
	if (!h.version13)
		return verdict(v, 426, "Sec-WebSocket-Version must be 13");
	if (!h.key || !key_valid(h.key, h.key_len))
		return verdict(v, 400, "missing or malformed Sec-WebSocket-Key");
	if (!h.protocol)
		return verdict(v, 400, "Sec-WebSocket-Protocol must include " NDT7_PROTOCOL);
	if (q) {
		req->query_len = (size_t)(sp2 - q - 1);
		if (req->query_len > NDT7_QUERY_MAX)
			return verdict(v, 400, "query string longer than 4096 bytes");
		memcpy(req->query, q + 1, req->query_len);
		if (ndt7_query_parse(req->query, req->query_len, NULL, 0) < 0)
			return verdict(v, 400, "query string is not valid URL-encoded UTF-8");
	}
	memcpy(req->key, h.key, h.key_len);
	return verdict(v, 101, "upgrade");
}

/* Decode s[0..n) into out (cap bytes, NUL-terminated, truncated at a UTF-8
 * boundary). Returns 0, or -1 on a bad escape or invalid UTF-8. */
static int url_decode(const char *s, size_t n, char *out, size_t cap)
{
	uint8_t tmp[NDT7_QUERY_MAX];
	size_t len = 0, i, k, keep = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			tmp[len++] = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+') {
			tmp[len++] = ' ';
		} else if ((uint8_t)s[i] <= 0x20 || (uint8_t)s[i] >= 0x7f) {
			return -1;
		} else {
			tmp[len++] = (uint8_t)s[i];
		}
	}
	for (i = 0; i < len; i += k) {
		k = utf8_seq_len(tmp + i, len - i);
		if (k == 0 || tmp[i] == 0)
			return -1;
		if (out && i + k < cap)
			keep = i + k;
	}
	if (out) {
		memcpy(out, tmp, keep);
		out[keep] = '\0';
	}
	return 0;
}

int ndt7_query_parse(const char *query, size_t n, struct ndt7_meta *meta, int max)
{
	size_t i = 0;
	int count = 0, j;

	if (n > NDT7_QUERY_MAX)
		return -1;
	while (i < n) {
		size_t start = i, eq, amp;
		struct ndt7_meta m;

		while (i < n && query[i] != '&')
			i++;
		amp = i++;
		if (amp == start)
			continue;
		for (eq = start; eq < amp && query[eq] != '='; eq++)
			;
		if (url_decode(query + start, eq - start, m.name, sizeof(m.name)) < 0 ||
		    url_decode(query + eq + (eq < amp), amp - eq - (eq < amp), m.value,
			       sizeof(m.value)) < 0)
			return -1;
		/* The access token is a credential: never in the record. */
		if (!meta || m.name[0] == '\0' || strncmp(m.name, "server_", 7) == 0 ||
		    strcmp(m.name, NDT7_TOKEN_PARAM) == 0)
			continue;
		for (j = 0; j < count; j++)
			if (strcmp(meta[j].name, m.name) == 0)
				break;
		if (j < count || count == max)
			continue;
		meta[count++] = m;
	}
	return count;
}

/* Whether query[start..eq) is name, after percent-decoding. */
static int name_is(const char *query, size_t start, size_t eq, const char *name)
{
	char dec[64];

	return url_decode(query + start, eq - start, dec, sizeof(dec)) == 0 &&
	       strcmp(dec, name) == 0;
}

int ndt7_query_get(const char *query, size_t n, const char *name, char *out, size_t cap)
{
	size_t i = 0;

	if (cap)
		out[0] = '\0';
	if (n > NDT7_QUERY_MAX)
		return -1;
	while (i < n) {
		size_t start = i, eq, amp;

		while (i < n && query[i] != '&')
			i++;
		amp = i++;
		for (eq = start; eq < amp && query[eq] != '='; eq++)
			;
		if (amp == start || !name_is(query, start, eq, name))
			continue;
		if (eq == amp)
			return 0;
		if (amp - eq - 1 >= cap ||
		    url_decode(query + eq + 1, amp - eq - 1, out, cap) < 0)
			return -1;
		return (int)strlen(out);
	}
	return 0;
}

size_t http_error_response(char *out, size_t cap, const struct http_verdict *v)
{
	int n = snprintf(out, cap,
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: text/plain\r\n"
			 "Content-Length: %zu\r\n"
			 "%s%s%s%s"
			 "Connection: close\r\n"
			 "\r\n"
			 "%s%s%s",
			 v->status, status_text(v->status), strlen(v->reason) + 7,
			 v->status == 426 ? "Sec-WebSocket-Version: 13\r\n" : "",
			 v->status == 503 ? "Retry-After: " HTTP_RETRY_AFTER "\r\n" : "",
			 v->status == 405 ? "Allow: GET, HEAD\r\n" : "",
			 v->status == 401 ? "WWW-Authenticate: Bearer realm=\"ndt7\"\r\n" : "",
			 v->head ? "" : "ndt7: ", v->head ? "" : v->reason, v->head ? "" : "\n");

	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}
