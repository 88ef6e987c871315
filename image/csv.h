/* A CSV reader (RFC 4180 basics): the first record is whatever the caller
 * makes of it; fields separated by ',', records by LF or CRLF; a field may
 * be enclosed in double quotes, inside which ',' and line breaks are
 * literal and '""' is a quote. Lines that are empty (or only blanks) or
 * start with '#' are skipped outside quotes. Pure: reads from memory. */
#ifndef FATHOM_IMAGE_CSV_H
#define FATHOM_IMAGE_CSV_H

#include <stddef.h>

#define CSV_FIELDS_MAX 32
#define CSV_FIELDS_MAX_TEXT "32"
#define CSV_RECORD_MAX 8192	/* field text of one record, with its NULs */
#define CSV_RECORD_MAX_TEXT "8191"

/* One CSV record; field[i] points into text. */
struct csv_record {
	unsigned line;		/* where the record starts, from 1 */
	size_t nfields;
	size_t problem_field;	/* after -1: the field, from 0, at fault */
	const char *field[CSV_FIELDS_MAX];
	char text[CSV_RECORD_MAX];
};

struct csv_reader {
	const char *p, *end;
	unsigned line;		/* line p is on */
};

void csv_reader_init(struct csv_reader *r, const char *text, size_t len);

/* The next record, skipping blank and '#' lines. Returns 1 with rec
 * filled, 0 at the end, -1 with *problem set: the bad record is read to
 * its end and skipped, rec->line says where it started and
 * rec->problem_field which field was at fault. Records and fields may be
 * of any length: a record whose field text does not fit is such a
 * problem. */
int csv_next(struct csv_reader *r, struct csv_record *rec, const char **problem);

#endif
