/* The HTTPS PUT target: each bundle PUT to a URL template whose "{object}"
 * is the object's name, with a bearer token read from a file at every
 * upload (so a rotated token is picked up); any 2xx is stored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target_int.h"

struct put {
	char *url;
	char *token_file;
	char *ca_file;
	struct target_config cfg;
};

int put_url_build(const char *tmpl, const char *object, char *out, size_t cap, const char **why)
{
	const char *at = strstr(tmpl, "{object}");
	char enc[TARGET_URL_MAX];
	size_t pre;

	if (!at || strstr(at + 8, "{object}")) {
		*why = "the URL template needs \"{object}\" exactly once";
		return -1;
	}
	if (target_encode(object, 1, enc, sizeof(enc)) < 0) {
		*why = "the object name is empty, too long or has control characters";
		return -1;
	}
	pre = (size_t)(at - tmpl);
	if (pre + strlen(enc) + strlen(at + 8) >= cap) {
		*why = "the URL is too long";
		return -1;
	}
	snprintf(out, cap, "%.*s%s%s", (int)pre, tmpl, enc, at + 8);
	return 0;
}

int put_token_read(const char *file, char *tok, size_t cap, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	size_t n;

	if (!f) {
		snprintf(err, errlen, "token file %s: %s", file, strerror(errno));
		return -1;
	}
	if (!fgets(tok, (int)cap, f))
		tok[0] = '\0';
	fclose(f);
	n = strcspn(tok, "\r\n");
	tok[n] = '\0';
	while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		tok[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)tok[i] <= 0x20 || (unsigned char)tok[i] >= 0x7f) {
			explicit_bzero(tok, cap);
			snprintf(err, errlen, "token file %s: the token has a character a bearer "
				 "token cannot (one line of printable ASCII expected)", file);
			return -1;
		}
	if (n == 0) {
		snprintf(err, errlen, "token file %s: empty (one line with the token expected)",
			 file);
		return -1;
	}
	return 0;
}

struct put *put_open(const struct target_config *cfg, char *err, size_t errlen)
{
	char url[TARGET_URL_MAX], tok[TARGET_TOKEN_MAX];
	const char *why;
	struct url u;
	struct put *p;

	if (!cfg->put_url || !cfg->put_url[0]) {
		snprintf(err, errlen, "PUT target: no URL (--put-url)");
		return NULL;
	}
	if (put_url_build(cfg->put_url, "x", url, sizeof(url), &why) < 0 ||
	    url_parse(url, &u, &why) < 0 || (!u.tls && (why = "https:// required"))) {
		snprintf(err, errlen, "PUT target: URL %s: %s", cfg->put_url, why);
		return NULL;
	}
	if (cfg->put_token_file && put_token_read(cfg->put_token_file, tok, sizeof(tok), err,
						  errlen) < 0)
		return NULL;
	explicit_bzero(tok, sizeof(tok));
	p = calloc(1, sizeof(*p));
	if (!p || !(p->url = strdup(cfg->put_url)) ||
	    (cfg->put_token_file && !(p->token_file = strdup(cfg->put_token_file))) ||
	    (cfg->ca_file && !(p->ca_file = strdup(cfg->ca_file)))) {
		put_close(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	p->cfg.ca_file = p->ca_file;
	return p;
}

void put_upload(struct put *p, const char *object, const void *data, size_t len,
		struct target_outcome *out)
{
	char url[TARGET_URL_MAX], auth[TARGET_TOKEN_MAX + 32], tok[TARGET_TOKEN_MAX];
	char err[256];
	const char *why, *headers[3] = { "Content-Type: application/octet-stream", NULL, NULL };
	struct https_response r;
	struct https_opts o;
	int rc;

	if (put_url_build(p->url, object, url, sizeof(url), &why) < 0) {
		target_outcome_set(out, TARGET_FATAL, "object", "PUT %s: %s", object, why);
		return;
	}
	if (p->token_file) {
		if (put_token_read(p->token_file, tok, sizeof(tok), err, sizeof(err)) < 0) {
			target_outcome_set(out, TARGET_AUTH, "auth",
					   "PUT %s: %s; write the bearer token there", object, err);
			return;
		}
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
		explicit_bzero(tok, sizeof(tok));
		headers[1] = auth;
	}
	target_https_opts(&p->cfg, &o);
	rc = https_request("PUT", url, headers, data, len, NULL, &o, &r, err, sizeof(err));
	explicit_bzero(auth, sizeof(auth));
	if (rc < 0) {
		target_outcome_error(out, "PUT", err);
		return;
	}
	if (r.status >= 200 && r.status < 300) {
		target_outcome_set(out, TARGET_OK, "ok", "PUT %s: HTTP %d, %zu bytes stored",
				   object, r.status, len);
	} else {
		target_outcome_status(out, "PUT", r.status);
		target_outcome_note(out, r.body, r.len);
	}
	https_response_free(&r);
}

void put_set_timeout(struct put *p, int timeout_ms)
{
	p->cfg.timeout_ms = timeout_ms;
}

void put_close(struct put *p)
{
	if (!p)
		return;
	free(p->url);
	free(p->token_file);
	free(p->ca_file);
	free(p);
}
