/* Unit tests for services/uploader/oauth.c: the token endpoint's answers
 * (good, errors, wrong types, odd tokens), the RS256 assertion (its header
 * and claims as Google wants them, the signature verified with the public
 * half of a key made here), and the key file's checks at open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "tap.h"
#include "target_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *body;
	const char *token;	/* NULL: refused */
	long expires_in;
	const char *why;
} answers[] = {
	{ "{\"access_token\":\"ya29.c.abc-_\",\"expires_in\":3599,\"token_type\":\"Bearer\"}",
	  "ya29.c.abc-_", 3599, NULL },
	{ "{\"access_token\":\"t\",\"expires_in\":1,\"token_type\":\"bearer\"}", "t", 1, NULL },
	{ "{\"access_token\":\"t\",\"expires_in\":60}", "t", 60, NULL },
	{ "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT\"}", NULL, 0,
	  "no \"access_token\"" },
	{ "{\"access_token\":7,\"expires_in\":60}", NULL, 0, "not a string" },
	{ "{\"access_token\":\"\",\"expires_in\":60}", NULL, 0, "empty" },
	{ "{\"access_token\":\"a b\",\"expires_in\":60}", NULL, 0, "characters" },
	{ "{\"access_token\":\"a\\r\\nX: y\",\"expires_in\":60}", NULL, 0, "characters" },
	{ "{\"access_token\":\"t\",\"expires_in\":60,\"token_type\":\"MAC\"}", NULL, 0, "Bearer" },
	{ "{\"access_token\":\"t\",\"expires_in\":\"3600\"}", NULL, 0, "expires_in" },
	{ "{\"access_token\":\"t\",\"expires_in\":0}", NULL, 0, "expires_in" },
	{ "{\"access_token\":\"t\",\"expires_in\":-5}", NULL, 0, "expires_in" },
	{ "{\"access_token\":\"t\",\"expires_in\":99999999}", NULL, 0, "expires_in" },
	{ "{\"access_token\":\"t\"}", NULL, 0, "expires_in" },
	{ "{\"access_token\":\"a\",\"access_token\":\"b\",\"expires_in\":60}", NULL, 0, "not JSON" },
	{ "[]", NULL, 0, "not a JSON object" },
	{ "", NULL, 0, "not JSON" },
};

static void test_answers(void)
{
	struct oauth_token t;
	const char *why;

	for (size_t i = 0; i < N(answers); i++) {
		int rc;

		why = NULL;
		rc = oauth_token_parse(answers[i].body, strlen(answers[i].body), &t, &why);
		CHECK(answers[i].token ? rc == 0 && strcmp(t.access_token, answers[i].token) == 0 &&
						 t.expires_in == answers[i].expires_in
				       : rc == -1 && why && strstr(why, answers[i].why),
		      "token answer case %zu: %s", i, answers[i].token ? answers[i].token : answers[i].why);
	}
}

/* base64url (no padding) of n characters: malloc'd bytes, NUL after them. */
static unsigned char *unb64url(const char *s, size_t n, size_t *len)
{
	char *b = malloc(n + 4);
	unsigned char *out = malloc(n + 4);
	size_t m = n;
	int k;

	for (size_t i = 0; i < n; i++)
		b[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (m % 4)
		b[m++] = '=';
	k = EVP_DecodeBlock(out, (unsigned char *)b, (int)m);
	free(b);
	if (k < 0) {
		free(out);
		return NULL;
	}
	*len = n * 3 / 4;
	out[*len] = '\0';
	return out;
}

static json_t *part_json(const char *s, size_t n)
{
	size_t len;
	unsigned char *d = unb64url(s, n, &len);
	json_t *j = d ? json_loads((char *)d, JSON_DISABLE_EOF_CHECK, NULL) : NULL;

	free(d);
	return j;
}

static char *pem_of(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	out = strndup(p, (size_t)n);
	BIO_free(b);
	return out;
}

static void test_assertion(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *pem = pem_of(k), *ecpem = pem_of(ec), err[256] = "";
	char *jwt = oauth_assertion("sa@p.iam.gserviceaccount.com", "https://o.example/token",
				    pem, 1796640000, err, sizeof(err));
	const char *d1 = jwt ? strchr(jwt, '.') : NULL, *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	json_t *h = NULL, *c = NULL;

	CHECK(jwt && d1 && d2 && !strchr(d2 + 1, '.') && strspn(jwt, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789-_.") == strlen(jwt),
	      "assertion: three base64url parts");
	if (!d2)
		goto out;
	h = part_json(jwt, (size_t)(d1 - jwt));
	c = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
	CHECK(h && strcmp(json_string_value(json_object_get(h, "alg")), "RS256") == 0 &&
		      strcmp(json_string_value(json_object_get(h, "typ")), "JWT") == 0,
	      "assertion header: RS256 JWT");
	CHECK(c && strcmp(json_string_value(json_object_get(c, "iss")),
			  "sa@p.iam.gserviceaccount.com") == 0 &&
		      strcmp(json_string_value(json_object_get(c, "aud")),
			     "https://o.example/token") == 0 &&
		      strcmp(json_string_value(json_object_get(c, "scope")),
			     "https://www.googleapis.com/auth/devstorage.read_write") == 0 &&
		      json_integer_value(json_object_get(c, "iat")) == 1796640000 &&
		      json_integer_value(json_object_get(c, "exp")) == 1796643600,
	      "assertion claims: iss, aud, scope, iat, exp = iat + 1 h");
	{
		size_t slen;
		unsigned char *sig = unb64url(d2 + 1, strlen(d2 + 1), &slen);
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		int ok = sig && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
			 EVP_DigestVerify(md, sig, slen, (const unsigned char *)jwt,
					  (size_t)(d2 - jwt)) == 1;

		CHECK(ok && slen == 256, "assertion signature verifies with the public key");
		jwt[5] ^= 1;
		CHECK(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
			      EVP_DigestVerify(md, sig, slen, (const unsigned char *)jwt,
					       (size_t)(d2 - jwt)) != 1,
		      "a changed assertion does not verify");
		EVP_MD_CTX_free(md);
		free(sig);
	}
out:
	free(jwt);
	jwt = oauth_assertion("a", "b", ecpem, 0, err, sizeof(err));
	CHECK(!jwt && strstr(err, "not an RSA private key"), "an EC key is refused: %s", err);
	jwt = oauth_assertion("a", "b", "-----BEGIN PRIVATE KEY-----\nAAAA\n", 0, err, sizeof(err));
	CHECK(!jwt && strstr(err, "not an RSA private key"), "a broken PEM is refused");
	json_decref(h);
	json_decref(c);
	free(pem);
	free(ecpem);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ec);
}

static const struct {
	const char *content;	/* NULL: no file */
	const char *token_url;
	const char *err;	/* NULL: opens */
} keys[] = {
	{ "{\"client_email\":\"a@b\",\"private_key\":\"x\",\"token_uri\":\"https://t/\"}", NULL,
	  NULL },
	{ "{\"client_email\":\"a@b\",\"private_key\":\"x\"}", "https://t/token", NULL },
	{ "{\"client_email\":\"a@b\",\"private_key\":\"x\"}", NULL, "no \"token_uri\"" },
	{ "{\"private_key\":\"x\",\"token_uri\":\"https://t/\"}", NULL, "no \"client_email\"" },
	{ "{\"client_email\":\"a@b\",\"token_uri\":\"https://t/\"}", NULL, "no \"private_key\"" },
	{ "{\"client_email\":", NULL, "not JSON" },
	/* jansson quotes short text "near" the error: never the key's */
	{ "{\"client_email\":\"a@b\",\"private_key\": MIIsecret}", NULL,
	  "not JSON (line 1, column 46): invalid token" },
	{ NULL, NULL, "No such file or directory" },
};

static void test_open(void)
{
	char dir[] = "/tmp/test_uploader.XXXXXX", file[64], err[256];
	struct oauth *a;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(file, sizeof(file), "%s/sa.json", dir);
	for (size_t i = 0; i < N(keys); i++) {
		unlink(file);
		if (keys[i].content) {
			FILE *f = fopen(file, "w");

			fputs(keys[i].content, f);
			fclose(f);
		}
		err[0] = '\0';
		a = oauth_open(file, keys[i].token_url, err, sizeof(err));
		CHECK(keys[i].err ? !a && strstr(err, keys[i].err) && strstr(err, file) &&
			  !strstr(err, "MIIsecret") : a != NULL,
		      "key file case %zu: %s (%s)", i, keys[i].err ? keys[i].err : "opens", err);
		oauth_close(a);
	}
	a = oauth_open(NULL, NULL, err, sizeof(err));
	CHECK(!a && strstr(err, "--service-account-file"), "no key file named");
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	test_answers();
	test_assertion();
	test_open();
	return tap_done();
}
