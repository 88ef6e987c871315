/* platform-agent's options from the command line and the machine's
 * settings (contract: config.h). */
#define _GNU_SOURCE
#include "acme.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bootcfg/settings_service.h"

#define ARGS_MAX 128

void config_defaults(struct platform_config *c)
{
	memset(c, 0, sizeof(*c));
	c->token_url = "https://auth.mlab-oti.measurementlab.net/v0/token/autojoin";
	c->register_url = "https://autojoin-dot-mlab-oti.appspot.com/autojoin/v0/node/register/token";
	c->heartbeat_url = "wss://locate.measurementlab.net/v2/platform/heartbeat-jwt";
	c->type = "physical";
	c->service = "ndt";
	c->ports[0] = 443;
	c->ports[1] = 80;
	c->nports = 2;
	c->health_url = "http://127.0.0.1:8000/health";
	c->state_dir = "/var/lib/platform";
	c->run_dir = "/run/fathom/platform";
	c->acme_directory = ACME_DIRECTORY_DEFAULT;	/* "off" disables ACME */
	c->acme_challenge_dir = "/run/fathom/acme";
	c->tls_dir = "/var/lib/platform/tls";
	c->register_interval = 3600;
	c->heartbeat_interval = 10;
}

static int uint_arg(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n < lo || n > hi)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* Whether the settings file named by where ("PATH:LINE") is this user's
 * and nobody else's to read. */
static int private_file(const char *where)
{
	char path[SETTING_WHERE_MAX];
	char *colon;
	struct stat st;

	snprintf(path, sizeof(path), "%s", where);
	colon = strrchr(path, ':');
	if (colon)
		*colon = '\0';
	return path[0] == '/' && stat(path, &st) == 0 && st.st_uid == geteuid() &&
		!(st.st_mode & 077);
}

static int letters(const char *v, size_t min, size_t max, const char *extra)
{
	size_t n = strlen(v), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!(v[i] >= 'a' && v[i] <= 'z') && !(v[i] >= 'A' && v[i] <= 'Z') &&
		    !(v[i] >= '0' && v[i] <= '9') && !strchr(extra, v[i]))
			return 0;
	return 1;
}

int config_apply(struct platform_config *c, const char *name, const char *v,
		 const char *from_settings, char *err, size_t errlen)
{
	const char **s = NULL;
	unsigned u;

#define STR(opt, field) else if (strcmp(name, opt) == 0) s = &c->field
	if (strcmp(name, "api-key") == 0) {
		if (!from_settings || !private_file(from_settings)) {
			snprintf(err, errlen, "--api-key: only as platform.api-key in a settings file "
				 "readable by this user alone (mode 0600), or --api-key-file FILE");
			return -1;
		}
		if (strlen(v) >= sizeof(c->api_key) || !letters(v, 1, sizeof(c->api_key), "-_.")) {
			snprintf(err, errlen, "platform.api-key: not an API key (letters, digits, "
				 "'-', '_', '.')");
			return -1;
		}
		snprintf(c->api_key, sizeof(c->api_key), "%s", v);
		return 0;
	}
	STR("api-key-file", api_key_file);
	STR("token-url", token_url);
	STR("register-url", register_url);
	STR("heartbeat-url", heartbeat_url);
	STR("ca-file", ca_file);
	else if (strcmp(name, "ipv4") == 0 || strcmp(name, "ipv6") == 0) {
		unsigned char bin[16];
		int v6 = name[3] == '6';

		if (inet_pton(v6 ? AF_INET6 : AF_INET, v, bin) != 1) {
			snprintf(err, errlen, "--%s \"%s\": not an IPv%c address", name, v, v6 ? '6' : '4');
			return -1;
		}
		s = v6 ? &c->ipv6 : &c->ipv4;
	}
	STR("health-url", health_url);
	STR("state-dir", state_dir);
	STR("run-dir", run_dir);
	STR("acme-directory", acme_directory);
	STR("acme-challenge-dir", acme_challenge_dir);
	STR("tls-dir", tls_dir);
	else if (strcmp(name, "iata") == 0) {
		if (!letters(v, 3, 3, "")) {
			snprintf(err, errlen, "--iata \"%s\": three letters (an airport code)", v);
			return -1;
		}
		s = &c->iata;
	} else if (strcmp(name, "uplink") == 0) {
		size_t n = strlen(v);

		if (n < 2 || n > 6 || v[n - 1] != 'g' || !letters(v, 2, 6, "") ||
		    strspn(v, "0123456789") != n - 1) {
			snprintf(err, errlen, "--uplink \"%s\": a number and 'g' (1g, 10g)", v);
			return -1;
		}
		s = &c->uplink;
	} else if (strcmp(name, "type") == 0) {
		if (strcmp(v, "physical") && strcmp(v, "virtual")) {
			snprintf(err, errlen, "--type \"%s\": physical or virtual", v);
			return -1;
		}
		s = &c->type;
	} else if (strcmp(name, "service") == 0) {
		if (!letters(v, 1, 10, "")) {
			snprintf(err, errlen, "--service \"%s\": 1 to 10 letters or digits", v);
			return -1;
		}
		s = &c->service;
	} else if (strcmp(name, "probability") == 0) {
		char *end;
		double p = strtod(v, &end);

		if (end == v || *end || !(p >= 0 && p <= 1)) {
			snprintf(err, errlen, "--probability \"%s\": a number from 0 to 1", v);
			return -1;
		}
		s = &c->probability;
	} else if (strcmp(name, "port") == 0) {
		if (uint_arg(v, 1, 65535, &u)) {
			snprintf(err, errlen, "--port \"%s\": a port from 1 to 65535", v);
			return -1;
		}
		if (!c->ports_given)
			c->nports = 0;
		c->ports_given = 1;
		if (c->nports == AJ_PORTS_MAX) {
			snprintf(err, errlen, "--port: at most %d ports", AJ_PORTS_MAX);
			return -1;
		}
		c->ports[c->nports++] = u;
		return 0;
	} else if (strcmp(name, "register-interval") == 0) {
		if (uint_arg(v, 10, 86400, &c->register_interval)) {
			snprintf(err, errlen, "--register-interval \"%s\": seconds, 10 to 86400 "
				 "(M-Lab: 3600)", v);
			return -1;
		}
		return 0;
	} else if (strcmp(name, "heartbeat-interval") == 0) {
		if (uint_arg(v, 1, 25, &c->heartbeat_interval)) {
			snprintf(err, errlen, "--heartbeat-interval \"%s\": seconds, 1 to 25 (Locate "
				 "drops a connection silent for 30 s)", v);
			return -1;
		}
		return 0;
	} else if (strcmp(name, "once") == 0) {
		c->once = 1;
		return 0;
	} else {
		snprintf(err, errlen, "unknown option --%s (platform-agent --help lists them)", name);
		return -1;
	}
#undef STR
	if (!v || !*v) {
		snprintf(err, errlen, "--%s: empty value", name);
		return -1;
	}
	*s = v;
	return 0;
}

static const struct option opts[] = {
	{ "api-key-file", required_argument, 0, 0 }, { "api-key", required_argument, 0, 0 },
	{ "token-url", required_argument, 0, 0 }, { "register-url", required_argument, 0, 0 },
	{ "heartbeat-url", required_argument, 0, 0 }, { "ca-file", required_argument, 0, 0 },
	{ "iata", required_argument, 0, 0 }, { "uplink", required_argument, 0, 0 },
	{ "probability", required_argument, 0, 0 }, { "type", required_argument, 0, 0 },
	{ "service", required_argument, 0, 0 }, { "ipv4", required_argument, 0, 0 },
	{ "ipv6", required_argument, 0, 0 }, { "port", required_argument, 0, 0 },
	{ "health-url", required_argument, 0, 0 }, { "state-dir", required_argument, 0, 0 },
	{ "run-dir", required_argument, 0, 0 }, { "acme-directory", required_argument, 0, 0 },
	{ "acme-challenge-dir", required_argument, 0, 0 }, { "tls-dir", required_argument, 0, 0 },
	{ "register-interval", required_argument, 0, 0 },
	{ "heartbeat-interval", required_argument, 0, 0 }, { "once", no_argument, 0, 0 },
	{ "settings", required_argument, 0, 0 }, { "settings-cmdline", required_argument, 0, 0 },
	{ "settings-file", required_argument, 0, 0 }, { "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 }
};

static const char usage[] =
	"usage: platform-agent [options]: join M-Lab's platform (token-exchange, autojoin\n"
	"register, Locate heartbeat)\n"
	"  --api-key-file FILE  the API key, one line (or the setting platform.api-key)\n"
	"  --token-url URL  --register-url URL  --heartbeat-url URL  --ca-file FILE\n"
	"  --iata XYZ  --uplink 10g  --probability P  --type physical|virtual  --service ndt\n"
	"  --ipv4 A  --ipv6 A   registered addresses (default: autojoin sees the source)\n"
	"  --port N             repeatable: ports registered and health-checked (443, 80)\n"
	"  --health-url URL     must answer 200 for a score of 1 (http://127.0.0.1:8000/health;\n"
	"                       off: the ports alone)\n"
	"  --acme-directory URL|off  ACME server for the certificate (Let's Encrypt)\n"
	"  --state-dir DIR  --run-dir DIR  --acme-challenge-dir DIR\n"
	"  --tls-dir DIR  --register-interval S (3600)  --heartbeat-interval S (10)\n"
	"  --once               register, write the files, exit (no heartbeat)\n"
	"  --settings PREFIX    also take PREFIX.OPTION=VALUE from the machine's settings\n"
	"                       (the kernel command line's fathom.PREFIX.*, then\n"
	"                       " SETTINGS_MEDIUM_DIR "/PREFIX.conf,\n"
	"                       " SETTINGS_SECRETS_DIR "/PREFIX.conf, " SETTINGS_OVERLAY_PATH ")\n"
	"  --settings-cmdline FILE  --settings-file FILE (repeatable, highest rank first)\n";

static const char *const repeatable[] = { "port", NULL };
static const char *const flags[] = { "once", NULL };
static const char *const secrets[] = { "api-key", NULL };
static const struct settings_service service = {
	.program = "platform", .command = "platform-agent", .prefix = "platform",
	.repeatable = repeatable, .flags = flags, .secrets = secrets,
};

static int apply_setting(void *c, const struct setting *x, char *err, size_t errlen)
{
	return config_apply(c, x->option, x->value, x->where, err, errlen);
}

int config_parse(int argc, char **argv, struct platform_config *c)
{
	/* Long lived: the settings' values are the options' values. */
	static struct settings machine;
	const char *names[ARGS_MAX], *values[ARGS_MAX];
	struct settings_request rq = { 0 };
	char err[512];
	int n, i;

	n = settings_args_take(argc, argv, opts, usage, &service, &rq, names, values, ARGS_MAX);
	if (n < 0)
		return n == SETTINGS_ARGS_HELP ? 1 : -1;
	c->by_init = rq.prefix != NULL;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "once") == 0)
			c->by_init = 0;
	if (rq.prefix)
		settings_apply(&machine, &service, &rq, apply_setting, c);
	/* Explicit options last: a single one wins, ports add up (as ndt7's
	 * repeatable options do). */
	for (i = 0; i < n; i++) {
		if (config_apply(c, names[i], values[i], NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "platform: %s\n", err);
			return -1;
		}
	}
	if (c->by_init && !c->api_key[0] && !c->api_key_file)
		return 2;
	if (!c->iata || !c->uplink) {
		fprintf(stderr, "platform: --iata and --uplink are required (e.g. --iata lga "
			"--uplink 10g, or platform.iata=lga in the settings)\n");
		return -1;
	}
	return 0;
}

int config_load_key(struct platform_config *c, char *err, size_t errlen)
{
	char buf[PLATFORM_API_KEY_MAX + 2];
	struct stat st;
	ssize_t n;
	int fd;

	if (c->api_key[0])
		return 0;
	if (!c->api_key_file) {
		snprintf(err, errlen, "no API key: give --api-key-file FILE (one line, mode 0600) "
			 "or platform.api-key in a private settings file");
		return -1;
	}
	fd = open(c->api_key_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "--api-key-file %s: %s", c->api_key_file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_mode & 004) {
		close(fd);
		snprintf(err, errlen, "--api-key-file %s: readable by everyone; chmod 0600 it "
			 "(and get a new key: this one may be known)", c->api_key_file);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0] || strlen(buf) >= sizeof(c->api_key) || !letters(buf, 1, sizeof(buf), "-_.")) {
		memset(buf, 0, sizeof(buf));
		snprintf(err, errlen, "--api-key-file %s: expected one line with the API key "
			 "(letters, digits, '-', '_', '.')", c->api_key_file);
		return -1;
	}
	memcpy(c->api_key, buf, strlen(buf) + 1);
	memset(buf, 0, sizeof(buf));
	return 0;
}

/* Whether a is an address others reach this machine at. */
static int global(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET) {
		unsigned v = ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr);

		return (v >> 24) != 127 && (v >> 16) != 0xa9fe && (v >> 24) != 0;
	}
	if (a->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr;

		return (b[0] & 0xe0) == 0x20;	/* 2000::/3, global unicast */
	}
	return 0;
}

void config_default_addrs(struct platform_config *c)
{
	static char v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
	struct ifaddrs *list, *i;

	if ((c->ipv4 && c->ipv6) || getifaddrs(&list) < 0)
		return;
	for (i = list; i; i = i->ifa_next) {
		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK) ||
		    !global(i->ifa_addr))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !c->ipv4 &&
		    inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, v4, sizeof(v4)))
			c->ipv4 = v4;
		if (i->ifa_addr->sa_family == AF_INET6 && !c->ipv6 &&
		    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, v6,
			      sizeof(v6)))
			c->ipv6 = v6;
	}
	freeifaddrs(list);
}
