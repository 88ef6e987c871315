/* The Google Cloud Storage target: one JSON API media upload per bundle
 * (POST /upload/storage/v1/b/BUCKET/o?uploadType=media&name=OBJECT) with an
 * OAuth bearer token, and the object resource it answers checked against
 * our own CRC32C and MD5 of the bytes (a mismatch is retried). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "target_int.h"

#define GCS_ENDPOINT_DEFAULT "https://storage.googleapis.com"

struct gcs {
	char *endpoint;
	char *bucket;
	char *ca_file;
	struct target_config cfg;
	struct oauth *oauth;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

uint32_t gcs_crc32c(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[256];
	const unsigned char *p = data;

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Standard base64 (with padding) of exactly n bytes into out: 0 or -1. */
static int b64_exact(const char *s, unsigned char *out, size_t n)
{
	size_t len = strlen(s), o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (len != (n + 2) / 3 * 4)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *at = s[i] ? strchr(a, s[i]) : NULL;

		if (s[i] == '=') {
			if (i < len - 2 || (i == len - 2 && s[len - 1] != '='))
				return -1;
			break;
		}
		if (!at)
			return -1;
		acc = acc << 6 | (uint32_t)(at - a);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == n)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o == n ? 0 : -1;
}

int gcs_object_parse(const char *body, size_t len, struct gcs_object *o, const char **why)
{
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *v;
	unsigned char crc[4];
	int rc = -1;

	memset(o, 0, sizeof(*o));
	if (!j) {
		*why = "not JSON";
		return -1;
	}
	if (!json_is_object(j)) {
		*why = "not a JSON object";
		goto out;
	}
	v = json_object_get(j, "name");
	if (!json_is_string(v) || json_string_length(v) >= sizeof(o->name) ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*why = "no \"name\" (an object name)";
		goto out;
	}
	memcpy(o->name, json_string_value(v), json_string_length(v) + 1);
	v = json_object_get(j, "crc32c");
	if (v) {
		if (!json_is_string(v) || b64_exact(json_string_value(v), crc, 4) < 0) {
			*why = "\"crc32c\" is not base64 of 4 bytes";
			goto out;
		}
		o->crc32c = (uint32_t)crc[0] << 24 | (uint32_t)crc[1] << 16 |
			    (uint32_t)crc[2] << 8 | crc[3];
		o->have_crc32c = 1;
	}
	v = json_object_get(j, "md5Hash");
	if (v) {
		if (!json_is_string(v) || b64_exact(json_string_value(v), o->md5, 16) < 0) {
			*why = "\"md5Hash\" is not base64 of 16 bytes";
			goto out;
		}
		o->have_md5 = 1;
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int gcs_checksum_check(const struct gcs_object *o, const void *data, size_t len,
		       const char **why)
{
	unsigned char md5[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!o->have_crc32c && !o->have_md5) {
		*why = "the answer has neither crc32c nor md5Hash";
		return -1;
	}
	if (o->have_crc32c && o->crc32c != gcs_crc32c(0, data, len)) {
		*why = "crc32c differs from ours";
		return -1;
	}
	if (o->have_md5 && (EVP_Digest(data, len, md5, &n, EVP_md5(), NULL) != 1 || n != 16 ||
			    memcmp(md5, o->md5, 16) != 0)) {
		*why = "md5Hash differs from ours";
		return -1;
	}
	return 0;
}

struct gcs *gcs_open(const struct target_config *cfg, char *err, size_t errlen)
{
	const char *ep = cfg->gcs_endpoint ? cfg->gcs_endpoint : GCS_ENDPOINT_DEFAULT, *why;
	char enc[256];
	struct url u;
	struct gcs *g;

	if (!cfg->bucket || target_encode(cfg->bucket, 0, enc, sizeof(enc)) < 0 ||
	    strcmp(enc, cfg->bucket) != 0) {
		snprintf(err, errlen, "GCS target: bucket \"%s\": a bucket name expected "
			 "(--bucket, or from the registration)", cfg->bucket ? cfg->bucket : "");
		return NULL;
	}
	if (url_parse(ep, &u, &why) < 0 || (!u.tls && (why = "https:// required")) ||
	    (strcmp(u.target, "/") != 0 && (why = "no path expected"))) {
		snprintf(err, errlen, "GCS target: endpoint %s: %s", ep, why);
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g || !(g->endpoint = strdup(ep)) || !(g->bucket = strdup(cfg->bucket)) ||
	    (cfg->ca_file && !(g->ca_file = strdup(cfg->ca_file)))) {
		gcs_close(g);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t n = strlen(g->endpoint); n > 0 && g->endpoint[n - 1] == '/'; n--)
		g->endpoint[n - 1] = '\0';
	g->cfg = *cfg;
	g->cfg.ca_file = g->ca_file;
	g->oauth = oauth_open(cfg->service_account_file, cfg->token_url, err, errlen);
	if (!g->oauth) {
		gcs_close(g);
		return NULL;
	}
	return g;
}

/* One upload with tok within timeout_ms: 0 done (out filled), 1 the token
 * was refused. */
static int upload_once(struct gcs *g, const char *url, const char *object, const char *tok,
		       const void *data, size_t len, int timeout_ms, struct target_outcome *out)
{
	char auth[TARGET_TOKEN_MAX + 32], err[256];
	const char *headers[] = { "Content-Type: application/octet-stream", auth, NULL }, *why;
	struct https_response r;
	struct https_opts o;
	struct gcs_object obj;
	int rc;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	target_https_opts(&g->cfg, &o);
	o.timeout_ms = timeout_ms;
	rc = https_request("POST", url, headers, data, len, NULL, &o, &r, err, sizeof(err));
	explicit_bzero(auth, sizeof(auth));
	if (rc < 0) {
		target_outcome_error(out, "GCS upload", err);
		return 0;
	}
	rc = 0;
	if (r.status == 401)
		rc = 1;
	else if (r.status < 200 || r.status > 299) {
		target_outcome_status(out, "GCS upload", r.status);
		target_outcome_note(out, r.body, r.len);
	}
	else if (gcs_object_parse(r.body, r.len, &obj, &why) < 0)
		target_outcome_set(out, TARGET_RETRY, "answer", "GCS upload of %s: HTTP %d but "
				   "the answer is unusable: %s", object, r.status, why);
	else if (strcmp(obj.name, object) != 0)
		target_outcome_set(out, TARGET_RETRY, "answer", "GCS upload of %s: the answer "
				   "names another object", object);
	else if (gcs_checksum_check(&obj, data, len, &why) < 0)
		target_outcome_set(out, TARGET_RETRY, "checksum", "GCS upload of %s: %s: the "
				   "object is damaged; uploading it again", object, why);
	else
		target_outcome_set(out, TARGET_OK, "ok", "GCS upload of %s: %zu bytes, checksum "
				   "matches", object, len);
	https_response_free(&r);
	return rc;
}

void gcs_upload(struct gcs *g, const char *object, const void *data, size_t len,
		struct target_outcome *out)
{
	char url[TARGET_URL_MAX + 512], enc[TARGET_URL_MAX], tok[TARGET_TOKEN_MAX];
	int timeout = g->cfg.timeout_ms > 0 ? g->cfg.timeout_ms : 30000;
	long long start = mono_ms();

	if (target_encode(object, 0, enc, sizeof(enc)) < 0) {
		target_outcome_set(out, TARGET_FATAL, "object", "GCS upload: object name \"%.64s\""
				   ": empty, too long or with control characters", object);
		return;
	}
	snprintf(url, sizeof(url), "%s/upload/storage/v1/b/%s/o?uploadType=media&name=%s",
		 g->endpoint, g->bucket, enc);
	/* The two uploads (the second after a 401 and a fresh token) share
	 * one timeout: target.h's bound. */
	for (int fresh = 0; fresh < 2; fresh++) {
		int left = timeout - (int)(mono_ms() - start);

		if (fresh && left < 100) {
			target_outcome_set(out, TARGET_RETRY, "timeout", "GCS upload of %s: HTTP "
					   "401, and no time left to retry with a fresh token", object);
			return;
		}
		if (oauth_token(g->oauth, fresh, &g->cfg, tok, sizeof(tok), out) < 0)
			return;
		if (upload_once(g, url, object, tok, data, len, left, out) == 0) {
			explicit_bzero(tok, sizeof(tok));
			return;
		}
		explicit_bzero(tok, sizeof(tok));
		/* metrics: a token refused (401): refreshed once */
	}
	target_outcome_set(out, TARGET_AUTH, "auth", "GCS upload: HTTP 401 even with a fresh "
			   "token: the service account may not write to bucket %s", g->bucket);
}

void gcs_set_timeout(struct gcs *g, int timeout_ms)
{
	g->cfg.timeout_ms = timeout_ms;
}

void gcs_close(struct gcs *g)
{
	if (!g)
		return;
	oauth_close(g->oauth);
	free(g->endpoint);
	free(g->bucket);
	free(g->ca_file);
	free(g);
}
