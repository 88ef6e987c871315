/* The ACME (RFC 8555) exchange of the platform agent: account, order,
 * http-01 authorization through ndt7's challenge directory, finalize with
 * a CSR, download, and the atomic install of cert.pem and key.pem. */
#include "acme.h"
#include "acme_msg.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/net/https.h"

#define ACME_BODY_MAX (256u << 10)

struct acme {
	const struct acme_opts *o;
	struct https_opts h;
	EVP_PKEY *key;
	char kid[512];			/* the account URL */
	char nonce[512];
	struct acme_directory dir;
	char *err;
	size_t errlen;
	int rate_limited;		/* the server said so (429, rateLimited) */
	long retry_after;		/* its Retry-After in seconds, -1 none */
};

/* A refusal that is a rate limit: noted with its Retry-After. */
static void note_limit(struct acme *a, const struct https_response *r, const char *problem)
{
	if (acme_rate_limited(r->status, problem)) {
		/* metrics: ACME rate limited */
		a->rate_limited = 1;
		a->retry_after = acme_retry_after(r->retry_after, time(NULL));
	}
}

static int fail(struct acme *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->err, a->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int get_nonce(struct acme *a)
{
	struct https_response r = { 0 };
	char e[256];

	if (https_request("GET", a->dir.new_nonce, NULL, NULL, 0, "Replay-Nonce", &a->h, &r, e,
			  sizeof(e)) < 0)
		return fail(a, "ACME newNonce %s: %s", a->dir.new_nonce, e);
	acme_parse_nonce(r.header_extra, a->nonce, sizeof(a->nonce));
	https_response_free(&r);
	return a->nonce[0] ? 0 : fail(a, "ACME newNonce %s: no valid Replay-Nonce",
				      a->dir.new_nonce);
}

/* A signed POST (payload NULL: POST-as-GET); jwk instead of kid before
 * the account exists. A rejected nonce is retried with the fresh one the
 * server sent. 0 with *r (2xx), else -1 with err naming what. */
static int post_hdr(struct acme *a, const char *what, const char *url, const char *payload,
		    int use_jwk, const char *extra, struct https_response *r)
{
	const char *hdr[] = { "Content-Type: application/jose+json", extra, NULL };
	char e[512];
	int tries;

	for (tries = 0; tries < 4; tries++) {
		char *jws;
		int rc;

		if (!a->nonce[0] && get_nonce(a) < 0)
			return -1;
		jws = acme_jws(a->key, use_jwk ? NULL : a->kid, a->nonce, url, payload);
		if (!jws)
			return fail(a, "ACME %s: cannot sign the request (OpenSSL)", what);
		memset(r, 0, sizeof(*r));
		rc = https_request("POST", url, hdr, jws, strlen(jws), "Replay-Nonce", &a->h, r,
				   e, sizeof(e));
		free(jws);
		if (rc < 0)
			return fail(a, "ACME %s %s: %s", what, url, e);
		acme_parse_nonce(r->header_extra, a->nonce, sizeof(a->nonce));
		if (r->status >= 200 && r->status < 300)
			return 0;
		acme_problem(r->status, r->body, r->len, e, sizeof(e));
		note_limit(a, r, e);
		https_response_free(r);
		if (!strstr(e, "urn:ietf:params:acme:error:badNonce"))
			return fail(a, "ACME %s %s: %s", what, url, e);
	}
	return fail(a, "ACME %s %s: nonce refused 4 times", what, url);
}

static int post(struct acme *a, const char *what, const char *url, const char *payload,
		int use_jwk, struct https_response *r)
{
	return post_hdr(a, what, url, payload, use_jwk, NULL, r);
}

static int directory(struct acme *a, const char *url)
{
	struct https_response r = { 0 };
	const char *why = NULL;
	char e[512];
	int rc;

	if (https_request("GET", url, NULL, NULL, 0, NULL, &a->h, &r, e, sizeof(e)) < 0)
		return fail(a, "ACME directory %s: %s", url, e);
	if (r.status != 200) {
		acme_problem(r.status, r.body, r.len, e, sizeof(e));
		note_limit(a, &r, e);
		https_response_free(&r);
		return fail(a, "ACME directory %s: %s", url, e);
	}
	rc = acme_parse_directory(r.body, r.len, &a->dir, &why);
	https_response_free(&r);
	return rc < 0 ? fail(a, "ACME directory %s: %s", url, why) : 0;
}

/* New account, or the existing one of this key (RFC 8555 7.3: 200 or 201,
 * its URL in Location). */
static int account(struct acme *a)
{
	struct https_response r;

	if (post(a, "newAccount", a->dir.new_account, "{\"termsOfServiceAgreed\":true}", 1,
		 &r) < 0)
		return -1;
	acme_parse_location(r.location, a->kid, sizeof(a->kid));
	https_response_free(&r);
	return a->kid[0] ? 0 : fail(a, "ACME newAccount: no valid Location (account URL)");
}

/* POST-as-GET url until its status is until (0, *r holds that response)
 * and not past the pending ones (-1). */
static int poll(struct acme *a, const char *what, const char *url, enum acme_status until,
		struct https_response *r)
{
	int tries = a->o->poll_tries > 0 ? a->o->poll_tries : 30, i;

	for (i = 0; i < tries; i++) {
		struct acme_state s;
		const char *why = NULL;
		int step;

		if (i)
			sleep(1);
		if (post(a, what, url, NULL, 0, r) < 0)
			return -1;
		if (acme_parse_state(r->body, r->len, &s, &why) < 0) {
			https_response_free(r);
			return fail(a, "ACME %s %s: %s", what, url, why);
		}
		if ((step = acme_poll_step(&s, until)) > 0)
			return 0;
		https_response_free(r);
		if (step < 0)
			return fail(a, "ACME %s %s: status %s%s%s", what, url, s.status,
				    s.detail[0] ? ": " : "", s.detail);
	}
	return fail(a, "ACME %s %s: not %s after %d tries", what, url,
		    until == ACME_ST_VALID ? "valid" : "done", tries);
}

static int write_file(const char *path, const void *p, size_t n, mode_t mode, int gid)
{
	char tmp[4096];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, p, n) == (ssize_t)n && (gid < 0 || fchown(fd, (uid_t)-1, (gid_t)gid) == 0) &&
	     fchmod(fd, mode) == 0 && fsync(fd) == 0;
	if (close(fd) < 0 || !ok || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		errno = e;
		return -1;
	}
	/* The rename on disk too: after a power cut the old file or the new. */
	snprintf(tmp, sizeof(tmp), "%s", path);
	fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

/* One authorization: answer its http-01 challenge until it is valid. */
static int authorize(struct acme *a, const char *url, const char *thumb)
{
	char keyauth[512], path[4096];
	struct https_response r;
	struct acme_authz z;
	const char *why = NULL;
	int rc;

	if (post(a, "authorization", url, NULL, 0, &r) < 0)
		return -1;
	rc = acme_parse_authz(r.body, r.len, &z, &why);
	https_response_free(&r);
	if (rc < 0)
		return fail(a, "ACME authorization %s: %s", url, why);
	if (z.s.st == ACME_ST_VALID)
		return 0;
	if (!z.http01)
		return fail(a, "ACME authorization %s: no usable http-01 challenge", url);
	snprintf(keyauth, sizeof(keyauth), "%s.%s", z.token, thumb);
	snprintf(path, sizeof(path), "%s/%s", a->o->challenge_dir, z.token);
	if (write_file(path, keyauth, strlen(keyauth), 0644, -1) < 0)
		return fail(a, "ACME challenge file %s: %s (is --acme-challenge-dir writable?)",
			    path, strerror(errno));
	rc = post(a, "challenge", z.url, "{}", 0, &r);
	if (rc == 0) {
		https_response_free(&r);
		rc = poll(a, "authorization", url, ACME_ST_VALID, &r);
		if (rc == 0)
			https_response_free(&r);
	}
	unlink(path);
	return rc;
}

/* A CSR for domain signed by key, DER, base64url into out. */
static int csr(EVP_PKEY *key, const char *domain, char *out, size_t cap)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *san = NULL;
	unsigned char *der = NULL;
	char sans[300];
	int n = -1, rc = -1;

	snprintf(sans, sizeof(sans), "DNS:%s", domain);
	if (req && name && exts &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)domain,
				       -1, -1, 0) &&
	    X509_REQ_set_subject_name(req, name) && X509_REQ_set_pubkey(req, key) &&
	    (san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sans)) &&
	    sk_X509_EXTENSION_push(exts, san) && X509_REQ_add_extensions(req, exts) &&
	    X509_REQ_sign(req, key, EVP_sha256()) > 0 && (n = i2d_X509_REQ(req, &der)) > 0)
		rc = acme_b64url(der, (size_t)n, out, cap) < 0 ? -1 : 0;
	OPENSSL_free(der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return rc;
}

/* The new key and the chain into tls_dir: key.pem first, then cert.pem
 * (ndt7 reloads when both are there and match). */
static int install(struct acme *a, EVP_PKEY *key, const char *chain, size_t n)
{
	char path[4096], *pem = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	long len;
	int rc = -1;

	if (!b || !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) ||
	    (len = BIO_get_mem_data(b, &pem)) <= 0) {
		BIO_free(b);
		return fail(a, "cannot encode the new certificate key (OpenSSL)");
	}
	snprintf(path, sizeof(path), "%s/key.pem", a->o->tls_dir);
	if (write_file(path, pem, (size_t)len, 0640, a->o->key_gid) < 0)
		fail(a, "cannot write %s: %s", path, strerror(errno));
	else if (snprintf(path, sizeof(path), "%s/cert.pem", a->o->tls_dir) < 0 ||
		 write_file(path, chain, n, 0644, -1) < 0)
		fail(a, "cannot write %s: %s", path, strerror(errno));
	else
		rc = 0;
	BIO_free(b);
	return rc;
}

static int order(struct acme *a)
{
	static const char *const pem_accept[] = { "Accept: application/pem-certificate-chain",
						  NULL };
	char payload[512], thumb[64], ourl[ACME_URL_MAX], e[512], *csr64 = NULL;
	struct https_response r;
	struct acme_order o;
	EVP_PKEY *ckey = NULL;
	const char *why = NULL, *cert;
	size_t i, cap = 4096;
	int rc = -1;

	snprintf(payload, sizeof(payload),
		 "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"%s\"}]}", a->o->domain);
	if (acme_thumbprint(a->key, thumb, sizeof(thumb)) < 0)
		return fail(a, "cannot compute the account key's thumbprint (OpenSSL)");
	if (post(a, "newOrder", a->dir.new_order, payload, 0, &r) < 0)
		return -1;
	acme_parse_location(r.location, ourl, sizeof(ourl));
	rc = acme_parse_order(r.body, r.len, &o, &why);
	https_response_free(&r);
	if (rc < 0 || !ourl[0])
		return fail(a, "ACME newOrder %s: %s", a->dir.new_order,
			    rc < 0 ? why : "no valid Location (order URL)");
	rc = -1;
	for (i = 0; i < o.nauthz; i++)
		if (authorize(a, o.authz[i], thumb) < 0)
			return -1;
	if (!(ckey = acme_key_new()) || !(csr64 = malloc(cap)) ||
	    csr(ckey, a->o->domain, csr64, cap) < 0) {
		fail(a, "cannot make the certificate key and request (OpenSSL)");
		goto out;
	}
	{
		size_t need = strlen(csr64) + 16;
		char *p = malloc(need);

		if (!p)
			goto out;
		snprintf(p, need, "{\"csr\":\"%s\"}", csr64);
		rc = post(a, "finalize", o.finalize, p, 0, &r);
		free(p);
		if (rc < 0)
			goto out;
		rc = -1;
		https_response_free(&r);
	}
	if (poll(a, "order", ourl, ACME_ST_VALID, &r) < 0)
		goto out;
	i = acme_parse_order(r.body, r.len, &o, &why) < 0 || !o.certificate[0];
	https_response_free(&r);
	if (i) {
		fail(a, "ACME order %s: valid without a certificate URL", ourl);
		goto out;
	}
	cert = o.certificate;
	/* POST-as-GET with an Accept header, a rejected nonce retried as
	 * every other request's (pebble rejects some on purpose). */
	if (post_hdr(a, "certificate", cert, NULL, 0, pem_accept[0], &r) < 0)
		goto out;
	if (r.status != 200 || acme_parse_chain(r.body, r.len, a->o->domain, &why) < 0) {
		fail(a, "ACME certificate %s: %s", cert, r.status != 200 ?
		     acme_problem(r.status, r.body, r.len, e, sizeof(e)) : why);
		https_response_free(&r);
		goto out;
	}
	rc = install(a, ckey, r.body, r.len);
	https_response_free(&r);
out:
	free(csr64);
	EVP_PKEY_free(ckey);
	return rc;
}

int acme_obtain(const struct acme_opts *o, long *retry_s, char *err, size_t errlen)
{
	struct acme a = { .o = o, .err = err, .errlen = errlen, .retry_after = -1 };
	char keypath[4096];
	int rc;

	err[0] = '\0';
	if (!o->domain || !o->challenge_dir || !o->tls_dir) {
		snprintf(err, errlen, "ACME: domain, challenge directory and TLS directory needed");
		return -1;
	}
	a.h = (struct https_opts){ .ca_file = o->ca_file, .timeout_ms = 30000,
				   .max_body = ACME_BODY_MAX };
	if (o->account_key)
		snprintf(keypath, sizeof(keypath), "%s", o->account_key);
	else
		snprintf(keypath, sizeof(keypath), "%s/../acme-account.pem", o->tls_dir);
	if (!(a.key = acme_key_load(keypath, err, errlen)))
		return -1;
	rc = directory(&a, o->directory ? o->directory : ACME_DIRECTORY_DEFAULT) < 0 ||
	     account(&a) < 0 || order(&a) < 0 ? -1 : 0;
	EVP_PKEY_free(a.key);
	if (retry_s)
		*retry_s = a.retry_after;
	return rc < 0 && a.rate_limited ? -2 : rc;
}

int acme_needs_renewal(const char *cert_path, time_t now)
{
	FILE *f = fopen(cert_path, "re");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	time_t limit = now + (time_t)ACME_RENEW_DAYS * 86400;
	int rc = 1;

	if (f)
		fclose(f);
	if (x && X509_cmp_time(X509_get0_notAfter(x), &limit) > 0)
		rc = 0;
	X509_free(x);
	return rc;
}
