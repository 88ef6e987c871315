/* libFuzzer target for services/ndt7/token.c and jwk.c. The first byte
 * picks what the rest is: 0 a token (and an upgrade query) against fixed
 * keys, 1 the claims of a token this target signs (so the claims checks
 * are reached), 2 a JWK or JWK Set, also as base64url. Checks the
 * promises of token.h and jwk.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "jwk.h"
#include "token.h"

#define MACHINE "fuzz"
#define NOW 1700000000

static struct jwk_set keys;
static EVP_PKEY *signer;

static size_t b64(const unsigned char *p, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) |
			(i + 2 < n ? p[i + 2] : 0);

		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = a[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	return o;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char mlab[] = "{\"kty\":\"OKP\",\"kid\":\"locate_20200409\",\"crv\":\"Ed25519\","
		"\"alg\":\"EdDSA\",\"x\":\"1tS1d-dd2B-VRBTWzOaq7zUngKDyV409K-o42LN2nx8\"}";
	char json[256], x[64], err[256];
	unsigned char raw[32];
	size_t rlen = sizeof(raw);

	(void)argc;
	(void)argv;
	if (jwk_set_add_json(&keys, mlab, strlen(mlab), err, sizeof(err)) < 0)
		abort();
	signer = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!signer || EVP_PKEY_get_raw_public_key(signer, raw, &rlen) != 1)
		abort();
	x[b64(raw, rlen, x)] = '\0';
	snprintf(json, sizeof(json), "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"f\",\"x\":\"%s\"}",
		 x);
	if (jwk_set_add_json(&keys, json, strlen(json), err, sizeof(err)) < 0)
		abort();
	return 0;
}

static void check_token(const char *t, size_t n)
{
	int mon = -1, given = -1;
	enum token_reason r = token_verify(&keys, t, n, MACHINE, NOW, &mon);
	char *q;

	if ((unsigned)r >= TOKEN_REASONS || (n > TOKEN_MAX) != (r == TOKEN_TOO_LARGE) ||
	    (n == 0) != (r == TOKEN_MISSING) || (mon && r != TOKEN_OK) || mon < 0 ||
	    !token_reason_message(r)[0] || !token_reason_name(r)[0])
		abort();
	if (n > 4096 - 13 || !(q = malloc(n + 13)))
		return;
	memcpy(q, "access_token=", 13);
	memcpy(q + 13, t, n);
	r = token_admit(&keys, MACHINE, 1, q, n + 13, NOW, &mon, &given);
	if ((unsigned)r >= TOKEN_REASONS || given < 0 || (r == TOKEN_OK && !given))
		abort();
	free(q);
}

/* claims[0..n) signed by the "f" key under a valid header. */
static void check_claims(const uint8_t *claims, size_t n)
{
	static const char hdr[] = "{\"alg\":\"EdDSA\",\"kid\":\"f\"}";
	unsigned char sig[64];
	size_t len, slen = sizeof(sig);
	char *t = malloc(64 + (n + 2) / 3 * 4 + 100);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int mon = -1;
	enum token_reason r;

	if (!t || !ctx)
		abort();
	len = b64((const unsigned char *)hdr, sizeof(hdr) - 1, t);
	t[len++] = '.';
	len += b64(claims, n, t + len);
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, signer) != 1 ||
	    EVP_DigestSign(ctx, sig, &slen, (unsigned char *)t, len) != 1)
		abort();
	t[len++] = '.';
	len += b64(sig, slen, t + len);
	r = token_verify(&keys, t, len, MACHINE, NOW, &mon);
	/* Signed by a loaded key: refused only for what the claims say. */
	if (len <= TOKEN_MAX && r != TOKEN_OK && r != TOKEN_MALFORMED && r != TOKEN_ISSUER_BAD &&
	    r != TOKEN_AUDIENCE && r != TOKEN_EXPIRED && r != TOKEN_NOT_YET_VALID)
		abort();
	EVP_MD_CTX_free(ctx);
	free(t);
}

static void check_jwk(const uint8_t *p, size_t n)
{
	struct jwk_set s = { .n = 0 };
	char err[512] = "";
	unsigned char *dec = malloc(n + 1);
	ssize_t dl;
	int i;

	if (jwk_set_add_json(&s, (const char *)p, n, err, sizeof(err)) == 0) {
		if (s.n < 1 || s.n > JWK_MAX)
			abort();
		for (i = 0; i < s.n; i++)
			if (!s.keys[i].pkey || (unsigned)s.keys[i].alg >= JWK_ALGS)
				abort();
	} else if (s.n != 0 || !err[0]) {
		abort();
	}
	jwk_set_free(&s);
	dl = b64url_decode((const char *)p, n, dec, n + 1);
	if (dl >= 0 && (size_t)dl != n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0))
		abort();
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;

	if (size == 0)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0: check_token(buf, size - 1); break;
	case 1: check_claims((const uint8_t *)buf, size - 1); break;
	default: check_jwk((const uint8_t *)buf, size - 1); break;
	}
	free(buf);
	return 0;
}
