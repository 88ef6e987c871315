/* Inside the transports (target.c, put.c, gcs.c, oauth.c): what they share
 * and the pure parts the unit tests and fuzz targets call. Not for the
 * uploader's core, which sees only target.h. */
#ifndef FATHOM_UPLOADER_TARGET_INT_H
#define FATHOM_UPLOADER_TARGET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/net/https.h"
#include "target.h"

/* A response body of the servers we talk to is small JSON. */
#define TARGET_RESPONSE_MAX 65536
#define TARGET_URL_MAX 4096
#define TARGET_TOKEN_MAX 4096

/* The outcome of an HTTP status (never 2xx): 5xx and 408 RETRY http_5xx,
 * 429 RETRY http_429, 401 and 403 AUTH auth, other 4xx FATAL http_4xx,
 * 1xx and 3xx FATAL http_3xx. detail: "WHAT: HTTP STATUS" and what to do. */
void target_outcome_status(struct target_outcome *out, const char *what, int status);
/* The outcome of a failed https_request (its err): always RETRY, the reason
 * from the message: timeout, connect (also resolve), tls, reset (send,
 * recv, a TLS read or write failing, a response cut short), else "network". */
void target_outcome_error(struct target_outcome *out, const char *what, const char *err);
/* The server's own words from an error body, made safe for a log line:
 * OAuth's {"error":"E","error_description":"D"} as "E: D", Google APIs'
 * {"error":{"message":"M"}} as "M"; printable ASCII only (others '?'),
 * cut to cap - 1. 0, or -1 (out "") when the body has neither. */
int target_error_message(const char *body, size_t len, char *out, size_t cap);
/* Appends " (server: MSG)" to out->detail when the body has a message. */
void target_outcome_note(struct target_outcome *out, const char *body, size_t len);
void target_outcome_set(struct target_outcome *out, enum target_result r, const char *reason,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* object percent-encoded into out (RFC 3986 unreserved kept, '/' kept when
 * keep_slash): 0, or -1 when it does not fit or is empty or holds a
 * control character. */
int target_encode(const char *object, int keep_slash, char *out, size_t cap);
void target_https_opts(const struct target_config *cfg, struct https_opts *o);

/* PUT (put.c). */
struct put;
/* tmpl's single "{object}" replaced by the encoded object: 0 or -1 (why). */
int put_url_build(const char *tmpl, const char *object, char *out, size_t cap, const char **why);
/* The first line of a token file, trimmed: 0, or -1 with err. */
int put_token_read(const char *file, char *tok, size_t cap, char *err, size_t errlen);
struct put *put_open(const struct target_config *cfg, char *err, size_t errlen);
void put_upload(struct put *p, const char *object, const void *data, size_t len,
		struct target_outcome *out);
void put_set_timeout(struct put *p, int timeout_ms);
void put_close(struct put *p);

/* GCS (gcs.c). */
struct gcs;
struct gcs_object {
	int have_crc32c, have_md5;
	uint32_t crc32c;
	unsigned char md5[16];
	char name[1024];
};
/* The object resource an upload answers: 0, or -1 with why. */
int gcs_object_parse(const char *body, size_t len, struct gcs_object *o, const char **why);
uint32_t gcs_crc32c(uint32_t crc, const void *data, size_t len);
/* 0 when what the server reports matches data (crc32c when given, else
 * md5Hash; neither: -1 why "no checksum"), else -1 with why. */
int gcs_checksum_check(const struct gcs_object *o, const void *data, size_t len,
		       const char **why);
struct gcs *gcs_open(const struct target_config *cfg, char *err, size_t errlen);
void gcs_upload(struct gcs *g, const char *object, const void *data, size_t len,
		struct target_outcome *out);
void gcs_set_timeout(struct gcs *g, int timeout_ms);
void gcs_close(struct gcs *g);

/* OAuth 2.0 JWT-bearer grant (oauth.c). */
struct oauth;
struct oauth_token {
	char access_token[TARGET_TOKEN_MAX];
	long expires_in;
};
/* The token endpoint's answer: 0, or -1 with why. */
int oauth_token_parse(const char *body, size_t len, struct oauth_token *t, const char **why);
/* The signed assertion for iss/aud at now (RS256 with pkey_pem): malloc'd,
 * or NULL with err. */
char *oauth_assertion(const char *iss, const char *aud, const char *pkey_pem, long long now,
		      char *err, size_t errlen);
struct oauth *oauth_open(const char *key_file, const char *token_url, char *err, size_t errlen);
/* A bearer token (cached until 60 s before expiry; fresh: drop the cache
 * first): 0 with tok, or -1 with out filled. */
int oauth_token(struct oauth *a, int fresh, const struct target_config *cfg, char *tok,
		size_t cap, struct target_outcome *out);
void oauth_close(struct oauth *a);

#endif
