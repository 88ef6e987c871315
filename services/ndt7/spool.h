/* Results: one JSON record per test in M-Lab's ndt7 data format
 * (spec/data-format.md, uncompressed), written atomically into a spool
 * directory whose total size is bounded by pruning the oldest records. */
#ifndef NDT7_SPOOL_H
#define NDT7_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http.h"
#include "json.h"

struct ndt7_result {
	enum ndt7_test test;
	const char *version;
	char client_ip[64], server_ip[64];
	unsigned client_port, server_port;
	struct timespec conn_start, test_start, test_end;
	const char *uuid;
	const struct ndt7_meta *client_meta;
	int n_client_meta;
	const struct ndt7_meta *server_meta;
	int n_server_meta;
	const char *client_measurements;	/* "{...},{...}" or "" */
	const char *server_measurements;
};

/* Append the record object to j. */
void ndt7_result_json(struct json *j, const struct ndt7_result *r);

/* "ndt7-<test>-<yyyymmdd>T<hhmmss>.<ns>Z.<uuid>.json" */
void ndt7_result_name(char *out, size_t cap, const struct ndt7_result *r);

/* RFC 3339 UTC with nanoseconds. */
void ndt7_rfc3339(char *out, size_t cap, const struct timespec *t);

#define SPOOL_NAME_MAX 256

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

/* Write data as dir/name (via a temporary file and rename), then, if the
 * spool is over max bytes, prune it (logged). Without spool_open(dir) the
 * tally is this process's own. Returns 0 or -1 (logged). */
int spool_write(const char *dir, const char *name, const char *data, size_t len, uint64_t max);

/* What spool_write has done, for tests and the soak. */
struct spool_stats {
	uint64_t bytes, records;	/* the tally: what the spool holds, as far as known */
	uint64_t scans, removed;	/* directory listings; records pruned */
};
void spool_stats(struct spool_stats *out);

#endif
