/* Retry delays of the services (the platform agent, the uploader): capped
 * exponential backoff with jitter, and a jittered interval (the agent's
 * re-registration: upstream's 55-65 minutes).
 * Pure: the caller passes the random numbers. */
#ifndef FATHOM_BACKOFF_H
#define FATHOM_BACKOFF_H

struct backoff {
	unsigned base_ms, cap_ms;	/* first delay, largest delay */
	unsigned attempt;		/* failures in a row */
};

void backoff_init(struct backoff *b, unsigned base_ms, unsigned cap_ms);

/* The delay after one more failure: min(cap, base * 2^attempt) scaled to
 * [50%, 100%] by rnd (any 32-bit number). */
unsigned backoff_next(struct backoff *b, unsigned rnd);

/* Back to the first delay (after a success). */
void backoff_reset(struct backoff *b);

/* interval_s +- jitter_s, uniformly from rnd, in seconds (never below 1). */
unsigned jittered_s(unsigned interval_s, unsigned jitter_s, unsigned rnd);

#endif
