/* ndt7's metrics (metrics.h): fixed arrays of counters in one shared
 * mapping, counted with relaxed atomics (a scrape needs no consistent
 * snapshot), gauges in one column per worker so that a worker's exit
 * takes its share with it, and the text exposition format. */
#define _GNU_SOURCE
#include "metrics.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"

typedef _Atomic uint64_t counter;

const double metrics_rate_buckets[METRICS_RATE_BUCKETS] = {
	.1, .15, .25, .4, .6, 1, 1.5, 2.5, 4, 6, 10, 15, 25, 40, 60,
	100, 150, 250, 400, 600, 1000,
};

const char *const metrics_token_reasons[] = {
	"empty", "locate", "missing", "malformed", "too-large", "algorithm",
	"unknown-key", "signature", "issuer", "audience", "expired", "not-yet-valid",
	"other", NULL,
};
#define TOKEN_REASONS (sizeof(metrics_token_reasons) / sizeof(*metrics_token_reasons) - 1)
static const char *const token_paths[] = { "/ndt/v7/download", "/ndt/v7/upload", "other" };
#define TOKEN_PATHS 3

static const char *const dirs[M_DIRS] = { "download", "upload" };
static const char *const protos[M_PROTOS] = { "ndt7+ws", "ndt7+wss" };
static const char *const conn_status[M_CONNS] = { "result", "websocket-error" };
static const char *const results[4] = {
	"okay-with-rate", "okay-without-rate", "error-with-rate", "error-without-rate",
};
static const char *const send_errs[M_SEND_ERRS] = { "write-prepared-message", "write-json" };
static const char *const recv_errs[M_RECV_ERRS] = {
	"read-message", "wrong-message-type", "receiver-context-expired",
};
static const char *const verdicts[2] = { "accepted", "rejected" };

struct metrics {
	counter conns[M_DIRS][M_CONNS];
	counter results[M_PROTOS][M_DIRS][4];
	counter send_errs[M_PROTOS][M_DIRS][M_SEND_ERRS];
	counter recv_errs[M_PROTOS][M_DIRS][M_RECV_ERRS];
	counter rate[M_PROTOS][M_DIRS][2][METRICS_RATE_BUCKETS + 1];	/* last: +Inf */
	counter rate_sum[M_PROTOS][M_DIRS][2];				/* double bits */
	counter bbr[2];							/* false, true */
	counter token[TOKEN_PATHS][2][TOKEN_REASONS];
	counter tx[2];							/* accepted, rejected */
	_Atomic int64_t open_conns[METRICS_WORKERS_MAX];
	_Atomic int64_t tests[METRICS_WORKERS_MAX];
	_Atomic int lame_duck, stop;
	counter tx_rate, tx_limit;
};

static struct metrics *self;	/* where this process counts */
static int column;		/* this worker's */

struct metrics *metrics_new(int nworkers)
{
	struct metrics *m;

	if (nworkers < 1 || nworkers > METRICS_WORKERS_MAX) {
		ndt7_log(LOG_ERR, "metrics: %d workers: at most %d", nworkers, METRICS_WORKERS_MAX);
		return NULL;
	}
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		ndt7_log(LOG_ERR, "metrics: cannot map %zu bytes: %s", sizeof(*m), strerror(errno));
		return NULL;
	}
	self = m;	/* zero-filled: all counters 0 */
	return m;
}

void metrics_worker(struct metrics *m, int worker)
{
	self = m;
	column = worker;
	metrics_worker_gone(m, worker);
}

void metrics_worker_gone(struct metrics *m, int worker)
{
	atomic_store(&m->open_conns[worker], 0);
	atomic_store(&m->tests[worker], 0);
}

static void inc(counter *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void metrics_connection(enum m_dir d, enum m_conn status)
{
	if (self)
		inc(&self->conns[d][status]);
}

static void add_double(counter *c, double v)
{
	uint64_t old = atomic_load_explicit(c, memory_order_relaxed), new;
	double d;

	do {
		memcpy(&d, &old, sizeof(d));
		d += v;
		memcpy(&new, &d, sizeof(new));
	} while (!atomic_compare_exchange_weak_explicit(c, &old, new, memory_order_relaxed,
							memory_order_relaxed));
}

/* As upstream: every result counted; the rate observed only when there
 * is one. */
void metrics_test_result(enum m_proto p, enum m_dir d, int okay, double mbps, int monitoring)
{
	int b = 0;

	if (!self)
		return;
	inc(&self->results[p][d][(okay ? 0 : 2) + (mbps > 0 ? 0 : 1)]);
	if (!(mbps > 0))
		return;
	monitoring = !!monitoring;
	while (b < METRICS_RATE_BUCKETS && mbps > metrics_rate_buckets[b])
		b++;
	inc(&self->rate[p][d][monitoring][b]);
	add_double(&self->rate_sum[p][d][monitoring], mbps);
}

void metrics_sender_error(enum m_proto p, enum m_dir d, enum m_send_err e)
{
	if (self)
		inc(&self->send_errs[p][d][e]);
}

void metrics_receiver_error(enum m_proto p, enum m_dir d, enum m_recv_err e)
{
	if (self)
		inc(&self->recv_errs[p][d][e]);
}

void metrics_bbr(int enabled)
{
	if (self)
		inc(&self->bbr[!!enabled]);
}

void metrics_open_conns(int delta)
{
	if (self)
		atomic_fetch_add_explicit(&self->open_conns[column], delta, memory_order_relaxed);
}

void metrics_tests(int delta)
{
	if (self)
		atomic_fetch_add(&self->tests[column], delta);
}

void metrics_tx_request(int accepted)
{
	if (self)
		inc(&self->tx[!accepted]);
}

void metrics_token_request(const char *path, int accepted, const char *reason)
{
	size_t p = 0, r = 0;

	if (!self)
		return;
	while (p < TOKEN_PATHS - 1 && (!path || strcmp(path, token_paths[p]) != 0))
		p++;
	while (r < TOKEN_REASONS - 1 && (!reason || strcmp(reason, metrics_token_reasons[r]) != 0))
		r++;
	inc(&self->token[p][!accepted][r]);
}

void metrics_set_lame_duck(struct metrics *m)
{
	atomic_store(&m->lame_duck, 1);
}

int metrics_lame_duck(void)
{
	return self && atomic_load_explicit(&self->lame_duck, memory_order_relaxed);
}

void metrics_set_stop(struct metrics *m)
{
	atomic_store(&m->stop, 1);
}

int metrics_stop(void)
{
	return self && atomic_load_explicit(&self->stop, memory_order_relaxed);
}

void metrics_set_tx(struct metrics *m, uint64_t rate, uint64_t limit)
{
	atomic_store_explicit(&m->tx_rate, rate, memory_order_relaxed);
	atomic_store_explicit(&m->tx_limit, limit, memory_order_relaxed);
}

int metrics_tx_over(void)
{
	uint64_t limit;

	if (!self)
		return 0;
	limit = atomic_load_explicit(&self->tx_limit, memory_order_relaxed);
	return limit && atomic_load_explicit(&self->tx_rate, memory_order_relaxed) > limit;
}

long metrics_tests_running(const struct metrics *m)
{
	long n = 0;
	int i;

	for (i = 0; i < METRICS_WORKERS_MAX; i++)
		n += (long)atomic_load((_Atomic int64_t *)&m->tests[i]);
	return n;
}

/* --- rendering ------------------------------------------------------------ */

struct text {
	char *p;
	size_t len, cap;
	int full;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len)
		t->full = 1;
	else
		t->len += (size_t)n;
}

static void head(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t get(const counter *c)
{
	return atomic_load_explicit((counter *)c, memory_order_relaxed);
}

static void render_errors(struct text *t, const char *name, const char *help,
			  const counter *c, const char *const *errs, int nerrs)
{
	int p, d, e;

	head(t, name, "counter", help);
	for (p = 0; p < M_PROTOS; p++)
		for (d = 0; d < M_DIRS; d++)
			for (e = 0; e < nerrs; e++)
				put(t, "%s{protocol=\"%s\",direction=\"%s\",error=\"%s\"} %llu\n", name,
				    protos[p], dirs[d], errs[e],
				    (unsigned long long)get(&c[(p * M_DIRS + d) * nerrs + e]));
}

static void render_rate(struct text *t, const struct metrics *m)
{
	static const char name[] = "ndt_test_rate_mbps";
	int p, d, mon, b;

	head(t, name, "histogram", "A histogram of request rates.");
	for (p = 0; p < M_PROTOS; p++)
		for (d = 0; d < M_DIRS; d++)
			for (mon = 0; mon < 2; mon++) {
				const char *l = mon ? "true" : "false";
				uint64_t n = 0, bits = get(&m->rate_sum[p][d][mon]);
				double sum;

				for (b = 0; b <= METRICS_RATE_BUCKETS; b++) {
					n += get(&m->rate[p][d][mon][b]);
					if (b < METRICS_RATE_BUCKETS)
						put(t, "%s_bucket{protocol=\"%s\",direction=\"%s\",monitoring=\"%s\","
						    "le=\"%g\"} %llu\n", name, protos[p], dirs[d], l,
						    metrics_rate_buckets[b], (unsigned long long)n);
				}
				memcpy(&sum, &bits, sizeof(sum));
				put(t, "%s_bucket{protocol=\"%s\",direction=\"%s\",monitoring=\"%s\","
				    "le=\"+Inf\"} %llu\n", name, protos[p], dirs[d], l, (unsigned long long)n);
				put(t, "%s_sum{protocol=\"%s\",direction=\"%s\",monitoring=\"%s\"} %.17g\n",
				    name, protos[p], dirs[d], l, sum);
				put(t, "%s_count{protocol=\"%s\",direction=\"%s\",monitoring=\"%s\"} %llu\n",
				    name, protos[p], dirs[d], l, (unsigned long long)n);
			}
}

static void render_controllers(struct text *t, const struct metrics *m)
{
	size_t p, v, r;

	head(t, "controller_access_token_requests_total", "counter",
	     "Total number of requests handled by the access tokencontroller.");
	for (p = 0; p < TOKEN_PATHS; p++)
		for (v = 0; v < 2; v++)
			for (r = 0; r < TOKEN_REASONS; r++)
				if (get(&m->token[p][v][r]))
					put(t, "controller_access_token_requests_total{path=\"%s\","
					    "request=\"%s\",reason=\"%s\"} %llu\n", token_paths[p],
					    verdicts[v], metrics_token_reasons[r],
					    (unsigned long long)get(&m->token[p][v][r]));
	head(t, "controller_access_txcontroller_requests_total", "counter",
	     "Total number of requests handled by the access txcontroller.");
	for (v = 0; v < 2; v++)
		put(t, "controller_access_txcontroller_requests_total{request=\"%s\","
		    "protocol=\"http\"} %llu\n", verdicts[v], (unsigned long long)get(&m->tx[v]));
}

size_t metrics_render(const struct metrics *m, char *out, size_t cap)
{
	struct text t = { out, 0, cap, cap == 0 };
	int64_t open = 0;
	int p, d, i;

	head(&t, "ndt7_client_connections_total", "counter",
	     "Count of clients that connect and setup an ndt7 measurement.");
	for (d = 0; d < M_DIRS; d++)
		for (i = 0; i < M_CONNS; i++)
			put(&t, "ndt7_client_connections_total{direction=\"%s\",status=\"%s\"} %llu\n",
			    dirs[d], conn_status[i], (unsigned long long)get(&m->conns[d][i]));
	head(&t, "ndt7_client_test_results_total", "counter",
	     "Number of client-connections for NDT tests run by this server.");
	for (p = 0; p < M_PROTOS; p++)
		for (d = 0; d < M_DIRS; d++)
			for (i = 0; i < 4; i++)
				put(&t, "ndt7_client_test_results_total{protocol=\"%s\",direction=\"%s\","
				    "result=\"%s\"} %llu\n", protos[p], dirs[d], results[i],
				    (unsigned long long)get(&m->results[p][d][i]));
	render_errors(&t, "ndt7_client_sender_errors_total", "Number of sender errors on all "
		      "return paths.", &m->send_errs[0][0][0], send_errs, M_SEND_ERRS);
	render_errors(&t, "ndt7_client_receiver_errors_total", "Number of receiver errors on "
		      "all return paths.", &m->recv_errs[0][0][0], recv_errs, M_RECV_ERRS);
	render_rate(&t, m);
	head(&t, "ndt7_measurer_bbr_enabled_total", "counter",
	     "A counter of every attempt to enable bbr.");
	for (i = 1; i >= 0; i--)
		put(&t, "ndt7_measurer_bbr_enabled_total{status=\"%s\"} %llu\n",
		    i ? "true" : "false", (unsigned long long)get(&m->bbr[i]));
	for (i = 0; i < METRICS_WORKERS_MAX; i++)
		open += atomic_load((_Atomic int64_t *)&m->open_conns[i]);
	head(&t, "netx_current_open_conns", "gauge",
	     "A gauge of currently open netx.Conns with open file pointers.");
	put(&t, "netx_current_open_conns %lld\n", (long long)open);
	head(&t, "lame_duck_experiment", "gauge", "Indicates when the server is in lame duck");
	put(&t, "lame_duck_experiment %d\n", atomic_load((_Atomic int *)&m->lame_duck));
	render_controllers(&t, m);
	return t.full ? 0 : t.len;
}
