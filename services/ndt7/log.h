/* ndt7's messages: the lib/log.h front end (levels, log_threshold, which
 * --verbose raises to LOG_DEBUG) behind a rate limit per message kind, and
 * ndt7's sink (services/ndt7/log.c), which never blocks: a worker must
 * not stop serving because init's log pipe or a serial console is slow. */
#ifndef NDT7_LOG_H
#define NDT7_LOG_H

#include <stdint.h>

#include "lib/log.h"

#define NDT7_LOG_BURST 20	/* lines per kind at once... */
#define NDT7_LOG_RATE 5		/* ...then per second, per kind */

/* A message, unless its kind (its format string: one call site) is over
 * its rate: then it is counted, and ndt7_log_tick() reports the count. */
void ndt7_log(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Once in a while (the worker's tick): for each kind whose suppression
 * ended a second ago, or has gone on for 10 s, one line "N lines
 * suppressed". now: monotonic ns. */
void ndt7_log_tick(int64_t now);

/* Make stderr non-blocking for this process and its children only (a new
 * open file description of the same pipe, tty or socket), so that a full
 * pipe loses lines instead of stopping the server; lost lines are
 * counted and said once stderr takes lines again. Call once at start. */
void ndt7_log_nonblocking(void);

#endif
