/* Unit tests for services/platform/acme_jws.c: base64url against RFC 4648
 * section 10, the JWK and RFC 7638 thumbprint of a known P-256 key, and
 * ES256 JWS: a 64-byte raw r||s that OpenSSL verifies after the
 * conversion back to DER, and that stops verifying when a byte changes. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "acme.h"
#include "tap.h"

/* base64url (no padding) decoding for the checks; -1 on a bad character. */
static int unb64url(const char *s, unsigned char *out, size_t cap)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned v = 0, bits = 0;
	size_t o = 0;

	for (; *s; s++) {
		const char *p = strchr(al, *s);

		if (!p || o >= cap)
			return -1;
		v = v << 6 | (unsigned)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	return (int)o;
}

static void test_b64url(void)
{
	static const struct { const char *in; size_t n; const char *want; } t[] = {
		{ "", 0, "" }, { "f", 1, "Zg" }, { "fo", 2, "Zm8" }, { "foo", 3, "Zm9v" },
		{ "foob", 4, "Zm9vYg" }, { "fooba", 5, "Zm9vYmE" }, { "foobar", 6, "Zm9vYmFy" },
		/* standard base64 "+/8=": the two url-safe characters */
		{ "\xfb\xff", 2, "-_8" }, { "\x00\x00\x00", 3, "AAAA" },
		{ "\xff\xff\xff", 3, "____" },
	};
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = acme_b64url(t[i].in, t[i].n, out, sizeof(out));

		CHECK(n == (int)strlen(t[i].want) && strcmp(out, t[i].want) == 0,
		      "base64url of %zu bytes: %s (got %s)", t[i].n, t[i].want, out);
	}
	CHECK(acme_b64url("foobar", 6, out, 8) == -1, "a buffer of 8 for 6 bytes is refused");
	CHECK(acme_b64url("foobar", 6, out, 9) == 8, "a buffer of 9 for 6 bytes is enough");
}

/* RFC 7515 appendix A.3's ES256 key. */
static EVP_PKEY *rfc7515_key(void)
{
	static const char x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
			  y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
			  d[] = "jpsQnnGQmL-YBIffH1136cLSG3aMc-lEgG-pm4ga8U4";
	unsigned char pub[65] = { 4 }, priv[32];
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p = NULL;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *bn = NULL;

	if (unb64url(x, pub + 1, 32) == 32 && unb64url(y, pub + 33, 32) == 32 &&
	    unb64url(d, priv, 32) == 32 && b && c && (bn = BN_bin2bn(priv, 32, NULL)) &&
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, bn) &&
	    (p = OSSL_PARAM_BLD_to_param(b)) && EVP_PKEY_fromdata_init(c) == 1)
		EVP_PKEY_fromdata(c, &k, EVP_PKEY_KEYPAIR, p);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(c);
	BN_free(bn);
	return k;
}

static void test_thumbprint(void)
{
	/* RFC 7638 3.1: the thumbprint of its RSA JWK, the hash and encoding
	 * steps acme_thumbprint uses. */
	static const char rsa[] = "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZpt"
		"N9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZC"
		"iFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvz"
		"qY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhA"
		"I4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"}";
	static const char jwk_want[] = "{\"crv\":\"P-256\",\"kty\":\"EC\","
		"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
		"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
	unsigned char md[32];
	char out[64], jwk[256], t2[64];
	EVP_PKEY *k = rfc7515_key(), *k2 = acme_key_new();

	EVP_Digest(rsa, strlen(rsa), md, NULL, EVP_sha256(), NULL);
	acme_b64url(md, sizeof(md), out, sizeof(out));
	CHECK(strcmp(out, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs") == 0,
	      "RFC 7638 3.1's thumbprint (got %s)", out);
	CHECK(k != NULL, "RFC 7515 A.3's P-256 key loads");
	if (!k || !k2)
		return;
	CHECK(acme_jwk(k, jwk, sizeof(jwk)) == 0 && strcmp(jwk, jwk_want) == 0,
	      "the JWK has RFC 7638's member order and RFC 7515's x, y (got %s)", jwk);
	/* want: base64url(sha256(jwk_want)), computed apart with Python's
	 * hashlib. */
	CHECK(acme_thumbprint(k, out, sizeof(out)) == 0 &&
	      strcmp(out, "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U") == 0,
	      "the EC thumbprint of RFC 7515 A.3's key (got %s)", out);
	CHECK(acme_thumbprint(k, out, 43) == -1, "a thumbprint buffer of 43 is refused");
	CHECK(acme_thumbprint(k2, t2, sizeof(t2)) == 0 && strlen(t2) == 43 &&
	      strcmp(t2, out) != 0, "another key: another 43-character thumbprint");
	CHECK(acme_jwk(k, jwk, 100) == -1, "a JWK buffer too small is refused");
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

/* Verify the flattened JWS js with key's public half; header members
 * checked by the caller. 1 valid, 0 not, -1 malformed. */
static int verify(EVP_PKEY *key, const char *js, json_t **hdr, int flip)
{
	json_t *j = json_loads(js, 0, NULL);
	const char *prot = json_string_value(json_object_get(j, "protected"));
	const char *pay = json_string_value(json_object_get(j, "payload"));
	const char *sig = json_string_value(json_object_get(j, "signature"));
	unsigned char rs[80], *der = NULL, hb[1024];
	char input[2048];
	ECDSA_SIG *es = ECDSA_SIG_new();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1, n, dlen;

	if (!prot || !pay || !sig || unb64url(sig, rs, sizeof(rs)) != 64 || !es || !md ||
	    (n = unb64url(prot, hb, sizeof(hb) - 1)) < 0)
		goto out;
	hb[n] = 0;
	*hdr = json_loads((char *)hb, 0, NULL);
	snprintf(input, sizeof(input), "%s.%s", prot, pay);
	if (flip)
		input[0] ^= 1;
	ECDSA_SIG_set0(es, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
	if ((dlen = i2d_ECDSA_SIG(es, &der)) <= 0 ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1)
		goto out;
	rc = EVP_DigestVerify(md, der, (size_t)dlen, (unsigned char *)input, strlen(input)) == 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	json_decref(j);
	return rc;
}

static const char *member(json_t *h, const char *name)
{
	const char *s = json_string_value(json_object_get(h, name));

	return s ? s : "";
}

static void test_jws(void)
{
	EVP_PKEY *k = acme_key_new();
	char *js, jwk[256];
	json_t *h = NULL, *want;
	int i, ok = 1;

	if (!k || acme_jwk(k, jwk, sizeof(jwk)) < 0) {
		CHECK(0, "a P-256 key");
		return;
	}
	js = acme_jws(k, "https://acme.test/acct/1", "nonce-1", "https://acme.test/order",
		      "{\"a\":1}");
	CHECK(js && verify(k, js, &h, 0) == 1, "ES256 with kid: 64-byte r||s that verifies");
	CHECK(!strcmp(member(h, "kid"), "https://acme.test/acct/1"),
	      "the header names the account (kid)");
	CHECK(!strcmp(member(h, "alg"), "ES256") && !strcmp(member(h, "nonce"), "nonce-1") &&
	      !strcmp(member(h, "url"), "https://acme.test/order") && !json_object_get(h, "jwk"),
	      "alg, nonce and url in the header, no jwk");
	json_decref(h);
	h = NULL;
	CHECK(js && verify(k, js, &h, 1) == 0, "a changed byte of the input does not verify");
	json_decref(h);
	free(js);
	h = NULL;
	js = acme_jws(k, NULL, "n2", "https://acme.test/new-acct", NULL);
	CHECK(js && verify(k, js, &h, 0) == 1, "ES256 with jwk (newAccount) verifies");
	want = json_loads(jwk, 0, NULL);
	CHECK(json_equal(json_object_get(h, "jwk"), want) && !json_object_get(h, "kid"),
	      "the header carries the JWK and no kid");
	json_decref(want);
	CHECK(js && strstr(js, "\"payload\":\"\"") != NULL, "POST-as-GET: an empty payload");
	json_decref(h);
	free(js);
	for (i = 0; i < 50; i++) {	/* r or s with leading zero bytes stay 32 bytes */
		h = NULL;
		js = acme_jws(k, "k", "n", "u", "x");
		ok &= js && verify(k, js, &h, 0) == 1;
		json_decref(h);
		free(js);
	}
	CHECK(ok, "50 signatures: each 64 bytes and valid");
	EVP_PKEY_free(k);
}

int main(void)
{
	test_b64url();
	test_thumbprint();
	test_jws();
	return tap_done();
}
