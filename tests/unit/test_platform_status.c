/* Unit tests for services/platform/status.c: the status line
 * fathom-status shows, for each state the agent can be in (table). */
#include <string.h>

#include "status.h"
#include "tap.h"

struct tcase {
	struct status_info in;
	const char *want;
};

static const struct tcase cases[] = {
	{ { .state = "starting" }, "not registered: starting; self-signed" },
	{ { .state = "key-refused", .detail = "API key refused (401) by https://a/t; check "
	    "--api-key-file; not retrying until 2026-12-07 13:00 UTC", .hb_sent_ago = -1 },
	  "not registered: API key refused (401) by https://a/t; check --api-key-file; "
	  "not retrying until 2026-12-07 13:00 UTC; self-signed" },
	{ { .state = "registered", .hostname = "ndt-x.example", .hb_sent_ago = -1 },
	  "registered as ndt-x.example; heartbeat: not connected yet; self-signed" },
	{ { .state = "heartbeat", .hostname = "ndt-x.example", .hb_ok = 1, .hb_sent_ago = 7 },
	  "registered as ndt-x.example; heartbeat ok (last sent 7 s ago); self-signed" },
	{ { .state = "heartbeat", .hostname = "ndt-x.example", .hb_ok = 1, .hb_sent_ago = -1 },
	  "registered as ndt-x.example; heartbeat ok; self-signed" },
	{ { .state = "heartbeat", .hostname = "h", .hb_ok = 1, .hb_sent_ago = 0,
	    .cert_issuer = "R11", .cert_until = "2027-03-01" },
	  "registered as h; heartbeat ok (last sent 0 s ago); certificate R11 until 2027-03-01" },
	{ { .state = "heartbeat-failed", .hostname = "h", .hb_sent_ago = 40,
	    .hb_error = "to 192.0.2.1 lost: connection reset", .cert_issuer = "R11" },
	  "registered as h; heartbeat: to 192.0.2.1 lost: connection reset; certificate R11 "
	  "until ?" },
	{ { .state = "key-refused", .hostname = "h", .hb_sent_ago = -1,
	    .detail = "API key refused (401)", .reg_error = "API key refused (401)" },
	  "registered as h (last re-registration: API key refused (401)); heartbeat: not "
	  "connected yet; self-signed" },
	{ { .state = "stopped", .hostname = "h", .detail = "stopped", .hb_sent_ago = 3 },
	  "stopped; registered as h; heartbeat: not connected yet; self-signed" },
	/* An error text from the network never breaks the line in two. */
	{ { .state = "heartbeat-failed", .hostname = "h", .hb_error = "bad\nline\r\x7f" },
	  "registered as h; heartbeat: bad line  ; self-signed" },
};

static void test_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[512];
		size_t n = status_format(out, sizeof(out), &cases[i].in);

		CHECK(strcmp(out, cases[i].want) == 0 && n == strlen(out), "case %zu: \"%s\" (got "
		      "\"%s\")", i, cases[i].want, out);
	}
}

static void test_truncation(void)
{
	struct status_info s = { .state = "heartbeat", .hostname = "ndt-x.example", .hb_ok = 1,
				 .hb_sent_ago = 12345 };
	char out[16];
	size_t n = status_format(out, sizeof(out), &s);

	CHECK(n == 15 && strcmp(out, "registered as n") == 0, "truncated to the buffer (got "
	      "%zu \"%s\")", n, out);
	n = status_format(out, 1, &s);
	CHECK(n == 0 && out[0] == '\0', "a 1-byte buffer: empty");
	CHECK(status_format(NULL, 0, &s) == 0, "no buffer: nothing written");
}

int main(void)
{
	test_table();
	test_truncation();
	return tap_done();
}
