/* The uploader's target (target.h): dispatch to the GCS or PUT transport,
 * and what both share: HTTP statuses and network errors turned into
 * outcomes, object names percent-encoded, the HTTPS options. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "target_int.h"

struct target {
	enum target_kind kind;
	struct put *put;
	struct gcs *gcs;
};

const char *target_result_name(enum target_result r)
{
	switch (r) {
	case TARGET_OK:
		return "ok";
	case TARGET_RETRY:
		return "retry";
	case TARGET_AUTH:
		return "auth";
	case TARGET_FATAL:
		return "fatal";
	}
	return "unknown";
}

void target_outcome_set(struct target_outcome *out, enum target_result r, const char *reason,
			const char *fmt, ...)
{
	va_list ap;

	out->result = r;
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
	va_end(ap);
}

void target_outcome_status(struct target_outcome *out, const char *what, int status)
{
	if (status >= 500 || status == 408)
		target_outcome_set(out, TARGET_RETRY, "http_5xx",
				   "%s: HTTP %d: the server failed; retrying later", what, status);
	else if (status == 429)
		target_outcome_set(out, TARGET_RETRY, "http_429",
				   "%s: HTTP 429: rate limited; retrying later", what);
	else if (status == 401 || status == 403)
		target_outcome_set(out, TARGET_AUTH, "auth",
				   "%s: HTTP %d: credentials refused; check the account key or token "
				   "and its permissions on the bucket", what, status);
	else if (status < 400)
		target_outcome_set(out, TARGET_FATAL, "http_3xx",
				   "%s: HTTP %d: not an answer to an upload (a redirect?); check "
				   "the endpoint URL", what, status);
	else
		target_outcome_set(out, TARGET_FATAL, "http_4xx",
				   "%s: HTTP %d: request refused; check the bucket, URL and "
				   "object prefix", what, status);
}

/* Appends s to out (used so far: *n of cap), printable ASCII only. */
static void safe_append(char *out, size_t cap, size_t *n, const char *s)
{
	for (; *s && *n + 1 < cap; s++)
		out[(*n)++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	out[*n] = '\0';
}

int target_error_message(const char *body, size_t len, char *out, size_t cap)
{
	json_t *j = json_loadb(body, len, 0, NULL), *e, *d;
	size_t n = 0;

	if (cap)
		out[0] = '\0';
	e = json_object_get(j, "error");
	d = json_object_get(j, "error_description");
	if (json_is_string(e)) {
		safe_append(out, cap, &n, json_string_value(e));
		if (json_is_string(d)) {
			safe_append(out, cap, &n, ": ");
			safe_append(out, cap, &n, json_string_value(d));
		}
	} else if (json_is_string(json_object_get(e, "message"))) {
		safe_append(out, cap, &n, json_string_value(json_object_get(e, "message")));
	}
	json_decref(j);
	return n ? 0 : -1;
}

void target_outcome_note(struct target_outcome *out, const char *body, size_t len)
{
	size_t n = strlen(out->detail);
	char msg[160];

	if (!body || target_error_message(body, len, msg, sizeof(msg)) < 0)
		return;
	safe_append(out->detail, sizeof(out->detail), &n, " (server: ");
	safe_append(out->detail, sizeof(out->detail), &n, msg);
	safe_append(out->detail, sizeof(out->detail), &n, ")");
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void target_outcome_error(struct target_outcome *out, const char *what, const char *err)
{
	const char *reason = "network";

	if (starts(err, "timeout"))
		reason = "timeout";
	else if (starts(err, "connect ") || starts(err, "resolve "))
		reason = "connect";
	else if (starts(err, "send:") || starts(err, "recv:") || starts(err, "TLS: read failed") ||
		 starts(err, "TLS: write failed") || starts(err, "bad response"))
		reason = "reset";
	else if (starts(err, "TLS") || starts(err, "pin:"))
		reason = "tls";
	target_outcome_set(out, TARGET_RETRY, reason, "%s: %s; retrying later", what, err);
}

int target_encode(const char *object, int keep_slash, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (!object[0])
		return -1;
	for (const unsigned char *p = (const unsigned char *)object; *p; p++) {
		int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~", *p) ||
			    (keep_slash && *p == '/');

		if (*p < 0x20 || *p == 0x7f)
			return -1;
		if (o + (plain ? 1 : 3) >= cap)
			return -1;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

void target_https_opts(const struct target_config *cfg, struct https_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ca_file = cfg->ca_file;
	o->timeout_ms = cfg->timeout_ms;
	o->max_body = TARGET_RESPONSE_MAX;
}

struct target *target_open(const struct target_config *cfg, char *err, size_t errlen)
{
	struct target *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->kind = cfg->kind;
	if (cfg->kind == TARGET_PUT)
		t->put = put_open(cfg, err, errlen);
	else
		t->gcs = gcs_open(cfg, err, errlen);
	if (!t->put && !t->gcs) {
		free(t);
		return NULL;
	}
	return t;
}

void target_upload(struct target *t, const char *object, const void *data, size_t len,
		   struct target_outcome *out)
{
	memset(out, 0, sizeof(*out));
	if (t->kind == TARGET_PUT)
		put_upload(t->put, object, data, len, out);
	else
		gcs_upload(t->gcs, object, data, len, out);
}

void target_set_timeout(struct target *t, int timeout_ms)
{
	if (t->kind == TARGET_PUT)
		put_set_timeout(t->put, timeout_ms);
	else
		gcs_set_timeout(t->gcs, timeout_ms);
}

void target_close(struct target *t)
{
	if (!t)
		return;
	put_close(t->put);
	gcs_close(t->gcs);
	free(t);
}
