/* Building a bundle from spooled records (contract: bundle.h). */
#define _GNU_SOURCE
#include "bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/log.h"
#include "shape.h"

int gunzip_buf(const unsigned char *in, size_t len, size_t max, char **out, size_t *outlen)
{
	z_stream z = { 0 };
	size_t cap = len * 4 + 1024, used = 0;
	char *buf = NULL;
	int rc = Z_OK;

	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	while (rc != Z_STREAM_END) {
		char *p;

		if (cap > max + 1)
			cap = max + 1;
		if (!(p = realloc(buf, cap)))
			break;
		buf = p;
		z.next_out = (unsigned char *)buf + used;
		z.avail_out = (uInt)(cap - used);
		rc = inflate(&z, Z_NO_FLUSH);
		used = cap - z.avail_out;
		if (rc != Z_OK && rc != Z_STREAM_END)
			break;
		if (rc == Z_OK && z.avail_out == 0) {
			if (cap > max)
				break;
			cap *= 2;
		} else if (rc == Z_OK) {
			break;	/* input ended before the stream did */
		}
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END || used > max) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = used;
	return 0;
}

/* The whole file, at most max bytes: 0, or -1 with errno (EFBIG: larger). */
static int read_file(int dir, const char *path, size_t max, char **out, size_t *len)
{
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;
	char *buf;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > max) {
		errno = errno ? errno : EFBIG;
		if ((uint64_t)st.st_size > max)
			errno = EFBIG;
		close(fd);
		return -1;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*out = buf;
	*len = got;
	return 0;
}

/* How many files quarantine_dir holds (stops counting at QUARANTINE_MAX). */
static size_t quarantine_count(const char *qdir)
{
	DIR *dp = opendir(qdir);
	struct dirent *d;
	size_t n = 0;

	if (!dp)
		return 0;
	while (n < QUARANTINE_MAX && (d = readdir(dp)))
		n += d->d_name[0] != '.';
	closedir(dp);
	return n;
}

/* Move a refused record out of the spool (rename, or copy and remove when
 * the quarantine is on another file system), flattened to one name. A
 * full quarantine (QUARANTINE_MAX files: the state directory must not
 * fill up with a misbehaving writer's output) keeps no copy. */
static void quarantine(int spool, const char *spool_dir, const char *qdir, const char *path,
		       const char *data, size_t len, const char *why)
{
	char name[REC_PATH_MAX + 8], dst[4096];
	size_t i;
	int fd;

	if (quarantine_count(qdir) >= QUARANTINE_MAX) {
		if (unlinkat(spool, path, 0) < 0 && errno != ENOENT)
			log_err("spool %s: cannot remove bad record %s: %s", spool_dir, path,
				strerror(errno));
		log_warn("record %s/%s refused: %s; removed, the quarantine %s being full (%d "
			 "files; counted in uploader_quarantined_records_total)", spool_dir, path,
			 why, qdir, QUARANTINE_MAX);
		return;
	}

	snprintf(name, sizeof(name), "%s", path);
	for (i = 0; name[i]; i++)
		if (name[i] == '/')
			name[i] = '_';
	snprintf(dst, sizeof(dst), "%s/%s", qdir, name);
	mkdir(qdir, 0700);
	if (renameat(spool, path, AT_FDCWD, dst) < 0) {
		fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			if (write(fd, data, len) != (ssize_t)len)
				log_warn("quarantine %s: short write", dst);
			close(fd);
		}
		if (unlinkat(spool, path, 0) < 0 && errno != ENOENT)
			log_err("spool %s: cannot remove bad record %s: %s (is the uploader in "
				"group ndt7 and the directory group-writable?)", spool_dir, path,
				strerror(errno));
	}
	log_warn("record %s/%s refused: %s; moved to %s (counted in "
		 "uploader_quarantined_records_total)", spool_dir, path, why, dst);
}

/* The gzip stream a bundle grows in: records are compressed as they are
 * added, so a bundle costs its compressed size in memory, not its 20 MiB
 * of JSON Lines. */
struct gz {
	z_stream z;
	unsigned char *out;
	size_t cap;
	uint64_t raw;
};

static int gz_init(struct gz *g)
{
	memset(g, 0, sizeof(*g));
	return deflateInit2(&g->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

/* Compress n bytes (flush: Z_NO_FLUSH or Z_FINISH). */
static int gz_put(struct gz *g, const char *p, size_t n, int flush)
{
	int rc;

	g->z.next_in = (unsigned char *)p;
	g->z.avail_in = (uInt)n;
	g->raw += n;
	do {
		if (g->z.total_out == g->cap) {
			size_t c = g->cap ? g->cap * 2 : 65536;
			unsigned char *q = realloc(g->out, c);

			if (!q)
				return -1;
			g->out = q;
			g->cap = c;
		}
		g->z.next_out = g->out + g->z.total_out;
		g->z.avail_out = (uInt)(g->cap - g->z.total_out);
		rc = deflate(&g->z, flush);
		if (rc == Z_STREAM_ERROR)
			return -1;
	} while (g->z.avail_in > 0 || g->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	return 0;
}

/* The standard columns before a record's bytes: {"Date":...,"Archiver":
 * {...},"Raw": (malloc'd), the Date from DATATYPE/YYYY/MM/DD/NAME or else
 * the record's mtime (UTC). */
static char *columns(const char *spool_dir, const struct rec *r, const struct bundle_meta *m)
{
	char date[16], file[4096], *text, *p;
	unsigned y, mo, d;
	const char *slash = strchr(r->path, '/');
	json_t *o;
	struct tm tm;

	if (!(slash && sscanf(slash, "/%4u/%2u/%2u/", &y, &mo, &d) == 3 && mo >= 1 && mo <= 12 &&
	      d >= 1 && d <= 31 && snprintf(date, sizeof(date), "%04u-%02u-%02u", y, mo, d) == 10)) {
		time_t t = r->mtime.tv_sec;

		if (!gmtime_r(&t, &tm) || !strftime(date, sizeof(date), "%Y-%m-%d", &tm))
			snprintf(date, sizeof(date), "1970-01-01");
	}
	snprintf(file, sizeof(file), "%s/%s", spool_dir, r->path);
	o = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "Date", date, "Archiver",
		      "Version", m->version ? m->version : "", "GitCommit",
		      m->git_commit ? m->git_commit : "", "ArchiveURL",
		      m->archive_url ? m->archive_url : "", "Filename", file);
	text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	/* "{...}" becomes "{...,"Raw":" */
	if (!text || !(p = realloc(text, strlen(text) + 8))) {
		free(text);
		return NULL;
	}
	strcpy(p + strlen(p) - 1, ",\"Raw\":");
	return p;
}

/* One record's line: its standard columns (pre), then its bytes without
 * the trailing newline, or compacted by jansson when it spans lines. */
static int add_record(struct gz *g, const char *pre, const char *data, size_t n,
		      const struct shape *s)
{
	json_t *root;
	char *line;
	int rc;

	if (gz_put(g, pre, strlen(pre), Z_NO_FLUSH) < 0)
		return -1;
	if (s->one_line) {
		while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r' || data[n - 1] == ' ' ||
				 data[n - 1] == '\t'))
			n--;
		return gz_put(g, data, n, Z_NO_FLUSH) < 0 ? -1 : gz_put(g, "}\n", 2, Z_NO_FLUSH);
	}
	if (!(root = json_loadb(data, n, 0, NULL)))
		return -1;
	line = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!line)
		return -1;
	rc = gz_put(g, line, strlen(line), Z_NO_FLUSH);
	free(line);
	return rc < 0 ? -1 : gz_put(g, "}\n", 2, Z_NO_FLUSH);
}

int bundle_build(const char *spool_dir, const char *quarantine_dir, const struct queue *q,
		 const size_t *idx, size_t n, uint64_t max_record, const struct bundle_meta *m,
		 struct bundle *b, struct bundle_stats *st)
{
	struct gz g;
	size_t i;
	int spool = open(spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

	memset(st, 0, sizeof(*st));
	b->n = 0;
	if (spool < 0) {
		log_err("spool %s: cannot open: %s", spool_dir, strerror(errno));
		return -1;
	}
	if (gz_init(&g) < 0) {
		close(spool);
		return -1;
	}
	if (!(b->paths = calloc(n ? n : 1, sizeof(*b->paths))))
		goto out;
	for (i = 0; i < n; i++) {
		const struct rec *r = &q->r[idx[i]];
		char *raw = NULL, *plain = NULL, *pre = NULL, why[SHAPE_WHY_MAX + 32];
		size_t rlen = 0, plen = 0;
		struct shape s;
		int gz = strlen(r->path) > 3 && strcmp(r->path + strlen(r->path) - 3, ".gz") == 0;

		if (read_file(spool, r->path, max_record, &raw, &rlen) < 0) {
			if (errno == ENOENT) {
				st->vanished++;
				continue;
			}
			snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
			quarantine(spool, spool_dir, quarantine_dir, r->path, "", 0, why);
			st->quarantined++;
			continue;
		}
		if (gz && gunzip_buf((unsigned char *)raw, rlen, max_record, &plain, &plen) < 0) {
			quarantine(spool, spool_dir, quarantine_dir, r->path, raw, rlen,
				   "not gzip, or larger than a bundle when unpacked");
			st->quarantined++;
			free(raw);
			continue;
		}
		if (shape_check(r->datatype, gz ? plain : raw, gz ? plen : rlen, &s) < 0) {
			quarantine(spool, spool_dir, quarantine_dir, r->path, raw, rlen, s.why);
			st->quarantined++;
		} else if (!(pre = columns(spool_dir, r, m)) ||
			   add_record(&g, pre, gz ? plain : raw, gz ? plen : rlen, &s) < 0) {
			free(raw);
			free(plain);
			free(pre);
			log_err("bundle: out of memory adding %s", r->path);
			goto out;
		} else {
			snprintf(b->paths[b->n++], REC_PATH_MAX, "%s", r->path);
		}
		free(raw);
		free(plain);
		free(pre);
	}
	if (b->n > 0 && gz_put(&g, "", 0, Z_FINISH) < 0) {
		log_err("bundle: out of memory compressing %llu bytes",
			(unsigned long long)g.raw);
		goto out;
	}
	b->raw_bytes = g.raw;
	if (b->n > 0) {
		b->data = g.out;
		b->len = g.z.total_out;
		g.out = NULL;
	}
	rc = 0;
out:
	deflateEnd(&g.z);
	free(g.out);
	close(spool);
	return rc;
}

void bundle_free(struct bundle *b)
{
	free(b->data);
	free(b->paths);
	b->data = NULL;
	b->paths = NULL;
	b->len = b->n = 0;
}
