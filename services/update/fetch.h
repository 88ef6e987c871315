/* Fetching a bundle over HTTPS (lib/net/https.h) from update.url, the URL
 * of the directory make wrote (out/BOARD/update/): SHA256SUMS and its
 * signature first, checked before anything else is downloaded; then
 * VERSION, refused unless newer than the running image (and than what is
 * already staged); then the files SHA256SUMS lists, each checked. */
#ifndef FATHOM_UPDATE_FETCH_H
#define FATHOM_UPDATE_FETCH_H

#include <stddef.h>

#include "bundle.h"

struct fetch_opts {
	const char *url;		/* base: NAME is appended after a '/' */
	const char *ca_file;		/* NULL: the system's */
	const char *pubkey;
	int allow_http;			/* tests only */
	int timeout_ms;			/* per request */
};

/* Download into dir (existing, empty). 0 fetched; 1 nothing newer (no
 * error: *v is the version offered); -1 refused (a bad signature, checksum
 * or file: err); -2 not fetched (the network, HTTP, a full disk: err).
 * skip: a version already staged (NULL: none). */
int fetch_bundle(const struct fetch_opts *o, const char *dir,
		 const struct bundle_version *running, const struct bundle_version *skip,
		 struct bundle_version *v, char *err, size_t errlen);

#endif
