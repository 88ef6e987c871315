/* JSON Web Signatures for ACME (RFC 8555 6.2, RFC 7515/7518): ES256 with
 * a P-256 account key, the signature as raw r||s; the JWK and its RFC
 * 7638 thumbprint (the key authorization of a challenge). */
#include "acme.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>

int acme_b64url(const void *in, size_t n, char *out, size_t cap)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = in;
	size_t i, o = 0;

	if (cap < (n + 2) / 3 * 4 + 1)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
		out[o++] = al[v & 63];
	}
	if (n - i == 1) {
		out[o++] = al[p[i] >> 2];
		out[o++] = al[(p[i] & 3) << 4];
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 8 | p[i + 1];

		out[o++] = al[v >> 10 & 63];
		out[o++] = al[v >> 4 & 63];
		out[o++] = al[(v & 15) << 2];
	}
	out[o] = '\0';
	return (int)o;
}

EVP_PKEY *acme_key_new(void)
{
	return EVP_EC_gen("P-256");
}

EVP_PKEY *acme_key_load(const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	EVP_PKEY *k = NULL;
	FILE *f = fopen(path, "re");
	int fd;

	if (f) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (!k || EVP_PKEY_get_bits(k) != 256 || !EVP_PKEY_is_a(k, "EC")) {
			EVP_PKEY_free(k);
			snprintf(err, errlen, "account key %s: not a PEM P-256 key (remove it to "
				 "make a new account)", path);
			return NULL;
		}
		return k;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "account key %s: %s", path, strerror(errno));
		return NULL;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	k = acme_key_new();
	fd = k ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fflush(f) ||
	    fsync(fileno(f)) || fclose(f) || rename(tmp, path) < 0) {
		snprintf(err, errlen, "account key %s: cannot write it: %s", path,
			 k ? strerror(errno) : "key generation failed");
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		unlink(tmp);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/* The 32-byte big-endian coordinate named param, base64url-encoded. */
static int coord(EVP_PKEY *key, const char *param, char *out, size_t cap)
{
	unsigned char b[32];
	BIGNUM *bn = NULL;
	int rc = -1;

	if (EVP_PKEY_get_bn_param(key, param, &bn) && BN_bn2binpad(bn, b, 32) == 32)
		rc = acme_b64url(b, 32, out, cap);
	BN_free(bn);
	return rc < 0 ? -1 : 0;
}

int acme_jwk(EVP_PKEY *key, char *out, size_t cap)
{
	char x[64], y[64];
	int n;

	if (coord(key, OSSL_PKEY_PARAM_EC_PUB_X, x, sizeof(x)) < 0 ||
	    coord(key, OSSL_PKEY_PARAM_EC_PUB_Y, y, sizeof(y)) < 0)
		return -1;
	n = snprintf(out, cap, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int acme_thumbprint(EVP_PKEY *key, char *out, size_t cap)
{
	unsigned char md[32];
	char jwk[256];

	if (acme_jwk(key, jwk, sizeof(jwk)) < 0 ||
	    !EVP_Digest(jwk, strlen(jwk), md, NULL, EVP_sha256(), NULL))
		return -1;
	return acme_b64url(md, sizeof(md), out, cap) < 0 ? -1 : 0;
}

/* ES256 over in[0..n): the raw 64-byte r||s, base64url-encoded. */
static int sign(EVP_PKEY *key, const char *in, size_t n, char *out, size_t cap)
{
	unsigned char der[128], rs[64];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *sig = NULL;
	int rc = -1;

	if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(md, der, &dlen, (const unsigned char *)in, n) == 1 &&
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) &&
	    BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) == 32 &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) == 32)
		rc = acme_b64url(rs, sizeof(rs), out, cap) < 0 ? -1 : 0;
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return rc;
}

/* base64url of s, malloc'd. */
static char *b64s(const char *s)
{
	size_t n = strlen(s), cap = (n + 2) / 3 * 4 + 1;
	char *out = malloc(cap);

	if (out && acme_b64url(s, n, out, cap) < 0) {
		free(out);
		out = NULL;
	}
	return out;
}

char *acme_jws(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
	       const char *payload)
{
	char jwk[256], sig[128], *prot_json = NULL, *prot = NULL, *pay = NULL, *input = NULL;
	char *out = NULL;
	json_t *h = json_pack("{s:s, s:s, s:s}", "alg", "ES256", "nonce", nonce, "url", url);
	json_t *j = NULL;
	size_t n;

	if (!h)
		return NULL;
	if (kid)
		json_object_set_new(h, "kid", json_string(kid));
	else if (acme_jwk(key, jwk, sizeof(jwk)) == 0)
		json_object_set_new(h, "jwk", json_loads(jwk, 0, NULL));
	prot_json = json_dumps(h, JSON_COMPACT);
	prot = prot_json ? b64s(prot_json) : NULL;
	pay = b64s(payload ? payload : "");
	if (!prot || !pay)
		goto out;
	n = strlen(prot) + strlen(pay) + 2;
	input = malloc(n);
	if (!input)
		goto out;
	snprintf(input, n, "%s.%s", prot, pay);
	if (sign(key, input, n - 1, sig, sizeof(sig)) < 0)
		goto out;
	j = json_pack("{s:s, s:s, s:s}", "protected", prot, "payload", pay, "signature", sig);
	out = j ? json_dumps(j, JSON_COMPACT) : NULL;
out:
	json_decref(j);
	json_decref(h);
	free(prot_json);
	free(prot);
	free(pay);
	free(input);
	return out;
}
