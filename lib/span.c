/* Spans of text and the small parsers over them (contract: span.h). */
#include "lib/span.h"

#include <string.h>

struct span span_of(const char *s)
{
	struct span sp = { s, s ? strlen(s) : 0 };

	return sp;
}

int span_equals(struct span sp, const char *s)
{
	return sp.len == strlen(s) && memcmp(sp.s, s, sp.len) == 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

struct span span_trim(struct span sp)
{
	while (sp.len > 0 && is_blank(sp.s[0])) {
		sp.s++;
		sp.len--;
	}
	while (sp.len > 0 && is_blank(sp.s[sp.len - 1]))
		sp.len--;
	return sp;
}

size_t span_split(struct span sp, char sep, struct span *fields, size_t max)
{
	size_t count = 0, start = 0, i;

	for (i = 0; i <= sp.len; i++) {
		if (i < sp.len && sp.s[i] != sep)
			continue;
		if (count < max) {
			fields[count].s = sp.s + start;
			fields[count].len = i - start;
		}
		count++;
		start = i + 1;
	}
	return count;
}

int span_to_uint(struct span sp, unsigned max, unsigned *out)
{
	unsigned long n = 0;
	size_t i;

	if (sp.len == 0)
		return 0;
	for (i = 0; i < sp.len; i++) {
		if (sp.s[i] < '0' || sp.s[i] > '9')
			return 0;
		n = n * 10 + (unsigned long)(sp.s[i] - '0');
		if (n > max)
			return 0;
	}
	*out = (unsigned)n;
	return 1;
}

int span_to_cstr(struct span sp, char *buf, size_t size)
{
	if (sp.len >= size)
		return 0;
	memcpy(buf, sp.s, sp.len);
	buf[sp.len] = '\0';
	return 1;
}

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
