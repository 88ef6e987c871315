/* The inventory's CSV reader (RFC 4180 basics, contract: csv.h): one
 * record at a time, quoted fields, CRLF, blank and '#' lines skipped. */
#include "csv.h"

#include <string.h>

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

void csv_reader_init(struct csv_reader *r, const char *text, size_t len)
{
	r->p = text;
	r->end = text + len;
	r->line = 1;
}

static void skip_line(struct csv_reader *r)
{
	const char *eol = memchr(r->p, '\n', (size_t)(r->end - r->p));

	r->p = eol ? eol + 1 : r->end;
	r->line++;
}

/* Blank lines and '#' lines between records are not records. */
static int skip_ignored_lines(struct csv_reader *r)
{
	while (r->p < r->end) {
		const char *q = r->p;

		while (q < r->end && is_blank(*q))
			q++;
		if (q < r->end && *q != '\n' && *r->p != '#')
			return 1;
		skip_line(r);
	}
	return 0;
}

/* The whole record is dropped; the reader goes on after its line. */
static int csv_fail(struct csv_reader *r, const char **problem,
		    const char *why, int at_eol)
{
	*problem = why;
	if (!at_eol)
		skip_line(r);
	return -1;
}

int csv_next(struct csv_reader *r, struct csv_record *rec,
		 const char **problem)
{
	size_t used = 0;
	int quoted = 0, closed = 0, at_start = 1;

	*problem = NULL;
	if (!skip_ignored_lines(r))
		return 0;
	rec->line = r->line;
	rec->nfields = 1;
	rec->field[0] = rec->text;
	while (r->p < r->end) {
		char c = *r->p++;

		if (quoted && c == '"' && r->p < r->end && *r->p == '"') {
			r->p++;
		} else if (quoted && c == '"') {
			quoted = 0;
			closed = 1;
			continue;
		} else if (quoted) {
			r->line += c == '\n';
		} else if (c == '\r' && (r->p == r->end || *r->p == '\n')) {
			continue;
		} else if (c == '\n') {
			r->line++;
			break;
		} else if (c == ',') {
			if (rec->nfields == CSV_FIELDS_MAX)
				return csv_fail(r, problem, "more than 32 fields", 0);
			rec->text[used++] = '\0';
			rec->field[rec->nfields++] = rec->text + used;
			closed = 0;
			at_start = 1;
			continue;
		} else if (closed) {
			return csv_fail(r, problem,
					"text after a closing quote: a quoted field"
					" must end at ',' or the end of the line", 0);
		} else if (c == '"' && at_start) {
			quoted = 1;
			at_start = 0;
			continue;
		} else if (c == '"') {
			return csv_fail(r, problem,
					"'\"' inside an unquoted field: quote the"
					" whole field and double the '\"'", 0);
		}
		at_start = 0;
		if (used + 1 >= sizeof(rec->text))
			return csv_fail(r, problem, "record longer than 8191 bytes",
					0);
		rec->text[used++] = c;
	}
	if (quoted)
		return csv_fail(r, problem, "quoted field never closed", 1);
	rec->text[used] = '\0';
	return 1;
}
