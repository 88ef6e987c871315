/* Unit tests of the uploader's pure parts, by tables: object names, what a
 * registered name implies, record shapes, the spool bound and the bundle
 * choice, the journal's text, the status line and the metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "journal.h"
#include "naming.h"
#include "queue.h"
#include "report.h"
#include "shape.h"
#include "tap.h"

static void test_object_name(void)
{
	char out[512];
	struct timespec t = { 1796638500, 123456789 };	/* 2026-12-07T10:15:00Z */
	int n = object_name(out, sizeof(out), "autoload/v2", "mlab", "ndt", "ndt7",
			    "c0a80001-lga3356", &t);

	/* jostler: DIR/EXPERIMENT/DATATYPE/YYYY/MM/DD/TIME-DATATYPE-MACHINE-SITE-
	 * EXPERIMENT-data.jsonl.gz, TIME as Go's "20060102T150405.000000Z". */
	CHECK(n > 0 && strcmp(out, "autoload/v2/mlab/ndt/ndt7/2026/12/07/20261207T101500.123456Z-"
			      "ndt7-c0a80001-lga3356-ndt-data.jsonl.gz") == 0,
	      "object name in jostler's layout: %s", out);
	n = object_name(out, sizeof(out), "", "o", "ndt", "ndt7", "n", &t);
	CHECK(n > 0 && strncmp(out, "o/ndt/ndt7/2026/", 16) == 0, "no prefix: %s", out);
	CHECK(object_name(out, 40, "autoload/v2", "mlab", "ndt", "ndt7", "node", &t) == -1 &&
	      out[0] == '\0', "too long for the buffer: -1, empty");
}

static void test_node_names(void)
{
	static const struct {
		const char *host;
		int rc;
		const char *org, *bucket, *node;
	} t[] = {
		{ "ndt-lga3356-c0a80001.mlab.sandbox.measurement-lab.org", 0, "mlab",
		  "archive-mlab-sandbox", "c0a80001-lga3356" },
		{ "ndt-gig1916-c89ffeef.rnp.autojoin.measurement-lab.org", 0, "rnp",
		  "archive-mlab-autojoin", "c89ffeef-gig1916" },
		{ "lga3356-c89ffeef.rnp.staging.measurement-lab.org", 0, "rnp",
		  "archive-mlab-staging", "c89ffeef-lga3356" },
		{ "ndt-abc4294967295-0a000001.o-2.autojoin.measurement-lab.org", 0, "o-2",
		  "archive-mlab-autojoin", "0a000001-abc4294967295" },
		/* not v3: four labels, a bad site or machine, an empty service */
		{ "ndt-lga3356-c0a80001.rnp.measurement-lab.org", -1, "", "", "" },
		{ "ndt-lga3356-c0a8001.rnp.autojoin.measurement-lab.org", -1, "", "", "" },
		{ "ndt-lga3356-c0a8000g.rnp.autojoin.measurement-lab.org", -1, "", "", "" },
		{ "ndt-lg3356-c0a80001.rnp.autojoin.measurement-lab.org", -1, "", "", "" },
		{ "ndt-lgax-c0a80001.rnp.autojoin.measurement-lab.org", -1, "", "", "" },
		{ "ndt-lga12345678901-c0a80001.rnp.autojoin.measurement-lab.org", -1, "", "", "" },
		{ "-lga3356-c0a80001.rnp.autojoin.measurement-lab.org", -1, "", "", "" },
		{ "ndt-lga3356-c0a80001.rnp.x.y.measurement-lab.org", -1, "", "", "" },
		{ "ndt-lga3356-c0a80001.r_p.autojoin.measurement-lab.org", -1, "", "", "" },
		{ "mlab1-lga01.mlab-oti.measurement-lab.org", -1, "", "", "" },
		{ "ndt-lga3356.example.org", -1, "", "", "" },
		{ "measurement-lab.org", -1, "", "", "" },
		{ ".measurement-lab.org", -1, "", "", "" },
		{ "x.measurement-lab.org", -1, "", "", "" },
		{ "", -1, "", "", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct node_names n;
		int rc = node_names_parse(t[i].host, &n);

		CHECK(rc == t[i].rc && (rc < 0 || (strcmp(n.org, t[i].org) == 0 &&
						   strcmp(n.bucket, t[i].bucket) == 0 &&
						   strcmp(n.node, t[i].node) == 0)),
		      "node names of \"%s\": %d org %s bucket %s node %s", t[i].host, rc, n.org,
		      n.bucket, n.node);
	}
}

static void test_shape(void)
{
	static const struct {
		const char *datatype, *rec;
		int rc, one_line;
		const char *id, *why;
	} t[] = {
		{ "ndt7", "{\"Download\":{\"UUID\":\"h_1_2\"}}\n", 0, 1, "h_1_2", "" },
		{ "ndt7", "{\"Upload\":{\"UUID\":\"u-9\"},\"ServerIP\":\"192.0.2.1\"}", 0, 1, "u-9", "" },
		{ "ndt7", "{\n \"Download\": {\"UUID\": \"a\"}\n}\n", 0, 0, "a", "" },
		{ "ndt7", "{\"ServerIP\":\"192.0.2.1\"}", -1, 0, "", "no Download.UUID" },
		{ "ndt7", "{\"Download\":{\"UUID\":\"\"}}", -1, 0, "", "Download.UUID is empty" },
		{ "ndt7", "{\"Download\":{\"UUID\":7}}", -1, 0, "", "no Download.UUID" },
		{ "ndt7", "{\"Download\":{\"UUID\":\"a\\u0001\"}}", -1, 0, "", "control" },
		{ "ndt7", "[1,2]", -1, 0, "", "not a JSON object" },
		{ "ndt7", "{}", -1, 0, "", "not a JSON object" },
		{ "ndt7", "{\"Download\":", -1, 0, "", "not JSON" },
		{ "ndt7", "", -1, 0, "", "empty file" },
		{ "ndt7", "{\"a\":1,\"a\":2}", -1, 0, "", "not JSON" },
		{ "annotation2", "{\"UUID\":\"x\"}", 0, 1, "", "" },
		{ "annotation2", "17", -1, 0, "", "not a JSON object" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct shape s;
		int rc = shape_check(t[i].datatype, t[i].rec, strlen(t[i].rec), &s);

		CHECK(rc == t[i].rc && strcmp(s.id, t[i].id) == 0 &&
		      (rc < 0 ? strstr(s.why, t[i].why) != NULL : s.one_line == t[i].one_line),
		      "shape of %s record %zu: rc %d id \"%s\" why \"%s\"", t[i].datatype, i, rc,
		      s.id, s.why);
	}
	{
		struct shape s;

		CHECK(shape_check("ndt7", "{\"Download\":{\"UUID\":\"a\"}}\0x", 28, &s) == -1 &&
		      strstr(s.why, "NUL"), "a NUL byte is refused");
	}
}

/* A queue from "datatype:size:mtime[:busy]" strings. */
static void make_queue(struct queue *q, const char *const *spec, size_t n)
{
	size_t i;

	q->n = q->cap = n;
	q->r = calloc(n ? n : 1, sizeof(*q->r));
	for (i = 0; i < n; i++) {
		unsigned long size;
		long mtime;
		int busy = 0;
		char dt[32];

		sscanf(spec[i], "%31[^:]:%lu:%ld:%d", dt, &size, &mtime, &busy);
		snprintf(q->r[i].datatype, sizeof(q->r[i].datatype), "%s", dt);
		snprintf(q->r[i].path, sizeof(q->r[i].path), "%s/r%02zu.json", dt, i);
		q->r[i].size = size;
		q->r[i].mtime.tv_sec = mtime;
		q->r[i].busy = (unsigned)busy;
	}
	queue_sort(q);
}

static void test_bound(void)
{
	static const struct {
		const char *spec[6];
		size_t n;
		unsigned long max;
		const char *dropped;	/* 'x' dropped, '.' kept, oldest first */
	} t[] = {
		{ { "ndt7:100:1", "ndt7:100:2", "ndt7:100:3" }, 3, 0, "..." },
		{ { "ndt7:100:1", "ndt7:100:2", "ndt7:100:3" }, 3, 300, "..." },
		{ { "ndt7:100:1", "ndt7:100:2", "ndt7:100:3" }, 3, 250, "x.." },
		{ { "ndt7:100:1", "ndt7:100:2", "ndt7:100:3" }, 3, 50, "xx." },
		{ { "ndt7:100:1:1", "ndt7:100:2", "ndt7:100:3" }, 3, 150, ".x." },
		{ { "ndt7:100:1", "a:100:2", "ndt7:100:3", "a:10:4" }, 4, 120, "xx.." },
		{ { "ndt7:1000:1" }, 1, 10, "." },
	};
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct queue q;
		uint64_t bytes, want_bytes = 0;
		size_t n, want = 0;
		char got[8] = "";

		make_queue(&q, t[i].spec, t[i].n);
		n = queue_bound(&q, t[i].max, &bytes);
		for (k = 0; k < q.n; k++) {
			got[k] = q.r[k].drop ? 'x' : '.';
			if (t[i].dropped[k] == 'x') {
				want++;
				want_bytes += q.r[k].size;
			}
		}
		CHECK(strcmp(got, t[i].dropped) == 0 && n == want && bytes == want_bytes,
		      "bound %lu: dropped %s (want %s), %zu records %llu bytes", t[i].max, got,
		      t[i].dropped, n, (unsigned long long)bytes);
		queue_free(&q);
	}
}

static void test_pick(void)
{
	static const struct {
		const char *spec[6];
		size_t n;
		unsigned long max_bytes;
		long max_age, now, wake;
		const char *picked;	/* indices in age order */
	} t[] = {
		{ { "ndt7:100:10", "ndt7:100:20" }, 2, 1000, 60, 30, 40, "" },
		{ { "ndt7:100:10", "ndt7:100:20" }, 2, 1000, 60, 70, -1, "01" },
		{ { "ndt7:600:10", "ndt7:600:20", "ndt7:600:21" }, 3, 1000, 60, 30, -1, "0" },
		{ { "ndt7:500:10", "ndt7:500:20", "ndt7:500:21" }, 3, 1000, 60, 30, -1, "01" },
		{ { "a:10:5", "ndt7:10:10", "a:10:20" }, 3, 1000, 60, 66, -1, "02" },
		{ { "a:10:5:1", "ndt7:10:10", "a:10:20" }, 3, 1000, 60, 75, -1, "1" },
		{ { "a:10:5:1", "ndt7:10:10", "a:10:20" }, 3, 1000, 60, 30, 40, "" },
		{ { "a:5000:5" }, 1, 1000, 60, 6, -1, "0" },
		{ { "ndt7:1:1" }, 1, 1000, 0, 1, -1, "0" },
	};
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct queue q;
		struct timespec now = { t[i].now, 0 };
		size_t idx[8], n;
		long wake;
		char got[8] = "";

		make_queue(&q, t[i].spec, t[i].n);
		n = queue_pick(&q, t[i].max_bytes, t[i].max_age, &now, idx, &wake);
		for (k = 0; k < n; k++)
			got[k] = (char)('0' + idx[k]);
		CHECK(strcmp(got, t[i].picked) == 0 && (n > 0 || wake == t[i].wake),
		      "pick %zu: \"%s\" (want \"%s\"), wake %ld (want %ld)", i, got, t[i].picked,
		      wake, t[i].wake);
		queue_free(&q);
	}
}

static void test_journal(void)
{
	static const char *const bad[] = {
		"",
		"fathom-uploader-journal 2\n",
		"fathom-uploader-journal 1\nobject a\ndatatype ndt7\nbytes 3\ncrc32 1\nrecords 1\n"
		"record x\n",
		"fathom-uploader-journal 1\nobject a\ndatatype ndt7\nbytes 3\ncrc32 1\nrecords 1\n"
		"record ../etc/passwd\nend\n",
		"fathom-uploader-journal 1\nobject a\ndatatype ndt7\nbytes 3\ncrc32 1\nrecords 1\n"
		"record /abs\nend\n",
		"fathom-uploader-journal 1\nobject a\ndatatype ndt7\nbytes -3\ncrc32 1\nrecords 0\n"
		"end\n",
		"fathom-uploader-journal 1\nobject a\ndatatype ndt7\nbytes 3\ncrc32 99999999999\n"
		"records 0\nend\n",
		"fathom-uploader-journal 1\nobject \ndatatype ndt7\nbytes 3\ncrc32 1\nrecords 0\nend\n",
		"fathom-uploader-journal 1\nobject a\ndatatype ndt7\nbytes 3\ncrc32 1\nrecords 9\n"
		"record x\nend\n",
		"fathom-uploader-journal 1\nobject a\ndatatype ndt7\nbytes 3\ncrc32 1\nrecords 0\n"
		"end\nextra\n",
	};
	struct bundle b = { 0 }, back;
	char paths[2][REC_PATH_MAX] = { "ndt7/2026/12/07/a.json", "ndt7/2026/12/07/b.json.gz" };
	unsigned char data[] = { 1, 2, 3, 4 };
	size_t len, i;
	unsigned long crc;
	char *text;

	snprintf(b.object, sizeof(b.object), "autoload/v2/o/ndt/ndt7/x.jsonl.gz");
	snprintf(b.datatype, sizeof(b.datatype), "ndt7");
	b.data = data;
	b.len = sizeof(data);
	b.paths = paths;
	b.n = 2;
	text = journal_format(&b);
	CHECK(text && journal_parse(text, strlen(text), &back, &len, &crc) == 0 &&
	      strcmp(back.object, b.object) == 0 && strcmp(back.datatype, "ndt7") == 0 &&
	      back.n == 2 && strcmp(back.paths[1], paths[1]) == 0 && len == 4,
	      "journal: format then parse gives the bundle back");
	free(back.paths);
	free(text);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = journal_parse(bad[i], strlen(bad[i]), &back, &len, &crc);

		CHECK(rc == -1 && back.paths == NULL && back.n == 0, "journal %zu refused", i);
	}
}

static void test_registration(void)
{
	static const struct {
		const char *json;
		int rc, names_ok;
		const char *org;
	} t[] = {
		{ "{\"Hostname\":\"ndt-lga1-c0a80001.mlab.sandbox.measurement-lab.org\","
		  "\"Heartbeat\":{},\"Annotation\":null}", 0, 1, "mlab" },
		{ "{\"Hostname\":\"host.example.org\"}", 0, 0, "" },
		{ "{\"Hostname\":\"a/b\"}", -1, 0, "" },
		{ "{\"Hostname\":1}", -1, 0, "" },
		{ "[]", -1, 0, "" },
		{ "not json", -1, 0, "" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct registration r;
		char err[256] = "";
		int rc = registration_parse(t[i].json, strlen(t[i].json), &r, err, sizeof(err));

		CHECK(rc == t[i].rc && (rc < 0 ? err[0] != '\0' :
					r.names_ok == t[i].names_ok &&
					strcmp(r.names.org, t[i].org) == 0),
		      "registration %zu: rc %d names_ok %d org %s %s", i, rc, r.names_ok,
		      r.names.org, err);
	}
}

static void test_report(void)
{
	struct up_stats s = { 0 };
	char line[256], m[8192];

	status_line(line, sizeof(line), &s, 1000);
	CHECK(strcmp(line, "0 bundles sent, queue 0 records") == 0, "status idle: %s",
	      line);
	s.bundles = 12;
	s.last_ok = 1796638500;
	s.queue_records = 3;
	s.queue_oldest = 1796638500 - 40;
	status_line(line, sizeof(line), &s, 1796638500);
	CHECK(strcmp(line, "12 bundles sent, last 10:15:00Z, queue 3 records "
		     "(oldest 40s)") == 0, "status: %s", line);
	s.failing_since = 1796638440;
	snprintf(s.last_reason, sizeof(s.last_reason), "http_5xx");
	s.dropped_records = 5;
	status_line(line, sizeof(line), &s, 1796638500);
	CHECK(strstr(line, "; failing since 10:14:00Z (http_5xx), 5 records dropped") != NULL,
	      "status failing: %s", line);
	CHECK(status_line(line, 20, &s, 1796638500) == 19, "status cut to fit");
	stats_fail(&s, "http_5xx");
	stats_fail(&s, "http_5xx");
	stats_fail(&s, "timeout");
	CHECK(metrics_text(m, sizeof(m), &s, 1796638500) > 0 &&
	      strstr(m, "uploader_failures_total{reason=\"http_5xx\"} 2\n") &&
	      strstr(m, "uploader_failures_total{reason=\"timeout\"} 1\n") &&
	      strstr(m, "uploader_dropped_records_total 5\n") &&
	      strstr(m, "uploader_oldest_record_age_seconds 40\n") &&
	      strstr(m, "uploader_bundles_total 12\n"), "metrics text");
	CHECK(metrics_text(m, 100, &s, 0) == 0, "metrics: 0 when it does not fit");
}

int main(void)
{
	test_object_name();
	test_node_names();
	test_shape();
	test_bound();
	test_pick();
	test_journal();
	test_registration();
	test_report();
	return tap_done();
}
