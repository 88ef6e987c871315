/* The platform agent's status line from its state (contract: status.h). */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct buf {
	char *p;
	size_t cap, len;
};

static void add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n;
	if (b->len >= b->cap)
		b->len = b->cap - 1;
}

static int set(const char *s)
{
	return s && *s;
}

size_t status_format(char *out, size_t cap, const struct status_info *s)
{
	struct buf b = { out, cap, 0 };
	size_t i;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (set(s->state) && strcmp(s->state, "stopped") == 0)
		add(&b, "stopped; ");
	if (set(s->hostname)) {
		add(&b, "registered as %s", s->hostname);
		if (set(s->reg_error))
			add(&b, " (last re-registration: %s)", s->reg_error);
		add(&b, "; ");
		if (s->hb_ok && s->hb_sent_ago >= 0)
			add(&b, "heartbeat ok (last sent %ld s ago)", s->hb_sent_ago);
		else if (s->hb_ok)
			add(&b, "heartbeat ok");
		else if (set(s->hb_error))
			add(&b, "heartbeat: %s", s->hb_error);
		else
			add(&b, "heartbeat: not connected yet");
	} else {
		add(&b, "not registered: %s", set(s->detail) ? s->detail : "starting");
	}
	if (set(s->cert_issuer))
		add(&b, "; certificate %s until %s", s->cert_issuer,
		    set(s->cert_until) ? s->cert_until : "?");
	else
		add(&b, "; self-signed");
	/* One line whatever the errors contained. */
	for (i = 0; i < b.len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
	return b.len;
}
