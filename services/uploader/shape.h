/* Whether a spooled record may go into a bundle: one JSON object (jostler
 * checks records against the datatype's table schema; we check the shape
 * every datatype shares, and for ndt7 the fields the archive keys on).
 * A record that fails is quarantined, never bundled. Pure. */
#ifndef UPLOADER_SHAPE_H
#define UPLOADER_SHAPE_H

#include <stddef.h>

#define SHAPE_ID_MAX 160
#define SHAPE_WHY_MAX 96

struct shape {
	char id[SHAPE_ID_MAX];	/* ndt7: the test's UUID; else "" */
	char why[SHAPE_WHY_MAX];	/* when refused: what is wrong */
	int one_line;		/* the bytes hold no newline but a trailing one */
};

/* Check the len bytes of a datatype's record. 0: bundle it; -1: refused
 * (s->why says why). */
int shape_check(const char *datatype, const char *data, size_t len, struct shape *s);

#endif
