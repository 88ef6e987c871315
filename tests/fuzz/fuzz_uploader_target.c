/* libFuzzer target for the uploader's transports: what servers answer and
 * what the configuration names. The first byte picks what the rest is:
 * 0 the token endpoint's answer (oauth.c), 1 GCS's object resource (gcs.c;
 * its checksums compared with the input's own bytes); both also as an
 * error body whose message goes into a log line (target.c); 2 an object name
 * percent-encoded and put into a PUT URL template (target.c, put.c).
 * Checks the promises of target_int.h: a token is one header-safe word, a
 * parsed object name is a C string, a server's message printable ASCII
 * within its bound, an encoded name only unreserved characters, '/' and %XX. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target_int.h"

static void check_token(const char *s, size_t n)
{
	struct oauth_token t;
	const char *why = NULL;

	if (oauth_token_parse(s, n, &t, &why) == 0) {
		if (!t.access_token[0] || t.expires_in <= 0)
			abort();
		for (size_t i = 0; t.access_token[i]; i++)
			if ((unsigned char)t.access_token[i] <= 0x20 ||
			    (unsigned char)t.access_token[i] >= 0x7f)
				abort();
	} else if (!why || !why[0]) {
		abort();
	}
}

static void check_message(const char *s, size_t n)
{
	char out[64];

	if (target_error_message(s, n, out, sizeof(out)) == 0 && !out[0])
		abort();
	for (size_t i = 0; out[i]; i++)
		if (out[i] < 0x20 || out[i] >= 0x7f || i >= sizeof(out) - 1)
			abort();
}

static void check_object(const char *s, size_t n)
{
	struct gcs_object o;
	const char *why = NULL;

	if (gcs_object_parse(s, n, &o, &why) == 0) {
		if (strlen(o.name) >= sizeof(o.name))
			abort();
		if (gcs_checksum_check(&o, s, n, &why) < 0 && (!why || !why[0]))
			abort();
	} else if (!why || !why[0]) {
		abort();
	}
}

static void check_name(const char *s, size_t n)
{
	char *name = malloc(n + 1), enc[TARGET_URL_MAX], url[TARGET_URL_MAX];
	const char *why = NULL;

	memcpy(name, s, n);
	name[n] = '\0';
	if (target_encode(name, (int)(n & 1), enc, sizeof(enc)) == 0) {
		for (size_t i = 0; enc[i]; i++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				    "-._~%/", enc[i]) || (enc[i] == '/' && !(n & 1)))
				abort();
	}
	if (put_url_build("https://h.example/up/{object}?x", name, url, sizeof(url), &why) == 0) {
		if (strncmp(url, "https://h.example/up/", 21) != 0 || strchr(url + 21, ' '))
			abort();
	} else if (!why || !why[0]) {
		abort();
	}
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_token(s, size - 1);
		check_message(s, size - 1);
		break;
	case 1:
		check_object(s, size - 1);
		check_message(s, size - 1);
		break;
	default:
		check_name(s, size - 1);
		break;
	}
	return 0;
}
