/* A service's --settings, --settings-cmdline and --settings-file options:
 * taking them from its command line, reading the settings they name
 * (settings.h says from where) and handing each setting to the service's
 * own option parser, below its explicit options. One setting that is
 * wrong must not cost the machine its service: it is said on stderr with
 * where it came from ("PROGRAM: settings: WHERE: PREFIX.OPTION: why;
 * ignored") and left out. */
#ifndef FATHOM_LIB_BOOTCFG_SETTINGS_SERVICE_H
#define FATHOM_LIB_BOOTCFG_SETTINGS_SERVICE_H

#include <stddef.h>

#include "lib/bootcfg/settings.h"

#define SETTINGS_FILES_MAX 8

/* What the --settings* options asked for. Zero it before the first take. */
struct settings_request {
	const char *prefix;		/* --settings PREFIX; NULL: no settings */
	const char *cmdline;		/* --settings-cmdline FILE; NULL: /proc/cmdline */
	const char *files[SETTINGS_FILES_MAX + 1];	/* --settings-file, NULL-terminated */
	int nfiles;
};

/* The service, for its messages and its settings' rules. */
struct settings_service {
	const char *program;		/* "platform": messages start "platform: " */
	const char *command;		/* "platform-agent": "(platform-agent --help)" */
	const char *prefix;		/* its usual prefix, the messages' example */
	const char *const *repeatable;	/* options that add up; NULL-terminated or NULL */
	const char *const *flags;	/* options that may stand without a value */
	const char *const *secrets;	/* options whose value no message shows */
};

/* A command line of long options only (getopt_long with opts, "help"
 * returning 'h'; the others 0): the --settings* options taken into rq and
 * checked (settings_request_check), the others as option names and
 * arguments ("" for none) into names and values, at most max. How many;
 * SETTINGS_ARGS_HELP after printing usage on stdout for --help; -1 for a
 * bad command line (said on stderr). */
#define SETTINGS_ARGS_HELP (-2)
struct option;
int settings_args_take(int argc, char **argv, const struct option *opts, const char *usage,
		       const struct settings_service *svc, struct settings_request *rq,
		       const char **names, const char **values, int max);

/* name is a long option without "--", arg its argument: 1 if it is one of
 * the --settings* options (taken into rq), 0 if not, -1 if it is one too
 * many --settings-file (said). */
int settings_request_take(struct settings_request *rq, const struct settings_service *svc,
			  const char *name, const char *arg);

/* After the command line: 0, or -1 (said) if --settings-cmdline or
 * --settings-file came without --settings. */
int settings_request_check(const struct settings_request *rq,
			   const struct settings_service *svc);

/* Whether option ("help", "settings-file") can never be a setting. */
int settings_option_reserved(const char *option);

/* Read rq->prefix's settings into s: from rq's command line and files, or
 * /proc/cmdline and settings_default_files(). s's values are the options'
 * arguments afterwards: it must live as long as they are used. */
void settings_load(struct settings *s, const struct settings_service *svc,
		   const struct settings_request *rq);

/* Take one setting as the option x->option with the argument x->value:
 * 0, or -1 with the reason in err (a complete sentence for the log). */
typedef int (*settings_apply_fn)(void *ctx, const struct setting *x, char *err, size_t errlen);

/* settings_load, then every setting to apply in rank order; one that lacks
 * its value (not a flag), is reserved or that apply refuses is said and
 * left out. */
void settings_apply(struct settings *s, const struct settings_service *svc,
		    const struct settings_request *rq, settings_apply_fn apply, void *ctx);

#endif
