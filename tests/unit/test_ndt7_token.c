/* Unit tests for services/ndt7/jwk.c and token.c: throwaway keys made
 * here with OpenSSL, their public JWKs, tokens signed here; a table of
 * tokens and the verdict each must get, a table of keys and what loading
 * each must say, and the request decision (token_admit). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "jwk.h"
#include "tap.h"
#include "token.h"

#define MACHINE "mlab1-abc01.mlab-oti.measurement-lab.org"

enum { ED1, EC1, RS1, ED2, ED3, NKEYS };	/* ED3 is not loaded */
static const char *const kids[NKEYS] = { "ed1", "ec1", "rs1", "ed2", "ed3" };
static EVP_PKEY *priv[NKEYS];
static struct jwk_set keys;
static long long now;

static void b64(const unsigned char *p, size_t n, char *out)
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
	out[o] = '\0';
}

static void b64_bn(EVP_PKEY *k, const char *param, size_t pad, char *out)
{
	BIGNUM *bn = NULL;
	unsigned char buf[512];
	int n;

	EVP_PKEY_get_bn_param(k, param, &bn);
	n = pad ? BN_bn2binpad(bn, buf, (int)pad) : BN_bn2bin(bn, buf);
	b64(buf, (size_t)n, out);
	BN_free(bn);
}

/* The public JWK of key i, as JSON. */
static void jwk_of(int i, char *out, size_t cap)
{
	char x[700], y[100];
	unsigned char raw[32];
	size_t rlen = sizeof(raw);

	if (i == ED1 || i == ED2 || i == ED3) {
		EVP_PKEY_get_raw_public_key(priv[i], raw, &rlen);
		b64(raw, rlen, x);
		snprintf(out, cap, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"kid\":\"%s\","
			 "\"use\":\"sig\",\"alg\":\"EdDSA\"}", x, kids[i]);
	} else if (i == EC1) {
		b64_bn(priv[i], OSSL_PKEY_PARAM_EC_PUB_X, 32, x);
		b64_bn(priv[i], OSSL_PKEY_PARAM_EC_PUB_Y, 32, y);
		snprintf(out, cap, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\","
			 "\"kid\":\"%s\"}", x, y, kids[i]);
	} else {
		b64_bn(priv[i], OSSL_PKEY_PARAM_RSA_N, 0, x);
		b64_bn(priv[i], OSSL_PKEY_PARAM_RSA_E, 0, y);
		snprintf(out, cap, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\",\"kid\":\"%s\","
			 "\"alg\":\"RS256\"}", x, y, kids[i]);
	}
}

/* JWS signature of msg by key i, base64url, into out. */
static void sign(int i, const char *msg, char *out)
{
	unsigned char sig[512], raw[64];
	size_t slen = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const unsigned char *p = sig;

	EVP_DigestSignInit(ctx, NULL, i == EC1 || i == RS1 ? EVP_sha256() : NULL, NULL, priv[i]);
	EVP_DigestSign(ctx, sig, &slen, (const unsigned char *)msg, strlen(msg));
	EVP_MD_CTX_free(ctx);
	if (i == EC1) {	/* DER to r || s */
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)slen);

		BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
		BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
		ECDSA_SIG_free(es);
		memcpy(sig, raw, 64);
		slen = 64;
	}
	b64(sig, slen, out);
}

/* header.claims.signature; signer < 0: the signature part is sigtext. */
static char *token(const char *hdr, const char *claims, int signer, const char *sigtext)
{
	char *t = malloc(16384), h[4096], c[4096];

	b64((const unsigned char *)hdr, strlen(hdr), h);
	b64((const unsigned char *)claims, strlen(claims), c);
	snprintf(t, 16384, "%s.%s", h, c);
	if (signer >= 0)
		sign(signer, t, t + strlen(t) + 1);
	else
		strcpy(t + strlen(t) + 1, sigtext);
	t[strlen(t)] = '.';
	return t;
}

/* Claims "iss":"locate","aud":MACHINE plus extra, with times from now:
 * in extra, "exp":E1 is now + 1, E0 now, EM1 now - 1 (same for any key). */
static void claims_fmt(char *out, size_t cap, const char *fmt)
{
	char buf[1024];
	size_t o = 0;
	const char *p;

	for (p = fmt; *p && o + 24 < sizeof(buf);) {
		if (p[0] == 'E' && (p[1] == '1' || p[1] == '0' || (p[1] == 'M' && p[2] == '1'))) {
			long long d = p[1] == '1' ? 60 : p[1] == '0' ? 0 : -60;

			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%lld", now + d);
			p += p[1] == 'M' ? 3 : 2;
		} else {
			buf[o++] = *p++;
		}
	}
	buf[o] = '\0';
	snprintf(out, cap, "%s", buf);
}

#define STD "\"iss\":\"locate\",\"aud\":\"" MACHINE "\",\"exp\":E1"
#define HED(kid) "{\"alg\":\"EdDSA\",\"kid\":\"" kid "\"}"

struct tok_case {
	const char *name, *hdr, *claims;
	int signer;			/* -1: sigtext */
	const char *sigtext;
	enum token_reason want;
	int monitoring;
};

static const struct tok_case tok_cases[] = {
	{ "EdDSA", HED("ed1"), "{" STD "}", ED1, 0, TOKEN_OK, 0 },
	{ "ES256", "{\"alg\":\"ES256\",\"kid\":\"ec1\",\"typ\":\"JWT\"}", "{" STD "}", EC1, 0,
	  TOKEN_OK, 0 },
	{ "RS256", "{\"alg\":\"RS256\",\"kid\":\"rs1\"}", "{" STD "}", RS1, 0, TOKEN_OK, 0 },
	{ "monitoring", HED("ed1"), "{" STD ",\"sub\":\"monitoring\"}", ED1, 0, TOKEN_OK, 1 },
	{ "other sub", HED("ed1"), "{" STD ",\"sub\":\"ndt\"}", ED1, 0, TOKEN_OK, 0 },
	{ "rotation: the second key", HED("ed2"), "{" STD "}", ED2, 0, TOKEN_OK, 0 },
	{ "no kid: tried with every EdDSA key", "{\"alg\":\"EdDSA\"}", "{" STD "}", ED2, 0,
	  TOKEN_OK, 0 },
	{ "aud array", HED("ed1"), "{\"iss\":\"locate\",\"aud\":[\"x\",\"" MACHINE "\"],"
	  "\"exp\":E1}", ED1, 0, TOKEN_OK, 0 },
	{ "nbf now, iat now", HED("ed1"), "{" STD ",\"nbf\":E0,\"iat\":E0}", ED1, 0, TOKEN_OK, 0 },
	{ "alg none", "{\"alg\":\"none\",\"kid\":\"ed1\"}", "{" STD "}", -1, "", TOKEN_ALGORITHM, 0 },
	{ "HS256", "{\"alg\":\"HS256\",\"kid\":\"ed1\"}", "{" STD "}", -1,
	  "9FmFlebjvN3Feaf3nFVYvPk4N0nmWdw7EklgqVqhC0M", TOKEN_ALGORITHM, 0 },
	{ "RS256 header, EdDSA key", "{\"alg\":\"RS256\",\"kid\":\"ed1\"}", "{" STD "}", ED1, 0,
	  TOKEN_ALGORITHM, 0 },
	{ "ES256 header, EdDSA key", "{\"alg\":\"ES256\",\"kid\":\"ed1\"}", "{" STD "}", ED1, 0,
	  TOKEN_ALGORITHM, 0 },
	{ "PS256", "{\"alg\":\"PS256\",\"kid\":\"rs1\"}", "{" STD "}", RS1, 0, TOKEN_ALGORITHM, 0 },
	{ "unknown kid", HED("ed3"), "{" STD "}", ED3, 0, TOKEN_UNKNOWN_KEY, 0 },
	{ "kid ed1, signed by ed2", HED("ed1"), "{" STD "}", ED2, 0, TOKEN_SIGNATURE, 0 },
	{ "no kid, key not loaded", "{\"alg\":\"EdDSA\"}", "{" STD "}", ED3, 0, TOKEN_SIGNATURE, 0 },
	{ "ES256 short signature", "{\"alg\":\"ES256\",\"kid\":\"ec1\"}", "{" STD "}", -1, "AAAA",
	  TOKEN_SIGNATURE, 0 },
	{ "issuer other", HED("ed1"), "{\"iss\":\"other\",\"aud\":\"" MACHINE "\",\"exp\":E1}", ED1, 0,
	  TOKEN_ISSUER_BAD, 0 },
	{ "issuer missing", HED("ed1"), "{\"aud\":\"" MACHINE "\",\"exp\":E1}", ED1, 0,
	  TOKEN_ISSUER_BAD, 0 },
	{ "aud other", HED("ed1"), "{\"iss\":\"locate\",\"aud\":\"mlab2\",\"exp\":E1}", ED1, 0,
	  TOKEN_AUDIENCE, 0 },
	{ "aud array without us", HED("ed1"), "{\"iss\":\"locate\",\"aud\":[\"a\",\"b\"],\"exp\":E1}",
	  ED1, 0, TOKEN_AUDIENCE, 0 },
	{ "aud missing", HED("ed1"), "{\"iss\":\"locate\",\"exp\":E1}", ED1, 0, TOKEN_AUDIENCE, 0 },
	{ "exp missing", HED("ed1"), "{\"iss\":\"locate\",\"aud\":\"" MACHINE "\"}", ED1, 0,
	  TOKEN_EXPIRED, 0 },
	{ "exp now", HED("ed1"), "{\"iss\":\"locate\",\"aud\":\"" MACHINE "\",\"exp\":E0}", ED1, 0,
	  TOKEN_EXPIRED, 0 },
	{ "exp past", HED("ed1"), "{\"iss\":\"locate\",\"aud\":\"" MACHINE "\",\"exp\":EM1}", ED1, 0,
	  TOKEN_EXPIRED, 0 },
	{ "nbf future", HED("ed1"), "{" STD ",\"nbf\":E1}", ED1, 0, TOKEN_NOT_YET_VALID, 0 },
	{ "iat future", HED("ed1"), "{" STD ",\"iat\":E1}", ED1, 0, TOKEN_NOT_YET_VALID, 0 },
	{ "exp a string", HED("ed1"), "{\"iss\":\"locate\",\"aud\":\"" MACHINE "\",\"exp\":\"9\"}",
	  ED1, 0, TOKEN_MALFORMED, 0 },
	{ "claims not JSON", HED("ed1"), "{" STD, ED1, 0, TOKEN_MALFORMED, 0 },
	{ "claims an array", HED("ed1"), "[1]", ED1, 0, TOKEN_MALFORMED, 0 },
	{ "duplicate claim", HED("ed1"), "{" STD ",\"iss\":\"locate\"}", ED1, 0, TOKEN_MALFORMED, 0 },
	{ "header not JSON", "{\"alg\":", "{" STD "}", ED1, 0, TOKEN_MALFORMED, 0 },
	{ "header without alg", "{\"kid\":\"ed1\"}", "{" STD "}", ED1, 0, TOKEN_MALFORMED, 0 },
	{ "crit header", "{\"alg\":\"EdDSA\",\"kid\":\"ed1\",\"crit\":[\"b64\"]}", "{" STD "}", ED1, 0,
	  TOKEN_MALFORMED, 0 },
	{ "signature not base64url", HED("ed1"), "{" STD "}", -1, "ab+/", TOKEN_MALFORMED, 0 },
};

static void test_tokens(void)
{
	size_t i;

	for (i = 0; i < sizeof(tok_cases) / sizeof(tok_cases[0]); i++) {
		const struct tok_case *c = &tok_cases[i];
		char claims[1024];
		char *t;
		int mon = -1;
		enum token_reason r;

		claims_fmt(claims, sizeof(claims), c->claims);
		t = token(c->hdr, claims, c->signer, c->sigtext);
		r = token_verify(&keys, t, strlen(t), MACHINE, now, &mon);
		CHECK(r == c->want && mon == (r == TOKEN_OK ? c->monitoring : 0),
		      "token %s: %s (got %s, monitoring %d)", c->name, token_reason_name(c->want),
		      token_reason_name(r), mon);
		free(t);
	}
}

/* Tokens that are not three parts, tampered ones, sizes. */
static void test_shapes(void)
{
	char claims[256], *t = NULL, *big, *p;
	int mon;
	size_t n;

	claims_fmt(claims, sizeof(claims), "{" STD "}");
	t = token(HED("ed1"), claims, ED1, NULL);
	n = strlen(t);
	CHECK(token_verify(&keys, t, n, MACHINE, now, &mon) == TOKEN_OK, "shapes: the valid one");
	CHECK(token_verify(&keys, t, n, "other", now, &mon) == TOKEN_AUDIENCE,
	      "shapes: another machine's audience");
	p = strchr(t, '.') + 2;	/* in the claims */
	*p ^= 1;
	CHECK(token_verify(&keys, t, n, MACHINE, now, &mon) == TOKEN_SIGNATURE,
	      "shapes: a changed claims byte: signature");
	*p ^= 1;
	CHECK(token_verify(&keys, t, strrchr(t, '.') - t, MACHINE, now, &mon) == TOKEN_MALFORMED,
	      "shapes: two parts: malformed");
	big = malloc(n + 3);
	memcpy(big, t, n);
	memcpy(big + n, ".x", 3);
	CHECK(token_verify(&keys, big, n + 2, MACHINE, now, &mon) == TOKEN_MALFORMED,
	      "shapes: four parts: malformed");
	free(big);
	CHECK(token_verify(&keys, "garbage", 7, MACHINE, now, &mon) == TOKEN_MALFORMED,
	      "shapes: garbage: malformed");
	CHECK(token_verify(&keys, "", 0, MACHINE, now, &mon) == TOKEN_MISSING, "shapes: empty: missing");
	big = malloc(TOKEN_MAX + 1);
	memset(big, 'A', TOKEN_MAX + 1);
	CHECK(token_verify(&keys, big, TOKEN_MAX + 1, MACHINE, now, &mon) == TOKEN_TOO_LARGE,
	      "shapes: %d bytes: too-large", TOKEN_MAX + 1);
	free(big);
	free(t);
}

/* The request decision: required or not, token given or not. */
static void test_admit(void)
{
	char claims[256], q[2048], *t;
	int mon, given;
	struct jwk_set none = { .n = 0 };

	claims_fmt(claims, sizeof(claims), "{" STD ",\"sub\":\"monitoring\"}");
	t = token(HED("ed1"), claims, ED1, NULL);
	snprintf(q, sizeof(q), "client_name=x&access_token=%s", t);
	CHECK(token_admit(&keys, MACHINE, 1, "client_name=x", 13, now, &mon, &given) ==
	      TOKEN_MISSING && !given, "admit: required, none: missing");
	CHECK(token_admit(&keys, MACHINE, 0, "client_name=x", 13, now, &mon, &given) == TOKEN_OK &&
	      !given && !mon, "admit: not required, none: ok");
	CHECK(token_admit(&keys, MACHINE, 1, "access_token=", 13, now, &mon, &given) ==
	      TOKEN_MISSING, "admit: required, empty value: missing");
	CHECK(token_admit(&keys, MACHINE, 1, q, strlen(q), now, &mon, &given) == TOKEN_OK && given &&
	      mon, "admit: required, valid monitoring token: ok, monitoring");
	CHECK(token_admit(&keys, MACHINE, 0, "access_token=x.y.z", 18, now, &mon, &given) ==
	      TOKEN_MALFORMED && given, "admit: not required, invalid token: refused all the same");
	CHECK(token_admit(&none, MACHINE, 0, q, strlen(q), now, &mon, &given) == TOKEN_UNKNOWN_KEY,
	      "admit: no keys, a token: unknown-key");
	free(t);
}

struct key_case {
	const char *name, *json;
	int ok;
	const char *says;	/* in the error */
};

static const struct key_case key_cases[] = {
	{ "not JSON", "{\"kty\":", 0, "not valid JSON" },
	{ "private key", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\",\"d\":\"AAAA\"}", 0,
	  "private key" },
	{ "symmetric", "{\"kty\":\"oct\",\"k\":\"AAAA\"}", 0, "not supported" },
	{ "no kty", "{\"x\":\"AAAA\"}", 0, "\"kty\" is missing" },
	{ "X25519", "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AAAA\"}", 0, "Ed25519" },
	{ "short x", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}", 0, "32 bytes" },
	{ "padded x", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA==\"}", 0, "base64url" },
	{ "P-384", "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}", 0, "P-256" },
	{ "EC point off the curve", "{\"kty\":\"EC\",\"crv\":\"P-256\","
	  "\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	  "\"y\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", 0, "not a point" },
	{ "RSA 48 bits", "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"wJ4fPPD3\"}", 0, "2048 bits" },
	{ "use enc", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"use\":\"enc\","
	  "\"x\":\"1tS1d-dd2B-VRBTWzOaq7zUngKDyV409K-o42LN2nx8\"}", 0, "\"use\"" },
	{ "alg not the key's", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"ES256\","
	  "\"x\":\"1tS1d-dd2B-VRBTWzOaq7zUngKDyV409K-o42LN2nx8\"}", 0, "must be EdDSA" },
	{ "empty set", "{\"keys\":[]}", 0, "no keys" },
	{ "keys not an array", "{\"keys\":{}}", 0, "must be an array" },
	{ "one key", "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\","
	  "\"x\":\"1tS1d-dd2B-VRBTWzOaq7zUngKDyV409K-o42LN2nx8\"}", 1, NULL },
	{ "duplicate kid", "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\","
	  "\"x\":\"1tS1d-dd2B-VRBTWzOaq7zUngKDyV409K-o42LN2nx8\"},{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	  "\"kid\":\"a\",\"x\":\"1tS1d-dd2B-VRBTWzOaq7zUngKDyV409K-o42LN2nx8\"}]}", 0, "twice" },
	{ "set of two", "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"a\","
	  "\"x\":\"1tS1d-dd2B-VRBTWzOaq7zUngKDyV409K-o42LN2nx8\"},{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
	  "\"kid\":\"b\",\"x\":\"1tS1d-dd2B-VRBTWzOaq7zUngKDyV409K-o42LN2nx8\"}]}", 1, NULL },
};

static void test_keys(void)
{
	size_t i;

	for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *c = &key_cases[i];
		struct jwk_set s = { .n = 0 };
		char err[512] = "";
		int rc = jwk_set_add_json(&s, c->json, strlen(c->json), err, sizeof(err));

		CHECK(c->ok ? rc == 0 && s.n > 0 : rc < 0 && s.n == 0 && strstr(err, c->says),
		      "key %s: %s (%s)", c->name, c->ok ? "loaded" : c->says, rc ? err : "ok");
		jwk_set_free(&s);
	}
}

/* --token-verify-key values: files, base64url JSON, M-Lab's key. */
static void test_key_args(void)
{
	char err[512], path[] = "/tmp/test_ndt7_token.XXXXXX", json[1200], enc[1700];
	struct jwk_set s = { .n = 0 };
	int fd = mkstemp(path);

	jwk_of(ED1, json, sizeof(json));
	CHECK(fd >= 0 && write(fd, json, strlen(json)) == (ssize_t)strlen(json) &&
	      jwk_set_add(&s, path, err, sizeof(err)) == 0 && s.n == 1 &&
	      strcmp(s.keys[0].kid, "ed1") == 0, "key file loaded with its kid");
	CHECK(jwk_set_add(&s, path, err, sizeof(err)) < 0 && strstr(err, path) &&
	      strstr(err, "twice"), "the same kid again: refused, naming the file (%s)", err);
	jwk_of(ED2, json, sizeof(json));
	b64((const unsigned char *)json, strlen(json), enc);
	CHECK(jwk_set_add(&s, enc, err, sizeof(err)) == 0 && s.n == 2, "base64url JWK value loaded");
	CHECK(jwk_set_add(&s, "not+base64", err, sizeof(err)) < 0 && strstr(err, "neither a file"),
	      "a value that is not base64url: %s", err);
	CHECK(jwk_set_add(&s, "/nonexistent/k.jwk", err, sizeof(err)) < 0 &&
	      strstr(err, "/nonexistent/k.jwk: cannot open"), "a missing file: %s", err);
	CHECK(jwk_set_add(&s, "./services/ndt7/mlab-locate.jwk", err, sizeof(err)) == 0 &&
	      strcmp(s.keys[2].kid, "locate_20200409") == 0 && s.keys[2].alg == JWK_EDDSA,
	      "M-Lab's Locate key loads (%s)", s.n == 3 ? "ok" : err);
	if (fd >= 0)
		close(fd);
	unlink(path);
	jwk_set_free(&s);
}

static void keys_setup(void)
{
	char json[1200], err[512];
	int i;

	for (i = 0; i < NKEYS; i++) {
		priv[i] = i == EC1 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") :
			i == RS1 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
			EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		jwk_of(i, json, sizeof(json));
		if (i != ED3 && jwk_set_add_json(&keys, json, strlen(json), err, sizeof(err)) < 0)
			printf("# key %s: %s\n", kids[i], err);
	}
	CHECK(keys.n == 4, "four throwaway keys loaded (%d)", keys.n);
}

int main(void)
{
	int i;

	now = (long long)time(NULL);
	keys_setup();
	test_tokens();
	test_shapes();
	test_admit();
	test_keys();
	test_key_args();
	jwk_set_free(&keys);
	for (i = 0; i < NKEYS; i++)
		EVP_PKEY_free(priv[i]);
	return tap_done();
}
