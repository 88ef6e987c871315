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
	_Atomic int full;	/* errno of the last failed write: ENOSPC, EDQUOT or
				 * EROFS (logged once), or 0 */
};

static struct spool_tally *tally;
static char tally_dir[4096];

static void disk_full_note(const char *dir, int err);

/* Errors a full or read-only disk gives: said once, not at every test. */
static int disk_full_errno(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EROFS;
}

static int is_record(const char *name, size_t len)
{
	return strncmp(name, "ndt7-", 5) == 0 && len >= 10 &&
		(strcmp(name + len - 5, ".json") == 0 || strcmp(name + len - 8, ".json.gz") == 0);
}

struct listing {
	struct spool_entry *e;
	size_t n, cap;
	int failed;		/* out of memory */
};

static void list_add(struct listing *l, const char *path, const struct stat *st)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct spool_entry *p = realloc(l->e, cap * sizeof(*p));

		if (!p) {
			l->failed = 1;
			return;
		}
		l->e = p;
		l->cap = cap;
	}
	snprintf(l->e[l->n].name, sizeof(l->e[l->n].name), "%s", path);
	l->e[l->n].mtime = st->st_mtim;
	l->e[l->n].size = (uint64_t)st->st_size;
	l->n++;
}

/* The records in directory dfd (rel: its path in the spool, "" for the
 * top) and up to depth levels of directories below it; closes dfd. Hidden
 * names (temporary files) and symbolic links are passed over. */
static void list_dir(struct listing *l, int dfd, const char *rel, int depth)
{
	DIR *dp = fdopendir(dfd);
	struct dirent *d;

	if (!dp) {
		close(dfd);
		return;
	}
	while (!l->failed && (d = readdir(dp))) {
		char path[SPOOL_NAME_MAX];
		struct stat st;
		int sub;

		if (d->d_name[0] == '.' ||
		    fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
			     d->d_name) >= (int)sizeof(path))
			continue;
		if (S_ISREG(st.st_mode) && is_record(d->d_name, strlen(d->d_name)))
			list_add(l, path, &st);
		else if (S_ISDIR(st.st_mode) && depth > 0 &&
			 (sub = openat(dirfd(dp), d->d_name,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
			list_dir(l, sub, path, depth - 1);
	}
	closedir(dp);
}

/* The records under the spool's directory fd top, unsorted; NULL on error
 * (logged). */
static struct spool_entry *spool_list(const char *dir, int top, size_t *n)
{
	struct listing l = { 0 };
	int fd = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		ndt7_log(LOG_ERR, "spool %s: cannot list: %s", dir, strerror(errno));
		return NULL;
	}
	list_dir(&l, fd, "", SPOOL_DEPTH);
	if (!l.failed && !l.e)
		l.e = malloc(sizeof(*l.e));
	if (l.failed || !l.e) {
		ndt7_log(LOG_ERR, "spool %s: out of memory listing the records", dir);
		free(l.e);
		return NULL;
	}
	*n = l.n;
	return l.e;
}

static uint64_t sum_sizes(const struct spool_entry *e, size_t n)
{
	uint64_t total = 0;

	while (n--)
		total += e[n].size;
	return total;
}

/* Remove the directories of path that are empty, innermost first, up to
 * the top. A writer that made one just now finds it gone and makes it
 * again (spool_write). */
static void remove_empty_dirs(int top, const char *path)
{
	char d[SPOOL_NAME_MAX];
	char *slash;

	snprintf(d, sizeof(d), "%s", path);
	while ((slash = strrchr(d, '/'))) {
		*slash = '\0';
		if (unlinkat(top, d, AT_REMOVEDIR) < 0)
			break;
	}
}

static int same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	if (!sa || !sb)
		return !sa && !sb;
	return sa - a == sb - b && strncmp(a, b, (size_t)(sa - a)) == 0;
}

/* Remove the k oldest of e[0..n) (sorted), and the day directories they
 * leave empty; returns the bytes removed. */
static uint64_t spool_remove(const char *dir, int top, const struct spool_entry *e, size_t k,
			     size_t *removed)
{
	uint64_t bytes = 0;
	size_t i;

	*removed = 0;
	for (i = 0; i < k; i++) {
		if (unlinkat(top, e[i].name, 0) < 0 && errno != ENOENT) {
			ndt7_log(LOG_ERR, "spool %s: cannot remove %s: %s", dir, e[i].name,
				 strerror(errno));
			continue;
		}
		ndt7_log(LOG_DEBUG, "spool %s: removed %s (%llu bytes)", dir, e[i].name,
			 (unsigned long long)e[i].size);
		bytes += e[i].size;
		(*removed)++;
		if (strchr(e[i].name, '/') && (i + 1 == k || !same_dir(e[i].name, e[i + 1].name)))
			remove_empty_dirs(top, e[i].name);
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
	if (!(e = spool_list(dir, dirfd(dp), &n))) {
		closedir(dp);
		return;
	}
	tally->scans++;
	spool_sort(e, n);
	total = sum_sizes(e, n);
	if (total > max) {
		k = spool_prune_count(e, n, max - SPOOL_MARGIN(max));
		gone = spool_remove(dir, dirfd(dp), e, k, &removed);
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
	if (access(dir, W_OK | X_OK) < 0 && errno != EROFS) {
		ndt7_log(LOG_ERR, "spool %s: not writable: %s (make it writable by this user, "
			 "or choose another with --spool-dir)", dir, strerror(errno));
		return -1;
	}
	/* Read-only (the data partition had errors): the server still
	 * measures; said once here, the writes then fail quietly. */
	if (tally_open(dir) < 0)
		return -1;
	if (access(dir, W_OK | X_OK) < 0 && errno == EROFS)
		disk_full_note(dir, EROFS);
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

/* The directories of name (a path below dir), made as needed: 0775, so
 * that the uploader (group ndt7) removes the records it has uploaded (and
 * the day directories it empties); chmod because the umask would take the
 * group's write away. Returns 0 or -1 (logged). */
static int make_dirs(const char *dir, const char *name)
{
	char path[4096];
	size_t base = (size_t)snprintf(path, sizeof(path), "%s/", dir), i;

	for (i = 0; name[i] && base + i < sizeof(path) - 1; i++) {
		path[base + i] = '\0';
		if (name[i] == '/' && mkdir(path, 0775) == 0)
			chmod(path, 0775);
		else if (name[i] == '/' && errno != EEXIST) {
			if (disk_full_errno(errno)) {
				disk_full_note(dir, errno);
				return -1;
			}
			ndt7_log(LOG_ERR, "spool %s: cannot create %s: %s (is the directory "
				 "writable by this user? see --spool-dir)", dir, path, strerror(errno));
			return -1;
		}
		path[base + i] = name[i];
	}
	return 0;
}

/* tmp with data; returns 0, or -1 with errno (the file removed). 0640:
 * the uploader (group ndt7) reads it, others have no business with who
 * tested from where. */
static int write_tmp(const char *tmp, const char *data, size_t len)
{
	size_t off = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	/* On disk before the rename: a power cut leaves the record whole or
	 * absent, never empty under its final name. */
	if (fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* A full (or read-only) disk is said once, and once when it is over:
 * every test would repeat it, and the server goes on measuring meanwhile.
 * err: the write's errno, or 0 after a good write. */
static void disk_full_note(const char *dir, int err)
{
	int was = atomic_exchange(&tally->full, err);

	if (err == EROFS && was != EROFS)
		ndt7_log(LOG_ERR, "spool %s: read-only file system: results are not saved "
			 "(tests go on; repair the data partition, see the console at boot)", dir);
	else if (err && err != EROFS && (!was || was == EROFS))
		ndt7_log(LOG_ERR, "spool %s: disk full: results are not saved until there is "
			 "space again (tests go on; free space or lower --spool-max-bytes)", dir);
	else if (!err && was)
		ndt7_log(LOG_INFO, "spool %s: space again: results are saved again", dir);
}

/* name as dir/name, through dir/DIRS/.BASE.tmp and a rename; the
 * directories made, again if a prune removed them as empty meanwhile.
 * Returns 0 or -1 (logged). */
static int store(const char *dir, const char *name, const char *data, size_t len)
{
	const char *base = strrchr(name, '/');
	char tmp[4096], path[4096];
	int tries = 0, rc;

	base = base ? base + 1 : name;
	snprintf(tmp, sizeof(tmp), "%s/%.*s.%s.tmp", dir, (int)(base - name), name, base);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	do {
		if (make_dirs(dir, name) < 0)
			return -1;
		rc = write_tmp(tmp, data, len);
	} while (rc < 0 && errno == ENOENT && base != name && ++tries < 4);
	if (rc < 0 && disk_full_errno(errno)) {
		disk_full_note(dir, errno);
		return -1;
	}
	if (rc < 0) {
		ndt7_log(LOG_ERR, "spool %s: cannot write %s: %s (disk full? lower "
			 "--spool-max-bytes; not writable? see --spool-dir)", dir, tmp, strerror(errno));
		return -1;
	}
	if (rename(tmp, path) < 0) {
		ndt7_log(LOG_ERR, "spool %s: cannot store %s: %s", dir, name, strerror(errno));
		unlink(tmp);
		return -1;
	}
	disk_full_note(dir, 0);
	return 0;
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
	if (tally_open(dir) < 0 || store(dir, name, data, len) < 0)
		return -1;
	tally->bytes += len;
	tally->records++;
#ifdef NDT7_TEST_LEAK
	test_leak(name);
#endif
	if (tally->bytes > max)
		spool_prune(dir, max);
	return 0;
}
