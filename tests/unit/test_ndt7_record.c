/* Unit tests for services/ndt7/record.c, uuid.c and gzip.c: whatever a
 * client sends as measurements, and however many, the result record is
 * valid JSON; M-Lab's UUIDs from a real socket's cookie; the access token
 * never stored; gzipped records inflate to the record. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "gzip.h"
#include "json.h"
#include "record.h"
#include "tap.h"
#include "uuid.h"

static const struct ndt7_config cfg = { .spool_dir = "/nonexistent" };

/* The record of r, checked as one JSON object; how many client
 * measurements it kept (counted by their "k" keys). */
static int record_valid(const struct record *r, int *kept)
{
	char name[256];
	struct json j;
	const char *p;
	int ok;

	ok = record_json(r, &cfg, &j, name, sizeof(name)) == 0 && j.len > 1 &&
		json_is_object(j.buf, j.len - 1, 32);	/* without its newline */
	*kept = 0;
	for (p = j.buf; ok && (p = strstr(p, "{\"k\":")); p++)
		(*kept)++;
	json_free(&j);
	return ok;
}

/* n client measurements of size bytes each; returns the record's validity. */
static int flood(size_t size, int n, int *kept)
{
	char *msg = malloc(size);
	struct record r;
	int i, ok;

	record_init(&r, -1, "host_1", 1);
	record_start(&r, TEST_DOWNLOAD, "client_name=unit", 16);
	for (i = 0; i < n; i++) {
		int h = snprintf(msg, size, "{\"k\":%d,\"pad\":\"", i);

		memset(msg + h, 'x', size - (size_t)h - 2);
		memcpy(msg + size - 2, "\"}", 2);
		record_client_text(&r, (const uint8_t *)msg, size);
	}
	ok = record_valid(&r, kept);
	record_free(&r);
	free(msg);
	return ok;
}

static const struct {
	const char *name, *text;
	long long btime;
} btime_cases[] = {
	{ "a real /proc/stat", "cpu  1 2 3\ncpu0 1 2 3\nintr 5 0\nctxt 99\nbtime 1700000000\n"
	  "processes 12\n", 1700000000 },
	{ "first line", "btime 42\nctxt 1\n", 42 },
	{ "last line, no newline", "ctxt 1\nbtime 7", 7 },
	{ "absent", "cpu 1 2\nctxt 1\n", -1 },
	{ "not a number", "btime abc\n", -1 },
	{ "negative", "btime -5\n", -1 },
	{ "trailing junk", "btime 12x\n", -1 },
	{ "empty value", "btime \n", -1 },
	{ "a longer key", "btimes 12\n", -1 },
	{ "overflow", "btime 99999999999999999999999\n", -1 },
	{ "empty", "", -1 },
};

static const struct {
	const char *host;
	long long btime;
	const char *prefix;
} prefix_cases[] = {
	{ "ndt.mlab3.atl05.measurement-lab.org", 1548788619,
	  "ndt.mlab3.atl05.measurement-lab.org_1548788619" },
	{ "fathom-01", 5, "fathom-01_5" },
	{ "a/b_c d\\e", 5, "a-b-c-d-e_5" },
	{ "", 5, "localhost_5" },
	{ "host", -1, "host_BADBOOTTIME" },
};

static void test_uuid_parts(void)
{
	char out[NDT7_UUID_MAX];
	size_t i;

	for (i = 0; i < sizeof(btime_cases) / sizeof(btime_cases[0]); i++)
		CHECK(ndt7_btime_parse(btime_cases[i].text, strlen(btime_cases[i].text)) ==
		      btime_cases[i].btime, "btime: %s", btime_cases[i].name);
	CHECK(ndt7_btime() > 1000000000, "this machine's boot time from /proc/stat");
	for (i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		ndt7_uuid_prefix(out, sizeof(out), prefix_cases[i].host, prefix_cases[i].btime);
		CHECK(strcmp(out, prefix_cases[i].prefix) == 0, "UUID prefix of \"%s\": %s",
		      prefix_cases[i].host, out);
	}
	ndt7_uuid_format(out, sizeof(out), "h_1", 0x157C6);
	CHECK(strcmp(out, "h_1_00000000000157C6") == 0, "cookie as %%016X: %s", out);
	ndt7_uuid_format(out, sizeof(out), "h_1", ~0ull);
	CHECK(strcmp(out, "h_1_FFFFFFFFFFFFFFFF") == 0, "the largest cookie: %s", out);
}

/* A connected TCP pair on loopback: *a the accepted end. */
static int tcp_pair(int *a, int *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	*a = *b = -1;
	if (l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) < 0 ||
	    (*b = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(*b, (struct sockaddr *)&sin, sizeof(sin)) < 0 || (*a = accept(l, NULL, NULL)) < 0) {
		close(l);
		return -1;
	}
	close(l);
	return 0;
}

static void test_uuid_socket(void)
{
	char u1[NDT7_UUID_MAX], u2[NDT7_UUID_MAX], want[NDT7_UUID_MAX];
	uint64_t c1 = 0, c2 = 0;
	int a, b;
	struct record r;

	if (tcp_pair(&a, &b) < 0) {
		CHECK(0, "a TCP connection on loopback");
		return;
	}
	CHECK(ndt7_socket_cookie(a, &c1) == 0 && ndt7_socket_cookie(b, &c2) == 0 && c1 && c2 &&
	      c1 != c2, "each socket has its own cookie (%llx, %llx)", (unsigned long long)c1,
	      (unsigned long long)c2);
	CHECK(ndt7_uuid(u1, sizeof(u1), "h_9", a, 1) == 0 &&
	      ndt7_uuid(u2, sizeof(u2), "h_9", a, 2) == 0 && strcmp(u1, u2) == 0,
	      "the UUID is the socket's, not the count's: %s", u1);
	snprintf(want, sizeof(want), "h_9_%016llX", (unsigned long long)c1);
	CHECK(strcmp(u1, want) == 0 && strlen(u1) == 4 + 16, "UUID is prefix_%%016X(cookie)");
	record_init(&r, a, "h_9", 3);
	CHECK(strcmp(r.uuid, want) == 0 && strcmp(r.client_ip, "127.0.0.1") == 0 && r.client_port,
	      "record_init: the UUID and the client's address (%s, %s:%u)", r.uuid, r.client_ip,
	      r.client_port);
	record_free(&r);
	close(a);
	close(b);
	CHECK(ndt7_uuid(u1, sizeof(u1), "h_9", -1, 0x2a) == -1 &&
	      strncmp(u1, "h_9_unsafe_", 11) == 0 && strlen(u1) == 11 + 16 &&
	      strcmp(u1 + 19, "0000002A") == 0, "no cookie: upstream's \"unsafe\" mark (%s)", u1);
}

/* The record of a test whose query has an access token. */
static void test_no_token(void)
{
	static const char q[] = "client_name=unit&access_token=eyJhbGciOiJFZERTQSJ9.secret.sig"
		"&server_x=1&client_version=2";
	const struct ndt7_config c = { .spool_dir = "/nonexistent" };
	char name[256];
	struct record r;
	struct json j;

	record_init(&r, -1, "host_1", 1);
	record_start(&r, TEST_DOWNLOAD, q, sizeof(q) - 1);
	CHECK(record_json(&r, &c, &j, name, sizeof(name)) == 0 &&
	      strstr(j.buf, "\"ClientMetadata\":[{\"Name\":\"client_name\",\"Value\":\"unit\"},"
		     "{\"Name\":\"client_version\",\"Value\":\"2\"}]") &&
	      !strstr(j.buf, "access_token") && !strstr(j.buf, "secret") && !strstr(j.buf, "server_x"),
	      "the access token is not stored, other parameters are");
	CHECK(strncmp(name, "ndt7/", 5) == 0 && strstr(name, ".host_1_unsafe_") &&
	      strlen(name) > 8 && strcmp(name + strlen(name) - 5, ".json") == 0,
	      "the record's path: %s", name);
	json_free(&j);
	record_free(&r);
}

static int inflate_all(const char *in, size_t n, char *out, size_t cap, size_t *len)
{
	z_stream z = { 0 };
	int rc;

	if (inflateInit2(&z, 15 + 16) != Z_OK)	/* gzip only */
		return -1;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	rc = inflate(&z, Z_FINISH);
	*len = z.total_out;
	inflateEnd(&z);
	return rc == Z_STREAM_END && z.avail_in == 0 ? 0 : -1;
}

static void test_gzip(void)
{
	static const size_t sizes[] = { 0, 1, 100, 70000, 1u << 20 };
	static char in[1u << 20], out[(1u << 20) + 1];
	size_t i, k, gz_len, len;

	for (k = 0; k < sizeof(in); k++)	/* half text, half noise */
		in[k] = k % 2 ? "{\"AppInfo\":1}"[k % 13] : (char)(rand() & 0xff);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *gz = ndt7_gzip(in, sizes[i], &gz_len);

		CHECK(gz && gz_len >= 18 && (unsigned char)gz[0] == 0x1f &&
		      (unsigned char)gz[1] == 0x8b && inflate_all(gz, gz_len, out, sizeof(out),
								   &len) == 0 &&
		      len == sizes[i] && memcmp(in, out, len) == 0,
		      "gzip of %zu bytes: magic 1f 8b, inflates to the same bytes (%zu gzipped)",
		      sizes[i], gz_len);
		free(gz);
	}
}

int main(void)
{
	struct record r;
	int kept;

	CHECK(!json_is_object("{\"a\":[{},]}", 10, 4), "the checker refuses a list ending in a comma");
	CHECK(flood(100, 3, &kept) && kept == 3, "three small measurements: all kept (%d)", kept);
	CHECK(flood(100, 500, &kept) && kept == 200,
	      "500 small measurements: the first 200 kept, valid JSON (%d)", kept);
	/* 16 KiB each: the list's 1 MiB bound is reached after ~64. */
	CHECK(flood(16384, 200, &kept) && kept > 50 && kept < 70,
	      "200 measurements of 16 KiB: cut whole at the byte bound, valid JSON (%d kept)", kept);
	CHECK(flood(16384, 64, &kept) && kept > 50, "exactly at the bound: valid JSON (%d kept)", kept);
	record_init(&r, -1, "host_1", 2);
	record_start(&r, TEST_UPLOAD, "", 0);
	record_client_text(&r, (const uint8_t *)"[1,2]", 5);
	record_client_text(&r, (const uint8_t *)"{\"a\":", 5);
	record_client_text(&r, (const uint8_t *)"{\"k\":1}", 7);
	CHECK(record_valid(&r, &kept) && kept == 1, "only JSON objects are kept (%d)", kept);
	record_free(&r);
	test_uuid_parts();
	test_uuid_socket();
	test_no_token();
	test_gzip();
	return tap_done();
}
