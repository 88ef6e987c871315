/* Manifest parser and newc archive writer; format described in cpio.h. */
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FIELDS 8
#define SHOWN_TOKEN_MAX 64	/* longer tokens are cut in error messages */
#define COPY_CHUNK 65536
#define NEWC_HEADER_LEN 110

struct token {
	const char *text;
	size_t len;
};

static int fail(struct cpio_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fill err->msg; the caller decides err->line. Always returns -1. */
static int fail(struct cpio_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int shown_len(struct token t)
{
	return (int)(t.len < SHOWN_TOKEN_MAX ? t.len : SHOWN_TOKEN_MAX);
}

static bool token_is(struct token t, const char *word)
{
	return t.len == strlen(word) && memcmp(t.text, word, t.len) == 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Split one line into blank-separated fields; NUL bytes are refused. */
static int split_fields(const char *line, size_t len, struct token *fields,
			size_t *count, struct cpio_error *err)
{
	size_t i = 0;

	*count = 0;
	while (i < len) {
		if (line[i] == '\0')
			return fail(err, "NUL byte in line");
		if (is_blank(line[i])) {
			i++;
			continue;
		}
		if (*count == MAX_FIELDS)
			return fail(err, "too many fields (at most %d)",
				    MAX_FIELDS);
		fields[*count].text = line + i;
		while (i < len && !is_blank(line[i]) && line[i] != '\0')
			i++;
		fields[*count].len = (size_t)(line + i - fields[*count].text);
		(*count)++;
	}
	return 0;
}

static int parse_mode(struct token t, uint32_t *mode, struct cpio_error *err)
{
	uint32_t value = 0;
	size_t i;

	for (i = 0; i < t.len; i++) {
		if (t.text[i] < '0' || t.text[i] > '7' || value > 07777)
			break;
		value = value * 8 + (uint32_t)(t.text[i] - '0');
	}
	if (t.len == 0 || i < t.len || value > 07777)
		return fail(err, "mode \"%.*s\": must be octal permission bits, at most 07777",
			    shown_len(t), t.text);
	*mode = value;
	return 0;
}

/* Decimal only: no sign, no blanks, no hex, so typos do not slip through. */
static int parse_decimal(struct token t, const char *what, uint32_t max,
			 uint32_t *out, struct cpio_error *err)
{
	uint64_t value = 0;
	size_t i;

	for (i = 0; i < t.len; i++) {
		if (t.text[i] < '0' || t.text[i] > '9' || value > max)
			break;
		value = value * 10 + (uint64_t)(t.text[i] - '0');
	}
	if (t.len == 0 || i < t.len || value > max)
		return fail(err, "%s \"%.*s\": must be a decimal number 0-%" PRIu32,
			    what, shown_len(t), t.text, max);
	*out = (uint32_t)value;
	return 0;
}

/* Append one path component to a normalized name, refusing "." and "..". */
static int append_component(char *out, size_t *out_len, const char *comp,
			    size_t comp_len, struct token name,
			    struct cpio_error *err)
{
	if ((comp_len == 1 && comp[0] == '.') ||
	    (comp_len == 2 && comp[0] == '.' && comp[1] == '.'))
		return fail(err, "name \"%.*s\": \".\" and \"..\" components are not allowed",
			    shown_len(name), name.text);
	if (*out_len > 0)
		out[(*out_len)++] = '/';
	memcpy(out + *out_len, comp, comp_len);
	*out_len += comp_len;
	return 0;
}

/* "/a//b/" -> "a/b": the archive stores names without the leading slash. */
static int normalize_name(struct token name, char **normalized,
			  struct cpio_error *err)
{
	char *out;
	size_t out_len = 0, i = 0;

	if (name.len == 0 || name.text[0] != '/')
		return fail(err, "name \"%.*s\": must be an absolute path like /bin/sh",
			    shown_len(name), name.text);
	out = malloc(name.len + 1);
	if (!out)
		return fail(err, "out of memory");
	while (i < name.len) {
		size_t start;

		for (; i < name.len && name.text[i] == '/'; i++)
			;
		for (start = i; i < name.len && name.text[i] != '/'; i++)
			;
		if (i > start && append_component(out, &out_len, name.text + start,
						  i - start, name, err) < 0) {
			free(out);
			return -1;
		}
	}
	out[out_len] = '\0';
	if (out_len == 0 || out_len > CPIO_NAME_MAX) {
		free(out);
		return fail(err, "name \"%.*s\": must name something below / and be at most %d bytes",
			    shown_len(name), name.text, CPIO_NAME_MAX);
	}
	*normalized = out;
	return 0;
}

/* mode uid gid, which every entry type carries in a row. */
static int parse_mode_owner(const struct token *f, struct cpio_entry *e,
			    struct cpio_error *err)
{
	if (parse_mode(f[0], &e->mode, err) < 0 ||
	    parse_decimal(f[1], "uid", UINT32_MAX, &e->uid, err) < 0 ||
	    parse_decimal(f[2], "gid", UINT32_MAX, &e->gid, err) < 0)
		return -1;
	return 0;
}

/* file slink: <name> <source> <mode> <uid> <gid> */
static int parse_with_source(const struct token *f, struct cpio_entry *e,
			     struct cpio_error *err)
{
	const char *what = e->type == CPIO_FILE ? "host path" : "symlink target";

	if (f[2].len > CPIO_NAME_MAX)
		return fail(err, "%s is longer than %d bytes", what,
			    CPIO_NAME_MAX);
	if (parse_mode_owner(f + 3, e, err) < 0)
		return -1;
	e->source = strndup(f[2].text, f[2].len);
	if (!e->source)
		return fail(err, "out of memory");
	return 0;
}

static int parse_dir(const struct token *f, struct cpio_entry *e,
		     struct cpio_error *err)
{
	return parse_mode_owner(f + 2, e, err);
}

/* nod: <name> <mode> <uid> <gid> <b|c> <major> <minor> */
static int parse_nod(const struct token *f, struct cpio_entry *e,
		     struct cpio_error *err)
{
	if (parse_mode_owner(f + 2, e, err) < 0)
		return -1;
	if (!token_is(f[5], "b") && !token_is(f[5], "c"))
		return fail(err, "device kind \"%.*s\": must be b (block) or c (character)",
			    shown_len(f[5]), f[5].text);
	e->dev_kind = f[5].text[0];
	if (parse_decimal(f[6], "major", 4095, &e->rdev_major, err) < 0 ||
	    parse_decimal(f[7], "minor", 1048575, &e->rdev_minor, err) < 0)
		return -1;
	return 0;
}

struct entry_syntax {
	const char *keyword;
	enum cpio_type type;
	size_t field_count;
	const char *usage;
	int (*parse)(const struct token *f, struct cpio_entry *e,
		     struct cpio_error *err);
};

static const struct entry_syntax entry_syntaxes[] = {
	{ "file", CPIO_FILE, 6, "file <name> <hostpath> <mode> <uid> <gid>",
	  parse_with_source },
	{ "dir", CPIO_DIR, 5, "dir <name> <mode> <uid> <gid>", parse_dir },
	{ "nod", CPIO_NOD, 8,
	  "nod <name> <mode> <uid> <gid> <b|c> <major> <minor>", parse_nod },
	{ "slink", CPIO_SLINK, 6, "slink <name> <target> <mode> <uid> <gid>",
	  parse_with_source },
};

static const struct entry_syntax *find_syntax(struct token keyword)
{
	size_t i;

	for (i = 0; i < sizeof(entry_syntaxes) / sizeof(entry_syntaxes[0]); i++)
		if (token_is(keyword, entry_syntaxes[i].keyword))
			return &entry_syntaxes[i];
	return NULL;
}

static void entry_free(struct cpio_entry *e)
{
	free(e->name);
	free(e->source);
}

static int manifest_append(struct cpio_manifest *m, const struct cpio_entry *e)
{
	if (m->count == m->capacity) {
		size_t capacity = m->capacity ? m->capacity * 2 : 16;
		struct cpio_entry *grown;

		grown = realloc(m->entries, capacity * sizeof(*grown));
		if (!grown)
			return -1;
		m->entries = grown;
		m->capacity = capacity;
	}
	m->entries[m->count++] = *e;
	return 0;
}

/* Fields of a non-empty, non-comment line -> one entry appended to m. */
static int parse_entry(struct cpio_manifest *m, const struct token *f,
		       size_t n, struct cpio_error *err)
{
	const struct entry_syntax *syntax = find_syntax(f[0]);
	struct cpio_entry e = { .line = err->line };

	if (!syntax)
		return fail(err, "unknown entry type \"%.*s\": expected file, dir, nod or slink",
			    shown_len(f[0]), f[0].text);
	if (n > syntax->field_count && f[syntax->field_count].text[0] == '#')
		return fail(err, "comments must be on a line of their own");
	if (n != syntax->field_count)
		return fail(err, "%s takes %zu fields, got %zu: %s",
			    syntax->keyword, syntax->field_count - 1, n - 1,
			    syntax->usage);
	e.type = syntax->type;
	if (normalize_name(f[1], &e.name, err) < 0)
		return -1;
	if (syntax->parse(f, &e, err) < 0) {
		entry_free(&e);
		return -1;
	}
	if (manifest_append(m, &e) < 0) {
		entry_free(&e);
		return fail(err, "out of memory");
	}
	return 0;
}

static int parse_line(struct cpio_manifest *m, const char *line, size_t len,
		      struct cpio_error *err)
{
	struct token fields[MAX_FIELDS];
	size_t n;

	if (split_fields(line, len, fields, &n, err) < 0)
		return -1;
	if (n == 0 || fields[0].text[0] == '#')
		return 0;
	return parse_entry(m, fields, n, err);
}

/* Ties broken by line so the "first declared" of duplicates is stable. */
static int compare_entries(const void *a, const void *b)
{
	const struct cpio_entry *x = a, *y = b;
	int order = strcmp(x->name, y->name);

	if (order)
		return order;
	return x->line < y->line ? -1 : x->line > y->line;
}

static const struct cpio_entry *find_entry(const struct cpio_manifest *m,
					   const char *name)
{
	size_t low = 0, high = m->count;

	while (low < high) {
		size_t mid = low + (high - low) / 2;
		int order = strcmp(name, m->entries[mid].name);

		if (order == 0)
			return &m->entries[mid];
		if (order < 0)
			high = mid;
		else
			low = mid + 1;
	}
	return NULL;
}

/* Every parent must be a declared directory: no silent root:root 0755. */
static int check_parent(const struct cpio_manifest *m,
			const struct cpio_entry *e, struct cpio_error *err)
{
	const char *slash = strrchr(e->name, '/');
	const struct cpio_entry *parent;
	char *parent_name;

	if (!slash)
		return 0;
	parent_name = strndup(e->name, (size_t)(slash - e->name));
	if (!parent_name)
		return fail(err, "out of memory");
	parent = find_entry(m, parent_name);
	if (!parent)
		fail(err, "/%s: parent directory /%s is not declared; add a \"dir /%s <mode> <uid> <gid>\" line",
		     e->name, parent_name, parent_name);
	else if (parent->type != CPIO_DIR)
		fail(err, "/%s: parent /%s (line %u) is not a directory",
		     e->name, parent_name, parent->line);
	free(parent_name);
	return parent && parent->type == CPIO_DIR ? 0 : -1;
}

/* Sort by name, then reject duplicates and undeclared parents. */
static int manifest_sort_and_check(struct cpio_manifest *m,
				   struct cpio_error *err)
{
	size_t i;

	if (m->count > 1)
		qsort(m->entries, m->count, sizeof(*m->entries),
		      compare_entries);
	for (i = 0; i < m->count; i++) {
		const struct cpio_entry *e = &m->entries[i];

		err->line = e->line;
		if (i > 0 && strcmp(e->name, m->entries[i - 1].name) == 0)
			return fail(err, "/%s: declared twice (first at line %u)",
				    e->name, m->entries[i - 1].line);
		if (check_parent(m, e, err) < 0)
			return -1;
	}
	err->line = 0;
	return 0;
}

int cpio_manifest_parse(struct cpio_manifest *m, const char *text, size_t len,
			struct cpio_error *err)
{
	size_t start = 0;

	memset(m, 0, sizeof(*m));
	err->line = 0;
	err->msg[0] = '\0';
	while (start < len) {
		const char *newline = memchr(text + start, '\n', len - start);
		size_t end = newline ? (size_t)(newline - text) : len;

		err->line++;
		if (parse_line(m, text + start, end - start, err) < 0)
			goto failed;
		start = end + 1;
	}
	if (manifest_sort_and_check(m, err) == 0)
		return 0;
failed:
	cpio_manifest_free(m);
	return -1;
}

void cpio_manifest_free(struct cpio_manifest *m)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		entry_free(&m->entries[i]);
	free(m->entries);
	memset(m, 0, sizeof(*m));
}

struct archive_out {
	cpio_sink_fn sink;
	void *ctx;
	uint64_t offset;
	struct cpio_error *err;
};

static int out_bytes(struct archive_out *out, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	errno = 0;
	if (out->sink(out->ctx, data, len) < 0) {
		out->err->line = 0;
		return fail(out->err, "writing the archive failed: %s",
			    errno ? strerror(errno) : "sink refused data");
	}
	out->offset += len;
	return 0;
}

static int out_padding(struct archive_out *out, unsigned alignment)
{
	static const char zeros[512];
	size_t pad = (alignment - out->offset % alignment) % alignment;

	return out_bytes(out, zeros, pad);
}

struct newc_fields {
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint32_t rdev_major, rdev_minor;
};

/* Header, name with its NUL, and padding so the body starts 4-aligned. */
static int out_header(struct archive_out *out, const struct newc_fields *h,
		      const char *name)
{
	char header[NEWC_HEADER_LEN + 1];
	size_t name_size = strlen(name) + 1;

	snprintf(header, sizeof(header),
		 "070701%08" PRIX32 "%08" PRIX32 "%08" PRIX32 "%08" PRIX32
		 "%08" PRIX32 "%08" PRIX32 "%08" PRIX32 "%08X%08X%08" PRIX32
		 "%08" PRIX32 "%08" PRIX32 "%08X",
		 h->ino, h->mode, h->uid, h->gid, h->nlink, h->mtime,
		 h->filesize, 0u, 0u, h->rdev_major, h->rdev_minor,
		 (uint32_t)name_size, 0u);
	if (out_bytes(out, header, NEWC_HEADER_LEN) < 0 ||
	    out_bytes(out, name, name_size) < 0)
		return -1;
	return out_padding(out, 4);
}

/* Open the host file of a "file" entry and check it fits in newc. */
static int open_host_file(const struct cpio_entry *e, const char *basedir,
			  int *fd, uint32_t *size, struct cpio_error *err)
{
	char path[8192];
	struct stat st;

	err->line = e->line;
	if (basedir && e->source[0] != '/')
		snprintf(path, sizeof(path), "%s/%s", basedir, e->source);
	else
		snprintf(path, sizeof(path), "%s", e->source);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return fail(err, "/%s: cannot open host file %s: %s", e->name,
			    path, strerror(errno));
	if (fstat(*fd, &st) < 0)
		fail(err, "/%s: host file %s: %s", e->name, path,
		     strerror(errno));
	else if (!S_ISREG(st.st_mode))
		fail(err, "/%s: host file %s: not a regular file", e->name,
		     path);
	else if ((uint64_t)st.st_size > UINT32_MAX)
		fail(err, "/%s: host file %s: larger than 4 GiB, too big for newc",
		     e->name, path);
	else {
		*size = (uint32_t)st.st_size;
		return 0;
	}
	close(*fd);
	return -1;
}

/* Stream exactly size bytes, so a 10 MB module never sits in memory. */
static int copy_body(struct archive_out *out, const struct cpio_entry *e,
		     int fd, uint32_t size)
{
	char chunk[COPY_CHUNK];
	uint32_t left = size;

	while (left > 0) {
		size_t want = left < sizeof(chunk) ? left : sizeof(chunk);
		ssize_t got = read(fd, chunk, want);

		if (got < 0 && errno == EINTR)
			continue;
		out->err->line = e->line;
		if (got < 0)
			return fail(out->err, "/%s: reading host file %s: %s",
				    e->name, e->source, strerror(errno));
		if (got == 0)
			return fail(out->err, "/%s: host file %s shrank while being read",
				    e->name, e->source);
		if (out_bytes(out, chunk, (size_t)got) < 0)
			return -1;
		left -= (uint32_t)got;
	}
	return out_padding(out, 4);
}

static int write_file(struct archive_out *out, const struct cpio_entry *e,
		      struct newc_fields *h, const char *basedir)
{
	int fd, rc;

	if (open_host_file(e, basedir, &fd, &h->filesize, out->err) < 0)
		return -1;
	rc = out_header(out, h, e->name);
	if (rc == 0)
		rc = copy_body(out, e, fd, h->filesize);
	close(fd);
	return rc;
}

static uint32_t type_bits(const struct cpio_entry *e)
{
	switch (e->type) {
	case CPIO_FILE:
		return S_IFREG;
	case CPIO_DIR:
		return S_IFDIR;
	case CPIO_SLINK:
		return S_IFLNK;
	case CPIO_NOD:
		return e->dev_kind == 'b' ? S_IFBLK : S_IFCHR;
	}
	return 0;
}

static int write_entry(struct archive_out *out, const struct cpio_entry *e,
		       uint32_t ino, const struct cpio_write_options *opt)
{
	struct newc_fields h = {
		.ino = ino,
		.mode = type_bits(e) | e->mode,
		.uid = e->uid,
		.gid = e->gid,
		.nlink = e->type == CPIO_DIR ? 2 : 1,
		.mtime = opt->mtime,
		.rdev_major = e->rdev_major,
		.rdev_minor = e->rdev_minor,
	};

	if (e->type == CPIO_FILE)
		return write_file(out, e, &h, opt->basedir);
	if (e->type == CPIO_SLINK)
		h.filesize = (uint32_t)strlen(e->source);
	if (out_header(out, &h, e->name) < 0)
		return -1;
	if (e->type != CPIO_SLINK)
		return 0;
	if (out_bytes(out, e->source, h.filesize) < 0)
		return -1;
	return out_padding(out, 4);
}

int cpio_write(const struct cpio_manifest *m,
	       const struct cpio_write_options *opt,
	       cpio_sink_fn sink, void *sink_ctx, struct cpio_error *err)
{
	struct archive_out out = { .sink = sink, .ctx = sink_ctx, .err = err };
	struct newc_fields trailer = { .nlink = 1 };
	size_t i;

	err->line = 0;
	err->msg[0] = '\0';
	for (i = 0; i < m->count; i++)
		if (write_entry(&out, &m->entries[i],
				CPIO_FIRST_INO + (uint32_t)i, opt) < 0)
			return -1;
	if (out_header(&out, &trailer, "TRAILER!!!") < 0)
		return -1;
	/* Block-aligned like gen_init_cpio, so archives concatenate cleanly. */
	return out_padding(&out, 512);
}

int cpio_sink_stdio(void *file, const void *data, size_t len)
{
	return fwrite(data, 1, len, file) == len ? 0 : -1;
}

int cpio_sink_membuf(void *membuf, const void *data, size_t len)
{
	struct cpio_membuf *buf = membuf;

	if (len > buf->capacity - buf->len) {
		size_t capacity = buf->capacity ? buf->capacity : 4096;
		unsigned char *grown;

		while (capacity - buf->len < len)
			capacity *= 2;
		grown = realloc(buf->data, capacity);
		if (!grown)
			return -1;
		buf->data = grown;
		buf->capacity = capacity;
	}
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	return 0;
}
