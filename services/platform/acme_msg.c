/* The ACME server's messages (RFC 8555), parsed without I/O so that the
 * unit test and the fuzz target reach every line acme.c trusts: JSON
 * objects through jansson, headers by character class, the chain through
 * OpenSSL's PEM reader. */
#define _GNU_SOURCE	/* timegm */
#include "acme_msg.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* body as a JSON object, or NULL with *why. */
static json_t *object(const char *body, size_t n, const char **why)
{
	json_t *j = body ? json_loadb(body, n, 0, NULL) : NULL;

	if (!json_is_object(j)) {
		json_decref(j);
		*why = "the response is not a JSON object";
		return NULL;
	}
	return j;
}

/* Copy s into out (cap bytes), control bytes as '?', cut to fit. */
static void copy_line(const char *s, char *out, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < cap; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (cap)
		out[i] = '\0';
}

/* The JSON string v (a URL or a token) into out; -1 if missing, not a
 * string, empty, too long or with a space or control byte (it would go
 * into a request line: no header injection by the server's JSON). */
static int copy_val(json_t *v, char *out, size_t cap)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	size_t i;

	if (!s || !len || len >= cap)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(out, s, len + 1);
	return 0;
}

static int copy_str(json_t *j, const char *name, char *out, size_t cap)
{
	return copy_val(json_object_get(j, name), out, cap);
}

/* How many times "-----BEGIN " occurs in p[0..n). */
static int pem_blocks(const char *p, size_t n)
{
	static const char begin[] = "-----BEGIN ";
	size_t i;
	int k = 0;

	for (i = 0; i + sizeof(begin) - 1 <= n; i++)
		if (p[i] == '-' && memcmp(p + i, begin, sizeof(begin) - 1) == 0)
			k++;
	return k;
}

int acme_parse_directory(const char *body, size_t n, struct acme_directory *d,
			 const char **why)
{
	json_t *j = object(body, n, why);
	int bad;

	memset(d, 0, sizeof(*d));
	if (!j)
		return -1;
	bad = copy_str(j, "newNonce", d->new_nonce, sizeof(d->new_nonce)) < 0 ||
	      copy_str(j, "newAccount", d->new_account, sizeof(d->new_account)) < 0 ||
	      copy_str(j, "newOrder", d->new_order, sizeof(d->new_order)) < 0;
	json_decref(j);
	if (bad)
		*why = "newNonce, newAccount or newOrder missing";
	return bad ? -1 : 0;
}

enum acme_status acme_status_of(const char *w)
{
	static const char *const names[] = {
		[ACME_ST_PENDING] = "pending", [ACME_ST_READY] = "ready",
		[ACME_ST_PROCESSING] = "processing", [ACME_ST_VALID] = "valid",
		[ACME_ST_INVALID] = "invalid", [ACME_ST_DEACTIVATED] = "deactivated",
		[ACME_ST_EXPIRED] = "expired", [ACME_ST_REVOKED] = "revoked",
	};
	size_t i;

	if (!w)
		return ACME_ST_NONE;
	for (i = ACME_ST_PENDING; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(w, names[i]) == 0)
			return (enum acme_status)i;
	return ACME_ST_UNKNOWN;
}

static void state_of(json_t *j, struct acme_state *s)
{
	const char *st = json_string_value(json_object_get(j, "status"));
	const char *d = json_string_value(json_object_get(json_object_get(j, "error"), "detail"));
	json_t *ch;
	size_t k;

	json_array_foreach(json_object_get(j, "challenges"), k, ch)
		if (!d)
			d = json_string_value(json_object_get(json_object_get(ch, "error"),
							      "detail"));
	s->st = acme_status_of(st);
	copy_line(st ? st : "(none)", s->status, sizeof(s->status));
	copy_line(d ? d : "", s->detail, sizeof(s->detail));
}

int acme_parse_state(const char *body, size_t n, struct acme_state *s, const char **why)
{
	json_t *j = object(body, n, why);

	memset(s, 0, sizeof(*s));
	if (!j)
		return -1;
	state_of(j, s);
	json_decref(j);
	return 0;
}

int acme_poll_step(const struct acme_state *s, enum acme_status until)
{
	if (s->st == until)
		return 1;
	return s->st == ACME_ST_PENDING || s->st == ACME_ST_PROCESSING ||
			       s->st == ACME_ST_READY ? 0 : -1;
}

int acme_parse_order(const char *body, size_t n, struct acme_order *o, const char **why)
{
	json_t *j = object(body, n, why), *az, *c;
	size_t i;

	memset(o, 0, sizeof(*o));
	if (!j)
		return -1;
	state_of(j, &o->s);
	az = json_object_get(j, "authorizations");
	c = json_object_get(j, "certificate");
	if (copy_str(j, "finalize", o->finalize, sizeof(o->finalize)) < 0)
		*why = "no finalize URL";
	else if (!json_is_array(az) || !json_array_size(az))
		*why = "no authorizations";
	else if (json_array_size(az) > ACME_AUTHZ_MAX)
		*why = "too many authorizations for one name";
	else if (c && copy_str(j, "certificate", o->certificate, sizeof(o->certificate)) < 0)
		*why = "a certificate URL that is not a string URL";
	else
		*why = NULL;
	for (i = 0; !*why && i < json_array_size(az); i++)
		if (copy_val(json_array_get(az, i), o->authz[o->nauthz], ACME_URL_MAX) < 0)
			*why = "bad authorization URL";
		else
			o->nauthz++;
	json_decref(j);
	return *why ? -1 : 0;
}

int acme_parse_authz(const char *body, size_t n, struct acme_authz *z, const char **why)
{
	json_t *j = object(body, n, why), *ch, *http01;
	size_t i;

	memset(z, 0, sizeof(*z));
	if (!j)
		return -1;
	http01 = json_string("http-01");
	state_of(j, &z->s);
	json_array_foreach(json_object_get(j, "challenges"), i, ch) {
		if (z->http01 || !json_is_object(ch) ||
		    !json_equal(json_object_get(ch, "type"), http01))
			continue;
		if (copy_str(ch, "token", z->token, sizeof(z->token)) == 0 &&
		    strspn(z->token, b64url) == strlen(z->token) &&
		    copy_str(ch, "url", z->url, sizeof(z->url)) == 0)
			z->http01 = 1;
		else
			z->token[0] = z->url[0] = '\0';
	}
	json_decref(http01);
	json_decref(j);
	return 0;
}

const char *acme_problem(int status, const char *body, size_t n, char *buf, size_t cap)
{
	json_t *j = body ? json_loadb(body, n, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(j, "type"));
	const char *d = json_string_value(json_object_get(j, "detail"));
	char line[1024];

	snprintf(line, sizeof(line), "HTTP %d%s%s%s%s", status, t ? " " : "", t ? t : "",
		 d ? ": " : "", d ? d : "");
	copy_line(line, buf, cap);
	json_decref(j);
	return buf;
}

int acme_parse_nonce(const char *v, char *out, size_t cap)
{
	size_t len = v ? strlen(v) : 0;

	if (cap)
		out[0] = '\0';
	if (!len || len >= cap || strspn(v, b64url) != len)
		return -1;
	memcpy(out, v, len + 1);
	return 0;
}

int acme_parse_location(const char *v, char *out, size_t cap)
{
	size_t len = v ? strlen(v) : 0, i;

	if (cap)
		out[0] = '\0';
	if (!len || len >= cap ||
	    (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0))
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return -1;
	memcpy(out, v, len + 1);
	return 0;
}

int acme_parse_chain(const char *pem, size_t n, const char *domain, const char **why)
{
	BIO *b = n <= 0x7fffffff ? BIO_new_mem_buf(pem, (int)n) : NULL;
	X509 *x;
	int count = 0, leaf_ok = !domain;

	*why = NULL;
	if (!b) {
		*why = "cannot read the chain (OpenSSL)";
		return -1;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		if (!count && domain && X509_check_host(x, domain, 0, 0, NULL) == 1)
			leaf_ok = 1;
		X509_free(x);
		count++;
	}
	/* The reader skips blocks of other types and stops at a broken one:
	 * every BEGIN line must have been a certificate. */
	if (pem_blocks(pem, n) != count)
		*why = "a PEM block that is not a certificate (or a broken one)";
	else if (!count)
		*why = "no certificate in the chain";
	else if (!leaf_ok)
		*why = "the first certificate is not for the ordered name";
	ERR_clear_error();
	BIO_free(b);
	return *why ? -1 : count;
}

long acme_retry_after(const char *v, time_t now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char wday[4], mon[4], gmt[4];
	const char *m;
	struct tm tm = { 0 };
	long secs = 0;
	int used = -1;
	time_t t;

	if (!v || !*v)
		return -1;
	if (strspn(v, "0123456789") == strlen(v)) {
		for (; *v; v++) {
			if (secs > 100000000L)
				return 100000000L;	/* years: the caller caps it anyway */
			secs = secs * 10 + (*v - '0');
		}
		return secs;
	}
	if (sscanf(v, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", wday, &tm.tm_mday,
		   mon, &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, gmt, &used) != 8 ||
	    used < 0 || v[used] != '\0' || strcmp(gmt, "GMT") != 0 || strlen(mon) != 3)
		return -1;
	m = strstr(months, mon);
	if (!m || (m - months) % 3 != 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_year < 1970 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_mon = (int)((m - months) / 3);
	tm.tm_year -= 1900;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return t <= now ? 0 : (long)(t - now);
}

int acme_rate_limited(int status, const char *problem)
{
	return status == 429 ||
	       (problem && strstr(problem, "urn:ietf:params:acme:error:rateLimited") != NULL);
}
