/* Unit tests for lib/bootcfg/settings.c: one service's settings from the
 * kernel command line and settings files, by table. */
#include <stdio.h>
#include <string.h>

#include "lib/bootcfg/settings.h"
#include "tap.h"

#define MSGS_SIZE 4096
#define OUT_SIZE 4096

static const char *const repeatable[] = { "label", "token-verify-key", NULL };

struct log {
	char text[MSGS_SIZE];
};

static void collect(void *ctx, const char *msg)
{
	struct log *log = ctx;
	size_t len = strlen(log->text);

	if (strlen(msg) > 511 || strchr(msg, '\n'))
		snprintf(log->text + len, sizeof(log->text) - len, "BAD MESSAGE\n");
	else
		snprintf(log->text + len, sizeof(log->text) - len, "%s\n", msg);
}

/* The settings as "OPTION=VALUE@WHERE" lines ("OPTION@WHERE" for a flag). */
static void render(const struct settings *s, char *out, size_t size)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < s->count && len < size; i++) {
		const struct setting *x = &s->item[i];

		len += (size_t)snprintf(out + len, size - len, "%s%s%s@%s\n", x->option,
					x->has_value ? "=" : "", x->value, x->where);
	}
}

/* A command line, up to two files (fathom.conf above network.conf), and
 * what must come out: the settings and the messages. */
struct settings_case {
	const char *name;
	const char *cmdline;
	const char *medium;
	const char *overlay;
	const char *want;
	const char *messages;
};

static const struct settings_case cases[] = {
	{ "nothing", NULL, NULL, NULL, "", "" },
	{ "command line: only fathom.ndt7.*, stops at --",
	  "ro ndt7.label=a=1 fathom.ndt7.label=site=abc01 fathom.ndt7x.a=1 "
	  "fathom.ndt7.verbose -- fathom.ndt7.workers=2", NULL, NULL,
	  "label=site=abc01@kernel command line\nverbose@kernel command line\n", "" },
	{ "command line: kernel quoting, '_' means '-'",
	  "\"fathom.ndt7.label=name=a b\" fathom.ndt7.max_tests_per_addr=\"3\"", NULL, NULL,
	  "label=name=a b@kernel command line\nmax-tests-per-addr=3@kernel command line\n",
	  "" },
	{ "file: both spellings, quotes, comments, blanks",
	  NULL,
	  "# settings\n\n  ndt7.label = \"site=abc01\" \r\nfathom.ndt7.workers=2\n"
	  "ipv4=192.0.2.10/24\nndt7.verbose\nndt7.compress=\"\"\n", NULL,
	  "label=site=abc01@M:3\nworkers=2@M:4\nverbose@M:6\ncompress=@M:7\n", "" },
	{ "rank: command line over fathom.conf over network.conf",
	  "fathom.ndt7.workers=3",
	  "ndt7.workers=2\nndt7.max-conns=10\n",
	  "ndt7.workers=1\nndt7.max-conns=20\nndt7.spool-max-bytes=4096\n",
	  "workers=3@kernel command line\nmax-conns=10@M:2\nspool-max-bytes=4096@O:3\n", "" },
	{ "rank holds whatever the spelling ('_' or '-')",
	  "fathom.ndt7.max_conns=3", "ndt7.max-conns=2\n", NULL,
	  "max-conns=3@kernel command line\n", "" },
	{ "one source: the last wins",
	  "fathom.ndt7.workers=3 fathom.ndt7.workers=4", "ndt7.workers=1\nndt7.workers=2\n",
	  NULL, "workers=4@kernel command line\n", "" },
	{ "same source, lower file: last wins in its own rank",
	  NULL, NULL, "ndt7.workers=1\nndt7.workers=2\n", "workers=2@O:2\n", "" },
	{ "repeatable: accumulate over sources in rank order, no duplicates",
	  "fathom.ndt7.label=a=1 fathom.ndt7.label=a=1",
	  "ndt7.label=b=2\nndt7.label=a=1\n",
	  "ndt7.label=c=3\nndt7.token-verify-key=/k1\nndt7.token_verify_key=/k2\n",
	  "label=a=1@kernel command line\nlabel=b=2@M:1\nlabel=c=3@O:1\n"
	  "token-verify-key=/k1@O:2\ntoken-verify-key=/k2@O:3\n", "" },
	{ "bad names and values: one line each naming where, the rest taken",
	  "fathom.ndt7.Label=x fathom.ndt7.la/bel=x",
	  "ndt7.label=ok=1\nndt7.x\001y=1\nndt7.ok=\"a\001b\"\n",
	  "fathom.ndt7.=1\nndt7.=1\n",
	  "label=ok=1@M:1\n",
	  "kernel command line: fathom.ndt7.Label: an option name has only a-z, 0-9, '-' and '_'\n"
	  "kernel command line: fathom.ndt7.la/bel: an option name has only a-z, 0-9, '-' and '_'\n"
	  "M:2: ndt7.x\\x01y: an option name has only a-z, 0-9, '-' and '_'\n"
	  "M:3: ndt7.ok: control character in the value\n" },
	{ "not ours: other prefixes, near misses",
	  "fathom.ndt77.a=1 ndt7.label=x fathom.platform.key=1", "ndt7label=1\nndt8.a=1\n"
	  "platform.key=k\nupload.x=1\n", NULL, "", "" },
};

/* The platform agent's prefix: its secret never from the command line. */
static const struct settings_case platform_cases[] = {
	{ "secret on the command line: refused by name, value never shown; files give it",
	  "fathom.platform.api-key=s3cr3t fathom.platform.api_key=s3cr3t2 "
	  "fathom.platform.iata=lga",
	  "platform.api-key=fromstick\n", "platform.api-key=fromoverlay\nplatform.uplink=10g\n",
	  "iata=lga@kernel command line\napi-key=fromstick@M:1\nuplink=10g@O:2\n",
	  "kernel command line: fathom.platform.api-key: " SETTINGS_SECRET_ON_CMDLINE "\n"
	  "kernel command line: fathom.platform.api_key: " SETTINGS_SECRET_ON_CMDLINE "\n" },
	{ "after -- is not the kernel's: not ours, not reported",
	  "ro -- fathom.platform.api-key=s3cr3t", NULL, NULL, "", "" },
};

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void run_case(const struct settings_case *c, const char *prefix)
{
	static struct settings s;
	struct log log = { "" };
	char out[OUT_SIZE];
	int problems;

	settings_init(&s, prefix, repeatable, collect, &log);
	problems = settings_add_cmdline(&s, c->cmdline);
	problems += settings_add_file(&s, c->medium, "M");
	problems += settings_add_file(&s, c->overlay, "O");
	render(&s, out, sizeof(out));
	CHECK(strcmp(out, c->want) == 0, "%s: settings\n%s", c->name, out);
	CHECK(strcmp(log.text, c->messages) == 0, "%s: messages\n%s", c->name, log.text);
	CHECK(!strstr(log.text, "s3cr3t"), "%s: no secret in the messages", c->name);
	CHECK(problems == count_lines(c->messages), "%s: problems counted (%d)", c->name,
	      problems);
}

static void test_limits(void)
{
	static struct settings s;
	static char text[200 * 1024];
	static char value[3000];
	struct log log = { "" };
	size_t len = 0;
	int i, problems;

	for (i = 0; i < SETTINGS_MAX + 2; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "ndt7.label=n=%d\n", i);
	settings_init(&s, "ndt7", repeatable, collect, &log);
	problems = settings_add_file(&s, text, "F");
	CHECK(s.count == SETTINGS_MAX && problems == 2 &&
	      strstr(log.text, "F:65: ndt7.label: too many settings (at most 64); ignored\n"),
	      "limits: 64 settings, then one line each\n%.200s", log.text);

	memset(value, 'a', sizeof(value) - 1);
	snprintf(text, sizeof(text), "ndt7.label=%s\nndt7.workers=%.2047s\n", value, value);
	log.text[0] = '\0';
	settings_init(&s, "ndt7", repeatable, collect, &log);
	problems = settings_add_file(&s, text, "F");
	CHECK(problems == 1 && s.count == 1 && strlen(s.item[0].value) == 2047 &&
	      strcmp(log.text, "F:1: ndt7.label: value longer than 2047 bytes\n") == 0,
	      "limits: a value of 2047 bytes fits, longer is refused\n%s", log.text);

	snprintf(text, sizeof(text), "ndt7.%s=1\n", value + sizeof(value) - 65);
	settings_init(&s, "ndt7", repeatable, NULL, NULL);
	CHECK(settings_add_file(&s, text, "F") == 1 && s.count == 0,
	      "limits: an option name of 64 characters is refused (no callback)");
}

static void test_key_is_service(void)
{
	static const char *const yes[] = { "ndt7.label", "fathom.ndt7.x", "platform.key",
					   "upload.url", "fathom.upload.a", "update.url",
					   "fathom.update.interval", "install", "fathom.install",
					   "install.wipe", "fathom.install.wipe", "data.format",
					   "fathom.data.format" };
	static const char *const no[] = { "ndt7", "ndt7.", "ndt7label", "fathom.ndt7",
					  "fathom.ndt7.", "ipv4", "fathom.ipv4", "ndt8.x",
					  "xndt7.a", "fathom.fathom.ndt7.a", "", "installer",
					  "install.x", "fathom.", "data", "fathom.fathom.install" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(settings_key_is_service(yes[i], strlen(yes[i])), "service key: %s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!settings_key_is_service(no[i], strlen(no[i])), "not a service key: \"%s\"",
		      no[i]);
}

static void test_secret_keys(void)
{
	static const char *const yes[] = { "platform.api-key", "fathom.platform.api-key",
					   "platform.api_key", "fathom.platform.api_key" };
	static const char *const no[] = { "platform.api-keys", "platform.iata", "ndt7.api-key",
					  "fathom.api-key", "api-key", "platform.", "" };
	struct settings_files f;
	const char *const *l;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(settings_key_is_secret(yes[i], strlen(yes[i])), "secret: %s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!settings_key_is_secret(no[i], strlen(no[i])), "not secret: \"%s\"", no[i]);
	CHECK(settings_prefix_has_secrets("platform") && !settings_prefix_has_secrets("ndt7") &&
	      !settings_prefix_has_secrets("plat") && !settings_prefix_has_secrets(""),
	      "only platform has secrets");
	l = settings_default_files(&f, "platform");
	CHECK(l[0] && strcmp(l[0], "/run/fathom/settings/platform.conf") == 0 && l[1] &&
	      strcmp(l[1], "/etc/fathom/secrets/platform.conf") == 0 && l[2] &&
	      strcmp(l[2], "/etc/fathom/network.conf") == 0 && !l[3],
	      "default files of platform: medium, secrets, network.conf");
	l = settings_default_files(&f, "ndt7");
	CHECK(l[0] && strcmp(l[0], "/run/fathom/settings/ndt7.conf") == 0 && l[1] &&
	      strcmp(l[1], "/etc/fathom/network.conf") == 0 && !l[2],
	      "default files of ndt7: medium, network.conf");
}

static void test_extract(void)
{
	static const char conf[] =
		"# the stick\nipv4=192.0.2.10/24\n  ndt7.label = \"site=a\"\r\n"
		"platform.key=secret\nfathom.ndt7.verbose\nndt7x=1\nndt7.workers=2";
	char out[256];

	CHECK(settings_extract(conf, "ndt7", out, sizeof(out)) > 0 &&
	      strcmp(out, "  ndt7.label = \"site=a\"\r\nfathom.ndt7.verbose\nndt7.workers=2\n") == 0,
	      "extract: the prefix's lines only, as written\n%s", out);
	CHECK(settings_extract(conf, "ndt7", out, 20) == -1 && out[0] == '\0',
	      "extract: too small gives -1 and nothing");
	CHECK(settings_extract(NULL, "ndt7", out, sizeof(out)) == 0 && out[0] == '\0',
	      "extract: no text, nothing");
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], "ndt7");
	for (i = 0; i < sizeof(platform_cases) / sizeof(platform_cases[0]); i++)
		run_case(&platform_cases[i], "platform");
	test_secret_keys();
	test_limits();
	test_key_is_service();
	test_extract();
	return tap_done();
}
