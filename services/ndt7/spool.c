/* The results spool (spool.h): records named and written atomically, and the
 * directory kept under its size bound by pruning the oldest in batches. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

void ndt7_rfc3339(char *out, size_t cap, const struct timespec *t)
{
	struct tm tm;
	char date[32];

	gmtime_r(&t->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%09ldZ", date, t->tv_nsec);
}

static const char *test_name(enum ndt7_test t)
{
	return t == TEST_UPLOAD ? "upload" : "download";
}

void ndt7_result_name(char *out, size_t cap, const struct ndt7_result *r)
{
	struct tm tm;
	char date[32];

	gmtime_r(&r->test_start.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%S", &tm);
	snprintf(out, cap, "ndt7-%s-%s.%09ldZ.%s.json", test_name(r->test), date,
		 r->test_start.tv_nsec, r->uuid);
}

static void meta_json(struct json *j, const struct ndt7_meta *m, int n)
{
	int i;

	json_lit(j, "[");
	for (i = 0; i < n; i++) {
		json_lit(j, i ? ",{\"Name\":" : "{\"Name\":");
		json_str(j, m[i].name, strlen(m[i].name));
		json_lit(j, ",\"Value\":");
		json_str(j, m[i].value, strlen(m[i].value));
		json_lit(j, "}");
	}
	json_lit(j, "]");
}

static void time_field(struct json *j, const char *key, const struct timespec *t)
{
	char buf[64];

	ndt7_rfc3339(buf, sizeof(buf), t);
	json_printf(j, "\"%s\":\"%s\"", key, buf);
}

void ndt7_result_json(struct json *j, const struct ndt7_result *r)
{
	json_lit(j, "{\"GitShortCommit\":\"\",\"Version\":");
	json_str(j, r->version, strlen(r->version));
	json_lit(j, ",\"ClientIP\":");
	json_str(j, r->client_ip, strlen(r->client_ip));
	json_printf(j, ",\"ClientPort\":%u,\"ServerIP\":", r->client_port);
	json_str(j, r->server_ip, strlen(r->server_ip));
	json_printf(j, ",\"ServerPort\":%u,", r->server_port);
	time_field(j, "StartTime", &r->conn_start);
	json_lit(j, ",");
	time_field(j, "EndTime", &r->test_end);
	json_printf(j, ",\"%s\":{", r->test == TEST_UPLOAD ? "Upload" : "Download");
	time_field(j, "StartTime", &r->test_start);
	json_lit(j, ",");
	time_field(j, "EndTime", &r->test_end);
	json_lit(j, ",\"UUID\":");
	json_str(j, r->uuid, strlen(r->uuid));
	json_lit(j, ",\"ClientMeasurements\":[");
	json_lit(j, r->client_measurements);
	json_lit(j, "],\"ClientMetadata\":");
	meta_json(j, r->client_meta, r->n_client_meta);
	json_lit(j, ",\"ServerMetadata\":");
	meta_json(j, r->server_meta, r->n_server_meta);
	json_lit(j, ",\"ServerMeasurements\":[");
	json_lit(j, r->server_measurements);
	json_lit(j, "]}}\n");
}

static int entry_cmp(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

void spool_sort(struct spool_entry *e, size_t n)
{
	if (n > 1)
		qsort(e, n, sizeof(*e), entry_cmp);
}

size_t spool_prune_count(const struct spool_entry *e, size_t n, uint64_t max)
{
	uint64_t total = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		total += e[i].size;
	while (k + 1 < n && total > max)
		total -= e[k++].size;
	return k;
}

/* The spool's size as this server knows it: every write adds to it,
 * every prune corrects it from a listing. Shared (MAP_SHARED) by the
 * workers forked after spool_open(), so that each sees the others' writes.
 * Only a listing can tell records removed by others (an uploader): the
 * tally then overstates the spool, which at worst brings a listing early. */
struct spool_tally {
	_Atomic uint64_t bytes, records, scans, removed;
};

static struct spool_tally *tally;
static char tally_dir[4096];

static int is_record(const char *name, size_t len)
{
	return strncmp(name, "ndt7-", 5) == 0 && len >= 10 && len < SPOOL_NAME_MAX &&
		strcmp(name + len - 5, ".json") == 0;
}

/* The records in dp (ndt7-*.json), unsorted; NULL on error (logged). */
static struct spool_entry *spool_list(const char *dir, DIR *dp, size_t *n)
{
	struct spool_entry *e = calloc(64, sizeof(*e)), *p;
	size_t cap = 64;
	struct dirent *d;

	*n = 0;
	while (e && (d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		struct stat st;

		if (!is_record(d->d_name, len) ||
		    fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			p = realloc(e, 2 * cap * sizeof(*e));
			if (!p) {
				free(e);
				e = NULL;
				break;
			}
			e = p;
			cap *= 2;
		}
		memcpy(e[*n].name, d->d_name, len + 1);
		e[*n].mtime = st.st_mtim;
		e[*n].size = (uint64_t)st.st_size;
		(*n)++;
	}
	if (!e)
		ndt7_log(LOG_ERR, "spool %s: out of memory listing the records", dir);
	return e;
}

static uint64_t sum_sizes(const struct spool_entry *e, size_t n)
{
	uint64_t total = 0;

	while (n--)
		total += e[n].size;
	return total;
}

/* Remove the k oldest of e[0..n) (sorted); returns the bytes removed. */
static uint64_t spool_remove(const char *dir, DIR *dp, const struct spool_entry *e, size_t k,
			     size_t *removed)
{
	uint64_t bytes = 0;
	size_t i;

	*removed = 0;
	for (i = 0; i < k; i++) {
		if (unlinkat(dirfd(dp), e[i].name, 0) < 0 && errno != ENOENT) {
			ndt7_log(LOG_ERR, "spool %s: cannot remove %s: %s", dir, e[i].name,
				 strerror(errno));
			continue;
		}
		ndt7_log(LOG_DEBUG, "spool %s: removed %s (%llu bytes)", dir, e[i].name,
			 (unsigned long long)e[i].size);
		bytes += e[i].size;
		(*removed)++;
	}
	return bytes;
}

static void prune_log(const char *dir, uint64_t max, const struct spool_entry *e, size_t k,
		      size_t removed, uint64_t gone, uint64_t left, size_t n_left)
{
	if (removed == 1)
		ndt7_log(LOG_INFO, "spool %s: over %llu bytes: removed oldest record %s (%llu bytes; "
			 "%llu bytes left)", dir, (unsigned long long)max, e[0].name,
			 (unsigned long long)gone, (unsigned long long)left);
	else if (removed > 1)
		ndt7_log(LOG_INFO, "spool %s: over %llu bytes: removed oldest record %s (%llu bytes) "
			 "and %zu more up to %s (%llu bytes in all; %llu bytes in %zu records left)",
			 dir, (unsigned long long)max, e[0].name, (unsigned long long)e[0].size,
			 removed - 1, e[k - 1].name, (unsigned long long)gone,
			 (unsigned long long)left, n_left);
}

/* List dir, drop the oldest records until it is SPOOL_MARGIN(max) under
 * max (the newest is kept), and set the tally from what was listed. One
 * process at a time (flock on the directory; busy: another is at it). */
static void spool_prune(const char *dir, uint64_t max)
{
	uint64_t seen_bytes, seen_records, total, gone = 0;
	struct spool_entry *e = NULL;
	size_t n = 0, k = 0, removed = 0;
	DIR *dp = opendir(dir);

	if (!dp) {
		ndt7_log(LOG_ERR, "spool %s: cannot list: %s", dir, strerror(errno));
		return;
	}
	if (flock(dirfd(dp), LOCK_EX | LOCK_NB) < 0) {
		closedir(dp);
		return;
	}
	/* Under the lock: a prune by another process that ended just before
	 * is in the tally already, and the listing sees what it left. */
	seen_bytes = tally->bytes;
	seen_records = tally->records;
	if (!(e = spool_list(dir, dp, &n))) {
		closedir(dp);
		return;
	}
	tally->scans++;
	spool_sort(e, n);
	total = sum_sizes(e, n);
	if (total > max) {
		k = spool_prune_count(e, n, max - SPOOL_MARGIN(max));
		gone = spool_remove(dir, dp, e, k, &removed);
		tally->removed += removed;
		prune_log(dir, max, e, k, removed, gone, total - gone, n - removed);
	}
	/* Writes since seen_* are in the tally; those the listing saw too are
	 * then counted twice (an overstatement the next listing corrects). */
	tally->bytes += total - gone - seen_bytes;
	tally->records += n - removed - seen_records;
	free(e);
	closedir(dp);	/* and the lock */
}

/* A tally for dir: shared memory, from a listing. */
static int tally_open(const char *dir)
{
	struct spool_tally *t = tally;

	if (t && strcmp(tally_dir, dir) == 0)
		return 0;
	if (!t) {
		t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (t == MAP_FAILED) {
			ndt7_log(LOG_ERR, "spool %s: cannot map its tally: %s", dir, strerror(errno));
			return -1;
		}
	}
	memset(t, 0, sizeof(*t));
	tally = t;
	snprintf(tally_dir, sizeof(tally_dir), "%s", dir);
	spool_prune(dir, UINT64_MAX);	/* counts what is there */
	return 0;
}

int spool_open(const char *dir, uint64_t max)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ndt7_log(LOG_ERR, "spool %s: cannot create: %s (create it writable by this user, "
			 "or choose another with --spool-dir)", dir, strerror(errno));
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		ndt7_log(LOG_ERR, "spool %s: not writable: %s (make it writable by this user, "
			 "or choose another with --spool-dir)", dir, strerror(errno));
		return -1;
	}
	if (tally_open(dir) < 0)
		return -1;
	if (tally->bytes > max)
		spool_prune(dir, max);
	return 0;
}

void spool_stats(struct spool_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (tally) {
		out->bytes = tally->bytes;
		out->records = tally->records;
		out->scans = tally->scans;
		out->removed = tally->removed;
	}
}

/* dir/.name.tmp with data; returns 0 or -1 (logged). */
static int write_tmp(const char *dir, const char *tmp, const char *data, size_t len)
{
	size_t off = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		ndt7_log(LOG_ERR, "spool %s: cannot create %s: %s (is the directory writable "
			 "by this user? see --spool-dir)", dir, tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ndt7_log(LOG_ERR, "spool %s: cannot write %s: %s (disk full? lower "
				 "--spool-max-bytes)", dir, tmp, w < 0 ? strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

#ifdef NDT7_TEST_LEAK
/* The ASan test build only: with NDT7_TEST_LEAK=1 in the environment, a
 * copy of each record's name is lost, for the leak check to find. */
char *volatile spool_test_leaked;

static void test_leak(const char *name)
{
	if (getenv("NDT7_TEST_LEAK"))
		spool_test_leaked = strdup(name);
}
#endif

int spool_write(const char *dir, const char *name, const char *data, size_t len, uint64_t max)
{
	char tmp[4096], path[4096];

	if (tally_open(dir) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (write_tmp(dir, tmp, data, len) < 0 || rename(tmp, path) < 0) {
		ndt7_log(LOG_ERR, "spool %s: cannot store %s: %s", dir, name, strerror(errno));
		unlink(tmp);
		return -1;
	}
	tally->bytes += len;
	tally->records++;
#ifdef NDT7_TEST_LEAK
	test_leak(name);
#endif
	if (tally->bytes > max)
		spool_prune(dir, max);
	return 0;
}
