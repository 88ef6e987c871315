/* ACME (RFC 8555) client of the platform agent: an http-01 certificate for
 * the registered name, from Let's Encrypt (or pebble in tests). Our own
 * small client on lib/net/https.h, OpenSSL and jansson (docs/acme.md says
 * why not uacme). */
#ifndef PLATFORM_ACME_H
#define PLATFORM_ACME_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#define ACME_DIRECTORY_DEFAULT "https://acme-v02.api.letsencrypt.org/directory"
#define ACME_RENEW_DAYS 30

struct acme_opts {
	const char *directory;		/* the directory URL; NULL: ACME_DIRECTORY_DEFAULT */
	const char *ca_file;		/* trust for the ACME server; NULL: system bundle */
	const char *domain;		/* the one DNS name of the certificate */
	const char *challenge_dir;	/* ndt7's --acme-challenge-dir (files 0644) */
	const char *tls_dir;		/* cert.pem 0644 and key.pem 0640 go here */
	const char *account_key;	/* PEM P-256 key, made (0600) if missing; NULL:
					 * tls_dir/../acme-account.pem */
	int key_gid;			/* group of key.pem (ndt7's); -1: leave it */
	int poll_tries;			/* authorization and order polls, 1 s apart; 0: 30 */
};

/* Obtain a certificate for o->domain: account (new or the existing one of
 * the key), order, http-01 (the key authorization written to
 * challenge_dir/TOKEN, removed afterwards), finalize with a CSR for a new
 * P-256 key, download the chain; cert.pem and key.pem replaced atomically.
 * 0, or -1 with err set to one line naming the step that failed (never a
 * key), or -2 likewise when the server refused for a rate limit (429 or
 * urn:ietf:params:acme:error:rateLimited): *retry_s (if not NULL) is then
 * its Retry-After in seconds, -1 when it gave none. Blocks for up to a few
 * minutes. */
int acme_obtain(const struct acme_opts *o, long *retry_s, char *err, size_t errlen);

/* 1 if cert_path is missing, unreadable, or expires within
 * ACME_RENEW_DAYS of now; else 0. */
int acme_needs_renewal(const char *cert_path, time_t now);

/* acme_jws.c: keys and JSON Web Signatures (RFC 7515, ES256). */

/* The PEM key at path, or a new P-256 key written there (0600). NULL with
 * err set. */
EVP_PKEY *acme_key_load(const char *path, char *err, size_t errlen);

/* A new P-256 key (NULL on failure). */
EVP_PKEY *acme_key_new(void);

/* The key's public JWK with the members in thumbprint order (RFC 7638):
 * {"crv":"P-256","kty":"EC","x":"...","y":"..."}; 0 or -1. */
int acme_jwk(EVP_PKEY *key, char *out, size_t cap);

/* base64url(SHA-256(JWK)) into out (44 bytes at least); 0 or -1. */
int acme_thumbprint(EVP_PKEY *key, char *out, size_t cap);

/* base64url without padding of in[0..n) into out; its length, or -1. */
int acme_b64url(const void *in, size_t n, char *out, size_t cap);

/* The flattened JWS of payload (NULL: "", a POST-as-GET) for url with
 * nonce, signed by key, identified by kid (the account URL) or, if kid is
 * NULL, by its jwk. malloc'd, or NULL. */
char *acme_jws(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
	       const char *payload);

#endif
