/* platform-agent: joins M-Lab's platform. API key -> token (token-exchange)
 * -> register (autojoin) -> files for ndt7 -> Locate heartbeat, again
 * every hour; retries with backoff, one log line per state change, never
 * a secret in a log line. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "lib/backoff.h"
#include "lib/net/https.h"
#include "state.h"
#include "status.h"

#define KEY_REFUSED_S (6 * 3600)	/* the key refused: recheck this late (or on a new key) */
#define REQUEST_REFUSED_S 3600	/* autojoin refused our request (4xx): no storm */
#define TOKEN_MAX_AGE_S 3000	/* token-exchange's tokens live an hour */
#define RETRY_BASE_MS 5000
#define RETRY_CAP_MS 600000
#define HTTP_TIMEOUT_MS 30000

volatile sig_atomic_t agent_stop;
volatile sig_atomic_t agent_blocking;

static const char *const state_name[] = {
	"starting", "token-failed", "key-refused", "register-failed", "registered",
	"heartbeat", "heartbeat-failed", "stopped"
};

static void on_term(int sig)
{
	(void)sig;
	agent_stop = 1;
	if (agent_blocking)
		_exit(0);
}

time_t agent_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

int agent_sleep_ms(unsigned ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (!agent_stop && nanosleep(&t, &t) < 0 && errno == EINTR)
		;
	return agent_stop ? -1 : 0;
}

void agent_change(struct agent *a, enum agent_state s, const char *fmt, ...)
{
	char line[700];
	va_list ap;

	if (a->state == s)
		return;
	a->state = s;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "platform: %s\n", line);
	snprintf(a->detail, sizeof(a->detail), "%s", line);
	agent_status(a);
}

void agent_status(struct agent *a)
{
	struct status_info si = {
		.state = state_name[a->state], .hostname = a->hostname, .detail = a->detail,
		.hb_ok = a->state == ST_HEARTBEAT,
		.hb_sent_ago = a->hb_sent_at ? (long)(agent_now() - a->hb_sent_at) : -1,
		.hb_error = a->hb_error,
		.reg_error = a->state == ST_KEY_REFUSED || a->state == ST_REGISTER_FAILED ?
			     a->detail : NULL,
		.cert_issuer = a->cert_issuer, .cert_until = a->cert_until,
	};
	char line[1200], err[256];
	size_t n = status_format(line, sizeof(line) - 1, &si);

	line[n++] = '\n';
	/* Only a display: a failure to write it is not worth a log line a beat. */
	state_write(a->cfg->run_dir, "status", line, n, 0644, err, sizeof(err));
}

static unsigned rnd(void)
{
	unsigned r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned)time(NULL) * 2654435761u;
	return r;
}

/* One POST; 0 with *r, or -1 (err). */
static int post(const struct platform_config *c, const char *url, const char *auth,
		const char *body, struct https_response *r, char *err, size_t errlen)
{
	const char *headers[3] = { "Content-Type: application/json", auth, NULL };
	struct https_opts o = { 0 };
	int rc;

	o.ca_file = c->ca_file;
	o.timeout_ms = HTTP_TIMEOUT_MS;
	o.allow_plain = strncmp(url, "http://", 7) == 0;	/* tests; production is https */
	agent_blocking = 1;
	if (agent_stop)
		_exit(0);
	rc = https_request("POST", url, headers, body, body ? strlen(body) : 0, NULL, &o, r, err,
			   errlen);
	agent_blocking = 0;
	return rc;
}

/* The wall-clock time seconds from now, for "not retrying until". */
static void when(unsigned seconds, char *out, size_t cap)
{
	time_t t = time(NULL) + seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm);
}

/* 0 token, -1 retry with backoff, -2 key refused (long wait). */
static int get_token(struct agent *a)
{
	struct https_response r = { 0 };
	char err[512], until[40];
	const char *why;
	char *body = aj_token_request(a->cfg->api_key);
	int rc;

	if (!body)
		return -1;
	rc = post(a->cfg, a->cfg->token_url, NULL, body, &r, err, sizeof(err));
	memset(body, 0, strlen(body));
	free(body);
	if (rc < 0) {
		agent_change(a, ST_TOKEN_FAILED, "token-exchange unreachable: %s; retrying", err);
		return -1;
	}
	if (r.status == 401 || r.status == 403) {
		/* metrics: API key refused by the token service */
		when(KEY_REFUSED_S, until, sizeof(until));
		a->refused_until = agent_now() + KEY_REFUSED_S;
		agent_change(a, ST_KEY_REFUSED, "API key refused by the token service (%d, %s): "
			     "put a valid platform.api-key on the boot medium (fathom.conf) or in "
			     "--api-key-file; next check %s or when the key file changes", r.status,
			     a->cfg->token_url, until);
		https_response_free(&r);
		return -2;
	}
	if (r.status != 200 || aj_token_parse(r.body, r.len, a->token, sizeof(a->token), &why)) {
		if (r.status != 200)
			why = "unexpected status";
		agent_change(a, ST_TOKEN_FAILED, "token-exchange answered %d: %s; retrying",
			     r.status, why);
		https_response_free(&r);
		return -1;
	}
	https_response_free(&r);
	a->token_at = agent_now();
	return 0;
}

static int save(struct agent *a, const struct aj_registration *g)
{
	const struct platform_config *c = a->cfg;
	char err[512], *json;
	unsigned char *key;
	size_t n = 0;
	int rc;

	key = aj_b64decode(g->sa_key, &n);
	if (!key) {
		agent_change(a, ST_REGISTER_FAILED, "register: the service-account key is not "
			     "base64; retrying");
		return -1;
	}
	/* 0640: the uploader (group platform) signs its GCS token requests
	 * with it; nobody else reads it. */
	rc = state_write(c->state_dir, "service-account.json", key, n, 0640, err, sizeof(err));
	memset(key, 0, n);
	free(key);
	json = NULL;
	if (rc == 0 && asprintf(&json, "{\"Hostname\":\"%s\",\"Heartbeat\":%s,\"Annotation\":%s}\n",
				g->hostname, g->heartbeat,
				g->annotation ? g->annotation : "null") < 0)
		json = NULL, rc = -1, snprintf(err, sizeof(err), "out of memory");
	if (rc == 0)
		rc = state_write(c->state_dir, "registration.json", json, strlen(json), 0640, err,
				 sizeof(err));
	free(json);
	if (rc == 0 && state_write(c->run_dir, "hostname", g->hostname, strlen(g->hostname), 0644,
				   err, sizeof(err)) < 0)
		rc = -1;
	if (rc < 0)
		agent_change(a, ST_REGISTER_FAILED, "%s; retrying", err);
	return rc;
}

/* 0 registered, -1 retry, -2 refused (long wait), -3 refused (401/403)
 * with a token not fresh from the token service: exchange the key again. */
static int do_register(struct agent *a, int fresh)
{
	static const char *const ndt_urls[] = {
		"ws:///ndt/v7/download", "ws:///ndt/v7/upload",
		"wss:///ndt/v7/download", "wss:///ndt/v7/upload", NULL
	};
	const struct platform_config *c = a->cfg;
	struct aj_params p = { 0 };
	struct https_response r = { 0 };
	struct aj_registration g;
	struct aj_error e;
	char url[4096], auth[AJ_TOKEN_MAX + 32], err[512], until[40];
	const char *why = "";
	int rc, i, status;

	p.service = c->service;
	p.iata = c->iata;
	p.ipv4 = c->ipv4;
	p.ipv6 = c->ipv6;
	p.type = c->type;
	p.uplink = c->uplink;
	p.probability = c->probability;
	for (i = 0; i < c->nports; i++)
		p.ports[p.nports++] = c->ports[i];
	if (aj_register_url(c->register_url, &p, url, sizeof(url)) < 0) {
		agent_change(a, ST_REGISTER_FAILED, "--register-url %s: too long or has a query",
			     c->register_url);
		return -2;
	}
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", a->token);
	rc = post(c, url, auth, NULL, &r, err, sizeof(err));
	memset(auth, 0, sizeof(auth));
	if (rc < 0) {
		agent_change(a, ST_REGISTER_FAILED, "autojoin unreachable: %s; retrying", err);
		return -1;
	}
	status = r.status;
	rc = aj_register_parse(r.body, r.len, &g, &e, &why);
	if (status == 200 && rc == 0) {
		https_response_free(&r);
		rc = save(a, &g);
		if (rc == 0) {
			free(a->reg_msg);
			a->reg_msg = hb_registration_msg(g.heartbeat, "ndt/ndt7",
							 strcmp(c->service, "ndt") ? NULL : ndt_urls);
			if (strcmp(a->hostname, g.hostname) != 0)
				a->state = ST_START;	/* a new name is news */
			if (a->state != ST_HEARTBEAT)
				agent_change(a, ST_REGISTERED, "registered as %s", g.hostname);
			snprintf(a->hostname, sizeof(a->hostname), "%s", g.hostname);
			agent_certificate(a, g.hostname);
		}
		aj_registration_free(&g);
		return rc < 0 ? -1 : a->reg_msg ? 0 : -1;
	}
	if (rc == 1)
		snprintf(err, sizeof(err), "%d %.100s: %.180s%s%.180s", e.status ? e.status : status, e.type,
			 e.title, e.detail[0] ? ": " : "", e.detail);
	else
		snprintf(err, sizeof(err), "%d (%s)", status, status == 200 ? why :
			 "no error message");
	if (rc == 0)
		aj_registration_free(&g);
	https_response_free(&r);
	if ((status == 401 || status == 403) && !fresh)
		return -3;
	if (status == 401 || status == 403) {
		when(REQUEST_REFUSED_S, until, sizeof(until));
		a->refused_until = agent_now() + REQUEST_REFUSED_S;
		agent_change(a, ST_KEY_REFUSED, "registration refused: %s; not retrying until %s",
			     err, until);
		return -2;
	}
	if (status >= 400 && status < 500) {
		/* Our request is wrong (an unknown IATA, an outdated version): the
		 * same again soon would fail the same way. */
		when(REQUEST_REFUSED_S, until, sizeof(until));
		a->refused_until = agent_now() + REQUEST_REFUSED_S;
		agent_change(a, ST_REGISTER_FAILED, "register refused: %s; not retrying until %s",
			     err, until);
		return -2;
	}
	agent_change(a, ST_REGISTER_FAILED, "register failed: %s; retrying", err);
	return -1;
}

/* Waits ms after a failure, the status line rewritten meanwhile (every
 * minute, so fathom-status never calls a waiting agent stale). */
static void retry_wait(struct agent *a, unsigned ms)
{
	while (ms > 0 && !agent_stop) {
		unsigned step = ms > 60000 ? 60000 : ms;

		agent_status(a);
		if (agent_sleep_ms(step) < 0)
			return;
		ms -= step;
	}
}

/* A token if a->token is missing or old: 0, -1 retry, -2 refused. */
static int token(struct agent *a, int *fresh)
{
	int rc;

	*fresh = 0;
	if (a->token[0] && agent_now() - a->token_at <= TOKEN_MAX_AGE_S)
		return 0;
	a->token[0] = '\0';
	rc = get_token(a);
	*fresh = rc == 0;
	return rc;
}

int agent_register(struct agent *a)
{
	const struct platform_config *c = a->cfg;
	int fresh, rc = token(a, &fresh);

	if (rc == 0) {
		rc = do_register(a, fresh);
		if (rc == -3) {
			/* 401/403: maybe only the token; once more with a new one. */
			a->token[0] = '\0';
			rc = token(a, &fresh);
			if (rc == 0)
				rc = do_register(a, 1);
		}
	}
	if (rc == 0) {
		backoff_reset(&a->reg_backoff);
		a->register_due = agent_now() + jittered_s(c->register_interval,
							   c->register_interval / 12, rnd());
	} else if (rc == -1) {
		a->register_due = agent_now() + backoff_next(&a->reg_backoff, rnd()) / 1000;
	}
	return rc < 0 ? (rc == -1 ? -1 : -2) : 0;
}

static int run(struct agent *a)
{
	struct backoff b;
	int rc, fresh;

	backoff_init(&b, RETRY_BASE_MS, RETRY_CAP_MS);
	backoff_init(&a->reg_backoff, RETRY_BASE_MS, RETRY_CAP_MS);
	while (!agent_stop) {
		if (agent_now() >= a->register_due || !a->reg_msg) {
			rc = agent_register(a);
			if (rc == -2) {
				agent_refused_wait(a);
				continue;
			}
			if (rc < 0) {
				time_t d = a->register_due - agent_now();

				retry_wait(a, d > 0 ? (unsigned)d * 1000u : 1000u);
				continue;
			}
			if (a->cfg->once)
				return 0;
		}
		rc = token(a, &fresh);
		if (rc == 0)
			rc = heartbeat_run(a);
		if (rc == HB_STOP)
			break;
		if (rc == HB_REFUSED || rc == -2) {
			agent_refused_wait(a);
			continue;
		}
		if (rc == HB_AUTH && !fresh) {
			/* Locate refused the token: at once, one new token. */
			a->token[0] = '\0';
			continue;
		}
		if (rc == HB_FAILED && agent_now() - a->token_at > TOKEN_MAX_AGE_S / 2)
			a->token[0] = '\0';
		if (a->hb_up)
			backoff_reset(&b);	/* it worked for a while: retry soon */
		retry_wait(a, backoff_next(&b, rnd()));
	}
	return 0;
}

/* Run by init but unable to join: wait for SIGTERM rather than exit, since
 * init restarts a service that exits and counts the failures in a row,
 * and too many stop the watchdog's feeding (the machine resets). */
static int idle(const struct platform_config *c, const char *why)
{
	sigset_t term, old;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, &old);
	state_status(c->run_dir, "idle", why);
	while (!agent_stop)
		sigsuspend(&old);
	return 0;
}

int main(int argc, char **argv)
{
	static struct platform_config cfg;
	struct agent a = { 0 };
	struct sigaction sa = { 0 };
	char err[512];
	int rc, key_given;

	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	config_defaults(&cfg);
	rc = config_parse(argc, argv, &cfg);
	if (rc == 2) {
		fprintf(stderr, "platform: no API key configured; not joining "
			"(see docs/operators-guide.md)\n");
		return idle(&cfg, "no API key configured");
	}
	if (rc == 1)
		return 0;
	if (rc < 0)
		return cfg.by_init ? idle(&cfg, "settings refused (see the log)") : 2;
	key_given = cfg.api_key[0] != '\0';
	if (config_load_key(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "platform: %s\n", err);
		return cfg.by_init ? idle(&cfg, "API key unreadable (see the log)") : 2;
	}
	a.key_from_file = cfg.api_key_file != NULL && !key_given;
	agent_key_stat(&cfg, &a.key_st);
	config_default_addrs(&cfg);
	umask(022);
	/* 0750: group platform (the uploader) reaches the key and registration. */
	if (state_mkdir(cfg.state_dir, 0750, err, sizeof(err)) < 0 ||
	    state_mkdir(cfg.run_dir, 0755, err, sizeof(err)) < 0) {
		fprintf(stderr, "platform: %s\n", err);
		return cfg.by_init ? idle(&cfg, "directories missing (see the log)") : 1;
	}
	a.cfg = &cfg;
	a.score = -1;
	rc = run(&a);
	agent_change(&a, ST_STOPPED, "stopped");
	memset(cfg.api_key, 0, sizeof(cfg.api_key));
	memset(a.token, 0, sizeof(a.token));
	free(a.reg_msg);
	return rc;
}
