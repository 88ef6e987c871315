/* Unit tests for services/ndt7/http.c: tables of requests (upgrades for a
 * test; plain GETs of the test page) and the verdict each must get, then
 * query strings and error responses. */
#include <string.h>

#include "http.h"
#include "tap.h"

#define KEY "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define PROTO "Sec-WebSocket-Protocol: net.measurementlab.ndt.v7\r\n"
#define WSHDRS "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
	"Sec-WebSocket-Version: 13\r\n" KEY
#define GOOD(path) "GET " path " HTTP/1.1\r\n" WSHDRS PROTO "\r\n"

struct req_case {
	const char *name, *text;
	int complete, status;
	enum ndt7_test test;
	const char *query;
};

static const struct req_case req_cases[] = {
	{ "download", GOOD("/ndt/v7/download"), 1, 101, TEST_DOWNLOAD, "" },
	{ "upload", GOOD("/ndt/v7/upload"), 1, 101, TEST_UPLOAD, "" },
	{ "query kept", GOOD("/ndt/v7/download?a=b&c=%20d"), 1, 101, TEST_DOWNLOAD, "a=b&c=%20d" },
	{ "protocol among others", "GET /ndt/v7/upload HTTP/1.1\r\n" WSHDRS
	  "Sec-WebSocket-Protocol: chat, net.measurementlab.ndt.v7\r\n\r\n", 1, 101, TEST_UPLOAD, "" },
	{ "case-insensitive names, tokens",
	  "GET /ndt/v7/download HTTP/1.1\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
	  "sec-websocket-version: 13\r\n" KEY PROTO "\r\n", 1, 101, TEST_DOWNLOAD, "" },
	{ "incomplete", "GET /ndt/v7/download HTTP/1.1\r\nHost: x\r\n", 0, 0, TEST_NONE, NULL },
	{ "empty", "", 0, 0, TEST_NONE, NULL },
	{ "no subprotocol", "GET /ndt/v7/download HTTP/1.1\r\n" WSHDRS "\r\n", 1, 400, TEST_NONE, NULL },
	{ "wrong subprotocol", "GET /ndt/v7/download HTTP/1.1\r\n" WSHDRS
	  "Sec-WebSocket-Protocol: net.measurementlab.ndt.v5\r\n\r\n", 1, 400, TEST_NONE, NULL },
	{ "subprotocol is case-sensitive", "GET /ndt/v7/download HTTP/1.1\r\n" WSHDRS
	  "Sec-WebSocket-Protocol: NET.measurementlab.ndt.v7\r\n\r\n", 1, 400, TEST_NONE, NULL },
	{ "unknown path", GOOD("/ndt/v7/ping"), 1, 404, TEST_NONE, NULL },
	{ "upgrade to /", GOOD("/"), 1, 404, TEST_NONE, NULL },
	{ "HEAD of a test", "HEAD /ndt/v7/download HTTP/1.1\r\n" WSHDRS PROTO "\r\n", 1, 405,
	  TEST_NONE, NULL },
	{ "plain GET of a test", "GET /ndt/v7/upload HTTP/1.1\r\n\r\n", 1, 400, TEST_NONE, NULL },
	{ "path prefix only", GOOD("/ndt/v7/downloadx"), 1, 404, TEST_NONE, NULL },
	{ "POST", "POST /ndt/v7/download HTTP/1.1\r\n" WSHDRS PROTO "\r\n", 1, 405, TEST_NONE, NULL },
	{ "no Upgrade", "GET /ndt/v7/download HTTP/1.1\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Version: 13\r\n" KEY PROTO "\r\n", 1, 400, TEST_NONE, NULL },
	{ "version 8", "GET /ndt/v7/download HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Version: 8\r\n" KEY PROTO "\r\n", 1, 426, TEST_NONE, NULL },
	{ "no key", "GET /ndt/v7/download HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Version: 13\r\n" PROTO "\r\n", 1, 400, TEST_NONE, NULL },
	{ "short key", "GET /ndt/v7/download HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: abc=\r\n" PROTO "\r\n", 1, 400, TEST_NONE, NULL },
	{ "bad escape in query", GOOD("/ndt/v7/download?a=%zz"), 1, 400, TEST_NONE, NULL },
	{ "truncated escape", GOOD("/ndt/v7/download?a=%4"), 1, 400, TEST_NONE, NULL },
	{ "invalid UTF-8 in query", GOOD("/ndt/v7/download?a=%ff"), 1, 400, TEST_NONE, NULL },
	{ "NUL in query", GOOD("/ndt/v7/download?a=%00"), 1, 400, TEST_NONE, NULL },
	{ "HTTP/2 request line", "GET /ndt/v7/download HTTP/2.0\r\n" WSHDRS PROTO "\r\n", 1, 400,
	  TEST_NONE, NULL },
	{ "no version", "GET /ndt/v7/download\r\n" WSHDRS PROTO "\r\n", 1, 400, TEST_NONE, NULL },
	{ "header without colon", "GET /ndt/v7/download HTTP/1.1\r\nUpgrade websocket\r\n\r\n", 1, 400,
	  TEST_NONE, NULL },
	{ "space before colon", "GET /ndt/v7/download HTTP/1.1\r\nUpgrade : websocket\r\n\r\n", 1, 400,
	  TEST_NONE, NULL },
	{ "bare LF header", "GET /ndt/v7/download HTTP/1.1\r\nA: b\nC: d\r\n\r\n", 1, 400,
	  TEST_NONE, NULL },
};

static void test_requests(void)
{
	size_t i;

	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		const struct req_case *c = &req_cases[i];
		struct http_request req;
		struct http_verdict v = { 0 };
		int rc = http_parse_request(c->text, strlen(c->text), &req, &v);

		CHECK(rc == c->complete && (!rc || v.status == c->status),
		      "request %s: %s (got %d, status %d %s)", c->name,
		      c->complete ? "complete" : "incomplete", rc, v.status, v.reason ? v.reason : "");
		if (c->status == 101 && rc == 1 && v.status == 101)
			CHECK(req.test == c->test && strcmp(req.query, c->query) == 0 &&
			      strcmp(req.key, "dGhlIHNhbXBsZSBub25jZQ==") == 0 &&
			      req.header_len == strlen(c->text),
			      "request %s: test, query, key, length", c->name);
	}
}

/* Plain requests: the test page's files, and what is not one. */
struct page_case {
	const char *name, *text;
	int status;
	enum www_file page;	/* with status 200 */
	int head;
};

#define PAGE(method, path) method " " path " HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"

static const struct page_case page_cases[] = {
	{ "/", PAGE("GET", "/"), 200, WWW_INDEX, 0 },
	{ "/index.html", PAGE("GET", "/index.html"), 200, WWW_INDEX, 0 },
	{ "with a query", PAGE("GET", "/?autostart=1&x=%zz"), 200, WWW_INDEX, 0 },
	{ "HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", 200, WWW_INDEX, 0 },
	{ "HEAD /", PAGE("HEAD", "/"), 200, WWW_INDEX, 1 },
	{ "page.js", PAGE("GET", "/page.js"), 200, WWW_PAGE_JS, 0 },
	{ "page.css", PAGE("GET", "/page.css"), 200, WWW_PAGE_CSS, 0 },
	{ "ndt7.js", PAGE("GET", "/ndt7.js"), 200, WWW_NDT7_JS, 0 },
	{ "download worker", PAGE("GET", "/ndt7-download-worker.js"), 200, WWW_DOWNLOAD_WORKER, 0 },
	{ "HEAD upload worker", PAGE("HEAD", "/ndt7-upload-worker.js?v=1"), 200, WWW_UPLOAD_WORKER,
	  1 },
	{ "traversal", PAGE("GET", "/../index.html"), 404, WWW_INDEX, 0 },
	{ "double slash", PAGE("GET", "//index.html"), 404, WWW_INDEX, 0 },
	{ "trailing slash", PAGE("GET", "/index.html/"), 404, WWW_INDEX, 0 },
	{ "case differs", PAGE("GET", "/INDEX.HTML"), 404, WWW_INDEX, 0 },
	{ "escaped name", PAGE("GET", "/ndt7%2ejs"), 404, WWW_INDEX, 0 },
	{ "name without slash", PAGE("GET", "ndt7.js"), 404, WWW_INDEX, 0 },
	{ "absolute form", PAGE("GET", "http://x/"), 404, WWW_INDEX, 0 },
	{ "empty path", PAGE("GET", "?a=1"), 404, WWW_INDEX, 0 },
	{ "another file", PAGE("GET", "/favicon.ico"), 404, WWW_INDEX, 0 },
	{ "HEAD of an unknown path", PAGE("HEAD", "/x"), 404, WWW_INDEX, 1 },
	{ "POST /", PAGE("POST", "/"), 405, WWW_INDEX, 0 },
	{ "lowercase get", PAGE("get", "/"), 405, WWW_INDEX, 0 },
	{ "OPTIONS *", PAGE("OPTIONS", "*"), 405, WWW_INDEX, 0 },
	{ "PUT a file", PAGE("PUT", "/ndt7.js"), 405, WWW_INDEX, 0 },
};

static void test_pages(void)
{
	size_t i;

	for (i = 0; i < sizeof(page_cases) / sizeof(page_cases[0]); i++) {
		const struct page_case *c = &page_cases[i];
		struct http_request req;
		struct http_verdict v = { 0 };
		int rc = http_parse_request(c->text, strlen(c->text), &req, &v);

		CHECK(rc == 1 && v.status == c->status && v.head == c->head,
		      "page request %s: %d%s (got %d, status %d %s)", c->name, c->status,
		      c->head ? " to HEAD" : "", rc, v.status, v.reason ? v.reason : "");
		if (c->status == 200 && rc == 1 && v.status == 200)
			CHECK(req.page == c->page && req.head == c->head && req.test == TEST_NONE &&
			      req.header_len == strlen(c->text),
			      "page request %s: file %s", c->name, www_file_name(c->page));
	}
}

/* ACME HTTP-01 challenges (RFC 8555 8.3): the token, or not one (""). */
struct acme_case {
	const char *name, *text;
	int status;
	const char *token;
	int head;
};

#define T128 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDE_"

static const struct acme_case acme_cases[] = {
	{ "token", PAGE("GET", "/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"),
	  200, "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0", 0 },
	{ "HEAD", PAGE("HEAD", "/.well-known/acme-challenge/a-b_C"), 200, "a-b_C", 1 },
	{ "one character", PAGE("GET", "/.well-known/acme-challenge/x"), 200, "x", 0 },
	{ "128 characters", PAGE("GET", "/.well-known/acme-challenge/" T128), 200, T128, 0 },
	{ "query ignored", PAGE("GET", "/.well-known/acme-challenge/abc?x=1"), 200, "abc", 0 },
	{ "129 characters", PAGE("GET", "/.well-known/acme-challenge/" T128 "x"), 404, "", 0 },
	{ "empty token", PAGE("GET", "/.well-known/acme-challenge/"), 404, "", 0 },
	{ "no slash", PAGE("GET", "/.well-known/acme-challenge"), 404, "", 0 },
	{ "traversal", PAGE("GET", "/.well-known/acme-challenge/../../etc/passwd"), 404, "", 0 },
	{ "dot dot", PAGE("GET", "/.well-known/acme-challenge/.."), 404, "", 0 },
	{ "sub directory", PAGE("GET", "/.well-known/acme-challenge/a/b"), 404, "", 0 },
	{ "escaped", PAGE("GET", "/.well-known/acme-challenge/a%2fb"), 404, "", 0 },
	{ "padding", PAGE("GET", "/.well-known/acme-challenge/abc="), 404, "", 0 },
	{ "prefix doubled", PAGE("GET", "//.well-known/acme-challenge/abc"), 404, "", 0 },
	{ "other well-known", PAGE("GET", "/.well-known/security.txt"), 404, "", 0 },
	{ "POST", PAGE("POST", "/.well-known/acme-challenge/abc"), 405, "", 0 },
	{ "upgrade", "GET /.well-known/acme-challenge/abc HTTP/1.1\r\nUpgrade: websocket\r\n"
	  "Connection: Upgrade\r\n\r\n", 404, "", 0 },
};

static void test_acme(void)
{
	size_t i;

	for (i = 0; i < sizeof(acme_cases) / sizeof(acme_cases[0]); i++) {
		const struct acme_case *c = &acme_cases[i];
		struct http_request req;
		struct http_verdict v = { 0 };
		int rc = http_parse_request(c->text, strlen(c->text), &req, &v);

		CHECK(rc == 1 && v.status == c->status && strcmp(req.acme_token, c->token) == 0 &&
		      req.head == c->head && req.test == TEST_NONE,
		      "acme request %s: %d token \"%s\" (got %d, status %d %s, token \"%s\")",
		      c->name, c->status, c->token, rc, v.status, v.reason ? v.reason : "",
		      req.acme_token);
	}
}

/* Every file has a name and a type, and each name is one "/" path. */
static void test_files(void)
{
	struct http_request req;
	struct http_verdict v;
	char buf[256];
	int f, n;

	for (f = 0; f < WWW_NFILES; f++) {
		const char *name = www_file_name((enum www_file)f);

		n = snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\r\n\r\n", name);
		CHECK(http_parse_request(buf, (size_t)n, &req, &v) == 1 && v.status == 200 &&
		      (int)req.page == f && strchr(name, '/') == NULL &&
		      strstr(www_file_type((enum www_file)f), "; charset=utf-8") != NULL,
		      "file %s is served as %s", name, www_file_type((enum www_file)f));
	}
}

/* The query limit is exactly 4096 bytes; beyond the request size, 431. */
static void test_limits(void)
{
	static char buf[HTTP_REQUEST_MAX + 64];
	struct http_request req;
	struct http_verdict v;
	size_t qlen;

	for (qlen = 4095; qlen <= 4097; qlen++) {
		int n = snprintf(buf, sizeof(buf), "GET /ndt/v7/download?q=%0*d HTTP/1.1\r\n" WSHDRS
				 PROTO "\r\n", (int)qlen - 2, 0);

		CHECK(http_parse_request(buf, (size_t)n, &req, &v) == 1 &&
		      v.status == (qlen <= 4096 ? 101 : 400),
		      "query of %zu bytes: %d", qlen, v.status);
	}
	memset(buf, 'a', HTTP_REQUEST_MAX);
	memcpy(buf, "GET /", 5);
	CHECK(http_parse_request(buf, HTTP_REQUEST_MAX, &req, &v) == 1 && v.status == 431,
	      "a request without end at HTTP_REQUEST_MAX bytes gets 431");
	CHECK(http_parse_request(buf, HTTP_REQUEST_MAX - 1, &req, &v) == 0,
	      "one byte less is still incomplete");
}

struct query_case {
	const char *query;
	int count;
	const char *name0, *value0, *name1, *value1;
};

static const struct query_case query_cases[] = {
	{ "", 0, NULL, NULL, NULL, NULL },
	{ "a=1", 1, "a", "1", NULL, NULL },
	{ "a=1&b=2", 2, "a", "1", "b", "2" },
	{ "a=x+y&b=%C3%A9", 2, "a", "x y", "b", "\xc3\xa9" },
	{ "a", 1, "a", "", NULL, NULL },
	{ "a=", 1, "a", "", NULL, NULL },
	{ "a=1&a=2", 1, "a", "1", NULL, NULL },
	{ "server_x=1&b=2", 1, "b", "2", NULL, NULL },
	{ "a=1&access_token=e30.e30.x&b=2", 2, "a", "1", "b", "2" },	/* never metadata */
	{ "access%5Ftoken=x&access_token=y&b=2", 1, "b", "2", NULL, NULL },
	{ "access_tokenx=1", 1, "access_tokenx", "1", NULL, NULL },
	{ "&&a=1&", 1, "a", "1", NULL, NULL },
	{ "=v&b=2", 1, "b", "2", NULL, NULL },
	{ "a=%e2%82", -1, NULL, NULL, NULL, NULL },
	{ "a=%", -1, NULL, NULL, NULL, NULL },
	{ "a b=1", -1, NULL, NULL, NULL, NULL },
	{ "a=\x01", -1, NULL, NULL, NULL, NULL },
};

static void test_queries(void)
{
	struct ndt7_meta m[4];
	size_t i;

	for (i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
		const struct query_case *c = &query_cases[i];
		int n = ndt7_query_parse(c->query, strlen(c->query), m, 4);
		int ok = n == c->count;

		if (ok && n >= 1)
			ok = strcmp(m[0].name, c->name0) == 0 && strcmp(m[0].value, c->value0) == 0;
		if (ok && n >= 2)
			ok = strcmp(m[1].name, c->name1) == 0 && strcmp(m[1].value, c->value1) == 0;
		CHECK(ok, "query \"%s\": %d entries (got %d)", c->query, c->count, n);
	}
}

/* At most max entries; long values are cut at a character boundary. */
static void test_query_bounds(void)
{
	char q[2048];
	struct ndt7_meta m[2];
	int i, n = 0;

	for (i = 0; i < 5; i++)
		n += snprintf(q + n, sizeof(q) - (size_t)n, "k%d=v&", i);
	CHECK(ndt7_query_parse(q, (size_t)n, m, 2) == 2, "entries beyond max are dropped");
	n = snprintf(q, sizeof(q), "v=");
	for (i = 0; i < 300; i++)
		n += snprintf(q + n, sizeof(q) - (size_t)n, "%%C3%%A9");
	CHECK(ndt7_query_parse(q, (size_t)n, m, 2) == 1 && strlen(m[0].value) == 254 &&
	      (unsigned char)m[0].value[253] == 0xa9, "long value cut to 254 bytes, whole characters");
}

struct get_case {
	const char *query, *name;
	int rc;
	const char *value;
};

static const struct get_case get_cases[] = {
	{ "", "access_token", 0, "" },
	{ "a=1", "access_token", 0, "" },
	{ "access_token=abc.def.ghi", "access_token", 11, "abc.def.ghi" },
	{ "a=1&access_token=x%2Ey&access_token=2", "access_token", 3, "x.y" },	/* the first */
	{ "access%5Ftoken=t", "access_token", 1, "t" },
	{ "access_token=", "access_token", 0, "" },
	{ "access_token", "access_token", 0, "" },
	{ "access_tokens=1", "access_token", 0, "" },
	{ "access_token=%zz", "access_token", -1, "" },
};

static void test_query_get(void)
{
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(get_cases) / sizeof(get_cases[0]); i++) {
		const struct get_case *c = &get_cases[i];
		int rc = ndt7_query_get(c->query, strlen(c->query), c->name, out, sizeof(out));

		CHECK(rc == c->rc && (rc < 0 || strcmp(out, c->value) == 0),
		      "query_get \"%s\": %d \"%s\" (got %d \"%s\")", c->query, c->rc, c->value,
		      rc, rc < 0 ? "" : out);
	}
	CHECK(ndt7_query_get("access_token=0123456789abcdef", 29, "access_token", out,
			     sizeof(out)) == -1, "query_get: a value that does not fit is -1");
}

static void test_responses(void)
{
	char out[512];
	struct http_verdict v = { 426, "Sec-WebSocket-Version must be 13", 0 };
	size_t n = http_error_response(out, sizeof(out), &v);

	CHECK(n == strlen(out) && strncmp(out, "HTTP/1.1 426 Upgrade Required\r\n", 31) == 0 &&
	      strstr(out, "Sec-WebSocket-Version: 13\r\n") != NULL,
	      "426 response names the version");
	v.status = 404;
	v.reason = "unknown path";
	n = http_error_response(out, sizeof(out), &v);
	CHECK(strncmp(out, "HTTP/1.1 404 Not Found\r\n", 24) == 0 &&
	      strstr(out, "Content-Length: 19\r\n") && strcmp(out + n - 19, "ndt7: unknown path\n") == 0,
	      "404 response with a body of the stated length");
	n = http_error_response(out, 20, &v);
	CHECK(n == 19 && strlen(out) == 19, "response truncated to the buffer");
	v.head = 1;
	n = http_error_response(out, sizeof(out), &v);
	CHECK(strstr(out, "Content-Length: 19\r\n") && n > 4 && strcmp(out + n - 4, "\r\n\r\n") == 0,
	      "after HEAD: the headers of the 404, no body");
	v.head = 0;
	v.status = 405;
	v.reason = "only GET and HEAD are supported";
	http_error_response(out, sizeof(out), &v);
	CHECK(strncmp(out, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0 &&
	      strstr(out, "\r\nAllow: GET, HEAD\r\n") != NULL, "405 response says what is allowed");
	v.status = 401;
	v.reason = "access token refused (expired)";
	n = http_error_response(out, sizeof(out), &v);
	CHECK(strncmp(out, "HTTP/1.1 401 Unauthorized\r\n", 27) == 0 &&
	      strstr(out, "WWW-Authenticate: Bearer realm=\"ndt7\"\r\n") &&
	      strcmp(out + n - 37, "ndt7: access token refused (expired)\n") == 0,
	      "401 response with WWW-Authenticate and the reason");
}

int main(void)
{
	test_requests();
	test_pages();
	test_acme();
	test_files();
	test_limits();
	test_queries();
	test_query_bounds();
	test_query_get();
	test_responses();
	return tap_done();
}
