/* The metrics endpoint (--metrics-listen ADDR:PORT): GET answered with
 * the Prometheus text, anything else 404; one short request at a time
 * from the event loop (a slow client gets a bounded wait). */
#ifndef UPLOADER_SERVE_H
#define UPLOADER_SERVE_H

#include "core.h"

/* The listening socket for "ADDR:PORT" or "[V6]:PORT", or -1 (logged). */
int serve_listen(const char *spec);
/* Answer one connection waiting on fd. */
void serve_one(int fd, const struct up_stats *s);

#endif
