/* A service's --settings* options and its settings applied one by one,
 * each mistake said and left out (contract: settings_service.h). */
#include "lib/bootcfg/settings_service.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

int settings_request_take(struct settings_request *rq, const struct settings_service *svc,
			  const char *name, const char *arg)
{
	if (strcmp(name, "settings") == 0) {
		rq->prefix = arg;
	} else if (strcmp(name, "settings-cmdline") == 0) {
		rq->cmdline = arg;
	} else if (strcmp(name, "settings-file") == 0) {
		if (rq->nfiles == SETTINGS_FILES_MAX) {
			fprintf(stderr, "%s: --settings-file: at most %d files\n", svc->program,
				SETTINGS_FILES_MAX);
			return -1;
		}
		rq->files[rq->nfiles++] = arg;
	} else {
		return 0;
	}
	return 1;
}

int settings_args_take(int argc, char **argv, const struct option *opts, const char *usage,
		       const struct settings_service *svc, struct settings_request *rq,
		       const char **names, const char **values, int max)
{
	int n = 0, o, idx, taken;

	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		if (o == 'h') {
			fputs(usage, stdout);
			return SETTINGS_ARGS_HELP;
		}
		if (o != 0) {
			fprintf(stderr, "%s: bad arguments (%s --help)\n", svc->program, svc->command);
			return -1;
		}
		taken = settings_request_take(rq, svc, opts[idx].name, optarg);
		if (taken < 0)
			return -1;
		if (!taken && n < max) {
			names[n] = opts[idx].name;
			values[n++] = optarg ? optarg : "";
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\" (%s --help)\n", svc->program,
			argv[optind], svc->command);
		return -1;
	}
	return settings_request_check(rq, svc) < 0 ? -1 : n;
}

int settings_request_check(const struct settings_request *rq,
			   const struct settings_service *svc)
{
	if (rq->prefix || (!rq->cmdline && !rq->nfiles))
		return 0;
	fprintf(stderr, "%s: --settings-cmdline and --settings-file go with --settings PREFIX "
		"(e.g. --settings %s)\n", svc->program, svc->prefix);
	return -1;
}

int settings_option_reserved(const char *option)
{
	return strcmp(option, "help") == 0 || strncmp(option, "settings", 8) == 0;
}

static void say_problem(void *ctx, const char *msg)
{
	const struct settings_service *svc = ctx;

	fprintf(stderr, "%s: settings: %s; ignored\n", svc->program, msg);
}

void settings_load(struct settings *s, const struct settings_service *svc,
		   const struct settings_request *rq)
{
	struct settings_files defaults;

	settings_init(s, rq->prefix, svc->repeatable, say_problem, (void *)svc);
	settings_read(s, rq->cmdline ? rq->cmdline : SETTINGS_CMDLINE_PATH,
		      rq->nfiles ? rq->files : settings_default_files(&defaults, rq->prefix));
}

void settings_apply(struct settings *s, const struct settings_service *svc,
		    const struct settings_request *rq, settings_apply_fn apply, void *ctx)
{
	const char *who = svc->program, *prefix = rq->prefix;
	char err[512];
	size_t i;

	settings_load(s, svc, rq);
	for (i = 0; i < s->count; i++) {
		const struct setting *x = &s->item[i];
		int secret = listed(svc->secrets, x->option);

		if (!x->has_value && !listed(svc->flags, x->option))
			fprintf(stderr, "%s: settings: %s: %s.%s: missing its value; ignored\n", who,
				x->where, prefix, x->option);
		else if (settings_option_reserved(x->option))
			fprintf(stderr, "%s: settings: %s: %s.%s: not a setting; ignored\n", who,
				x->where, prefix, x->option);
		else if (apply(ctx, x, err, sizeof(err)) < 0)
			fprintf(stderr, "%s: settings: %s: %s.%s%s%s: %s; ignored\n", who, x->where,
				prefix, x->option, secret ? "" : "=", secret ? "" : x->value, err);
	}
}
