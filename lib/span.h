/* Spans: pieces of a larger string, never NUL-terminated, never modified,
 * and the small parsers over them (decimal, hex digits). Pure. */
#ifndef FATHOM_LIB_SPAN_H
#define FATHOM_LIB_SPAN_H

#include <stddef.h>

struct span {
	const char *s;
	size_t len;
};

/* The whole of s (NULL gives the empty span). */
struct span span_of(const char *s);

/* Whether sp is exactly s. */
int span_equals(struct span sp, const char *s);

/* sp without blanks (' ', '\t') and CRs at either end. */
struct span span_trim(struct span sp);

/* Split sp at each sep into at most max fields; returns how many fields
 * there are in total, which may be more than max. */
size_t span_split(struct span sp, char sep, struct span *fields, size_t max);

/* Digits only (no sign, no blanks), at most max: 1 and *out set, else 0. */
int span_to_uint(struct span sp, unsigned max, unsigned *out);

/* Copy sp into buf as a C string: 1, or 0 (buf untouched) if it does not
 * fit in size bytes with the NUL. */
int span_to_cstr(struct span sp, char *buf, size_t size);

/* The value of one hex digit (either case), or -1. */
int hex_value(char c);

#endif
