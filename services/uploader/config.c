/* The uploader's options, settings and registration (contract: config.h). */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bootcfg/settings_service.h"

void config_defaults(struct up_config *c)
{
	memset(c, 0, sizeof(*c));
	c->spool_dir = "/var/spool/ndt7";
	c->state_dir = "/var/lib/uploader";
	c->bundle_max_bytes = 20 << 20;		/* jostler's -bundle-size-max */
	c->bundle_max_age_s = 3600;		/* jostler's -bundle-age-max */
	c->spool_max_bytes = 48 << 20;
	c->target = UP_GCS;
	c->object_prefix = "autoload/v2";
	c->experiment = "ndt";
	c->registration_file = "/var/lib/platform/registration.json";
	c->service_account_file = "/var/lib/platform/service-account.json";
	c->timeout_s = 60;
	c->retry_max_s = 300;
	c->status_file = "/run/fathom/uploader/status";
}

static const struct option opts[] = {
	{ "spool-dir", required_argument, 0, 0 }, { "state-dir", required_argument, 0, 0 },
	{ "bundle-max-bytes", required_argument, 0, 0 },
	{ "bundle-max-age", required_argument, 0, 0 },
	{ "spool-max-bytes", required_argument, 0, 0 }, { "target", required_argument, 0, 0 },
	{ "bucket", required_argument, 0, 0 }, { "object-prefix", required_argument, 0, 0 },
	{ "org", required_argument, 0, 0 }, { "experiment", required_argument, 0, 0 },
	{ "node", required_argument, 0, 0 }, { "registration-file", required_argument, 0, 0 },
	{ "service-account-file", required_argument, 0, 0 },
	{ "gcs-endpoint", required_argument, 0, 0 }, { "token-url", required_argument, 0, 0 },
	{ "put-url", required_argument, 0, 0 }, { "put-token-file", required_argument, 0, 0 },
	{ "ca-file", required_argument, 0, 0 }, { "timeout", required_argument, 0, 0 },
	{ "retry-max", required_argument, 0, 0 },
	{ "metrics-listen", required_argument, 0, 0 }, { "status-file", required_argument, 0, 0 },
	{ "settings", required_argument, 0, 0 }, { "settings-cmdline", required_argument, 0, 0 },
	{ "settings-file", required_argument, 0, 0 }, { "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 }
};

static const char usage[] =
	"usage: uploader [options]: bundle the spooled measurement records of each datatype\n"
	"into gzip JSON Lines and upload them (at least once) to the archive\n"
	"  --spool-dir DIR      the records, DIR/DATATYPE/... (/var/spool/ndt7)\n"
	"  --state-dir DIR      the bundle in flight and its journal (/var/lib/uploader)\n"
	"  --bundle-max-bytes N  a bundle goes at this size (20971520)\n"
	"  --bundle-max-age S   ... or when its oldest record is this old (3600)\n"
	"  --spool-max-bytes N  the spool's bound: the oldest records beyond it are dropped,\n"
	"                       counted and logged (50331648; 0: none)\n"
	"  --target gcs|put|off  where bundles go (gcs)\n"
	"  --bucket B  --object-prefix P (autoload/v2)  --org O  --experiment E (ndt)\n"
	"  --node NAME          (default: from the registration file)\n"
	"  --registration-file FILE  the platform agent's (/var/lib/platform/registration.json);\n"
	"                       waits quietly while it does not exist\n"
	"  --service-account-file FILE  (/var/lib/platform/service-account.json)\n"
	"  --gcs-endpoint URL  --token-url URL  --ca-file FILE\n"
	"  --put-url URL        with {object}: --target put's destination\n"
	"  --put-token-file FILE  its bearer token (one line)\n"
	"  --timeout S          one upload's limit (60)\n"
	"  --retry-max S        the longest wait between retries (300)\n"
	"  --metrics-listen ADDR:PORT  Prometheus metrics (default off)\n"
	"  --status-file FILE   one status line (/run/fathom/uploader/status)\n"
	"  --settings PREFIX    also take PREFIX.OPTION=VALUE from the machine's settings\n"
	"                       (the kernel command line's fathom.PREFIX.*, then\n"
	"                       " SETTINGS_MEDIUM_DIR "/PREFIX.conf, " SETTINGS_OVERLAY_PATH ")\n"
	"  --settings-cmdline FILE  --settings-file FILE (repeatable, highest rank first)\n";

static int parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long n;
	char *e;

	if (!*v || *v == '-')
		return -1;
	errno = 0;
	n = strtoull(v, &e, 10);
	if (errno || *e || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* One option's value into c. 0, or -1 with err. */
static int config_apply(struct up_config *c, const char *name, const char *v, char *err,
			size_t errlen)
{
	static const struct { const char *name; size_t off; } strs[] = {
#define S(n, f) { n, offsetof(struct up_config, f) }
		S("spool-dir", spool_dir), S("state-dir", state_dir), S("bucket", bucket),
		S("object-prefix", object_prefix), S("org", org), S("experiment", experiment),
		S("node", node), S("registration-file", registration_file),
		S("service-account-file", service_account_file), S("gcs-endpoint", gcs_endpoint),
		S("token-url", token_url), S("put-url", put_url),
		S("put-token-file", put_token_file), S("ca-file", ca_file),
		S("metrics-listen", metrics_listen), S("status-file", status_file),
#undef S
	};
	uint64_t n;
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strcmp(name, strs[i].name) != 0)
			continue;
		if (!*v) {
			snprintf(err, errlen, "--%s: empty value", name);
			return -1;
		}
		if ((strcmp(name, "org") == 0 || strcmp(name, "experiment") == 0 ||
		     strcmp(name, "node") == 0) && !name_part_ok(v)) {
			snprintf(err, errlen, "--%s \"%s\": letters, digits, '-', '_', '.' only",
				 name, v);
			return -1;
		}
		*(const char **)((char *)c + strs[i].off) = strcmp(v, "off") == 0 &&
			strcmp(name, "metrics-listen") == 0 ? NULL : v;
		return 0;
	}
	if (strcmp(name, "target") == 0) {
		if (strcmp(v, "gcs") == 0)
			c->target = UP_GCS;
		else if (strcmp(v, "put") == 0)
			c->target = UP_PUT;
		else if (strcmp(v, "off") == 0)
			c->target = UP_OFF;
		else {
			snprintf(err, errlen, "--target \"%s\": gcs, put or off", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "bundle-max-bytes") == 0 && parse_u64(v, 1024, 1ULL << 30, &n) == 0)
		c->bundle_max_bytes = n;
	else if (strcmp(name, "bundle-max-age") == 0 && parse_u64(v, 0, 86400 * 7, &n) == 0)
		c->bundle_max_age_s = (long)n;
	else if (strcmp(name, "spool-max-bytes") == 0 && parse_u64(v, 0, 1ULL << 40, &n) == 0)
		c->spool_max_bytes = n;
	else if (strcmp(name, "timeout") == 0 && parse_u64(v, 1, 3600, &n) == 0)
		c->timeout_s = (int)n;
	else if (strcmp(name, "retry-max") == 0 && parse_u64(v, 1, 86400, &n) == 0)
		c->retry_max_s = (unsigned)n;
	else {
		snprintf(err, errlen, "--%s \"%s\": %s", name, v,
			 strcmp(name, "bundle-max-bytes") == 0 ? "a number of bytes, 1024 to 2^30" :
			 strcmp(name, "spool-max-bytes") == 0 ? "a number of bytes (0: no bound)" :
			 "a whole number of seconds in range");
		return -1;
	}
	return 0;
}

static const struct settings_service service = {
	.program = "uploader", .command = "uploader", .prefix = "upload",
};
static struct settings machine;	/* long lived: its values are the options' */

static int apply_setting(void *c, const struct setting *x, char *err, size_t errlen)
{
	return config_apply(c, x->option, x->value, err, errlen);
}

int config_parse(int argc, char **argv, struct up_config *c)
{
	const char *names[64], *values[64];
	struct settings_request rq = { 0 };
	char err[512];
	int n, i;

	n = settings_args_take(argc, argv, opts, usage, &service, &rq, names, values, 64);
	if (n < 0)
		return n == SETTINGS_ARGS_HELP ? 1 : -1;
	if (rq.prefix)
		settings_apply(&machine, &service, &rq, apply_setting, c);
	for (i = 0; i < n; i++)	/* explicit options win */
		if (config_apply(c, names[i], values[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "uploader: %s\n", err);
			return -1;
		}
	if (c->target == UP_PUT && !c->put_url) {
		fprintf(stderr, "uploader: --target put needs --put-url (e.g. https://host/"
			"results/{object})\n");
		return -1;
	}
	return 0;
}

int registration_parse(const char *text, size_t len, struct registration *r, char *err,
		       size_t errlen)
{
	json_t *root = json_loadb(text, len, 0, NULL), *h;
	const char *v;

	memset(r, 0, sizeof(*r));
	h = json_is_object(root) ? json_object_get(root, "Hostname") : NULL;
	v = json_is_string(h) ? json_string_value(h) : NULL;
	if (!v || !name_part_ok(v) || strlen(v) >= sizeof(r->hostname)) {
		snprintf(err, errlen, "no usable \"Hostname\" (letters, digits, '-', '.')");
		json_decref(root);
		return -1;
	}
	snprintf(r->hostname, sizeof(r->hostname), "%s", v);
	r->names_ok = node_names_parse(v, &r->names) == 0;
	json_decref(root);
	return 0;
}
