/* The uploader's cycle, apart from the event loop: finish the bundle in
 * flight (journal.h), keep the spool under its bound (drops counted and
 * logged once per burst), build the next due bundle, upload it through the
 * target (target.h) with capped, jittered backoff on failures, and remove
 * its records once acknowledged. */
#ifndef UPLOADER_CORE_H
#define UPLOADER_CORE_H

#include <stdint.h>
#include <time.h>

#include "lib/backoff.h"
#include "bundle.h"
#include "config.h"
#include "queue.h"
#include "target.h"

#define REASONS_MAX 16

struct up_stats {
	uint64_t bundles, bytes, records, reuploads;
	uint64_t dropped_records, dropped_bytes, quarantined;
	struct { char reason[24]; uint64_t n; } fail[REASONS_MAX];
	time_t last_ok;			/* wall clock of the last acknowledged bundle */
	time_t failing_since;		/* 0: the last upload went well */
	char last_reason[24];
	size_t queue_records;
	uint64_t queue_bytes;
	time_t queue_oldest;		/* mtime of the oldest waiting record, 0 none */
};

/* Where bundles are named (resolved from the options and registration). */
struct up_names {
	const char *prefix, *org, *experiment, *node;
};

struct core {
	const struct up_config *cfg;
	struct up_names names;
	struct target *target;
	char quarantine_dir[4096];
	struct queue q;
	struct bundle inflight;
	int have_inflight;
	struct backoff bo;
	long long retry_at_ms;		/* monotonic; 0: now */
	struct timespec last_stamp;	/* object names strictly increase */
	/* The drop burst: logged when it starts and summed up when it ends. */
	int dropping;
	long long last_drop_ms;
	uint64_t burst_records, burst_bytes;
	struct up_stats st;
	unsigned seed;
	int spool_missing;		/* the last listing failed (logged once) */
};

/* 0, or -1 (logged). */
int core_init(struct core *c, const struct up_config *cfg, const struct up_names *names,
	      struct target *t);
/* One pass at monotonic now_ms and wall-clock now: returns the ms until
 * the next pass it wants (the loop also runs one when the spool changes). */
long core_step(struct core *c, long long now_ms, const struct timespec *now);
/* The final flush at shutdown (init allows UPLOADER_FLUSH_MS and more
 * before SIGKILL): the bundle in flight, then one bundle of each
 * datatype's waiting records whatever their age, each upload tried once,
 * all within budget_ms. A failure stops it: the bundle stays journaled
 * and its records in the spool, as after a crash. Returns the bundles
 * acknowledged. */
#define UPLOADER_FLUSH_MS 3000
#define FLUSH_TYPES_MAX 16
#define FLUSH_MIN_MS 200	/* below this, not worth starting an upload */
size_t core_flush(struct core *c, long budget_ms, const struct timespec *now);
void core_free(struct core *c);

/* The failure count for reason (added if new; "other" when full). */
void stats_fail(struct up_stats *s, const char *reason);

#endif
