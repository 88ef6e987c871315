/* Bounded text buffers for rendering and messages (contract: strbuf.h). */
#include "lib/strbuf.h"

#include <stdarg.h>
#include <stdio.h>

void strbuf_init(struct strbuf *sb, char *s, size_t size)
{
	sb->s = s;
	sb->size = size;
	sb->len = 0;
	sb->overflow = size == 0;
	if (size)
		s[0] = '\0';
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	size_t avail = sb->size - sb->len;
	va_list ap;
	int n;

	if (sb->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->s + sb->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= avail) {
		sb->overflow = 1;
		sb->s[sb->len] = '\0';
		return;
	}
	sb->len += (size_t)n;
}

void strbuf_add_escaped(struct strbuf *sb, struct span text, size_t max)
{
	size_t shown = text.len > max ? max : text.len;
	size_t i;

	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)text.s[i];

		if (c == '"' || c == '\\')
			strbuf_addf(sb, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addf(sb, "%c", c);
	}
	if (shown < text.len)
		strbuf_addf(sb, "...");
}

void strbuf_add_quoted(struct strbuf *sb, struct span text, size_t max)
{
	strbuf_addf(sb, "\"");
	strbuf_add_escaped(sb, text, max);
	strbuf_addf(sb, "\"");
}

int strbuf_result(const struct strbuf *sb)
{
	return sb->overflow ? -1 : (int)sb->len;
}

int strbuf_finish(struct strbuf *sb)
{
	if (sb->overflow && sb->size > 0)
		sb->s[0] = '\0';
	return strbuf_result(sb);
}
