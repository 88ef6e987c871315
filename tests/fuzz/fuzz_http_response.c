/* libFuzzer target for lib/net/http_response.c and lib/net/url.c:
 * arbitrary bytes as a response (with and without the end of the stream,
 * several body bounds) and as a URL; checks the promises of https.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/conn.h"

static void check_response(const char *buf, size_t n, size_t max, int eof)
{
	struct https_response r;
	const char *why = NULL;
	int rc = http_response_parse_eof(buf, n, max, "Replay-Nonce", &r, eof, &why);

	if (rc < -1 || rc > 1 || (rc == -1 && !why) || (rc != 1 && r.body))
		abort();
	if (eof && rc == 0)
		abort();	/* at the end of the stream there is no "more" */
	if (rc == 1 && (!r.body || r.len > max || r.body[r.len] != '\0' || r.status < 100 ||
			r.status > 599 || strlen(r.location) >= sizeof(r.location) ||
			strlen(r.header_extra) >= sizeof(r.header_extra) ||
			strlen(r.content_type) >= sizeof(r.content_type)))
		abort();
	https_response_free(&r);
}

static void check_url(const char *data, size_t n)
{
	char *s = malloc(n + 1);
	struct url u;
	const char *why = NULL;

	memcpy(s, data, n);
	s[n] = '\0';
	if (url_parse(s, &u, &why) == 0) {
		if (!u.host[0] || u.port == 0 || u.port > 65535 || u.target[0] != '/' ||
		    strpbrk(u.target, " \r\n#") || strpbrk(u.host, " \r\n/@[]"))
			abort();
	} else if (!why) {
		abort();
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	static const size_t maxes[] = { 0, 7, 4096, 1 << 20 };

	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		check_response(buf, size, maxes[i], 0);
		check_response(buf, size, maxes[i], 1);
	}
	check_url(buf, size < 4096 ? size : 4096);
	return 0;
}
