/* Building and parsing the platform's messages with Debian's jansson
 * (contract: autojoin.h). Pure: no I/O, no logging. */
#include "autojoin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

char *aj_token_request(const char *api_key)
{
	json_t *o = json_pack("{s:s}", "api_key", api_key ? api_key : "");
	char *s;

	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int aj_token_parse(const char *body, size_t len, char *token, size_t cap, const char **why)
{
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *t;
	const char *s;
	size_t n, i;
	int rc = -1;

	if (!o) {
		*why = "not JSON";
		return -1;
	}
	t = json_is_object(o) ? json_object_get(o, "token") : NULL;
	if (!json_is_object(o))
		*why = "not a JSON object";
	else if (!t)
		*why = "no \"token\"";
	else if (!json_is_string(t))
		*why = "\"token\" is not a string";
	else if ((n = json_string_length(t)) == 0)
		*why = "\"token\" is empty";
	else if (n >= cap)
		*why = "\"token\" is too long";
	else {
		s = json_string_value(t);
		/* A JWT: base64url and dots, as it goes into a header line. */
		for (i = 0; i < n; i++)
			if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' && s[i] <= 'z') &&
			    !(s[i] >= '0' && s[i] <= '9') && !strchr("-_.=", s[i]))
				break;
		if (i < n) {
			*why = "\"token\" has characters a JWT does not";
		} else {
			memcpy(token, s, n + 1);
			rc = 0;
		}
	}
	json_decref(o);
	return rc;
}

int aj_urlencode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				return -1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= cap)
		return -1;
	out[o] = '\0';
	return (int)o;
}

/* Append "&name=VALUE" (or "?name=" first) to out at *o. */
static int add(char *out, size_t cap, size_t *o, const char *name, const char *value)
{
	int n;

	if (!value || !*value)
		return 0;
	n = snprintf(out + *o, cap - *o, "%c%s=", strchr(out, '?') ? '&' : '?', name);
	if (n < 0 || (size_t)n >= cap - *o)
		return -1;
	*o += (size_t)n;
	n = aj_urlencode(value, out + *o, cap - *o);
	if (n < 0)
		return -1;
	*o += (size_t)n;
	return 0;
}

int aj_register_url(const char *base, const struct aj_params *p, char *out, size_t cap)
{
	size_t o = strlen(base);
	char port[8];
	int i;

	if (!p->service || !*p->service || !p->iata || !*p->iata || !p->type || !*p->type ||
	    !p->uplink || !*p->uplink || o >= cap || strchr(base, '?') || strchr(base, '#'))
		return -1;
	memcpy(out, base, o + 1);
	if (add(out, cap, &o, "service", p->service) || add(out, cap, &o, "iata", p->iata) ||
	    add(out, cap, &o, "ipv4", p->ipv4) || add(out, cap, &o, "ipv6", p->ipv6) ||
	    add(out, cap, &o, "type", p->type) || add(out, cap, &o, "uplink", p->uplink) ||
	    add(out, cap, &o, "probability", p->probability) ||
	    add(out, cap, &o, "version", p->version))
		return -1;
	for (i = 0; i < p->nports && i < AJ_PORTS_MAX; i++) {
		snprintf(port, sizeof(port), "%u", p->ports[i] & 0xffff);
		if (add(out, cap, &o, "ports", port))
			return -1;
	}
	return (int)o;
}

/* A string member of o into out (cut to fit), "" if absent or not one. */
static void str_member(json_t *o, const char *name, char *out, size_t cap)
{
	json_t *v = json_object_get(o, name);

	snprintf(out, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Whether s is a DNS name we write to files others read. */
static int hostname_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

static int parse_error(json_t *err, struct aj_error *e, const char **why)
{
	json_t *st = json_object_get(err, "status");

	memset(e, 0, sizeof(*e));
	if (!json_is_object(err)) {
		*why = "\"Error\" is not an object";
		return -1;
	}
	str_member(err, "type", e->type, sizeof(e->type));
	str_member(err, "title", e->title, sizeof(e->title));
	str_member(err, "detail", e->detail, sizeof(e->detail));
	e->status = json_is_integer(st) && json_integer_value(st) > 0 &&
		json_integer_value(st) < 1000 ? (int)json_integer_value(st) : 0;
	return 1;
}

int aj_register_parse(const char *body, size_t len, struct aj_registration *r,
		      struct aj_error *e, const char **why)
{
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *reg, *h, *hb, *an, *cr, *key;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!o) {
		*why = "not JSON";
		return -1;
	}
	if (!json_is_object(o)) {
		*why = "not a JSON object";
		goto out;
	}
	if (json_object_get(o, "Error")) {
		rc = parse_error(json_object_get(o, "Error"), e, why);
		goto out;
	}
	reg = json_object_get(o, "Registration");
	if (!json_is_object(reg)) {
		*why = reg ? "\"Registration\" is not an object" : "neither \"Registration\" nor \"Error\"";
		goto out;
	}
	h = json_object_get(reg, "Hostname");
	hb = json_object_get(reg, "Heartbeat");
	an = json_object_get(reg, "Annotation");
	cr = json_object_get(reg, "Credentials");
	key = json_is_object(cr) ? json_object_get(cr, "ServiceAccountKey") : NULL;
	if (!json_is_string(h) || !hostname_ok(json_string_value(h), json_string_length(h)))
		*why = h ? "\"Hostname\" is not a host name" : "no \"Hostname\"";
	else if (!json_is_object(hb))
		*why = hb ? "\"Heartbeat\" is not an object" : "no \"Heartbeat\"";
	else if (an && !json_is_object(an))
		*why = "\"Annotation\" is not an object";
	else if (!json_is_object(cr))
		*why = cr ? "\"Credentials\" is not an object" : "no \"Credentials\"";
	else if (!json_is_string(key) || json_string_length(key) == 0)
		*why = key ? "\"ServiceAccountKey\" is not a string" : "no \"ServiceAccountKey\"";
	else {
		memcpy(r->hostname, json_string_value(h), json_string_length(h) + 1);
		r->heartbeat = json_dumps(hb, JSON_COMPACT);
		r->annotation = an ? json_dumps(an, JSON_COMPACT) : NULL;
		r->sa_key = strdup(json_string_value(key));
		if (!r->heartbeat || (an && !r->annotation) || !r->sa_key) {
			aj_registration_free(r);
			*why = "out of memory";
		} else {
			rc = 0;
		}
	}
out:
	json_decref(o);
	return rc;
}

void aj_registration_free(struct aj_registration *r)
{
	free(r->heartbeat);
	free(r->annotation);
	if (r->sa_key) {
		memset(r->sa_key, 0, strlen(r->sa_key));
		free(r->sa_key);
	}
	r->heartbeat = r->annotation = r->sa_key = NULL;
}

unsigned char *aj_b64decode(const char *s, size_t *n)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789+/";
	size_t len = strlen(s), pad = 0;
	unsigned char *out;
	int got;

	while (pad < len && pad < 3 && s[len - 1 - pad] == '=')
		pad++;
	/* Padded, nothing but the alphabet (OpenSSL would skip whitespace). */
	if (len % 4 || pad > 2 || strspn(s, alphabet) != len - pad || len > 0x7fffffff)
		return NULL;
	out = malloc(len / 4 * 3 + 1);
	if (!out)
		return NULL;
	got = len ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)len) : 0;
	if (got < 0 || (size_t)got < pad) {
		free(out);
		return NULL;
	}
	*n = (size_t)got - pad;
	return out;
}

char *hb_registration_msg(const char *heartbeat, const char *service_key,
			  const char *const *urls)
{
	json_t *hb = json_loads(heartbeat, 0, NULL), *svc, *list, *msg;
	char *s = NULL;

	if (!json_is_object(hb)) {
		json_decref(hb);
		return NULL;
	}
	svc = json_object();
	list = json_array();
	for (; urls && *urls; urls++)
		json_array_append_new(list, json_string(*urls));
	json_object_set_new(svc, service_key, list);
	json_object_set_new(hb, "Services", svc);
	msg = json_pack("{s:o}", "Registration", hb);
	if (msg)
		s = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	return s;
}

int hb_health_msg(int score, char *buf, size_t cap)
{
	return snprintf(buf, cap, "{\"Health\":{\"Score\":%d}}", score);
}
