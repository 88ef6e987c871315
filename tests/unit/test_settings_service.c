/* Unit tests for lib/bootcfg/settings_service.c: a service's --settings*
 * options, and its settings handed to its option parser one by one with
 * each mistake said on stderr and left out, by table. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/bootcfg/settings_service.h"
#include "tap.h"

#define TEXT_SIZE 4096

static const char *const repeatable[] = { "port", NULL };
static const char *const flags[] = { "once", NULL };
static const char *const secrets[] = { "key", NULL };
static const struct settings_service svc = {
	.program = "svc", .command = "svc-server", .prefix = "svc", .repeatable = repeatable,
	.flags = flags, .secrets = secrets,
};

/* The test's option parser: refuses a value starting "no", else notes
 * "OPTION=VALUE" (a flag: "OPTION") in ctx. */
static int apply_note(void *ctx, const struct setting *x, char *err, size_t errlen)
{
	char *out = ctx;
	size_t len = strlen(out);

	if (strncmp(x->value, "no", 2) == 0) {
		snprintf(err, errlen, "refused by the test");
		return -1;
	}
	snprintf(out + len, TEXT_SIZE - len, "%s%s%s\n", x->option, x->has_value ? "=" : "",
		 x->value);
	return 0;
}

/* Options as the program's parser sees them (name without "--", its
 * argument; "@C" is the command line file, "@F" the settings file), the
 * two files, and what must come out: the result of taking and checking
 * the options, the settings applied, and stderr ("@" for the folder). */
struct service_case {
	const char *name;
	const char *args[24];
	const char *cmdline;
	const char *file;
	int rc;
	const char *applied;
	const char *said;
};

#define NINE_FILES "settings-file", "@F", "settings-file", "@F", "settings-file", "@F", \
	"settings-file", "@F", "settings-file", "@F", "settings-file", "@F", "settings-file", \
	"@F", "settings-file", "@F", "settings-file", "@F"

static const struct service_case cases[] = {
	{ "no --settings: nothing read", { "port", "1", NULL }, "fathom.svc.port=2", "svc.port=3",
	  0, "", "" },
	{ "command line above the file; repeatable adds up; a flag without a value",
	  { "settings", "svc", "settings-cmdline", "@C", "settings-file", "@F", NULL },
	  "quiet fathom.svc.port=1 fathom.svc.name=cmd fathom.other.name=x",
	  "svc.name=file\nsvc.port=2\nsvc.once\n", 0,
	  "port=1\nname=cmd\nport=2\nonce\n", "" },
	{ "missing value, not a setting, refused; a secret's value never said",
	  { "settings", "svc", "settings-cmdline", "@C", "settings-file", "@F", NULL }, "",
	  "svc.name\nsvc.settings-file=/x\nsvc.help=1\nsvc.settingsx=1\nsvc.size=no\n"
	  "svc.key=no-secret\nsvc.ok=yes\n", 0, "ok=yes\n",
	  "svc: settings: @/f:1: svc.name: missing its value; ignored\n"
	  "svc: settings: @/f:2: svc.settings-file: not a setting; ignored\n"
	  "svc: settings: @/f:3: svc.help: not a setting; ignored\n"
	  "svc: settings: @/f:4: svc.settingsx: not a setting; ignored\n"
	  "svc: settings: @/f:5: svc.size=no: refused by the test; ignored\n"
	  "svc: settings: @/f:6: svc.key: refused by the test; ignored\n" },
	{ "a problem of the settings parser is said the same way",
	  { "settings", "svc", "settings-cmdline", "@C", "settings-file", "@F", NULL }, "",
	  "svc.bad option=1\n", 0, "",
	  "svc: settings: @/f:1: svc.bad option: an option name has only a-z, 0-9, '-' and "
	  "'_'; ignored\n" },
	{ "--settings-cmdline without --settings",
	  { "settings-cmdline", "@C", NULL }, "", "", -1, "",
	  "svc: --settings-cmdline and --settings-file go with --settings PREFIX "
	  "(e.g. --settings svc)\n" },
	{ "--settings-file without --settings", { "settings-file", "@F", NULL }, "", "", -1, "",
	  "svc: --settings-cmdline and --settings-file go with --settings PREFIX "
	  "(e.g. --settings svc)\n" },
	{ "nine --settings-file", { "settings", "svc", NINE_FILES, NULL }, "", "", -1, "",
	  "svc: --settings-file: at most 8 files\n" },
};

/* A command line through settings_args_take: what it returns, the other
 * options as "NAME=VALUE" lines then stdout, and stderr. */
struct args_case {
	const char *name;
	const char *argv[12];
	int rc;
	const char *options;
	const char *said;
};

static const struct option opts[] = {
	{ "port", required_argument, 0, 0 }, { "once", no_argument, 0, 0 },
	{ "settings", required_argument, 0, 0 }, { "settings-cmdline", required_argument, 0, 0 },
	{ "settings-file", required_argument, 0, 0 }, { "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 }
};

static const struct args_case args_cases[] = {
	{ "options in order, --settings* apart", { "svc", "--port", "1", "--settings=svc", "--once",
	  "--settings-file", "/f", "--port=2", NULL }, 3, "port=1\nonce=\nport=2\n", "" },
	{ "nothing", { "svc", NULL }, 0, "", "" },
	{ "--help", { "svc", "--port", "1", "--help", NULL }, SETTINGS_ARGS_HELP, "usage\n", "" },
	{ "an unknown option", { "svc", "--bogus", NULL }, -1, "",
	  "svc: bad arguments (svc-server --help)\n" },
	{ "an option without its argument", { "svc", "--port", NULL }, -1, "",
	  "svc: bad arguments (svc-server --help)\n" },
	{ "a word that is no option", { "svc", "--once", "lga", NULL }, -1, "",
	  "svc: unexpected argument \"lga\" (svc-server --help)\n" },
	{ "--settings-file without --settings", { "svc", "--settings-file", "/f", NULL }, -1, "",
	  "svc: --settings-cmdline and --settings-file go with --settings PREFIX "
	  "(e.g. --settings svc)\n" },
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* text with every dir replaced by "@". */
static void strip_dir(char *text, const char *dir)
{
	size_t n = strlen(dir);
	char *p;

	while ((p = strstr(text, dir))) {
		*p = '@';
		memmove(p + 1, p + n, strlen(p + n) + 1);
	}
}

/* settings_args_take on the case's argv, with stderr in said. */
static int run_args(const struct args_case *c, char *options, char *said)
{
	const char *names[4], *values[4];
	char *argv[12];
	struct settings_request rq = { 0 };
	FILE *err = tmpfile(), *out = tmpfile();
	int saved = dup(2), saved_out = dup(1), argc = 0, rc, i;
	size_t len = 0;

	if (!err || !out || saved < 0 || saved_out < 0)
		exit(1);
	while (c->argv[argc]) {
		argv[argc] = (char *)c->argv[argc];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(err), 2);
	dup2(fileno(out), 1);
	opterr = 0;
	rc = settings_args_take(argc, argv, opts, "usage\n", &svc, &rq, names, values, 4);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 2);
	dup2(saved_out, 1);
	close(saved);
	close(saved_out);
	options[0] = '\0';
	for (i = 0; i < (rc > 0 ? rc : 0); i++)
		len += (size_t)snprintf(options + len, TEXT_SIZE - len, "%s=%s\n", names[i],
					values[i]);
	rewind(err);
	len = fread(said, 1, TEXT_SIZE - 1, err);
	said[len] = '\0';
	rewind(out);
	len = strlen(options);
	options[len + fread(options + len, 1, TEXT_SIZE - 1 - len, out)] = '\0';
	fclose(err);
	fclose(out);
	return rc;
}

/* Take and check the case's options, apply the settings, with stderr in said. */
static int run_case(const struct service_case *c, const char *dir, char *applied, char *said)
{
	static struct settings s;
	struct settings_request rq = { 0 };
	char cpath[256], fpath[256];
	FILE *err = tmpfile();
	int saved = dup(2), rc = 0, i;
	size_t len;

	snprintf(cpath, sizeof(cpath), "%s/c", dir);
	snprintf(fpath, sizeof(fpath), "%s/f", dir);
	write_file(cpath, c->cmdline);
	write_file(fpath, c->file);
	if (!err || saved < 0)
		exit(1);
	fflush(stderr);
	dup2(fileno(err), 2);
	for (i = 0; c->args[i] && rc == 0; i += 2) {
		const char *arg = c->args[i + 1];

		arg = strcmp(arg, "@C") == 0 ? cpath : strcmp(arg, "@F") == 0 ? fpath : arg;
		if (settings_request_take(&rq, &svc, c->args[i], arg) < 0)
			rc = -1;
	}
	if (rc == 0)
		rc = settings_request_check(&rq, &svc);
	if (rc == 0 && rq.prefix)
		settings_apply(&s, &svc, &rq, apply_note, applied);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(err);
	len = fread(said, 1, TEXT_SIZE - 1, err);
	said[len] = '\0';
	fclose(err);
	strip_dir(said, dir);
	return rc;
}

static void check_text(const char *name, const char *what, const char *got, const char *want)
{
	CHECK(strcmp(got, want) == 0, "%s: %s", name, what);
	if (strcmp(got, want) != 0)
		printf("#   got:\n%s#   want:\n%s", got, want);
}

int main(void)
{
	char dir[] = "/tmp/test_settings_service.XXXXXX", path[256];
	size_t i;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct service_case *c = &cases[i];
		char applied[TEXT_SIZE] = "", said[TEXT_SIZE];
		int rc = run_case(c, dir, applied, said);

		CHECK(rc == c->rc, "%s: returns %d (got %d)", c->name, c->rc, rc);
		check_text(c->name, "applied", applied, c->applied);
		check_text(c->name, "said", said, c->said);
	}
	for (i = 0; i < sizeof(args_cases) / sizeof(args_cases[0]); i++) {
		const struct args_case *c = &args_cases[i];
		char options[TEXT_SIZE], said[TEXT_SIZE];
		int rc = run_args(c, options, said);

		CHECK(rc == c->rc, "args: %s: returns %d (got %d)", c->name, c->rc, rc);
		check_text(c->name, "options", options, c->options);
		check_text(c->name, "said", said, c->said);
	}
	CHECK(settings_option_reserved("settings") && settings_option_reserved("help") &&
	      !settings_option_reserved("port"), "reserved: settings*, help; not port");
	snprintf(path, sizeof(path), "%s/c", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
