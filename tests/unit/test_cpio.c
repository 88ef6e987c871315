/* Unit tests for image/cpio.c: manifest syntax table and archive bytes. */
#include "cpio.h"
#include "tap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Field indexes of a newc header, after the 6-byte magic. */
enum { INO, MODE, UID, GID, NLINK, MTIME, FILESIZE, DEVMAJOR, DEVMINOR,
       RDEVMAJOR, RDEVMINOR, NAMESIZE, CHECK, FIELD_COUNT };

struct record {
	size_t offset;			/* of the header in the archive */
	uint32_t field[FIELD_COUNT];
	const char *name;		/* points into the archive */
	const unsigned char *body;
};

#define MAX_RECORDS 32

struct archive {
	struct cpio_membuf buf;
	struct record rec[MAX_RECORDS];
	size_t count;			/* records including the trailer */
	bool well_formed;
};

static char tmpdir[] = "/tmp/test_cpio.XXXXXX";

static uint32_t hex_field(const unsigned char *p)
{
	char text[9];

	memcpy(text, p, 8);
	text[8] = '\0';
	return (uint32_t)strtoul(text, NULL, 16);
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Read one header at *offset; advance past its name and body. */
static bool read_record(struct archive *a, size_t *offset, struct record *r)
{
	const unsigned char *p = a->buf.data + *offset;
	int i;

	if (*offset + 110 > a->buf.len || memcmp(p, "070701", 6) != 0)
		return false;
	r->offset = *offset;
	for (i = 0; i < FIELD_COUNT; i++)
		r->field[i] = hex_field(p + 6 + 8 * i);
	r->name = (const char *)p + 110;
	if (*offset + 110 + r->field[NAMESIZE] > a->buf.len ||
	    r->name[r->field[NAMESIZE] - 1] != '\0')
		return false;
	*offset = align4(*offset + 110 + r->field[NAMESIZE]);
	r->body = a->buf.data + *offset;
	*offset = align4(*offset + r->field[FILESIZE]);
	return *offset <= a->buf.len;
}

/* Split the archive into records; well_formed if it ends as expected. */
static void index_archive(struct archive *a)
{
	size_t offset = 0;

	a->count = 0;
	a->well_formed = false;
	while (a->count < MAX_RECORDS &&
	       read_record(a, &offset, &a->rec[a->count])) {
		if (strcmp(a->rec[a->count++].name, "TRAILER!!!") == 0) {
			a->well_formed = a->buf.len % 512 == 0;
			return;
		}
	}
}

/* Parse and write text; on failure err tells why. */
static int build(const char *text, uint32_t mtime, struct archive *a,
		 struct cpio_error *err)
{
	struct cpio_write_options opt = { .mtime = mtime, .basedir = tmpdir };
	struct cpio_manifest m;
	int rc;

	memset(a, 0, sizeof(*a));
	if (cpio_manifest_parse(&m, text, strlen(text), err) < 0)
		return -1;
	rc = cpio_write(&m, &opt, cpio_sink_membuf, &a->buf, err);
	cpio_manifest_free(&m);
	if (rc == 0)
		index_archive(a);
	return rc;
}

static void archive_free(struct archive *a)
{
	free(a->buf.data);
	memset(a, 0, sizeof(*a));
}

static void write_host_file(const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

struct line_case {
	const char *manifest;
	unsigned error_line;	/* 0: must parse */
	const char *error_part;	/* substring of the message */
};

#define DIRS "dir /bin 755 0 0\ndir /dev 755 0 0\n"

static const struct line_case line_cases[] = {
	{ "", 0, NULL },
	{ "\n\n   \n\t\n", 0, NULL },
	{ "# comment\n  #indented comment\n", 0, NULL },
	{ "dir /bin 755 0 0", 0, NULL },
	{ "dir /bin/ 0755 0 0\n", 0, NULL },
	{ "dir //bin 755 0 0\r\n", 0, NULL },
	{ DIRS "file /bin/sh hello 755 0 0\n", 0, NULL },
	{ DIRS "slink /bin/sh busybox 777 0 0\n", 0, NULL },
	{ DIRS "nod /dev/console 600 0 5 c 5 1\n", 0, NULL },
	{ DIRS "nod /dev/sda 660 0 6 b 4095 1048575\n", 0, NULL },
	{ "dir /x 7777 4294967295 4294967295\n", 0, NULL },
	{ "dir /x 0 0 0\n", 0, NULL },
	{ "file /init /etc/hostname 755 0 0\n", 0, NULL },
	{ "dir /a 755 0 0\ndir /a/b 755 0 0\ndir /a//b/c 755 0 0\n", 0, NULL },
	{ "frob /x 755 0 0\n", 1, "unknown entry type \"frob\"" },
	{ "Dir /x 755 0 0\n", 1, "unknown entry type" },
	{ "dir /x 755 0\n", 1, "dir takes 4 fields, got 3" },
	{ "dir /x 755 0 0 0\n", 1, "got 5" },
	{ "file /x 755 0 0\n", 1, "file takes 5 fields" },
	{ "nod /x 600 0 0 c 5\n", 1, "nod takes 7 fields" },
	{ "slink /x 777 0 0\n", 1, "slink takes 5 fields" },
	{ "dir /x 1 2 3 4 5 6 7 8\n", 1, "too many fields" },
	{ "dir x 755 0 0\n", 1, "must be an absolute path" },
	{ "dir / 755 0 0\n", 1, "must name something below /" },
	{ "dir /// 755 0 0\n", 1, "must name something below /" },
	{ "dir /a/../b 755 0 0\n", 1, "\"..\" components" },
	{ "dir /.. 755 0 0\n", 1, "\"..\" components" },
	{ "dir /./a 755 0 0\n", 1, "\"..\" components" },
	{ "dir /x 888 0 0\n", 1, "mode \"888\"" },
	{ "dir /x 10000 0 0\n", 1, "at most 07777" },
	{ "dir /x 0x7 0 0\n", 1, "mode \"0x7\"" },
	{ "dir /x -755 0 0\n", 1, "mode" },
	{ "dir /x 755 -1 0\n", 1, "uid \"-1\"" },
	{ "dir /x 755 0 4294967296\n", 1, "gid \"4294967296\"" },
	{ "dir /x 755 0x10 0\n", 1, "uid" },
	{ "dir /x 755 99999999999999999999999 0\n", 1, "uid" },
	{ DIRS "nod /dev/x 600 0 0 p 1 1\n", 3, "device kind \"p\"" },
	{ DIRS "nod /dev/x 600 0 0 bc 1 1\n", 3, "device kind" },
	{ DIRS "nod /dev/x 600 0 0 c 4096 0\n", 3, "major \"4096\"" },
	{ DIRS "nod /dev/x 600 0 0 c 1 1048576\n", 3, "minor \"1048576\"" },
	{ "dir /x 755 0 0\ndir /x 700 0 0\n", 2, "declared twice (first at line 1)" },
	{ "dir /x 755 0 0\nfile /x/ h 644 0 0\n", 2, "declared twice" },
	{ "dir /a/b 755 0 0\n", 1, "parent directory /a is not declared" },
	{ "file /a h 644 0 0\nfile /a/b h 644 0 0\n", 2, "parent /a (line 1) is not a directory" },
	{ "dir /a 755 0 0\n\n# c\nbogus\n", 4, "unknown entry type" },
	{ "dir\t/x\t755  0\t 0\n", 0, NULL },
	{ "dir /a 755 0 0\nslink /a/up ../../etc 777 0 0\n", 0, NULL },
	{ "dir /x 755 0 0 # trailing comment\n", 1, "line of their own" },
};

static void test_line_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		const struct line_case *c = &line_cases[i];
		struct cpio_manifest m;
		struct cpio_error err;
		int rc = cpio_manifest_parse(&m, c->manifest,
					     strlen(c->manifest), &err);

		if (c->error_line == 0)
			CHECK(rc == 0, "case %zu parses (%s)", i,
			      rc ? err.msg : "ok");
		else
			CHECK(rc < 0 && err.line == c->error_line &&
			      strstr(err.msg, c->error_part),
			      "case %zu fails at line %u with \"%s\" (got %u: %s)",
			      i, c->error_line, c->error_part, err.line,
			      rc ? err.msg : "success");
		cpio_manifest_free(&m);
	}
}

/* A NUL inside a line is rejected, even though strlen cannot see it. */
static void test_nul_byte(void)
{
	static const char text[] = "dir /a 755 0 0\ndir /a\0b 755 0 0\n";
	struct cpio_manifest m;
	struct cpio_error err;
	int rc = cpio_manifest_parse(&m, text, sizeof(text) - 1, &err);

	CHECK(rc < 0 && err.line == 2 && strstr(err.msg, "NUL byte"),
	      "NUL byte in a line is an error (%s)", err.msg);
}

static const char *const sample_lines[] = {
	"dir /dev 755 0 0\n",
	"nod /dev/console 600 0 5 c 5 1\n",
	"nod /dev/sda 660 0 6 b 8 16\n",
	"dir /bin 755 0 0\n",
	"slink /bin/sh busybox 777 0 0\n",
	"file /init init.sh 755 0 0\n",
	"file /empty empty 644 1000 100\n",
};
#define SAMPLE_COUNT (sizeof(sample_lines) / sizeof(sample_lines[0]))

/* Expected archive order: bytewise by name, parents first. */
static const char *const sorted_names[] = {
	"bin", "bin/sh", "dev", "dev/console", "dev/sda", "empty", "init",
	"TRAILER!!!",
};

static void join_lines(char *out, size_t size, const size_t *order)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < SAMPLE_COUNT; i++)
		strncat(out, sample_lines[order[i]], size - strlen(out) - 1);
}

static const struct record *find_record(const struct archive *a,
					const char *name)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		if (strcmp(a->rec[i].name, name) == 0)
			return &a->rec[i];
	return NULL;
}

static void check_order(const struct archive *a)
{
	size_t i;
	bool ordered = a->count == SAMPLE_COUNT + 1;

	for (i = 0; ordered && i < a->count; i++)
		ordered = strcmp(a->rec[i].name, sorted_names[i]) == 0;
	CHECK(ordered, "entries are written sorted by name, trailer last");
	for (i = 0, ordered = true; i + 1 < a->count; i++)
		ordered = ordered && a->rec[i].field[INO] == CPIO_FIRST_INO + i;
	CHECK(ordered, "inodes are sequential from %d", CPIO_FIRST_INO);
}

/* Every header: magic, padding, namesize with NUL, devmajor/minor, check. */
static void check_common_fields(const struct archive *a)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < a->count; i++) {
		const struct record *r = &a->rec[i];

		ok = ok && r->offset % 4 == 0 &&
		     r->field[NAMESIZE] == strlen(r->name) + 1 &&
		     r->field[DEVMAJOR] == 0 && r->field[DEVMINOR] == 0 &&
		     r->field[CHECK] == 0 &&
		     (size_t)(r->body - a->buf.data) % 4 == 0;
	}
	CHECK(ok, "all headers 4-aligned, namesize counts NUL, dev 0, check 0");
	CHECK(a->well_formed, "archive ends with TRAILER!!! padded to 512 (len %zu)",
	      a->buf.len);
	CHECK(a->buf.len >= 6 && memcmp(a->buf.data, "070701", 6) == 0,
	      "archive starts with newc magic 070701");
}

static void check_header(const struct record *r, const char *name,
			 const uint32_t expect[FIELD_COUNT])
{
	static const int checked[] = { MODE, UID, GID, NLINK, MTIME, FILESIZE,
					RDEVMAJOR, RDEVMINOR };
	bool ok = r != NULL;
	size_t i;

	for (i = 0; ok && i < sizeof(checked) / sizeof(checked[0]); i++)
		ok = r->field[checked[i]] == expect[checked[i]];
	CHECK(ok, "header of %s: mode %06o uid %u gid %u nlink %u size %u rdev %u:%u",
	      name, expect[MODE], expect[UID], expect[GID], expect[NLINK],
	      expect[FILESIZE], expect[RDEVMAJOR], expect[RDEVMINOR]);
}

static void test_headers(void)
{
	static const size_t order[SAMPLE_COUNT] = { 0, 1, 2, 3, 4, 5, 6 };
	const uint32_t t = 1700000000;
	struct cpio_error err;
	struct archive a;
	char text[1024];
	int rc;

	join_lines(text, sizeof(text), order);
	/* CHECK evaluates its condition twice: no side effects inside. */
	rc = build(text, t, &a, &err);
	CHECK(rc == 0, "sample manifest builds (%s)",
	      err.msg);
	check_order(&a);
	check_common_fields(&a);
	check_header(find_record(&a, "dev"), "dir /dev",
		     (uint32_t[FIELD_COUNT]){ [MODE] = 040755, [NLINK] = 2, [MTIME] = t });
	check_header(find_record(&a, "dev/console"), "char nod",
		     (uint32_t[FIELD_COUNT]){ [MODE] = 020600, [GID] = 5, [NLINK] = 1,
					      [MTIME] = t, [RDEVMAJOR] = 5, [RDEVMINOR] = 1 });
	check_header(find_record(&a, "dev/sda"), "block nod",
		     (uint32_t[FIELD_COUNT]){ [MODE] = 060660, [GID] = 6, [NLINK] = 1,
					      [MTIME] = t, [RDEVMAJOR] = 8, [RDEVMINOR] = 16 });
	check_header(find_record(&a, "empty"), "empty file",
		     (uint32_t[FIELD_COUNT]){ [MODE] = 0100644, [UID] = 1000, [GID] = 100,
					      [NLINK] = 1, [MTIME] = t });
	check_header(find_record(&a, "init"), "file /init",
		     (uint32_t[FIELD_COUNT]){ [MODE] = 0100755, [NLINK] = 1, [MTIME] = t,
					      [FILESIZE] = 5 });
	check_header(find_record(&a, "bin/sh"), "slink",
		     (uint32_t[FIELD_COUNT]){ [MODE] = 0120777, [NLINK] = 1, [MTIME] = t,
					      [FILESIZE] = 7 });
	check_header(find_record(&a, "TRAILER!!!"), "trailer",
		     (uint32_t[FIELD_COUNT]){ [NLINK] = 1 });
	archive_free(&a);
}

static void test_bodies_and_bytes(void)
{
	/* magic ino mode uid gid nlink mtime size dev(2) rdev(2) namesize check */
	static const char first_header[] =
		"070701" "000002D1" "000041ED" "00000000" "00000000"
		"00000002" "00000000" "00000000" "00000000" "00000000"
		"00000000" "00000000" "00000004" "00000000" "bin\0";
	const char *text = "dir /bin 755 0 0\nslink /bin/sh busybox 777 0 0\n"
			   "file /init init.sh 755 0 0\n";
	const struct record *r;
	struct cpio_error err;
	struct archive a;

	int rc = build(text, 0, &a, &err);

	CHECK(rc == 0, "small manifest builds");
	r = find_record(&a, "bin/sh");
	CHECK(r && memcmp(r->body, "busybox", 7) == 0 &&
	      memcmp(r->body + 7, "\0", 1) == 0,
	      "symlink body is the target, zero padded");
	r = find_record(&a, "init");
	CHECK(r && memcmp(r->body, "echo\n\0\0\0", 8) == 0,
	      "file body is the host file, padded to 4");
	CHECK(a.buf.len > sizeof(first_header) &&
	      memcmp(a.buf.data, first_header, sizeof(first_header) - 1) == 0,
	      "first header is byte-exact (ino 2D1, mode 41ED, name bin)");
	archive_free(&a);
}

static void test_determinism(void)
{
	static const size_t orders[][SAMPLE_COUNT] = {
		{ 0, 1, 2, 3, 4, 5, 6 },
		{ 6, 5, 4, 3, 2, 1, 0 },
		{ 4, 0, 6, 2, 3, 1, 5 },
	};
	struct archive first, other;
	struct cpio_error err;
	char text[1024];
	size_t i;

	join_lines(text, sizeof(text), orders[0]);
	build(text, 42, &first, &err);
	for (i = 1; i < sizeof(orders) / sizeof(orders[0]); i++) {
		int rc;

		join_lines(text, sizeof(text), orders[i]);
		rc = build(text, 42, &other, &err);
		CHECK(rc == 0 &&
		      other.buf.len == first.buf.len &&
		      memcmp(other.buf.data, first.buf.data, first.buf.len) == 0,
		      "line order %zu gives identical bytes", i);
		archive_free(&other);
	}
	build(text, 43, &other, &err);
	CHECK(other.buf.len == first.buf.len &&
	      memcmp(other.buf.data, first.buf.data, first.buf.len) != 0,
	      "a different mtime changes the bytes");
	archive_free(&other);
	archive_free(&first);
}

/* Bigger than the copy chunk, so the streaming loop runs several times. */
static void test_large_file(void)
{
	size_t size = 300001, i;
	unsigned char *data = malloc(size);
	const struct record *r;
	struct cpio_error err;
	struct archive a;
	int rc;

	for (i = 0; i < size; i++)
		data[i] = (unsigned char)(i * 131 + 7);
	write_host_file("big.ko", data, size);
	rc = build("file /big.ko big.ko 644 0 0\n", 0, &a, &err);
	CHECK(rc == 0,
	      "large file builds");
	r = find_record(&a, "big.ko");
	CHECK(r && r->field[FILESIZE] == size &&
	      memcmp(r->body, data, size) == 0 && a.well_formed,
	      "large file body streamed intact");
	archive_free(&a);
	free(data);
}

struct write_case {
	const char *manifest;
	unsigned error_line;
	const char *error_part;
};

static const struct write_case write_cases[] = {
	{ "dir /a 755 0 0\nfile /a/x missing.bin 644 0 0\n", 2,
	  "cannot open host file" },
	{ "file /x missing.bin 644 0 0\n", 1, "missing.bin" },
	{ "file /x . 644 0 0\n", 1, "not a regular file" },
};

static void test_write_errors(void)
{
	struct cpio_error err;
	struct archive a;
	size_t i;

	for (i = 0; i < sizeof(write_cases) / sizeof(write_cases[0]); i++) {
		const struct write_case *c = &write_cases[i];
		int rc = build(c->manifest, 0, &a, &err);

		CHECK(rc < 0 && err.line == c->error_line &&
		      strstr(err.msg, c->error_part),
		      "write case %zu fails at line %u with \"%s\" (got: %s)",
		      i, c->error_line, c->error_part, err.msg);
		archive_free(&a);
	}
}

static int refusing_sink(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return -1;
}

static void test_sink_failure(void)
{
	struct cpio_write_options opt = { 0 };
	struct cpio_manifest m;
	struct cpio_error err;
	int rc;

	cpio_manifest_parse(&m, "dir /a 755 0 0\n", 15, &err);
	rc = cpio_write(&m, &opt, refusing_sink, NULL, &err);
	CHECK(rc < 0 &&
	      err.line == 0 && strstr(err.msg, "writing the archive failed"),
	      "a failing sink is reported (%s)", err.msg);
	cpio_manifest_free(&m);
}

int main(void)
{
	static const char *const host_files[] = { "init.sh", "empty", "big.ko" };
	char path[256];
	size_t i;

	if (!mkdtemp(tmpdir))
		return 1;
	write_host_file("init.sh", "echo\n", 5);
	write_host_file("empty", "", 0);
	test_line_table();
	test_nul_byte();
	test_headers();
	test_bodies_and_bytes();
	test_determinism();
	test_large_file();
	test_write_errors();
	test_sink_failure();
	for (i = 0; i < sizeof(host_files) / sizeof(host_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, host_files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return tap_done();
}
