/* libFuzzer target for the uploader's parsers of outside input: a spooled
 * record (shape.c, as gzip or not: bundle.h's gunzip), the registration
 * file (config.c), the in-flight journal (journal.c), and what a
 * registered name implies (naming.c). The first byte picks which. Checks
 * their promises: a refusal says why, an accepted record's id has no
 * control characters, a parsed journal formats back to the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "journal.h"
#include "naming.h"
#include "shape.h"

static void check_record(const char *dt, const char *s, size_t n)
{
	struct shape sh;
	size_t i;

	if (shape_check(dt, s, n, &sh) < 0) {
		if (!sh.why[0])
			abort();
		return;
	}
	for (i = 0; sh.id[i]; i++)
		if ((unsigned char)sh.id[i] < 0x20)
			abort();
	if (strcmp(dt, "ndt7") == 0 && !sh.id[0])
		abort();
}

static void check_gzip_record(const char *s, size_t n)
{
	char *plain;
	size_t len;

	if (gunzip_buf((const unsigned char *)s, n, 1 << 20, &plain, &len) == 0) {
		if (len > 1 << 20)
			abort();
		check_record("ndt7", plain, len);
		free(plain);
	}
}

static void check_journal(const char *s, size_t n)
{
	struct bundle b;
	size_t len;
	unsigned long crc;
	char *text;

	if (journal_parse(s, n, &b, &len, &crc) < 0) {
		if (b.paths || b.n)
			abort();
		return;
	}
	b.data = NULL;
	b.len = 0;
	/* The text formats back the same, but for the bytes' own crc. */
	text = journal_format(&b);
	if (!text || strncmp(text, s, 26) != 0)
		abort();
	free(text);
	free(b.paths);
}

static void check_registration(const char *s, size_t n)
{
	struct registration r;
	char err[256] = "";

	if (registration_parse(s, n, &r, err, sizeof(err)) < 0) {
		if (!err[0])
			abort();
		return;
	}
	if (!name_part_ok(r.hostname) || (r.names_ok && !name_part_ok(r.names.org)))
		abort();
}

static void check_names(const char *s, size_t n)
{
	struct node_names nn;
	char host[512];

	if (n >= sizeof(host))
		n = sizeof(host) - 1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (node_names_parse(host, &nn) == 0 &&
	    (!name_part_ok(nn.org) || strncmp(nn.bucket, "archive-mlab-", 13) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;

	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0: check_record("ndt7", s, size - 1); break;
	case 1: check_record("annotation2", s, size - 1); break;
	case 2: check_gzip_record(s, size - 1); break;
	case 3: check_journal(s, size - 1); break;
	case 4: check_registration(s, size - 1); break;
	default: check_names(s, size - 1); break;
	}
	return 0;
}
