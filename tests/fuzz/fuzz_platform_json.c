/* libFuzzer target for services/platform/autojoin.c: the answers of
 * token-exchange and autojoin, the stored heartbeat object, base64 keys.
 * The first byte picks what the rest is: 0 a token answer, 1 a register
 * answer, 2 a heartbeat object (the registration message is built from
 * it), 3 a base64 service-account key. Checks the promises of autojoin.h:
 * a token is a JWT's characters, a hostname a DNS name, the heartbeat
 * message valid JSON that parses back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "autojoin.h"

static void check_token(const char *s, size_t n)
{
	char tok[AJ_TOKEN_MAX];
	const char *why = NULL;
	size_t i;

	if (aj_token_parse(s, n, tok, sizeof(tok), &why) == 0) {
		if (!tok[0])
			abort();
		for (i = 0; tok[i]; i++)
			if (tok[i] == ' ' || tok[i] == '\r' || tok[i] == '\n' || tok[i] == ':')
				abort();
	} else if (!why || !why[0]) {
		abort();
	}
}

static void check_register(const char *s, size_t n)
{
	struct aj_registration r;
	struct aj_error e;
	const char *why = NULL;
	int rc = aj_register_parse(s, n, &r, &e, &why);
	json_t *hb;
	size_t i;

	if (rc == 0) {
		for (i = 0; r.hostname[i]; i++)
			if (r.hostname[i] == '/' || r.hostname[i] == '\n' || r.hostname[i] == ' ')
				abort();
		hb = json_loads(r.heartbeat, 0, NULL);
		if (!json_is_object(hb) || !r.sa_key || !i)
			abort();
		json_decref(hb);
		aj_registration_free(&r);
	} else if (rc == 1) {
		if (e.status < 0 || e.status >= 1000 || strlen(e.title) >= sizeof(e.title))
			abort();
	} else if (rc != -1 || !why || !why[0]) {
		abort();
	}
}

static void check_heartbeat(const char *s)
{
	static const char *const urls[] = { "ws:///ndt/v7/download", NULL };
	char *m = hb_registration_msg(s, "ndt/ndt7", urls);
	json_t *o, *reg;

	if (!m)
		return;
	o = json_loads(m, 0, NULL);
	reg = json_object_get(o, "Registration");
	if (!json_is_object(reg) || !json_is_array(json_object_get(
		    json_object_get(reg, "Services"), "ndt/ndt7")))
		abort();
	json_decref(o);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t n;
	unsigned char *p;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		check_token(s, size - 1);
		break;
	case 1:
		check_register(s, size - 1);
		break;
	case 2:
		check_heartbeat(s);
		break;
	default:
		p = aj_b64decode(s, &n);
		if (p && n > (strlen(s) / 4 + 1) * 3)
			abort();
		free(p);
	}
	free(s);
	return 0;
}
