/* The platform agent's options: the command line and the machine's
 * settings platform.OPTION=VALUE (lib/bootcfg/settings.h) through one
 * function, config_apply, so both accept the same things. */
#ifndef PLATFORM_CONFIG_H
#define PLATFORM_CONFIG_H

#include "autojoin.h"

#define PLATFORM_API_KEY_MAX 512

struct platform_config {
	const char *api_key_file;
	char api_key[PLATFORM_API_KEY_MAX];	/* from platform.api-key or the file */
	const char *token_url, *register_url, *heartbeat_url, *ca_file;
	const char *iata, *uplink, *probability, *type, *service, *ipv4, *ipv6;
	unsigned ports[AJ_PORTS_MAX];
	int nports, ports_given;
	const char *health_url;
	const char *state_dir, *run_dir;
	const char *acme_directory, *acme_challenge_dir, *tls_dir;
	unsigned register_interval, heartbeat_interval;
	int once;				/* --once: register, write, exit (tests) */
	int by_init;			/* --settings without --once: run by init */
};

void config_defaults(struct platform_config *c);

/* Set option name (without "--") to value: 0, or -1 with err set. value
 * must outlive c. from_settings: where a platform.api-key came from (a
 * settings file readable by this user alone), NULL for the command line,
 * which refuses --api-key (ps shows it). */
int config_apply(struct platform_config *c, const char *name, const char *value,
		 const char *from_settings, char *err, size_t errlen);

/* Parse argv (with --settings PREFIX, --settings-cmdline, --settings-file,
 * like ndt7-server): 0, 1 for --help (printed), -1 (said on stderr), 2 when
 * run by init (c->by_init) with no API key configured at all (the other
 * settings are not checked then: an image nobody configured). */
int config_parse(int argc, char **argv, struct platform_config *c);

/* --ipv4 and --ipv6 unless given: the machine's first global unicast
 * address of each family (getifaddrs), else left to autojoin. Static
 * storage. */
void config_default_addrs(struct platform_config *c);

/* Read --api-key-file into c->api_key unless the setting gave it: 0 or -1
 * (err names the file and what to do). */
int config_load_key(struct platform_config *c, char *err, size_t errlen);

#endif
