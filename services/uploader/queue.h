/* The spool as the uploader sees it: the records of every datatype
 * (DIR/DATATYPE/.../NAME.json or .json.gz), oldest first; which of them
 * make the next bundle, and which go when the spool is over its bound.
 * queue_scan lists the directory; the rest is pure. */
#ifndef UPLOADER_QUEUE_H
#define UPLOADER_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define REC_PATH_MAX 256	/* below the spool directory */
#define DATATYPE_MAX 64
#define QUEUE_DEPTH 5		/* DATATYPE/YYYY/MM/DD/NAME */

struct rec {
	char path[REC_PATH_MAX];
	char datatype[DATATYPE_MAX];
	struct timespec mtime;
	uint64_t size;
	unsigned busy : 1;	/* in the bundle in flight */
	unsigned drop : 1;	/* chosen by queue_bound */
};

struct queue {
	struct rec *r;
	size_t n, cap;
};

/* Replace q's contents by the records under dir, oldest first (mtime,
 * then path). 0, or -1 with errno (dir unreadable, out of memory). */
int queue_scan(const char *dir, struct queue *q);
void queue_free(struct queue *q);

/* Sort oldest first. */
void queue_sort(struct queue *q);

/* Mark (drop) the oldest records that are not busy until the rest total at
 * most max bytes; the newest record is never dropped. max 0: no bound.
 * Returns how many are marked; *bytes their size. */
size_t queue_bound(struct queue *q, uint64_t max, uint64_t *bytes);

/* The next bundle: the datatype whose oldest waiting (not busy) record is
 * oldest among those due (their waiting records total max_bytes or more,
 * or the oldest is max_age_s old at now), and its oldest records up to
 * max_bytes in all (at least one). Their indices go to idx (room for
 * q->n); returns how many, 0 when nothing is due. *wake_s: seconds until
 * the next datatype becomes due by age (-1: none waiting). */
size_t queue_pick(const struct queue *q, uint64_t max_bytes, long max_age_s,
		  const struct timespec *now, size_t *idx, long *wake_s);

/* Records and bytes waiting (not busy), and the oldest one's mtime (0 if
 * none). */
void queue_depth(const struct queue *q, size_t *records, uint64_t *bytes, time_t *oldest);

#endif
