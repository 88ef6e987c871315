/* JSON for the result records: a bounded writer (escaping, UTF-8 checks)
 * and a validator for what clients send as measurements; pure. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json *j, size_t limit)
{
	memset(j, 0, sizeof(*j));
	j->limit = limit;
}

void json_free(struct json *j)
{
	free(j->buf);
	json_init(j, j->limit);
}

int json_ok(const struct json *j)
{
	return !j->failed;
}

/* Room for n more bytes plus a terminating NUL. */
static int json_reserve(struct json *j, size_t n)
{
	size_t want = j->len + n + 1, cap;
	char *p;

	if (j->failed)
		return -1;
	if (j->limit && want > j->limit) {
		j->failed = 1;
		return -1;
	}
	if (want <= j->cap)
		return 0;
	cap = j->cap ? j->cap : 256;
	while (cap < want)
		cap *= 2;
	if (j->limit && cap > j->limit)
		cap = j->limit;
	p = realloc(j->buf, cap);
	if (!p) {
		j->failed = 1;
		return -1;
	}
	j->buf = p;
	j->cap = cap;
	return 0;
}

void json_raw(struct json *j, const char *s, size_t n)
{
	if (json_reserve(j, n) < 0)
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

void json_lit(struct json *j, const char *s)
{
	json_raw(j, s, strlen(s));
}

void json_printf(struct json *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || json_reserve(j, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(j->buf + j->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	j->len += (size_t)n;
}

size_t utf8_seq_len(const uint8_t *s, size_t n)
{
	uint32_t c;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

void json_str(struct json *j, const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i = 0, k;

	json_raw(j, "\"", 1);
	while (i < n) {
		if (u[i] == '"' || u[i] == '\\') {
			char esc[2] = { '\\', (char)u[i] };

			json_raw(j, esc, 2);
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			json_printf(j, "\\u%04x", u[i]);
			i++;
		} else if ((k = utf8_seq_len(u + i, n - i)) == 0) {
			json_raw(j, "\xef\xbf\xbd", 3);
			i++;
		} else {
			json_raw(j, s + i, k);
			i += k;
		}
	}
	json_raw(j, "\"", 1);
}

/* A recursive-descent syntax check (RFC 8259), bounded by depth. */
struct scan {
	const char *s;
	size_t n, i;
};

static void skip_ws(struct scan *c)
{
	while (c->i < c->n && strchr(" \t\r\n", c->s[c->i]) && c->s[c->i])
		c->i++;
}

static int scan_value(struct scan *c, int depth);

static int scan_string(struct scan *c)
{
	size_t k;

	if (c->i >= c->n || c->s[c->i] != '"')
		return -1;
	c->i++;
	while (c->i < c->n) {
		uint8_t ch = (uint8_t)c->s[c->i];

		if (ch == '"') {
			c->i++;
			return 0;
		}
		if (ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (++c->i >= c->n)
				return -1;
			if (c->s[c->i] == 'u') {
				for (k = 1; k <= 4; k++)
					if (c->i + k >= c->n || !strchr("0123456789abcdefABCDEF",
									c->s[c->i + k]) || !c->s[c->i + k])
						return -1;
				c->i += 5;
			} else if (c->s[c->i] && strchr("\"\\/bfnrt", c->s[c->i])) {
				c->i++;
			} else {
				return -1;
			}
			continue;
		}
		k = utf8_seq_len((const uint8_t *)c->s + c->i, c->n - c->i);
		if (k == 0)
			return -1;
		c->i += k;
	}
	return -1;
}

static size_t scan_digits(struct scan *c)
{
	size_t start = c->i;

	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i - start;
}

static int scan_number(struct scan *c)
{
	size_t start;

	if (c->i < c->n && c->s[c->i] == '-')
		c->i++;
	start = c->i;
	if (scan_digits(c) == 0 || (c->s[start] == '0' && c->i - start > 1))
		return -1;
	if (c->i < c->n && c->s[c->i] == '.') {
		c->i++;
		if (scan_digits(c) == 0)
			return -1;
	}
	if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
		c->i++;
		if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
			c->i++;
		if (scan_digits(c) == 0)
			return -1;
	}
	return 0;
}

static int scan_word(struct scan *c, const char *w)
{
	size_t len = strlen(w);

	if (c->n - c->i < len || memcmp(c->s + c->i, w, len) != 0)
		return -1;
	c->i += len;
	return 0;
}

/* An object or array: open and close are its brackets. */
static int scan_container(struct scan *c, int depth, char open, char close)
{
	if (depth <= 0)
		return -1;
	c->i++;	/* open */
	skip_ws(c);
	if (c->i < c->n && c->s[c->i] == close) {
		c->i++;
		return 0;
	}
	for (;;) {
		skip_ws(c);
		if (open == '{') {
			if (scan_string(c) < 0)
				return -1;
			skip_ws(c);
			if (c->i >= c->n || c->s[c->i] != ':')
				return -1;
			c->i++;
		}
		if (scan_value(c, depth - 1) < 0)
			return -1;
		skip_ws(c);
		if (c->i >= c->n)
			return -1;
		if (c->s[c->i] == close) {
			c->i++;
			return 0;
		}
		if (c->s[c->i] != ',')
			return -1;
		c->i++;
	}
}

static int scan_value(struct scan *c, int depth)
{
	skip_ws(c);
	if (c->i >= c->n)
		return -1;
	switch (c->s[c->i]) {
	case '{':
		return scan_container(c, depth, '{', '}');
	case '[':
		return scan_container(c, depth, '[', ']');
	case '"':
		return scan_string(c);
	case 't':
		return scan_word(c, "true");
	case 'f':
		return scan_word(c, "false");
	case 'n':
		return scan_word(c, "null");
	default:
		return scan_number(c);
	}
}

int json_is_object(const char *s, size_t n, int depth)
{
	struct scan c = { s, n, 0 };

	skip_ws(&c);
	if (c.i >= n || s[c.i] != '{' || scan_value(&c, depth) < 0)
		return 0;
	skip_ws(&c);
	return c.i == n;
}
