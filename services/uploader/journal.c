/* The in-flight bundle's journal (contract: journal.h). */
#define _GNU_SOURCE
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "fathom-uploader-journal 1\n"
#define JOURNAL "inflight.journal"
#define DATA "inflight.jsonl.gz"

char *journal_format(const struct bundle *b)
{
	size_t cap = 256 + OBJECT_MAX + b->n * (REC_PATH_MAX + 8), len, i;
	unsigned long crc = crc32(0L, b->data, (uInt)b->len);
	char *t = malloc(cap);

	if (!t)
		return NULL;
	len = (size_t)snprintf(t, cap, MAGIC "object %s\ndatatype %s\nbytes %zu\ncrc32 %lu\n"
			       "records %zu\n", b->object, b->datatype, b->len, crc, b->n);
	for (i = 0; i < b->n; i++)
		len += (size_t)snprintf(t + len, cap - len, "record %s\n", b->paths[i]);
	snprintf(t + len, cap - len, "end\n");
	return t;
}

/* The value of line "key VALUE" at *p (advanced past it), copied to out. */
static int field(const char **p, const char *end, const char *key, char *out, size_t cap)
{
	size_t k = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (!nl || (size_t)(nl - *p) <= k + 1 || strncmp(*p, key, k) != 0 || (*p)[k] != ' ' ||
	    (size_t)(nl - *p - (ptrdiff_t)k - 1) >= cap)
		return -1;
	memcpy(out, *p + k + 1, (size_t)(nl - *p) - k - 1);
	out[(size_t)(nl - *p) - k - 1] = '\0';
	if (strlen(out) != (size_t)(nl - *p) - k - 1)
		return -1;	/* a NUL inside */
	*p = nl + 1;
	return 0;
}

static int number(const char *s, unsigned long long max, unsigned long long *v)
{
	char *e;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &e, 10);
	return errno || *e || *v > max ? -1 : 0;
}

int journal_parse(const char *text, size_t len, struct bundle *b, size_t *data_len,
		  unsigned long *crc)
{
	const char *p = text, *end = text + len;
	char val[OBJECT_MAX];
	unsigned long long v, n, i;

	memset(b, 0, sizeof(*b));
	if (len < sizeof(MAGIC) - 1 || memcmp(text, MAGIC, sizeof(MAGIC) - 1) != 0)
		return -1;
	p += sizeof(MAGIC) - 1;
	if (field(&p, end, "object", b->object, sizeof(b->object)) < 0 || !b->object[0] ||
	    field(&p, end, "datatype", b->datatype, sizeof(b->datatype)) < 0 ||
	    !b->datatype[0] || field(&p, end, "bytes", val, sizeof(val)) < 0 ||
	    number(val, 1ULL << 40, &v) < 0)
		return -1;
	*data_len = (size_t)v;
	if (field(&p, end, "crc32", val, sizeof(val)) < 0 || number(val, 0xffffffffULL, &v) < 0)
		return -1;
	*crc = (unsigned long)v;
	if (field(&p, end, "records", val, sizeof(val)) < 0 || number(val, 1000000, &n) < 0 ||
	    n > len / 8)
		return -1;
	if (!(b->paths = calloc(n ? n : 1, sizeof(*b->paths))))
		return -1;
	for (i = 0; i < n; i++) {
		if (field(&p, end, "record", b->paths[i], REC_PATH_MAX) < 0 || !b->paths[i][0] ||
		    b->paths[i][0] == '/' || strstr(b->paths[i], "..")) {
			free(b->paths);
			memset(b, 0, sizeof(*b));
			return -1;
		}
	}
	b->n = (size_t)n;
	if ((size_t)(end - p) != 4 || memcmp(p, "end\n", 4) != 0) {
		free(b->paths);
		memset(b, 0, sizeof(*b));
		return -1;
	}
	return 0;
}

static int write_whole(const char *dir, const char *name, const void *data, size_t len,
		       char *err, size_t errlen)
{
	char path[4096], tmp[4200];
	const char *p = data;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto fail;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n < 0 ? errno : ENOSPC;
			close(fd);
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0)
		goto fail;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
fail:
	snprintf(err, errlen, "write %s: %s (is --state-dir writable by user uploader?)", path,
		 strerror(errno));
	unlink(tmp);
	return -1;
}

int journal_save(const char *dir, const struct bundle *b, char *err, size_t errlen)
{
	char *text = journal_format(b);
	int rc;

	if (!text) {
		snprintf(err, errlen, "journal: out of memory");
		return -1;
	}
	rc = write_whole(dir, DATA, b->data, b->len, err, errlen);
	if (rc == 0)
		rc = write_whole(dir, JOURNAL, text, strlen(text), err, errlen);
	free(text);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1))) {
		while (got < (size_t)st.st_size) {
			ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

			if (n <= 0 && !(n < 0 && errno == EINTR))
				break;
			if (n > 0)
				got += (size_t)n;
		}
		buf[got] = '\0';
	}
	close(fd);
	*len = got;
	return buf;
}

int journal_load(const char *dir, struct bundle *b, char *err, size_t errlen)
{
	char path[4096];
	char *text, *data;
	size_t tlen, dlen, want;
	unsigned long crc;

	memset(b, 0, sizeof(*b));
	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL);
	if (!(text = slurp(path, &tlen))) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (journal_parse(text, tlen, b, &want, &crc) < 0) {
		free(text);
		snprintf(err, errlen, "%s: not a journal this uploader wrote", path);
		return -1;
	}
	free(text);
	snprintf(path, sizeof(path), "%s/%s", dir, DATA);
	data = slurp(path, &dlen);
	if (!data || dlen != want || crc32(0L, (unsigned char *)data, (uInt)dlen) != crc) {
		free(data);
		bundle_free(b);
		snprintf(err, errlen, "%s: missing or not what the journal says", path);
		return -1;
	}
	b->data = (unsigned char *)data;
	b->len = dlen;
	return 1;
}

void journal_clear(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL);
	unlink(path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, DATA);
	unlink(path);
}
