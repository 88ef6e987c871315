/* libFuzzer target for services/ndt7/http.c: arbitrary bytes as a request
 * (an upgrade or a page) and as a query string; checks the promises of
 * http.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void check_request(const char *buf, size_t n)
{
	struct http_request req;
	struct http_verdict v = { 0 };
	int rc = http_parse_request(buf, n, &req, &v);
	char out[512];

	if (rc == 0) {
		if (n >= HTTP_REQUEST_MAX)
			abort();
		return;
	}
	if (rc != 1 || !v.reason ||
	    (v.status != 101 && v.status != 200 && (v.status < 400 || v.status > 499)))
		abort();
	if (v.status == 200 && req.acme_token[0]) {
		/* An ACME challenge: GET or HEAD of the prefix and a base64url
		 * token of 1 to HTTP_ACME_TOKEN_MAX characters. */
		const char *path = buf + (req.head ? 5 : 4);
		size_t len = strlen(req.acme_token), plen = strlen(HTTP_ACME_PREFIX);

		if (req.test != TEST_NONE || len > HTTP_ACME_TOKEN_MAX ||
		    strspn(req.acme_token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			   "0123456789_-") != len || req.head != v.head ||
		    memcmp(buf, req.head ? "HEAD " : "GET ", req.head ? 5 : 4) ||
		    memcmp(path, HTTP_ACME_PREFIX, plen) != 0 ||
		    memcmp(path + plen, req.acme_token, len) != 0)
			abort();
		return;
	}
	if (v.status == 200) {
		/* A page: GET or HEAD of "/" or "/" and a name from the list. */
		const char *path = buf + (req.head ? 5 : 4);
		size_t len = strlen(www_file_name(req.page));

		if (req.test != TEST_NONE || (int)req.page < 0 || req.page >= WWW_NFILES ||
		    req.head != v.head || memcmp(buf, req.head ? "HEAD " : "GET ", req.head ? 5 : 4) ||
		    path[0] != '/' ||
		    ((path[1] != ' ' && path[1] != '?') &&
		     (memcmp(path + 1, www_file_name(req.page), len) != 0 ||
		      (path[1 + len] != ' ' && path[1 + len] != '?'))) ||
		    ((path[1] == ' ' || path[1] == '?') && req.page != WWW_INDEX))
			abort();
		return;
	}
	if (v.status == 101) {
		if ((req.test != TEST_DOWNLOAD && req.test != TEST_UPLOAD) || strlen(req.key) != 24 ||
		    req.query_len > NDT7_QUERY_MAX || strlen(req.query) != req.query_len ||
		    req.header_len > n || memcmp(buf + req.header_len - 4, "\r\n\r\n", 4) != 0)
			abort();
		return;
	}
	if (http_error_response(out, sizeof(out), &v) != strlen(out) ||
	    strncmp(out, "HTTP/1.1 4", 10) != 0)
		abort();
}

static void check_query(const char *q, size_t n)
{
	struct ndt7_meta meta[NDT7_META_MAX];
	int count = ndt7_query_parse(q, n, meta, NDT7_META_MAX), i, j;

	if (count < -1 || count > NDT7_META_MAX)
		abort();
	for (i = 0; i < count; i++) {
		if (!meta[i].name[0] || strncmp(meta[i].name, "server_", 7) == 0 ||
		    strnlen(meta[i].value, sizeof(meta[i].value)) == sizeof(meta[i].value))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(meta[i].name, meta[j].name) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	check_request(buf, size);
	if (size <= NDT7_QUERY_MAX)
		check_query(buf, size);
	free(buf);
	return 0;
}
