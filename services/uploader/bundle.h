/* A bundle: the records of one datatype as gzip-compressed JSON Lines (one
 * record a line), the object name it goes under and the spool paths it
 * holds (removed once the target acknowledges it). */
#ifndef UPLOADER_BUNDLE_H
#define UPLOADER_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "queue.h"

#define OBJECT_MAX 512
#define QUARANTINE_MAX 1000	/* refused records kept for a look */

struct bundle {
	char object[OBJECT_MAX];
	char datatype[DATATYPE_MAX];
	unsigned char *data;	/* gzip */
	size_t len;
	char (*paths)[REC_PATH_MAX];
	size_t n;		/* records in it */
	uint64_t raw_bytes;	/* JSONL before compression */
};

/* What bundle_build did besides the bundle. */
struct bundle_stats {
	size_t quarantined, vanished;
};

/* Read q's records idx[0..n) from spool_dir, check each (shape.h), and
 * append the good ones to b (object, datatype set by the caller). A bad
 * record moves to quarantine_dir (logged once each, counted); one gone
 * meanwhile (ndt7 pruned it) is skipped. max_record caps one record's
 * size. 0, or -1 (out of memory, logged). b->n may be 0. */
int bundle_build(const char *spool_dir, const char *quarantine_dir, const struct queue *q,
		 const size_t *idx, size_t n, uint64_t max_record, struct bundle *b,
		 struct bundle_stats *st);

void bundle_free(struct bundle *b);

/* gunzip len bytes of a gzip file into a new buffer (at most max bytes):
 * 0 and *out, *outlen, or -1. */
int gunzip_buf(const unsigned char *in, size_t len, size_t max, char **out, size_t *outlen);

#endif
