/* Unit tests for lib/net/http_response.c and lib/net/url.c: tables of
 * responses (Content-Length, chunked, close-delimited, bounds, malformed),
 * every response split at every byte, and a table of URLs. */
#include <stdlib.h>
#include <string.h>

#include "lib/net/conn.h"
#include "tap.h"

struct resp_case {
	const char *name, *in;
	size_t max;
	int rc, eof_rc;		/* http_response_parse, and with eof */
	int status;
	const char *body, *location, *extra;
};

#define H200 "HTTP/1.1 200 OK\r\n"
static const struct resp_case resp_cases[] = {
	{ "content-length", H200 "Content-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello", 100, 1,
	  1, 200, "hello", "", "" },
	{ "content-length, extra bytes ignored", H200 "Content-Length: 2\r\n\r\nhello", 100, 1, 1,
	  200, "he", "", "" },
	{ "content-length short", H200 "Content-Length: 9\r\n\r\nhello", 100, 0, -1, 0, NULL, NULL,
	  NULL },
	{ "content-length 0", H200 "Content-Length: 0\r\n\r\n", 100, 1, 1, 200, "", "", "" },
	{ "chunked",
	  H200 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n", 100, 1,
	  1, 200, "hello world", "", "" },
	{ "chunked, upper-case hex, trailer",
	  H200 "transfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n", 100, 1, 1, 200,
	  "0123456789", "", "" },
	{ "chunked, no last chunk", H200 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", 100, 0,
	  -1, 0, NULL, NULL, NULL },
	{ "chunked over max",
	  H200 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 8, -1, -1,
	  0, NULL, NULL, NULL },
	{ "chunk size over max before its data", H200 "Transfer-Encoding: chunked\r\n\r\nfffffff\r\n", 100,
	  -1, -1, 0, NULL, NULL, NULL },
	{ "chunk size overflow", H200 "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff1\r\n",
	  (size_t)-1, -1, -1, 0, NULL, NULL, NULL },
	{ "bad chunk size", H200 "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 100, -1, -1, 0, NULL,
	  NULL, NULL },
	{ "chunk without CRLF", H200 "Transfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n0\r\n\r\n", 100, -1,
	  -1, 0, NULL, NULL, NULL },
	{ "content-length over max", H200 "Content-Length: 101\r\n\r\n", 100, -1, -1, 0, NULL, NULL,
	  NULL },
	{ "close-delimited", H200 "Content-Type: text/plain\r\n\r\nto the end", 100, 0, 1, 200,
	  "to the end", "", "" },
	{ "close-delimited over max", H200 "\r\n0123456789", 5, -1, -1, 0, NULL, NULL, NULL },
	{ "302 with Location",
	  "HTTP/1.1 302 Found\r\nLocation: https://example.org/x\r\nContent-Length: 0\r\n\r\n", 100,
	  1, 1, 302, "", "https://example.org/x", "" },
	{ "204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", 100, 1, 1, 204, "", "", "" },
	{ "101 has no body", "HTTP/1.1 101 Switching\r\nSec-WebSocket-Accept: abc=\r\n\r\nframes", 100,
	  1, 1, 101, "", "", "abc=" },
	{ "wanted header, any case", H200 "replay-nonce:   n0nce \r\nContent-Length: 0\r\n\r\n", 100, 1,
	  1, 200, "", "", "n0nce" },
	{ "HTTP/1.0, no reason", "HTTP/1.0 404\r\nContent-Length: 1\r\n\r\nx", 100, 1, 1, 404, "x", "",
	  "" },
	{ "head incomplete", H200 "Content-Length: 5\r\n", 100, 0, -1, 0, NULL, NULL, NULL },
	{ "empty", "", 100, 0, -1, 0, NULL, NULL, NULL },
	{ "not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", 100, -1, -1, 0, NULL, NULL, NULL },
	{ "HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", 100, -1, -1, 0, NULL, NULL, NULL },
	{ "status 600", "HTTP/1.1 600 X\r\n\r\n", 100, -1, -1, 0, NULL, NULL, NULL },
	{ "status 20x", "HTTP/1.1 20x X\r\n\r\n", 100, -1, -1, 0, NULL, NULL, NULL },
	{ "status 2000", "HTTP/1.1 2000 X\r\n\r\n", 100, -1, -1, 0, NULL, NULL, NULL },
	{ "header without colon", H200 "Content-Length 5\r\n\r\nhello", 100, -1, -1, 0, NULL, NULL,
	  NULL },
	{ "space in header name", H200 "Content Length: 5\r\n\r\nhello", 100, -1, -1, 0, NULL, NULL,
	  NULL },
	{ "folded header", H200 "X-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n", 100, -1, -1, 0, NULL,
	  NULL, NULL },
	{ "bad content-length", H200 "Content-Length: 5x\r\n\r\nhello", 100, -1, -1, 0, NULL, NULL,
	  NULL },
	{ "negative content-length", H200 "Content-Length: -1\r\n\r\n", 100, -1, -1, 0, NULL, NULL,
	  NULL },
	{ "two different content-lengths", H200 "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	  100, -1, -1, 0, NULL, NULL, NULL },
	{ "same content-length twice", H200 "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab", 100, 1,
	  1, 200, "ab", "", "" },
	{ "content-length and chunked", H200 "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
	  100, -1, -1, 0, NULL, NULL, NULL },
	{ "gzip transfer-encoding", H200 "Transfer-Encoding: gzip\r\n\r\n", 100, -1, -1, 0, NULL, NULL,
	  NULL },
	{ "control character in a value", H200 "X-A: a\001b\r\nContent-Length: 0\r\n\r\n", 100, -1, -1,
	  0, NULL, NULL, NULL },
};

static void check_case(const struct resp_case *c, int eof, const char *in, size_t n, int quiet)
{
	struct https_response r;
	const char *why = NULL;
	int rc = http_response_parse_eof(in, n, c->max, "Replay-Nonce", &r, eof, &why);
	int want = eof ? c->eof_rc : c->rc;
	int ok = rc == want && (rc != -1 || why) && (rc == 1 || r.body == NULL);

	if (ok && rc == 1)
		ok = r.status == c->status && r.len == strlen(c->body) &&
		     memcmp(r.body, c->body, r.len) == 0 && r.body[r.len] == '\0' &&
		     strcmp(r.location, c->location) == 0 &&
		     (strcmp(c->name, "101 has no body") == 0 || strcmp(r.header_extra, c->extra) == 0);
	if (!quiet || !ok)
		CHECK(ok, "%s%s: rc %d (want %d)%s%s", c->name, eof ? " (at eof)" : "", rc, want,
		      why ? ": " : "", why ? why : "");
	https_response_free(&r);
}

static void test_responses(void)
{
	for (size_t i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++) {
		const struct resp_case *c = &resp_cases[i];
		size_t n = strlen(c->in);
		int split_ok = 1;

		check_case(c, 0, c->in, n, 0);
		check_case(c, 1, c->in, n, 0);
		/* Every prefix of a complete response needs more (or is already
		 * malformed/complete consistently): never a different body. */
		for (size_t k = 0; k < n && c->rc == 1; k++) {
			struct https_response r;
			const char *why = NULL;
			char *copy = malloc(k + 1);	/* exactly k bytes: ASan sees overreads */
			int rc;

			memcpy(copy, c->in, k);
			rc = http_response_parse(copy, k, c->max, "Replay-Nonce", &r, &why);
			if (rc == -1 || (rc == 1 && (r.len != strlen(c->body) ||
						     memcmp(r.body, c->body, r.len) != 0)))
				split_ok = 0;
			https_response_free(&r);
			free(copy);
		}
		if (c->rc == 1)
			CHECK(split_ok, "%s: every prefix needs more or gives the same body", c->name);
	}
}

static void test_wanted_header_long(void)
{
	char in[1200];
	struct https_response r;
	const char *why = NULL;

	snprintf(in, sizeof(in), "HTTP/1.1 429 Too Many\r\nretry-after: 7200\r\n"
		 "Content-Length: 0\r\n\r\n");
	CHECK(http_response_parse(in, strlen(in), 10, NULL, &r, &why) == 1 && r.status == 429 &&
	      strcmp(r.retry_after, "7200") == 0, "Retry-After kept (any case)");
	https_response_free(&r);
	snprintf(in, sizeof(in), H200 "Content-Length: 0\r\n\r\n");
	CHECK(http_response_parse(in, strlen(in), 10, NULL, &r, &why) == 1 && !r.retry_after[0],
	      "no Retry-After: empty");
	https_response_free(&r);

	snprintf(in, sizeof(in), H200 "Location: /%0600d\r\nContent-Length: 0\r\n\r\n", 0);
	CHECK(http_response_parse(in, strlen(in), 10, NULL, &r, &why) == -1 && why,
	      "a Location over 511 bytes is refused, not cut");
	memset(in, 'a', sizeof(in));
	memcpy(in, H200, strlen(H200));
	CHECK(http_response_parse(in, sizeof(in), 10, NULL, &r, &why) == 0, "head of 1200 bytes: more");
	{
		size_t big = HTTP_HEAD_MAX + 2;
		char *b = malloc(big);

		memset(b, 'a', big);
		memcpy(b, H200, strlen(H200));
		CHECK(http_response_parse(b, big, 10, NULL, &r, &why) == -1,
		      "head over %d bytes refused", HTTP_HEAD_MAX);
		free(b);
	}
}

struct url_case {
	const char *in;
	int rc, tls;
	const char *host;
	unsigned port;
	const char *target;
};

static const struct url_case url_cases[] = {
	{ "https://example.org", 0, 1, "example.org", 443, "/" },
	{ "https://example.org/v0/token?a=b", 0, 1, "example.org", 443, "/v0/token?a=b" },
	{ "HTTP://Example.org:8080/x", 0, 0, "Example.org", 8080, "/x" },
	{ "wss://locate.example.net/v2/platform/heartbeat-jwt", 0, 1, "locate.example.net", 443,
	  "/v2/platform/heartbeat-jwt" },
	{ "ws://127.0.0.1:9000", 0, 0, "127.0.0.1", 9000, "/" },
	{ "http://[2001:db8::1]:8000/health", 0, 0, "2001:db8::1", 8000, "/health" },
	{ "https://[::1]/", 0, 1, "::1", 443, "/" },
	{ "https://h?q=1", 0, 1, "h", 443, "/?q=1" },
	{ "ftp://example.org/", -1, 0, NULL, 0, NULL },
	{ "example.org", -1, 0, NULL, 0, NULL },
	{ "https://", -1, 0, NULL, 0, NULL },
	{ "https://:443/", -1, 0, NULL, 0, NULL },
	{ "https://user:pw@example.org/", -1, 0, NULL, 0, NULL },
	{ "https://example.org/#frag", -1, 0, NULL, 0, NULL },
	{ "https://example.org#frag", -1, 0, NULL, 0, NULL },
	{ "https://example.org:0/", -1, 0, NULL, 0, NULL },
	{ "https://example.org:65536/", -1, 0, NULL, 0, NULL },
	{ "https://example.org:44x/", -1, 0, NULL, 0, NULL },
	{ "https://example.org:/", -1, 0, NULL, 0, NULL },
	{ "https://[2001:db8::1/", -1, 0, NULL, 0, NULL },
	{ "https://[not-v6]/", -1, 0, NULL, 0, NULL },
	{ "https://[::1]x/", -1, 0, NULL, 0, NULL },
	{ "https://exa mple.org/", -1, 0, NULL, 0, NULL },
	{ "https://example.org/a b", -1, 0, NULL, 0, NULL },
	{ "https://example.org/a\r\nX-Injected: 1", -1, 0, NULL, 0, NULL },
	{ "https://exa%2fmple.org/", -1, 0, NULL, 0, NULL },
};

static void test_urls(void)
{
	for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		const struct url_case *c = &url_cases[i];
		struct url u;
		const char *why = NULL;
		int rc = url_parse(c->in, &u, &why), ok = rc == c->rc;

		if (ok && rc == 0)
			ok = u.tls == c->tls && strcmp(u.host, c->host) == 0 && u.port == c->port &&
			     strcmp(u.target, c->target) == 0;
		if (ok && rc < 0)
			ok = why != NULL;
		CHECK(ok, "url %s: rc %d%s%s", strpbrk(c->in, "\r\n") ? "with CRLF in the path" : c->in,
		      rc, rc < 0 ? ": " : "", rc < 0 ? why : "");
	}
	{
		char longu[2100] = "https://h/";
		struct url u;
		const char *why;

		memset(longu + 10, 'a', sizeof(longu) - 11);
		longu[sizeof(longu) - 1] = '\0';
		CHECK(url_parse(longu, &u, &why) == -1, "a path over 2047 bytes is refused");
	}
}

int main(void)
{
	test_responses();
	test_wanted_header_long();
	test_urls();
	return tap_done();
}
