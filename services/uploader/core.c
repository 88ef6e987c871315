/* The uploader's cycle (contract: core.h). */
#define _GNU_SOURCE
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "naming.h"

#ifndef UPLOADER_GIT_COMMIT
#define UPLOADER_GIT_COMMIT ""
#endif
#define RETRY_FIRST_MS 1000u
#define BURST_QUIET_MS 60000	/* a drop burst ends after this long without drops */

static void stamp_load(struct core *c);

void stats_fail(struct up_stats *s, const char *reason)
{
	size_t i;

	for (i = 0; i < REASONS_MAX && s->fail[i].reason[0]; i++)
		if (strcmp(s->fail[i].reason, reason) == 0)
			break;
	if (i == REASONS_MAX)
		i = REASONS_MAX - 1, reason = "other";
	if (!s->fail[i].reason[0])
		snprintf(s->fail[i].reason, sizeof(s->fail[i].reason), "%s", reason);
	s->fail[i].n++;
}

int core_init(struct core *c, const struct up_config *cfg, const struct up_names *names,
	      struct target *t)
{
	char err[600];
	int rc;

	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->names = *names;
	c->target = t;
	c->seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	snprintf(c->quarantine_dir, sizeof(c->quarantine_dir), "%s/quarantine", cfg->state_dir);
	backoff_init(&c->bo, RETRY_FIRST_MS, cfg->retry_max_s * 1000u);
	stamp_load(c);
	rc = journal_load(cfg->state_dir, &c->inflight, err, sizeof(err));
	if (rc < 0) {
		log_warn("%s; its records are still in the spool: bundling them again", err);
		journal_clear(cfg->state_dir);
	} else if (rc == 1) {
		c->have_inflight = 1;
		c->st.reuploads++;
		log_info("resuming the bundle in flight before the restart: %s (%zu records, "
			 "%zu bytes)", c->inflight.object, c->inflight.n, c->inflight.len);
	}
	return 0;
}

void core_free(struct core *c)
{
	bundle_free(&c->inflight);
	queue_free(&c->q);
}

/* Remove spool path and its day directories left empty (never the
 * datatype's own directory, which ndt7 keeps). */
static int spool_remove(const char *dir, const char *path)
{
	char p[4096], *slash;
	int levels = 0;
	const char *s;

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	if (unlink(p) < 0 && errno != ENOENT) {
		log_err("spool %s: cannot remove %s: %s (the uploader must be in group ndt7 and "
			"the spool's directories group-writable)", dir, path, strerror(errno));
		return -1;
	}
	for (s = path; *s; s++)
		levels += *s == '/';
	while (--levels > 0 && (slash = strrchr(p, '/'))) {
		*slash = '\0';
		if (rmdir(p) < 0)
			break;
	}
	return 0;
}

/* The bound: drop the oldest waiting records beyond spool_max_bytes. */
static void enforce_bound(struct core *c, long long now_ms)
{
	uint64_t bytes;
	size_t i, k = queue_bound(&c->q, c->cfg->spool_max_bytes, &bytes), first = 0;

	if (k == 0) {
		if (c->dropping && now_ms - c->last_drop_ms >= BURST_QUIET_MS) {
			log_warn("spool bound: the drop burst ended: %llu records (%llu bytes) "
				 "dropped in it", (unsigned long long)c->burst_records,
				 (unsigned long long)c->burst_bytes);
			c->dropping = 0;
		}
		return;
	}
	for (i = 0; i < c->q.n; i++)
		if (c->q.r[i].drop) {
			first = i;
			break;
		}
	if (!c->dropping)
		log_warn("spool %s over %llu bytes (uploads %s): dropping the oldest records, "
			 "first %s; each counted in uploader_dropped_records_total, one summary "
			 "when this burst ends", c->cfg->spool_dir,
			 (unsigned long long)c->cfg->spool_max_bytes,
			 c->st.failing_since ? "failing" : "behind", c->q.r[first].path);
	if (!c->dropping)
		c->burst_records = c->burst_bytes = 0;
	c->dropping = 1;
	c->last_drop_ms = now_ms;
	for (i = 0; i < c->q.n; i++) {
		if (!c->q.r[i].drop)
			continue;
		log_debug("spool bound: dropped %s (%llu bytes)", c->q.r[i].path,
			  (unsigned long long)c->q.r[i].size);
		spool_remove(c->cfg->spool_dir, c->q.r[i].path);
	}
	c->st.dropped_records += k;
	c->st.dropped_bytes += bytes;
	c->burst_records += k;
	c->burst_bytes += bytes;
}

static void mark_busy(struct core *c)
{
	size_t i, j = 0;

	if (!c->have_inflight)
		return;
	/* Both sorted differently: the bundle is small, a linear search each. */
	for (i = 0; i < c->q.n; i++)
		for (j = 0; j < c->inflight.n; j++)
			if (strcmp(c->q.r[i].path, c->inflight.paths[j]) == 0) {
				c->q.r[i].busy = 1;
				break;
			}
}

/* The last bundle's time, kept across restarts in STATE/stamp: a clock
 * that goes back (a reboot before NTP, or a restart within the same
 * microsecond) must not name a new bundle like an uploaded one, which it
 * would overwrite. */
static void stamp_load(struct core *c)
{
	char path[4200];
	long long sec = 0;
	long nsec = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stamp", c->cfg->state_dir);
	if (!(f = fopen(path, "re")))
		return;
	if (fscanf(f, "%lld %ld", &sec, &nsec) == 2 && nsec >= 0 && nsec < 1000000000L) {
		c->last_stamp.tv_sec = (time_t)sec;
		c->last_stamp.tv_nsec = nsec;
	}
	fclose(f);
}

static int stamp_save(struct core *c, char *err, size_t errlen)
{
	char path[4200], tmp[4300], text[64];
	int fd, n = snprintf(text, sizeof(text), "%lld %ld\n", (long long)c->last_stamp.tv_sec,
			     c->last_stamp.tv_nsec);

	snprintf(path, sizeof(path), "%s/stamp", c->cfg->state_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, text, (size_t)n) != n || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		snprintf(err, errlen, "write %s/stamp: %s (is --state-dir writable?)",
			 c->cfg->state_dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/* A name later than the last one, so that two bundles never share one. */
static void stamp(struct core *c, const struct timespec *now, struct timespec *t)
{
	*t = *now;
	t->tv_nsec -= t->tv_nsec % 1000;
	if (t->tv_sec < c->last_stamp.tv_sec ||
	    (t->tv_sec == c->last_stamp.tv_sec && t->tv_nsec <= c->last_stamp.tv_nsec)) {
		*t = c->last_stamp;
		t->tv_nsec += 1000;
		if (t->tv_nsec >= 1000000000L) {
			t->tv_sec++;
			t->tv_nsec -= 1000000000L;
		}
	}
	c->last_stamp = *t;
}

/* Where the bundle in flight goes, for its lines' ArchiveURL: gs://BUCKET/
 * OBJECT, or the PUT URL with the object in it. */
static void archive_url(const struct core *c, char *out, size_t cap)
{
	const char *t = c->cfg->put_url ? strstr(c->cfg->put_url, "{object}") : NULL;

	if (c->cfg->target == UP_PUT && t)
		snprintf(out, cap, "%.*s%s%s", (int)(t - c->cfg->put_url), c->cfg->put_url,
			 c->inflight.object, t + 8);
	else
		snprintf(out, cap, "gs://%s/%s", c->cfg->bucket ? c->cfg->bucket : "",
			 c->inflight.object);
}

/* Build, name and journal the next due bundle. 1 made, 0 nothing due, -1 error. */
static int next_bundle(struct core *c, const struct timespec *now, long max_age_s,
		       long *wake_s)
{
	struct bundle_meta meta = { NULL, UPLOADER_VERSION, UPLOADER_GIT_COMMIT };
	struct bundle_stats bs;
	struct timespec t;
	char err[600], url[OBJECT_MAX + 4200];
	size_t *idx, n;

	if (!(idx = malloc((c->q.n ? c->q.n : 1) * sizeof(*idx))))
		return -1;
	n = queue_pick(&c->q, c->cfg->bundle_max_bytes, max_age_s, now, idx, wake_s);
	if (n == 0) {
		free(idx);
		return 0;
	}
	memset(&c->inflight, 0, sizeof(c->inflight));
	snprintf(c->inflight.datatype, sizeof(c->inflight.datatype), "%s",
		 c->q.r[idx[0]].datatype);
	/* Named first: each line carries where its bundle goes. A bundle left
	 * empty wastes its time stamp, which only has to grow. */
	stamp(c, now, &t);
	if (object_name(c->inflight.object, sizeof(c->inflight.object), c->names.prefix,
			c->names.org, c->names.experiment, c->inflight.datatype, c->names.node,
			&t) < 0) {
		log_err("bundle of %s records not started: object name too long",
			c->inflight.datatype);
		free(idx);
		return -1;
	}
	archive_url(c, url, sizeof(url));
	meta.archive_url = url;
	if (bundle_build(c->cfg->spool_dir, c->quarantine_dir, &c->q, idx, n,
			 c->cfg->bundle_max_bytes, &meta, &c->inflight, &bs) < 0) {
		free(idx);
		bundle_free(&c->inflight);
		return -1;
	}
	free(idx);
	c->st.quarantined += bs.quarantined;
	if (c->inflight.n == 0) {
		bundle_free(&c->inflight);
		return bs.quarantined || bs.vanished ? 1 : 0;	/* look again at once */
	}
	if (stamp_save(c, err, sizeof(err)) < 0 ||
	    journal_save(c->cfg->state_dir, &c->inflight, err, sizeof(err)) < 0) {
		log_err("bundle of %zu %s records not started: %s", c->inflight.n,
			c->inflight.datatype, err);
		bundle_free(&c->inflight);
		return -1;
	}
	c->have_inflight = 1;
	return 1;
}

/* Upload the bundle in flight; on success remove its records. */
static void upload(struct core *c, long long now_ms, const struct timespec *now)
{
	struct target_outcome out;
	size_t i;
	unsigned delay;

	memset(&out, 0, sizeof(out));
	target_upload(c->target, c->inflight.object, c->inflight.data, c->inflight.len, &out);
	if (out.result == TARGET_OK) {
		for (i = 0; i < c->inflight.n; i++)
			spool_remove(c->cfg->spool_dir, c->inflight.paths[i]);
		journal_clear(c->cfg->state_dir);
		log_info("uploaded %s (%zu records, %zu bytes)", c->inflight.object, c->inflight.n,
			 c->inflight.len);
		if (c->st.failing_since)
			log_info("uploads work again (failing since %lld s)",
				 (long long)(now->tv_sec - c->st.failing_since));
		c->st.bundles++;
		c->st.bytes += c->inflight.len;
		c->st.records += c->inflight.n;
		c->st.last_ok = now->tv_sec;
		c->st.failing_since = 0;
		c->st.last_reason[0] = '\0';
		bundle_free(&c->inflight);
		c->have_inflight = 0;
		backoff_reset(&c->bo);
		c->retry_at_ms = 0;
		return;
	}
	stats_fail(&c->st, out.reason[0] ? out.reason : target_result_name(out.result));
	if (out.result == TARGET_AUTH || out.result == TARGET_FATAL) {
		c->bo.attempt = 31;	/* straight to the longest wait */
	}
	delay = backoff_next(&c->bo, (unsigned)rand_r(&c->seed) ^
			     ((unsigned)rand_r(&c->seed) << 16));
	c->retry_at_ms = now_ms + delay;
	/* One line when the failure starts or changes, not one per retry. */
	if (!c->st.failing_since || strcmp(c->st.last_reason, out.reason) != 0)
		log_warn("upload of %s failed (%s: %s); retrying in %u s with backoff, its "
			 "records kept in the spool", c->inflight.object,
			 target_result_name(out.result), out.detail[0] ? out.detail : out.reason,
			 (delay + 999) / 1000);
	if (!c->st.failing_since)
		c->st.failing_since = now->tv_sec;
	snprintf(c->st.last_reason, sizeof(c->st.last_reason), "%s", out.reason);
}

long core_step(struct core *c, long long now_ms, const struct timespec *now)
{
	long wake_s = -1, wait_ms = 30000;
	int made = 0, rounds;

	for (rounds = 0; rounds < 64; rounds++) {
		if (queue_scan(c->cfg->spool_dir, &c->q) < 0) {
			/* Once, not every 30 s: ndt7 may not have made it yet. */
			if (!c->spool_missing)
				log_warn("spool %s: cannot list: %s (made by ndt7-server; looking "
					 "again every 30 s)", c->cfg->spool_dir, strerror(errno));
			c->spool_missing = 1;
			return wait_ms;
		}
		if (c->spool_missing)
			log_info("spool %s: there now", c->cfg->spool_dir);
		c->spool_missing = 0;
		mark_busy(c);
		enforce_bound(c, now_ms);
		queue_depth(&c->q, &c->st.queue_records, &c->st.queue_bytes, &c->st.queue_oldest);
		if (c->have_inflight && c->inflight.n > 0 && c->retry_at_ms > now_ms)
			return (long)(c->retry_at_ms - now_ms);
		if (!c->have_inflight && (made = next_bundle(c, now, c->cfg->bundle_max_age_s, &wake_s)) <= 0) {
			if (made < 0)
				return 5000;
			if (wake_s >= 0 && wake_s * 1000 < wait_ms)
				wait_ms = wake_s * 1000 + 1;
			return wait_ms;
		}
		if (!c->have_inflight)
			continue;	/* only bad records: look again */
		upload(c, now_ms, now);
		if (c->have_inflight)
			return (long)(c->retry_at_ms - now_ms);
	}
	return 0;	/* more to do: come back at once */
}

/* Whether datatype is among the n in done. */
static int done_has(char (*done)[DATATYPE_MAX], size_t n, const char *datatype)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(done[i], datatype) == 0)
			return 1;
	return 0;
}

size_t core_flush(struct core *c, long budget_ms, const struct timespec *now)
{
	char done[FLUSH_TYPES_MAX][DATATYPE_MAX];
	long long end = monotonic_ms() + budget_ms;
	size_t ndone = 0, sent = 0, i;
	int rounds;
	long wake_s;

	for (rounds = 0; rounds < 2 * FLUSH_TYPES_MAX && ndone < FLUSH_TYPES_MAX; rounds++) {
		long left = (long)(end - monotonic_ms());

		if (left < FLUSH_MIN_MS)
			break;
		if (!c->have_inflight) {
			if (queue_scan(c->cfg->spool_dir, &c->q) < 0)
				break;
			/* One bundle per datatype: the ones already tried wait. */
			for (i = 0; i < c->q.n; i++)
				c->q.r[i].busy = done_has(done, ndone, c->q.r[i].datatype);
			if (next_bundle(c, now, 0, &wake_s) <= 0)
				break;
			if (!c->have_inflight)
				continue;	/* only bad records, quarantined */
		}
		if (!done_has(done, ndone, c->inflight.datatype))
			snprintf(done[ndone++], DATATYPE_MAX, "%s", c->inflight.datatype);
		/* Half each: a token request may come before the upload. */
		target_set_timeout(c->target, (int)(left / 2));
		c->retry_at_ms = 0;
		upload(c, monotonic_ms(), now);
		if (c->have_inflight) {
			log_warn("stopping: %s not uploaded in the final flush; its %zu records stay "
				 "in the spool and its journal in %s, sent first at the next start",
				 c->inflight.object, c->inflight.n, c->cfg->state_dir);
			break;
		}
		sent++;
	}
	if (queue_scan(c->cfg->spool_dir, &c->q) == 0)
		queue_depth(&c->q, &c->st.queue_records, &c->st.queue_bytes, &c->st.queue_oldest);
	if (c->st.queue_records && !c->have_inflight)
		log_info("stopping: %zu records still waiting (no time left in the final flush); "
			 "they go after the next start", c->st.queue_records);
	return sent;
}
