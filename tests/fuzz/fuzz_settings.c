/* libFuzzer target for lib/bootcfg/settings.c: arbitrary bytes as a kernel
 * command line and two settings files, checking the promises of
 * lib/bootcfg/settings.h (among them: platform.api-key is never taken
 * from the command line). The input is cut at its NULs: command line,
 * fathom.conf, network.conf (missing parts are empty). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bootcfg/settings.h"

static const char *const repeatable[] = { "label", "token-verify-key", NULL };

/* Every message is one non-empty line of bounded length. */
static void check_message(void *ctx, const char *msg)
{
	size_t len = strlen(msg);

	(void)ctx;
	if (len == 0 || len > 511 || strchr(msg, '\n') || strchr(msg, '\r'))
		abort();
}

/* Every setting is a valid name with a bounded, control-free value; a
 * single option appears once. */
static void check_settings(const struct settings *s)
{
	size_t i, j, k;

	if (s->count > SETTINGS_MAX)
		abort();
	for (i = 0; i < s->count; i++) {
		const struct setting *x = &s->item[i];
		size_t n = strnlen(x->option, sizeof(x->option));

		if (n == 0 || n == sizeof(x->option) ||
		    strspn(x->option, "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
		    !memchr(x->value, '\0', sizeof(x->value)) || x->rank > 2 ||
		    !memchr(x->where, '\0', sizeof(x->where)) || (!x->has_value && x->value[0]))
			abort();
		for (k = 0; x->value[k]; k++)
			if ((unsigned char)x->value[k] < 0x20 || x->value[k] == 0x7f)
				abort();
		for (j = 0; j < i; j++)
			if (strcmp(s->item[j].option, x->option) == 0 &&
			    strcmp(x->option, "label") != 0 && strcmp(x->option, "token-verify-key") != 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct settings s;
	static char out[64 * 1024];
	char *copy = malloc(size + 1);
	const char *part[3] = { "", "", "" };
	size_t at = 0;
	int i, problems, n;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0; i < 3 && at <= size; i++) {
		part[i] = copy + at;
		at += strlen(copy + at) + 1;
	}
	settings_init(&s, "ndt7", repeatable, check_message, NULL);
	problems = settings_add_cmdline(&s, part[0]);
	problems += settings_add_file(&s, part[1], "/run/fathom/fathom.conf");
	problems += settings_add_file(&s, part[2], "/etc/fathom/network.conf");
	if (problems < 0)
		abort();
	check_settings(&s);
	n = settings_extract(part[1], "ndt7", out, sizeof(out));
	if (n < -1 || (n >= 0 && (size_t)n != strlen(out)) || (n < 0 && out[0]))
		abort();
	settings_key_is_service(part[2], strlen(part[2]));
	/* The platform's secret never comes from the command line. */
	settings_init(&s, "platform", NULL, check_message, NULL);
	settings_add_cmdline(&s, part[0]);
	for (i = 0; i < (int)s.count; i++)
		if (strcmp(s.item[i].option, "api-key") == 0)
			abort();
	settings_key_is_secret(part[2], strlen(part[2]));
	free(copy);
	return 0;
}
