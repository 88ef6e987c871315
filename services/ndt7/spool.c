#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The records in dir (ndt7-*.json), unsorted; NULL on error (logged). */
static struct spool_entry *spool_list(const char *dir, size_t *n)
{
	struct spool_entry *e = NULL, *p;
	size_t cap = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);

	*n = 0;
	if (!dp) {
		ndt7_log(LOG_ERR, "spool %s: cannot list: %s", dir, strerror(errno));
		return NULL;
	}
	while ((d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		struct stat st;

		if (strncmp(d->d_name, "ndt7-", 5) != 0 || len < 10 || len >= sizeof(e->name) ||
		    strcmp(d->d_name + len - 5, ".json") != 0 ||
		    fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			p = realloc(e, cap * sizeof(*e));
			if (!p)
				break;
			e = p;
		}
		memcpy(e[*n].name, d->d_name, len + 1);
		e[*n].mtime = st.st_mtim;
		e[*n].size = (uint64_t)st.st_size;
		(*n)++;
	}
	closedir(dp);
	if (!e)
		e = calloc(1, sizeof(*e));
	return e;
}

static void spool_prune(const char *dir, uint64_t max)
{
	struct spool_entry *e;
	size_t n, k, i;
	uint64_t total = 0;

	e = spool_list(dir, &n);
	if (!e)
		return;
	spool_sort(e, n);
	k = spool_prune_count(e, n, max);
	for (i = 0; i < n; i++)
		total += e[i].size;
	for (i = 0; i < k; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, e[i].name);
		if (unlink(path) < 0 && errno != ENOENT) {
			ndt7_log(LOG_ERR, "spool %s: cannot remove %s: %s", dir, e[i].name,
				 strerror(errno));
			continue;
		}
		total -= e[i].size;
		ndt7_log(LOG_INFO, "spool %s: over %llu bytes: removed oldest record %s (%llu bytes; "
			 "%llu bytes left)", dir, (unsigned long long)max, e[i].name,
			 (unsigned long long)e[i].size, (unsigned long long)total);
	}
	free(e);
}

int spool_write(const char *dir, const char *name, const char *data, size_t len, uint64_t max)
{
	char tmp[4096], path[4096];
	size_t off = 0;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		ndt7_log(LOG_ERR, "spool %s: cannot store %s: %s", dir, name, strerror(errno));
		unlink(tmp);
		return -1;
	}
	spool_prune(dir, max);
	return 0;
}
