/* Parsers of an update bundle's VERSION, SHA256SUMS and signature (contract:
 * bundle.h). Strict: anything unexpected refuses the bundle. */
#include "bundle.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = {
	"vmlinuz", "initramfs.cpio.zst", "VERSION", "media.cpio.zst", NULL
};

const char *const *bundle_names(void)
{
	return names;
}

int bundle_name_required(const char *name)
{
	size_t i;

	for (i = 0; names[i]; i++) {
		if (strcmp(names[i], name) == 0)
			return 1;
		if (strcmp(names[i], BUNDLE_VERSION) == 0)
			break;
	}
	return 0;
}

static int known_name(const char *p, size_t len)
{
	size_t i;

	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == len && memcmp(names[i], p, len) == 0)
			return 1;
	return 0;
}

int bundle_version_parse(const char *buf, size_t n, struct bundle_version *v,
			 char *why, size_t whylen)
{
	size_t i = 0, d = 0;

	memset(v, 0, sizeof(*v));
	if (n > BUNDLE_VERSION_MAX) {
		snprintf(why, whylen, "over %d bytes", BUNDLE_VERSION_MAX);
		return -1;
	}
	if (n == 0 || buf[n - 1] != '\n') {
		snprintf(why, whylen, "not one line ending in a newline");
		return -1;
	}
	for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (v->number > (UINT64_MAX - 9) / 10) {
			snprintf(why, whylen, "version number too large");
			return -1;
		}
		v->number = v->number * 10 + (uint64_t)(buf[i] - '0');
	}
	if (i == 0 || v->number == 0) {
		snprintf(why, whylen, "does not start with a version number above 0");
		return -1;
	}
	if (buf[i] == ' ') {
		for (i++; buf[i] != '\n'; i++) {
			if (buf[i] < 0x21 || buf[i] > 0x7e || d + 1 >= sizeof(v->describe)) {
				snprintf(why, whylen, "description is not up to %zu printable characters",
					 sizeof(v->describe) - 1);
				return -1;
			}
			v->describe[d++] = buf[i];
		}
	}
	if (buf[i] != '\n' || i + 1 != n) {
		snprintf(why, whylen, "not \"NUMBER[ DESCRIPTION]\" on one line");
		return -1;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One "SHA256  NAME" (or "SHA256 *NAME", sha256sum's binary mark) line. */
static int sums_line(const char *p, size_t len, struct bundle_file *f)
{
	size_t i;

	if (len < 66 || p[64] != ' ' || (p[65] != ' ' && p[65] != '*'))
		return -1;
	for (i = 0; i < 64; i++) {
		int hi = hexval(p[i]);

		if (hi < 0)
			return -1;
		if (i % 2)
			f->sha256[i / 2] |= (unsigned char)hi;
		else
			f->sha256[i / 2] = (unsigned char)(hi << 4);
	}
	if (!known_name(p + 66, len - 66))
		return -1;
	memcpy(f->name, p + 66, len - 66);
	f->name[len - 66] = '\0';
	return 0;
}

int bundle_sums_parse(const char *buf, size_t n, struct bundle_sums *s,
		      char *why, size_t whylen)
{
	size_t start = 0, line = 0, i;

	memset(s, 0, sizeof(*s));
	if (n > BUNDLE_SUMS_MAX) {
		snprintf(why, whylen, "over %d bytes", BUNDLE_SUMS_MAX);
		return -1;
	}
	if (n == 0 || buf[n - 1] != '\n') {
		snprintf(why, whylen, "empty or its last line has no newline");
		return -1;
	}
	while (start < n) {
		const char *p = buf + start, *nl = memchr(p, '\n', n - start);
		size_t len = (size_t)(nl - p);
		struct bundle_file f = { 0 };

		line++;
		start += len + 1;
		if (sums_line(p, len, &f) < 0) {
			snprintf(why, whylen, "line %zu: not \"SHA256  NAME\" with a lower-case hex "
				 "SHA-256 and a bundle file name", line);
			return -1;
		}
		if (bundle_sums_find(s, f.name)) {
			snprintf(why, whylen, "line %zu: %s listed twice", line, f.name);
			return -1;
		}
		s->file[s->count++] = f;	/* at most one per known name: fits */
	}
	for (i = 0; names[i]; i++) {
		if (bundle_name_required(names[i]) && !bundle_sums_find(s, names[i])) {
			snprintf(why, whylen, "%s is not listed", names[i]);
			return -1;
		}
	}
	return 0;
}

int bundle_sig_parse(const unsigned char *buf, size_t n, unsigned char sig[BUNDLE_SIG_LEN],
		     char *why, size_t whylen)
{
	if (n != BUNDLE_SIG_LEN) {
		snprintf(why, whylen, "%zu bytes, not the %d of an Ed25519 signature",
			 n, BUNDLE_SIG_LEN);
		return -1;
	}
	memcpy(sig, buf, BUNDLE_SIG_LEN);
	return 0;
}

const struct bundle_file *bundle_sums_find(const struct bundle_sums *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (strcmp(s->file[i].name, name) == 0)
			return &s->file[i];
	return NULL;
}
