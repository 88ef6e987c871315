/* Capped exponential backoff with jitter and the jittered re-registration
 * interval (contract: backoff.h). */
#include "backoff.h"

void backoff_init(struct backoff *b, unsigned base_ms, unsigned cap_ms)
{
	b->base_ms = base_ms ? base_ms : 1;
	b->cap_ms = cap_ms < b->base_ms ? b->base_ms : cap_ms;
	b->attempt = 0;
}

unsigned backoff_next(struct backoff *b, unsigned rnd)
{
	unsigned long long d = b->base_ms;
	unsigned i;

	for (i = 0; i < b->attempt && d < b->cap_ms; i++)
		d *= 2;
	if (d > b->cap_ms)
		d = b->cap_ms;
	if (b->attempt < 64)
		b->attempt++;
	/* Half fixed, half random: never a storm of synchronised retries. */
	return (unsigned)(d / 2 + (d - d / 2) * (rnd % 1001) / 1000);
}

void backoff_reset(struct backoff *b)
{
	b->attempt = 0;
}

unsigned jittered_s(unsigned interval_s, unsigned jitter_s, unsigned rnd)
{
	long long v;

	if (jitter_s > interval_s)
		jitter_s = interval_s;
	v = (long long)interval_s - jitter_s + (long long)(rnd % (2ULL * jitter_s + 1));
	return v < 1 ? 1 : (unsigned)v;
}
