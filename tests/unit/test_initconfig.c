/* init's own command-line parameters, and cmdline_get() under them. */
#include <string.h>

#include "params.h"
#include "../../netcfg/config.h"
#include "tap.h"

static char last_error[256];
static int nerrors;

static void record_error(const char *msg)
{
	snprintf(last_error, sizeof(last_error), "%s", msg);
	nerrors++;
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
	{ "fathom.watchdog=watchdog1", 1, "fathom.watchdog: \"watchdog1\": expected off or a device", 60, 20, 0, 0, 0, "" },
	{ "fathom.watchdog=/dev/../etc/passwd", 1, "expected off or a device", 60, 20, 0, 0, 0, "" },
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

		nerrors = 0;
		last_error[0] = '\0';
		errors = init_config_parse(&cfg, c->cmdline, record_error);
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

		nerrors = 0;
		last_error[0] = '\0';
		errors = init_config_parse(&cfg, c->cmdline, record_error);
		CHECK(errors == c->errors && (!c->error || strstr(last_error, c->error)) &&
		      strcmp(cfg.media_id, c->id) == 0 && cfg.media_timeout == c->timeout,
		      "media \"%.60s\": %d errors (%s), id \"%s\", timeout %u", c->cmdline, errors,
		      last_error, cfg.media_id, cfg.media_timeout);
	}
	CHECK(init_config_parse(&(struct init_config){ 0 }, "fathom.shell=bad", NULL) == 1,
	      "errors are counted without a callback");
	return tap_done();
}
