/* The inventory's CSV reader (RFC 4180 basics, contract: csv.h): one
 * record at a time, quoted fields, CRLF, blank and '#' lines skipped. Every
 * write into a record is bounded: a record of any length is read to its
 * end, kept if it fits and reported if not. */
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

/* One record being read: where its text goes, and its first problem. */
struct csv_scan {
	struct csv_record *rec;
	size_t used;		/* bytes of rec->text, field NULs included */
	const char *problem;
	int quoted, closed, at_start;
};

/* The first problem is the one reported; the record is still read to its
 * end, so the next record starts where it should. */
static void scan_problem(struct csv_scan *s, const char *why)
{
	if (!s->problem) {
		s->problem = why;
		s->rec->problem_field = s->rec->nfields - 1;
	}
}

/* Appends c, always keeping room for the record's final NUL. */
static void scan_put(struct csv_scan *s, char c)
{
	if (s->problem)
		return;
	if (s->used + 1 >= sizeof(s->rec->text)) {
		scan_problem(s, "longer than " CSV_RECORD_MAX_TEXT " bytes (a"
			     " record holds at most that much field text)");
		return;
	}
	s->rec->text[s->used++] = c;
}

static void scan_field_end(struct csv_scan *s)
{
	struct csv_record *rec = s->rec;

	s->closed = 0;
	s->at_start = 1;
	if (rec->nfields == CSV_FIELDS_MAX) {
		scan_problem(s, "more than " CSV_FIELDS_MAX_TEXT " fields");
		return;
	}
	scan_put(s, '\0');
	if (!s->problem)
		rec->field[rec->nfields] = rec->text + s->used;
	rec->nfields++;
}

/* One character outside quotes that is neither ',' nor a line end. */
static void scan_unquoted(struct csv_scan *s, char c)
{
	if (s->closed) {
		scan_problem(s, "text after a closing quote: a quoted field must"
			     " end at ',' or the end of the line");
	} else if (c == '"' && s->at_start) {
		s->quoted = 1;
		s->at_start = 0;
		return;
	} else if (c == '"') {
		scan_problem(s, "'\"' inside an unquoted field: quote the whole"
			     " field and double the '\"'");
	}
	s->at_start = 0;
	scan_put(s, c);
}

int csv_next(struct csv_reader *r, struct csv_record *rec,
	     const char **problem)
{
	struct csv_scan s = { rec, 0, NULL, 0, 0, 1 };

	*problem = NULL;
	if (!skip_ignored_lines(r))
		return 0;
	rec->line = r->line;
	rec->nfields = 1;
	rec->problem_field = 0;
	rec->field[0] = rec->text;
	while (r->p < r->end) {
		char c = *r->p++;

		if (s.quoted && c == '"' && r->p < r->end && *r->p == '"') {
			r->p++;
			scan_put(&s, c);
		} else if (s.quoted && c == '"') {
			s.quoted = 0;
			s.closed = 1;
		} else if (s.quoted) {
			r->line += c == '\n';
			scan_put(&s, c);
		} else if (c == '\r' && (r->p == r->end || *r->p == '\n')) {
			continue;
		} else if (c == '\n') {
			r->line++;
			break;
		} else if (c == ',') {
			scan_field_end(&s);
		} else {
			scan_unquoted(&s, c);
		}
	}
	if (s.quoted)
		scan_problem(&s, "quoted field never closed");
	rec->text[s.used] = '\0';
	*problem = s.problem;
	return s.problem ? -1 : 1;
}
