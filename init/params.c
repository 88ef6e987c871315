#include "params.h"

#include <arpa/inet.h>
#include <stdint.h>
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
	if (strcmp(v, "ipmi") == 0) {
		cfg->watchdog_ipmi = 1;
		return 0;
	}
	if (strncmp(v, "/dev/", 5) != 0 || strlen(v) >= sizeof(cfg->watchdog_dev) ||
	    strstr(v, "..")) {
		report(err, "fathom.watchdog", v,
		       "expected off, ipmi or a device such as /dev/watchdog0");
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

#define DRAC_FORM "ADDR/PLEN,GW such as 192.0.2.3/28,192.0.2.1"

/* "ADDR/PLEN,GW" (IPv4): NULL and d filled in, or what is wrong. */
static const char *drac_parse(const char *v, struct drac_ipv4 *d)
{
	char buf[64], *slash, *comma;
	uint32_t addr, gw, mask;
	unsigned plen;

	if (strlen(v) >= sizeof(buf))
		return "expected " DRAC_FORM;
	memcpy(buf, v, strlen(v) + 1);
	slash = strchr(buf, '/');
	comma = strchr(buf, ',');
	if (!slash || !comma || comma < slash || strchr(comma + 1, ','))
		return "expected " DRAC_FORM;
	*slash = *comma = '\0';
	if (inet_pton(AF_INET, buf, d->addr) != 1)
		return "the address is not IPv4; expected " DRAC_FORM;
	if (parse_uint(slash + 1, 1, 32, &plen) < 0)
		return "prefix length must be 1-32";
	if (inet_pton(AF_INET, comma + 1, d->gateway) != 1)
		return "the gateway is not IPv4; expected " DRAC_FORM;
	d->prefixlen = plen;
	memcpy(&addr, d->addr, 4);
	memcpy(&gw, d->gateway, 4);
	mask = htonl(plen >= 32 ? 0xffffffffu : ~(0xffffffffu >> plen));
	/* The BMC has no route of its own: its gateway must be on its link. */
	if ((addr & mask) != (gw & mask) || addr == gw)
		return "the gateway must be another address inside ADDR/PLEN";
	d->set = 1;
	return NULL;
}

/* The BMC's address: fathom.drac.ipv4 outranks ePoxy's drac.ipv4, wherever
 * they are. An empty value leaves the BMC alone, and so does a malformed
 * one (rather than a lower-ranked, likely older, address). */
static int parse_drac(struct init_config *cfg, const char *cmdline, init_config_error_fn err)
{
	static const char *const keys[] = { "fathom.drac.ipv4", "drac.ipv4" };
	struct drac_ipv4 d = { 0 };
	char v[80];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!cmdline_get(cmdline, keys[i], v, sizeof(v)))
			continue;
		if (!v[0])
			return 0;
		why = drac_parse(v, &d);
		if (why) {
			char want[160];

			snprintf(want, sizeof(want), "%s; the BMC's address is left as it is", why);
			report(err, keys[i], v, want);
			return 1;
		}
		cfg->drac = d;
		return 0;
	}
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
	errors += parse_drac(cfg, cmdline, err);
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
