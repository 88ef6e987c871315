/* The supervisor: forks the workers and restarts them, serves /health and
 * /metrics, samples the egress rate, and runs the lame duck: the first
 * SIGTERM stops new tests (health 500) and the supervisor exits once no
 * test runs; a second SIGTERM, or SIGINT, stops everything at once. */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "spool.h"
#include "txcontroller.h"

#define MS 1000000LL
#define RESTART_NS (1000 * MS)
#define TICK_NS (100 * MS)
#define LAME_SETTLE_NS (20 * MS)	/* a test admitted just before counts by then */

struct supervisor {
	const struct ndt7_config *cfg;
	const struct listener *ls;
	int nls;
	SSL_CTX *tls;
	struct peers *peers;
	struct metrics *m;
	pid_t pids[NDT7_WORKERS_MAX];
	int64_t restart_at[NDT7_WORKERS_MAX];	/* 0: running or not due */
	struct httpd health, metrics;
	char *text;			/* the metrics page */
	struct txc txc;
	int tx_on, lame;
	int64_t next_sample, lame_check;
	sigset_t run_mask;		/* during ppoll, and in the workers */
};

static volatile sig_atomic_t terms, interrupted;

/* Handlers only record the request: the loop acts on it. */
static void on_signal(int sig)
{
	if (sig == SIGUSR2)
		memory_report_requested = 1;
	else if (sig == SIGTERM)
		terms++;
	else if (sig == SIGINT)
		interrupted = 1;
}

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The workers leave SIGTERM and SIGINT to the supervisor (init signals
 * the whole process group) and follow its flags in the shared mapping;
 * they die with it. A worker exits through exit(), so that atexit
 * handlers (LeakSanitizer's check in an ASan build, OpenSSL's cleanup)
 * run. */
static pid_t spawn(struct supervisor *s, int id)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		int rc;

		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &s->run_mask, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		httpd_close(&s->health);
		httpd_close(&s->metrics);
		free(s->text);
		metrics_worker(s->m, id);
		rc = server_run(s->cfg, s->ls, s->nls, s->tls, s->peers, id);
		SSL_CTX_free(s->tls);
		exit(rc < 0 ? 1 : 0);
	}
	if (pid < 0) {
		ndt7_log(LOG_ERR, "cannot start worker %d: %s; trying again in 1 s", id,
			 strerror(errno));
		s->restart_at[id] = mono_ns() + RESTART_NS;
		return 0;
	}
	s->restart_at[id] = 0;
	return pid;
}

static const char *health_answer(void *arg, int *status, size_t *len)
{
	struct supervisor *s = arg;

	*status = s->lame ? 500 : 200;
	*len = s->lame ? 10 : 3;
	return s->lame ? "lame duck\n" : "ok\n";
}

static const char *metrics_answer(void *arg, int *status, size_t *len)
{
	struct supervisor *s = arg;

	struct spool_stats st;
	int n;

	*len = metrics_render(s->m, s->text, METRICS_TEXT_MAX);
	/* The spool's own bound is the last resort behind the uploader's: a
	 * record it removes is lost, so it is counted (shared tally). */
	spool_stats(&st);
	n = snprintf(s->text + *len, METRICS_TEXT_MAX - *len,
		     "# HELP ndt7_spool_pruned_records_total Records removed unsent by the "
		     "spool's bound (--spool-max-bytes).\n"
		     "# TYPE ndt7_spool_pruned_records_total counter\n"
		     "ndt7_spool_pruned_records_total %llu\n", (unsigned long long)st.removed);
	if (*len && n > 0 && (size_t)n < METRICS_TEXT_MAX - *len)
		*len += (size_t)n;
	*status = *len ? 200 : 500;
	return s->text;
}

/* Collect the workers that exited; restart them in 1 s unless stopping. */
static void reap(struct supervisor *s, int64_t now)
{
	int i, status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < s->cfg->workers; i++) {
			if (s->pids[i] != pid)
				continue;
			s->pids[i] = 0;
			metrics_worker_gone(s->m, i);
			ndt7_log(LOG_ERR, "worker %d (pid %d) %s %d%s", i, (int)pid,
				 WIFSIGNALED(status) ? "killed by signal" : "exited with",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
				 s->lame ? "" : "; restarting it in 1 s");
			if (!s->lame)
				s->restart_at[i] = now + RESTART_NS;
		}
}

static void memory_reports(struct supervisor *s)
{
	int i;

	memory_report_requested = 0;
	memory_report("supervisor", 0);
	for (i = 0; i < s->cfg->workers; i++)
		if (s->pids[i] > 0)
			kill(s->pids[i], SIGUSR2);
}

/* Timers: worker restarts, the rate sample, the lame duck's check. */
static int64_t timers(struct supervisor *s, int64_t now)
{
	int64_t next = now + TICK_NS;
	int i;

	for (i = 0; i < s->cfg->workers; i++) {
		if (s->restart_at[i] && now >= s->restart_at[i] && !s->lame)
			s->pids[i] = spawn(s, i);
		if (s->restart_at[i] && s->restart_at[i] < next)
			next = s->restart_at[i];
	}
	if (s->tx_on && now >= s->next_sample) {
		metrics_set_tx(s->m, txc_sample(&s->txc, now), s->cfg->tx_max_rate);
		s->next_sample += TXC_PERIOD_NS;
		if (s->next_sample <= now)	/* late: skip, do not catch up */
			s->next_sample = now + TXC_PERIOD_NS;
	}
	if (s->tx_on && s->next_sample < next)
		next = s->next_sample;
	if (s->lame && s->lame_check < next)
		next = s->lame_check;
	return next;
}

/* Returns 1 when the supervisor should stop now. */
static int lame_duck_step(struct supervisor *s, int64_t now)
{
	long running;

	if (interrupted || terms >= 2)
		return 1;
	if (terms == 1 && !s->lame) {
		s->lame = 1;
		s->lame_check = now + LAME_SETTLE_NS;
		metrics_set_lame_duck(s->m);
		ndt7_log(LOG_INFO, "SIGTERM: lame duck: /health answers 500, new tests get 503; "
			 "stopping once the running tests end (SIGTERM again: at once)");
	}
	if (!s->lame || now < s->lame_check)
		return 0;
	running = metrics_tests_running(s->m);
	s->lame_check = now + TICK_NS;
	return running == 0;
}

static int supervise_loop(struct supervisor *s)
{
	struct pollfd p[2 * (1 + HTTPD_CLIENTS)];
	int64_t now = mono_ns(), next;
	struct timespec ts;
	int nh, nm;

	while (!lame_duck_step(s, now)) {
		reap(s, now);
		next = timers(s, now);
		nh = httpd_pollfds(&s->health, p);
		nm = httpd_pollfds(&s->metrics, p + nh);
		now = mono_ns();
		if (next < now)
			next = now;
		ts.tv_sec = (time_t)((next - now) / 1000000000LL);
		ts.tv_nsec = (long)((next - now) % 1000000000LL);
		if (ppoll(p, (nfds_t)(nh + nm), &ts, &s->run_mask) < 0) {
			if (errno != EINTR) {
				ndt7_log(LOG_ERR, "supervisor: poll: %s", strerror(errno));
				return -1;
			}
			nh = nm = 0;
		}
		now = mono_ns();
		httpd_step(&s->health, p, nh, now);
		httpd_step(&s->metrics, p + nh, nm, now);
		if (memory_report_requested)
			memory_reports(s);
	}
	return 0;
}

/* Ask the workers to stop and wait for them; an exit status other than 0
 * (a leak found by LeakSanitizer at exit, say) is logged. */
static void supervise_stop(struct supervisor *s)
{
	int i, status;
	pid_t pid;

	metrics_set_stop(s->m);
	while ((pid = wait(&status)) > 0 || errno == EINTR) {
		for (i = 0; pid > 0 && i < s->cfg->workers; i++)
			if (s->pids[i] == pid && status != 0)
				ndt7_log(LOG_ERR, "worker %d (pid %d) stopped: %s %d", i, (int)pid,
					 WIFSIGNALED(status) ? "killed by signal" : "exit status",
					 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
}

/* Set up what the supervisor serves and samples: -1 if it cannot (logged). */
static int supervise_open(struct supervisor *s)
{
	const struct ndt7_config *cfg = s->cfg;

	s->text = malloc(METRICS_TEXT_MAX);
	if (!s->text) {
		ndt7_log(LOG_ERR, "supervisor: out of memory");
		return -1;
	}
	if (httpd_listen(&s->health, "health-listen", cfg->health_listen, "/health",
			 "text/plain; charset=utf-8", health_answer, s) < 0) {
		if (cfg->health_listen_explicit)
			return -1;
		ndt7_log(LOG_WARN, "health checks off (give --health-listen ADDR:PORT or off)");
	}
	if (httpd_listen(&s->metrics, "metrics-listen", cfg->metrics_listen, "/metrics",
			 "text/plain; version=0.0.4; charset=utf-8", metrics_answer, s) < 0)
		return -1;
	if (cfg->tx_device) {
		if (txc_open(&s->txc, cfg->tx_device) < 0)
			return -1;
		s->tx_on = 1;
		s->next_sample = mono_ns();
		ndt7_log(LOG_INFO, "txcontroller: %s, new downloads refused above %llu bit/s",
			 cfg->tx_device, (unsigned long long)cfg->tx_max_rate);
	}
	return 0;
}

int supervise(const struct ndt7_config *cfg, const struct listener *ls, int nls,
	      SSL_CTX *tls, struct peers *peers, struct metrics *m)
{
	static struct supervisor s;
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;
	int i, rc = 0;

	s = (struct supervisor){ .cfg = cfg, .ls = ls, .nls = nls, .tls = tls, .peers = peers,
				 .m = m };
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &s.run_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);	/* only to end ppoll */
	if (supervise_open(&s) < 0) {
		rc = -1;
	} else {
		for (i = 0; i < cfg->workers; i++)
			s.pids[i] = spawn(&s, i);
		ndt7_log(LOG_INFO, "%s ready: %d worker(s), results in %s (at most %llu bytes)",
			 NDT7_VERSION, cfg->workers, cfg->spool_dir,
			 (unsigned long long)cfg->spool_max);
		rc = supervise_loop(&s);
		supervise_stop(&s);
		ndt7_log(LOG_INFO, "stopped (%s)", interrupted ? "SIGINT" : terms >= 2 ?
			 "second SIGTERM" : terms ? "lame duck over: no test running" : "error");
	}
	httpd_close(&s.health);
	httpd_close(&s.metrics);
	free(s.text);
	return rc;
}
