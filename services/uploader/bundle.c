/* Building a bundle from spooled records (contract: bundle.h). */
#define _GNU_SOURCE
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Move a refused record out of the spool (rename, or copy and remove when
 * the quarantine is on another file system), flattened to one name. */
static void quarantine(int spool, const char *spool_dir, const char *qdir, const char *path,
		       const char *data, size_t len, const char *why)
{
	char name[REC_PATH_MAX + 8], dst[4096];
	size_t i;
	int fd;

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

/* Append line to the growing JSONL (one line, newline added). */
static int append(char **jl, size_t *len, size_t *cap, const char *line, size_t n)
{
	while (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap * 2 : 65536;
		char *p = realloc(*jl, c);

		if (!p)
			return -1;
		*jl = p;
		*cap = c;
	}
	memcpy(*jl + *len, line, n);
	(*jl)[*len + n] = '\n';
	*len += n + 1;
	return 0;
}

/* One record's line: its bytes without the trailing newline, or compacted
 * by jansson when it spans lines. */
static int add_record(char **jl, size_t *len, size_t *cap, const char *data, size_t n,
		      const struct shape *s)
{
	json_t *root;
	char *line;
	int rc;

	if (s->one_line) {
		while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r' || data[n - 1] == ' ' ||
				 data[n - 1] == '\t'))
			n--;
		return append(jl, len, cap, data, n);
	}
	if (!(root = json_loadb(data, n, 0, NULL)))
		return -1;
	line = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!line)
		return -1;
	rc = append(jl, len, cap, line, strlen(line));
	free(line);
	return rc;
}

static int gzip_buf(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream z = { 0 };
	size_t cap;
	unsigned char *buf;

	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&z, len);
	if (!(buf = malloc(cap))) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(buf);
		return -1;
	}
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	*out = buf;
	return 0;
}

int bundle_build(const char *spool_dir, const char *quarantine_dir, const struct queue *q,
		 const size_t *idx, size_t n, uint64_t max_record, struct bundle *b,
		 struct bundle_stats *st)
{
	char *jl = NULL;
	size_t jlen = 0, jcap = 0, i;
	int spool = open(spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

	memset(st, 0, sizeof(*st));
	b->n = 0;
	if (spool < 0) {
		log_err("spool %s: cannot open: %s", spool_dir, strerror(errno));
		return -1;
	}
	if (!(b->paths = calloc(n ? n : 1, sizeof(*b->paths))))
		goto out;
	for (i = 0; i < n; i++) {
		const struct rec *r = &q->r[idx[i]];
		char *raw = NULL, *plain = NULL, why[SHAPE_WHY_MAX + 32];
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
		} else if (add_record(&jl, &jlen, &jcap, gz ? plain : raw, gz ? plen : rlen, &s) < 0) {
			free(raw);
			free(plain);
			log_err("bundle: out of memory adding %s", r->path);
			goto out;
		} else {
			snprintf(b->paths[b->n++], REC_PATH_MAX, "%s", r->path);
		}
		free(raw);
		free(plain);
	}
	b->raw_bytes = jlen;
	if (b->n > 0 && gzip_buf(jl, jlen, &b->data, &b->len) < 0) {
		log_err("bundle: out of memory compressing %zu bytes", jlen);
		goto out;
	}
	rc = 0;
out:
	free(jl);
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
