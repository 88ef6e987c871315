/* The uploader's options (--help lists them), also taken from the
 * machine's settings (upload.OPTION=VALUE in files, fathom.upload.OPTION=
 * VALUE on the kernel command line; --settings upload), and what the
 * platform agent's registration file supplies when they are not given. */
#ifndef UPLOADER_CONFIG_H
#define UPLOADER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "naming.h"

enum up_target { UP_GCS, UP_PUT, UP_OFF };

struct up_config {
	const char *spool_dir, *state_dir;
	uint64_t bundle_max_bytes, spool_max_bytes;
	long bundle_max_age_s;
	enum up_target target;
	const char *bucket, *object_prefix, *org, *experiment, *node;
	const char *registration_file, *service_account_file;
	const char *gcs_endpoint, *token_url, *put_url, *put_token_file, *ca_file;
	int timeout_s;
	unsigned retry_max_s;
	const char *metrics_listen, *status_file;
};

void config_defaults(struct up_config *c);

/* Parse argv (and the settings when --settings PREFIX is given: each bad
 * one logged and left out). 0 run, 1 --help printed, -1 bad arguments
 * (said on stderr). */
int config_parse(int argc, char **argv, struct up_config *c);

/* What the registration file says: the node's name, its organisation and
 * bucket. 0, or -1 (why in err). */
struct registration {
	char hostname[256];
	struct node_names names;
	int names_ok;		/* the hostname has M-Lab's shape */
};
int registration_parse(const char *text, size_t len, struct registration *r, char *err,
		       size_t errlen);

#endif
