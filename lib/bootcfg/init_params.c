/* init's own parameters from the kernel command line (contract:
 * init_params.h): fathom.watchdog*, fathom.shell, fathom.media*, and the
 * BMC's address. */
#include "lib/bootcfg/init_params.h"

#include <stdio.h>
#include <string.h>

#include "lib/cmdline.h"
#include "lib/span.h"

/* Where messages go. */
struct reporter {
	init_config_error_fn err;
	void *ctx;
};

/* Decimal in [min, max]; returns 0 and stores it, or -1. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned v;

	if (!span_to_uint(span_of(s), max, &v) || v < min)
		return -1;
	*out = v;
	return 0;
}

static void report(const struct reporter *r, const char *key, const char *value,
		   const char *want)
{
	char msg[256], shown[65];
	size_t i;

	if (!r->err)
		return;
	/* The message is one console line: no control bytes from the value. */
	for (i = 0; value[i] && i < sizeof(shown) - 1; i++)
		shown[i] = value[i] < 0x20 || value[i] == 0x7f ? '?' : value[i];
	shown[i] = '\0';
	snprintf(msg, sizeof(msg), "%s: \"%s\": %s", key, shown, want);
	r->err(r->ctx, msg);
}

/* A number of seconds; returns 1 if it was malformed. */
static int get_seconds(const char *cmdline, const char *key, unsigned min, unsigned max,
		       unsigned *out, const struct reporter *r)
{
	char v[80], want[64];

	if (!cmdline_get(cmdline, key, v, sizeof(v)) || parse_uint(v, min, max, out) == 0)
		return 0;
	snprintf(want, sizeof(want), "expected a number of seconds %u-%u", min, max);
	report(r, key, v, want);
	return 1;
}

static int parse_watchdog_dev(struct init_config *cfg, const char *cmdline,
			      const struct reporter *r)
{
	char v[80];

	if (!cmdline_get(cmdline, "fathom.watchdog", v, sizeof(v)))
		return 0;
	if (strcmp(v, "off") == 0) {
		cfg->watchdog_off = 1;
		return 0;
	}
	if (strcmp(v, "ipmi") == 0) {
		cfg->watchdog_ipmi = 1;
		return 0;
	}
	if (strncmp(v, "/dev/", 5) != 0 || strlen(v) >= sizeof(cfg->watchdog_dev) ||
	    strstr(v, "..")) {
		report(r, "fathom.watchdog", v,
		       "expected off, ipmi or a device such as /dev/watchdog0");
		return 1;
	}
	memcpy(cfg->watchdog_dev, v, strlen(v) + 1);
	return 0;
}

static int parse_max_failures(struct init_config *cfg, const char *cmdline,
			      const struct reporter *r)
{
	char v[16];

	if (!cmdline_get(cmdline, "fathom.watchdog_max_failures", v, sizeof(v)) ||
	    parse_uint(v, 0, 1000000, &cfg->watchdog_max_failures) == 0)
		return 0;
	report(r, "fathom.watchdog_max_failures", v,
	       "expected a count of consecutive failures, 0 = never");
	return 1;
}

/* fathom.media=ID: what image/mkmedia writes, letters, digits, '.', '_', '-'. */
static int parse_media_id(struct init_config *cfg, const char *cmdline,
			  const struct reporter *r)
{
	char v[MEDIA_ID_MAX + 2];
	size_t i, n;

	if (!cmdline_get(cmdline, "fathom.media", v, sizeof(v)))
		return 0;
	n = strlen(v);
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-'))
			break;
	}
	if (n == 0 || n > MEDIA_ID_MAX || i < n || v[0] == '.') {
		report(r, "fathom.media", v,
		       "expected the medium's ID (letters, digits, '.', '_', '-'; at most 64)");
		return 1;
	}
	memcpy(cfg->media_id, v, n + 1);
	return 0;
}

/* The BMC's address: fathom.drac.ipv4 outranks ePoxy's drac.ipv4, wherever
 * they are. An empty value leaves the BMC alone, and so does a malformed
 * one (rather than a lower-ranked, likely older, address). */
static int parse_drac(struct init_config *cfg, const char *cmdline, const struct reporter *r)
{
	static const char *const keys[] = { "fathom.drac.ipv4", "drac.ipv4" };
	char v[80], want[160];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!cmdline_get(cmdline, keys[i], v, sizeof(v)))
			continue;
		if (!v[0])
			return 0;
		why = drac_ipv4_parse(span_of(v), &cfg->drac);
		if (!why)
			return 0;
		snprintf(want, sizeof(want), "%s; the BMC's address is left as it is", why);
		report(r, keys[i], v, want);
		return 1;
	}
	return 0;
}

static int parse_shell(struct init_config *cfg, const char *cmdline, const struct reporter *r)
{
	char v[16];

	if (!cmdline_get(cmdline, "fathom.shell", v, sizeof(v)))
		return 0;
	cfg->shell = strcmp(v, "") == 0 || strcmp(v, "1") == 0 || strcmp(v, "on") == 0;
	if (cfg->shell || strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
		return 0;
	report(r, "fathom.shell", v, "expected fathom.shell, fathom.shell=on or =off");
	return 1;
}

int init_config_parse(struct init_config *cfg, const char *cmdline,
		      init_config_error_fn err, void *ctx)
{
	const struct reporter r = { err, ctx };
	int errors = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->watchdog_timeout = WATCHDOG_DEFAULT_TIMEOUT;
	cfg->watchdog_max_failures = WATCHDOG_DEFAULT_MAX_FAILURES;
	cfg->media_timeout = MEDIA_DEFAULT_TIMEOUT;
	errors += parse_watchdog_dev(cfg, cmdline, &r);
	errors += get_seconds(cmdline, "fathom.watchdog_timeout", 2, 3600, &cfg->watchdog_timeout, &r);
	errors += parse_max_failures(cfg, cmdline, &r);
	errors += parse_media_id(cfg, cmdline, &r);
	errors += parse_drac(cfg, cmdline, &r);
	errors += get_seconds(cmdline, "fathom.media_timeout", 1, 3600, &cfg->media_timeout, &r);
	errors += get_seconds(cmdline, "fathom.test.watchdog_stop", 1, 86400,
			      &cfg->test_watchdog_stop, &r);
	errors += parse_shell(cfg, cmdline, &r);
	return errors;
}
