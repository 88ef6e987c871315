/* init's own command-line parameters, and cmdline_get() under them. */
#include <string.h>

#include "lib/bootcfg/init_params.h"
#include "lib/cmdline.h"
#include "tap.h"

static char last_error[256];
static int nerrors;

/* ctx is the counter: the parser hands back what it was given. */
static void record_error(void *ctx, const char *msg)
{
	int *count = ctx;

	snprintf(last_error, sizeof(last_error), "%s", msg);
	(*count)++;
}

/* Parse with the errors recorded afresh in nerrors and last_error. */
static int parse_recording(struct init_config *cfg, const char *cmdline)
{
	nerrors = 0;
	last_error[0] = '\0';
	return init_config_parse(cfg, cmdline, record_error, &nerrors);
}

struct get_case {
	const char *cmdline, *key;
	int found;
	const char *value;
};

static const struct get_case get_cases[] = {
	{ "a=1 b=2", "b", 1, "2" },
	{ "a=1 b=2 a=3", "a", 1, "3" },			/* the last one wins */
	{ "fathom.shell quiet", "fathom.shell", 1, "" },	/* a bare flag */
	{ "x=\"a b\" y", "x", 1, "a b" },		/* quoted value */
	{ "\"x=a b\" y", "x", 1, "a b" },		/* quoted token */
	{ "fathom.watchdog-timeout=9", "fathom.watchdog_timeout", 1, "9" },
	{ "a=1 -- b=2", "b", 0, "" },			/* after "--": init's argv */
	{ "", "a", 0, "" },
	{ "ab=1", "a", 0, "" },
	{ "a", "ab", 0, "" },
	{ "  \t a=1\t", "a", 1, "1" },
	{ "a=", "a", 1, "" },
};

struct cfg_case {
	const char *cmdline;
	int errors;
	const char *error;	/* substring of the last error, if errors */
	unsigned timeout, max_failures, test_stop;
	int off, shell;
	const char *dev;
};

static const struct cfg_case cfg_cases[] = {
	{ "", 0, NULL, 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog=off", 0, NULL, 60, 20, 0, 1, 0, "" },
	{ "fathom.watchdog=/dev/watchdog1", 0, NULL, 60, 20, 0, 0, 0, "/dev/watchdog1" },
	{ "fathom.watchdog=watchdog1", 1, "fathom.watchdog: \"watchdog1\": expected off, ipmi or a device", 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog=/dev/../etc/passwd", 1, "expected off, ipmi or a device", 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog_timeout=10", 0, NULL, 10, 20, 0, 0, 0, "" },
	{ "fathom.watchdog_timeout=1", 1, "fathom.watchdog_timeout: \"1\": expected a number of seconds 2-3600", 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog_timeout=3601", 1, "2-3600", 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog_timeout=1x", 1, "\"1x\"", 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog_timeout=", 1, "\"\"", 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog_timeout=99999999999", 1, "2-3600", 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog_max_failures=0", 0, NULL, 60, 0, 0, 0, 0, "" },
	{ "fathom.watchdog_max_failures=5", 0, NULL, 60, 5, 0, 0, 0, "" },
	{ "fathom.watchdog_max_failures=-1", 1, "consecutive failures", 60, 20, 0, 0, 0, "" },
	{ "fathom.test.watchdog_stop=15", 0, NULL, 60, 20, 15, 0, 0, "" },
	{ "fathom.test.watchdog_stop=0", 1, "fathom.test.watchdog_stop", 60, 20, 0, 0, 0, "" },
	{ "fathom.shell", 0, NULL, 60, 20, 0, 0, 1, "" },
	{ "fathom.shell=on", 0, NULL, 60, 20, 0, 0, 1, "" },
	{ "fathom.shell=1", 0, NULL, 60, 20, 0, 0, 1, "" },
	{ "fathom.shell=off", 0, NULL, 60, 20, 0, 0, 0, "" },
	{ "fathom.shell=0", 0, NULL, 60, 20, 0, 0, 0, "" },
	{ "fathom.shell=yes-please", 1, "fathom.shell: \"yes-please\"", 60, 20, 0, 0, 0, "" },
	{ "fathom.shell -- fathom.watchdog=off", 0, NULL, 60, 20, 0, 0, 1, "" },
	{ "fathom.watchdog_timeout=0 fathom.shell=maybe", 2, "fathom.shell", 60, 20, 0, 0, 0, "" },
};

struct media_case {
	const char *cmdline;
	int errors;
	const char *error;
	const char *id;
	unsigned timeout;
};

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static const struct media_case media_cases[] = {
	{ "", 0, NULL, "", 30 },
	{ "fathom.media=51eb3120a4041663", 0, NULL, "51eb3120a4041663", 30 },
	{ "fathom.media=site-4_node.1 fathom.media_timeout=120", 0, NULL, "site-4_node.1", 120 },
	{ "fathom.media=" ID64, 0, NULL, ID64, 30 },
	{ "fathom.media=" ID64 "0", 1, "at most 64", "", 30 },
	{ "fathom.media=", 1, "fathom.media: \"\": expected the medium's ID", "", 30 },
	{ "fathom.media", 1, "expected the medium's ID", "", 30 },
	{ "fathom.media=../../etc", 1, "\"../../etc\"", "", 30 },
	{ "fathom.media=.hidden", 1, "expected the medium's ID", "", 30 },
	{ "fathom.media=a/b", 1, "expected the medium's ID", "", 30 },
	{ "\"fathom.media=a b\"", 1, "\"a b\"", "", 30 },
	{ "fathom.media_timeout=0", 1, "fathom.media_timeout: \"0\": expected a number of seconds 1-3600", "", 30 },
	{ "fathom.media_timeout=3601", 1, "1-3600", "", 30 },
	{ "fathom.media=x fathom.media_timeout=soon", 1, "\"soon\"", "x", 30 },
};

struct drac_case {
	const char *cmdline;
	int errors;
	const char *error;
	int set;		/* then addr/plen,gw */
	unsigned char addr[4];
	unsigned plen;
	unsigned char gw[4];
	int wd_ipmi;
};

static const struct drac_case drac_cases[] = {
	{ "", 0, NULL, 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/28,192.0.2.1", 0, NULL, 1, { 192, 0, 2, 3 }, 28, { 192, 0, 2, 1 }, 0 },
	/* ePoxy's key, the same syntax */
	{ "drac.ipv4=198.51.100.60/26,198.51.100.1", 0, NULL, 1, { 198, 51, 100, 60 }, 26,
	  { 198, 51, 100, 1 }, 0 },
	/* fathom.* outranks drac.*, wherever it is */
	{ "fathom.drac.ipv4=192.0.2.3/28,192.0.2.1 drac.ipv4=198.51.100.60/26,198.51.100.1", 0, NULL,
	  1, { 192, 0, 2, 3 }, 28, { 192, 0, 2, 1 }, 0 },
	{ "drac.ipv4=198.51.100.60/26,198.51.100.1 fathom.drac.ipv4=192.0.2.3/28,192.0.2.1", 0, NULL,
	  1, { 192, 0, 2, 3 }, 28, { 192, 0, 2, 1 }, 0 },
	/* within one key, the last one */
	{ "fathom.drac.ipv4=192.0.2.9/28,192.0.2.1 fathom.drac.ipv4=192.0.2.3/28,192.0.2.1", 0, NULL,
	  1, { 192, 0, 2, 3 }, 28, { 192, 0, 2, 1 }, 0 },
	/* empty: leave the BMC alone, even with an ePoxy value */
	{ "fathom.drac.ipv4= drac.ipv4=198.51.100.60/26,198.51.100.1", 0, NULL, 0, { 0 }, 0, { 0 }, 0 },
	{ "drac.ipv4=", 0, NULL, 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/31,192.0.2.2", 0, NULL, 1, { 192, 0, 2, 3 }, 31, { 192, 0, 2, 2 }, 0 },
	{ "fathom.drac.ipv4=10.1.2.3/1,126.0.0.1", 0, NULL, 1, { 10, 1, 2, 3 }, 1, { 126, 0, 0, 1 }, 0 },
	/* malformed: one error naming key, value and form; the BMC is left alone */
	{ "fathom.drac.ipv4=192.0.2.3/28", 1,
	  "fathom.drac.ipv4: \"192.0.2.3/28\": expected ADDR/PLEN,GW such as 192.0.2.3/28,192.0.2.1; "
	  "the BMC's address is left as it is", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3,192.0.2.1", 1, "expected ADDR/PLEN,GW", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.1,192.0.2.3/28", 1, "expected ADDR/PLEN,GW", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/28,192.0.2.1,192.0.2.53", 1, "expected ADDR/PLEN,GW", 0, { 0 }, 0,
	  { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/33,192.0.2.1", 1, "\"192.0.2.3/33,192.0.2.1\": prefix length must be 1-32",
	  0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/0,192.0.2.1", 1, "prefix length must be 1-32", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/x,192.0.2.1", 1, "prefix length must be 1-32", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/,192.0.2.1", 1, "prefix length must be 1-32", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.300/28,192.0.2.1", 1, "the address is not IPv4", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=2001:db8::3/64,2001:db8::1", 1, "the address is not IPv4", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/28,gateway", 1, "the gateway is not IPv4", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/28,", 1, "the gateway is not IPv4", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/28,198.51.100.1", 1,
	  "the gateway must be another address inside ADDR/PLEN", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/28,192.0.2.3", 1, "the gateway must be another address", 0, { 0 },
	  0, { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/32,192.0.2.1", 1, "the gateway must be another address", 0, { 0 },
	  0, { 0 }, 0 },
	/* a malformed fathom.* value is not replaced by the ePoxy one */
	{ "fathom.drac.ipv4=192.0.2.3/28 drac.ipv4=198.51.100.60/26,198.51.100.1", 1,
	  "fathom.drac.ipv4:", 0, { 0 }, 0, { 0 }, 0 },
	{ "drac.ipv4=198.51.100.60/33,198.51.100.1", 1, "drac.ipv4: \"198.51.100.60/33,198.51.100.1\": prefix",
	  0, { 0 }, 0, { 0 }, 0 },
	{ "\"fathom.drac.ipv4=192.0.2.3/28, 192.0.2.1\"", 1, "the gateway is not IPv4", 0, { 0 }, 0,
	  { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/28,192.0.2.1\001", 1, "\"192.0.2.3/28,192.0.2.1?\"", 0, { 0 }, 0,
	  { 0 }, 0 },
	{ "fathom.drac.ipv4=192.0.2.3/28,192.0.2.1/192.0.2.1/192.0.2.1/192.0.2.1/192.0.2.1/192.0.2.1/192.0.2.1",
	  1, "expected ADDR/PLEN,GW", 0, { 0 }, 0, { 0 }, 0 },
	/* the BMC's watchdog */
	{ "fathom.watchdog=ipmi", 0, NULL, 0, { 0 }, 0, { 0 }, 1 },
	{ "fathom.watchdog=ipmi fathom.watchdog=/dev/watchdog0", 0, NULL, 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.watchdog=IPMI", 1, "expected off, ipmi or a device", 0, { 0 }, 0, { 0 }, 0 },
	{ "fathom.watchdog=ipmi fathom.drac.ipv4=192.0.2.3/28,192.0.2.1", 0, NULL, 1, { 192, 0, 2, 3 },
	  28, { 192, 0, 2, 1 }, 1 },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(get_cases) / sizeof(get_cases[0]); i++) {
		const struct get_case *c = &get_cases[i];
		char v[32] = "";
		int found = cmdline_get(c->cmdline, c->key, v, sizeof(v));

		CHECK(found == c->found && (!found || strcmp(v, c->value) == 0),
		      "cmdline_get(\"%s\", %s) = %d \"%s\"", c->cmdline, c->key, found, v);
	}
	{
		char v[4];

		CHECK(cmdline_get("a=123456", "a", v, sizeof(v)) && strcmp(v, "123") == 0,
		      "cmdline_get cuts a long value to the buffer");
	}
	for (i = 0; i < sizeof(cfg_cases) / sizeof(cfg_cases[0]); i++) {
		const struct cfg_case *c = &cfg_cases[i];
		struct init_config cfg;
		int errors;

		errors = parse_recording(&cfg, c->cmdline);
		CHECK(errors == c->errors && nerrors == c->errors &&
		      (!c->error || strstr(last_error, c->error)),
		      "\"%s\": %d errors (%s)", c->cmdline, errors, last_error);
		CHECK(cfg.watchdog_timeout == c->timeout && cfg.watchdog_max_failures == c->max_failures &&
		      cfg.test_watchdog_stop == c->test_stop && cfg.watchdog_off == c->off &&
		      cfg.shell == c->shell && strcmp(cfg.watchdog_dev, c->dev) == 0,
		      "\"%s\": values", c->cmdline);
	}
	for (i = 0; i < sizeof(media_cases) / sizeof(media_cases[0]); i++) {
		const struct media_case *c = &media_cases[i];
		struct init_config cfg;
		int errors;

		errors = parse_recording(&cfg, c->cmdline);
		CHECK(errors == c->errors && (!c->error || strstr(last_error, c->error)) &&
		      strcmp(cfg.media_id, c->id) == 0 && cfg.media_timeout == c->timeout,
		      "media \"%.60s\": %d errors (%s), id \"%s\", timeout %u", c->cmdline, errors,
		      last_error, cfg.media_id, cfg.media_timeout);
	}
	for (i = 0; i < sizeof(drac_cases) / sizeof(drac_cases[0]); i++) {
		const struct drac_case *c = &drac_cases[i];
		struct init_config cfg;
		int errors;

		errors = parse_recording(&cfg, c->cmdline);
		CHECK(errors == c->errors && nerrors == c->errors &&
		      (!c->error || strstr(last_error, c->error)) && cfg.drac.set == c->set &&
		      (!c->set || (memcmp(cfg.drac.addr, c->addr, 4) == 0 &&
				   cfg.drac.prefixlen == c->plen && memcmp(cfg.drac.gateway, c->gw, 4) == 0)) &&
		      cfg.watchdog_ipmi == c->wd_ipmi && !cfg.watchdog_off,
		      "drac/ipmi \"%.70s\": %d errors (%s), set %d /%u, watchdog ipmi %d", c->cmdline,
		      errors, last_error, cfg.drac.set, cfg.drac.prefixlen, cfg.watchdog_ipmi);
	}
	CHECK(init_config_parse(&(struct init_config){ 0 }, "fathom.shell=bad", NULL, NULL) == 1,
	      "errors are counted without a callback");
	return tap_done();
}
