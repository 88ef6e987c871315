/* Test driver of lib/net (tests/bats/net-client.bats): one HTTPS request
 * or one WebSocket message round trip, printing what the library returned.
 *   netget [--ca F] [--pin HEX] [--timeout MS] [--max N] [--plain]
 *          [--header "N: v"]... [--data BODY] METHOD URL
 *     prints "status NNN", the Location if any, then the body
 *   netget [--ca F] [--timeout MS] --ws URL MESSAGE
 *     prints "reply: TEXT", or the error; exit 1 on any error */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/https.h"
#include "lib/net/wsclient.h"

static int ws_round_trip(const char *url, const char *msg, const char *const *headers,
			 const struct https_opts *o)
{
	char err[512], buf[65536];
	size_t n;
	struct wsc *c = wsc_connect(url, headers, o, err, sizeof(err));
	int rc;

	if (!c) {
		fprintf(stderr, "netget: %s\n", err);
		return 1;
	}
	if (wsc_send_text(c, msg, strlen(msg), err, sizeof(err)) < 0) {
		fprintf(stderr, "netget: %s\n", err);
		wsc_close(c, 1000);
		return 1;
	}
	rc = wsc_recv(c, o->timeout_ms ? o->timeout_ms : 30000, buf, sizeof(buf), &n, err,
		      sizeof(err));
	if (rc == 1)
		printf("reply: %s\n", buf);
	else
		fprintf(stderr, "netget: %s\n", rc == 0 ? "no reply (timeout)" : err);
	wsc_close(c, 1000);
	return rc == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct https_opts o = { 0 };
	struct https_response r;
	const char *headers[16] = { 0 }, *data = NULL, *ws = NULL;
	int nh = 0, i = 1;
	char err[512];

	signal(SIGPIPE, SIG_IGN);
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--ca") == 0)
			o.ca_file = argv[i + 1];
		else if (strcmp(argv[i], "--pin") == 0)
			o.pin_sha256 = argv[i + 1];
		else if (strcmp(argv[i], "--timeout") == 0)
			o.timeout_ms = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--max") == 0)
			o.max_body = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--header") == 0 && nh < 15)
			headers[nh++] = argv[i + 1];
		else if (strcmp(argv[i], "--data") == 0)
			data = argv[i + 1];
		else if (strcmp(argv[i], "--plain") == 0)
			o.allow_plain = 1, i--;
		else if (strcmp(argv[i], "--ws") == 0)
			ws = argv[i + 1];
		else
			break;
	}
	if (ws) {
		if (i + 1 != argc) {
			fprintf(stderr, "usage: netget [options] --ws URL MESSAGE\n");
			return 2;
		}
		return ws_round_trip(ws, argv[i], headers, &o);
	}
	if (i + 2 != argc) {
		fprintf(stderr, "usage: netget [--ca F] [--pin HEX] [--timeout MS] [--max N] "
				"[--plain] [--header H] [--data BODY] METHOD URL\n");
		return 2;
	}
	if (https_request(argv[i], argv[i + 1], headers, data, data ? strlen(data) : 0, NULL, &o,
			  &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "netget: %s\n", err);
		return 1;
	}
	printf("status %d\n", r.status);
	if (r.location[0])
		printf("location %s\n", r.location);
	fwrite(r.body, 1, r.len, stdout);
	https_response_free(&r);
	return 0;
}
