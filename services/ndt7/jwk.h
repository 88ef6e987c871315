/* The public keys that verify access tokens (token.h): JSON Web Keys
 * (RFC 7517) read once at start, from a file or from base64url-encoded
 * JSON given on the command line. Ed25519 (EdDSA), P-256 (ES256) and RSA
 * (RS256) only; private keys are refused. */
#ifndef NDT7_JWK_H
#define NDT7_JWK_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/evp.h>

#define JWK_FILE_MAX 65536	/* bytes of a key file */
#define JWK_KID_MAX 128
#define JWK_MAX 32		/* keys in all */

enum jwk_alg { JWK_EDDSA, JWK_ES256, JWK_RS256, JWK_ALGS };

struct jwk {
	char kid[JWK_KID_MAX];	/* "" if the key has none */
	enum jwk_alg alg;
	EVP_PKEY *pkey;
};

struct jwk_set {
	struct jwk keys[JWK_MAX];
	int n;
};

/* "EdDSA", "ES256", "RS256". */
const char *jwk_alg_name(enum jwk_alg alg);

/* The algorithm named by a JWS "alg", or -1 if it is not one of ours. */
int jwk_alg_parse(const char *name);

/* Decode unpadded base64url s[0..n) into out[0..cap). Returns the length,
 * or -1 if s is not canonical base64url or does not fit. */
ssize_t b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap);

/* Add the keys of one JWK or JWK Set (JSON text json[0..n)). Returns 0,
 * or -1 with err set to what is wrong (nothing is added then). */
int jwk_set_add_json(struct jwk_set *set, const char *json, size_t n, char *err, size_t cap);

/* Add the keys of arg: a file if it starts with '/' or '.', else the JWK
 * JSON itself, base64url-encoded. -1 with err naming arg (a file name; a
 * value as "base64url key N") and what is wrong. */
int jwk_set_add(struct jwk_set *set, const char *arg, char *err, size_t cap);

void jwk_set_free(struct jwk_set *set);

#endif
