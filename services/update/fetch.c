/* An update bundle over HTTPS into a directory (contract: fetch.h). The
 * big files are downloaded only once the signed list says they are wanted. */
#include "fetch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/file.h"
#include "lib/net/https.h"
#include "verify.h"

/* A kernel or initrd; far above today's (8 and 5 MB). */
#define FETCH_FILE_MAX (512u << 20)

static int get(const struct fetch_opts *o, const char *name, size_t max,
	       struct https_response *r, char *err, size_t errlen)
{
	struct https_opts ho = { .ca_file = o->ca_file, .timeout_ms = o->timeout_ms,
				 .max_body = max, .allow_plain = o->allow_http };
	size_t ul = strlen(o->url);
	char url[4096], why[512];

	snprintf(url, sizeof(url), "%s%s%s", o->url, ul && o->url[ul - 1] == '/' ? "" : "/", name);
	memset(r, 0, sizeof(*r));
	if (https_request("GET", url, NULL, NULL, 0, NULL, &ho, r, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", url, why);
		return -1;
	}
	if (r->status != 200) {
		snprintf(err, errlen, "%s: HTTP status %d; check update.url", url, r->status);
		https_response_free(r);
		return -1;
	}
	return 0;
}

/* GET name into dir/name. */
static int get_file(const struct fetch_opts *o, const char *dir, const char *name, size_t max,
		    struct https_response *r, char *err, size_t errlen)
{
	char path[4096];

	if (get(o, name, max, r, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (file_write_atomic(path, r->body, r->len, 0600) < 0) {
		snprintf(err, errlen, "%s: %s (disk full?)", path, strerror(errno));
		https_response_free(r);
		return -1;
	}
	return 0;
}

int fetch_bundle(const struct fetch_opts *o, const char *dir,
		 const struct bundle_version *running, const struct bundle_version *skip,
		 struct bundle_version *v, char *err, size_t errlen)
{
	struct https_response sums_r, sig_r, r;
	struct bundle_sums sums;
	unsigned char sig[BUNDLE_SIG_LEN];
	char why[256], path[4096];
	size_t i;
	int rc = -1;

	if (get_file(o, dir, BUNDLE_SUMS, BUNDLE_SUMS_MAX, &sums_r, err, errlen) < 0)
		return -2;
	rc = -2;
	if (get_file(o, dir, BUNDLE_SIG, 256, &sig_r, err, errlen) < 0)
		goto out_sums;
	rc = -1;
	if (bundle_sig_parse((unsigned char *)sig_r.body, sig_r.len, sig, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s/%s: %s", o->url, BUNDLE_SIG, why);
		goto out;
	}
	if (verify_signature(sums_r.body, sums_r.len, sig, o->pubkey, BUNDLE_SIG, err, errlen) < 0)
		goto out;
	if (bundle_sums_parse(sums_r.body, sums_r.len, &sums, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s/%s: %s", o->url, BUNDLE_SUMS, why);
		goto out;
	}
	if (get_file(o, dir, BUNDLE_VERSION, BUNDLE_VERSION_MAX, &r, err, errlen) < 0) {
		rc = -2;
		goto out;
	}
	https_response_free(&r);
	snprintf(path, sizeof(path), "%s/%s", dir, BUNDLE_VERSION);
	if (verify_file_sha256(path, bundle_sums_find(&sums, BUNDLE_VERSION)->sha256, err, errlen) < 0 ||
	    verify_read_version(path, v, err, errlen) < 0)
		goto out;
	if (v->number <= running->number || (skip && v->number == skip->number)) {
		rc = 1;
		goto out;
	}
	for (i = 0; i < sums.count; i++) {
		if (strcmp(sums.file[i].name, BUNDLE_VERSION) == 0)
			continue;
		if (get_file(o, dir, sums.file[i].name, FETCH_FILE_MAX, &r, err, errlen) < 0) {
			rc = -2;
			goto out;
		}
		https_response_free(&r);
		snprintf(path, sizeof(path), "%s/%s", dir, sums.file[i].name);
		if (verify_file_sha256(path, sums.file[i].sha256, err, errlen) < 0)
			goto out;
	}
	rc = 0;
out:
	https_response_free(&sig_r);
out_sums:
	https_response_free(&sums_r);
	return rc;
}
