#include "params.h"

#include <stdio.h>
#include <string.h>

#include "../netcfg/config.h"

/* Decimal in [min, max]; returns 0 and stores it, or -1. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 9)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static void report(init_config_error_fn err, const char *key, const char *value, const char *want)
{
	char msg[256], shown[65];
	size_t i;

	if (!err)
		return;
	/* The message is one console line: no control bytes from the value. */
	for (i = 0; value[i] && i < sizeof(shown) - 1; i++)
		shown[i] = value[i] < 0x20 || value[i] == 0x7f ? '?' : value[i];
	shown[i] = '\0';
	snprintf(msg, sizeof(msg), "%s: \"%s\": %s", key, shown, want);
	err(msg);
}

/* An unsigned parameter; returns 1 if it was malformed. */
static int get_uint(const char *cmdline, const char *key, unsigned min, unsigned max,
		    unsigned *out, init_config_error_fn err)
{
	char v[80], want[64];

	if (!cmdline_get(cmdline, key, v, sizeof(v)) || parse_uint(v, min, max, out) == 0)
		return 0;
	snprintf(want, sizeof(want), "expected a number of seconds %u-%u", min, max);
	report(err, key, v, want);
	return 1;
}

static int parse_watchdog_dev(struct init_config *cfg, const char *cmdline,
			      init_config_error_fn err)
{
	char v[80];

	if (!cmdline_get(cmdline, "fathom.watchdog", v, sizeof(v)))
		return 0;
	if (strcmp(v, "off") == 0) {
		cfg->watchdog_off = 1;
		return 0;
	}
	if (strncmp(v, "/dev/", 5) != 0 || strlen(v) >= sizeof(cfg->watchdog_dev) ||
	    strstr(v, "..")) {
		report(err, "fathom.watchdog", v, "expected off or a device such as /dev/watchdog0");
		return 1;
	}
	memcpy(cfg->watchdog_dev, v, strlen(v) + 1);
	return 0;
}

/* fathom.media=ID: what image/mkmedia writes, letters, digits, '.', '_', '-'. */
static int parse_media_id(struct init_config *cfg, const char *cmdline,
			  init_config_error_fn err)
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
		report(err, "fathom.media", v,
		       "expected the medium's ID (letters, digits, '.', '_', '-'; at most 64)");
		return 1;
	}
	memcpy(cfg->media_id, v, n + 1);
	return 0;
}

int init_config_parse(struct init_config *cfg, const char *cmdline, init_config_error_fn err)
{
	char v[16];
	int errors = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->watchdog_timeout = WATCHDOG_DEFAULT_TIMEOUT;
	cfg->watchdog_max_failures = WATCHDOG_DEFAULT_MAX_FAILURES;
	cfg->media_timeout = MEDIA_DEFAULT_TIMEOUT;
	errors += parse_watchdog_dev(cfg, cmdline, err);
	errors += get_uint(cmdline, "fathom.watchdog_timeout", 2, 3600, &cfg->watchdog_timeout, err);
	if (cmdline_get(cmdline, "fathom.watchdog_max_failures", v, sizeof(v)) &&
	    parse_uint(v, 0, 1000000, &cfg->watchdog_max_failures) < 0) {
		report(err, "fathom.watchdog_max_failures", v,
		       "expected a count of consecutive failures, 0 = never");
		errors++;
	}
	errors += parse_media_id(cfg, cmdline, err);
	errors += get_uint(cmdline, "fathom.media_timeout", 1, 3600, &cfg->media_timeout, err);
	errors += get_uint(cmdline, "fathom.test.watchdog_stop", 1, 86400, &cfg->test_watchdog_stop, err);
	if (cmdline_get(cmdline, "fathom.shell", v, sizeof(v))) {
		cfg->shell = strcmp(v, "") == 0 || strcmp(v, "1") == 0 || strcmp(v, "on") == 0;
		if (!cfg->shell && strcmp(v, "0") != 0 && strcmp(v, "off") != 0) {
			report(err, "fathom.shell", v, "expected fathom.shell, fathom.shell=on or =off");
			errors++;
		}
	}
	return errors;
}
