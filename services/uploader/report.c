/* Status line and metrics text (contract: report.h). */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *p;
	size_t cap, len;
	int full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len) {
		o->full = 1;
		return;
	}
	o->len += (size_t)n;
}

static void hms(char *b, size_t cap, time_t t)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(b, cap, "%H:%M:%SZ", &tm))
		snprintf(b, cap, "?");
}

size_t status_line(char *out, size_t cap, const struct up_stats *s, time_t now)
{
	struct out o = { out, cap, 0, 0 };
	char t[16];

	if (cap == 0)
		return 0;
	out[0] = '\0';
	put(&o, "%llu bundle%s sent", (unsigned long long)s->bundles,
	    s->bundles == 1 ? "" : "s");
	if (s->last_ok) {
		hms(t, sizeof(t), s->last_ok);
		put(&o, ", last %s", t);
	}
	put(&o, ", queue %zu record%s", s->queue_records, s->queue_records == 1 ? "" : "s");
	if (s->queue_records && s->queue_oldest)
		put(&o, " (oldest %llds)", (long long)(now > s->queue_oldest ?
						       now - s->queue_oldest : 0));
	if (s->failing_since) {
		hms(t, sizeof(t), s->failing_since);
		put(&o, "; failing since %s (%s)", t, s->last_reason[0] ? s->last_reason : "?");
	}
	if (s->dropped_records)
		put(&o, ", %llu record%s dropped", (unsigned long long)s->dropped_records,
		    s->dropped_records == 1 ? "" : "s");
	if (s->quarantined)
		put(&o, ", %llu quarantined", (unsigned long long)s->quarantined);
	if (o.full) {
		out[cap - 1] = '\0';
		return strlen(out);
	}
	return o.len;
}

size_t metrics_text(char *out, size_t cap, const struct up_stats *s, time_t now)
{
	struct out o = { out, cap, 0, 0 };
	size_t i;

	put(&o, "# HELP uploader_bundles_total Bundles acknowledged by the target.\n"
	    "# TYPE uploader_bundles_total counter\nuploader_bundles_total %llu\n",
	    (unsigned long long)s->bundles);
	put(&o, "# HELP uploader_bytes_total Bytes of acknowledged bundles (gzip).\n"
	    "# TYPE uploader_bytes_total counter\nuploader_bytes_total %llu\n",
	    (unsigned long long)s->bytes);
	put(&o, "# HELP uploader_records_total Records in acknowledged bundles.\n"
	    "# TYPE uploader_records_total counter\nuploader_records_total %llu\n",
	    (unsigned long long)s->records);
	put(&o, "# HELP uploader_failures_total Failed uploads by reason.\n"
	    "# TYPE uploader_failures_total counter\n");
	for (i = 0; i < REASONS_MAX && s->fail[i].reason[0]; i++)
		put(&o, "uploader_failures_total{reason=\"%s\"} %llu\n", s->fail[i].reason,
		    (unsigned long long)s->fail[i].n);
	put(&o, "# HELP uploader_queue_records Records waiting in the spool.\n"
	    "# TYPE uploader_queue_records gauge\nuploader_queue_records %zu\n",
	    s->queue_records);
	put(&o, "# HELP uploader_queue_bytes Bytes waiting in the spool.\n"
	    "# TYPE uploader_queue_bytes gauge\nuploader_queue_bytes %llu\n",
	    (unsigned long long)s->queue_bytes);
	put(&o, "# HELP uploader_oldest_record_age_seconds Age of the oldest waiting record.\n"
	    "# TYPE uploader_oldest_record_age_seconds gauge\n"
	    "uploader_oldest_record_age_seconds %lld\n",
	    (long long)(s->queue_records && s->queue_oldest && now > s->queue_oldest ?
			now - s->queue_oldest : 0));
	put(&o, "# HELP uploader_dropped_records_total Records dropped by the spool bound.\n"
	    "# TYPE uploader_dropped_records_total counter\nuploader_dropped_records_total %llu\n",
	    (unsigned long long)s->dropped_records);
	put(&o, "# HELP uploader_dropped_bytes_total Bytes dropped by the spool bound.\n"
	    "# TYPE uploader_dropped_bytes_total counter\nuploader_dropped_bytes_total %llu\n",
	    (unsigned long long)s->dropped_bytes);
	put(&o, "# HELP uploader_quarantined_records_total Records refused by the shape check.\n"
	    "# TYPE uploader_quarantined_records_total counter\n"
	    "uploader_quarantined_records_total %llu\n", (unsigned long long)s->quarantined);
	put(&o, "# HELP uploader_reuploads_total Bundles resumed after a restart.\n"
	    "# TYPE uploader_reuploads_total counter\nuploader_reuploads_total %llu\n",
	    (unsigned long long)s->reuploads);
	put(&o, "# HELP uploader_last_success_timestamp_seconds When a bundle was last "
	    "acknowledged.\n# TYPE uploader_last_success_timestamp_seconds gauge\n"
	    "uploader_last_success_timestamp_seconds %lld\n", (long long)s->last_ok);
	return o.full ? 0 : o.len;
}
