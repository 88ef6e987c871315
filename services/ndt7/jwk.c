/* JSON Web Keys for access tokens (jwk.h): strict base64url, JWK and JWK
 * Set JSON by jansson, the public keys made by OpenSSL's EVP_PKEY_fromdata. */
#include "jwk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#define RSA_BITS_MIN 2048
#define MEMBER_MAX 1024		/* decoded bytes of one key member (RSA n: 8192 bits) */

static const char *const alg_names[JWK_ALGS] = { "EdDSA", "ES256", "RS256" };

const char *jwk_alg_name(enum jwk_alg alg)
{
	return (unsigned)alg < JWK_ALGS ? alg_names[alg] : "?";
}

int jwk_alg_parse(const char *name)
{
	int i;

	for (i = 0; i < JWK_ALGS; i++)
		if (strcmp(name, alg_names[i]) == 0)
			return i;
	return -1;
}

static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

ssize_t b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	unsigned acc = 0;
	size_t i, len = 0;
	int bits = 0;

	if (n % 4 == 1 || n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > cap)
		return -1;
	for (i = 0; i < n; i++) {
		int v = b64url_value(s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (unsigned char)(acc >> bits);
		}
	}
	/* Canonical: the bits left over are zero. */
	if (acc & ((1u << bits) - 1))
		return -1;
	return (ssize_t)len;
}

static int fail(char *err, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

/* Member name of o: a base64url string decoding to want bytes (any up to
 * MEMBER_MAX if want is 0). Returns the length or -1 (err set). */
static ssize_t member_bytes(json_t *o, const char *name, unsigned char *out, size_t want,
			    char *err, size_t cap)
{
	const char *s = json_string_value(json_object_get(o, name));
	ssize_t n;

	if (!s)
		return fail(err, cap, "\"%s\" is missing or not a string", name);
	n = b64url_decode(s, strlen(s), out, MEMBER_MAX);
	if (n < 0)
		return fail(err, cap, "\"%s\" is not unpadded base64url of at most %d bytes", name,
			    MEMBER_MAX);
	if (want && (size_t)n != want)
		return fail(err, cap, "\"%s\" must be %zu bytes, not %zd", name, want, n);
	return n;
}

/* A public key of type name ("EC", "RSA") from params; NULL if OpenSSL
 * does not take it as one. */
static EVP_PKEY *pkey_fromdata(const char *name, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1) {
		check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
		if (!check || EVP_PKEY_public_check(check) != 1) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();	/* what a refused key queued: not for TLS to find later */
	return pkey;
}

static int key_okp(json_t *o, struct jwk *k, char *err, size_t cap)
{
	unsigned char x[MEMBER_MAX];
	const char *crv = json_string_value(json_object_get(o, "crv"));

	if (!crv || strcmp(crv, "Ed25519") != 0)
		return fail(err, cap, "an OKP key's \"crv\" must be Ed25519");
	if (member_bytes(o, "x", x, 32, err, cap) < 0)
		return -1;
	k->alg = JWK_EDDSA;
	k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, 32);
	return k->pkey ? 0 : fail(err, cap, "\"x\" is not an Ed25519 public key");
}

static int key_ec(json_t *o, struct jwk *k, char *err, size_t cap)
{
	unsigned char pub[1 + 2 * MEMBER_MAX];
	const char *crv = json_string_value(json_object_get(o, "crv"));
	char group[] = "prime256v1";
	OSSL_PARAM params[3];

	if (!crv || strcmp(crv, "P-256") != 0)
		return fail(err, cap, "an EC key's \"crv\" must be P-256");
	pub[0] = 4;	/* uncompressed point: x then y */
	if (member_bytes(o, "x", pub + 1, 32, err, cap) < 0 ||
	    member_bytes(o, "y", pub + 33, 32, err, cap) < 0)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, 65);
	params[2] = OSSL_PARAM_construct_end();
	k->alg = JWK_ES256;
	k->pkey = pkey_fromdata("EC", params);
	return k->pkey ? 0 : fail(err, cap, "\"x\", \"y\" is not a point on P-256");
}

static int key_rsa(json_t *o, struct jwk *k, char *err, size_t cap)
{
	unsigned char n[MEMBER_MAX], e[MEMBER_MAX];
	ssize_t nl = member_bytes(o, "n", n, 0, err, cap);
	ssize_t el = nl < 0 ? -1 : member_bytes(o, "e", e, 0, err, cap);
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params = NULL;
	BIGNUM *bn = NULL, *be = NULL;

	if (nl < 0 || el < 0)
		return -1;
	bn = BN_bin2bn(n, (int)nl, NULL);
	be = BN_bin2bn(e, (int)el, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		params = OSSL_PARAM_BLD_to_param(bld);
	k->alg = JWK_RS256;
	k->pkey = params && BN_num_bits(bn) >= RSA_BITS_MIN ? pkey_fromdata("RSA", params) : NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	if (!k->pkey)
		return fail(err, cap, "\"n\", \"e\" is not an RSA public key of at least %d bits",
			    RSA_BITS_MIN);
	return 0;
}

/* One JWK object into k. */
static int key_parse(json_t *o, struct jwk *k, char *err, size_t cap)
{
	const char *kty = json_string_value(json_object_get(o, "kty"));
	json_t *kid = json_object_get(o, "kid"), *use = json_object_get(o, "use");
	json_t *alg = json_object_get(o, "alg");
	int rc;

	memset(k, 0, sizeof(*k));
	if (!json_is_object(o))	/* then every member above is NULL */
		return fail(err, cap, "not a JSON object");
	if (kid && (!json_is_string(kid) || json_string_length(kid) >= JWK_KID_MAX))
		return fail(err, cap, "\"kid\" must be a string of less than %d bytes", JWK_KID_MAX);
	if (kid)
		memcpy(k->kid, json_string_value(kid), json_string_length(kid));
	if (json_object_get(o, "d") || json_object_get(o, "p"))
		return fail(err, cap, "this is a private key: give the public one (without \"d\")");
	if (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0))
		return fail(err, cap, "\"use\" must be \"sig\"");
	if (!kty)
		return fail(err, cap, "\"kty\" is missing");
	if (strcmp(kty, "OKP") == 0)
		rc = key_okp(o, k, err, cap);
	else if (strcmp(kty, "EC") == 0)
		rc = key_ec(o, k, err, cap);
	else if (strcmp(kty, "RSA") == 0)
		rc = key_rsa(o, k, err, cap);
	else
		return fail(err, cap, "\"kty\" \"%.16s\" is not supported (OKP, EC or RSA)", kty);
	if (rc == 0 && alg && (!json_is_string(alg) ||
			       jwk_alg_parse(json_string_value(alg)) != (int)k->alg)) {
		rc = fail(err, cap, "\"alg\" must be %s for this key", jwk_alg_name(k->alg));
		EVP_PKEY_free(k->pkey);
		k->pkey = NULL;
	}
	return rc;
}

static int kid_taken(const struct jwk_set *set, int upto, const char *kid)
{
	int i;

	for (i = 0; i < upto; i++)
		if (strcmp(set->keys[i].kid, kid) == 0)
			return 1;
	return 0;
}

int jwk_set_add_json(struct jwk_set *set, const char *json, size_t n, char *err, size_t cap)
{
	json_error_t je;
	json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je), *list, *one;
	int first = set->n, rc = 0;
	size_t i, count;

	if (!root)
		return fail(err, cap, "not valid JSON (line %d: %s)", je.line, je.text);
	list = json_object_get(root, "keys");
	if (list && !json_is_array(list))
		rc = fail(err, cap, "\"keys\" of a JWK Set must be an array");
	count = list ? json_array_size(list) : 1;
	if (rc == 0 && count == 0)
		rc = fail(err, cap, "the JWK Set has no keys");
	for (i = 0; rc == 0 && i < count; i++) {
		struct jwk *k = &set->keys[set->n];
		char why[200];

		one = list ? json_array_get(list, i) : root;
		if (set->n == JWK_MAX)
			rc = fail(err, cap, "more than %d keys in all", JWK_MAX);
		else if (key_parse(one, k, why, sizeof(why)) < 0)
			rc = fail(err, cap, "key %zu: %s", i + 1, why);
		else if (kid_taken(set, set->n, k->kid)) {
			rc = fail(err, cap, "key %zu: kid \"%s\" is given twice (key ids must differ)",
				  i + 1, k->kid);
			EVP_PKEY_free(k->pkey);
		} else
			set->n++;
	}
	while (rc < 0 && set->n > first)
		EVP_PKEY_free(set->keys[--set->n].pkey);
	json_decref(root);
	return rc;
}

/* Read a key file (at most JWK_FILE_MAX bytes) into buf; its length or -1. */
static ssize_t read_key_file(const char *path, char *buf, size_t cap, char *err, size_t ecap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 1;

	if (fd < 0)
		return fail(err, ecap, "%s: cannot open: %s", path, strerror(errno));
	while (n > 0 && len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n > 0)
			len += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return fail(err, ecap, "%s: cannot read: %s", path, strerror(errno));
	if (len == cap)
		return fail(err, ecap, "%s: larger than %d bytes: not a key file", path, JWK_FILE_MAX);
	return (ssize_t)len;
}

int jwk_set_add(struct jwk_set *set, const char *arg, char *err, size_t cap)
{
	static int values;
	char *buf = malloc(JWK_FILE_MAX), why[256], name[64];
	ssize_t n;
	int rc = -1;

	if (!buf)
		return fail(err, cap, "out of memory");
	if (arg[0] == '/' || arg[0] == '.') {
		n = read_key_file(arg, buf, JWK_FILE_MAX, err, cap);
		snprintf(name, sizeof(name), "%.63s", arg);
	} else {
		snprintf(name, sizeof(name), "base64url key %d", ++values);
		n = b64url_decode(arg, strlen(arg), (unsigned char *)buf, JWK_FILE_MAX);
		if (n < 0)
			fail(err, cap, "%s: neither a file (a path starts with / or .) nor "
			     "unpadded base64url JWK JSON", name);
	}
	if (n >= 0) {
		rc = jwk_set_add_json(set, buf, (size_t)n, why, sizeof(why));
		if (rc < 0)
			fail(err, cap, "%s: %s", arg[0] == '/' || arg[0] == '.' ? arg : name, why);
	}
	free(buf);
	return rc;
}

void jwk_set_free(struct jwk_set *set)
{
	while (set->n > 0)
		EVP_PKEY_free(set->keys[--set->n].pkey);
}
