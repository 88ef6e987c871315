/* The checks of an update bundle: Ed25519 signature (OpenSSL EVP), SHA-256
 * of each file, version order (contract: verify.h). */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/file.h"

/* The file's PEM public keys, up to max (an image trusts its signing key,
 * and during a key change the next one too): how many, or -1 (err). */
#define VERIFY_KEYS_MAX 8
static int read_keys(const char *path, EVP_PKEY *keys[], int max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;
	int n = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s: the image has no update key; rebuild it with make",
			 path, strerror(errno));
		return -1;
	}
	while (n < max && (k = PEM_read_PUBKEY(f, NULL, NULL, NULL)) != NULL) {
		if (EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
			EVP_PKEY_free(k);
			break;
		}
		keys[n++] = k;
	}
	ERR_clear_error();	/* the end of the file reads as an error */
	if (n == 0 || (!feof(f) && n < max)) {
		fclose(f);
		while (n > 0)
			EVP_PKEY_free(keys[--n]);
		snprintf(err, errlen, "%s: not PEM Ed25519 public keys; rebuild the image with make",
			 path);
		return -1;
	}
	fclose(f);
	return n;
}

int verify_signature(const char *sums, size_t n, const unsigned char sig[BUNDLE_SIG_LEN],
		     const char *pubkey_path, const char *sig_name, char *err, size_t errlen)
{
	EVP_PKEY *keys[VERIFY_KEYS_MAX];
	int count = read_keys(pubkey_path, keys, VERIFY_KEYS_MAX, err, errlen), ok = 0, i;

	if (count < 0)
		return -1;
	for (i = 0; i < count; i++) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();

		if (!ok && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, keys[i]) == 1 &&
		    EVP_DigestVerify(ctx, sig, BUNDLE_SIG_LEN, (const unsigned char *)sums, n) == 1)
			ok = 1;
		EVP_MD_CTX_free(ctx);
		EVP_PKEY_free(keys[i]);
	}
	if (!ok) {
		snprintf(err, errlen, "%s: signature does not verify with %s: the bundle was signed "
			 "with another key or SHA256SUMS was altered; sign it with the key this image "
			 "was built with (UPDATE_KEY)", sig_name, pubkey_path);
		return -1;
	}
	return 0;
}

int verify_file_sha256(const char *path, const unsigned char want[32], char *err, size_t errlen)
{
	unsigned char buf[65536], got[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ok = 0;
	ssize_t r = 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s: the bundle is incomplete", path, strerror(errno));
		EVP_MD_CTX_free(ctx);
		return -1;
	}
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			if (EVP_DigestUpdate(ctx, buf, (size_t)r) != 1)
				break;
		ok = r == 0 && EVP_DigestFinal_ex(ctx, got, &len) == 1 && len == 32;
	}
	close(fd);
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		snprintf(err, errlen, "%s: cannot read it to the end: %s", path,
			 r < 0 ? strerror(errno) : "SHA-256 failed");
		return -1;
	}
	if (memcmp(got, want, 32) != 0) {
		snprintf(err, errlen, "%s: sha256 differs from SHA256SUMS: the file is corrupted; "
			 "copy or download the bundle again", path);
		return -1;
	}
	return 0;
}

int verify_read_version(const char *path, struct bundle_version *v, char *err, size_t errlen)
{
	char buf[BUNDLE_VERSION_MAX + 2], why[256];
	ssize_t n = file_read(path, buf, sizeof(buf));

	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (bundle_version_parse(buf, (size_t)n, v, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

int verify_newer(const struct bundle_version *bundle, const struct bundle_version *running,
		 const char *where, char *err, size_t errlen)
{
	if (bundle->number > running->number)
		return 0;
	snprintf(err, errlen, "%s: version %" PRIu64 " (%s) is %s this image's %" PRIu64 " (%s): "
		 "refusing a rollback; build a newer image to update", where, bundle->number,
		 bundle->describe[0] ? bundle->describe : "-",
		 bundle->number == running->number ? "the same as" : "older than", running->number,
		 running->describe[0] ? running->describe : "-");
	return -1;
}

/* dir/name into path; -1 when it does not fit. */
static int join(char *path, size_t size, const char *dir, const char *name)
{
	int n = snprintf(path, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int verify_bundle_dir(const char *dir, const char *pubkey_path,
		      const struct bundle_version *running, struct bundle_sums *sums,
		      struct bundle_version *v, char *err, size_t errlen)
{
	char path[4096], sig_path[4096], text[BUNDLE_SUMS_MAX + 2], why[256];
	unsigned char sigbuf[256], sig[BUNDLE_SIG_LEN];
	ssize_t n, sn;
	size_t i;

	if (join(path, sizeof(path), dir, BUNDLE_SUMS) < 0 ||
	    join(sig_path, sizeof(sig_path), dir, BUNDLE_SIG) < 0) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	n = file_read(path, text, sizeof(text));
	if (n < 0) {
		snprintf(err, errlen, "%s: %s: not an update bundle (make writes them to "
			 "out/BOARD/update/)", path, strerror(errno));
		return -1;
	}
	sn = file_read(sig_path, (char *)sigbuf, sizeof(sigbuf));
	if (sn < 0) {
		snprintf(err, errlen, "%s: %s: the bundle is not signed", sig_path, strerror(errno));
		return -1;
	}
	if (bundle_sig_parse(sigbuf, (size_t)sn, sig, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", sig_path, why);
		return -1;
	}
	if (verify_signature(text, (size_t)n, sig, pubkey_path, sig_path, err, errlen) < 0)
		return -1;
	if (bundle_sums_parse(text, (size_t)n, sums, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	for (i = 0; i < sums->count; i++) {
		if (join(path, sizeof(path), dir, sums->file[i].name) < 0) {
			snprintf(err, errlen, "%s: path too long", dir);
			return -1;
		}
		if (verify_file_sha256(path, sums->file[i].sha256, err, errlen) < 0)
			return -1;
	}
	if (join(path, sizeof(path), dir, BUNDLE_VERSION) < 0 ||
	    verify_read_version(path, v, err, errlen) < 0)
		return -1;
	return running ? verify_newer(v, running, path, err, errlen) : 0;
}
