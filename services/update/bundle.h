/* An update bundle's files and the parsers of what comes from outside:
 * VERSION, SHA256SUMS (also the index of what to fetch) and the signature
 * SHA256SUMS.sig. Pure functions (bundle.c), unit-tested and fuzzed; the
 * checks that read files and call OpenSSL are in verify.c.
 *
 * A bundle (scripts/update-bundle) is a directory: vmlinuz,
 * initramfs.cpio.zst, media.cpio.zst (optional), VERSION, SHA256SUMS (one
 * "SHA256  NAME" line per file but itself and the signature) and
 * SHA256SUMS.sig (64 bytes, Ed25519 over SHA256SUMS as it is). */
#ifndef FATHOM_UPDATE_BUNDLE_H
#define FATHOM_UPDATE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define BUNDLE_SUMS "SHA256SUMS"
#define BUNDLE_SIG "SHA256SUMS.sig"
#define BUNDLE_VERSION "VERSION"
#define BUNDLE_SIG_LEN 64
#define BUNDLE_FILES_MAX 4
#define BUNDLE_SUMS_MAX 4096		/* bytes of SHA256SUMS */
#define BUNDLE_VERSION_MAX 256		/* bytes of VERSION */
#define BUNDLE_DESCRIBE_MAX 128

/* "NUMBER[ DESCRIBE]\n": the number (the build's SOURCE_DATE_EPOCH) orders
 * versions; describe (git describe) is for people. */
struct bundle_version {
	uint64_t number;
	char describe[BUNDLE_DESCRIBE_MAX];
};

struct bundle_file {
	char name[24];			/* one of bundle_names() */
	unsigned char sha256[32];
};

struct bundle_sums {
	size_t count;
	struct bundle_file file[BUNDLE_FILES_MAX];
};

/* The names a bundle may list, NULL-terminated; the first ones up to
 * "VERSION" are required, the rest optional. */
const char *const *bundle_names(void);
int bundle_name_required(const char *name);

/* Each: 0, or -1 with a one-line reason in why (at most 200 bytes; for
 * SHA256SUMS it names the line). Input need not be NUL-terminated. */
int bundle_version_parse(const char *buf, size_t n, struct bundle_version *v,
			 char *why, size_t whylen);
int bundle_sums_parse(const char *buf, size_t n, struct bundle_sums *s,
		      char *why, size_t whylen);
int bundle_sig_parse(const unsigned char *buf, size_t n, unsigned char sig[BUNDLE_SIG_LEN],
		     char *why, size_t whylen);

/* The entry for name, or NULL. */
const struct bundle_file *bundle_sums_find(const struct bundle_sums *s, const char *name);

#endif
