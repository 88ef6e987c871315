/* A bounded text buffer: appends with printf formats into caller memory,
 * remembers that something did not fit instead of failing each call, and
 * keeps the text NUL-terminated after the last complete append. Pure. */
#ifndef FATHOM_LIB_STRBUF_H
#define FATHOM_LIB_STRBUF_H

#include <stddef.h>

#include "lib/span.h"

struct strbuf {
	char *s;
	size_t size;
	size_t len;
	int overflow;
};

/* Start empty in s[0..size) (size 0 counts as overflowed). */
void strbuf_init(struct strbuf *sb, char *s, size_t size);

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A user's text for a one-line message: '"' and '\' escaped, control and
 * non-ASCII bytes as \xNN (a stray newline cannot split the line), cut
 * after max bytes and marked "...". */
void strbuf_add_escaped(struct strbuf *sb, struct span text, size_t max);

/* The same, in double quotes. */
void strbuf_add_quoted(struct strbuf *sb, struct span text, size_t max);

/* The length written, or -1 if anything did not fit. */
int strbuf_result(const struct strbuf *sb);

/* The same, for a whole rendered file: on -1 the text is emptied, so a
 * half-written file is never mistaken for a whole one. */
int strbuf_finish(struct strbuf *sb);

#endif
