/* The platform's messages, pure (no I/O) so that they are unit-tested and
 * fuzzed: token-exchange (POST {"api_key"} -> {"token"}), autojoin's
 * register (POST REGISTER_URL?service=..&iata=.. with the token as bearer
 * -> {"Registration": {...}} or {"Error": {...}}), and Locate's heartbeat
 * messages ({"Registration": {...}}, then {"Health": {"Score": N}}). */
#ifndef PLATFORM_AUTOJOIN_H
#define PLATFORM_AUTOJOIN_H

#include <stddef.h>

#define AJ_PORTS_MAX 16
#define AJ_TOKEN_MAX 8192

/* What register asks for (the query of upstream's openapi.yaml). */
struct aj_params {
	const char *service;		/* "ndt" */
	const char *iata;		/* three letters */
	const char *ipv4, *ipv6;	/* NULL or "": left out */
	const char *type;		/* physical | virtual */
	const char *uplink;		/* "10g" */
	const char *probability;	/* NULL: left out (upstream: 1.0) */
	const char *version;		/* NULL: left out (upstream: v0.0.0) */
	unsigned ports[AJ_PORTS_MAX];
	int nports;
};

/* An API error ({"Error": {type, title, status, detail}}). */
struct aj_error {
	char type[128], title[256], detail[256];
	int status;
};

/* A registration: the parts the agent keeps. Strings are malloc'd. */
struct aj_registration {
	char hostname[254];
	char *heartbeat;	/* the Heartbeat object, compact JSON */
	char *annotation;	/* the Annotation object, compact JSON, or NULL */
	char *sa_key;		/* Credentials.ServiceAccountKey, base64 as received */
};

/* {"api_key":"..."} into a malloc'd string (NULL on failure). */
char *aj_token_request(const char *api_key);

/* The token of a token-exchange answer: 0, or -1 with *why. */
int aj_token_parse(const char *body, size_t len, char *token, size_t cap, const char **why);

/* base?query with each value percent-encoded (RFC 3986 unreserved kept):
 * the length, or -1 if it does not fit or a required field is missing. */
int aj_register_url(const char *base, const struct aj_params *p, char *out, size_t cap);

/* Percent-encode s into out: its length, or -1 if it does not fit. */
int aj_urlencode(const char *s, char *out, size_t cap);

/* A register answer: 0 registration (free with aj_registration_free), 1
 * an API error in *e, -1 malformed (why: a short reason, no secret). */
int aj_register_parse(const char *body, size_t len, struct aj_registration *r,
		      struct aj_error *e, const char **why);
void aj_registration_free(struct aj_registration *r);

/* The service-account key decoded from base64 into a malloc'd buffer
 * (*n bytes): NULL if it is not base64. */
unsigned char *aj_b64decode(const char *s, size_t *n);

/* The heartbeat's first message: {"Registration": HEARTBEAT with
 * "Services": {"ndt/ndt7": [urls...]}}, malloc'd, or NULL if heartbeat is
 * not a JSON object. */
char *hb_registration_msg(const char *heartbeat, const char *service_key,
			  const char *const *urls);

/* {"Health":{"Score":N}} into buf: its length. */
int hb_health_msg(int score, char *buf, size_t cap);

#endif
