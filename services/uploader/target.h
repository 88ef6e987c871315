/* Where the uploader's bundles go: Google Cloud Storage's JSON API with
 * the platform's service-account key (OAuth 2.0 JWT-bearer grant), or an
 * HTTPS PUT of each bundle to a URL template with a bearer token. The
 * uploader's core (bundling, the spool, at-least-once) sees only this. */
#ifndef FATHOM_UPLOADER_TARGET_H
#define FATHOM_UPLOADER_TARGET_H

#include <stddef.h>

enum target_kind { TARGET_GCS, TARGET_PUT };

struct target_config {
	enum target_kind kind;
	/* GCS: the JSON API's base (default https://storage.googleapis.com),
	 * the bucket (archive-<project>), and the service-account key file
	 * (JSON: client_email, private_key, token_uri); token_url, when set,
	 * overrides the key's token_uri (the tests' stand-in). */
	const char *gcs_endpoint;
	const char *bucket;
	const char *service_account_file;
	const char *token_url;
	/* PUT: a URL whose "{object}" is replaced by the object name (its
	 * '/' kept, other reserved characters percent-encoded), and a file
	 * holding a bearer token (one line; NULL: no Authorization). */
	const char *put_url;
	const char *put_token_file;
	/* Both: a CA bundle (NULL: the system's, /etc/ssl/certs/
	 * ca-certificates.crt) and the timeout of one whole request. */
	const char *ca_file;
	int timeout_ms;
};

enum target_result {
	TARGET_OK,    /* stored, and the checksum the server reports is ours */
	TARGET_RETRY, /* transient (5xx, 429, timeout, reset, checksum mismatch,
		       * a token refused once): try the same object again later */
	TARGET_AUTH,  /* the credentials are refused even freshly obtained */
	TARGET_FATAL, /* the request itself is wrong (another 4xx): retrying the
		       * same bytes will not help; the core keeps the bundle */
};

struct target_outcome {
	enum target_result result;
	/* A metric label, bounded: "http_5xx", "http_429", "http_4xx",
	 * "auth", "timeout", "reset", "tls", "connect", "checksum", ... */
	char reason[24];
	/* One line for the log: what failed and what to do. Never a key or
	 * a token. */
	char detail[256];
};

struct target;

/* NULL with err set when the configuration cannot work (no key file, a
 * bad URL template, ...). */
struct target *target_open(const struct target_config *cfg, char *err, size_t errlen);
/* Uploads len bytes under object (e.g. "autoload/v2/ORG/ndt/ndt7/2026/
 * 12/07/20261207T101500.000000Z-ndt7-NODE-ndt-data.jsonl.gz"); the same
 * name again overwrites the object, so a retried bundle never duplicates
 * data. Blocks at most cfg->timeout_ms (plus one token request). */
void target_upload(struct target *t, const char *object, const void *data, size_t len,
		   struct target_outcome *out);
/* A new bound for the uploads that follow (and their token requests):
 * the uploader's final flush at shutdown shortens it. */
void target_set_timeout(struct target *t, int timeout_ms);
void target_close(struct target *t);
const char *target_result_name(enum target_result r);

#endif
