/* A growable text buffer for building JSON, and a JSON syntax check for
 * text that clients send us. No allocation failure is fatal: the buffer
 * remembers it and json_ok() reports it. */
#ifndef NDT7_JSON_H
#define NDT7_JSON_H

#include <stddef.h>
#include <stdint.h>

struct json {
	char *buf;
	size_t len, cap;
	size_t limit;	/* never grow past this many bytes (0: no limit) */
	int failed;	/* out of memory or over the limit */
};

void json_init(struct json *j, size_t limit);
void json_free(struct json *j);
int json_ok(const struct json *j);
void json_raw(struct json *j, const char *s, size_t n);
void json_lit(struct json *j, const char *s);
void json_printf(struct json *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* s as a quoted JSON string; bytes that are not valid UTF-8 become U+FFFD. */
void json_str(struct json *j, const char *s, size_t n);

/* Whether s[0..n) is exactly one JSON object, nested at most depth deep. */
int json_is_object(const char *s, size_t n, int depth);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is invalid. */
size_t utf8_seq_len(const uint8_t *s, size_t n);

#endif
