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

struct spool_entry {
	char name[256];
	struct timespec mtime;
	uint64_t size;
};

/* Sort oldest first (mtime, then name). */
void spool_sort(struct spool_entry *e, size_t n);

/* How many of the oldest of n sorted entries to remove so that the rest
 * total at most max bytes; the newest entry is always kept. */
size_t spool_prune_count(const struct spool_entry *e, size_t n, uint64_t max);

/* Write data as dir/name (via a temporary file and rename), then prune dir
 * to max bytes, logging each removal. Returns 0 or -1 (logged). */
int spool_write(const char *dir, const char *name, const char *data, size_t len, uint64_t max);

#endif
