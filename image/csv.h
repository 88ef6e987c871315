/* A CSV reader (RFC 4180 basics): the first record is whatever the caller
 * makes of it; fields separated by ',', records by LF or CRLF; a field may
 * be enclosed in double quotes, inside which ',' and line breaks are
 * literal and '""' is a quote. Lines that are empty (or only blanks) or
 * start with '#' are skipped outside quotes. Pure: reads from memory. */
#ifndef FATHOM_IMAGE_CSV_H
#define FATHOM_IMAGE_CSV_H

#include <stddef.h>

#define CSV_FIELDS_MAX 32
#define CSV_RECORD_MAX 8192	/* bytes of field text in one record */

/* One CSV record; field[i] points into text. */
struct csv_record {
	unsigned line;		/* where the record starts, from 1 */
	size_t nfields;
	const char *field[CSV_FIELDS_MAX];
	char text[CSV_RECORD_MAX];
};

struct csv_reader {
	const char *p, *end;
	unsigned line;		/* line p is on */
};

void csv_reader_init(struct csv_reader *r, const char *text, size_t len);

/* The next record, skipping blank and '#' lines. Returns 1 with rec
 * filled, 0 at the end, -1 with *problem set (the bad record is skipped,
 * rec->line says where it started). */
int csv_next(struct csv_reader *r, struct csv_record *rec, const char **problem);

#endif
