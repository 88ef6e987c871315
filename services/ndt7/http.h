/* The HTTP/1.1 side of ndt7: parse a request (a WebSocket upgrade for a
 * test, or a plain GET/HEAD of the test page), decide the response, and
 * parse the query string into client metadata. Pure. */
#ifndef NDT7_HTTP_H
#define NDT7_HTTP_H

#include <stddef.h>

#define HTTP_REQUEST_MAX 16384	/* request line + headers */
#define NDT7_QUERY_MAX 4096
#define NDT7_PROTOCOL "net.measurementlab.ndt.v7"
#define NDT7_META_MAX 32	/* metadata entries kept */

enum ndt7_test { TEST_NONE, TEST_DOWNLOAD, TEST_UPLOAD };

/* The test page's files (www.c serves them from memory): a fixed list,
 * nothing else is ever served. */
enum www_file {
	WWW_INDEX,		/* "/" and "/index.html": ours */
	WWW_PAGE_JS,		/* ours */
	WWW_PAGE_CSS,		/* ours */
	WWW_NDT7_JS,		/* M-Lab's ndt7-js (npm @m-lab/ndt7), from the build */
	WWW_DOWNLOAD_WORKER,
	WWW_UPLOAD_WORKER,
	WWW_NFILES
};

/* The name of file f in the --www-dir directory, and its Content-Type. */
const char *www_file_name(enum www_file f);
const char *www_file_type(enum www_file f);

/* RFC 8555 HTTP-01: GET /.well-known/acme-challenge/TOKEN, where TOKEN is
 * base64url ([A-Za-z0-9_-]); we accept 1 to 128 characters. */
#define HTTP_ACME_PREFIX "/.well-known/acme-challenge/"
#define HTTP_ACME_TOKEN_MAX 128

struct http_request {
	enum ndt7_test test;
	enum www_file page;		/* with status 200: the file asked for */
	int head;			/* HEAD: the page's headers only */
	char acme_token[HTTP_ACME_TOKEN_MAX + 1];	/* with 200: an ACME challenge, not a page */
	char key[64];			/* Sec-WebSocket-Key */
	char query[NDT7_QUERY_MAX + 1];
	size_t query_len;
	size_t header_len;		/* bytes up to and including the blank line */
};

/* What to answer; status 101 means upgrade, 200 a page. */
struct http_verdict {
	int status;
	const char *reason;		/* for the log and the response body */
	int head;			/* the request was HEAD: a response without body */
};

/* Parse buf[0..n). Returns 0 if the request is incomplete (and n is below
 * HTTP_REQUEST_MAX), else 1 with *v set: 101 with req filled (a test), 200
 * with req->page and req->head (a page: GET or HEAD without Upgrade of a
 * name in the list above; any query is ignored; or, with req->acme_token
 * set, an ACME challenge token), or the 4xx to send.
 * Checks, in order: syntax, method (GET, HEAD: else 405), path (404),
 * WebSocket headers, subprotocol, query. */
int http_parse_request(const char *buf, size_t n, struct http_request *req,
		       struct http_verdict *v);

struct ndt7_meta {
	char name[64];
	char value[256];
};

/* Percent-decode query (a=b&c=d; '+' is a space) into at most max entries:
 * duplicates, "server_" names and access_token are skipped, a missing value is empty,
 * over-long names or values are truncated at a character boundary.
 * Returns the number of entries, or -1 if the query is not valid
 * URL-encoded UTF-8. */
int ndt7_query_parse(const char *query, size_t n, struct ndt7_meta *meta, int max);

/* The query parameter that carries an access token (token.h). */
#define NDT7_TOKEN_PARAM "access_token"

/* The percent-decoded value of the first parameter name in query into
 * out[0..cap). Returns its length (0 if absent or empty), or -1 if it is
 * malformed or does not fit. */
int ndt7_query_get(const char *query, size_t n, const char *name, char *out, size_t cap);

/* Seconds a client refused with 503 should wait: the longest a test runs. */
#define HTTP_RETRY_AFTER "15"

/* Format the error response for v into out (a 503 with Retry-After, a 405
 * with Allow; no body after a HEAD); returns its length. */
size_t http_error_response(char *out, size_t cap, const struct http_verdict *v);

#endif
