/* What the uploader tells: the Prometheus metrics text and the one status
 * line for the console and the shell's summary. Pure formatting. */
#ifndef UPLOADER_REPORT_H
#define UPLOADER_REPORT_H

#include <stddef.h>
#include <time.h>

#include "core.h"

/* "12 bundles sent, last 10:15:00Z, queue 3 records (oldest 40s)" then
 * "; failing since 10:14:00Z (http_5xx)" and ", 5 records dropped" when
 * so (fathom-status shows it as "uploader: ..."). Its length (cut to fit
 * cap). */
size_t status_line(char *out, size_t cap, const struct up_stats *s, time_t now);

/* The metrics in Prometheus' text format: its length, or 0 if cap is too
 * small. */
size_t metrics_text(char *out, size_t cap, const struct up_stats *s, time_t now);

#endif
