/* Results: one file per test (result.h names it: ndt7/YYYY/MM/DD/ndt7-*.json
 * or .json.gz), written atomically into a spool directory whose total size
 * is bounded by pruning the oldest records, across all day directories. */
#ifndef NDT7_SPOOL_H
#define NDT7_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SPOOL_NAME_MAX 256	/* a record's path below the spool directory */
#define SPOOL_DEPTH 4		/* records are at most this many directories down */

struct spool_entry {
	char name[SPOOL_NAME_MAX];
	struct timespec mtime;
	uint64_t size;
};

/* Sort oldest first (mtime, then name). */
void spool_sort(struct spool_entry *e, size_t n);

/* How many of the oldest of n sorted entries to remove so that the rest
 * total at most max bytes; the newest entry is always kept. */
size_t spool_prune_count(const struct spool_entry *e, size_t n, uint64_t max);

/* Pruning works in batches: once the spool is over max bytes, the oldest
 * records go until it is SPOOL_MARGIN(max) under it, so that the directory
 * is listed once per SPOOL_MARGIN(max) bytes written, not once per record. */
#define SPOOL_MARGIN(max) ((max) / 32)

/* Set dir up for spool_write (created if missing, checked writable; its
 * records counted) with a tally shared by the processes forked after it.
 * Returns 0 or -1 (logged, with the remedy). */
int spool_open(const char *dir, uint64_t max);

/* Write data as dir/name (via a temporary file in the same directory and
 * rename; name's directories made as needed), then, if the spool is over
 * max bytes, prune it (logged): the oldest records go, from whichever day
 * directory, and directories left empty go too. Without spool_open(dir)
 * the tally is this process's own. Returns 0 or -1 (logged). */
int spool_write(const char *dir, const char *name, const char *data, size_t len, uint64_t max);

/* What spool_write has done, for tests and the soak. */
struct spool_stats {
	uint64_t bytes, records;	/* the tally: what the spool holds, as far as known */
	uint64_t scans, removed;	/* directory listings; records pruned */
};
void spool_stats(struct spool_stats *out);

#endif
