/* The uploader's cycle (core.c) over a real spool directory and a scripted
 * fake target: every record arrives exactly once per record id after
 * de-duplicating by object name, whatever the target's failures; a crash
 * resumes the bundle in flight under its name; the spool bound drops the
 * oldest, counts them and keeps the newest; bad records are quarantined. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "core.h"
#include "lib/log.h"
#include "tap.h"
#include "uploader_fake_target.h"

/* What the core logs, kept to check (the lib's sink would print it). */
static char logged[65536];
static size_t logged_len;

void log_sink(enum log_level level, const char *line)
{
	(void)level;
	logged_len += (size_t)snprintf(logged + logged_len, sizeof(logged) - logged_len, "%s\n",
				       line);
	if (logged_len >= sizeof(logged))
		logged_len = sizeof(logged) - 1;
}

static size_t count_lines(const char *needle)
{
	const char *p = logged;
	size_t n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p++;
	}
	return n;
}

static char root[256], spool[300], state[300];
static long long now_ms = 1000000;
static struct timespec wall = { 1796638500, 0 };

static void sh(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	if (system(cmd) != 0)
		printf("# command failed: %s\n", cmd);
}

/* A record as ndt7 writes it, with mtime seq seconds after a fixed start. */
static void put_record(int seq, const char *body)
{
	char dir[400], path[500], rec[256];
	struct timespec ts[2];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/ndt7/2026/12/07", spool);
	sh("mkdir -p %s", dir);
	snprintf(path, sizeof(path), "%s/ndt7-download-%04d.json", dir, seq);
	if (!body) {
		snprintf(rec, sizeof(rec), "{\"GitShortCommit\":\"x\",\"Download\":{\"UUID\":"
			 "\"id-%04d\",\"StartTime\":\"2026-12-07T10:00:00Z\"}}\n", seq);
		body = rec;
	}
	f = fopen(path, "w");
	fputs(body, f);
	fclose(f);
	ts[0].tv_sec = ts[1].tv_sec = wall.tv_sec - 3600 + seq;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	utimensat(AT_FDCWD, path, ts, 0);
}

static size_t spool_count(void)
{
	struct queue q = { 0 };
	size_t n;

	queue_scan(spool, &q);
	n = q.n;
	queue_free(&q);
	return n;
}

/* Run the core until it has nothing due, time advancing as it asks. */
static void run(struct core *c, int max_steps)
{
	while (max_steps-- > 0) {
		long wait = core_step(c, now_ms, &wall);

		if (!c->have_inflight && c->st.queue_records == 0)
			return;
		now_ms += wait > 0 ? wait : 1;
		wall.tv_sec += wait / 1000 + 1;
	}
}

/* How many times each id (id-0000..id-NNNN) is in the acknowledged
 * objects, the last acknowledged upload of each object name counting. */
static void count_ids(int *count, int n)
{
	size_t i, j;

	memset(count, 0, sizeof(int) * (size_t)n);
	for (i = 0; i < fake_nuploads; i++) {
		char *plain, *p;
		size_t len;

		if (fake_uploads[i].result != TARGET_OK)
			continue;
		for (j = i + 1; j < fake_nuploads; j++)
			if (fake_uploads[j].result == TARGET_OK &&
			    strcmp(fake_uploads[j].object, fake_uploads[i].object) == 0)
				break;
		if (j < fake_nuploads)
			continue;	/* a later copy of the same object replaces it */
		if (gunzip_buf(fake_uploads[i].data, fake_uploads[i].len, 1 << 24, &plain,
			       &len) < 0)
			continue;
		plain = realloc(plain, len + 1);
		plain[len] = '\0';
		for (p = plain; (p = strstr(p, "\"UUID\":\"id-")); p += 11) {
			int id = atoi(p + 11);

			if (id >= 0 && id < n)
				count[id]++;
		}
		free(plain);
	}
}

static void config(struct up_config *c)
{
	config_defaults(c);
	c->spool_dir = spool;
	c->state_dir = state;
	c->bundle_max_bytes = 1024;
	c->bundle_max_age_s = 0;
	c->spool_max_bytes = 0;
	c->retry_max_s = 4;
}

static const struct up_names names = { "autoload/v2", "mlab", "ndt", "node1" };

static void test_faults(void)
{
	struct up_config cfg;
	struct core c;
	int count[40], i, once = 1;
	size_t k;
	char qpath[512];

	fake_reset();
	for (i = 0; i < 40; i++)
		put_record(i, NULL);
	put_record(99, "{\"Download\":");	/* bad: quarantined */
	fake_script[0] = TARGET_RETRY;
	fake_script[1] = TARGET_RETRY;
	fake_script[2] = TARGET_OK;
	fake_script[3] = TARGET_AUTH;
	fake_script[4] = TARGET_FATAL;
	fake_nscript = 5;
	config(&cfg);
	core_init(&c, &cfg, &names, NULL);
	run(&c, 200);
	count_ids(count, 40);
	for (i = 0; i < 40; i++)
		once &= count[i] == 1;
	CHECK(once, "every record id in the acknowledged objects exactly once");
	CHECK(spool_count() == 0, "the spool is empty once all is acknowledged");
	snprintf(qpath, sizeof(qpath), "%s/quarantine/ndt7_2026_12_07_ndt7-download-0099.json",
		 state);
	CHECK(c.st.quarantined == 1 && access(qpath, F_OK) == 0,
	      "the bad record quarantined (counted, moved to the state directory)");
	CHECK(c.st.fail[0].n == 2 && strcmp(c.st.fail[0].reason, "http_5xx") == 0,
	      "two http_5xx failures counted (%s %llu)", c.st.fail[0].reason,
	      (unsigned long long)c.st.fail[0].n);
	for (k = 1; k < fake_nuploads; k++)
		if (fake_uploads[k].result == TARGET_OK)
			break;
	CHECK(k == 2 && strcmp(fake_uploads[0].object, fake_uploads[2].object) == 0,
	      "the retried bundle keeps its object name: %s", fake_uploads[0].object);
	CHECK(c.st.bundles > 2 && c.st.records == 40, "%llu bundles, %llu records",
	      (unsigned long long)c.st.bundles, (unsigned long long)c.st.records);
	for (k = 1; k < fake_nuploads; k++)
		if (strcmp(fake_uploads[k].object, fake_uploads[k - 1].object) < 0)
			break;
	CHECK(k == fake_nuploads, "object names never go back in time");
	core_free(&c);
}

static void test_crash_resume(void)
{
	struct up_config cfg;
	struct core c, again;
	char first[512], path[400];
	int count[10], i, once = 1;

	fake_reset();
	for (i = 0; i < 10; i++)
		put_record(i, NULL);
	fake_script[0] = TARGET_RETRY;
	fake_nscript = 1;
	config(&cfg);
	cfg.bundle_max_bytes = 1 << 20;
	core_init(&c, &cfg, &names, NULL);
	core_step(&c, now_ms, &wall);
	snprintf(first, sizeof(first), "%s", fake_uploads[0].object);
	snprintf(path, sizeof(path), "%s/inflight.journal", state);
	CHECK(access(path, F_OK) == 0 && spool_count() == 10,
	      "after a failed upload the journal is there and the records still spooled");
	/* The process dies here: nothing of c is cleaned up but its memory. */
	bundle_free(&c.inflight);
	queue_free(&c.q);
	put_record(50, NULL);	/* a record that came meanwhile */
	core_init(&again, &cfg, &names, NULL);
	CHECK(again.have_inflight && again.st.reuploads == 1 && again.inflight.n == 10,
	      "the restart resumes the bundle in flight (%zu records)", again.inflight.n);
	run(&again, 50);
	CHECK(fake_nuploads >= 3 && strcmp(fake_uploads[1].object, first) == 0,
	      "the resumed bundle goes under the same name");
	count_ids(count, 10);
	for (i = 0; i < 10; i++)
		once &= count[i] == 1;
	CHECK(once && spool_count() == 0 && access(path, F_OK) != 0,
	      "after the restart every record once, the spool and the journal empty");
	core_free(&again);
}

static void test_bound(void)
{
	struct up_config cfg;
	struct core c;
	struct queue q = { 0 };
	int i, newest = 1;
	size_t k;

	fake_reset();
	for (i = 0; i < FAKE_MAX; i++)
		fake_script[i] = TARGET_RETRY;
	fake_nscript = FAKE_MAX;
	config(&cfg);
	cfg.spool_max_bytes = 6 * 100;	/* each record is about 100 bytes */
	cfg.bundle_max_bytes = 250;
	core_init(&c, &cfg, &names, NULL);
	logged_len = 0;
	logged[0] = '\0';
	for (i = 0; i < 30; i++) {
		put_record(100 + i, NULL);
		core_step(&c, now_ms, &wall);
		now_ms += 5000;
		wall.tv_sec += 5;
	}
	queue_scan(spool, &q);
	for (k = 0; k < q.n; k++) {
		int busy = 0;
		size_t j;

		for (j = 0; j < c.inflight.n; j++)
			busy |= strcmp(c.inflight.paths[j], q.r[k].path) == 0;
		if (!busy && atoi(strrchr(q.r[k].path, '-') + 1) < 100 + 30 - 6)
			newest = 0;
	}
	CHECK(c.st.dropped_records > 0 && c.st.dropped_records + q.n == 30 && newest,
	      "outage: %llu dropped, %zu kept (the bundle in flight and the newest)",
	      (unsigned long long)c.st.dropped_records, q.n);
	CHECK(c.have_inflight && c.inflight.n > 0, "the bundle in flight is never dropped");
	CHECK(count_lines("dropping the oldest records") == 1 &&
	      count_lines("upload of autoload/v2/mlab/ndt/ndt7/") == 1,
	      "one line for the drop burst, one for the failure, not one per retry");
	now_ms += 61000;
	wall.tv_sec += 61;
	core_step(&c, now_ms, &wall);
	{
		char want[128];

		snprintf(want, sizeof(want), "the drop burst ended: %llu records",
			 (unsigned long long)c.st.dropped_records);
		CHECK(count_lines(want) == 1, "a minute without drops: the burst summed up (%s)",
		      want);
	}
	queue_free(&q);
	core_free(&c);
	sh("rm -rf %s/ndt7", spool);
	sh("rm -f %s/inflight.*", state);
}

static void test_quarantine_full(void)
{
	struct up_config cfg;
	struct core c;
	char q[400], path[500];
	int i;

	fake_reset();
	snprintf(q, sizeof(q), "%s/quarantine", state);
	sh("rm -rf %s", q);
	mkdir(q, 0700);
	for (i = 0; i < QUARANTINE_MAX; i++) {
		snprintf(path, sizeof(path), "%s/old-%04d.json", q, i);
		close(open(path, O_WRONLY | O_CREAT, 0600));
	}
	put_record(7, "[]");
	put_record(8, NULL);
	config(&cfg);
	core_init(&c, &cfg, &names, NULL);
	run(&c, 20);
	snprintf(path, sizeof(path), "%s/ndt7_2026_12_07_ndt7-download-0007.json", q);
	CHECK(c.st.quarantined == 1 && access(path, F_OK) != 0 && spool_count() == 0 &&
	      c.st.records == 1, "a full quarantine: the bad record counted and removed, no copy");
	core_free(&c);
	sh("rm -rf %s", q);
}

/* The plain text of upload i (NUL-terminated, malloc'd), or NULL. */
static char *upload_text(size_t i)
{
	char *plain;
	size_t len;

	if (i >= fake_nuploads || gunzip_buf(fake_uploads[i].data, fake_uploads[i].len, 1 << 24,
					     &plain, &len) < 0)
		return NULL;
	plain = realloc(plain, len + 1);
	plain[len] = '\0';
	return plain;
}

/* The final flush: one bundle per datatype whatever the age, lines in the
 * standard columns; a failure keeps the bundle journaled. */
static void test_flush(void)
{
	struct up_config cfg;
	struct core c;
	struct timespec ts[2] = { { 3 * 86400, 0 }, { 3 * 86400, 0 } };
	char path[600], want[2000], *text;
	size_t nd;
	FILE *f;

	fake_reset();
	sh("rm -rf %s/*", spool);
	sh("rm -rf %s/*", state);
	config(&cfg);
	cfg.bundle_max_age_s = 86400;
	cfg.bundle_max_bytes = 1 << 20;
	cfg.bucket = "archive-x";
	core_init(&c, &cfg, &names, target_open(NULL, NULL, 0));
	put_record(1, NULL);
	put_record(2, NULL);
	/* nothing due by age or size: no upload */
	wall.tv_sec = 1796638500;
	run(&c, 5);
	CHECK(fake_nuploads == 0, "before the flush nothing is due: %zu uploads", fake_nuploads);
	/* a second datatype, its record outside day directories, from 1970-01-04 */
	sh("mkdir -p %s/annotation2", spool);
	snprintf(path, sizeof(path), "%s/annotation2/a.json", spool);
	f = fopen(path, "w");
	fputs("{\"UUID\":\"ann-1\"}\n", f);
	fclose(f);
	utimensat(AT_FDCWD, path, ts, 0);
	CHECK(core_flush(&c, 3000, &wall) == 2 && fake_nuploads == 2 && spool_count() == 0,
	      "flush: 2 bundles (one per datatype), the spool empty: %zu uploads, %zu left",
	      fake_nuploads, spool_count());
	CHECK(fake_timeout_ms > 0 && fake_timeout_ms <= 1500, "flush: each upload bounded: %d ms",
	      fake_timeout_ms);
	nd = strstr(fake_uploads[0].object, "/ndt7/") ? 0 : 1;	/* the oldest went first */
	text = upload_text(nd);
	snprintf(want, sizeof(want), "{\"Date\":\"2026-12-07\",\"Archiver\":{\"Version\":\""
		 UPLOADER_VERSION "\",\"GitCommit\":\"\",\"ArchiveURL\":\"gs://archive-x/%s\","
		 "\"Filename\":\"%s/ndt7/2026/12/07/ndt7-download-0001.json\"},\"Raw\":{\"Git",
		 fake_uploads[nd].object, spool);
	CHECK(text && strncmp(text, want, strlen(want)) == 0 && strstr(text, "}}}\n{\"Date"),
	      "standard columns, the record under Raw: %.300s", text ? text : "(none)");
	free(text);
	text = upload_text(1 - nd);
	CHECK(text && strstr(text, "\"Date\":\"1970-01-04\"") &&
	      strstr(text, ",\"Raw\":{\"UUID\":\"ann-1\"}}\n"),
	      "no day directory: the Date from the mtime: %.300s", text ? text : "(none)");
	free(text);
	core_free(&c);

	/* the target failing: one attempt, the bundle journaled, its records kept */
	fake_reset();
	put_record(3, NULL);
	fake_script[fake_nscript++] = TARGET_RETRY;
	core_init(&c, &cfg, &names, c.target);
	CHECK(core_flush(&c, 3000, &wall) == 0 && fake_nuploads == 1 && spool_count() == 1 &&
	      c.have_inflight && count_lines("not uploaded in the final flush") == 1,
	      "flush failing: %zu uploads, %zu records kept", fake_nuploads, spool_count());
	snprintf(path, sizeof(path), "%s/inflight.journal", state);
	CHECK(access(path, F_OK) == 0, "flush failing: the journal kept");
	target_close(c.target);
	core_free(&c);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/test_uploader_core.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(spool, sizeof(spool), "%s/spool", root);
	snprintf(state, sizeof(state), "%s/state", root);
	mkdir(spool, 0755);
	mkdir(state, 0700);
	test_faults();
	test_crash_resume();
	test_bound();
	test_quarantine_full();
	test_flush();
	fake_reset();
	sh("rm -rf %s", root);
	return tap_done();
}
