/* Unit tests for the uploader's transports (services/uploader/target.c,
 * put.c, gcs.c): HTTP statuses and network errors as outcomes, object names
 * percent-encoded, the PUT URL template and token file, GCS's object
 * resource (crc32c, md5Hash), CRC32C itself and the checksum comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "target_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	int status;
	enum target_result r;
	const char *reason;
} statuses[] = {
	{ 500, TARGET_RETRY, "http_5xx" }, { 502, TARGET_RETRY, "http_5xx" },
	{ 503, TARGET_RETRY, "http_5xx" }, { 408, TARGET_RETRY, "http_5xx" },
	{ 429, TARGET_RETRY, "http_429" }, { 401, TARGET_AUTH, "auth" },
	{ 403, TARGET_AUTH, "auth" },	   { 400, TARGET_FATAL, "http_4xx" },
	{ 404, TARGET_FATAL, "http_4xx" }, { 413, TARGET_FATAL, "http_4xx" },
	{ 301, TARGET_FATAL, "http_3xx" }, { 101, TARGET_FATAL, "http_3xx" },
};

static const struct {
	const char *err;
	const char *reason;
} errors[] = {
	{ "timeout after 30 s", "timeout" },
	{ "timeout after 1500 ms", "timeout" },
	{ "connect 192.0.2.5:443: Connection refused", "connect" },
	{ "resolve storage.googleapis.com: Name or service not known", "connect" },
	{ "send: Connection reset by peer", "reset" },
	{ "recv: Connection reset by peer", "reset" },
	{ "TLS: write failed: connection closed", "reset" },
	{ "TLS: read failed: unexpected eof while reading", "reset" },
	{ "bad response: connection closed", "reset" },
	{ "TLS: certificate verify failed for x: unable to get local issuer certificate", "tls" },
	{ "TLS: handshake failed: wrong version number", "tls" },
	{ "pin: server key does not match", "tls" },
	{ "out of memory for the request", "network" },
};

static void test_outcomes(void)
{
	struct target_outcome o;

	for (size_t i = 0; i < N(statuses); i++) {
		target_outcome_status(&o, "GCS upload", statuses[i].status);
		CHECK(o.result == statuses[i].r && strcmp(o.reason, statuses[i].reason) == 0 &&
			      strstr(o.detail, "GCS upload: HTTP "),
		      "HTTP %d is %s %s", statuses[i].status, target_result_name(statuses[i].r),
		      statuses[i].reason);
	}
	for (size_t i = 0; i < N(errors); i++) {
		target_outcome_error(&o, "PUT", errors[i].err);
		CHECK(o.result == TARGET_RETRY && strcmp(o.reason, errors[i].reason) == 0 &&
			      strncmp(o.detail, "PUT: ", 5) == 0 && strstr(o.detail, errors[i].err),
		      "\"%s\" is retry %s", errors[i].err, errors[i].reason);
	}
	CHECK(strcmp(target_result_name(TARGET_OK), "ok") == 0 &&
		      strcmp(target_result_name(TARGET_FATAL), "fatal") == 0 &&
		      strcmp(target_result_name((enum target_result)9), "unknown") == 0,
	      "result names");
}

static const struct {
	const char *body;
	const char *msg;	/* NULL: none */
} messages[] = {
	{ "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}",
	  "invalid_grant: Invalid JWT Signature." },
	{ "{\"error\":\"invalid_client\"}", "invalid_client" },
	{ "{\"error\":{\"code\":403,\"message\":\"a@b does not have storage.objects.create "
	  "access\"}}", "a@b does not have storage.objects.create access" },
	{ "{\"error\":\"x\\r\\nInjected: 1\\u00e9\"}", "x??Injected: 1??" },
	{ "{\"error\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}",
	  "012345678901234567890123456789012345678901234567890123456789012" },
	{ "{\"error\":{\"code\":500}}", NULL },
	{ "{\"error\":\"\"}", NULL },
	{ "{\"error\":7}", NULL },
	{ "Internal Server Error\n", NULL },
	{ "[\"error\"]", NULL },
};

static void test_messages(void)
{
	struct target_outcome o;
	char out[64];

	for (size_t i = 0; i < N(messages); i++) {
		int rc = target_error_message(messages[i].body, strlen(messages[i].body), out,
					      sizeof(out));

		CHECK(messages[i].msg ? rc == 0 && strcmp(out, messages[i].msg) == 0
				      : rc == -1 && out[0] == '\0',
		      "server message case %zu: %s", i, messages[i].msg ? messages[i].msg : "none");
	}
	target_outcome_status(&o, "PUT", 403);
	target_outcome_note(&o, messages[2].body, strlen(messages[2].body));
	CHECK(strstr(o.detail, "bucket (server: a@b does not have storage.objects.create access)"),
	      "the server's message appended to the detail");
	target_outcome_status(&o, "PUT", 500);
	target_outcome_note(&o, "<html>", 6);
	CHECK(strcmp(o.detail, "PUT: HTTP 500: the server failed; retrying later") == 0,
	      "no message, nothing appended");
	memset(o.detail, 'a', sizeof(o.detail) - 1);
	o.detail[sizeof(o.detail) - 1] = '\0';
	target_outcome_note(&o, messages[0].body, strlen(messages[0].body));
	CHECK(strlen(o.detail) == sizeof(o.detail) - 1, "a full detail stays bounded");
}

static const struct {
	const char *in;
	int keep_slash;
	const char *out;	/* NULL: refused */
} encodes[] = {
	{ "autoload/v2/org1/ndt/ndt7/2026/12/07/a-b_c.d~e.jsonl.gz", 1,
	  "autoload/v2/org1/ndt/ndt7/2026/12/07/a-b_c.d~e.jsonl.gz" },
	{ "a/b c", 0, "a%2Fb%20c" },
	{ "a?b#c&d=e+f%", 1, "a%3Fb%23c%26d%3De%2Bf%25" },
	{ "\xc3\xa9", 1, "%C3%A9" },
	{ "", 1, NULL },
	{ "a\nb", 1, NULL },
	{ "a\x7f", 1, NULL },
};

static void test_encode(void)
{
	char out[64], small[4];

	for (size_t i = 0; i < N(encodes); i++) {
		int rc = target_encode(encodes[i].in, encodes[i].keep_slash, out, sizeof(out));

		CHECK(encodes[i].out ? rc == 0 && strcmp(out, encodes[i].out) == 0 : rc == -1,
		      "encode case %zu -> %s", i, encodes[i].out ? encodes[i].out : "refused");
	}
	CHECK(target_encode("abc", 1, small, sizeof(small)) == 0 && strcmp(small, "abc") == 0,
	      "encode: exactly fits");
	CHECK(target_encode("abcd", 1, small, sizeof(small)) == -1, "encode: too long refused");
	CHECK(target_encode("a b", 1, small, sizeof(small)) == -1, "encode: escape too long");
}

static const struct {
	const char *tmpl, *object;
	const char *url;	/* NULL: refused */
} puts_[] = {
	{ "https://h.example/up/{object}", "a/b c.gz", "https://h.example/up/a/b%20c.gz" },
	{ "https://h.example/{object}?x=1", "o", "https://h.example/o?x=1" },
	{ "https://h.example/up/", "o", NULL },
	{ "https://h.example/{object}/{object}", "o", NULL },
	{ "https://h.example/{object}", "", NULL },
};

static void test_put_url(void)
{
	char url[128], tiny[24];
	const char *why;

	for (size_t i = 0; i < N(puts_); i++) {
		int rc;

		why = NULL;
		rc = put_url_build(puts_[i].tmpl, puts_[i].object, url, sizeof(url), &why);
		CHECK(puts_[i].url ? rc == 0 && strcmp(url, puts_[i].url) == 0
				   : rc == -1 && why && why[0],
		      "PUT URL %s + %s", puts_[i].tmpl, puts_[i].object);
	}
	CHECK(put_url_build("https://h.example/{object}", "abcdefgh", tiny, sizeof(tiny), &why) ==
		      -1 && strstr(why, "too long"),
	      "PUT URL: too long refused");
}

static const struct {
	const char *content;	/* NULL: no file */
	const char *token;	/* NULL: refused */
	const char *err;
} tokens[] = {
	{ "abc.DEF-123_x\n", "abc.DEF-123_x", NULL },
	{ "tok \t\r\nsecond line\n", "tok", NULL },
	{ "tok", "tok", NULL },
	{ "", NULL, "empty" },
	{ "\n", NULL, "empty" },
	{ "a b\n", NULL, "printable ASCII" },
	{ "a\x01\n", NULL, "printable ASCII" },
	{ NULL, NULL, "No such file" },
};

static void test_put_token(void)
{
	char dir[] = "/tmp/test_uploader.XXXXXX", file[64], tok[64], err[256];

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(file, sizeof(file), "%s/token", dir);
	for (size_t i = 0; i < N(tokens); i++) {
		int rc;

		unlink(file);
		if (tokens[i].content) {
			FILE *f = fopen(file, "w");

			fputs(tokens[i].content, f);
			fclose(f);
		}
		err[0] = '\0';
		rc = put_token_read(file, tok, sizeof(tok), err, sizeof(err));
		CHECK(tokens[i].token ? rc == 0 && strcmp(tok, tokens[i].token) == 0
				      : rc == -1 && strstr(err, tokens[i].err) && strstr(err, file),
		      "token file case %zu: %s", i, tokens[i].token ? tokens[i].token : tokens[i].err);
	}
	unlink(file);
	rmdir(dir);
}

/* "hello": CRC32C 0x9A71BB4C, MD5 5d41402abc4b2a76b9719d911017c592. */
static const struct {
	const char *body;
	int rc, crc, md5;
	const char *why;
} objects[] = {
	{ "{\"name\":\"a/b\",\"crc32c\":\"mnG7TA==\",\"md5Hash\":\"XUFAKrxLKna5cZ2REBfFkg==\","
	  "\"size\":\"5\"}", 0, 1, 1, NULL },
	{ "{\"name\":\"a/b\",\"crc32c\":\"mnG7TA==\"}", 0, 1, 0, NULL },
	{ "{\"name\":\"a/b\",\"md5Hash\":\"XUFAKrxLKna5cZ2REBfFkg==\"}", 0, 0, 1, NULL },
	{ "{\"name\":\"a/b\"}", 0, 0, 0, NULL },
	{ "{\"name\":\"a/b\",\"crc32c\":\"mnG7TA\"}", -1, 0, 0, "crc32c" },
	{ "{\"name\":\"a/b\",\"crc32c\":\"mnG7TAAA\"}", -1, 0, 0, "crc32c" },
	{ "{\"name\":\"a/b\",\"crc32c\":\"mn=7TA==\"}", -1, 0, 0, "crc32c" },
	{ "{\"name\":\"a/b\",\"crc32c\":12}", -1, 0, 0, "crc32c" },
	{ "{\"name\":\"a/b\",\"md5Hash\":\"XUFAKrxLKna5cZ2REBfF\"}", -1, 0, 0, "md5Hash" },
	{ "{\"crc32c\":\"mnG7TA==\"}", -1, 0, 0, "name" },
	{ "{\"name\":\"a\\u0000b\"}", -1, 0, 0, "not JSON" },
	{ "{\"name\":\"a\",\"name\":\"b\"}", -1, 0, 0, "not JSON" },
	{ "[1]", -1, 0, 0, "not a JSON object" },
	{ "<html>", -1, 0, 0, "not JSON" },
};

static void test_gcs_object(void)
{
	struct gcs_object o;
	const char *why;

	for (size_t i = 0; i < N(objects); i++) {
		int rc;

		why = NULL;
		rc = gcs_object_parse(objects[i].body, strlen(objects[i].body), &o, &why);
		CHECK(rc == objects[i].rc &&
			      (rc == 0 ? o.have_crc32c == objects[i].crc && o.have_md5 == objects[i].md5 &&
						 strcmp(o.name, "a/b") == 0
				       : why && strstr(why, objects[i].why) != NULL),
		      "GCS object case %zu: %s", i, rc ? objects[i].why : "parsed");
		if (rc == 0 && o.have_crc32c)
			CHECK(o.crc32c == 0x9A71BB4Cu, "crc32c decoded big-endian");
		if (rc == 0) {
			int good = gcs_checksum_check(&o, "hello", 5, &why);
			int bad = gcs_checksum_check(&o, "hellO", 5, &why);

			CHECK(o.have_crc32c || o.have_md5 ? good == 0 && bad == -1 && why
							  : good == -1 && strstr(why, "neither"),
			      "GCS object case %zu: checksum of \"hello\" matches, of \"hellO\" not", i);
		}
	}
}

static void test_crc32c(void)
{
	unsigned char zeros[32] = { 0 }, ones[32];

	memset(ones, 0xff, sizeof(ones));
	/* The check value and RFC 3720 B.4's vectors. */
	CHECK(gcs_crc32c(0, "123456789", 9) == 0xE3069283u, "crc32c(123456789)");
	CHECK(gcs_crc32c(0, zeros, 32) == 0x8A9136AAu, "crc32c(32 zeros)");
	CHECK(gcs_crc32c(0, ones, 32) == 0x62A8AB43u, "crc32c(32 0xff)");
	CHECK(gcs_crc32c(gcs_crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u,
	      "crc32c in two parts");
	CHECK(gcs_crc32c(0, "", 0) == 0, "crc32c of nothing");
}

int main(void)
{
	test_outcomes();
	test_messages();
	test_encode();
	test_put_url();
	test_put_token();
	test_gcs_object();
	test_crc32c();
	return tap_done();
}
