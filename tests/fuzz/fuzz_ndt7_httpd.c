/* libFuzzer target for services/ndt7/httpd.c's request parser (the
 * supervisor's /health and /metrics): arbitrary bytes as a request, read
 * in one piece and grown byte by byte; checks the promises of httpd.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

static int known(int status)
{
	return status == 0 || status == 200 || status == 400 || status == 404 ||
		status == 405 || status == 431;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t n = size > HTTPD_REQ_MAX ? HTTPD_REQ_MAX : size, i;
	int whole = httpd_parse(buf, n, "/metrics"), first = 0;

	if (!known(whole) || (whole == 0 && n >= HTTPD_REQ_MAX))
		abort();
	if (whole == 200 && (n < 18 || memcmp(buf, "GET /metrics", 12) != 0))
		abort();
	/* As the server reads it: the first complete verdict is the whole's. */
	for (i = 0; i <= n && !first; i++)
		first = httpd_parse(buf, i, "/metrics");
	if (first != whole)
		abort();
	return 0;
}
