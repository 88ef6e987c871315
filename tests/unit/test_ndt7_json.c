/* Unit tests for services/ndt7/json.c: string escaping, the size limit,
 * UTF-8 sequences and the JSON object check used on client messages. */
#include <string.h>

#include "json.h"
#include "tap.h"

struct str_case {
	const char *in;
	size_t n;
	const char *out;
};

static const struct str_case str_cases[] = {
	{ "abc", 3, "\"abc\"" },
	{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
	{ "\n\x01\x7f", 3, "\"\\u000a\\u0001\\u007f\"" },
	{ "\xc3\xa9", 2, "\"\xc3\xa9\"" },
	{ "\xff", 1, "\"\xef\xbf\xbd\"" },
	{ "\xc3", 1, "\"\xef\xbf\xbd\"" },
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },	/* surrogate */
};

static void test_strings(void)
{
	size_t i;

	for (i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
		struct json j;

		json_init(&j, 0);
		json_str(&j, str_cases[i].in, str_cases[i].n);
		CHECK(json_ok(&j) && strcmp(j.buf, str_cases[i].out) == 0,
		      "string %zu escapes to %s (got %s)", i, str_cases[i].out, j.buf);
		json_free(&j);
	}
}

static void test_limit(void)
{
	struct json j;
	int i;

	json_init(&j, 64);
	for (i = 0; i < 20; i++)
		json_printf(&j, "%d", 12345);
	CHECK(!json_ok(&j) && j.len <= 64, "over the limit: failed, never grown past it");
	json_free(&j);
	json_init(&j, 0);
	for (i = 0; i < 10000; i++)
		json_lit(&j, "0123456789");
	CHECK(json_ok(&j) && j.len == 100000 && j.buf[j.len] == '\0', "no limit: grows");
	json_free(&j);
}

struct utf8_case {
	const char *s;
	size_t n, len;
};

static const struct utf8_case utf8_cases[] = {
	{ "a", 1, 1 }, { "\xc3\xa9", 2, 2 }, { "\xe2\x82\xac", 3, 3 }, { "\xf0\x9f\x98\x80", 4, 4 },
	{ "\xc0\x80", 2, 0 }, { "\xe0\x80\x80", 3, 0 }, { "\xf4\x90\x80\x80", 4, 0 },
	{ "\xe2\x82", 2, 0 }, { "\x80", 1, 0 }, { "\xf5\x80\x80\x80", 4, 0 }, { "", 0, 0 },
};

static void test_utf8(void)
{
	size_t i;

	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++)
		CHECK(utf8_seq_len((const uint8_t *)utf8_cases[i].s, utf8_cases[i].n) ==
		      utf8_cases[i].len, "UTF-8 case %zu: length %zu", i, utf8_cases[i].len);
}

struct obj_case {
	const char *s;
	int ok;
};

static const struct obj_case obj_cases[] = {
	{ "{}", 1 }, { " { } ", 1 }, { "{\"a\":1}", 1 },
	{ "{\"AppInfo\":{\"ElapsedTime\":1,\"NumBytes\":2.5e3},\"x\":[true,false,null,\"\\u00e9\"]}", 1 },
	{ "{\"a\":-0.5E-3}", 1 }, { "{\"\xc3\xa9\":\"\"}", 1 },
	{ "", 0 }, { "[]", 0 }, { "1", 0 }, { "{", 0 }, { "{\"a\"}", 0 }, { "{\"a\":}", 0 },
	{ "{\"a\":1,}", 0 }, { "{a:1}", 0 }, { "{\"a\":01}", 0 }, { "{\"a\":1.}", 0 },
	{ "{\"a\":tru}", 0 }, { "{\"a\":\"\\x\"}", 0 }, { "{\"a\":\"\\u12\"}", 0 },
	{ "{\"a\":\"\x01\"}", 0 }, { "{\"a\":\"\xff\"}", 0 }, { "{} {}", 0 }, { "{}x", 0 },
	{ "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", 0 },	/* deeper than 16 */
	{ "{\"a\":[[[1]]]}", 1 },
};

static void test_objects(void)
{
	size_t i;

	for (i = 0; i < sizeof(obj_cases) / sizeof(obj_cases[0]); i++)
		CHECK(json_is_object(obj_cases[i].s, strlen(obj_cases[i].s), 16) == obj_cases[i].ok,
		      "%s is %sa JSON object", obj_cases[i].s, obj_cases[i].ok ? "" : "not ");
	CHECK(!json_is_object("{\"a\":1}", 6, 16), "a prefix of an object is not one");
	CHECK(!json_is_object("{\"a\":\0}", 7, 16), "NUL inside is rejected");
}

int main(void)
{
	test_strings();
	test_limit();
	test_utf8();
	test_objects();
	return tap_done();
}
