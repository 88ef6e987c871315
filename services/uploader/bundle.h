/* A bundle: the records of one datatype as gzip-compressed JSON Lines, one
 * record a line inside jostler's standard columns (M-Lab's autoloader
 * loads them into tables of that shape):
 *   {"Date":"YYYY-MM-DD","Archiver":{"Version":V,"GitCommit":G,
 *    "ArchiveURL":"gs://BUCKET/OBJECT","Filename":"SPOOL/PATH"},"Raw":RECORD}
 * with RECORD's own bytes; the object name it goes under and the spool
 * paths it holds (removed once the target acknowledges it). */
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

#define UPLOADER_VERSION "fathom-uploader-0.1"

/* The standard columns' values common to a bundle's lines. */
struct bundle_meta {
	const char *archive_url;	/* where the bundle goes (gs://BUCKET/OBJECT) */
	const char *version, *git_commit;
};

/* What bundle_build did besides the bundle. */
struct bundle_stats {
	size_t quarantined, vanished;
};

/* Read q's records idx[0..n) from spool_dir, check each (shape.h), and
 * append the good ones to b (object, datatype set by the caller), each
 * in the standard columns (m; Date from the record's day directory, else
 * its mtime). A bad
 * record moves to quarantine_dir (logged once each, counted); one gone
 * meanwhile (ndt7 pruned it) is skipped. max_record caps one record's
 * size. 0, or -1 (out of memory, logged). b->n may be 0. */
int bundle_build(const char *spool_dir, const char *quarantine_dir, const struct queue *q,
		 const size_t *idx, size_t n, uint64_t max_record, const struct bundle_meta *m,
		 struct bundle *b, struct bundle_stats *st);

void bundle_free(struct bundle *b);

/* gunzip len bytes of a gzip file into a new buffer (at most max bytes):
 * 0 and *out, *outlen, or -1. */
int gunzip_buf(const unsigned char *in, size_t len, size_t max, char **out, size_t *outlen);

#endif
