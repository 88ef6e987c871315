/* The ACME (RFC 8555) server's messages, parsed without I/O: the
 * directory, orders, authorizations and their http-01 challenge, the
 * status of a polled resource, problem documents, the Replay-Nonce and
 * Location headers and the certificate chain. acme.c does the exchange;
 * tests/unit/test_platform_acme.c and tests/fuzz/fuzz_platform_acme.c
 * feed these the server's side. Bodies need not be NUL-terminated. */
#ifndef PLATFORM_ACME_MSG_H
#define PLATFORM_ACME_MSG_H

#include <stddef.h>
#include <time.h>

#define ACME_URL_MAX 512
#define ACME_TOKEN_MAX 256
#define ACME_AUTHZ_MAX 8		/* we order one name: one authorization */

struct acme_directory {
	char new_nonce[ACME_URL_MAX], new_account[ACME_URL_MAX], new_order[ACME_URL_MAX];
};

/* Status of an order, authorization or challenge (RFC 8555 7.1.6). */
enum acme_status {
	ACME_ST_NONE,			/* no "status" string */
	ACME_ST_UNKNOWN,		/* a string RFC 8555 does not define */
	ACME_ST_PENDING, ACME_ST_READY, ACME_ST_PROCESSING, ACME_ST_VALID,
	ACME_ST_INVALID, ACME_ST_DEACTIVATED, ACME_ST_EXPIRED, ACME_ST_REVOKED,
};

struct acme_state {
	enum acme_status st;
	char status[32];		/* as sent (cut, control bytes as '?'); "(none)" */
	char detail[256];		/* error.detail, or a challenge's; "" */
};

struct acme_order {
	struct acme_state s;
	char finalize[ACME_URL_MAX];
	char certificate[ACME_URL_MAX];	/* "" until the order is valid */
	size_t nauthz;
	char authz[ACME_AUTHZ_MAX][ACME_URL_MAX];
};

struct acme_authz {
	struct acme_state s;
	int http01;			/* 1: token and url below are usable */
	char token[ACME_TOKEN_MAX];	/* base64url characters only (a file name) */
	char url[ACME_URL_MAX];
};

/* Each parser: 0 with *out filled, or -1 with *why a static phrase (the
 * caller names the URL). */

/* A directory object with newNonce, newAccount and newOrder strings. */
int acme_parse_directory(const char *body, size_t n, struct acme_directory *d,
			 const char **why);

/* An order: finalize (string), authorizations (1..ACME_AUTHZ_MAX strings),
 * certificate if present, the status. */
int acme_parse_order(const char *body, size_t n, struct acme_order *o, const char **why);

/* An authorization: its status and its first usable http-01 challenge
 * (z->http01 0 when there is none: not an error for a valid one). */
int acme_parse_authz(const char *body, size_t n, struct acme_authz *z, const char **why);

/* The status and error detail of any ACME resource object. */
int acme_parse_state(const char *body, size_t n, struct acme_state *s, const char **why);

/* The word's status; ACME_ST_UNKNOWN for others, ACME_ST_NONE for NULL. */
enum acme_status acme_status_of(const char *word);

/* A poll of a resource that should reach until: 1 done, 0 poll again
 * (pending, ready, processing), -1 failed (any other status). */
int acme_poll_step(const struct acme_state *s, enum acme_status until);

/* "HTTP <status>[ <type>][: <detail>]" of a problem document (RFC 8555
 * 6.7) in body (may be NULL or not JSON), one line (control bytes '?'). */
const char *acme_problem(int status, const char *body, size_t n, char *buf, size_t cap);

/* A Replay-Nonce value (RFC 8555 6.5.1: base64url, non-empty) into out;
 * 0, or -1 (out ""). */
int acme_parse_nonce(const char *v, char *out, size_t cap);

/* A Location value: an http(s) URL without spaces or control bytes that
 * fits in out; 0, or -1 (out ""). */
int acme_parse_location(const char *v, char *out, size_t cap);

/* A Retry-After value (RFC 9110 10.2.3: delay-seconds or an IMF-fixdate
 * such as "Sun, 06 Nov 1994 08:49:37 GMT") as seconds from now: >= 0
 * (0 for a date already past), or -1 when v is empty or neither form. */
long acme_retry_after(const char *v, time_t now);

/* 1 when a refused request means a rate limit: HTTP 429, or the problem
 * line (acme_problem) names urn:ietf:params:acme:error:rateLimited. */
int acme_rate_limited(int status, const char *problem);

/* A PEM certificate chain (application/pem-certificate-chain): one or more
 * certificates and nothing else PEM; the first (the leaf) for domain when
 * domain is not NULL. The number of certificates, or -1 with *why. */
int acme_parse_chain(const char *pem, size_t n, const char *domain, const char **why);

#endif
