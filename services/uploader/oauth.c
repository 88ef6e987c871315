/* OAuth 2.0 for a Google service account (RFC 7523 JWT-bearer grant): an
 * RS256 assertion signed with the account's key, exchanged at the token
 * endpoint for a bearer token, cached until 60 s before it expires. The key
 * file is read again for every new token (the platform agent may replace
 * it); the key never leaves this file's buffers, which are wiped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "target_int.h"

#define OAUTH_SCOPE "https://www.googleapis.com/auth/devstorage.read_write"
#define OAUTH_GRANT "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
#define OAUTH_MARGIN_S 60

struct oauth {
	char *key_file;
	char *token_url;	/* NULL: the key's token_uri */
	char token[TARGET_TOKEN_MAX];
	long long valid_until;	/* monotonic milliseconds; 0: no token */
};

/* A string that was a credential (an assertion, a request carrying one). */
static void wipe_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int oauth_token_parse(const char *body, size_t len, struct oauth_token *t, const char **why)
{
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *v;
	const char *s;
	size_t n;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!j) {
		*why = "not JSON";
		return -1;
	}
	if (!json_is_object(j)) {
		*why = "not a JSON object";
		goto out;
	}
	v = json_object_get(j, "access_token");
	if (!json_is_string(v)) {
		*why = v ? "\"access_token\" is not a string" : "no \"access_token\"";
		goto out;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (!s[0] || n >= sizeof(t->access_token)) {
		*why = "\"access_token\" is empty or too long";
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) {
			*why = "\"access_token\" has characters a bearer token does not";
			goto out;
		}
	v = json_object_get(j, "token_type");
	if (v && (!json_is_string(v) || strcasecmp(json_string_value(v), "Bearer") != 0)) {
		*why = "\"token_type\" is not Bearer";
		goto out;
	}
	v = json_object_get(j, "expires_in");
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > 86400 * 7) {
		*why = "\"expires_in\" is not a number of seconds (1 to a week)";
		goto out;
	}
	t->expires_in = (long)json_integer_value(v);
	memcpy(t->access_token, s, n + 1);
	rc = 0;
out:
	json_decref(j);
	return rc;
}

static char *b64url(const unsigned char *p, size_t n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *s = malloc(n / 3 * 4 + 5), *o = s;
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = a[p[i] >> 2];
		*o++ = a[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = a[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = a[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = a[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = a[(p[i] & 3) << 4 | p[i + 1] >> 4];
			*o++ = a[(p[i + 1] & 15) << 2];
		} else {
			*o++ = a[(p[i] & 3) << 4];
		}
	}
	*o = '\0';
	return s;
}

/* RS256 of msg with the PEM key: the base64url signature, or NULL (err). */
static char *rs256(const char *msg, const char *pem, char *err, size_t errlen)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t n = 0;
	char *out = NULL;

	BIO_free(bio);
	if (!k || EVP_PKEY_base_id(k) != EVP_PKEY_RSA)
		snprintf(err, errlen, "\"private_key\" is not an RSA private key in PEM");
	else if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
		 EVP_DigestSign(md, NULL, &n, (const unsigned char *)msg, strlen(msg)) != 1 ||
		 !(sig = malloc(n)) ||
		 EVP_DigestSign(md, sig, &n, (const unsigned char *)msg, strlen(msg)) != 1)
		snprintf(err, errlen, "cannot sign the assertion (OpenSSL)");
	else if (!(out = b64url(sig, n)))
		snprintf(err, errlen, "out of memory");
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return out;
}

/* base64url of a JSON value's compact text, or NULL. */
static char *b64url_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL, *o;

	json_decref(j);
	if (!s)
		return NULL;
	o = b64url((const unsigned char *)s, strlen(s));
	free(s);
	return o;
}

char *oauth_assertion(const char *iss, const char *aud, const char *pkey_pem, long long now,
		      char *err, size_t errlen)
{
	char *h = b64url_json(json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT"));
	char *c = b64url_json(json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", iss, "scope",
					OAUTH_SCOPE, "aud", aud, "iat", (json_int_t)now, "exp",
					(json_int_t)(now + 3600)));
	char *msg = NULL, *sig = NULL, *jwt = NULL;
	size_t n;

	if (!h || !c || !(msg = malloc(strlen(h) + strlen(c) + 2))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	sprintf(msg, "%s.%s", h, c);
	sig = rs256(msg, pkey_pem, err, errlen);
	if (!sig)
		goto out;
	n = strlen(msg) + strlen(sig) + 2;
	if (!(jwt = malloc(n)))
		snprintf(err, errlen, "out of memory");
	else
		snprintf(jwt, n, "%s.%s", msg, sig);
out:
	free(h);
	free(c);
	free(msg);
	free(sig);
	return jwt;
}

/* The key file's JSON; NULL with err naming the file and the fix. */
/* How much of jansson's message to show: up to its " near '...'", which
 * quotes the key file's own text (a piece of the private key). */
static int near_cut(const char *msg)
{
	const char *near = strstr(msg, " near '");

	return (int)(near ? (size_t)(near - msg) : strlen(msg));
}

static json_t *key_load(const char *file, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
	const char *missing = NULL;

	if (!j) {
		if (json_error_code(&je) == json_error_cannot_open_file)
			snprintf(err, errlen, "service-account key %s: %s (the platform agent "
				 "writes it after registering)", file, strerror(errno));
		else
			snprintf(err, errlen, "service-account key %s: not JSON (line %d, column "
				 "%d): %.*s", file, je.line, je.column, near_cut(je.text), je.text);
		return NULL;
	}
	if (!json_is_string(json_object_get(j, "client_email")))
		missing = "client_email";
	else if (!json_is_string(json_object_get(j, "private_key")))
		missing = "private_key";
	if (missing) {
		snprintf(err, errlen, "service-account key %s: no \"%s\" (a Google service "
			 "account's JSON key expected)", file, missing);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Wipe the private key's text before the JSON is freed. */
static void key_free(json_t *j)
{
	json_t *pk = json_object_get(j, "private_key");

	if (json_is_string(pk))
		explicit_bzero((char *)json_string_value(pk), json_string_length(pk));
	json_decref(j);
}

struct oauth *oauth_open(const char *key_file, const char *token_url, char *err, size_t errlen)
{
	json_t *k;
	struct oauth *a;

	if (!key_file || !key_file[0]) {
		snprintf(err, errlen, "GCS target: no service-account key (--service-account-file)");
		return NULL;
	}
	k = key_load(key_file, err, errlen);
	if (!k)
		return NULL;
	if (!token_url && !json_is_string(json_object_get(k, "token_uri"))) {
		snprintf(err, errlen, "service-account key %s: no \"token_uri\" and no --token-url",
			 key_file);
		key_free(k);
		return NULL;
	}
	key_free(k);
	a = calloc(1, sizeof(*a));
	if (!a || !(a->key_file = strdup(key_file)) ||
	    (token_url && !(a->token_url = strdup(token_url)))) {
		oauth_close(a);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return a;
}

/* One token request: 0 with a->token set, or -1 with out. */
static int token_fetch(struct oauth *a, const struct target_config *cfg,
		       struct target_outcome *out)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	char err[256], *jwt, *body;
	const char *url, *why;
	struct https_response r;
	struct https_opts o;
	struct oauth_token t;
	json_t *k = key_load(a->key_file, err, sizeof(err));
	int rc;

	if (!k) {
		target_outcome_set(out, TARGET_AUTH, "key", "%s", err);
		return -1;
	}
	url = a->token_url ? a->token_url : json_string_value(json_object_get(k, "token_uri"));
	if (!url) {
		target_outcome_set(out, TARGET_AUTH, "key", "service-account key %s: no "
				   "\"token_uri\" and no --token-url", a->key_file);
		key_free(k);
		return -1;
	}
	jwt = oauth_assertion(json_string_value(json_object_get(k, "client_email")), url,
			      json_string_value(json_object_get(k, "private_key")),
			      (long long)time(NULL), err, sizeof(err));
	body = jwt ? malloc(sizeof("grant_type=" OAUTH_GRANT "&assertion=") + strlen(jwt)) : NULL;
	if (!body) {
		target_outcome_set(out, TARGET_AUTH, "key", "service-account key %s: %s",
				   a->key_file, jwt ? "out of memory" : err);
		wipe_free(jwt);
		key_free(k);
		return -1;
	}
	sprintf(body, "grant_type=%s&assertion=%s", OAUTH_GRANT, jwt);
	wipe_free(jwt);
	target_https_opts(cfg, &o);
	rc = https_request("POST", url, headers, body, strlen(body), NULL, &o, &r, err,
			   sizeof(err));
	key_free(k);
	wipe_free(body);
	if (rc < 0) {
		target_outcome_error(out, "token request", err);
		return -1;
	}
	rc = -1;
	if (r.status == 400 || r.status == 401)	/* invalid_grant, invalid_client */
		target_outcome_set(out, TARGET_AUTH, "auth", "token request: HTTP %d: the "
				   "service-account key is refused (deleted, or the clock is "
				   "wrong); the platform agent re-registers for a new one", r.status);
	else if (r.status != 200)
		target_outcome_status(out, "token request", r.status);
	if (r.status != 200)
		target_outcome_note(out, r.body, r.len);
	else if (oauth_token_parse(r.body, r.len, &t, &why) < 0)
		target_outcome_set(out, TARGET_RETRY, "token", "token request: bad answer: %s",
				   why);
	else
		rc = 0;
	if (r.body)
		explicit_bzero(r.body, r.len);	/* the access token */
	https_response_free(&r);
	if (rc == 0) {
		memcpy(a->token, t.access_token, sizeof(a->token));
		/* A token that expires within the margin is used once, not cached. */
		a->valid_until = mono_ms() + (t.expires_in > OAUTH_MARGIN_S ?
					      (t.expires_in - OAUTH_MARGIN_S) * 1000LL : 0);
		explicit_bzero(&t, sizeof(t));
	}
	return rc;
}

int oauth_token(struct oauth *a, int fresh, const struct target_config *cfg, char *tok,
		size_t cap, struct target_outcome *out)
{
	if (fresh || !a->token[0] || mono_ms() >= a->valid_until) {
		explicit_bzero(a->token, sizeof(a->token));
		if (token_fetch(a, cfg, out) < 0)
			return -1;
		/* metrics: a token was obtained */
	}
	snprintf(tok, cap, "%s", a->token);
	if (mono_ms() >= a->valid_until)
		explicit_bzero(a->token, sizeof(a->token));
	return 0;
}

void oauth_close(struct oauth *a)
{
	if (!a)
		return;
	explicit_bzero(a->token, sizeof(a->token));
	free(a->key_file);
	free(a->token_url);
	free(a);
}
