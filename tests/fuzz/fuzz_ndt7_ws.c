/* libFuzzer target for services/ndt7/ws.c: arbitrary bytes as a frame
 * stream (from a client, or from a server to the bench client), fed whole
 * and split at a fuzzer-chosen point; both ways must agree, and what is
 * reported must respect the limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ws.h"

#define TEXT_CAP 512

struct seen {
	uint64_t binary, events;
	int refuse;
};

static void on_message(void *ctx, int op, const uint8_t *p, size_t n)
{
	struct seen *s = ctx;

	if ((op >= WS_CLOSE && n > WS_CONTROL_MAX) || (op == WS_TEXT && n > TEXT_CAP) ||
	    (op != WS_TEXT && op < WS_CLOSE) || (n && !p))
		abort();
	if (op == WS_TEXT)
		json_is_object((const char *)p, n, 16);
	s->events = s->events * 31 + (uint64_t)op * 7 + n;
}

static void on_binary(void *ctx, uint64_t n)
{
	((struct seen *)ctx)->binary += n;
}

static int on_binary_start(void *ctx)
{
	return ((struct seen *)ctx)->refuse;
}

static int run(const uint8_t *data, size_t size, size_t split, int flags, struct seen *s)
{
	uint8_t *copy = malloc(size ? size : 1), text[TEXT_CAP];
	struct ws_events ev = { on_message, on_binary, on_binary_start, s };
	struct ws_reader r;
	int rc;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	memset(s, 0, sizeof(*s));
	s->refuse = flags & 1;
	if (flags & 2)
		ws_reader_init_client(&r, 1 << 16, text, sizeof(text));
	else
		ws_reader_init(&r, 1 << 16, text, sizeof(text));
	rc = ws_reader_feed(&r, copy, split, &ev);
	if (!rc)
		rc = ws_reader_feed(&r, copy + split, size - split, &ev);
	if (s->binary > 1 << 16 || (rc && !r.why) || rc != r.error)
		abort();
	free(copy);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen a, b;
	size_t split;
	int flags;

	if (size < 1)
		return 0;
	flags = data[0] & 3;	/* bit 0: refuse binary; bit 1: a client's reader */
	split = size > 1 ? data[0] % size : 0;
	data++;
	size--;
	if (split > size)
		split = size;
	if (run(data, size, size, flags, &a) != run(data, size, split, flags, &b) ||
	    a.binary != b.binary || a.events != b.events)
		abort();
	return 0;
}
