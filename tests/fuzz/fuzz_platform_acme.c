/* libFuzzer target for services/platform/acme_msg.c: what an ACME server
 * (or whoever answers in its place) sends the platform agent. The first
 * byte picks what the rest is: 0 a directory, 1 an order, 2 an
 * authorization, 3 a polled resource's status, 4 a problem document, 5 a
 * Replay-Nonce / Location / Retry-After value, 6 a PEM certificate chain. Bodies are
 * passed in a buffer of their exact size (no NUL: ASan sees an overread).
 * Checks the promises of acme_msg.h: URLs and tokens non-empty and bounded,
 * a token only base64url characters (it becomes a file name), error text
 * one line, the poll decision following the status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme_msg.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* s is a NUL-terminated string within cap, one line. */
static void line(const char *s, size_t cap)
{
	size_t i;

	for (i = 0; i < cap && s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	if (i == cap)
		abort();
}

static void url(const char *s)
{
	line(s, ACME_URL_MAX);
	if (!s[0] || strchr(s, ' '))
		abort();
}

static void state(const struct acme_state *s)
{
	int step = acme_poll_step(s, ACME_ST_VALID);

	line(s->status, sizeof(s->status));
	line(s->detail, sizeof(s->detail));
	if ((step == 1) != (s->st == ACME_ST_VALID) ||
	    (step == 0) != (s->st == ACME_ST_PENDING || s->st == ACME_ST_READY ||
			    s->st == ACME_ST_PROCESSING))
		abort();
}

static void messages(int kind, const char *p, size_t n)
{
	struct acme_directory d;
	struct acme_order o;
	struct acme_authz z;
	struct acme_state s;
	const char *why = NULL;
	char buf[300];
	size_t i;
	int rc;

	switch (kind) {
	case 0:
		if (acme_parse_directory(p, n, &d, &why) == 0) {
			url(d.new_nonce);
			url(d.new_account);
			url(d.new_order);
		} else if (!why) {
			abort();
		}
		break;
	case 1:
		if (acme_parse_order(p, n, &o, &why) < 0) {
			if (!why)
				abort();
			break;
		}
		url(o.finalize);
		line(o.certificate, sizeof(o.certificate));
		if (!o.nauthz || o.nauthz > ACME_AUTHZ_MAX)
			abort();
		for (i = 0; i < o.nauthz; i++)
			url(o.authz[i]);
		state(&o.s);
		break;
	case 2:
		if (acme_parse_authz(p, n, &z, &why) < 0)
			break;
		state(&z.s);
		if (z.http01) {
			url(z.url);
			line(z.token, sizeof(z.token));
			if (!z.token[0] || strspn(z.token, b64url) != strlen(z.token))
				abort();
		}
		break;
	case 3:
		if (acme_parse_state(p, n, &s, &why) == 0)
			state(&s);
		break;
	case 4:
		acme_problem(n % 600, p, n, buf, sizeof(buf));
		line(buf, sizeof(buf));
		if (strncmp(buf, "HTTP ", 5) != 0)
			abort();
		break;
	default:
		rc = acme_parse_chain(p, n, n % 2 ? "node1.example.org" : NULL, &why);
		if (rc == 0 || (rc < 0 && !why))
			abort();
	}
}

static void headers(const char *v)
{
	char out[ACME_URL_MAX];

	if (acme_parse_nonce(v, out, sizeof(out)) == 0) {
		if (!out[0] || strspn(out, b64url) != strlen(out) || strcmp(out, v))
			abort();
	} else if (out[0]) {
		abort();
	}
	if (acme_parse_location(v, out, sizeof(out)) == 0) {
		url(out);
		if (strchr(out, ' ') || (strncmp(out, "https://", 8) && strncmp(out, "http://", 7)))
			abort();
	} else if (out[0]) {
		abort();
	}
	/* Retry-After: -1 or a delay, never negative otherwise; rateLimited
	 * recognised in any problem line. */
	if (acme_retry_after(v, 1700000000) < -1 || acme_rate_limited(200, v) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int kind;
	char *p;

	if (size < 1)
		return 0;
	kind = data[0] % 7;
	p = malloc(kind == 5 || size == 1 ? size : size - 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, size - 1);
	if (kind == 5) {
		p[size - 1] = '\0';
		headers(p);
	} else {
		messages(kind, p, size - 1);
	}
	free(p);
	return 0;
}
