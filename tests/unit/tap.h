/* Minimal TAP output for unit tests: one "ok N - name" line per check. */
#ifndef FATHOM_TAP_H
#define FATHOM_TAP_H

#include <stdio.h>

static int tap_count, tap_failed;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		int tap_ok_ = (cond) ? 1 : 0; /* evaluated once */        \
		tap_count++;                                               \
		if (tap_ok_) {                                             \
			printf("ok %d - ", tap_count);                     \
		} else {                                                   \
			tap_failed++;                                      \
			printf("not ok %d - ", tap_count);                 \
		}                                                          \
		printf(__VA_ARGS__);                                       \
		printf("\n");                                              \
		if (!tap_ok_)                                              \
			printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} while (0)

/* Print the TAP plan and return the process exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
