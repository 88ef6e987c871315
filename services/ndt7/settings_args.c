/* ndt7-server --settings PREFIX: the machine's settings as options placed
 * before the explicit ones (contract: settings_args.h). */
#define _GNU_SOURCE
#include "settings_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bootcfg/settings_service.h"

static const char *const repeatable[] = { "label", "listen", "token-verify-key", NULL };
static const struct settings_service service = {
	.program = "ndt7", .command = "ndt7-server", .prefix = "ndt7", .repeatable = repeatable,
};

/* Long lived: the settings' values are the options' arguments. */
static struct settings machine;

/* "--name VALUE" or "--name=VALUE" at argv[*i]: the value, else NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *bad)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "ndt7: %s: missing its argument\n", name);
		*bad = 1;
		return NULL;
	}
	return argv[++*i];
}

/* Take the --settings* options out of argv (up to a "--"). */
static int request_take(int *argc, char **argv, struct settings_request *rq)
{
	static const char *const names[] = { "--settings-cmdline", "--settings-file",
					     "--settings", NULL };
	int i, k, out = 1, bad = 0, done = 0;

	for (i = 1; i < *argc; i++) {
		const char *v = NULL;

		if (!done && strcmp(argv[i], "--") == 0)
			done = 1;
		for (k = 0; !done && !v && names[k]; k++)
			v = option_value(*argc, argv, &i, names[k], &bad);
		if (v && settings_request_take(rq, &service, names[k - 1] + 2, v) < 0)
			return -1;
		if (!v && !bad)
			argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
	if (!bad && settings_request_check(rq, &service) < 0)
		return -1;
	return bad ? -1 : 0;
}

static const struct option *option_find(const struct option *opts, const char *name)
{
	if (settings_option_reserved(name))
		return NULL;
	for (; opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

/* A setting as 0, 1 or 2 words in w[]: how many, or -1 (said why). */
static int setting_words(const struct setting *x, const struct option *opts, const char *prefix,
			 char **w)
{
	static char names[SETTINGS_MAX][SETTING_OPTION_MAX + 2];
	const struct option *o = option_find(opts, x->option);
	char *name = names[x - machine.item];

	if (!o) {
		fprintf(stderr, "ndt7: settings: %s: %s.%s: unknown option (ndt7-server --help "
			"lists them); ignored\n", x->where, prefix, x->option);
		return -1;
	}
	snprintf(name, SETTING_OPTION_MAX + 2, "--%s", x->option);
	w[0] = name;
	if (o->has_arg == no_argument) {
		if (!x->has_value || strcmp(x->value, "yes") == 0 || strcmp(x->value, "on") == 0 ||
		    strcmp(x->value, "1") == 0)
			return 1;
		if (strcmp(x->value, "no") == 0 || strcmp(x->value, "off") == 0 ||
		    strcmp(x->value, "0") == 0)
			return 0;
		fprintf(stderr, "ndt7: settings: %s: %s.%s=\"%s\": expected yes or no; ignored\n",
			x->where, prefix, x->option, x->value);
		return -1;
	}
	if (!x->has_value) {
		fprintf(stderr, "ndt7: settings: %s: %s.%s: missing its value (%s.%s=VALUE); "
			"ignored\n", x->where, prefix, x->option, prefix, x->option);
		return -1;
	}
	w[1] = (char *)x->value;
	return 2;
}

/* Whether parse accepts argv[0], words, rest (from the defaults). */
static int parse_ok(char **words, int nwords, char **rest, int nrest, options_parse_fn parse,
		    const struct ndt7_config *defaults)
{
	char **v = calloc((size_t)(nwords + nrest + 2), sizeof(*v));
	struct ndt7_config cfg = *defaults;
	int rc;

	if (!v)
		return 0;
	v[0] = rest[0];
	if (nwords)
		memcpy(v + 1, words, (size_t)nwords * sizeof(*v));
	memcpy(v + 1 + nwords, rest + 1, (size_t)(nrest - 1) * sizeof(*v));
	optind = 0;
	rc = parse(nwords + nrest, v, &cfg);
	optind = 0;
	free(v);
	return rc == 0;
}

/* The summary: which options came from the settings (names only). */
static void say_taken(char **words, const int *counts, int taken)
{
	char line[1024] = "";
	size_t len = 0;
	int i, w = 0;

	for (i = 0; i < taken && len < sizeof(line); w += counts[i++])
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", words[w]);
	fprintf(stderr, "ndt7: settings: taken:%s\n", len ? line : " none");
}

int settings_args(int *argc, char ***argv, const struct option *opts,
		  const struct ndt7_config *defaults, options_parse_fn parse)
{
	static char **result;
	struct settings_request rq = { 0 };
	char **words;
	int counts[SETTINGS_MAX];
	int i, n = 0, nwords = 0, taken = 0;

	if (request_take(argc, *argv, &rq) < 0)
		return -1;
	if (!rq.prefix)
		return 0;
	settings_load(&machine, &service, &rq);
	words = calloc(2 * SETTINGS_MAX + 1, sizeof(*words));
	result = calloc((size_t)*argc + 2 * SETTINGS_MAX + 1, sizeof(*result));
	if (!words || !result) {
		fprintf(stderr, "ndt7: settings: out of memory; starting without them\n");
		free(words);
		return 0;
	}
	if (!parse_ok(NULL, 0, *argv, *argc, parse, defaults)) {
		free(words);
		return 0;	/* the explicit arguments are wrong: main says so */
	}
	/* Each setting alone first, so a bad one names itself. */
	for (i = 0; i < (int)machine.count; i++) {
		const struct setting *x = &machine.item[i];

		n = setting_words(x, opts, rq.prefix, words + nwords);
		if (n <= 0)
			continue;
		if (!parse_ok(words + nwords, n, *argv, *argc, parse, defaults)) {
			fprintf(stderr, "ndt7: settings: %s: %s.%s: refused (the line above says why); "
				"ignored\n", x->where, rq.prefix, x->option);
			continue;
		}
		nwords += n;
		counts[taken++] = n;
	}
	/* Then all together (a limit such as the number of labels): drop the
	 * last until the whole is accepted. */
	while (nwords > 0 && !parse_ok(words, nwords, *argv, *argc, parse, defaults)) {
		nwords -= counts[--taken];
		fprintf(stderr, "ndt7: settings: %s refused together with the others; ignored\n",
			words[nwords]);
	}
	say_taken(words, counts, taken);
	result[0] = (*argv)[0];
	if (nwords)
		memcpy(result + 1, words, (size_t)nwords * sizeof(*result));
	memcpy(result + 1 + nwords, *argv + 1, (size_t)*argc * sizeof(*result));
	*argc += nwords;
	*argv = result;
	free(words);
	return 0;
}
