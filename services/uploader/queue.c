/* The spool's records, the next bundle and the spool bound (contract:
 * queue.h). */
#define _GNU_SOURCE
#include "queue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_record(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".json") == 0) ||
	       (n > 8 && strcmp(name + n - 8, ".json.gz") == 0);
}

static int add(struct queue *q, const char *path, const char *datatype, const struct stat *st)
{
	struct rec *r;

	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 256;
		struct rec *p = realloc(q->r, cap * sizeof(*p));

		if (!p)
			return -1;
		q->r = p;
		q->cap = cap;
	}
	r = &q->r[q->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->datatype, sizeof(r->datatype), "%s", datatype);
	r->mtime = st->st_mtim;
	r->size = (uint64_t)st->st_size;
	return 0;
}

/* Hidden names (temporary files) and symbolic links are passed over, as
 * ndt7's own listing does. Closes dfd. */
static int scan_dir(struct queue *q, int dfd, const char *rel, const char *datatype, int depth)
{
	DIR *dp = fdopendir(dfd);
	struct dirent *d;
	int rc = 0;

	if (!dp) {
		close(dfd);
		return 0;
	}
	while (rc == 0 && (d = readdir(dp))) {
		char path[REC_PATH_MAX];
		struct stat st;
		int sub;

		if (d->d_name[0] == '.' ||
		    fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", d->d_name) >=
			    (int)sizeof(path))
			continue;
		if (S_ISREG(st.st_mode) && *datatype && is_record(d->d_name))
			rc = add(q, path, datatype, &st);
		else if (S_ISDIR(st.st_mode) && depth > 0 &&
			 (*datatype || strlen(d->d_name) < DATATYPE_MAX) &&
			 (sub = openat(dirfd(dp), d->d_name,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
			rc = scan_dir(q, sub, path, *datatype ? datatype : d->d_name, depth - 1);
	}
	closedir(dp);
	return rc;
}

int queue_scan(const char *dir, struct queue *q)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	q->n = 0;
	if (fd < 0)
		return -1;
	if (scan_dir(q, fd, "", "", QUEUE_DEPTH) < 0) {
		errno = ENOMEM;
		return -1;
	}
	queue_sort(q);
	return 0;
}

void queue_free(struct queue *q)
{
	free(q->r);
	memset(q, 0, sizeof(*q));
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->path, y->path);
}

void queue_sort(struct queue *q)
{
	if (q->n > 1)
		qsort(q->r, q->n, sizeof(*q->r), rec_cmp);
}

size_t queue_bound(struct queue *q, uint64_t max, uint64_t *bytes)
{
	uint64_t total = 0;
	size_t i, k = 0;

	*bytes = 0;
	for (i = 0; i < q->n; i++)
		total += q->r[i].size;
	if (max == 0)
		return 0;
	for (i = 0; i + 1 < q->n && total > max; i++) {
		if (q->r[i].busy)
			continue;
		q->r[i].drop = 1;
		total -= q->r[i].size;
		*bytes += q->r[i].size;
		k++;
	}
	return k;
}

static int waiting(const struct rec *r)
{
	return !r->busy && !r->drop;
}

size_t queue_pick(const struct queue *q, uint64_t max_bytes, long max_age_s,
		  const struct timespec *now, size_t *idx, long *wake_s)
{
	const char *best = NULL;
	size_t i, n = 0;
	uint64_t sum = 0;

	*wake_s = -1;
	/* Oldest first: the first waiting record of each datatype is its
	 * oldest; a datatype is due by age or by the bytes it has waiting. */
	for (i = 0; i < q->n && !best; i++) {
		const struct rec *r = &q->r[i];
		long age = (long)(now->tv_sec - r->mtime.tv_sec);
		uint64_t bytes = 0;
		size_t j;

		if (!waiting(r))
			continue;
		for (j = 0; j < i; j++)
			if (waiting(&q->r[j]) && strcmp(q->r[j].datatype, r->datatype) == 0)
				break;
		if (j < i)
			continue;	/* not its datatype's oldest */
		if (age >= max_age_s) {
			best = r->datatype;
			break;
		}
		for (j = i; j < q->n && bytes < max_bytes; j++)
			if (waiting(&q->r[j]) && strcmp(q->r[j].datatype, r->datatype) == 0)
				bytes += q->r[j].size;
		if (bytes >= max_bytes)
			best = r->datatype;
		else if (*wake_s < 0 || max_age_s - age < *wake_s)
			*wake_s = max_age_s - age;
	}
	if (!best)
		return 0;
	for (i = 0; i < q->n; i++) {
		const struct rec *r = &q->r[i];

		if (!waiting(r) || strcmp(r->datatype, best) != 0)
			continue;
		if (n > 0 && sum + r->size > max_bytes)
			break;
		sum += r->size;
		idx[n++] = i;
	}
	return n;
}

void queue_depth(const struct queue *q, size_t *records, uint64_t *bytes, time_t *oldest)
{
	size_t i;

	*records = 0;
	*bytes = 0;
	*oldest = 0;
	for (i = 0; i < q->n; i++) {
		if (!waiting(&q->r[i]))
			continue;
		if (!*records)
			*oldest = q->r[i].mtime.tv_sec;
		(*records)++;
		*bytes += q->r[i].size;
	}
}
