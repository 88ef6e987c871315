/* The monotonic clock, in milliseconds, and a plain sleep for helpers
 * that may block (never PID 1's event loop: it uses timerfd). */
#ifndef FATHOM_LIB_CLOCK_H
#define FATHOM_LIB_CLOCK_H

/* CLOCK_MONOTONIC in ms: since the kernel started, never jumps. */
long monotonic_ms(void);

/* Sleep ms milliseconds, resuming after signals. */
void sleep_ms(long ms);

#endif
