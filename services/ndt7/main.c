/* ndt7-server: options, listening sockets, TLS, the shared mappings; then
 * the supervisor (supervise.c) runs the workers. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jwk.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "peers.h"
#include "server.h"
#include "settings_args.h"
#include "spool.h"
#include "reload.h"
#include "tls.h"
#include "www.h"

static const char usage[] =
	"Usage: ndt7-server [options]\n"
	"  --ws-port N          plain WebSocket port (default 80; 0: off)\n"
	"  --wss-port N         WebSocket over TLS port (default 443; 0: off)\n"
	"  --listen ADDR        numeric address to listen on, repeatable (default :: = all, v4 and v6)\n"
	"  --cert FILE --key FILE  PEM certificate chain and key for wss\n"
	"                       (default: a self-signed one in the state directory, also\n"
	"                       until they exist); reloaded when they change\n"
	"  --state-dir DIR      where the self-signed certificate is kept (default /var/lib/ndt7)\n"
	"  --spool-dir DIR      where result records are written (default /var/spool/ndt7)\n"
	"  --spool-max-bytes N  size bound of the spool; oldest records are removed (default 67108864)\n"
	"  --label NAME=VALUE   ServerMetadata for every record, repeatable\n"
	"  --compress yes|no    gzip the records (.json.gz; default no)\n"
	"  --workers N          worker processes (default: one per CPU)\n"
	"  --max-conns N        connections per worker (default 1000)\n"
	"  --max-pending-per-addr N  connections of one address (IPv6: one /64) accepted and not\n"
	"                       yet upgraded, all workers together (default 32; 0: no limit)\n"
	"  --max-tests-per-addr N  tests one address runs at once, all workers together\n"
	"                       (default 16; 0: no limit; more get 503 with Retry-After)\n"
	"  --health-listen ADDR:PORT  GET /health: 200, or 500 in lame duck (default\n"
	"                       127.0.0.1:8000; off)\n"
	"  --metrics-listen ADDR:PORT  GET /metrics for Prometheus (default off)\n"
	"  --txcontroller-device DEV  sample DEV's transmitted bytes every 100 ms...\n"
	"  --txcontroller-max-rate BITS_PER_S  ...and refuse new downloads (503) while the\n"
	"                       smoothed rate is above this (default 0: no limit)\n"
	"  --www-dir DIR        the test page served at / (default " WWW_DIR_DEFAULT ";\n"
	"                       missing: no page)\n"
	"  --token-verify-key FILE|B64  an access token verify key: a JWK or JWK Set file\n"
	"                       (a path starts with / or .) or base64url JWK JSON; repeatable\n"
	"  --token-machine NAME the token audience this machine accepts (default: host name)\n"
	"  --token-machine-file FILE  the audience from FILE's first line, re-read when it\n"
	"                       changes (until it exists: --token-machine)\n"
	"  --acme-challenge-dir DIR  serve GET /.well-known/acme-challenge/TOKEN from DIR/TOKEN\n"
	"                       on the ws port (ACME HTTP-01; default: none)\n"
	"  --token-required yes|no  refuse tests without a token (default: yes with a key)\n"
	"  --verbose            log every connection\n"
	"SIGTERM: lame duck (running tests finish, then exit); a second SIGTERM or SIGINT:\n"
	"exit at once.\n"
	SETTINGS_USAGE;

static struct jwk_set token_keys;
static char token_machine[256];

/* --token-verify-key: the keys are read here, once, before the workers. */
static int add_token_key(const char *arg)
{
	char err[512];

	if (jwk_set_add(&token_keys, arg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ndt7: --token-verify-key %s\n", err);
		return -1;
	}
	return 0;
}

/* The token settings once all options are read. */
static int token_setup(struct ndt7_config *cfg)
{
	if (cfg->token_required < 0)
		cfg->token_required = token_keys.n > 0;
	if (cfg->token_required && token_keys.n == 0) {
		fprintf(stderr, "ndt7: --token-required yes needs a --token-verify-key\n");
		return -1;
	}
	if (!cfg->token_machine) {
		if (gethostname(token_machine, sizeof(token_machine) - 1) < 0 || !token_machine[0]) {
			fprintf(stderr, "ndt7: no host name for the token audience: give "
				"--token-machine\n");
			return -1;
		}
		cfg->token_machine = token_machine;
	}
	cfg->token_keys = &token_keys;
	return 0;
}

static int parse_num(const char *opt, const char *v, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	if (errno || end == v || *end || *out < min || *out > max) {
		fprintf(stderr, "ndt7: --%s \"%s\": expected a number from %lld to %lld\n",
			opt, v, min, max);
		return -1;
	}
	return 0;
}

static int add_label(struct ndt7_config *cfg, const char *v)
{
	const char *eq = strchr(v, '=');
	struct ndt7_meta *m;

	if (!eq || eq == v || cfg->nlabels == NDT7_MAX_LABELS ||
	    (size_t)(eq - v) >= sizeof(m->name) || strlen(eq + 1) >= sizeof(m->value)) {
		fprintf(stderr, "ndt7: --label \"%s\": expected NAME=VALUE (at most %d labels, "
			"names < 64 and values < 256 bytes)\n", v, NDT7_MAX_LABELS);
		return -1;
	}
	m = &cfg->labels[cfg->nlabels++];
	snprintf(m->name, sizeof(m->name), "%.*s", (int)(eq - v), v);
	snprintf(m->value, sizeof(m->value), "%s", eq + 1);
	return 0;
}

static const char *opt_name(const struct option *opts, int val)
{
	while (opts->name && opts->val != val)
		opts++;
	return opts->name ? opts->name : "?";
}

/* Also what --settings turns a machine's settings into (settings_args.c). */
static const struct option opts[] = {
	{ "ws-port", 1, 0, 'p' }, { "wss-port", 1, 0, 's' }, { "listen", 1, 0, 'l' },
	{ "cert", 1, 0, 'c' }, { "key", 1, 0, 'k' }, { "state-dir", 1, 0, 'd' },
	{ "spool-dir", 1, 0, 'o' }, { "spool-max-bytes", 1, 0, 'm' },
	{ "label", 1, 0, 'L' }, { "workers", 1, 0, 'w' }, { "max-conns", 1, 0, 'n' },
	{ "max-pending-per-addr", 1, 0, 'P' }, { "max-tests-per-addr", 1, 0, 'T' },
	{ "compress", 1, 0, 'z' }, { "www-dir", 1, 0, 'W' },
	{ "health-listen", 1, 0, 'H' }, { "metrics-listen", 1, 0, 'M' },
	{ "txcontroller-device", 1, 0, 'D' }, { "txcontroller-max-rate", 1, 0, 'R' },
	{ "token-verify-key", 1, 0, 'K' }, { "token-machine", 1, 0, 'A' },
	{ "token-required", 1, 0, 'Q' }, { "token-machine-file", 1, 0, 'F' },
	{ "acme-challenge-dir", 1, 0, 'C' },
	{ "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
};

static int parse_options(int argc, char **argv, struct ndt7_config *cfg)
{
	/* A whole parse each time: settings_args() tries some before the last. */
	jwk_set_free(&token_keys);
	long long v;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'P': case 'T':
			if (parse_num(opt_name(opts, o), optarg, 0, 65535, &v) < 0)
				return -1;
			if (o == 'P')
				cfg->max_pending_per_addr = (unsigned)v;
			else
				cfg->max_tests_per_addr = (unsigned)v;
			break;
		case 'p': case 's': case 'w': case 'n': case 'm':
			if (parse_num(opt_name(opts, o), optarg, o == 'p' || o == 's' ? 0 : 1,
				      o == 'p' || o == 's' ? 65535 : o == 'w' ? NDT7_WORKERS_MAX :
				      o == 'n' ? 100000 : (1LL << 50), &v) < 0)
				return -1;
			if (o == 'p')
				cfg->ws_port = (int)v;
			else if (o == 's')
				cfg->wss_port = (int)v;
			else if (o == 'w')
				cfg->workers = (int)v;
			else if (o == 'n')
				cfg->max_conns = (int)v;
			else
				cfg->spool_max = (uint64_t)v;
			break;
		case 'l':
			if (cfg->naddrs == NDT7_MAX_ADDRS) {
				fprintf(stderr, "ndt7: --listen: at most %d addresses\n", NDT7_MAX_ADDRS);
				return -1;
			}
			cfg->addrs[cfg->naddrs++] = optarg;
			break;
		case 'H':
			cfg->health_listen = optarg;
			cfg->health_listen_explicit = 1;
			break;
		case 'M':
			cfg->metrics_listen = strcmp(optarg, "off") ? optarg : NULL;
			break;
		case 'D': cfg->tx_device = optarg; break;
		case 'R':
			if (parse_num(opt_name(opts, o), optarg, 0, 1LL << 50, &v) < 0)
				return -1;
			cfg->tx_max_rate = (uint64_t)v;
			break;
		case 'c': cfg->cert = optarg; break;
		case 'k': cfg->key = optarg; break;
		case 'd': cfg->state_dir = optarg; break;
		case 'o': cfg->spool_dir = optarg; break;
		case 'W': cfg->www_dir = optarg; break;
		case 'F': cfg->token_machine_file = optarg; break;
		case 'C': cfg->acme_challenge_dir = optarg; break;
		case 'L':
			if (add_label(cfg, optarg) < 0)
				return -1;
			break;
		case 'z':
			if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0) {
				fprintf(stderr, "ndt7: --compress \"%s\": expected yes or no\n", optarg);
				return -1;
			}
			cfg->compress = strcmp(optarg, "yes") == 0;
			break;
		case 'K':
			if (add_token_key(optarg) < 0)
				return -1;
			break;
		case 'A':
			if (!optarg[0] || strlen(optarg) >= sizeof(token_machine)) {
				fprintf(stderr, "ndt7: --token-machine: expected a name of 1 to %zu bytes\n",
					sizeof(token_machine) - 1);
				return -1;
			}
			cfg->token_machine = optarg;
			break;
		case 'Q':
			if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0) {
				fprintf(stderr, "ndt7: --token-required \"%s\": expected yes or no\n",
					optarg);
				return -1;
			}
			cfg->token_required = strcmp(optarg, "yes") == 0;
			break;
		case 'v': log_threshold = LOG_DEBUG; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ndt7: unexpected argument \"%s\"\n%s", argv[optind], usage);
		return -1;
	}
	if (!cfg->cert != !cfg->key) {
		fprintf(stderr, "ndt7: --cert and --key go together (or give neither for a "
			"self-signed certificate)\n");
		return -1;
	}
	if (cfg->tx_max_rate && !cfg->tx_device) {
		fprintf(stderr, "ndt7: --txcontroller-max-rate needs --txcontroller-device (the "
			"device whose egress it limits)\n");
		return -1;
	}
	if (!cfg->ws_port && !cfg->wss_port) {
		fprintf(stderr, "ndt7: both ports are off: give --ws-port or --wss-port\n");
		return -1;
	}
	return token_setup(cfg);
}

int main(int argc, char **argv)
{
	struct ndt7_config cfg = {
		.ws_port = 80, .wss_port = 443, .state_dir = "/var/lib/ndt7",
		.spool_dir = "/var/spool/ndt7", .spool_max = 64ULL << 20, .max_conns = 1000,
		.max_pending_per_addr = 32, .max_tests_per_addr = 16, .www_dir = WWW_DIR_DEFAULT,
		.health_listen = "127.0.0.1:8000", .token_required = -1,
	};
	struct metrics *m;
	unsigned limits[PEER_KINDS];
	struct peers *peers;
	struct listener ls[NDT7_MAX_LISTENERS];
	SSL_CTX *tls = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int nls, rc;

	setvbuf(stderr, NULL, _IOLBF, 0);
	cfg.workers = cpus < 1 ? 1 : cpus > NDT7_WORKERS_MAX ? NDT7_WORKERS_MAX : (int)cpus;
	if (settings_args(&argc, &argv, opts, &cfg, parse_options) < 0 ||
	    parse_options(argc, argv, &cfg) < 0) {
		jwk_set_free(&token_keys);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	ndt7_log_nonblocking();
	if (spool_open(cfg.spool_dir, cfg.spool_max) < 0)
		return 1;
	cfg.token_machine = reload_setup(&cfg, cfg.token_machine);
	if (cfg.wss_port && !(tls = tls_context(cfg.cert, cfg.key, cfg.state_dir)))
		return 1;
	www_load(cfg.www_dir);
	nls = server_listen(&cfg, ls);
	if (nls < 0)
		return 1;
	limits[PEER_PENDING] = cfg.max_pending_per_addr;
	limits[PEER_TEST] = cfg.max_tests_per_addr;
	peers = peers_new(cfg.workers, cfg.max_conns, limits);
	if (!peers)
		return 1;
	m = metrics_new(cfg.workers);
	if (!m)
		return 1;
	ndt7_log(LOG_INFO, "access tokens: %d verify key(s), audience %s, %s", token_keys.n,
		 cfg.token_machine, cfg.token_required ? "required" : "not required");
	memory_setup();
	rc = supervise(&cfg, ls, nls, tls, peers, m);
	SSL_CTX_free(tls);
	jwk_set_free(&token_keys);
	return rc < 0 ? 1 : 0;
}
