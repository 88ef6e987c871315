/* HTTPS client for the services (not PID 1): one request per connection,
 * OpenSSL with full verification, bounded in size and time. Interface
 * fixed by the lead for issue 14; lib/net/https.c implements it.
 *
 * Built into its own archive (libfathom-net.a, host flavors only: it needs
 * OpenSSL, which the static musl PID 1 does not have); link it with
 * -lssl -lcrypto: in the Makefile, $(NET_LIB) $(HOST_LIB) -lssl -lcrypto.
 * The caller ignores SIGPIPE (OpenSSL writes to the socket with write()).
 * Over TLS, a response that ends with the connection (neither
 * Content-Length nor chunked) must end with close_notify: a bare TCP close
 * there is an error, as it could be a truncation. */
#ifndef LIB_NET_HTTPS_H
#define LIB_NET_HTTPS_H

#include <stddef.h>

/* Debian's ca-certificates bundle, also in the image. */
#define HTTPS_CA_DEFAULT "/etc/ssl/certs/ca-certificates.crt"

struct url {
	int tls;			/* https:// or wss:// (1), http:// or ws:// (0) */
	char host[256];			/* name or numeric address, no brackets */
	unsigned port;			/* default 443 / 80 */
	char target[2048];		/* path and query, "/" at least */
};

/* Parse an absolute http(s):// or ws(s):// URL. 0, or -1 with why set. No
 * user info, no fragment; IPv6 literals in brackets. */
int url_parse(const char *s, struct url *u, const char **why);

struct https_opts {
	const char *ca_file;		/* PEM bundle; NULL: HTTPS_CA_DEFAULT */
	const char *pin_sha256;		/* NULL, or hex SHA-256 of the server's SPKI */
	int timeout_ms;			/* connect + TLS + request + response; 0: 30000 */
	size_t max_body;		/* bound of a response body; 0: 1 MiB */
	int allow_plain;		/* accept http:// (tests, ACME http-01 self-check) */
};

struct https_response {
	int status;			/* HTTP status code */
	char *body;			/* malloc'd, NUL-terminated (len bytes before it) */
	size_t len;
	char content_type[128];
	char location[512];		/* Location header if any (redirects are never followed) */
	char header_extra[512];		/* the header named in https_request's want_header */
	char retry_after[64];		/* Retry-After if any (seconds or an HTTP date) */
};

/* One request: method ("GET", "POST", "PUT"), url, extra header lines
 * (each "Name: value", NULL-terminated list; may be NULL), body (may be
 * NULL). want_header: a response header whose value goes to
 * r->header_extra (e.g. "Replay-Nonce"; may be NULL). The server's
 * certificate must chain to ca_file and match the URL's host
 * (X509_VERIFY_PARAM_set1_host, or the IP address), and the pin if given.
 * Redirects are returned as they are (3xx), never followed.
 * 0 with *r filled (any status), or -1 with err set: a one-line reason
 * naming what failed ("connect 192.0.2.5:443: Connection refused",
 * "TLS: certificate verify failed: ...", "timeout after 30 s",
 * "response body over 1048576 bytes"). Never logs; never prints the
 * headers or body (they may carry secrets). */
int https_request(const char *method, const char *url, const char *const *headers,
		  const void *body, size_t body_len, const char *want_header,
		  const struct https_opts *o, struct https_response *r, char *err, size_t errlen);

void https_response_free(struct https_response *r);

/* Parse an HTTP/1.1 response head + body in buf[0..n) (Content-Length or
 * chunked); the pure part of https_request, for unit tests and the fuzzer.
 * 1 complete (r filled), 0 need more, -1 malformed or over max_body (why). */
int http_response_parse(const char *buf, size_t n, size_t max_body, const char *want_header,
			struct https_response *r, const char **why);

#endif
