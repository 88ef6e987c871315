/* Unit tests for services/ndt7/spool.c and result.c: pruning choices,
 * record paths (ndt7/YYYY/MM/DD/...) and JSON, and spool_write into a
 * temporary directory (atomic, bounded, pruning logged, across day
 * directories, in batches: a listing per SPOOL_MARGIN bytes, not per
 * record; a tally shared by forked workers). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "result.h"
#include "spool.h"
#include "tap.h"

struct prune_case {
	const char *name;
	uint64_t sizes[5];
	size_t n;
	uint64_t max;
	size_t remove;
};

static const struct prune_case prune_cases[] = {
	{ "empty", { 0 }, 0, 100, 0 },
	{ "under", { 10, 20, 30 }, 3, 100, 0 },
	{ "exactly at the bound", { 50, 50 }, 2, 100, 0 },
	{ "one over", { 50, 50, 1 }, 3, 100, 1 },
	{ "several", { 40, 40, 40, 40, 40 }, 5, 100, 3 },
	{ "newest alone over the bound is kept", { 10, 500 }, 2, 100, 1 },
	{ "bound 0 keeps the newest", { 1, 1, 1 }, 3, 0, 2 },
};

static void test_prune_count(void)
{
	struct spool_entry e[5];
	size_t i, k;

	for (i = 0; i < sizeof(prune_cases) / sizeof(prune_cases[0]); i++) {
		for (k = 0; k < prune_cases[i].n; k++)
			e[k].size = prune_cases[i].sizes[k];
		CHECK(spool_prune_count(e, prune_cases[i].n, prune_cases[i].max) ==
		      prune_cases[i].remove, "prune %s: remove %zu", prune_cases[i].name,
		      prune_cases[i].remove);
	}
}

static void test_sort(void)
{
	struct spool_entry e[3] = {
		{ "c", { 5, 0 }, 1 }, { "b", { 3, 9 }, 1 }, { "a", { 5, 0 }, 1 },
	};

	spool_sort(e, 3);
	CHECK(strcmp(e[0].name, "b") == 0 && strcmp(e[1].name, "a") == 0 &&
	      strcmp(e[2].name, "c") == 0, "sorted by mtime, then name");
}

static struct ndt7_result sample(void)
{
	static const struct ndt7_meta cm[] = { { "client_library_name", "ndt7-js" },
					       { "q\"x", "a\\b" } };
	static const struct ndt7_meta sm[] = { { "deployment", "fathom" } };
	struct ndt7_result r = {
		.test = TEST_UPLOAD, .git_commit = "abc1234", .version = "v1", .client_port = 40000, .server_port = 443,
		.conn_start = { 1563305165, 987748459 }, .test_start = { 1563305165, 987853779 },
		.test_end = { 1563305176, 8677965 }, .uuid = "host_1_2_00000003",
		.client_meta = cm, .n_client_meta = 2, .server_meta = sm, .n_server_meta = 1,
		.client_measurements = "", .server_measurements = "{\"AppInfo\":{}},{}",
	};

	snprintf(r.client_ip, sizeof(r.client_ip), "::1");
	snprintf(r.server_ip, sizeof(r.server_ip), "192.0.2.10");
	return r;
}

struct path_case {
	const char *name;
	enum ndt7_test test;
	struct timespec end;
	int gzip;
	const char *path;
};

static const struct path_case path_cases[] = {
	{ "upload", TEST_UPLOAD, { 1563305176, 8677965 }, 0,
	  "ndt7/2019/07/16/ndt7-upload-20190716T192616.008677965Z.host_1_00000000000157C6.json" },
	{ "download, gzipped", TEST_DOWNLOAD, { 1563305176, 8677965 }, 1,
	  "ndt7/2019/07/16/ndt7-download-20190716T192616.008677965Z.host_1_00000000000157C6.json.gz" },
	{ "last nanosecond of a day (UTC)", TEST_DOWNLOAD, { 1704153599, 999999999 }, 0,
	  "ndt7/2024/01/01/ndt7-download-20240101T235959.999999999Z.host_1_00000000000157C6.json" },
	{ "first of the next, and of a year", TEST_UPLOAD, { 1704067200, 0 }, 0,
	  "ndt7/2024/01/01/ndt7-upload-20240101T000000.000000000Z.host_1_00000000000157C6.json" },
	{ "leap day", TEST_UPLOAD, { 1709208000, 5 }, 1,
	  "ndt7/2024/02/29/ndt7-upload-20240229T120000.000000005Z.host_1_00000000000157C6.json.gz" },
};

static void test_path(void)
{
	struct ndt7_result r = sample();
	char path[SPOOL_NAME_MAX];
	size_t i;

	r.uuid = "host_1_00000000000157C6";
	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		r.test = path_cases[i].test;
		r.test_end = path_cases[i].end;
		ndt7_result_path(path, sizeof(path), &r, path_cases[i].gzip);
		CHECK(strcmp(path, path_cases[i].path) == 0, "record path, %s (got %s)",
		      path_cases[i].name, path);
	}
}

static const struct {
	const char *name;
	int kept;
} meta_cases[] = {
	{ "client_library_name", 1 }, { "client_os", 1 }, { "access_token", 0 },
	{ "server_foo", 0 }, { "server_", 0 }, { "", 0 }, { "Access_token", 1 },
	{ "access_token2", 1 }, { "serverx", 1 },
};

static void test_meta_kept(void)
{
	size_t i;

	for (i = 0; i < sizeof(meta_cases) / sizeof(meta_cases[0]); i++)
		CHECK(ndt7_client_meta_kept(meta_cases[i].name) == meta_cases[i].kept,
		      "ClientMetadata %s \"%s\"", meta_cases[i].kept ? "keeps" : "leaves out",
		      meta_cases[i].name);
}

static void test_record(void)
{
	struct ndt7_result r = sample();
	char ts[64];
	struct json j;

	ndt7_rfc3339(ts, sizeof(ts), &r.test_end);
	CHECK(strcmp(ts, "2019-07-16T19:26:16.008677965Z") == 0, "RFC 3339 with nanoseconds");
	json_init(&j, 0);
	ndt7_result_json(&j, &r);
	CHECK(json_ok(&j) && json_is_object(j.buf, j.len - 1, 8) && j.buf[j.len - 1] == '\n',
	      "record is one JSON object and a newline");
	CHECK(strstr(j.buf, "{\"GitShortCommit\":\"abc1234\",\"Version\":\"v1\","
		     "\"ServerIP\":\"192.0.2.10\",\"ServerPort\":443,\"ClientIP\":\"::1\","
		     "\"ClientPort\":40000,\"StartTime\":\"2019-07-16T19:26:05.987748459Z\","
		     "\"EndTime\":\"2019-07-16T19:26:16.008677965Z\",\"Upload\":{"
		     "\"UUID\":\"host_1_2_00000003\","
		     "\"StartTime\":\"2019-07-16T19:26:05.987853779Z\","
		     "\"EndTime\":\"2019-07-16T19:26:16.008677965Z\","
		     "\"ServerMeasurements\":[{\"AppInfo\":{}},{}],\"ClientMeasurements\":[],") &&
	      strstr(j.buf, "{\"Name\":\"q\\\"x\",\"Value\":\"a\\\\b\"}") &&
	      strstr(j.buf, "\"ServerMetadata\":[{\"Name\":\"deployment\",\"Value\":\"fathom\"}]}}") &&
	      !strstr(j.buf, "Download"), "record fields in upstream's order");
	if (!strstr(j.buf, "\"GitShortCommit\":\"abc1234\",\"Version"))
		printf("#   %s", j.buf);
	json_free(&j);
}

/* Names of the files in dir, sorted, joined by spaces. */
static void listing(const char *dir, char *out, size_t cap)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), i;
	size_t len = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		/* leftover temporary files (".name.tmp") are listed too */
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
			len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? " " : "",
						 names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

static void test_write(void)
{
	char dir[] = "/tmp/test_ndt7_spool.XXXXXX", list[1024], logname[64], log[4096] = "";
	char data[100];
	int saved = dup(2), fd, i;
	FILE *f;

	memset(data, 'x', sizeof(data));
	snprintf(logname, sizeof(logname), "%s.log", dir);
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(logname, sizeof(logname), "%s.log", dir);
	fd = open(logname, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	for (i = 1; i <= 4; i++) {
		char name[64];
		struct timespec t[2] = { { 1000 + i, 0 }, { 1000 + i, 0 } };
		char path[128];

		snprintf(name, sizeof(name), "ndt7-download-%d.json", 5 - i);	/* names sort backwards */
		spool_write(dir, name, data, sizeof(data), 250);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		utimensat(AT_FDCWD, path, t, 0);	/* so age order is explicit */
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	listing(dir, list, sizeof(list));
	/* With 100-byte records and a bound of 250, two stay: the newest two. */
	CHECK(strcmp(list, "ndt7-download-1.json ndt7-download-2.json") == 0,
	      "the oldest records were pruned (left: %s)", list);
	f = fopen(logname, "r");
	if (f) {
		size_t n = fread(log, 1, sizeof(log) - 1, f);

		log[n] = '\0';
		fclose(f);
	}
	CHECK(strstr(log, "removed oldest record ndt7-download-4.json (100 bytes") &&
	      strstr(log, "removed oldest record ndt7-download-3.json"), "pruning is logged");
	CHECK(spool_write("/nonexistent/dir", "ndt7-x.json", "x", 1, 100) == -1,
	      "an unwritable spool is an error");
	for (i = 1; i <= 4; i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/ndt7-download-%d.json", dir, i);
		unlink(path);
	}
	rmdir(dir);
	unlink(logname);
}

/* n records of size bytes, "ndt7-download-<first + i>.json", the older the
 * lower their number. */
static void make_records(const char *dir, int first, int n, size_t size)
{
	char path[256], data[1000];
	int i;

	memset(data, 'r', sizeof(data));
	for (i = 0; i < n; i++) {
		struct timespec t[2] = { { 100000 + first + i, 0 }, { 100000 + first + i, 0 } };
		int fd;

		snprintf(path, sizeof(path), "%s/ndt7-download-%06d.json", dir, first + i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, data, size) != (ssize_t)size)
			CHECK(0, "cannot make %s", path);
		close(fd);
		utimensat(AT_FDCWD, path, t, 0);
	}
}

/* Records in dir: how many, their bytes, and the lowest number left. */
static int records_in(const char *dir, uint64_t *bytes, int *oldest)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	*bytes = 0;
	*oldest = 1 << 30;
	while (dp && (d = readdir(dp))) {
		struct stat st;
		char path[512];
		int num;

		if (sscanf(d->d_name, "ndt7-download-%d.json", &num) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (stat(path, &st) == 0)
			*bytes += (uint64_t)st.st_size;
		if (num < *oldest)
			*oldest = num;
		n++;
	}
	if (dp)
		closedir(dp);
	return n;
}

static void remove_all(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	char path[512];

	while (dp && (d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
	}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

/* write n 100-byte records numbered from first (newer than any before). */
static void write_records(const char *dir, int first, int n, uint64_t max)
{
	char name[64], data[100];
	int i;

	memset(data, 'w', sizeof(data));
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "ndt7-download-%06d.json", first + i);
		if (spool_write(dir, name, data, sizeof(data), max) < 0)
			CHECK(0, "spool_write %s", name);
	}
}

/* 2,000 records at the bound; 300 more: listed a few times, not 300. */
static void test_batches(void)
{
	char dir[] = "/tmp/test_ndt7_spool.XXXXXX";
	const uint64_t max = 200000;
	struct spool_stats st;
	uint64_t bytes, removed, scans;
	int saved = dup(2), devnull = open("/dev/null", O_WRONLY), n, oldest, k;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	make_records(dir, 0, 2000, 100);
	dup2(devnull, 2);
	CHECK(spool_open(dir, max) == 0, "spool_open on a spool at its bound");
	spool_stats(&st);
	CHECK(st.records == 2000 && st.bytes == 200000 && st.scans == 1 && st.removed == 0,
	      "spool_open counts what is there (%llu records, %llu bytes)",
	      (unsigned long long)st.records, (unsigned long long)st.bytes);
	write_records(dir, 1000000, 300, max);
	dup2(saved, 2);
	spool_stats(&st);
	n = records_in(dir, &bytes, &oldest);
	/* Over the bound by one record, the spool drops to max - margin:
	 * margin / 100 + 1 records go at once (63 for a margin of 6,250), the
	 * next listing comes as many writes later. */
	CHECK(st.scans - 1 == (300 + SPOOL_MARGIN(max) / 100) / (SPOOL_MARGIN(max) / 100 + 1),
	      "300 writes over the bound: %llu listings, not 300", (unsigned long long)st.scans - 1);
	CHECK(bytes <= max && n == 2300 - (int)st.removed && st.removed >= 300,
	      "the spool stays under its bound (%llu bytes in %d records, %llu removed)",
	      (unsigned long long)bytes, n, (unsigned long long)st.removed);
	CHECK(oldest == (int)st.removed, "the oldest records went first (oldest left: %d)", oldest);
	CHECK(st.bytes == bytes && st.records == (uint64_t)n, "the tally matches the directory");
	/* An uploader removes records behind the server's back: the tally
	 * overstates; once it says "over", one listing puts it right and
	 * nothing is pruned. */
	removed = st.removed;
	scans = st.scans;
	remove_all(dir);
	mkdir(dir, 0700);
	make_records(dir, 0, 10, 100);
	k = (int)((max - bytes) / 100) + 1;	/* writes until the tally says "over" */
	dup2(devnull, 2);
	write_records(dir, 2000000, k, max);
	dup2(saved, 2);
	spool_stats(&st);
	CHECK(st.scans == scans + 1 && st.removed == removed && st.records == (uint64_t)(10 + k) &&
	      st.bytes == 100 * st.records,
	      "records removed by others: one listing corrects the tally (%llu records)",
	      (unsigned long long)st.records);
	close(devnull);
	close(saved);
	remove_all(dir);
}

/* Two processes (workers) share the tally set up before the fork. */
static void test_shared(void)
{
	char dir[] = "/tmp/test_ndt7_spool.XXXXXX";
	const uint64_t max = 20000;
	struct spool_stats st;
	uint64_t bytes;
	int saved = dup(2), devnull = open("/dev/null", O_WRONLY), n, oldest, status = -1;
	pid_t pid;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	dup2(devnull, 2);
	spool_open(dir, max);
	pid = fork();
	if (pid == 0) {
		write_records(dir, 0, 300, max);
		_exit(0);
	}
	write_records(dir, 500000, 300, max);
	waitpid(pid, &status, 0);
	dup2(saved, 2);
	spool_stats(&st);
	n = records_in(dir, &bytes, &oldest);
	CHECK(status == 0 && bytes <= max && st.records >= (uint64_t)n &&
	      st.records - (uint64_t)n <= 10 && st.bytes >= bytes,
	      "two writers: the spool under its bound (%llu bytes), the tally at most a little "
	      "over (%llu records counted, %d there)", (unsigned long long)bytes,
	      (unsigned long long)st.records, n);
	CHECK(st.scans <= 2 * 600 / (SPOOL_MARGIN(max) / 100 + 1) + 2,
	      "two writers of 300 records each: %llu listings, not 600",
	      (unsigned long long)st.scans);
	close(devnull);
	close(saved);
	remove_all(dir);
}

/* Pruning across day directories, step by step: each step writes records
 * ("DAY/NAME", 100 bytes, each newer than the last) with a bound, then the
 * spool holds exactly `left` and the directories `gone` are removed. */
struct day_step {
	const char *write[8];
	uint64_t max;
	const char *left;
	const char *gone[3], *kept[3];
};

static const struct day_step day_steps[] = {
	{ { "2024/01/30/a", "2024/01/30/b", "2024/01/30/c", "2024/01/31/d", "2024/01/31/e",
	    "2024/01/31/f", "2024/02/01/g", "2024/02/01/h" }, 100000,
	  "01/30/a 01/30/b 01/30/c 01/31/d 01/31/e 01/31/f 02/01/g 02/01/h",
	  { NULL }, { "ndt7/2024/01/30", NULL } },
	/* 900 bytes over 450: down to 436, the newest four; a day emptied */
	{ { "2024/02/01/i" }, 450, "01/31/f 02/01/g 02/01/h 02/01/i",
	  { "ndt7/2024/01/30", NULL }, { "ndt7/2024/01/31", "ndt7/2024/01", NULL } },
	/* across a month: January's last day and January go */
	{ { "2024/02/02/j", "2024/02/02/k" }, 450, "02/01/h 02/01/i 02/02/j 02/02/k",
	  { "ndt7/2024/01/31", "ndt7/2024/01", NULL }, { "ndt7/2024/02/01", "ndt7/2024", NULL } },
	/* the newest alone over the bound stays; everything else goes */
	{ { "2025/01/01/l" }, 50, "01/01/l",
	  { "ndt7/2024", NULL }, { "ndt7/2025/01/01", NULL } },
};

/* The records under dir/ndt7/YYYY as "MM/DD/NAME" sorted, joined by
 * spaces; temporary files too. */
static void day_listing(const char *dir, char *out, size_t cap)
{
	char cmd[512];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "cd %s/ndt7 && find . -type f | sed 's|^\\./[0-9]*/||; "
		 "s|ndt7-download-||; s|\\.json$||' | sort | tr '\\n' ' '", dir);
	out[0] = '\0';
	if (!(p = popen(cmd, "r")))
		return;
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	if (n && out[n - 1] == ' ')
		out[n - 1] = '\0';
	pclose(p);
}

static void test_days(void)
{
	char dir[] = "/tmp/test_ndt7_spool.XXXXXX", list[1024], path[512], cmd[600];
	int saved = dup(2), devnull = open("/dev/null", O_WRONLY), seq = 0;
	char data[100];
	size_t i, k;

	memset(data, 'd', sizeof(data));
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	for (i = 0; i < sizeof(day_steps) / sizeof(day_steps[0]); i++) {
		const struct day_step *st = &day_steps[i];
		struct stat sb;
		int ok = 1;

		dup2(devnull, 2);
		for (k = 0; k < 8 && st->write[k]; k++) {
			char name[128];
			struct timespec t[2] = { { 5000 + seq, 0 }, { 5000 + seq, 0 } };

			seq++;
			snprintf(name, sizeof(name), "ndt7/%.*s/ndt7-download-%s.json", 10,
				 st->write[k], st->write[k] + 11);
			ok &= spool_write(dir, name, data, sizeof(data), st->max) == 0;
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			utimensat(AT_FDCWD, path, t, 0);	/* age order explicit */
		}
		dup2(saved, 2);
		day_listing(dir, list, sizeof(list));
		CHECK(ok && strcmp(list, st->left) == 0, "days, step %zu: left %s (got %s)", i + 1,
		      st->left, list);
		for (k = 0; k < 3 && st->gone[k]; k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, st->gone[k]);
			CHECK(stat(path, &sb) < 0, "days, step %zu: empty %s removed", i + 1,
			      st->gone[k]);
		}
		for (k = 0; k < 3 && st->kept[k]; k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, st->kept[k]);
			CHECK(stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0775,
			      "days, step %zu: %s kept, mode %o", i + 1, st->kept[k],
			      (unsigned)(sb.st_mode & 07777));
		}
	}
	close(devnull);
	close(saved);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0, "%s", cmd);
}

int main(void)
{
	test_prune_count();
	test_sort();
	test_record();
	test_path();
	test_meta_kept();
	test_days();
	test_write();
	test_batches();
	test_shared();
	return tap_done();
}
