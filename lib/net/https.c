/* https_request (lib/net/https.h): one HTTP/1.1 request over a fresh
 * verified TLS connection (or plain TCP when allowed), the response read
 * whole within one deadline and bounded in size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/net/conn.h"

static int method_ok(const char *m)
{
	size_t n = strlen(m);

	if (n == 0 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (m[i] < 'A' || m[i] > 'Z')
			return 0;
	return 1;
}

/* The request head and body in one buffer; NULL with err. */
static char *request_build(const char *method, const struct url *u, const char *const *headers,
			   const void *body, size_t body_len, size_t *len, char *err,
			   size_t errlen)
{
	size_t cap = 512 + strlen(u->target) + strlen(u->host) + body_len, off;
	int v6 = strchr(u->host, ':') != NULL, dflt = u->port == (u->tls ? 443u : 80u);
	char *buf;

	for (size_t i = 0; headers && headers[i]; i++) {
		if (strpbrk(headers[i], "\r\n") || !strchr(headers[i], ':')) {
			snprintf(err, errlen, "request header %zu: not one \"Name: value\" line", i + 1);
			return NULL;
		}
		cap += strlen(headers[i]) + 2;
	}
	buf = malloc(cap);
	if (!buf) {
		snprintf(err, errlen, "out of memory for the request");
		return NULL;
	}
	off = (size_t)snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: %s%s%s", method, u->target,
			       v6 ? "[" : "", u->host, v6 ? "]" : "");
	if (!dflt)
		off += (size_t)snprintf(buf + off, cap - off, ":%u", u->port);
	off += (size_t)snprintf(buf + off, cap - off, "\r\nUser-Agent: fathom\r\n");
	for (size_t i = 0; headers && headers[i]; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s\r\n", headers[i]);
	if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		off += (size_t)snprintf(buf + off, cap - off, "Content-Length: %zu\r\n", body_len);
	off += (size_t)snprintf(buf + off, cap - off, "Connection: close\r\n\r\n");
	if (body_len)
		memcpy(buf + off, body, body_len);
	*len = off + body_len;
	return buf;
}

/* Read until the parser is satisfied: 0 with r filled, or -1 (err). */
static int response_read(struct net_conn *c, size_t max_body, const char *want,
			 long long deadline, struct https_response *r, char *err, size_t errlen)
{
	size_t cap = 16384, n = 0, limit = HTTP_HEAD_MAX + 2 * max_body + 65536;
	char *buf = malloc(cap);
	const char *why = NULL;
	int rc = 0;

	if (!buf) {
		snprintf(err, errlen, "out of memory for the response");
		return -1;
	}
	for (;;) {
		ssize_t k;

		if (n == cap) {
			char *nb = cap >= limit ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				snprintf(err, errlen, "response over %zu bytes", cap);
				rc = -2;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		k = net_conn_read(c, buf + n, cap - n, deadline, err, errlen);
		if (k < 0) {
			rc = -2;
			break;
		}
		n += (size_t)k;
		rc = http_response_parse_eof(buf, n, max_body, want, r, k == 0, &why);
		if (rc != 0 || k == 0)
			break;
	}
	free(buf);
	if (rc == 1)
		return 0;
	if (rc == -1 && strcmp(why, "response body over max_body") == 0)
		snprintf(err, errlen, "response body over %zu bytes", max_body);
	else if (rc == -1 || rc == 0)
		snprintf(err, errlen, "bad response: %s", why ? why : "connection closed");
	return -1;
}

int https_request(const char *method, const char *url, const char *const *headers,
		  const void *body, size_t body_len, const char *want_header,
		  const struct https_opts *o, struct https_response *r, char *err, size_t errlen)
{
	struct https_opts dflt = { 0 };
	struct url u;
	struct net_conn c;
	const char *why;
	long long deadline;
	size_t max_body, len;
	char *req;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!o)
		o = &dflt;
	max_body = o->max_body ? o->max_body : NET_MAX_BODY_DEFAULT;
	if (url_parse(url, &u, &why) < 0) {
		snprintf(err, errlen, "URL: %s", why);
		return -1;
	}
	if (strncasecmp(url, "ws", 2) == 0) {
		snprintf(err, errlen, "URL: not an http:// or https:// URL");
		return -1;
	}
	if (!u.tls && !o->allow_plain) {
		snprintf(err, errlen, "URL: http:// refused, https:// required");
		return -1;
	}
	if (!method || !method_ok(method)) {
		snprintf(err, errlen, "bad HTTP method");
		return -1;
	}
	req = request_build(method, &u, headers, body, body_len, &len, err, errlen);
	if (!req)
		return -1;
	deadline = net_now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : NET_TIMEOUT_DEFAULT);
	if (net_conn_open(&c, &u, o, deadline, err, errlen) < 0) {
		free(req);
		return -1;
	}
	rc = net_conn_write(&c, req, len, deadline, err, errlen);
	/* The request may hold secrets (a key, a token): not left in memory. */
	explicit_bzero(req, len);
	free(req);
	if (rc == 0)
		rc = response_read(&c, max_body, want_header, deadline, r, err, errlen);
	net_conn_close(&c);
	return rc;
}
