/* Access token verification (token.h): the JWS compact form split and
 * decoded, the header's alg and kid matched to a key, the signature
 * checked by OpenSSL EVP, then the claims (iss, aud, exp, nbf, iat, sub). */
#include "token.h"

#include <string.h>

#include "http.h"

#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#define SIG_MAX 1024		/* RS256 with an 8192-bit key */

static const char *const reason_names[TOKEN_REASONS] = {
	[TOKEN_OK] = "ok", [TOKEN_MISSING] = "missing", [TOKEN_MALFORMED] = "malformed",
	[TOKEN_TOO_LARGE] = "too-large", [TOKEN_ALGORITHM] = "algorithm",
	[TOKEN_UNKNOWN_KEY] = "unknown-key", [TOKEN_SIGNATURE] = "signature",
	[TOKEN_ISSUER_BAD] = "issuer", [TOKEN_AUDIENCE] = "audience",
	[TOKEN_EXPIRED] = "expired", [TOKEN_NOT_YET_VALID] = "not-yet-valid",
};

const char *token_reason_name(enum token_reason r)
{
	return (unsigned)r < TOKEN_REASONS ? reason_names[r] : "?";
}

static const char *const reason_messages[TOKEN_REASONS] = {
	[TOKEN_OK] = "access token accepted",
	[TOKEN_MISSING] = "access token required (missing: get one from M-Lab's Locate service, "
		"as the access_token query parameter)",
	[TOKEN_MALFORMED] = "access token refused (malformed): not a JWT",
	[TOKEN_TOO_LARGE] = "access token refused (too-large): over 8192 bytes",
	[TOKEN_ALGORITHM] = "access token refused (algorithm): not EdDSA, ES256 or RS256 "
		"of the key it names",
	[TOKEN_UNKNOWN_KEY] = "access token refused (unknown-key): no verify key for its kid",
	[TOKEN_SIGNATURE] = "access token refused (signature): the signature does not verify",
	[TOKEN_ISSUER_BAD] = "access token refused (issuer): not issued by locate",
	[TOKEN_AUDIENCE] = "access token refused (audience): issued for another machine",
	[TOKEN_EXPIRED] = "access token refused (expired)",
	[TOKEN_NOT_YET_VALID] = "access token refused (not-yet-valid): nbf or iat is in the future",
};

const char *token_reason_message(enum token_reason r)
{
	return (unsigned)r < TOKEN_REASONS ? reason_messages[r] : "access token refused";
}

/* A base64url part that is the JSON text of an object, or NULL. */
static json_t *part_object(const char *s, size_t n)
{
	unsigned char buf[TOKEN_MAX];
	ssize_t len = b64url_decode(s, n, buf, sizeof(buf));
	json_t *o = len < 0 ? NULL : json_loadb((const char *)buf, (size_t)len,
						 JSON_REJECT_DUPLICATES, NULL);

	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* JWS ES256 signatures are r || s, 32 bytes each; OpenSSL verifies DER.
 * Returns the DER length in der[0..cap), or 0. */
static size_t es256_der(const unsigned char *sig, unsigned char *der, size_t cap)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *p = der;
	int len = 0;

	if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL;	/* es owns them now */
		if (i2d_ECDSA_SIG(es, NULL) <= (int)cap)
			len = i2d_ECDSA_SIG(es, &p);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return len > 0 ? (size_t)len : 0;
}

/* Whether sig[0..slen) is k's signature of msg[0..mlen). */
static int sig_verify(const struct jwk *k, const char *msg, size_t mlen,
		      const unsigned char *sig, size_t slen)
{
	unsigned char der[80];
	EVP_MD_CTX *ctx;
	int ok;

	if (k->alg == JWK_ES256) {
		if (slen != 64 || !(slen = es256_der(sig, der, sizeof(der))))
			return 0;
		sig = der;
	}
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, k->alg == JWK_EDDSA ? NULL : EVP_sha256(),
					 NULL, k->pkey) == 1 &&
		EVP_DigestVerify(ctx, sig, slen, (const unsigned char *)msg, mlen) == 1;
	EVP_MD_CTX_free(ctx);
	/* A failed check leaves errors queued; TLS (SSL_get_error) must not
	 * see them later in this process. */
	ERR_clear_error();
	return ok;
}

/* The header's alg and kid against the keys, then the signature over
 * tok[0..signed_len) with every key that may have made it. */
static enum token_reason signature_check(json_t *hdr, const struct jwk_set *keys,
					 const char *tok, size_t signed_len,
					 const char *sig64, size_t sig64_len)
{
	json_t *alg = json_object_get(hdr, "alg"), *kid = json_object_get(hdr, "kid");
	unsigned char sig[SIG_MAX];
	ssize_t slen;
	int a, i, tried = 0;

	if (!json_is_string(alg) || (kid && !json_is_string(kid)) || json_object_get(hdr, "crit"))
		return TOKEN_MALFORMED;	/* no extension ("crit") is understood here */
	a = jwk_alg_parse(json_string_value(alg));
	if (a < 0)
		return TOKEN_ALGORITHM;	/* none, HS256, PS256, ... */
	slen = b64url_decode(sig64, sig64_len, sig, sizeof(sig));
	if (slen < 0)
		return TOKEN_MALFORMED;
	for (i = 0; i < keys->n; i++) {
		const struct jwk *k = &keys->keys[i];

		if (kid && strcmp(k->kid, json_string_value(kid)) != 0)
			continue;
		if (kid && (int)k->alg != a)
			return TOKEN_ALGORITHM;
		if ((int)k->alg != a)
			continue;
		tried++;
		if (sig_verify(k, tok, signed_len, sig, (size_t)slen))
			return TOKEN_OK;
	}
	return tried ? TOKEN_SIGNATURE : TOKEN_UNKNOWN_KEY;
}

/* aud: a string or an array of strings, one of them machine. */
static int audience_has(json_t *aud, const char *machine)
{
	size_t i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), machine) == 0;
	for (i = 0; i < json_array_size(aud); i++)
		if (json_is_string(json_array_get(aud, i)) &&
		    strcmp(json_string_value(json_array_get(aud, i)), machine) == 0)
			return 1;
	return 0;
}

/* The claims, with no leeway: upstream (m-lab/access) allows none either. */
static enum token_reason claims_check(json_t *c, const char *machine, int64_t now,
				      int *monitoring)
{
	json_t *iss = json_object_get(c, "iss"), *aud = json_object_get(c, "aud");
	json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf");
	json_t *iat = json_object_get(c, "iat"), *sub = json_object_get(c, "sub");

	if ((exp && !json_is_number(exp)) || (nbf && !json_is_number(nbf)) ||
	    (iat && !json_is_number(iat)) || (sub && !json_is_string(sub)) ||
	    (aud && !json_is_string(aud) && !json_is_array(aud)))
		return TOKEN_MALFORMED;
	if (!json_is_string(iss) || strcmp(json_string_value(iss), TOKEN_ISSUER) != 0)
		return TOKEN_ISSUER_BAD;
	if (!audience_has(aud, machine))
		return TOKEN_AUDIENCE;
	if (!exp || json_number_value(exp) <= (double)now)
		return TOKEN_EXPIRED;
	if ((nbf && json_number_value(nbf) > (double)now) ||
	    (iat && json_number_value(iat) > (double)now))
		return TOKEN_NOT_YET_VALID;
	*monitoring = sub && strcmp(json_string_value(sub), TOKEN_MONITORING) == 0;
	return TOKEN_OK;
}

enum token_reason token_verify(const struct jwk_set *keys, const char *tok, size_t n,
			       const char *machine, int64_t now, int *monitoring)
{
	const char *d1, *d2;
	json_t *hdr, *claims = NULL;
	enum token_reason r;

	*monitoring = 0;
	if (n == 0)
		return TOKEN_MISSING;
	if (n > TOKEN_MAX)
		return TOKEN_TOO_LARGE;
	d1 = memchr(tok, '.', n);
	d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok)) : NULL;
	if (!d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - tok)))
		return TOKEN_MALFORMED;
	hdr = part_object(tok, (size_t)(d1 - tok));
	if (!hdr)
		return TOKEN_MALFORMED;
	r = signature_check(hdr, keys, tok, (size_t)(d2 - tok), d2 + 1,
			    n - (size_t)(d2 + 1 - tok));
	if (r == TOKEN_OK) {
		claims = part_object(d1 + 1, (size_t)(d2 - d1 - 1));
		r = claims ? claims_check(claims, machine, now, monitoring) : TOKEN_MALFORMED;
	}
	json_decref(claims);
	json_decref(hdr);
	return r;
}

enum token_reason token_admit(const struct jwk_set *keys, const char *machine, int required,
			      const char *query, size_t n, int64_t now, int *monitoring,
			      int *given)
{
	char tok[NDT7_QUERY_MAX + 1];
	int len = ndt7_query_get(query, n, NDT7_TOKEN_PARAM, tok, sizeof(tok));

	*monitoring = 0;
	*given = len != 0;
	if (len < 0)
		return TOKEN_MALFORMED;
	if (len == 0)
		return required ? TOKEN_MISSING : TOKEN_OK;
	return token_verify(keys, tok, (size_t)len, machine, now, monitoring);
}
