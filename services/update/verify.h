/* Checking a bundle in a directory: the Ed25519 signature of SHA256SUMS
 * with the built-in public key (OpenSSL EVP), every listed file's SHA-256,
 * and that its VERSION is newer than the running image's (verify.c).
 * Every failure is one line in err naming the file and what to do; the
 * caller adds "nothing written". */
#ifndef FATHOM_UPDATE_VERIFY_H
#define FATHOM_UPDATE_VERIFY_H

#include <stddef.h>

#include "bundle.h"

#define UPDATE_PUBKEY_DEFAULT "/etc/fathom/update.pub"
#define UPDATE_VERSION_DEFAULT "/etc/fathom/version"

/* Whether sig is an Ed25519 signature over sums[0..n) by one of the PEM
 * public keys in pubkey_path (the signing key's, and during a key change
 * the next key's; up to 8). 0 yes; -1 no or the keys are unusable (err
 * says which). sig_name names the
 * signature in the message. */
int verify_signature(const char *sums, size_t n, const unsigned char sig[BUNDLE_SIG_LEN],
		     const char *pubkey_path, const char *sig_name, char *err, size_t errlen);

/* Whether path's SHA-256 is want: 0, or -1 (err names path). */
int verify_file_sha256(const char *path, const unsigned char want[32], char *err, size_t errlen);

/* Read and parse a version file (VERSION, /etc/fathom/version): 0 or -1. */
int verify_read_version(const char *path, struct bundle_version *v, char *err, size_t errlen);

/* The whole check of the bundle in dir: signature, then checksums, then
 * version strictly above running->number (running NULL: not checked).
 * Fills *sums and *v. 0 good; -1 refused (err). */
int verify_bundle_dir(const char *dir, const char *pubkey_path,
		      const struct bundle_version *running, struct bundle_sums *sums,
		      struct bundle_version *v, char *err, size_t errlen);

/* "refusing a rollback" line for a bundle not newer than running. */
int verify_newer(const struct bundle_version *bundle, const struct bundle_version *running,
		 const char *where, char *err, size_t errlen);

#endif
