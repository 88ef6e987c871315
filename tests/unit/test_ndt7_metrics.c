/* Unit tests for services/ndt7/metrics.c, txcontroller.c's moving average
 * and httpd.c's request parser: tables of events and the samples they
 * must produce in the exposition text, of byte counts and the rates they
 * must give, and of requests and their status codes. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "metrics.h"
#include "tap.h"
#include "txcontroller.h"

static char text[METRICS_TEXT_MAX];

/* The value of the sample named exactly name (labels included), or -1. */
static double sample(const char *name)
{
	size_t n = strlen(name);
	const char *p = text;

	while ((p = strstr(p, name))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static void render(struct metrics *m)
{
	size_t n = metrics_render(m, text, sizeof(text));

	text[n < sizeof(text) ? n : 0] = '\0';
}

static void test_counting(void)
{
	static const struct {
		const char *sample;
		double value;
	} want[] = {
		{ "ndt7_client_connections_total{direction=\"download\",status=\"result\"}", 2 },
		{ "ndt7_client_connections_total{direction=\"upload\",status=\"websocket-error\"}", 1 },
		{ "ndt7_client_connections_total{direction=\"upload\",status=\"result\"}", 0 },
		{ "ndt7_client_test_results_total{protocol=\"ndt7+wss\",direction=\"download\","
		  "result=\"okay-with-rate\"}", 1 },
		{ "ndt7_client_test_results_total{protocol=\"ndt7+ws\",direction=\"upload\","
		  "result=\"error-without-rate\"}", 1 },
		{ "ndt7_client_sender_errors_total{protocol=\"ndt7+ws\",direction=\"download\","
		  "error=\"write-prepared-message\"}", 1 },
		{ "ndt7_client_receiver_errors_total{protocol=\"ndt7+wss\",direction=\"upload\","
		  "error=\"receiver-context-expired\"}", 1 },
		{ "ndt7_measurer_bbr_enabled_total{status=\"true\"}", 2 },
		{ "ndt7_measurer_bbr_enabled_total{status=\"false\"}", 1 },
		{ "netx_current_open_conns", 3 },
		{ "lame_duck_experiment", 1 },
		{ "controller_access_txcontroller_requests_total{request=\"rejected\",protocol=\"http\"}", 1 },
		{ "controller_access_txcontroller_requests_total{request=\"accepted\",protocol=\"http\"}", 2 },
		{ "controller_access_token_requests_total{path=\"/ndt/v7/upload\",request=\"rejected\","
		  "reason=\"expired\"}", 1 },
		{ "controller_access_token_requests_total{path=\"other\",request=\"rejected\","
		  "reason=\"other\"}", 2 },
		{ "controller_access_token_requests_total{path=\"/ndt/v7/download\",request=\"accepted\","
		  "reason=\"empty\"}", 1 },
		{ "controller_access_token_requests_total{path=\"/ndt/v7/download\",request=\"rejected\","
		  "reason=\"empty\"}", -1 },	/* never counted: not shown */
	};
	struct metrics *m = metrics_new(4);
	size_t i;

	metrics_worker(m, 2);
	metrics_connection(M_DOWNLOAD, M_CONN_RESULT);
	metrics_connection(M_DOWNLOAD, M_CONN_RESULT);
	metrics_connection(M_UPLOAD, M_CONN_WEBSOCKET_ERROR);
	metrics_test_result(M_WSS, M_DOWNLOAD, 1, 93.5, 0);
	metrics_test_result(M_WS, M_UPLOAD, 0, 0, 0);
	metrics_sender_error(M_WS, M_DOWNLOAD, M_SEND_WRITE_PREPARED);
	metrics_receiver_error(M_WSS, M_UPLOAD, M_RECV_CONTEXT_EXPIRED);
	metrics_bbr(1);
	metrics_bbr(1);
	metrics_bbr(0);
	metrics_open_conns(4);
	metrics_open_conns(-1);
	metrics_set_lame_duck(m);
	metrics_tx_request(1);
	metrics_tx_request(1);
	metrics_tx_request(0);
	metrics_token_request("/ndt/v7/upload", 0, "expired");
	metrics_token_request("/elsewhere", 0, "a reason nobody listed");
	metrics_token_request(NULL, 0, NULL);
	metrics_token_request("/ndt/v7/download", 1, "empty");
	render(m);
	CHECK(text[0] == '#', "the page renders (%zu bytes)", strlen(text));
	for (i = 0; i < sizeof(want) / sizeof(*want); i++)
		CHECK(sample(want[i].sample) == want[i].value, "%s is %g (got %g)", want[i].sample,
		      want[i].value, sample(want[i].sample));
	CHECK(strstr(text, "# TYPE ndt_test_rate_mbps histogram\n") &&
	      strstr(text, "# HELP lame_duck_experiment Indicates when the server is in lame duck\n"),
	      "HELP and TYPE lines");
	CHECK(metrics_lame_duck() && !metrics_stop(), "lame duck, not stopping");
	metrics_worker_gone(m, 2);
	render(m);
	CHECK(sample("netx_current_open_conns") == 0, "a worker's gauge leaves with it");
	CHECK(metrics_render(m, text, 100) == 0, "too small a buffer: 0, not a truncated page");
}

/* One observation; which bucket bounds count it (cumulative). */
static void test_histogram(void)
{
	static const struct {
		double mbps;
		const char *first_le;	/* the smallest bucket holding it; NULL: none (not observed) */
	} obs[] = {
		{ 0, NULL }, { 0.05, "0.1" }, { 0.1, "0.1" }, { 0.11, "0.15" }, { 1, "1" },
		{ 999.9, "1000" }, { 1000, "1000" }, { 2500, "+Inf" },
	};
	char name[200];
	size_t i;

	for (i = 0; i < sizeof(obs) / sizeof(*obs); i++) {
		struct metrics *m = metrics_new(1);
		double below, at, sum, count;
		int b;

		metrics_test_result(M_WS, M_DOWNLOAD, 1, obs[i].mbps, 1);
		render(m);
		snprintf(name, sizeof(name), "ndt_test_rate_mbps_count{protocol=\"ndt7+ws\","
			 "direction=\"download\",monitoring=\"true\"}");
		count = sample(name);
		snprintf(name, sizeof(name), "ndt_test_rate_mbps_sum{protocol=\"ndt7+ws\","
			 "direction=\"download\",monitoring=\"true\"}");
		sum = sample(name);
		if (!obs[i].first_le) {
			CHECK(count == 0 && sum == 0, "%g Mbit/s: no rate, not observed", obs[i].mbps);
			continue;
		}
		CHECK(count == 1 && fabs(sum - obs[i].mbps) < 1e-9, "%g Mbit/s: count 1, sum %g",
		      obs[i].mbps, sum);
		snprintf(name, sizeof(name), "ndt_test_rate_mbps_bucket{protocol=\"ndt7+ws\","
			 "direction=\"download\",monitoring=\"true\",le=\"%s\"}", obs[i].first_le);
		at = sample(name);
		below = 0;
		for (b = 0; b < METRICS_RATE_BUCKETS; b++) {
			char le[16];

			snprintf(le, sizeof(le), "%g", metrics_rate_buckets[b]);
			if (!strcmp(le, obs[i].first_le))
				break;
			snprintf(name, sizeof(name), "ndt_test_rate_mbps_bucket{protocol=\"ndt7+ws\","
				 "direction=\"download\",monitoring=\"true\",le=\"%s\"}", le);
			below += sample(name);
		}
		CHECK(at == 1 && below == 0, "%g Mbit/s: first in le=%s", obs[i].mbps,
		      obs[i].first_le);
	}
}

/* Byte counts every so often and the smoothed rate after each. */
static void test_moving_average(void)
{
	static const struct {
		int64_t ms;
		uint64_t bytes;
		int updated;
		double rate;		/* bit/s after the step */
	} steps[] = {
		{ 0, 1000, 0, 0 },			/* the first sample: a base only */
		{ 100, 1000 + 125000, 1, 10e6 },	/* 1 Mbit in 100 ms: up at once */
		{ 130, 1000 + 250000, 0, 10e6 },	/* 30 ms later: too soon, skipped */
		{ 200, 1000 + 250000, 1, 10e6 },	/* 1 Mbit over the 100 ms since */
		{ 300, 1000 + 250000, 1, 9.5e6 },	/* idle: 5 % down */
		{ 400, 1000 + 250000, 1, 9.025e6 },
		{ 600, 1000 + 250000 + 250000, 1, 10e6 },	/* 2 Mbit in 200 ms */
		{ 700, 500, 0, 10e6 },			/* the counter went back: new base */
		{ 800, 500, 1, 9.5e6 },
	};
	struct txc_state s = { 0 };
	size_t i;
	int k;

	for (i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
		int up = txc_step(&s, steps[i].bytes, 1000000000LL + steps[i].ms * 1000000LL);

		CHECK(up == steps[i].updated && fabs(s.rate - steps[i].rate) < 1,
		      "at %lld ms: %s, %.0f bit/s (want %.0f)", (long long)steps[i].ms,
		      up ? "updated" : "kept", s.rate, steps[i].rate);
	}
	for (k = 0; k < 45; k++)	/* 4.5 s idle */
		txc_step(&s, 500, 1000000000LL + (900 + 100 * k) * 1000000LL);
	CHECK(s.rate < 9.5e6 / 9 && s.rate > 9.5e6 / 11, "4.5 s idle: about a tenth (%.0f)", s.rate);
}

static void test_httpd_parse(void)
{
	static const struct {
		const char *req;
		int status;
	} t[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
		{ "GET /metrics?name[]=x HTTP/1.0\r\n\r\n", 200 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", 0 },
		{ "GET /metrics", 0 },
		{ "", 0 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
		{ "GET / HTTP/1.1\r\n\r\n", 404 },
		{ "GET /health HTTP/1.1\r\n\r\n", 404 },
		{ "POST /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "HEAD /metrics HTTP/1.1\r\n\r\n", 405 },
		{ "GET /metrics HTTP/2.0\r\n\r\n", 400 },
		{ "GET /metrics\r\n\r\n", 400 },
		{ "GET  HTTP/1.1\r\n\r\n", 400 },
		{ " /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1 \r\n\r\n", 400 },
		{ "\r\n\r\n", 400 },
	};
	char big[HTTPD_REQ_MAX + 10];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(*t); i++)
		CHECK(httpd_parse(t[i].req, strlen(t[i].req), "/metrics") == t[i].status,
		      "%d for \"%.*s\"", t[i].status, (int)strcspn(t[i].req, "\r"), t[i].req);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\n", 23);
	CHECK(httpd_parse(big, HTTPD_REQ_MAX - 1, "/metrics") == 0, "just under the bound: waits");
	CHECK(httpd_parse(big, HTTPD_REQ_MAX, "/metrics") == 431, "at the bound, incomplete: 431");
	memcpy(big, "GET /metrics HTTP/1.1\r\n\0: x\r\n\r\n", 32);
	CHECK(httpd_parse(big, 32, "/metrics") == 400, "a NUL in the headers: 400");
}

int main(void)
{
	test_counting();
	test_histogram();
	test_moving_average();
	test_httpd_parse();
	return tap_done();
}
