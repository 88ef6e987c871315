/* --settings PREFIX: the machine's settings for this service (the kernel
 * command line's fathom.PREFIX.OPTION=VALUE, the boot medium's and the
 * overlay's PREFIX.OPTION=VALUE: lib/bootcfg/settings.h) turned into
 * "--OPTION VALUE" placed before the explicit arguments, so that an
 * explicit single option wins and repeatable ones add up.
 *
 * An appliance must not lose its measurement service to one typo: a
 * setting that is unknown, lacks its value or is refused by the option
 * parser is logged with where it came from and left out; the server
 * starts with the rest. */
#ifndef NDT7_SETTINGS_ARGS_H
#define NDT7_SETTINGS_ARGS_H

#include <getopt.h>

#include "server.h"

/* Where the settings are on the appliance: lib/bootcfg/settings.h
 * (SETTINGS_MEDIUM_DIR, SETTINGS_OVERLAY_PATH, settings_default_files). */
#include "lib/bootcfg/settings.h"

#define SETTINGS_USAGE \
	"  --settings PREFIX    also take PREFIX.OPTION=VALUE from the machine's settings\n" \
	"                       (fathom.PREFIX.* on the kernel command line, then the boot\n" \
	"                       medium's fathom.conf, then /etc/fathom/network.conf); explicit\n" \
	"                       options win; a bad setting is logged and left out\n" \
	"  --settings-cmdline FILE  read the command line from FILE (default /proc/cmdline)\n" \
	"  --settings-file FILE  a settings file, repeatable, highest rank first (default\n" \
	"                       " SETTINGS_MEDIUM_DIR "/PREFIX.conf, for platform also\n" \
	"                       " SETTINGS_SECRETS_DIR "/PREFIX.conf, " SETTINGS_OVERLAY_PATH ")\n"

typedef int (*options_parse_fn)(int argc, char **argv, struct ndt7_config *cfg);

/* Replace *argc and *argv by: argv[0], the accepted settings, then the
 * explicit arguments without the --settings* options. opts is parse's
 * getopt table; each trial parse starts from a copy of *defaults. 0, or
 * -1 if the --settings* options themselves are wrong (said on stderr). */
int settings_args(int *argc, char ***argv, const struct option *opts,
		  const struct ndt7_config *defaults, options_parse_fn parse);

#endif
