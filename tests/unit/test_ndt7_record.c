/* Unit tests for services/ndt7/record.c: whatever a client sends as
 * measurements, and however many, the result record is valid JSON. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "record.h"
#include "tap.h"

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

	record_init(&r, -1, "host", 0, 1);
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

/* The access token is a credential: never in the record's ClientMetadata,
 * however it is spelled, while the other parameters are kept. */
static void test_no_token(void)
{
	static const char q[] = "client_name=unit&access_token=eyJhbGciOi.SECRETPAYLOAD.SIG"
		"&access%5Ftoken=SECRET2&x=1";
	char name[256];
	struct record r;
	struct json j;

	record_init(&r, -1, "host", 0, 3);
	record_start(&r, TEST_DOWNLOAD, q, sizeof(q) - 1);
	CHECK(record_json(&r, &cfg, &j, name, sizeof(name)) == 0 && j.buf &&
	      !strstr(j.buf, "access_token") && !strstr(j.buf, "SECRET") &&
	      strstr(j.buf, "{\"Name\":\"client_name\",\"Value\":\"unit\"}") &&
	      strstr(j.buf, "{\"Name\":\"x\",\"Value\":\"1\"}"),
	      "access_token never in the record; the other parameters are");
	json_free(&j);
	record_free(&r);
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
	record_init(&r, -1, "host", 0, 2);
	record_start(&r, TEST_UPLOAD, "", 0);
	record_client_text(&r, (const uint8_t *)"[1,2]", 5);
	record_client_text(&r, (const uint8_t *)"{\"a\":", 5);
	record_client_text(&r, (const uint8_t *)"{\"k\":1}", 7);
	CHECK(record_valid(&r, &kept) && kept == 1, "only JSON objects are kept (%d)", kept);
	record_free(&r);
	test_no_token();
	return tap_done();
}
