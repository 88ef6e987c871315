/* Access tokens as M-Lab's Locate service issues them: a JWT (compact
 * JWS) signed with EdDSA, ES256 or RS256, issuer "locate", audience the
 * machine's name, sub "monitoring" for M-Lab's own monitoring. Checked
 * against the keys of jwk.h with no leeway on times. Pure but for OpenSSL. */
#ifndef NDT7_TOKEN_H
#define NDT7_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "jwk.h"

#define TOKEN_MAX 8192		/* bytes of a token */
#define TOKEN_ISSUER "locate"
#define TOKEN_MONITORING "monitoring"

/* Why a token was refused; the names (token_reason_name) are stable: they
 * are the metrics' reason label and appear in the log. */
enum token_reason {
	TOKEN_OK,
	TOKEN_MISSING,		/* none given, and one is required */
	TOKEN_MALFORMED,	/* not three base64url parts of JSON objects */
	TOKEN_TOO_LARGE,	/* over TOKEN_MAX bytes */
	TOKEN_ALGORITHM,	/* alg none, HS*, unknown, or not the key's */
	TOKEN_UNKNOWN_KEY,	/* no key with this kid */
	TOKEN_SIGNATURE,	/* the signature does not verify */
	TOKEN_ISSUER_BAD,	/* iss is not "locate" */
	TOKEN_AUDIENCE,		/* aud does not name this machine */
	TOKEN_EXPIRED,		/* exp missing or not after now */
	TOKEN_NOT_YET_VALID,	/* nbf or iat after now */
	TOKEN_REASONS,
};

/* "ok", "missing", "malformed", "too-large", "algorithm", "unknown-key",
 * "signature", "issuer", "audience", "expired", "not-yet-valid". */
const char *token_reason_name(enum token_reason r);

/* What a refused client reads (the response body) and the log says:
 * a sentence with the reason's name; never the token. */
const char *token_reason_message(enum token_reason r);

/* Check token tok[0..n) (n 0: TOKEN_MISSING) for audience machine at now
 * (seconds since the epoch). A token without "kid" is tried with every
 * key of its alg. TOKEN_OK sets *monitoring to whether sub is
 * "monitoring". */
enum token_reason token_verify(const struct jwk_set *keys, const char *tok, size_t n,
			       const char *machine, int64_t now, int *monitoring);

/* The access_token parameter of an upgrade request's query[0..n) on a
 * server with keys that requires a token or not. TOKEN_OK to go on (then
 * *monitoring as above); *given: whether the query had a token. As
 * upstream (m-lab/access): a missing token is refused only when one is
 * required, an invalid one always, even with no keys. */
enum token_reason token_admit(const struct jwk_set *keys, const char *machine, int required,
			      const char *query, size_t n, int64_t now, int *monitoring,
			      int *given);

#endif
